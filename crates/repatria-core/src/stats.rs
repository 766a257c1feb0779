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

/// Sums up `captives` as of `now`.
pub fn summarize(captives: &[Captive], policy: &NoticePolicy, now: Timestamp) -> RegistryStats {
    use crate::captive::CustodyStatus;
    let mut by_status: Vec<(&'static str, usize)> =
        CustodyStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut by_detaining_power = BTreeMap::new();
    let mut months: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let mut overdue = Vec::new();
    let mut disagreements = Vec::new();
    let mut deaths_incomplete = Vec::new();
    let mut enquiries_open = Vec::new();
    for captive in captives {
        if captive.death_incomplete() {
            let died = captive
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == crate::CustodyEventKind::Died);
            deaths_incomplete.push((died.map(|e| e.at), captive.id));
        }
        if captive.enquiry_open() {
            enquiries_open.push(captive.id);
        }
        let status = captive.status();
        if let Some(slot) = by_status.iter_mut().find(|(s, _)| *s == status.as_str()) {
            slot.1 += 1;
        }
        *by_detaining_power
            .entry(captive.detaining_power.as_str().to_string())
            .or_insert(0) += 1;
        let captured = captive.capture.captured_at;
        *months
            .entry((
                chrono::Datelike::year(&captured),
                chrono::Datelike::month(&captured),
            ))
            .or_insert(0) += 1;
        for deadline in deadlines(captive, policy, now) {
            if let (DeadlineState::Overdue, Some(due_at)) = (deadline.state, deadline.due_at) {
                overdue.push(Overdue {
                    captive: captive.id,
                    kind: deadline.kind,
                    occasion: deadline.occasion.map(|o| o.0),
                    due_at,
                });
            }
        }
        if let Some(assessed) = captive
            .assessed_identity()
            .and_then(|c| c.nationality.clone())
        {
            let mut documents: Vec<String> = captive
                .claims
                .iter()
                .filter(|c| c.source == ClaimSource::DocumentFound)
                .filter_map(|c| c.nationality.clone())
                .filter(|n| *n != assessed)
                .collect();
            documents.sort();
            documents.dedup();
            if !documents.is_empty() {
                disagreements.push((
                    captive.created_at,
                    Disagreement {
                        captive: captive.id,
                        assessed,
                        documents,
                    },
                ));
            }
        }
    }
    overdue.sort_by_key(|o| (o.due_at, o.captive));
    let overdue_count = overdue.len();
    deaths_incomplete.sort();
    disagreements.sort_by_key(|(created, d)| (*created, d.captive));
    let nationality_disagreements = disagreements.len();
    RegistryStats {
        total: captives.len(),
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
}
