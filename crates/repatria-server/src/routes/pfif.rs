//! The registry as PFIF 1.4 for tracing services (the same document as `repatria export
//! pfif`), downloaded by those whose work is tracing; the read is audited.

use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use repatria_core::Permission;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PfifQuery {
    /// The domain of the record ids (`DOMAIN/captive.ID`), the bureau's own; default
    /// `repatria.example`.
    #[param(value_type = Option<crate::schema::RecordDomain>, inline)]
    pub domain: Option<String>,
}

/// The whole registry as PFIF 1.4: one person per captive (the assessed identity) with a
/// note on his custody status. For tracing officers and the ICRC delegate; audited
/// (`registry.export`, with the number of persons).
#[utoipa::path(get, path = "/api/registry/pfif", tag = "tracing", params(PfifQuery),
    responses((status = 200, description = "PFIF 1.4 XML", content_type = "application/xml", body = String),
        (status = 400, description = "a malformed domain", body = ErrorBody),
        (status = 422, description = "a domain a label of which begins with a digit, or longer than 63 characters", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<PfifQuery>,
) -> ApiResult<Response> {
    user.require(Permission::ReadTracing)?;
    let domain = query.domain.unwrap_or_else(|| "repatria.example".into());
    let valid = !domain.is_empty()
        && domain.len() <= 253
        && domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-']);
    if !valid {
        return Err(crate::ApiError::BadRequest(format!(
            "domain: a lower-case domain name such as bureau.example, got {domain:?}"
        )));
    }
    let (xml, _) =
        repatria_app::pfif::export(&state.store, &user.actor(), &domain, Utc::now()).await?;
    Ok(crate::documents::download(
        "application/xml; charset=utf-8",
        "registry.pfif.xml",
        xml.into_bytes(),
    ))
}
