//! Reading the audit log.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use repatria_core::error::Validator;
use repatria_core::FieldError;
use repatria_store::PageAt;

use super::Auth;
use crate::error::{parse_number, ApiError, ApiResult, Validate};
use crate::extract::Query;
use crate::page::{ListPage, PageQuery};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this kind of entity (`captive`, `party`); needs `entity_id`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only events of this account.
    pub actor: Option<String>,
    /// Only actions that start with this, such as `captive.read` or `media_request.`.
    pub action: Option<String>,
    /// Only events after this sequence number.
    pub after: Option<String>,
}

/// Audit events, oldest first, a page at a time (the position: an event's number).
#[utoipa::path(get, path = "/api/audit/events", tag = "audit", params(AuditQuery, PageQuery),
    responses((status = 200, body = ListPage<AuditEventView>), (status = 422, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
    Query(page): Query<PageQuery>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<ListPage<AuditEventView>>> {
    user.require(repatria_core::Permission::ReadAudit)?;
    let (filter, at) = query.validate(page)?;
    let page = state.store.audit_page(&filter, &at).await?;
    Ok(axum::Json(ListPage::of(page, |e| AuditEventView {
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        entity_type: e.entity_type,
        entity_id: e.entity_id,
        request_id: e.request_id,
        detail: e.detail,
        hash: e.hash,
    })))
}

impl AuditQuery {
    /// The filter and the page.
    fn validate(
        self,
        page: PageQuery,
    ) -> Result<(repatria_store::AuditFilter, PageAt<u64>), Vec<FieldError>> {
        let mut v = Validator::new();
        let after = v
            .check(parse_number(
                self.after.as_deref(),
                "after",
                i64::MAX as u64,
            ))
            .flatten()
            .unwrap_or(0);
        let at: PageAt<u64> = page.read(&mut v);
        let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let entity = match (given(self.entity_type), given(self.entity_id)) {
            (Some(kind), Some(id)) => Some((kind, id)),
            (None, None) => None,
            _ => {
                v.push(FieldError::new(
                    "entity_id",
                    "give entity_type and entity_id together",
                ));
                None
            }
        };
        let errors = v.into_errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        let filter = repatria_store::AuditFilter {
            entity,
            actor: self.actor.filter(|a| !a.is_empty()),
            action_prefix: self.action.filter(|a| !a.is_empty()),
            after_seq: after,
            limit: at.limit,
        };
        Ok((filter, at))
    }
}

/// The latest checkpoint of the audit log: a C2SP `tlog-checkpoint` signed note (origin
/// line, number of events, base64 RFC 6962 Merkle root, blank line, signature line)
/// signed with the server's audit key. A witness keeps these and later checks them with
/// `repatria audit verify --checkpoint`. 404 when the server was started without an
/// audit key (`repatria serve --audit-key`).
#[utoipa::path(get, path = "/api/audit/checkpoint", tag = "audit",
    responses(
        (status = 200, description = "The signed checkpoint", body = String, content_type = "text/plain; charset=utf-8",
            example = "bureau.example/audit\n12\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n\n— bureau.example/audit AAAAAB...=\n"),
        (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody),
        (status = 404, description = "No audit key is configured on this server", body = crate::ErrorBody),
    ))]
pub async fn checkpoint(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<impl axum::response::IntoResponse> {
    user.require(repatria_core::Permission::ReadAudit)?;
    let Some(signer) = state.audit_signer.as_deref() else {
        return Err(ApiError::NotFound(
            "no audit checkpoint key is configured on this server (repatria serve --audit-key)"
                .into(),
        ));
    };
    let note = repatria_store::checkpoint::sign(&state.store, signer).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        note,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// The smaller size (number of events), at least 1.
    #[param(value_type = u64, required = true, minimum = 1)]
    pub old: Option<String>,
    /// The larger size, at least `old` and at most the log's size; the log's size when
    /// left out.
    #[param(value_type = u64, required = false, minimum = 1)]
    pub new: Option<String>,
}

impl Validate for ProofQuery {
    /// `old`, and `new` when given.
    type Valid = (u64, Option<u64>);

    fn validate(self) -> Result<Self::Valid, Vec<FieldError>> {
        let mut v = Validator::new();
        let old = v.check(parse_number(self.old.as_deref(), "old", i64::MAX as u64));
        let new = v
            .check(parse_number(self.new.as_deref(), "new", i64::MAX as u64))
            .flatten();
        let old = match old {
            Some(None) => {
                v.push(FieldError::new("old", "is required"));
                None
            }
            Some(Some(0)) => {
                v.push(FieldError::new(
                    "old",
                    "must be at least 1: every log extends the empty log",
                ));
                None
            }
            // Larger than `new`: there is no such proof (404, in `proof`).
            Some(Some(old)) => Some(old),
            None => None,
        };
        let errors = v.into_errors();
        match old {
            Some(old) if errors.is_empty() => Ok((old, new)),
            _ => Err(errors),
        }
    }
}

/// The RFC 6962 consistency proof between two sizes of the audit log, so that a witness
/// holding checkpoints of both sizes can check that the log only grew between them.
#[utoipa::path(get, path = "/api/audit/proof", tag = "audit", params(ProofQuery),
    responses(
        (status = 200, body = ConsistencyProofView),
        (status = 400, description = "a malformed query string", body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody),
        (status = 404, description = "`old` or `new` larger than the log, or `old` larger than `new` (`fields` names it)", body = crate::ErrorBody),
        (status = 422, description = "`old` missing, not a number or 0", body = crate::ErrorBody),
    ))]
