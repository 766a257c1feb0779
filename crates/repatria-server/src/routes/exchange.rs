//! Exchange planning over HTTP: the same JSON in and out as `repatria plan`
//! (docs/exchange.md).

use axum::body::Body;
use chrono::Utc;
use repatria_exchange::{parse_scenario, plan_with, PlanOptions, ScenarioError};

use serde::Deserialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

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

/// A side of a scenario: the ids of its parties, each once.
pub struct ScenarioSide;

impl PartialSchema for ScenarioSide {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .min_length(Some(1)),
            )
            .min_items(Some(1))
            .unique_items(true)
            .description(Some("A side: the ids of its parties, each once."))
            .into()
    }
}

impl ToSchema for ScenarioSide {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ScenarioSide")
    }
}

/// The scenario of docs/exchange.md ([`repatria_exchange::Scenario`]) as the document
/// describes it: what each field must be. What the fields must say of each other (every
/// party id named in `sides` and by a prisoner is one of `parties`; party and prisoner
/// ids unique; a party on one side only; no capture after `terms.as_of`, which defaults
/// to today) is the planner's to check, 422 naming the field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ScenarioInput {
    /// Every party (state or armed force) the scenario mentions.
    #[schema(max_items = 200)]
    parties: Vec<ScenarioParty>,
    /// The sides of the agreement: each a list of party ids that balance as one.
    #[schema(value_type = Vec<ScenarioSide>, max_items = 200)]
    sides: Vec<Vec<String>>,
    /// The prisoners held by any of the parties.
    #[schema(max_items = 250_000)]
    prisoners: Vec<ScenarioPrisoner>,
    #[serde(default)]
    terms: crate::routes::exchanges::TermsInput,
}

/// A party of a scenario.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ScenarioParty {
    /// Short unique id, e.g. `"UA"`.
    #[schema(min_length = 1)]
    id: String,
    /// Name shown to people.
    #[serde(default)]
    name: String,
}

/// A prisoner of a scenario.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ScenarioPrisoner {
    /// Unique id within the scenario.
    #[schema(min_length = 1)]
    id: String,
    /// The detaining power (a party id).
    held_by: String,
    /// The power of origin (a party id).
    belongs_to: String,
    /// A key of `terms.values`; a missing or unknown rank is worth 1.
    #[serde(default)]
    rank: Option<String>,
    #[serde(default)]
    seriously_wounded_or_sick: bool,
    #[serde(default)]
    refuses_repatriation: bool,
    #[serde(default)]
    transfer_barred: bool,
    #[serde(default)]
    held_for_proceedings: bool,
    #[serde(default)]
    demanded: bool,
    /// Date of capture, `YYYY-MM-DD`, not after `terms.as_of`.
    #[schema(format = Date)]
    captured_on: String,
}

/// Computes an optimal exchange plan for a scenario. The body and the answer are the
/// scenario and plan documents of docs/exchange.md; `terms.as_of` defaults to today.
/// At most 64 MiB, 250,000 prisoners and 200 parties; an account plans one exchange at a
/// time and the server two (a plan may take a minute of a core).
#[utoipa::path(post, path = "/api/exchange/plan", tag = "exchange",
    request_body(content = ScenarioInput, description = "A scenario as in docs/exchange.md"),
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

/// A side of a plan over the captives held: registered parties' codes (a code named
/// twice is one party).
pub struct HeldSide;

impl PartialSchema for HeldSide {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(crate::schema::PartyCode::schema())
            .min_items(Some(1))
            .description(Some("A side: the codes of registered parties."))
            .into()
    }
}

impl ToSchema for HeldSide {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("HeldSide")
    }
}

/// What `POST /api/exchange/plan-held` takes: the sides and the terms; the prisoners are
/// the registry's captives held now.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldPlanRequest {
    /// Party codes per side, as `sides` in docs/exchange.md: every party registered
    /// (else 404) and on one side only.
    #[schema(value_type = Vec<HeldSide>, max_items = 200)]
    pub sides: Vec<Vec<String>>,
    #[serde(default)]
    pub terms: crate::routes::exchanges::TermsInput,
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
        let mut v = repatria_core::error::Validator::new();
        let sides = self
            .sides
            .iter()
            .enumerate()
            .map(|(i, side)| {
                if side.is_empty() {
                    v.push(repatria_core::FieldError::new(
                        format!("sides[{i}]"),
                        "a side needs at least one party",
                    ));
                }
                let mut codes: Vec<String> = Vec::new();
                for (j, raw) in side.iter().enumerate() {
                    let code = v.check(
                        repatria_core::PartyCode::parse(raw)
                            .map_err(|e| e.within(&format!("sides[{i}][{j}]"))),
                    );
                    if let Some(code) = code.map(|c| c.as_str().to_string()) {
                        if !codes.contains(&code) {
                            codes.push(code);
                        }
                    }
                }
                codes
            })
            .collect();
        v.finish().map_err(|e| match e {
            repatria_core::DomainError::Invalid(fields) => fields,
            repatria_core::DomainError::Rule { field, reason } => {
                vec![repatria_core::FieldError::new(field, reason)]
            }
        })?;
        Ok(repatria_app::exchange::HeldTerms {
            sides,
            terms: self.terms.terms(),
        })
    }
}

/// Plans an exchange of the captives held now: the body names the sides and the terms,
/// and the prisoners are the registry's captives in custody or in hospital (prisoner id =
/// captive id). The answer is the plan of docs/exchange.md.
#[utoipa::path(post, path = "/api/exchange/plan-held", tag = "exchange",
    request_body(content = HeldPlanRequest, description = "`{\"sides\": [[\"UA\"], [\"RU\", \"KP\"]], \"terms\": {…}}`, terms as in docs/exchange.md"),
    responses(
        (status = 200, description = "The plan, as in docs/exchange.md", body = Object),
        (status = 400, description = "malformed JSON", body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody),
        (status = 404, description = "a party named on a side is not registered; the field is named", body = crate::ErrorBody),
        (status = 409, description = "captives held were captured after `terms.as_of`", body = crate::ErrorBody),
        (status = 413, description = "the body is larger than 1 MiB", body = crate::ErrorBody),
        (status = 422, description = "bad sides or terms, or a party on two sides; the field is named", body = crate::ErrorBody),
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
        repatria_app::exchange::PlanHeldError::NotFound(fields) => ApiError::Unknown(fields),
        repatria_app::exchange::PlanHeldError::Conflict(e) => ApiError::Rule {
            field: e.field,
            reason: e.reason,
        },
        repatria_app::exchange::PlanHeldError::Task(detail) => {
            ApiError::Internal(format!("planner task failed: {detail}"))
        }
    })?;
    Ok(axum::Json(plan))
}
