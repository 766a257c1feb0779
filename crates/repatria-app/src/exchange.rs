//! Planning an exchange of the captives held now: the registry's records become the
//! planner's scenario (docs/exchange.md), and the plan is computed off the async
//! threads. The read of every held record is audited.

use repatria_core::Timestamp;
use repatria_exchange::record::CaptiveFacts;
use repatria_exchange::{plan_with, PlanOptions, ScenarioError};
use repatria_store::{Actor, SqlStore, StoreError};

use crate::exchanges::facts_of;

/// The sides and the terms of a plan over the captives held; the prisoners come from the
/// registry.
#[derive(Debug, Clone)]
pub struct HeldTerms {
    /// Party codes per side, as `sides` in docs/exchange.md.
    pub sides: Vec<Vec<String>>,
    pub terms: repatria_exchange::Terms,
}

/// Why a plan over the captives held could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanHeldError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sides or terms are not a valid scenario; the field is named.
    #[error("{}: {}", .0.field, .0.message)]
    Scenario(ScenarioError),
    /// Parties named on the sides are not registered; each side is named.
    #[error("{}", repatria_core::FieldError::join(.0))]
    NotFound(Vec<repatria_core::FieldError>),
    /// The terms and the registry disagree: captives held were captured after
    /// `terms.as_of`.
    #[error("{0}")]
    Conflict(repatria_core::FieldError),
    /// The planner's task ended without an answer.
    #[error("planner task failed: {0}")]
    Task(String),
}

/// Whether a captive is still held by his detaining power: in custody or in hospital.
/// Released, repatriated, escaped and dead captives are not.
pub fn is_held(captive: &repatria_core::Captive) -> bool {
    use repatria_core::CustodyStatus::*;
    matches!(captive.status(), InCustody | InHospital)
}

