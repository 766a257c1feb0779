//! Legal clocks computed from a captive's record. Pure: the caller passes the current
//! time, so that a dashboard, a report and a test agree on what is overdue.

use chrono::Duration;

use crate::captive::{Captive, CustodyStatus};
use crate::ids::EventId;
use crate::notices::{CardOccasion, NoticePolicy};
use crate::words;
use crate::Timestamp;

words! {
    /// Which duty a deadline belongs to.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum DeadlineKind {
        /// A capture card to the family and the Central Agency: immediately on capture,
        /// no later than one week after arrival at a camp (transit camps included), and
        /// again on admission to hospital and on transfer (Art. 70), one per occasion.
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
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum DeadlineState {
        /// The duty has been done.
        Met = "met",
        /// Not yet done, not yet late.
        Pending = "pending",
        /// Not done and late.
        Overdue = "overdue",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// For a capture card: its occasion and the custody event it is for.
    pub occasion: Option<(CardOccasion, EventId)>,
    pub due_at: Option<Timestamp>,
    pub state: DeadlineState,
}

const ONE_WEEK: Duration = Duration::days(7);

/// The deadlines that apply to `captive` at `now`: one per capture card, then the weekly
/// health report.
pub fn deadlines(captive: &Captive, policy: &NoticePolicy, now: Timestamp) -> Vec<Deadline> {
    let mut result = Vec::new();
    let status = captive.status();
    let in_our_hands = matches!(status, CustodyStatus::InCustody | CustodyStatus::InHospital);

    for card in captive.capture_cards(policy) {
        let state = card.state(now);
        // A card not sent while he was ours stays overdue: it was owed.
        if in_our_hands || state != DeadlineState::Pending {
            result.push(Deadline {
                kind: DeadlineKind::CaptureCard,
                occasion: Some((card.occasion, card.event)),
                due_at: Some(card.due_at),
                state,
            });
        }
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
                occasion: None,
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
        deadlines(c, &NoticePolicy::default(), now)
            .into_iter()
            .find(|d| d.kind == kind)
    }

    #[test]
    fn art_70_a_card_per_occasion_each_with_its_own_due_date_and_state() {
        let mut c = captive();
        let policy = NoticePolicy::default();
        let captured = c.capture.captured_at;
        let cards = |c: &Captive, now| -> Vec<(Option<Timestamp>, DeadlineState)> {
            deadlines(c, &policy, now)
                .into_iter()
                .filter(|d| d.kind == DeadlineKind::CaptureCard)
                .map(|d| (d.due_at, d.state))
                .collect()
        };
        let due = captured + chrono::Duration::hours(24);
        assert_eq!(
            cards(&c, captured),
            [(Some(due), DeadlineState::Pending)],
            "due on capture, before any camp"
        );
        assert_eq!(
            cards(&c, due + chrono::Duration::seconds(1))[0].1,
            DeadlineState::Overdue
        );

        arrive(&mut c, 10, FacilityKind::Hospital);
        arrive(&mut c, 12, FacilityKind::TransitCamp);
        c.record_capture_card_sent(None, at(10), "registrar", at(30))
            .unwrap();
        assert_eq!(
            cards(&c, at(20)),
            [
                (Some(due), DeadlineState::Met),
                (Some(at(17)), DeadlineState::Overdue),
                (Some(at(19)), DeadlineState::Overdue),
            ]
        );
        let camp = deadlines(&c, &policy, at(20))[2].occasion.unwrap();
        assert_eq!(camp.0, CardOccasion::CampArrival);
        c.record_capture_card_sent(Some(camp.1), at(18), "registrar", at(30))
            .unwrap();
        assert_eq!(cards(&c, at(20))[2].1, DeadlineState::Met);
    }

    #[test]
    fn art_70_a_card_cannot_be_marked_sent_before_it_exists() {
        let mut c = captive();
        let unknown = EventId(Uuid::from_u128(4242));
        assert!(matches!(
            c.record_capture_card_sent(Some(unknown), at(12), "registrar", at(30)),
            Err(crate::DomainError::Rule { field, .. }) if field == "occasion"
        ));
        arrive(&mut c, 12, FacilityKind::Camp);
        let camp = c.timeline[1].id;
        assert!(
            matches!(
                c.record_capture_card_sent(Some(camp), at(11), "registrar", at(30)),
                Err(crate::DomainError::Rule { field, .. }) if field == "sent_at"
            ),
            "sent before the arrival it reports"
        );
        c.record_capture_card_sent(Some(camp), at(13), "registrar", at(30))
            .unwrap();
        assert!(c
            .record_capture_card_sent(Some(camp), at(14), "registrar", at(30))
            .is_err());
        assert_eq!(c.capture_card_sent_at, None, "the first card is still owed");
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
