//! What the bureau must send, derived from the record: the capture cards of Art. 70 (one
//! per occasion, each with its due date) and the notifications of Arts. 122–123 that a
//! change of the record causes. Pure: the caller passes the record before and after a
//! change, the policy and the current time, and stores what comes back in the same
//! transaction as the change.

use chrono::Duration;

use crate::captive::{Captive, CustodyEvent, CustodyEventKind, FacilityKind};
use crate::ids::EventId;
use crate::words;
use crate::Timestamp;

/// How long the bureau has for what the Convention wants sent "immediately"
/// (Art. 122: forwarded "immediately by the most rapid means"; Art. 70: the card
/// "immediately upon capture").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticePolicy {
    pub immediately: Duration,
}

impl NoticePolicy {
    /// The default: 24 hours.
    pub const DEFAULT_HOURS: u32 = 24;
    /// The longest "immediately" a bureau may configure: one week.
    pub const MAX_HOURS: u32 = 168;

    pub fn hours(hours: u32) -> NoticePolicy {
        NoticePolicy {
            immediately: Duration::hours(i64::from(hours.clamp(1, Self::MAX_HOURS))),
        }
    }
}

impl Default for NoticePolicy {
    fn default() -> NoticePolicy {
        NoticePolicy::hours(Self::DEFAULT_HOURS)
    }
}

/// The longest Art. 70 allows after arrival at a camp (transit camps included).
pub const CARD_WEEK: Duration = Duration::days(7);

words! {
    /// Why a capture card is due (Art. 70, Annex IV B: "each time his address is
    /// altered").
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum CardOccasion {
        /// Immediately upon capture.
        Capture = "capture",
        /// Not more than one week after arrival at a camp, transit camps included.
        CampArrival = "camp_arrival",
        /// Admission to a hospital.
        HospitalAdmission = "hospital_admission",
        /// Transfer to another camp or place of detention.
        Transfer = "transfer",
    }
}

/// A capture card that is due for one occasion, and whether it has been sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureCard {
    /// The custody event the card is for: its identifier is the card's.
    pub event: EventId,
    pub occasion: CardOccasion,
    /// When the occasion happened.
    pub event_at: Timestamp,
    /// Where the captive is from then on (the card's "present address").
    pub place: Option<String>,
    pub due_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl CaptureCard {
    /// Where the card stands at `now`: sent, owed, or owed and late.
    pub fn state(&self, now: Timestamp) -> crate::deadlines::DeadlineState {
        use crate::deadlines::DeadlineState;
        match self.sent_at {
            Some(_) => DeadlineState::Met,
            None if now > self.due_at => DeadlineState::Overdue,
            None => DeadlineState::Pending,
        }
    }
}

/// Records that a card was sent, kept on the record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CardSent {
    /// The card: the custody event of its occasion.
    pub event: EventId,
    pub sent_at: Timestamp,
    pub recorded_by: String,
}

/// The occasion a custody event is for a capture card, given the events before it.
fn occasion(event: &CustodyEvent, earlier: &[CustodyEvent]) -> Option<CardOccasion> {
    use CustodyEventKind as K;
    let hospital = |f: Option<FacilityKind>| {
        matches!(
            f,
            Some(FacilityKind::Hospital | FacilityKind::FieldHospital)
        )
    };
    let camp = |f: Option<FacilityKind>| f.is_some_and(|f| f.is_camp());
    match event.kind {
        K::Captured => Some(CardOccasion::Capture),
        K::AdmittedToHospital => Some(CardOccasion::HospitalAdmission),
        K::Transferred | K::Evacuated | K::Discharged if hospital(event.facility) => {
            (event.kind != K::Discharged).then_some(CardOccasion::HospitalAdmission)
        }
        K::Transferred | K::Evacuated | K::Discharged if camp(event.facility) => {
            if earlier.iter().any(|e| camp(e.facility)) {
                // Back to a camp after a hospital stay, or to another camp.
                (event.kind != K::Discharged || !same_camp_as_before(event, earlier))
                    .then_some(CardOccasion::Transfer)
            } else {
                Some(CardOccasion::CampArrival)
            }
        }
        K::Transferred
            if matches!(
                event.facility,
                Some(FacilityKind::DetentionSite | FacilityKind::Other) | None
            ) =>
        {
            Some(CardOccasion::Transfer)
        }
        _ => None,
    }
}

