//! Legal clocks computed from a captive's record. Pure: the caller passes the current
//! time, so that a dashboard, a report and a test agree on what is overdue.

use chrono::Duration;

use crate::captive::{Captive, CustodyStatus};
use crate::words;
use crate::Timestamp;

words! {
    /// Which duty a deadline belongs to.
    pub enum DeadlineKind {
        /// Capture card to the family and the Central Agency no later than one week after
        /// arrival at a camp, transit camps included (Art. 70).
        CaptureCard = "capture_card",
        /// While seriously wounded or sick, a health report every week (Art. 122).
        HealthReport = "health_report",
    }
}

impl DeadlineKind {
    pub fn article(&self) -> &'static str {
        match self {
            DeadlineKind::CaptureCard => "GC III Art. 70",
            DeadlineKind::HealthReport => "GC III Art. 122",
        }
    }
}

words! {
    /// Where a deadline stands at the time asked about.
    pub enum DeadlineState {
        /// The duty has been done.
        Met = "met",
        /// Not yet done, not yet late. `due_at` may be unknown while the clock has not
        /// started (no arrival at a camp yet).
        Pending = "pending",
        /// Not done and late.
        Overdue = "overdue",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due_at: Option<Timestamp>,
    pub state: DeadlineState,
}

const ONE_WEEK: Duration = Duration::days(7);

/// The deadlines that apply to `captive` at `now`.
pub fn deadlines(captive: &Captive, now: Timestamp) -> Vec<Deadline> {
    let mut result = Vec::new();
    let status = captive.status();
    let in_our_hands = matches!(status, CustodyStatus::InCustody | CustodyStatus::InHospital);

    // Art. 70: the card is due "immediately upon capture, or not more than one week after
    // arrival at a camp"; the latest lawful moment is what can be enforced.
    let arrival = captive
        .timeline
        .iter()
        .find(|e| e.facility.is_some_and(|f| f.is_camp()))
        .map(|e| e.at);
    let due_at = arrival.map(|a| a + ONE_WEEK);
    let state = match (captive.capture_card_sent_at, due_at) {
        (Some(_), _) => DeadlineState::Met,
        (None, Some(due)) if now > due => DeadlineState::Overdue,
        _ => DeadlineState::Pending,
    };
    if in_our_hands || captive.capture_card_sent_at.is_some() || state == DeadlineState::Overdue {
        result.push(Deadline {
            kind: DeadlineKind::CaptureCard,
            due_at,
            state,
        });
    }

    // Art. 122: health reports "regularly, every week if possible" for the seriously ill
    // or wounded, for as long as they are in our hands and in that state.
    if let Some(current) = captive.current_health() {
        if in_our_hands && current.category.needs_weekly_report() {
            let due = current.assessed_at + ONE_WEEK;
            let state = if now > due {
                DeadlineState::Overdue
            } else {
                DeadlineState::Pending
            };
            result.push(Deadline {
                kind: DeadlineKind::HealthReport,
                due_at: Some(due),
                state,
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captive::tests::captive;
    use crate::captive::{
        CustodyEvent, CustodyEventKind, FacilityKind, HealthCategory, HealthRecord,
    };
    use crate::ids::EventId;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2025, 1, day, 12, 0, 0)
            .unwrap()
    }

    fn arrive(c: &mut Captive, day: u32, facility: FacilityKind) {
        let event = CustodyEvent {
            id: EventId(Uuid::from_u128(day as u128)),
            kind: CustodyEventKind::Transferred,
            at: at(day),
            place: Some("Camp 1".into()),
            facility: Some(facility),
            note: None,
            recorded_by: "registrar".into(),
        };
        c.add_custody_event(event, at(31)).unwrap();
    }

    fn health(c: &mut Captive, category: HealthCategory, day: u32) {
        let record = HealthRecord {
            category,
            eligible_for_direct_repatriation: false,
            note: None,
            assessed_at: at(day),
            recorded_by: "medical".into(),
        };
        c.record_health(record, at(31)).unwrap();
    }

    fn find(c: &Captive, kind: DeadlineKind, now: Timestamp) -> Option<Deadline> {
        deadlines(c, now).into_iter().find(|d| d.kind == kind)
    }

    #[test]
    fn capture_card_waits_for_arrival_at_a_camp_then_runs_one_week() {
        let mut c = captive();
        let before = find(&c, DeadlineKind::CaptureCard, at(30)).unwrap();
        assert_eq!(
            (before.due_at, before.state),
            (None, DeadlineState::Pending)
        );

        arrive(&mut c, 10, FacilityKind::Hospital);
        assert_eq!(
            find(&c, DeadlineKind::CaptureCard, at(30)).unwrap().due_at,
            None,
            "a hospital is no camp"
        );

        arrive(&mut c, 12, FacilityKind::TransitCamp);
        let on_time = find(&c, DeadlineKind::CaptureCard, at(19)).unwrap();
        assert_eq!(
            (on_time.due_at, on_time.state),
            (Some(at(19)), DeadlineState::Pending)
        );
        let late = find(&c, DeadlineKind::CaptureCard, at(20)).unwrap();
        assert_eq!(late.state, DeadlineState::Overdue);

        c.record_capture_card_sent(at(21), at(21)).unwrap();
        assert_eq!(
            find(&c, DeadlineKind::CaptureCard, at(25)).unwrap().state,
            DeadlineState::Met
        );
    }

    #[test]
    fn weekly_health_report_runs_only_while_seriously_wounded_or_sick() {
        let mut c = captive();
        assert_eq!(find(&c, DeadlineKind::HealthReport, at(30)), None);

        health(&mut c, HealthCategory::SeriouslyWounded, 10);
        let due = find(&c, DeadlineKind::HealthReport, at(16)).unwrap();
        assert_eq!(
            (due.due_at, due.state),
            (Some(at(17)), DeadlineState::Pending)
        );
        assert_eq!(
            find(&c, DeadlineKind::HealthReport, at(18)).unwrap().state,
            DeadlineState::Overdue
        );

        health(&mut c, HealthCategory::Sick, 17);
        assert_eq!(
            find(&c, DeadlineKind::HealthReport, at(18)).unwrap().due_at,
            Some(at(24))
        );

        health(&mut c, HealthCategory::Convalescent, 24);
        assert_eq!(find(&c, DeadlineKind::HealthReport, at(30)), None);
    }

    #[test]
    fn no_weekly_report_is_due_once_the_captive_has_gone_home() {
        let mut c = captive();
        health(&mut c, HealthCategory::SeriouslyWounded, 10);
        let event = CustodyEvent {
            id: EventId(Uuid::from_u128(99)),
            kind: CustodyEventKind::Repatriated,
            at: at(12),
            place: None,
            facility: Some(FacilityKind::Crossing),
            note: None,
            recorded_by: "registrar".into(),
        };
        c.add_custody_event(event, at(31)).unwrap();
        assert_eq!(find(&c, DeadlineKind::HealthReport, at(30)), None);
    }
}
