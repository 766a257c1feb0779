//! Pages: media.

use axum::Router;

use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
