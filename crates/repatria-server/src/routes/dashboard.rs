//! The bureau's overview (`GET /api/dashboard`): computed by
//! [`repatria_app::dashboard`], shown here.

use axum::extract::State;
use chrono::Utc;
use repatria_core::Permission;

pub use repatria_app::dashboard::{Count, DashboardCache, DashboardView};

use super::Auth;
use crate::error::ApiResult;
use crate::AppState;

/// Computes the summary ahead of the first visit (at server start).
pub async fn warm(state: &AppState) -> Result<(), crate::ApiError> {
    repatria_app::dashboard::warm(&state.dashboard, &state.store, Utc::now()).await?;
    Ok(())
}

/// The overview of the registry.
#[utoipa::path(get, path = "/api/dashboard", tag = "captives",
    responses((status = 200, body = DashboardView), (status = 403, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<DashboardView>> {
    user.require(Permission::ReadCaptives)?;
    let view = repatria_app::dashboard::overview(
        &state.dashboard,
        &state.store,
        &user.actor(),
        user.role.can(Permission::ReadTracing),
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(view))
}