/// The planner's scenario for the captives held now: every party, the given sides and
/// terms, and one prisoner per held captive (id = the captive's id), from his facts
/// ([`crate::exchanges::facts_of`]: parties, rank, health, wish, proceedings, demand,
/// date of capture), barred when his power of origin is on the Art. 12 list (the
/// parties' `transfer_barred`).
pub fn held_scenario(
    parties: &[repatria_core::Party],
    facts: &[CaptiveFacts],
    request: HeldTerms,
) -> repatria_exchange::Scenario {
    let barred = crate::exchanges::barred_of(parties);
    let prisoners = facts
        .iter()
        .filter(|f| f.held)
        .map(|f| repatria_exchange::Prisoner {
            id: f.id.to_string(),
            held_by: f.held_by.as_str().to_string(),
            belongs_to: f.belongs_to.as_str().to_string(),
            rank: f.rank.clone(),
            seriously_wounded_or_sick: f.seriously_wounded_or_sick,
            refuses_repatriation: f.refuses_repatriation,
            transfer_barred: barred.contains(&f.belongs_to),
            held_for_proceedings: f.proceedings.is_some(),
            demanded: f.demanded,
            captured_on: f.captured_on.to_string(),
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

/// The parties named on the sides that are not registered, each named by its field
/// (`sides[1][0]: no party XX is registered`); empty when all are.
pub fn unregistered(
    parties: &[repatria_core::Party],
    sides: &[Vec<String>],
) -> Vec<repatria_core::FieldError> {
    let unknown: Vec<repatria_core::FieldError> = sides
        .iter()
        .enumerate()
        .flat_map(|(i, side)| side.iter().enumerate().map(move |(j, p)| (i, j, p)))
        .filter(|(_, _, p)| {
            !parties
                .iter()
                .any(|party| party.code.as_str() == p.as_str())
        })
        .map(|(i, j, p)| {
            repatria_core::FieldError::new(
                format!("sides[{i}][{j}]"),
                format!("no party {p} is registered"),
            )
        })
        .collect();
    unknown
}

/// How many prisoners of a scenario were captured after its reference date
/// (`terms.as_of`, else `today`), said on `terms.as_of` as the conflict it is between
/// the terms and the registry; `None` when none was. The planner would refuse the first
/// of them by its index, which names nothing for whoever sent the terms.
pub fn captured_after(
    scenario: &repatria_exchange::Scenario,
    today: chrono::NaiveDate,
) -> Option<repatria_core::FieldError> {
    let as_of = match &scenario.terms.as_of {
        Some(text) => repatria_exchange::parse_date(text).ok()?,
        None => today,
    };
    let after = scenario
        .prisoners
        .iter()
        .filter(|p| repatria_exchange::parse_date(&p.captured_on).is_ok_and(|d| d > as_of))
        .count();
    (after > 0).then(|| {
        repatria_core::FieldError::new(
            "terms.as_of",
            format!(
                "{after} of the captives held were captured after {as_of}; plan as of a later date"
            ),
        )
    })
}

/// Runs the planner on a blocking thread, off the async threads, with `clock` as its
/// time budget's clock; `guard` is kept until it ends. `Err` when the task itself
/// failed.
pub(crate) async fn plan_off_thread<G: Send + 'static>(
    scenario: repatria_exchange::Scenario,
    today: chrono::NaiveDate,
    clock: Option<fn() -> f64>,
    guard: G,
) -> Result<Result<repatria_exchange::Plan<'static>, ScenarioError>, String> {
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let options = PlanOptions {
            clock,
            ..PlanOptions::default()
        };
        plan_with(&scenario, &options, Some(today)).map(repatria_exchange::Plan::into_owned)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Plans an exchange of the captives held at `now`: reads every party and captive,
/// records the read (how many captives were considered, not who), and runs the planner
/// on a blocking thread with `clock` as its time budget's clock. `guard` is kept until
/// the planner ends (a place among the plans allowed to run at once).
pub async fn plan_held<G: Send + 'static>(
    store: &SqlStore,
    actor: &Actor,
    request: HeldTerms,
    now: Timestamp,
    clock: Option<fn() -> f64>,
    guard: G,
) -> Result<repatria_exchange::Plan<'static>, PlanHeldError> {
    let parties = store.list_parties().await?;
    let unknown = unregistered(&parties, &request.sides);
    if !unknown.is_empty() {
        return Err(PlanHeldError::NotFound(unknown));
    }
    let captives = store.all_captives().await?;
    let demanded = store.demanded_captives(None).await?;
    let facts: Vec<CaptiveFacts> = captives
        .iter()
        .map(|c| facts_of(c, demanded.contains(&c.id)))
        .collect();
    let scenario = held_scenario(&parties, &facts, request);
    store
        .record_read(
            actor,
            repatria_store::AuditAction::CaptiveList,
            "registry",
            "captives",
            serde_json::json!({ "for": "exchange.plan_held", "considered": scenario.prisoners.len() }),
            now,
        )
        .await?;
    if let Some(conflict) = captured_after(&scenario, now.date_naive()) {
        return Err(PlanHeldError::Conflict(conflict));
    }
    plan_off_thread(scenario, now.date_naive(), clock, guard)
        .await
        .map_err(PlanHeldError::Task)?
        .map_err(PlanHeldError::Scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use repatria_core::{
        fixtures, Captive, CaptiveId, CustodyEvent, CustodyEventKind, EventId, HealthCategory,
        HealthRecord, Party, RepatriationWish, WishRecord,
    };
    use repatria_exchange::{plan_with, PlanOptions};

    fn at(day: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, day, 8, 0, 0).unwrap()
    }

    /// A captive of `origin` held by `held_by` (captured on 9 January 2025), with `rank`.
    fn captive(held_by: &str, origin: &str, rank: Option<&str>) -> Captive {
        let mut new = fixtures::new_captive(origin, "Kim", "Min-jun");
        new.detaining_power = fixtures::party(held_by);
        new.claims[0].rank = rank.map(String::from);
        fixtures::captive(CaptiveId(fixtures::next_uuid()), new)
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

    fn request() -> HeldTerms {
        HeldTerms {
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
        // The facts as the registry gives them: demanded where `demanded` says.
        let facts = |captives: &[Captive], demanded: &[CaptiveId]| -> Vec<_> {
            captives
                .iter()
                .map(|c| facts_of(c, demanded.contains(&c.id)))
                .collect()
        };
        let scenario = held_scenario(&parties, &facts(&all, &[]), request());
        // The registry's facts the planner needs: proceedings (Art. 115) and confirmed
        // demands.
        let mut held = plain.clone();
        held.set_proceedings(
            Some(repatria_core::Proceedings {
                reference: "Case 7/2025".into(),
                since: at(12),
                recorded_by: "test".into(),
                note: None,
            }),
            at(20),
        )
        .unwrap();
        let with_facts = held_scenario(
            &parties,
            &facts(&[held, wounded.clone()], &[wounded.id]),
            request(),
        );
        assert!(with_facts.prisoners[0].held_for_proceedings);
        assert!(!with_facts.prisoners[0].demanded);
        assert!(!with_facts.prisoners[1].held_for_proceedings);
        assert!(with_facts.prisoners[1].demanded);
        // A power of origin on the Art. 12 list bars his transfer.
        let mut on_the_list = parties.clone();
        on_the_list[2].transfer_barred = Some("not able to apply the Convention".into());
        let barred = held_scenario(&on_the_list, &facts(&all, &[]), request());
        let flags: Vec<(&str, bool)> = barred
            .prisoners
            .iter()
            .map(|p| (p.belongs_to.as_str(), p.transfer_barred))
            .collect();
        assert!(
            flags.iter().all(|(origin, b)| *b == (*origin == "KP")),
            "{flags:?}"
        );
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

    #[test]
    fn sides_name_registered_parties_and_captures_come_before_the_reference_date() {
        let parties = vec![
            Party::new("UA", "Ukraine").unwrap(),
            Party::new("RU", "Russia").unwrap(),
        ];
        let sides = |s: &[&[&str]]| -> Vec<Vec<String>> {
            s.iter()
                .map(|side| side.iter().map(|p| p.to_string()).collect())
                .collect()
        };
        assert_eq!(unregistered(&parties, &sides(&[&["UA"], &["RU"]])), vec![]);
        assert_eq!(
            repatria_core::FieldError::join(&unregistered(
                &parties,
                &sides(&[&["UA", "XX"], &["RU", "YY"]])
            )),
            "sides[0][1]: no party XX is registered; sides[1][1]: no party YY is registered"
        );

        // Captured on 9 January 2025.
        let held = captive("UA", "RU", None);
        let facts = [facts_of(&held, false)];
        let as_of = |date: Option<&str>| {
            let mut request = request();
            request.sides = sides(&[&["UA"], &["RU"]]);
            request.terms.as_of = date.map(String::from);
            held_scenario(&parties, &facts, request)
        };
        let today = chrono::NaiveDate::from_ymd_opt(2025, 1, 8).unwrap();
        assert_eq!(captured_after(&as_of(Some("2025-01-09")), today), None);
        let early = captured_after(&as_of(Some("2025-01-08")), today).unwrap();
        assert_eq!(early.field, "terms.as_of");
        assert!(
            early.reason.starts_with("1 of the captives held"),
            "{early}"
        );
        // Without a date, today's.
        assert!(captured_after(&as_of(None), today).is_some());
        assert_eq!(
            captured_after(&as_of(None), today.succ_opt().unwrap()),
            None
        );
        // A date the planner cannot read is the planner's to refuse, naming the field.
        assert_eq!(captured_after(&as_of(Some("2025-13-01")), today), None);
    }
}