pub async fn proof(
    State(state): State<AppState>,
    Query(query): Query<ProofQuery>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<ConsistencyProofView>> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    user.require(repatria_core::Permission::ReadAudit)?;
    let (old, new) = query.validate()?;
    if new.is_some_and(|new| old > new) {
        return Err(ApiError::unknown(
            "old",
            "a log has no consistency proof from a tree to a smaller one",
        ));
    }
    let leaves = repatria_store::checkpoint::leaves(&state.store, new).await?;
    let size = leaves.len() as u64;
    let new = new.unwrap_or(size);
    if new > size {
        return Err(ApiError::unknown(
            "new",
            format!("the log has no tree of this size yet ({size} events)"),
        ));
    }
    if old > new {
        return Err(ApiError::unknown(
            "old",
            format!("the log has no tree of this size yet ({size} events)"),
        ));
    }
    let proof = repatria_store::checkpoint::consistency(&leaves, old, new)
        .map_err(|e| ApiError::invalid("old", e.to_string()))?;
    Ok(axum::Json(ConsistencyProofView {
        old,
        new,
        old_root: STANDARD.encode(proof.old_root),
        new_root: STANDARD.encode(proof.new_root),
        proof: proof.proof.iter().map(|h| STANDARD.encode(h)).collect(),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventView {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub request_id: Option<String>,
    /// JSON text.
    pub detail: String,
    pub hash: String,
}

/// An RFC 6962 consistency proof between two sizes of the audit log (RFC 9162
/// §2.1.4): the hashes that show the log of `old` events is a prefix of the log of `new`
/// events. Hashes are base64 (standard alphabet, padded), as in checkpoints.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProofView {
    pub old: u64,
    pub new: u64,
    /// The Merkle root of the first `old` events.
    #[schema(format = Byte, example = "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=")]
    pub old_root: String,
    /// The Merkle root of the first `new` events.
    #[schema(format = Byte)]
    pub new_root: String,
    /// The proof's hashes, in order; empty when `old` equals `new`.
    #[schema(value_type = Vec<String>)]
    pub proof: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn every_bad_parameter_of_a_query_is_named_at_once() {
        let query = AuditQuery {
            entity_type: Some("captive".into()),
            entity_id: None,
            actor: None,
            action: None,
            after: Some("-1".into()),
        };
        let page = PageQuery {
            limit: Some("501".into()),
            cursor: Some("x".into()),
        };
        assert_eq!(
            fields(query.validate(page).unwrap_err()),
            ["after", "limit", "cursor", "entity_id"]
        );
        let proof = ProofQuery {
            old: Some("5".into()),
            new: Some("x".into()),
        };
        assert_eq!(fields(proof.validate().unwrap_err()), ["new"]);
        // A proof to a smaller tree reads; it is refused as one that does not exist (404).
        let proof = ProofQuery {
            old: Some("5".into()),
            new: Some("4".into()),
        };
        assert_eq!(proof.validate().unwrap(), (5, Some(4)));
        let proof = ProofQuery {
            old: None,
            new: None,
        };
        assert_eq!(fields(proof.validate().unwrap_err()), ["old"]);
        let proof = ProofQuery {
            old: Some("2".into()),
            new: None,
        };
        assert_eq!(proof.validate().unwrap(), (2, None));
    }
}
