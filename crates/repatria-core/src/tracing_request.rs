//! Tracing requests: a family asks after a person; the bureau must answer every enquiry
//! (GC III Art. 122). A request moves open → candidates found → confirmed (linked to a
//! captive) or closed, and every answer given to the family is recorded.

use crate::date::PartialDate;
use crate::error::DomainError;
use crate::ids::CaptiveId;
use crate::matching::{LinkState, LinkSubject, LinkTarget, MatchLink};
use crate::names::PersonName;
use crate::words;
use crate::Timestamp;

/// Identifies a tracing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct TracingRequestId(pub uuid::Uuid);

words! {
    /// Where a request stands.
    pub enum TracingStatus {
        Open = "open",
        CandidatesFound = "candidates_found",
        Confirmed = "confirmed",
        Closed = "closed",
    }
}

/// The person sought, as the family describes him.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SoughtPerson {
    pub name: PersonName,
    pub date_of_birth: Option<PartialDate>,
    pub unit: Option<String>,
    pub last_seen_place: Option<String>,
    pub last_seen_on: Option<PartialDate>,
}

/// Who asks; the contact is restricted to tracing officers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Inquirer {
    pub name: String,
    /// Relation to the person sought: mother, wife, brother, …
    pub relation: String,
    pub contact: String,
}

