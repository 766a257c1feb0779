//! Exchange planning over HTTP: the same JSON in and out as `repatria plan`
//! (docs/exchange.md).

use axum::body::Body;
use chrono::Utc;
use repatria_exchange::{parse_scenario, plan_with, PlanOptions, ScenarioError};

use super::Auth;
use crate::error::{ApiError, ApiResult};

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

/// Whether a captive is still held by his detaining power: in custody or in hospital.
/// Released, repatriated, escaped and dead captives are not.
fn is_held(captive: &repatria_core::Captive) -> bool {
    use repatria_core::CustodyStatus::*;
    matches!(captive.status(), InCustody | InHospital)
}

/// The planner's scenario for the captives held now: every party, the given sides and
/// terms, and one prisoner per held captive (id = the captive's id) — held by the
/// detaining power, belonging to the power of origin, with the assessed identity's rank
/// (lower case), seriously wounded or sick by the latest health record, refusing by the
/// recorded repatriation wish, and the date of capture.
pub fn held_scenario(
    parties: &[repatria_core::Party],
    captives: &[repatria_core::Captive],
    request: HeldPlanRequest,
) -> repatria_exchange::Scenario {
    use repatria_core::{HealthCategory, RepatriationWish};
    let prisoners = captives
        .iter()
        .filter(|c| is_held(c))
        .map(|c| repatria_exchange::Prisoner {
            id: c.id.to_string(),
            held_by: c.detaining_power.as_str().to_string(),
            belongs_to: c.power_of_origin.as_str().to_string(),
            rank: c
                .assessed_identity()
                .and_then(|claim| claim.rank.as_deref())
                .map(|rank| rank.trim().to_lowercase())
                .filter(|rank| !rank.is_empty()),
            seriously_wounded_or_sick: c.current_health().is_some_and(|h| {
                h.category == HealthCategory::SeriouslyWounded || h.eligible_for_direct_repatriation
            }),
            refuses_repatriation: c
                .repatriation_wish
                .as_ref()
                .is_some_and(|w| w.wish == RepatriationWish::Refuses),
            held_for_proceedings: false,
            demanded: false,
            captured_on: c.capture.captured_at.date_naive().to_string(),
        })
        .collect();
    repatria_exchange::Scenario {
        parties: parties
            .iter()
            .map(|p| repatria_exchange::Party {
                id: p.code.as_str().to_string(),
                name: p.name.clone(),
            })
            .collect(),
        sides: request.sides,
        prisoners,
        terms: request.terms,
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
    if body.sides.len() > MAX_PARTIES {
        return Err(ApiError::invalid(
            "sides",
            format!("too many: more than {MAX_PARTIES} sides"),
        ));
    }
    let permit = state.work.start(crate::work::Kind::Plan, &user.username)?;
    let parties = state.store.list_parties().await?;
    let captives = state.store.all_captives().await?;
    let scenario = held_scenario(&parties, &captives, body);
    // The plan is built from every held captive's record (rank, health, wish): a read of
    // personal data, audited like any other. The detail names how many, not who.
    state
        .store
        .record_read(
            &user.actor(),
            "captive.list",
            "registry",
            "captives",
            serde_json::json!({ "for": "exchange.plan_held", "considered": scenario.prisoners.len() }),
            Utc::now(),
        )
        .await?;
    let today = Utc::now().date_naive();
    let plan = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let options = PlanOptions {
            clock: Some(crate::monotonic_seconds),
            ..PlanOptions::default()
        };
        plan_with(&scenario, &options, Some(today)).map(repatria_exchange::Plan::into_owned)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("planner task failed: {e}")))?
    .map_err(invalid)?;
    Ok(axum::Json(plan))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use repatria_core::{
        Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, CustodyEvent, CustodyEventKind,
        EventId, HealthCategory, HealthRecord, IdentityClaim, NewCaptive, Party, PartyCode,
        PersonName, RepatriationWish, WishRecord,
    };

    fn at(day: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, day, 8, 0, 0).unwrap()
    }

    fn captive(held_by: &str, origin: &str, rank: Option<&str>) -> Captive {
        let mut claim = IdentityClaim::new(
            ClaimId(uuid::Uuid::now_v7()),
            ClaimSource::DocumentFound,
            PersonName {
                family: Some("Kim".into()),
                given: None,
                patronymic: None,
            },
            at(9),
            "test",
        );
        claim.rank = rank.map(String::from);
        let new = NewCaptive {
            power_of_origin: PartyCode::parse(origin).unwrap(),
            detaining_power: PartyCode::parse(held_by).unwrap(),
            capture: CaptureReport {
                captured_at: at(9),
                place: "Border".into(),
                coordinates: None,
                capturing_unit: None,
                condition: None,
            },
            claims: vec![claim],
            assessed_claim: None,
            languages: vec![],
            interpreter_required: false,
            health: None,
        };
        Captive::open(
            CaptiveId(uuid::Uuid::now_v7()),
            new,
            EventId(uuid::Uuid::now_v7()),
            "test",
            at(9),
        )
        .unwrap()
    }

    fn event(kind: CustodyEventKind, day: u32) -> CustodyEvent {
        CustodyEvent {
            id: EventId(uuid::Uuid::now_v7()),
            kind,
            at: at(day),
            place: None,
            facility: None,
            note: None,
            recorded_by: "test".into(),
        }
    }

    fn health(category: HealthCategory, eligible: bool, day: u32) -> HealthRecord {
        HealthRecord {
            category,
            eligible_for_direct_repatriation: eligible,
            note: None,
            assessed_at: at(day),
            recorded_by: "test".into(),
        }
    }

    fn request() -> HeldPlanRequest {
        HeldPlanRequest {
            sides: vec![vec!["UA".into()], vec!["RU".into(), "KP".into()]],
            terms: repatria_exchange::Terms {
                as_of: Some("2026-11-27".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_scenario_holds_the_captives_held_now_with_what_the_contract_needs() {
        let parties = vec![
            Party::new("UA", "Ukraine").unwrap(),
            Party::new("RU", "Russia").unwrap(),
            Party::new("KP", "DPRK").unwrap(),
        ];
        let plain = captive("UA", "KP", Some(" Private "));
        let mut wounded = captive("UA", "KP", None);
        // The latest record counts, whatever the order they were recorded in.
        wounded
            .record_health(health(HealthCategory::Sick, false, 12), at(20))
            .unwrap();
        wounded
            .record_health(health(HealthCategory::SeriouslyWounded, false, 10), at(20))
            .unwrap();
        let mut recovered = captive("RU", "UA", Some("Captain"));
        recovered
            .record_health(health(HealthCategory::SeriouslyWounded, false, 10), at(20))
            .unwrap();
        recovered
            .record_health(health(HealthCategory::Recovered, true, 12), at(20))
            .unwrap();
        let mut refuses = captive("RU", "UA", None);
        refuses.record_repatriation_wish(
            WishRecord {
                wish: RepatriationWish::Refuses,
                recorded_at: at(11),
                recorded_by: "test".into(),
                note: None,
            },
            at(20),
        );
        let mut in_hospital = captive("RU", "UA", None);
        in_hospital
            .add_custody_event(event(CustodyEventKind::AdmittedToHospital, 11), at(20))
            .unwrap();
        let mut repatriated = captive("UA", "KP", None);
        repatriated
            .add_custody_event(event(CustodyEventKind::Repatriated, 15), at(20))
            .unwrap();
        let mut dead = captive("UA", "KP", None);
        dead.add_custody_event(event(CustodyEventKind::Died, 15), at(20))
            .unwrap();
        let mut released = captive("RU", "UA", None);
        released
            .add_custody_event(event(CustodyEventKind::Released, 15), at(20))
            .unwrap();
        let all = vec![
            plain.clone(),
            wounded.clone(),
            recovered.clone(),
            refuses.clone(),
            in_hospital.clone(),
            repatriated,
            dead,
            released,
        ];
        let scenario = held_scenario(&parties, &all, request());
        let ids: Vec<String> = scenario.prisoners.iter().map(|p| p.id.clone()).collect();
        assert_eq!(
            ids,
            [&plain, &wounded, &recovered, &refuses, &in_hospital]
                .map(|c| c.id.to_string())
                .to_vec(),
            "released, repatriated and dead captives are not held"
        );
        let p = &scenario.prisoners;
        assert_eq!(
            (p[0].held_by.as_str(), p[0].belongs_to.as_str()),
            ("UA", "KP")
        );
        assert_eq!(p[0].rank.as_deref(), Some("private"));
        assert_eq!(p[0].captured_on, "2025-01-09");
        assert!(!p[0].seriously_wounded_or_sick && !p[0].refuses_repatriation);
        assert!(
            !p[1].seriously_wounded_or_sick,
            "the latest record says sick"
        );
        assert_eq!(p[1].rank, None);
        assert!(
            p[2].seriously_wounded_or_sick,
            "eligible for direct repatriation"
        );
        assert_eq!(p[2].rank.as_deref(), Some("captain"));
        assert!(p[3].refuses_repatriation);
        assert_eq!(scenario.parties.len(), 3);
        assert_eq!(scenario.sides, request().sides);

        // And it plans: one KP soldier for one UA soldier, the eligible one regardless.
        let plan = plan_with(&scenario, &PlanOptions::default(), None).unwrap();
        assert!(plan.optimal);
        let moved: Vec<&str> = plan.transfers.iter().map(|t| &*t.prisoner).collect();
        assert!(moved.contains(&recovered.id.to_string().as_str()));
        assert!(!moved.contains(&refuses.id.to_string().as_str()));
        let counted = plan
            .transfers
            .iter()
            .filter(|t| t.counts_toward_balance)
            .count();
        assert_eq!(counted, 2, "{plan:?}");
    }
}
