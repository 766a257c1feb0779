//! Links found by matching and the decisions people take on them.
//!
//! Automatic merging is never silent: a link scored above the automatic threshold is
//! made but stays reversible; one in the review band waits for a person; a pair a person
//! rejected is never proposed again. Every decision records who took it and when.

use crate::error::DomainError;
use crate::ids::{CaptiveId, ImportId, LinkId};
use crate::tracing_request::TracingRequestId;
use crate::words;
use crate::Timestamp;

/// The record a link starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "kind", rename_all = "snake_case")
)]
pub enum LinkSubject {
    /// A tracing request (its candidates are captives).
    Request { id: TracingRequestId },
    /// A row of an imported list (its candidates are captives and open requests).
    Entry { import: ImportId, line: u64 },
}

impl LinkSubject {
    pub fn kind(&self) -> &'static str {
        match self {
            LinkSubject::Request { .. } => "request",
            LinkSubject::Entry { .. } => "entry",
        }
    }

    /// The subject's key as stored: the request id, or `IMPORT:LINE`.
    pub fn key(&self) -> String {
        match self {
            LinkSubject::Request { id } => id.0.to_string(),
            LinkSubject::Entry { import, line } => format!("{import}:{line}"),
        }
    }
}

/// The record a link points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "kind", rename_all = "snake_case")
)]
pub enum LinkTarget {
    Captive { id: CaptiveId },
    Request { id: TracingRequestId },
}

impl LinkTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            LinkTarget::Captive { .. } => "captive",
            LinkTarget::Request { .. } => "request",
        }
    }

    pub fn key(&self) -> String {
        match self {
            LinkTarget::Captive { id } => id.0.to_string(),
            LinkTarget::Request { id } => id.0.to_string(),
        }
    }
}

words! {
    /// Where a link stands.
    pub enum LinkState {
        /// Scored above the automatic threshold: linked, reversible.
        Linked = "linked",
        /// In the review band: waits for a person.
        Review = "review",
        Confirmed = "confirmed",
        /// Rejected by a person: never proposed again.
        Rejected = "rejected",
    }
}

impl LinkState {
    /// Taken by a person (and so kept when the candidates are recomputed).
    pub fn is_decided(&self) -> bool {
        matches!(self, LinkState::Confirmed | LinkState::Rejected)
    }

    /// Counts as the same person (made automatically or confirmed).
    pub fn is_link(&self) -> bool {
        matches!(self, LinkState::Linked | LinkState::Confirmed)
    }
}

words! {
    /// A person's decision on a link.
    pub enum Decision {
        Confirm = "confirm",
        Reject = "reject",
        /// Takes back a confirmation, a rejection or a link made automatically: the link
        /// returns to review.
        Undo = "undo",
    }
}

/// Thresholds on the engine's probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkPolicy {
    /// At or above: linked automatically (reversible).
    pub auto_link: f64,
    /// At or above (and below `auto_link`): sent to review. Below: not proposed.
    pub review: f64,
}

impl Default for LinkPolicy {
    fn default() -> LinkPolicy {
        LinkPolicy {
            auto_link: 0.95,
            review: 0.30,
        }
    }
}

impl LinkPolicy {
    /// The state of a new proposal with this score, or `None` below the review band.
    pub fn state_for(&self, score: f64) -> Option<LinkState> {
        if score >= self.auto_link {
            Some(LinkState::Linked)
        } else if score >= self.review {
            Some(LinkState::Review)
        } else {
            None
        }
    }
}

/// A link between two records, with the engine's score and explanation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchLink {
    pub id: LinkId,
    pub subject: LinkSubject,
    pub target: LinkTarget,
    /// The engine's probability that both are the same person.
    pub score: f64,
    /// Each feature's contribution, readable by a person.
    pub explanation: String,
    pub state: LinkState,
    pub created_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

impl MatchLink {
    /// Applies a person's decision. Confirming or rejecting needs an undecided link;
    /// undoing needs a decided or automatic one, which goes back to review.
    pub fn decide(
        &mut self,
        decision: Decision,
        by: &str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        let next = match (decision, self.state) {
            (Decision::Confirm, LinkState::Linked | LinkState::Review) => LinkState::Confirmed,
            (Decision::Reject, LinkState::Linked | LinkState::Review) => LinkState::Rejected,
            (Decision::Undo, LinkState::Confirmed | LinkState::Rejected | LinkState::Linked) => {
                LinkState::Review
            }
            (decision, state) => {
                return Err(DomainError::rule(
                    "state",
                    format!(
                        "a {} link cannot be {}ed",
                        state.as_str(),
                        match decision {
                            Decision::Undo => "undon",
                            other => other.as_str(),
                        }
                    ),
                ))
            }
        };
        self.state = next;
        self.decided_by = Some(by.to_string());
        self.decided_at = Some(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn link(state: LinkState) -> MatchLink {
        MatchLink {
            id: LinkId(Uuid::from_u128(1)),
            subject: LinkSubject::Request {
                id: TracingRequestId(Uuid::from_u128(2)),
            },
            target: LinkTarget::Captive {
                id: CaptiveId(Uuid::from_u128(3)),
            },
            score: 0.7,
            explanation: String::new(),
            state,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            decided_by: None,
            decided_at: None,
        }
    }

    #[test]
    fn decisions_follow_the_states() {
        use Decision::*;
        use LinkState::*;
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let table = [
            (Linked, Confirm, Some(Confirmed)),
            (Review, Confirm, Some(Confirmed)),
            (Linked, Reject, Some(Rejected)),
            (Review, Reject, Some(Rejected)),
            (Confirmed, Undo, Some(Review)),
            (Rejected, Undo, Some(Review)),
            (Confirmed, Confirm, None),
            (Rejected, Confirm, None),
            (Confirmed, Reject, None),
            (Linked, Undo, Some(Review)),
            (Review, Undo, None),
        ];
        for (from, decision, to) in table {
            let mut l = link(from);
            let result = l.decide(decision, "tracer", at);
            match to {
                Some(state) => {
                    assert!(result.is_ok(), "{from:?} {decision:?}");
                    assert_eq!(l.state, state);
                    assert_eq!(l.decided_by.as_deref(), Some("tracer"));
                    assert_eq!(l.decided_at, Some(at));
                }
                None => {
                    assert!(result.is_err(), "{from:?} {decision:?} should be refused");
                    assert_eq!(l.state, from);
                    assert_eq!(l.decided_by, None);
                }
            }
        }
    }

    #[test]
    fn policy_bands() {
        let p = LinkPolicy::default();
        assert_eq!(p.state_for(0.99), Some(LinkState::Linked));
        assert_eq!(p.state_for(0.95), Some(LinkState::Linked));
        assert_eq!(p.state_for(0.5), Some(LinkState::Review));
        assert_eq!(p.state_for(0.1), None);
        assert!(LinkState::Confirmed.is_decided() && !LinkState::Linked.is_decided());
        assert_eq!(LinkState::parse("review"), Ok(LinkState::Review));
        assert!(LinkState::parse("nope").is_err());
    }

    #[test]
    fn subject_keys() {
        let s = LinkSubject::Entry {
            import: ImportId(Uuid::from_u128(5)),
            line: 7,
        };
        assert_eq!(s.key(), format!("{}:7", Uuid::from_u128(5)));
        assert_eq!(s.kind(), "entry");
    }
}
