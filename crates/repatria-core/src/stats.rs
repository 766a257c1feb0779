//! The bureau's overview of the registry: captives by status and detaining power,
//! captures per month, overdue GC III deadlines, and captives whose documents claim a
//! nationality other than the assessed one. Pure: the caller passes the records and the
//! current time.

use std::collections::BTreeMap;

use crate::captive::{Captive, ClaimSource};
use crate::deadlines::{deadlines, DeadlineKind, DeadlineState};
use crate::ids::CaptiveId;
use crate::notices::{CardOccasion, NoticePolicy};
use crate::Timestamp;

/// How many nationality disagreements (and, on the dashboard, overdue deadlines) are
/// listed by name (all are counted).
pub const LISTED: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct RegistryStats {
    pub total: usize,
    /// Status word → captives, every status present (zero included).
    pub by_status: Vec<(&'static str, usize)>,
    /// Detaining power → captives, by code.
    pub by_detaining_power: BTreeMap<String, usize>,
    /// `YYYY-MM` → captures, every month from the first capture to the last.
    pub captures_by_month: Vec<(String, usize)>,
    pub overdue_count: usize,
    /// Every overdue deadline, the most overdue first (callers page through them).
    pub overdue: Vec<Overdue>,
    /// Captives with a `died` event and no death record (Art. 120), oldest death first.
    pub deaths_incomplete: Vec<CaptiveId>,
    /// Captives whose death is under an Art. 121 enquiry not yet closed.
    pub enquiries_open: Vec<CaptiveId>,
    pub nationality_disagreements: usize,
    /// At most [`LISTED`], oldest record first.
    pub disagreements: Vec<Disagreement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overdue {
    pub captive: CaptiveId,
    pub kind: DeadlineKind,
    /// For a capture card, its occasion.
    pub occasion: Option<CardOccasion>,
    pub due_at: Timestamp,
}

/// The assessed identity says one nationality, a found document another.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub captive: CaptiveId,
    pub assessed: String,
    /// The other nationalities documents claim, sorted, without repeats.
    pub documents: Vec<String>,
}

/// What one captive adds to the summary, whatever the time: computed once per record
/// and kept until the record changes, so that a summary of a large registry is an
/// [`aggregate`] of kept facts rather than a pass over every record. The deadlines it
/// keeps are those owed and not met; which are overdue depends on the time the facts
/// are summed up at.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptiveFacts {
    pub id: CaptiveId,
    status: &'static str,
    detaining_power: String,
    /// Year and month of the capture.
    captured: (i32, u32),
    /// The deadlines owed and not met: overdue once their time is past.
    owed: Vec<Overdue>,
    /// With a `died` event and no death record: the time of the death.
    death_incomplete: Option<Option<Timestamp>>,
    enquiry_open: bool,
    /// The record's creation and what its documents say against the assessed identity.
    disagreement: Option<(Timestamp, Disagreement)>,
}

/// The facts of `captive` (see [`CaptiveFacts`]).
pub fn facts(captive: &Captive, policy: &NoticePolicy) -> CaptiveFacts {
    let death_incomplete = captive.death_incomplete().then(|| {
        captive
            .timeline
            .iter()
            .rev()
            .find(|e| e.kind == crate::CustodyEventKind::Died)
            .map(|e| e.at)
    });
    let captured = captive.capture.captured_at;
    // Deadlines as they stand after every due time: each one owed and not met is then
    // overdue; at an earlier `now` exactly those with `due_at` before it are (a card is
    // overdue once `now` passes its due time unless sent; a weekly health report once
    // `now` passes a week after the last assessment).
    let owed = deadlines(captive, policy, Timestamp::MAX_UTC)
        .into_iter()
        .filter_map(|deadline| match (deadline.state, deadline.due_at) {
            (DeadlineState::Overdue, Some(due_at)) => Some(Overdue {
                captive: captive.id,
                kind: deadline.kind,
                occasion: deadline.occasion.map(|o| o.0),
                due_at,
            }),
            _ => None,
        })
        .collect();
    let disagreement = captive
        .assessed_identity()
        .and_then(|c| c.nationality.clone())
        .and_then(|assessed| {
            let mut documents: Vec<String> = captive
                .claims
                .iter()
                .filter(|c| c.source == ClaimSource::DocumentFound)
                .filter_map(|c| c.nationality.clone())
                .filter(|n| *n != assessed)
                .collect();
            documents.sort();
            documents.dedup();
            (!documents.is_empty()).then_some((
                captive.created_at,
                Disagreement {
                    captive: captive.id,
                    assessed,
                    documents,
                },
            ))
        });
    CaptiveFacts {
        id: captive.id,
        status: captive.status().as_str(),
        detaining_power: captive.detaining_power.as_str().to_string(),
        captured: (
            chrono::Datelike::year(&captured),
            chrono::Datelike::month(&captured),
        ),
        owed,
        death_incomplete,
        enquiry_open: captive.enquiry_open(),
        disagreement,
    }
}