/// A discharge back to the camp he was in before the hospital is no change of address.
fn same_camp_as_before(event: &CustodyEvent, earlier: &[CustodyEvent]) -> bool {
    earlier
        .iter()
        .rev()
        .find(|e| e.facility.is_some_and(|f| f.is_camp()))
        .is_some_and(|e| e.place.is_some() && e.place == event.place)
}

impl Captive {
    /// The capture cards due for this record, one per occasion, oldest first.
    pub fn capture_cards(&self, policy: &NoticePolicy) -> Vec<CaptureCard> {
        let mut cards = Vec::new();
        for (index, event) in self.timeline.iter().enumerate() {
            let Some(occasion) = occasion(event, &self.timeline[..index]) else {
                continue;
            };
            let due_at = match occasion {
                CardOccasion::Capture => event.at + policy.immediately,
                _ => event.at + CARD_WEEK,
            };
            let sent_at = self
                .cards_sent
                .iter()
                .find(|s| s.event == event.id)
                .map(|s| s.sent_at)
                // Records kept before cards were told apart: the one date recorded is the
                // first card's.
                .or(if index == 0 {
                    self.capture_card_sent_at
                } else {
                    None
                });
            cards.push(CaptureCard {
                event: event.id,
                occasion,
                event_at: event.at,
                place: event.place.clone(),
                due_at,
                sent_at,
            });
        }
        cards
    }
}

words! {
    /// What a notification to the power of origin reports (Arts. 70, 120, 122).
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum NotificationKind {
        /// The capture, when the record is opened.
        Capture = "capture",
        /// A capture card (Art. 70).
        CaptureCard = "capture_card",
        Transfer = "transfer",
        HospitalAdmission = "hospital_admission",
        HospitalDischarge = "hospital_discharge",
        Escape = "escape",
        Death = "death",
        /// The particulars of a death recorded after the death itself (Art. 120).
        DeathCertificate = "death_certificate",
        Release = "release",
        Repatriation = "repatriation",
        /// The health of a seriously wounded or sick prisoner (Art. 122, weekly if
        /// possible).
        HealthReport = "health_report",
        /// A correction of an earlier notification; notifications are never edited.
        Correction = "correction",
    }
}

impl NotificationKind {
    /// The article that asks for it.
    pub fn article(&self) -> &'static str {
        match self {
            NotificationKind::CaptureCard => "GC III Art. 70",
            NotificationKind::Death | NotificationKind::DeathCertificate => "GC III Art. 120",
            _ => "GC III Art. 122",
        }
    }

    /// The notification a custody event causes, if any.
    pub fn for_event(kind: CustodyEventKind) -> Option<NotificationKind> {
        use CustodyEventKind as K;
        Some(match kind {
            K::Captured => NotificationKind::Capture,
            K::Evacuated | K::Transferred => NotificationKind::Transfer,
            K::AdmittedToHospital => NotificationKind::HospitalAdmission,
            K::Discharged => NotificationKind::HospitalDischarge,
            K::Escaped => NotificationKind::Escape,
            K::Died => NotificationKind::Death,
            K::Released => NotificationKind::Release,
            K::Repatriated => NotificationKind::Repatriation,
            K::Interviewed | K::VisitedByIcrc => return None,
        })
    }
}

words! {
    /// Where a notification stands: it changes once, when its dispatch sends it.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum NotificationState {
        Pending = "pending",
        Dispatched = "dispatched",
    }
}

/// A notification a change causes, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NotificationKind,
    /// The custody event it reports (for a capture card, the card's occasion).
    pub event: Option<EventId>,
    /// When what it reports happened.
    pub event_at: Timestamp,
    /// When the Convention expects it to have left.
    pub due_at: Timestamp,
}

