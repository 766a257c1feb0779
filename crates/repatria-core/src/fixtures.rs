//! Values tests build over and over, with plain defaults (feature `fixtures`, for
//! dev-dependencies only). Each builder returns the domain value with its public fields
//! set; a test changes the fields it is about and nothing else.
//!
//! The defaults: a captive of Russia held by Ukraine, captured on 9 January 2025 at
//! 06:00 UTC in the "Border region", named by a document found on him and recorded by
//! `registrar`; a tracing request from his mother, consented to matching, by `tracer-1`.
//! Identifiers no test names come from a counter ([`next_uuid`]): distinct within a
//! process, the same from run to run for the same order of calls.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::TimeZone;
use uuid::Uuid;

use crate::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, Inquirer,
    LinkId, LinkPolicy, LinkState, LinkSubject, LinkTarget, ListEntry, MatchLink, NewCaptive,
    PartialDate, PartyCode, PersonName, SoughtPerson, Timestamp, TracingRequest, TracingRequestId,
};

/// `2025-01-DAY HOUR:00:00 UTC`, the month the fixtures live in.
pub fn at(day: u32, hour: u32) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2025, 1, day, hour, 0, 0)
        .single()
        .expect("a day of January 2025 and an hour")
}

/// A fresh identifier: `f1c5…` followed by a process-wide counter.
pub fn next_uuid() -> Uuid {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Uuid::from_u128((0xf1c5_u128 << 112) | u128::from(n))
}

/// A party code that is known to be valid (`UA`, `RU`, `KP`, …).
pub fn party(code: &str) -> PartyCode {
    PartyCode::parse(code).expect("a valid party code")
}

/// A date written `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn date(text: &str) -> PartialDate {
    PartialDate::parse(text).expect("a valid partial date")
}

/// A family and a given name.
pub fn name(family: &str, given: &str) -> PersonName {
    PersonName {
        family: Some(family.into()),
        given: Some(given.into()),
        patronymic: None,
    }
}

/// A claim of a name from a document found on the captive, recorded by `registrar` at
/// the capture (day 9, 06:00).
pub fn claim(family: &str, given: &str) -> IdentityClaim {
    IdentityClaim::new(
        ClaimId(next_uuid()),
        ClaimSource::DocumentFound,
        name(family, given),
        at(9, 6),
        "registrar",
    )
}

/// The record of a captive from `origin` held by Ukraine, with one claim (`claim`).
pub fn new_captive(origin: &str, family: &str, given: &str) -> NewCaptive {
    NewCaptive {
        power_of_origin: party(origin),
        detaining_power: party("UA"),
        capture: CaptureReport {
            captured_at: at(9, 6),
            place: "Border region".into(),
            coordinates: None,
            capturing_unit: None,
            condition: None,
        },
        claims: vec![claim(family, given)],
        assessed_claim: None,
        languages: vec![],
        interpreter_required: false,
        health: None,
    }
}

/// `new` opened as captive `id` by `registrar` at its capture, the first event's id
/// from the counter.
pub fn captive(id: CaptiveId, new: NewCaptive) -> Captive {
    let captured_at = new.capture.captured_at;
    Captive::open(id, new, EventId(next_uuid()), "registrar", captured_at)
        .expect("a valid new captive")
}

/// An open request of a mother for her son, consented to matching, made by `tracer-1`
/// on day 28.
pub fn tracing_request(family: &str, given: &str) -> TracingRequest {
    TracingRequest::open(
        TracingRequestId(next_uuid()),
        SoughtPerson {
            name: name(family, given),
            ..SoughtPerson::default()
        },
        Inquirer {
            name: "Inquirer".into(),
            relation: "mother".into(),
            contact: "+000 000 0000".into(),
        },
        true,
        "tracer-1",
        at(28, 0),
    )
}

/// A row of a list naming a person, at `line`.
pub fn list_entry(line: u64, family: &str, given: &str) -> ListEntry {
    ListEntry {
        line,
        name: name(family, given),
        ..ListEntry::default()
    }
}

/// A link the engine proposes with `score` (linked or in review by the default policy;
/// review below its band), undecided, made on day 28.
pub fn match_link(subject: LinkSubject, target: LinkTarget, score: f64) -> MatchLink {
    MatchLink {
        id: LinkId(next_uuid()),
        subject,
        target,
        score,
        explanation: String::new(),
        contributions: Vec::new(),
        state: LinkPolicy::default()
            .state_for(score)
            .unwrap_or(LinkState::Review),
        created_at: at(28, 0),
        decided_by: None,
        decided_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_valid_and_distinct() {
        let a = captive(
            CaptiveId(next_uuid()),
            new_captive("RU", "Шевченко", "Тарас"),
        );
        let b = captive(CaptiveId(next_uuid()), new_captive("KP", "Kim", "Chol"));
        assert_ne!(a.claims[0].id, b.claims[0].id);
        assert_eq!(a.capture.captured_at, at(9, 6));
        assert_eq!(b.power_of_origin.as_str(), "KP");
        let request = tracing_request("Шевченко", "Тарас");
        assert!(request.consent_to_matching);
        assert_eq!(request.status, crate::TracingStatus::Open);
        let entry = list_entry(2, "Бойко", "Микола");
        assert_eq!(entry.display_name(), name("Бойко", "Микола").display());
        let link = match_link(
            LinkSubject::Request { id: request.id },
            LinkTarget::Captive { id: a.id },
            0.5,
        );
        assert_eq!(link.state, LinkState::Review);
    }
}
