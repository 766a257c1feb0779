//! The bureau's overview (`GET /api/dashboard`): computed by
//! [`repatria_app::dashboard`], shown here.

use axum::extract::State;
use chrono::Utc;
use repatria_core::Permission;

pub use repatria_app::dashboard::{Count, DashboardCache, DashboardView, OverduePage, OverdueView};

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
        user.role.can(Permission::DispatchNotifications),
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(view))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// `capture_card` or `health_report`; both without.
    #[param(inline)]
    pub kind: Option<repatria_core::DeadlineKind>,
    /// Where the page starts (`next_offset` of the previous page), default 0.
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)]
    pub offset: Option<u32>,
    /// Page size, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Every overdue deadline, the most overdue first, a page at a time: capture cards one
/// per occasion (Art. 70) and weekly health reports (Art. 122).
#[utoipa::path(get, path = "/api/dashboard/overdue", tag = "captives", params(OverdueQuery),
    responses((status = 200, body = OverduePage),
        (status = 400, description = "a kind outside the listed ones", body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn overdue(
    State(state): State<AppState>,
    Auth(user): Auth,
    crate::extract::Query(query): crate::extract::Query<OverdueQuery>,
) -> ApiResult<axum::Json<OverduePage>> {
    user.require(Permission::ReadCaptives)?;
    let offset = query.offset.unwrap_or(0) as usize;
    let limit = query.limit.unwrap_or(100) as usize;
    if !(1..=500).contains(&limit) {
        return Err(crate::error::ApiError::Invalid(vec![
            repatria_core::FieldError::new("limit", "must be from 1 to 500"),
        ]));
    }
    let page = repatria_app::dashboard::overdue(
        &state.dashboard,
        &state.store,
        &user.actor(),
        query.kind,
        offset,
        limit,
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(page))
}
