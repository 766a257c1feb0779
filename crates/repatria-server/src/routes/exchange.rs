//! Exchange planning over HTTP: the same JSON in and out as `repatria plan`
//! (docs/exchange.md).

use axum::body::Body;
use chrono::Utc;
use repatria_exchange::{parse_scenario, plan_with, PlanOptions, ScenarioError};

use super::Auth;
use crate::error::{ApiError, ApiResult, Validate};

/// Largest scenario body accepted (64 MiB): 250,000 prisoners of 250 bytes each.
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024 * 1024;
/// Most prisoners in a scenario sent to the API (more than any exchange has moved; the
/// planner's time and memory grow with them).
pub const MAX_PRISONERS: usize = 250_000;
/// Most parties in a scenario sent to the API (sides are made of parties).
pub const MAX_PARTIES: usize = 200;

/// Refuses a scenario beyond the API's bounds: 422 naming the field and the bound.
fn check_bounds(scenario: &repatria_exchange::Scenario) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if scenario.prisoners.len() > MAX_PRISONERS {
        errors.push(repatria_core::FieldError::new(
            "prisoners",
            format!("too many: more than {MAX_PRISONERS} prisoners"),
        ));
    }
    if scenario.parties.len() > MAX_PARTIES {
        errors.push(repatria_core::FieldError::new(
            "parties",
            format!("too many: more than {MAX_PARTIES} parties"),
        ));
    }
    if scenario.sides.len() > MAX_PARTIES {
        errors.push(repatria_core::FieldError::new(
            "sides",
            format!("too many: more than {MAX_PARTIES} sides"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

fn invalid(error: ScenarioError) -> ApiError {
    ApiError::invalid(error.field, error.message)
}

/// Computes an optimal exchange plan for a scenario. The body and the answer are the
/// scenario and plan documents of docs/exchange.md; `terms.as_of` defaults to today.
/// At most 64 MiB, 250,000 prisoners and 200 parties; an account plans one exchange at a
/// time and the server two (a plan may take a minute of a core).
#[utoipa::path(post, path = "/api/exchange/plan", tag = "exchange",
    request_body(content = Object, description = "A scenario as in docs/exchange.md"),
    responses(
        (status = 200, description = "The plan, as in docs/exchange.md", body = Object),
        (status = 400, description = "malformed JSON", body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody),
        (status = 413, description = "the body is larger than 64 MiB", body = crate::ErrorBody),
        (status = 422, description = "a bad scenario, or one beyond the bounds (more than 250,000 prisoners or 200 parties); the field is named", body = crate::ErrorBody),
        (status = 429, description = "a plan of this account, or two in all, are running", body = crate::ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again"))),
    ))]
pub async fn plan(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    Auth(user): Auth,
    body: Body,
) -> ApiResult<axum::Json<repatria_exchange::Plan<'static>>> {
    user.require(repatria_core::Permission::PlanExchange)?;
    let body = crate::extract::body_bytes(body, MAX_SCENARIO_BYTES).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(ApiError::BadRequest(format!(
            "the body is not valid JSON: {error}"
        )));
    }
    let scenario = parse_scenario(text).map_err(invalid)?;
    check_bounds(&scenario)?;
    let permit = state.work.start(crate::work::Kind::Plan, &user.username)?;
    let today = Utc::now().date_naive();
    // Planning a large scenario takes CPU time; keep it off the request threads. The
    // place is held until the planner ends, even if the client has gone.
    let plan = tokio::task::spawn_blocking(move || {
        let _permit = permit;
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

/// What `POST /api/exchange/plan-held` takes: the sides and the terms; the prisoners are
/// the registry's captives held now.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldPlanRequest {
    /// Party codes per side, as `sides` in docs/exchange.md.
    pub sides: Vec<Vec<String>>,
    #[serde(default)]
    pub terms: repatria_exchange::Terms,
}

impl crate::error::Validate for HeldPlanRequest {
    type Valid = repatria_app::exchange::HeldTerms;

    fn validate(self) -> Result<Self::Valid, Vec<repatria_core::FieldError>> {
        if self.sides.len() > MAX_PARTIES {
            return Err(vec![repatria_core::FieldError::new(
                "sides",
                format!("too many: more than {MAX_PARTIES} sides"),
            )]);
        }
        Ok(repatria_app::exchange::HeldTerms {
            sides: self.sides,
            terms: self.terms,
        })
    }
}

/// Plans an exchange of the captives held now: the body names the sides and the terms,
/// and the prisoners are the registry's captives in custody or in hospital (prisoner id =
/// captive id). The answer is the plan of docs/exchange.md.
#[utoipa::path(post, path = "/api/exchange/plan-held", tag = "exchange",
    request_body(content = Object, description = "`{\"sides\": [[\"UA\"], [\"RU\", \"KP\"]], \"terms\": {…}}`, terms as in docs/exchange.md"),
    responses(
        (status = 200, description = "The plan, as in docs/exchange.md", body = Object),
        (status = 400, description = "malformed JSON", body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody),
        (status = 413, description = "the body is larger than 1 MiB", body = crate::ErrorBody),
        (status = 422, description = "bad sides or terms; the field is named", body = crate::ErrorBody),
        (status = 429, description = "a plan of this account, or two in all, are running", body = crate::ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again"))),
    ))]
pub async fn plan_held(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    Auth(user): Auth,
    crate::extract::Json(body): crate::extract::Json<HeldPlanRequest>,
) -> ApiResult<axum::Json<repatria_exchange::Plan<'static>>> {
    user.require(repatria_core::Permission::PlanExchange)?;
    let terms = body.validate()?;
    let permit = state.work.start(crate::work::Kind::Plan, &user.username)?;
    let plan = repatria_app::exchange::plan_held(
        &state.store,
        &user.actor(),
        terms,
        Utc::now(),
        Some(crate::monotonic_seconds),
        permit,
    )
    .await
    .map_err(|error| match error {
        repatria_app::exchange::PlanHeldError::Store(error) => ApiError::from(error),
        repatria_app::exchange::PlanHeldError::Scenario(error) => invalid(error),
        repatria_app::exchange::PlanHeldError::Task(detail) => {
            ApiError::Internal(format!("planner task failed: {detail}"))
        }
    })?;
    Ok(axum::Json(plan))
}
