//! The server's own endpoints outside `/api`, for those who run it: the health check and
//! the figures for monitoring. Neither needs an account; neither says anything of a
//! record (docs/operations.md, "Monitoring": the reverse proxy keeps `/metrics` from the
//! outside).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Whether the server accepts requests.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "`ok` once the server accepts requests (the database is not read)",
        body = String, content_type = "text/plain; charset=utf-8")))]
pub async fn health() -> &'static str {
    "ok"
}

/// This server's figures and the database's for monitoring, in Prometheus's text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200,
        description = "Prometheus's text format (version 0.0.4): counts, durations and sequence numbers only, requests counted under their route's template; `repatria_*` figures named in docs/operations.md. Not forwarded by the reverse proxy: scraped from each server directly.",
        body = String, content_type = "text/plain; version=0.0.4")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = crate::metrics::render(&state).await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
        )],
        text,
    )
        .into_response()
}
