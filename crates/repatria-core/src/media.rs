//! Media access (GC III Art. 13: prisoners are protected against public curiosity). A
//! request names the outlet, the journalist's account, the purpose, the captives and the
//! wanted dates; a media officer approves or denies it, with conditions; visits are
//! logged. A journalist sees a captive only while an approved decision releases him:
//! within its window, and only if the captive's own consent is recorded.

use chrono::NaiveDate;

use crate::error::{DomainError, FieldError};
use crate::ids::CaptiveId;
use crate::Timestamp;

/// Identifies a media-access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct MediaRequestId(pub uuid::Uuid);

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MediaRequest {
    pub id: MediaRequestId,
    pub outlet: String,
    /// The journalist's account name.
    pub journalist: String,
    pub purpose: String,
    pub captives: Vec<CaptiveId>,
    pub wanted_from: NaiveDate,
    pub wanted_until: NaiveDate,
    pub requested_by: String,
    pub requested_at: Timestamp,
    pub decision: Option<MediaDecision>,
    pub visits: Vec<MediaVisit>,
}

/// A media officer's decision and its conditions.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MediaDecision {
    pub approved: bool,
    /// Faces must not be identifiable in any image.
    pub faces_blurred: bool,
    /// Names must not be published; the journalist is not shown them.
    pub names_withheld: bool,
    /// Captives whose own consent was recorded; only they are released.
    pub consent_recorded: Vec<CaptiveId>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub note: Option<String>,
    pub decided_by: String,
    pub decided_at: Timestamp,
}

/// A visit that took place under an approved decision.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MediaVisit {
    pub captive: CaptiveId,
    pub at: Timestamp,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// What a decision releases about one captive to its journalist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub faces_blurred: bool,
    pub names_withheld: bool,
    pub valid_until: NaiveDate,
}

fn check_window(from: NaiveDate, until: NaiveDate, field: &str) -> Result<(), FieldError> {
    if until < from {
        return Err(FieldError::new(field, "the window ends before it begins"));
    }
    if (until - from).num_days() > 366 {
        return Err(FieldError::new(field, "a window may not exceed a year"));
    }
    Ok(())
}

impl MediaRequest {
    /// Checks a new request's own rules.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.captives.is_empty() {
            return Err(DomainError::invalid(
                "captives",
                "name at least one captive",
            ));
        }
        let mut unique = self.captives.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != self.captives.len() {
            return Err(DomainError::invalid("captives", "a captive is named twice"));
        }
        check_window(self.wanted_from, self.wanted_until, "wanted_until")?;
        Ok(())
    }

    /// Records the decision; a request is decided once.
    pub fn decide(&mut self, decision: MediaDecision) -> Result<(), DomainError> {
        if self.decision.is_some() {
            return Err(DomainError::rule(
                "decision",
                "this request has been decided already",
            ));
        }
        // Four eyes: whoever recorded the request does not also release captives to the
        // press under it (Art. 13 protects them against public curiosity).
        if decision.decided_by == self.requested_by {
            return Err(DomainError::rule(
                "decision",
                "the media officer who recorded a request may not decide it; another must",
            ));
        }
        check_window(decision.valid_from, decision.valid_until, "valid_until")?;
        if let Some(stranger) = decision
            .consent_recorded
            .iter()
            .find(|c| !self.captives.contains(c))
        {
            return Err(DomainError::invalid(
                "consent_recorded",
                format!("captive {stranger} is not part of this request"),
            ));
        }
        if decision.approved && decision.consent_recorded.is_empty() {
            return Err(DomainError::invalid(
                "consent_recorded",
                "an approval needs the recorded consent of at least one captive (Art. 13)",
            ));
        }
        self.decision = Some(decision);
        Ok(())
    }

    /// What this request releases about `captive` on `today`, if anything.
    pub fn release(&self, captive: CaptiveId, today: NaiveDate) -> Option<Release> {
        let d = self.decision.as_ref().filter(|d| d.approved)?;
        let in_window = d.valid_from <= today && today <= d.valid_until;
        (in_window && d.consent_recorded.contains(&captive)).then_some(Release {
            faces_blurred: d.faces_blurred,
            names_withheld: d.names_withheld,
            valid_until: d.valid_until,
        })
    }

    /// Logs a visit; only to a released captive, within the window.
    pub fn record_visit(&mut self, visit: MediaVisit) -> Result<(), DomainError> {
        if self.release(visit.captive, visit.at.date_naive()).is_none() {
            return Err(DomainError::rule(
                "captive",
                "no approved decision of this request releases this captive on that date",
            ));
        }
        self.visits.push(visit);
        Ok(())
    }
}