/// The notifications that changing `before` (`None`: a new record) into `after` causes
/// at `now`. What the bureau learns it forwards "immediately": an event's notification is
/// due `policy.immediately` after it was recorded; a capture card's when its Art. 70
/// clock runs out.
pub fn notices(
    before: Option<&Captive>,
    after: &Captive,
    policy: &NoticePolicy,
    now: Timestamp,
) -> Vec<Notice> {
    let due = now + policy.immediately;
    let mut result = Vec::new();
    let known = |id: EventId| before.is_some_and(|b| b.timeline.iter().any(|e| e.id == id));
    for event in &after.timeline {
        if known(event.id) {
            continue;
        }
        if let Some(kind) = NotificationKind::for_event(event.kind) {
            result.push(Notice {
                kind,
                event: Some(event.id),
                event_at: event.at,
                due_at: due,
            });
        }
    }
    let cards_before: Vec<EventId> = before
        .map(|b| b.capture_cards(policy).iter().map(|c| c.event).collect())
        .unwrap_or_default();
    for card in after.capture_cards(policy) {
        if !cards_before.contains(&card.event) {
            result.push(Notice {
                kind: NotificationKind::CaptureCard,
                event: Some(card.event),
                event_at: card.event_at,
                due_at: card.due_at,
            });
        }
    }
    let health_before = before.map_or(0, |b| b.health.len());
    for record in after.health.iter().skip(health_before) {
        if record.category.needs_weekly_report() {
            result.push(Notice {
                kind: NotificationKind::HealthReport,
                event: None,
                event_at: record.assessed_at,
                due_at: due,
            });
        }
    }
    if let (Some(death), Some(before)) = (&after.death, before) {
        let died_before = before
            .timeline
            .iter()
            .any(|e| e.kind == CustodyEventKind::Died);
        if before.death.is_none() && died_before {
            result.push(Notice {
                kind: NotificationKind::DeathCertificate,
                event: death.event,
                event_at: death.died_at,
                due_at: due,
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captive::tests::captive;
    use crate::captive::{HealthCategory, HealthRecord};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32, hour: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2025, 1, day, hour, 0, 0)
            .unwrap()
    }

    fn event(
        n: u128,
        kind: CustodyEventKind,
        day: u32,
        facility: FacilityKind,
        place: &str,
    ) -> CustodyEvent {
        CustodyEvent {
            id: EventId(Uuid::from_u128(n)),
            kind,
            at: at(day, 12),
            place: Some(place.into()),
            facility: Some(facility),
            note: None,
            recorded_by: "registrar".into(),
        }
    }

    fn occasions(c: &Captive) -> Vec<(CardOccasion, Timestamp)> {
        c.capture_cards(&NoticePolicy::default())
            .iter()
            .map(|card| (card.occasion, card.due_at))
            .collect()
    }

    #[test]
    fn art_70_a_card_is_due_on_capture_on_arrival_at_a_camp_in_hospital_and_on_transfer() {
        use CustodyEventKind as K;
        use FacilityKind as F;
        let mut c = captive();
        let captured = c.capture.captured_at;
        assert_eq!(
            occasions(&c),
            vec![(CardOccasion::Capture, captured + Duration::hours(24))],
            "immediately upon capture, with no camp yet"
        );
        c.add_custody_event(
            event(
                1,
                K::AdmittedToHospital,
                10,
                F::FieldHospital,
                "Field hospital",
            ),
            at(31, 0),
        )
        .unwrap();
        c.add_custody_event(
            event(2, K::Discharged, 12, F::TransitCamp, "Transit camp"),
            at(31, 0),
        )
        .unwrap();
        c.add_custody_event(event(3, K::Transferred, 14, F::Camp, "Camp 3"), at(31, 0))
            .unwrap();
        c.add_custody_event(event(4, K::Interviewed, 15, F::Camp, "Camp 3"), at(31, 0))
            .unwrap();
        assert_eq!(
            occasions(&c)[1..],
            [
                (CardOccasion::HospitalAdmission, at(17, 12)),
                (CardOccasion::CampArrival, at(19, 12)),
                (CardOccasion::Transfer, at(21, 12)),
            ],
            "one card per occasion, each a week at most after it; an interview is none"
        );
    }

    #[test]
    fn art_70_a_discharge_back_to_the_same_camp_is_no_new_address() {
        use CustodyEventKind as K;
        use FacilityKind as F;
        let mut c = captive();
        c.add_custody_event(event(1, K::Transferred, 10, F::Camp, "Camp 3"), at(31, 0))
            .unwrap();
        c.add_custody_event(
            event(2, K::AdmittedToHospital, 12, F::Hospital, "Hospital"),
            at(31, 0),
        )
        .unwrap();
        c.add_custody_event(event(3, K::Discharged, 15, F::Camp, "Camp 3"), at(31, 0))
            .unwrap();
        let kinds: Vec<CardOccasion> = occasions(&c).iter().map(|o| o.0).collect();
        assert_eq!(
            kinds,
            [
                CardOccasion::Capture,
                CardOccasion::CampArrival,
                CardOccasion::HospitalAdmission
            ]
        );
        c.add_custody_event(
            event(4, K::AdmittedToHospital, 16, F::Hospital, "Hospital"),
            at(31, 0),
        )
        .unwrap();
        c.add_custody_event(event(5, K::Discharged, 18, F::Camp, "Camp 5"), at(31, 0))
            .unwrap();
        assert_eq!(occasions(&c).last().unwrap().0, CardOccasion::Transfer);
    }

    #[test]
    fn every_custody_event_of_article_122_causes_one_notification_and_a_card_its_own() {
        use CustodyEventKind as K;
        use FacilityKind as F;
        let policy = NoticePolicy::hours(6);
        let now = at(31, 0);
        let new = captive();
        let opened = notices(None, &new, &policy, now);
        assert_eq!(
            opened.iter().map(|n| n.kind).collect::<Vec<_>>(),
            [NotificationKind::Capture, NotificationKind::CaptureCard]
        );
        assert_eq!(
            opened[0].due_at,
            now + Duration::hours(6),
            "from when the bureau learns"
        );
        assert_eq!(
            opened[1].due_at,
            new.capture.captured_at + Duration::hours(6)
        );

        let mut moved = new.clone();
        moved
            .add_custody_event(event(1, K::Transferred, 10, F::Camp, "Camp 1"), now)
            .unwrap();
        let transfer = notices(Some(&new), &moved, &policy, now);
        assert_eq!(
            transfer
                .iter()
                .map(|n| (n.kind, n.event_at))
                .collect::<Vec<_>>(),
            [
                (NotificationKind::Transfer, at(10, 12)),
                (NotificationKind::CaptureCard, at(10, 12)),
            ]
        );
        assert_eq!(transfer[1].due_at, at(17, 12));
        assert!(
            notices(Some(&moved), &moved, &policy, now).is_empty(),
            "nothing new, nothing sent"
        );

        let mut interviewed = moved.clone();
        interviewed
            .add_custody_event(event(2, K::VisitedByIcrc, 11, F::Camp, "Camp 1"), now)
            .unwrap();
        assert!(notices(Some(&moved), &interviewed, &policy, now).is_empty());
    }

    #[test]
    fn art_122_a_seriously_wounded_prisoners_health_is_reported() {
        let policy = NoticePolicy::default();
        let now = at(31, 0);
        let before = captive();
        let mut after = before.clone();
        let record = |category, day| HealthRecord {
            category,
            eligible_for_direct_repatriation: false,
            note: None,
            assessed_at: at(day, 9),
            recorded_by: "medical".into(),
        };
        after
            .record_health(record(HealthCategory::SlightlyWounded, 5), now)
            .unwrap();
        assert!(notices(Some(&before), &after, &policy, now).is_empty());
        let before = after.clone();
        after
            .record_health(record(HealthCategory::SeriouslyWounded, 6), now)
            .unwrap();
        let reported = notices(Some(&before), &after, &policy, now);
        assert_eq!(reported.len(), 1);
        assert_eq!(
            (reported[0].kind, reported[0].event_at),
            (NotificationKind::HealthReport, at(6, 9))
        );
    }

    #[test]
    fn cards_sent_are_told_apart_and_a_legacy_date_is_the_first_cards() {
        let mut c = captive();
        c.capture_card_sent_at = Some(at(2, 0));
        let cards = c.capture_cards(&NoticePolicy::default());
        assert_eq!(cards[0].sent_at, Some(at(2, 0)));
    }

    #[test]
    fn the_policy_is_bounded() {
        assert_eq!(NoticePolicy::hours(0).immediately, Duration::hours(1));
        assert_eq!(
            NoticePolicy::hours(10_000).immediately,
            Duration::hours(168)
        );
    }
}
