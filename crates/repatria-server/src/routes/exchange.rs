//! Exchange planning over HTTP: the same JSON in and out as `repatria plan`
//! (contracts/EXCHANGE.md).

use axum::body::Bytes;
use chrono::Utc;
use repatria_exchange::{parse_scenario, plan_with, PlanOptions, ScenarioError};

use super::Auth;
use crate::error::{ApiError, ApiResult};

/// Largest scenario accepted: a million prisoners fit with room to spare.
pub const MAX_SCENARIO_BYTES: usize = 512 * 1024 * 1024;

fn invalid(error: ScenarioError) -> ApiError {
    ApiError::invalid(error.field, error.message)
}

/// Computes an optimal exchange plan for a scenario. The body and the answer are the
/// scenario and plan documents of contracts/EXCHANGE.md; `terms.as_of` defaults to today.
#[utoipa::path(post, path = "/api/exchange/plan", tag = "exchange",
    request_body(content = Object, description = "A scenario as in contracts/EXCHANGE.md"),
    responses(
        (status = 200, description = "The plan, as in contracts/EXCHANGE.md", body = Object),
        (status = 400, description = "malformed JSON", body = crate::ErrorBody),
        (status = 422, description = "a bad scenario; the field is named", body = crate::ErrorBody),
    ))]
pub async fn plan(
    Auth(user): Auth,
    body: Bytes,
) -> ApiResult<axum::Json<repatria_exchange::Plan<'static>>> {
    user.require(repatria_core::Permission::PlanExchange)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(ApiError::BadRequest(format!(
            "the body is not valid JSON: {error}"
        )));
    }
    let scenario = parse_scenario(text).map_err(invalid)?;
    let today = Utc::now().date_naive();
    // Planning a large scenario takes CPU time; keep it off the request threads.
    let plan = tokio::task::spawn_blocking(move || {
        let options = PlanOptions {
            clock: Some(crate::monotonic_seconds),
            ..PlanOptions::default()
        };
        // The plan borrows its ids from the scenario, which ends with this task.
        plan_with(&scenario, &options, Some(today)).map(repatria_exchange::Plan::into_owned)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("planner task failed: {e}")))?
    .map_err(invalid)?;
    Ok(axum::Json(plan))
}