/// What a journalist's requests release on `today`, captive by captive. Where two
/// decisions release the same captive, the stricter conditions hold: faces blurred or
/// names withheld if either says so, and the earlier end of the window.
pub fn released(requests: &[MediaRequest], today: NaiveDate) -> Vec<(CaptiveId, Release)> {
    let mut released: Vec<(CaptiveId, Release)> = Vec::new();
    for request in requests {
        for captive in &request.captives {
            if let Some(release) = request.release(*captive, today) {
                match released.iter_mut().find(|(c, _)| c == captive) {
                    Some((_, held)) => {
                        held.faces_blurred |= release.faces_blurred;
                        held.names_withheld |= release.names_withheld;
                        held.valid_until = held.valid_until.min(release.valid_until);
                    }
                    None => released.push((*captive, release)),
                }
            }
        }
    }
    released
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn captive(n: u128) -> CaptiveId {
        CaptiveId(Uuid::from_u128(n))
    }

    fn request() -> MediaRequest {
        MediaRequest {
            id: MediaRequestId(Uuid::from_u128(1)),
            outlet: "Outlet".into(),
            journalist: "press-1".into(),
            purpose: "report".into(),
            captives: vec![captive(1), captive(2)],
            wanted_from: day(1),
            wanted_until: day(10),
            requested_by: "media-1".into(),
            requested_at: chrono::Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap(),
            decision: None,
            visits: vec![],
        }
    }

    fn decision(approved: bool, consent: Vec<CaptiveId>) -> MediaDecision {
        MediaDecision {
            approved,
            faces_blurred: true,
            names_withheld: true,
            consent_recorded: consent,
            valid_from: day(3),
            valid_until: day(5),
            note: None,
            decided_by: "media-2".into(),
            decided_at: chrono::Utc.with_ymd_and_hms(2026, 2, 21, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn only_consenting_captives_are_released_and_only_within_the_window() {
        let mut r = request();
        assert_eq!(r.release(captive(1), day(4)), None, "undecided");
        r.decide(decision(true, vec![captive(1)])).unwrap();
        let release = r.release(captive(1), day(4)).unwrap();
        assert!(release.faces_blurred && release.names_withheld);
        assert_eq!(r.release(captive(2), day(4)), None, "no consent recorded");
        assert_eq!(r.release(captive(1), day(2)), None, "before the window");
        assert_eq!(r.release(captive(1), day(6)), None, "after the window");
        assert_eq!(r.release(captive(9), day(4)), None, "not in the request");
    }

    #[test]
    fn a_denial_releases_nothing_and_a_request_is_decided_once() {
        let mut r = request();
        r.decide(decision(false, vec![])).unwrap();
        assert_eq!(r.release(captive(1), day(4)), None);
        assert!(r
            .decide(decision(true, vec![captive(1)]))
            .unwrap_err()
            .to_string()
            .contains("decided already"));
    }

    #[test]
    fn two_decisions_on_one_captive_release_him_under_the_stricter_conditions() {
        let mut loose = request();
        let mut d = decision(true, vec![captive(1), captive(2)]);
        d.faces_blurred = false;
        d.names_withheld = false;
        d.valid_until = day(9);
        loose.decide(d).unwrap();
        let mut strict = request();
        strict.id = MediaRequestId(Uuid::from_u128(2));
        strict.decide(decision(true, vec![captive(1)])).unwrap();
        let released = released(&[loose, strict], day(4));
        assert_eq!(released.len(), 2);
        let (_, first) = released.iter().find(|(c, _)| *c == captive(1)).unwrap();
        assert!(first.faces_blurred && first.names_withheld);
        assert_eq!(first.valid_until, day(5), "the earlier end");
        let (_, second) = released.iter().find(|(c, _)| *c == captive(2)).unwrap();
        assert!(!second.faces_blurred && !second.names_withheld);
        assert_eq!(second.valid_until, day(9));
        assert!(super::released(&[], day(4)).is_empty());
    }

    #[test]
    fn whoever_recorded_a_request_may_not_decide_it() {
        let mut r = request();
        let mut own = decision(true, vec![captive(1)]);
        own.decided_by = r.requested_by.clone();
        let error = r.decide(own).unwrap_err().to_string();
        assert!(error.contains("may not decide"), "{error}");
        assert!(r.decision.is_none());
        r.decide(decision(true, vec![captive(1)])).unwrap();
    }

    #[test]
    fn bad_decisions_and_visits_are_refused() {
        let mut r = request();
        assert!(r
            .decide(decision(true, vec![]))
            .unwrap_err()
            .to_string()
            .contains("Art. 13"));
        assert!(r
            .decide(decision(true, vec![captive(7)]))
            .unwrap_err()
            .to_string()
            .contains("not part"));
        let mut backwards = decision(true, vec![captive(1)]);
        backwards.valid_until = day(1);
        assert!(r.decide(backwards).is_err());
        r.decide(decision(true, vec![captive(1)])).unwrap();
        let visit = |c, d| MediaVisit {
            captive: captive(c),
            at: chrono::Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).unwrap(),
            note: None,
            recorded_by: "media-1".into(),
        };
        r.record_visit(visit(1, 4)).unwrap();
        assert!(r.record_visit(visit(2, 4)).is_err(), "no consent");
        assert!(r.record_visit(visit(1, 8)).is_err(), "outside the window");
        assert_eq!(r.visits.len(), 1);
        let mut empty = request();
        empty.captives.clear();
        assert!(empty.check().is_err());
    }
}