/// An answer given to the family: when, by whom, what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TracingAnswer {
    pub at: Timestamp,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TracingRequest {
    pub id: TracingRequestId,
    pub sought: SoughtPerson,
    pub inquirer: Inquirer,
    /// The inquirer agreed that the description be matched against the registry and lists.
    pub consent_to_matching: bool,
    pub status: TracingStatus,
    pub candidates: Vec<CaptiveId>,
    pub linked_captive: Option<CaptiveId>,
    pub answers: Vec<TracingAnswer>,
    /// An answer prepared for the tracing officer to review and send (for instance when
    /// the person sought came home in an exchange); not given to the family yet.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub prepared_answer: Option<TracingAnswer>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl TracingRequest {
    /// A new enquiry, open, with no candidates or answers yet. Matching it against the
    /// registry needs the inquirer's consent (`consent_to_matching`).
    pub fn open(
        id: TracingRequestId,
        sought: SoughtPerson,
        inquirer: Inquirer,
        consent_to_matching: bool,
        created_by: impl Into<String>,
        now: Timestamp,
    ) -> TracingRequest {
        TracingRequest {
            id,
            sought,
            inquirer,
            consent_to_matching,
            status: TracingStatus::Open,
            candidates: Vec::new(),
            linked_captive: None,
            answers: Vec::new(),
            prepared_answer: None,
            created_at: now,
            created_by: created_by.into(),
        }
    }

    /// Records the candidates found by matching. Without the inquirer's consent nothing
    /// is matched; a confirmed or closed request keeps its outcome.
    pub fn record_candidates(&mut self, candidates: Vec<CaptiveId>) -> Result<(), DomainError> {
        if !self.consent_to_matching {
            return Err(DomainError::rule(
                "consent_to_matching",
                "the inquirer did not consent to matching",
            ));
        }
        match self.status {
            TracingStatus::Open | TracingStatus::CandidatesFound => {
                self.status = if candidates.is_empty() {
                    TracingStatus::Open
                } else {
                    TracingStatus::CandidatesFound
                };
                self.candidates = candidates;
                Ok(())
            }
            TracingStatus::Confirmed | TracingStatus::Closed => Err(DomainError::rule(
                "status",
                format!(
                    "the request is {}; reopen it before matching again",
                    self.status.as_str()
                ),
            )),
        }
    }

    /// Links the request to the captive it is about.
    pub fn confirm(&mut self, captive: CaptiveId) -> Result<(), DomainError> {
        if self.status == TracingStatus::Closed {
            return Err(DomainError::rule("status", "the request is closed"));
        }
        self.linked_captive = Some(captive);
        self.status = TracingStatus::Confirmed;
        Ok(())
    }

    /// Undoes a confirmation made in error: back to its candidates.
    pub fn undo_confirmation(&mut self) -> Result<(), DomainError> {
        if self.status != TracingStatus::Confirmed {
            return Err(DomainError::rule(
                "status",
                "only a confirmed request can be unconfirmed",
            ));
        }
        self.linked_captive = None;
        self.status = if self.candidates.is_empty() {
            TracingStatus::Open
        } else {
            TracingStatus::CandidatesFound
        };
        Ok(())
    }

    /// Brings the candidates and status in line with the links matching proposed for
    /// this request and the decisions taken on them: candidates are the captives of
    /// every link not rejected, best first; a confirmed link confirms the request; undoing
    /// it returns the request to its candidates. A closed request keeps its status.
    pub fn sync_with_links(&mut self, links: &[MatchLink]) {
        let mut own: Vec<(&MatchLink, CaptiveId)> = links
            .iter()
            .filter(|l| l.subject == LinkSubject::Request { id: self.id })
            .filter(|l| l.state != LinkState::Rejected)
            .filter_map(|l| match l.target {
                LinkTarget::Captive { id } => Some((l, id)),
                LinkTarget::Request { .. } => None,
            })
            .collect();
        own.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.cmp(&b.1)));
        self.candidates = own.iter().map(|(_, id)| *id).collect();
        if self.status == TracingStatus::Closed {
            return;
        }
        match own.iter().find(|(l, _)| l.state == LinkState::Confirmed) {
            Some((_, captive)) => {
                self.linked_captive = Some(*captive);
                self.status = TracingStatus::Confirmed;
            }
            None => {
                self.linked_captive = None;
                self.status = if self.candidates.is_empty() {
                    TracingStatus::Open
                } else {
                    TracingStatus::CandidatesFound
                };
            }
        }
    }

    pub fn record_answer(&mut self, answer: TracingAnswer) -> Result<(), DomainError> {
        if answer.text.trim().is_empty() {
            return Err(DomainError::invalid("text", "must not be empty"));
        }
        self.answers.push(answer);
        self.prepared_answer = None;
        Ok(())
    }

    /// Prepares an answer for the tracing officer; refused once the request is closed.
    pub fn prepare_answer(&mut self, answer: TracingAnswer) -> Result<(), DomainError> {
        if self.status == TracingStatus::Closed {
            return Err(DomainError::rule("status", "the request is closed"));
        }
        if answer.text.trim().is_empty() {
            return Err(DomainError::invalid("text", "must not be empty"));
        }
        self.prepared_answer = Some(answer);
        Ok(())
    }

    /// Closes the request. The bureau answers every enquiry (Art. 122): a request is
    /// closed only once an answer has been given.
    pub fn close(&mut self) -> Result<(), DomainError> {
        if self.status == TracingStatus::Closed {
            return Err(DomainError::rule("status", "the request is already closed"));
        }
        if self.answers.is_empty() {
            return Err(DomainError::rule(
                "answers",
                "record the answer given to the family before closing (Art. 122)",
            ));
        }
        self.status = TracingStatus::Closed;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn a_new_request_is_open_with_nothing_found_yet() {
        let r = TracingRequest::open(
            TracingRequestId(uuid::Uuid::from_u128(7)),
            SoughtPerson::default(),
            Inquirer {
                name: "Mother".into(),
                relation: "mother".into(),
                contact: "by post".into(),
            },
            false,
            "tracer-1",
            chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        );
        assert_eq!(r.status, TracingStatus::Open);
        assert!(r.candidates.is_empty() && r.answers.is_empty() && r.linked_captive.is_none());
        assert_eq!(r.created_by, "tracer-1");
        assert!(!r.consent_to_matching);
    }

    fn request(consent: bool) -> TracingRequest {
        TracingRequest {
            id: TracingRequestId(Uuid::from_u128(1)),
            sought: SoughtPerson {
                name: PersonName {
                    family: Some("Шевченко".into()),
                    given: Some("Тарас".into()),
                    patronymic: None,
                },
                ..SoughtPerson::default()
            },
            inquirer: Inquirer {
                name: "Mother".into(),
                relation: "mother".into(),
                contact: "restricted".into(),
            },
            consent_to_matching: consent,
            status: TracingStatus::Open,
            candidates: vec![],
            linked_captive: None,
            answers: vec![],
            prepared_answer: None,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            created_by: "tracer-1".into(),
        }
    }

    #[test]
    fn an_answer_prepared_waits_for_the_officer_and_is_refused_once_closed() {
        let mut r = request(true);
        let answer = |text: &str| TracingAnswer {
            at: chrono::Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap(),
            by: "negotiator".into(),
            text: text.into(),
        };
        assert!(r.prepare_answer(answer(" ")).is_err(), "an empty answer");
        r.prepare_answer(answer("He came home in the exchange."))
            .unwrap();
        assert!(r.answers.is_empty(), "prepared, not given to the family");
        assert_eq!(r.status, TracingStatus::Open);
        r.record_answer(answer("He came home; we told his mother."))
            .unwrap();
        assert_eq!(r.prepared_answer, None, "given: nothing left to prepare");
        r.close().unwrap();
        assert!(r.prepare_answer(answer("late")).is_err());
    }

    fn captive(n: u128) -> CaptiveId {
        CaptiveId(Uuid::from_u128(n))
    }

    fn answer() -> TracingAnswer {
        TracingAnswer {
            at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap(),
            by: "tracer-1".into(),
            text: "He is alive and held.".into(),
        }
    }

    #[test]
    fn a_request_moves_from_open_through_candidates_to_confirmed() {
        let mut r = request(true);
        r.record_candidates(vec![]).unwrap();
        assert_eq!(r.status, TracingStatus::Open);
        r.record_candidates(vec![captive(1), captive(2)]).unwrap();
        assert_eq!(r.status, TracingStatus::CandidatesFound);
        r.confirm(captive(2)).unwrap();
        assert_eq!(
            (r.status, r.linked_captive),
            (TracingStatus::Confirmed, Some(captive(2)))
        );
        assert!(
            r.record_candidates(vec![captive(3)]).is_err(),
            "a confirmed request keeps its outcome"
        );
        r.undo_confirmation().unwrap();
        assert_eq!(
            (r.status, r.linked_captive),
            (TracingStatus::CandidatesFound, None)
        );
    }

    #[test]
    fn no_matching_without_consent() {
        let mut r = request(false);
        let error = r.record_candidates(vec![captive(1)]).unwrap_err();
        assert!(error.to_string().contains("consent"), "{error}");
        assert!(r.candidates.is_empty());
    }

    #[test]
    fn a_request_is_closed_only_after_an_answer() {
        let mut r = request(true);
        assert!(r.close().unwrap_err().to_string().contains("Art. 122"));
        assert!(r
            .record_answer(TracingAnswer {
                text: "  ".into(),
                ..answer()
            })
            .is_err());
        r.record_answer(answer()).unwrap();
        r.close().unwrap();
        assert_eq!(r.status, TracingStatus::Closed);
        assert!(r.close().is_err(), "closing twice is refused");
        assert!(r.confirm(captive(1)).is_err());
        assert!(r.undo_confirmation().is_err());
    }

    #[test]
    fn links_drive_candidates_and_confirmation() {
        use crate::ids::LinkId;
        let mut r = request(true);
        let link = |n: u128, score: f64, state: LinkState| MatchLink {
            id: LinkId(Uuid::from_u128(100 + n)),
            subject: LinkSubject::Request { id: r.id },
            target: LinkTarget::Captive {
                id: CaptiveId(Uuid::from_u128(n)),
            },
            score,
            explanation: String::new(),
            contributions: Vec::new(),
            state,
            created_at: r.created_at,
            decided_by: None,
            decided_at: None,
        };
        let mut links = vec![
            link(1, 0.6, LinkState::Review),
            link(2, 0.9, LinkState::Review),
            link(3, 0.99, LinkState::Rejected),
        ];
        r.sync_with_links(&links);
        assert_eq!(r.status, TracingStatus::CandidatesFound);
        assert_eq!(
            r.candidates,
            vec![CaptiveId(Uuid::from_u128(2)), CaptiveId(Uuid::from_u128(1))]
        );
        links[0].state = LinkState::Confirmed;
        r.sync_with_links(&links);
        assert_eq!(r.status, TracingStatus::Confirmed);
        assert_eq!(r.linked_captive, Some(CaptiveId(Uuid::from_u128(1))));
        links[0].state = LinkState::Review;
        r.sync_with_links(&links);
        assert_eq!(r.status, TracingStatus::CandidatesFound);
        assert_eq!(r.linked_captive, None);
        r.sync_with_links(&[]);
        assert_eq!(r.status, TracingStatus::Open);
        assert!(r.candidates.is_empty());
    }
}
