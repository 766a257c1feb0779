//! Reading the audit log.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Auth;
use crate::dto::AuditEventView;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only events about this kind of entity (`captive`, `party`); needs `entity_id`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only events of this account.
    pub actor: Option<String>,
    /// Only actions that start with this, such as `captive.read` or `media_request.`.
    pub action: Option<String>,
    /// Events after this sequence number (for paging).
    pub after: Option<String>,
    /// At most this many events (default 100, max 1000).
    pub limit: Option<String>,
}

/// Audit events, oldest first.
#[utoipa::path(get, path = "/api/audit/events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEventView>), (status = 422, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<Vec<AuditEventView>>> {
    user.require(repatria_core::Permission::ReadAudit)?;
    let after = parse_number(query.after.as_deref(), "after", u64::MAX)?.unwrap_or(0);
    let limit = parse_number(query.limit.as_deref(), "limit", 1000)?.unwrap_or(100) as u32;
    let entity = match (&query.entity_type, &query.entity_id) {
        (Some(kind), Some(id)) => Some((kind.clone(), id.clone())),
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "entity_id",
                "give entity_type and entity_id together",
            ))
        }
    };
    let filter = repatria_store::AuditFilter {
        entity,
        actor: query.actor.filter(|a| !a.is_empty()),
        action_prefix: query.action.filter(|a| !a.is_empty()),
        after_seq: after,
        limit,
    };
    let events = state.store.audit_events(&filter).await?;
    Ok(axum::Json(
        events
            .into_iter()
            .map(|e| AuditEventView {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                request_id: e.request_id,
                detail: e.detail,
                hash: e.hash,
            })
            .collect(),
    ))
}

/// Parses an optional non-negative integer parameter no greater than `max`.
pub fn parse_number(raw: Option<&str>, field: &str, max: u64) -> ApiResult<Option<u64>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n <= max => Ok(Some(n)),
            Ok(_) => Err(ApiError::invalid(field, format!("must be at most {max}"))),
            Err(_) => Err(ApiError::invalid(
                field,
                format!("must be a non-negative integer, got {s:?}"),
            )),
        },
    }
}