/// Sums up the facts of every captive as of `now`; lists that keep their input's order
/// (open enquiries) follow the order given.
pub fn aggregate<'a>(
    facts: impl IntoIterator<Item = &'a CaptiveFacts>,
    now: Timestamp,
) -> RegistryStats {
    use crate::captive::CustodyStatus;
    let mut total = 0;
    let mut by_status: Vec<(&'static str, usize)> =
        CustodyStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut by_detaining_power = BTreeMap::new();
    let mut months: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let mut overdue = Vec::new();
    let mut disagreements = Vec::new();
    let mut deaths_incomplete = Vec::new();
    let mut enquiries_open = Vec::new();
    for captive in facts {
        total += 1;
        if let Some(died) = captive.death_incomplete {
            deaths_incomplete.push((died, captive.id));
        }
        if captive.enquiry_open {
            enquiries_open.push(captive.id);
        }
        if let Some(slot) = by_status.iter_mut().find(|(s, _)| *s == captive.status) {
            slot.1 += 1;
        }
        *by_detaining_power
            .entry(captive.detaining_power.clone())
            .or_insert(0) += 1;
        *months.entry(captive.captured).or_insert(0) += 1;
        overdue.extend(captive.owed.iter().filter(|o| now > o.due_at).cloned());
        if let Some(disagreement) = &captive.disagreement {
            disagreements.push(disagreement.clone());
        }
    }
    overdue.sort_by_key(|o| (o.due_at, o.captive));
    let overdue_count = overdue.len();
    deaths_incomplete.sort();
    disagreements.sort_by_key(|(created, d)| (*created, d.captive));
    let nationality_disagreements = disagreements.len();
    RegistryStats {
        total,
        by_status,
        by_detaining_power,
        captures_by_month: every_month(&months),
        overdue_count,
        overdue,
        deaths_incomplete: deaths_incomplete.into_iter().map(|(_, id)| id).collect(),
        enquiries_open,
        nationality_disagreements,
        disagreements: disagreements
            .into_iter()
            .take(LISTED)
            .map(|(_, d)| d)
            .collect(),
    }
}

/// Sums up `captives` as of `now`.
pub fn summarize(captives: &[Captive], policy: &NoticePolicy, now: Timestamp) -> RegistryStats {
    let facts: Vec<CaptiveFacts> = captives.iter().map(|c| facts(c, policy)).collect();
    aggregate(&facts, now)
}

/// The months from the first to the last, with zero for months without captures.
fn every_month(months: &BTreeMap<(i32, u32), usize>) -> Vec<(String, usize)> {
    let (Some(first), Some(last)) = (months.keys().next(), months.keys().next_back()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut year, mut month) = *first;
    while (year, month) <= *last {
        out.push((
            format!("{year:04}-{month:02}"),
            months.get(&(year, month)).copied().unwrap_or(0),
        ));
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captive::tests::{captive, claim};
    use crate::captive::{CustodyEvent, CustodyEventKind, FacilityKind};
    use crate::ids::EventId;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(month: u32, day: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2025, month, day, 12, 0, 0)
            .unwrap()
    }

    #[test]
    fn counts_months_deadlines_and_disagreements() {
        // One captive captured in January, at a camp since 10 January, no card sent.
        let mut a = captive();
        a.add_custody_event(
            CustodyEvent {
                id: EventId(Uuid::from_u128(900)),
                kind: CustodyEventKind::Transferred,
                at: at(1, 10),
                place: Some("Camp 1".into()),
                facility: Some(FacilityKind::Camp),
                note: None,
                recorded_by: "registrar".into(),
            },
            at(1, 10),
        )
        .unwrap();
        // Its documents say RU, the assessed identity KP.
        let mut document = claim(2, "Kim");
        document.source = ClaimSource::DocumentFound;
        document.nationality = Some("RU".into());
        a.claims[0].nationality = Some("KP".into());
        a.claims.push(document);
        // Another, captured in April, in the hands of another power, documents agreeing.
        let mut b = captive();
        b.id = CaptiveId(Uuid::from_u128(99));
        b.capture.captured_at = at(4, 2);
        b.timeline[0].at = at(4, 2);
        b.detaining_power = crate::party::PartyCode::parse("RU").unwrap();
        b.claims[0].nationality = Some("KP".into());
        b.claims[0].source = ClaimSource::DocumentFound;

        let stats = summarize(&[a.clone(), b.clone()], &NoticePolicy::default(), at(2, 1));
        assert_eq!(stats.total, 2);
        assert_eq!(
            stats.by_status.iter().find(|(s, _)| *s == "in_custody"),
            Some(&("in_custody", 2))
        );
        assert_eq!(stats.by_status.iter().map(|(_, n)| n).sum::<usize>(), 2);
        assert_eq!(stats.by_detaining_power["UA"], 1);
        assert_eq!(stats.by_detaining_power["RU"], 1);
        let months: Vec<(&str, usize)> = stats
            .captures_by_month
            .iter()
            .map(|(m, n)| (m.as_str(), *n))
            .collect();
        assert_eq!(
            months,
            [
                ("2025-01", 1),
                ("2025-02", 0),
                ("2025-03", 0),
                ("2025-04", 1)
            ]
        );
        // a's capture card and its camp card are owed; b was captured after `now`'s date
        // in this test, so nothing of his is due yet.
        assert_eq!(stats.overdue_count, 2, "{:?}", stats.overdue);
        assert!(stats
            .overdue
            .iter()
            .all(|o| o.captive == a.id && o.kind == DeadlineKind::CaptureCard));
        assert_eq!(
            stats
                .overdue
                .iter()
                .map(|o| (o.occasion, o.due_at))
                .collect::<Vec<_>>(),
            [
                (
                    Some(CardOccasion::Capture),
                    a.capture.captured_at + chrono::Duration::hours(24)
                ),
                (Some(CardOccasion::CampArrival), at(1, 17)),
            ]
        );
        assert_eq!(stats.nationality_disagreements, 1);
        assert_eq!(
            stats.disagreements,
            [Disagreement {
                captive: a.id,
                assessed: "KP".into(),
                documents: vec!["RU".into()]
            }]
        );

        // Before the camp card was due only the first card is overdue; once both are
        // sent, nothing.
        let policy = NoticePolicy::default();
        assert_eq!(summarize(&[a.clone()], &policy, at(1, 12)).overdue_count, 1);
        a.record_capture_card_sent(None, at(1, 20), "registrar", at(1, 20))
            .unwrap();
        a.record_capture_card_sent(None, at(1, 20), "registrar", at(1, 20))
            .unwrap();
        assert_eq!(summarize(&[a], &policy, at(2, 1)).overdue_count, 0);
        assert_eq!(summarize(&[], &policy, at(2, 1)).captures_by_month, []);
    }

    /// Facts computed once give, at every time, the overdue deadlines that `deadlines`
    /// gives at that time: cards owed while in our hands, a card owed by a captive since
    /// released (still owed once late, not before), a weekly health report.
    #[test]
    fn facts_kept_give_the_overdue_deadlines_of_every_later_time() {
        use crate::captive::{HealthCategory, HealthRecord};
        let policy = NoticePolicy::default();
        let mut held = captive();
        held.add_custody_event(
            CustodyEvent {
                id: EventId(Uuid::from_u128(900)),
                kind: CustodyEventKind::Transferred,
                at: at(1, 10),
                place: Some("Camp 1".into()),
                facility: Some(FacilityKind::Camp),
                note: None,
                recorded_by: "registrar".into(),
            },
            at(1, 10),
        )
        .unwrap();
        held.record_health(
            HealthRecord {
                category: HealthCategory::SeriouslyWounded,
                eligible_for_direct_repatriation: false,
                note: None,
                assessed_at: at(1, 12),
                recorded_by: "medical".into(),
            },
            at(1, 12),
        )
        .unwrap();
        let mut released = captive();
        released.id = CaptiveId(Uuid::from_u128(99));
        released
            .add_custody_event(
                CustodyEvent {
                    id: EventId(Uuid::from_u128(901)),
                    kind: CustodyEventKind::Released,
                    at: at(1, 11),
                    place: None,
                    facility: None,
                    note: None,
                    recorded_by: "registrar".into(),
                },
                at(1, 11),
            )
            .unwrap();
        let captives = [held, released];
        let kept: Vec<CaptiveFacts> = captives.iter().map(|c| facts(c, &policy)).collect();
        let mut checked = 0;
        let mut now = at(1, 1);
        while now < at(3, 1) {
            let mut expected: Vec<Overdue> = captives
                .iter()
                .flat_map(|c| {
                    deadlines(c, &policy, now)
                        .into_iter()
                        .filter(|d| d.state == DeadlineState::Overdue)
                        .map(|d| Overdue {
                            captive: c.id,
                            kind: d.kind,
                            occasion: d.occasion.map(|o| o.0),
                            due_at: d.due_at.unwrap(),
                        })
                })
                .collect();
            expected.sort_by_key(|o| (o.due_at, o.captive));
            let stats = aggregate(&kept, now);
            assert_eq!(stats.overdue, expected, "at {now}");
            assert_eq!(stats, summarize(&captives, &policy, now));
            checked += expected.len();
            now += chrono::Duration::hours(5);
        }
        assert!(checked > 0);
        // Every kind was overdue at some time.
        let at_end = aggregate(&kept, at(3, 1));
        assert!(at_end
            .overdue
            .iter()
            .any(|o| o.kind == DeadlineKind::HealthReport));
        assert!(at_end.overdue.iter().any(|o| o.captive == captives[1].id));
    }
}
