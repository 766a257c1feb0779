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
    /// Each feature's contribution, readable by a person: the text of `contributions`
    /// (`family_name exact +8.6; given_name equivalent +4.2; prior -13.3`).
    pub explanation: String,
    /// Each feature's contribution, as the engine computed it, the prior last. Links
    /// stored before contributions were kept have none: [`MatchLink::explained`] reads
    /// them from `explanation`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub contributions: Vec<Contribution>,
    pub state: LinkState,
    pub created_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

/// One feature's part in a link's score.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Contribution {
    /// The compared field (`family_name`, `date_of_birth`, ...), or [`Contribution::PRIOR`]
    /// for the prior odds every score starts from.
    pub feature: String,
    /// The comparison level (`exact`, `one year apart`, ...); empty for the prior.
    pub level: String,
    /// Evidence in bits (log2 of the odds): positive for a match, negative against.
    pub weight: f64,
}

impl Contribution {
    /// The feature name of the prior.
    pub const PRIOR: &'static str = "prior";

    pub fn new(feature: &str, level: &str, weight: f64) -> Contribution {
        Contribution {
            feature: feature.to_string(),
            level: level.to_string(),
            weight,
        }
    }

    /// The prior odds, in bits.
    pub fn prior(weight: f64) -> Contribution {
        Contribution::new(Contribution::PRIOR, "", weight)
    }

    /// The text of a score's contributions, one part each, weights to a tenth of a bit:
    /// `family_name exact +8.6; given_name equivalent +4.2; prior -13.3`. This is the
    /// explanation the command line prints and links keep.
    pub fn explanation(contributions: &[Contribution]) -> String {
        contributions
            .iter()
            .map(|c| {
                if c.level.is_empty() {
                    format!("{} {:+.1}", c.feature, c.weight)
                } else {
                    format!("{} {} {:+.1}", c.feature, c.level, c.weight)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Reads an explanation text back into contributions: only for links stored before
    /// contributions were kept (the text was then all there was). A part that is not
    /// `FEATURE [LEVEL] WEIGHT` is left out.
    pub fn parse_explanation(text: &str) -> Vec<Contribution> {
        text.split(';')
            .map(str::trim)
            .filter_map(|part| {
                let (head, weight) = part.rsplit_once(' ')?;
                let weight = weight.parse::<f64>().ok().filter(|w| w.is_finite())?;
                let (feature, level) = head.split_once(' ').unwrap_or((head, ""));
                Some(Contribution::new(feature, level.trim(), weight))
            })
            .collect()
    }
}

impl MatchLink {
    /// Each feature's contribution, the prior last: as kept, or, for a link stored
    /// before contributions were kept, read from its explanation.
    pub fn explained(&self) -> Vec<Contribution> {
        if self.contributions.is_empty() {
            Contribution::parse_explanation(&self.explanation)
        } else {
            self.contributions.clone()
        }
    }

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
            contributions: Vec::new(),
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

    #[test]
    fn contributions_read_as_the_explanation_text() {
        let kept = vec![
            Contribution::new("family_name", "exact", 8.64),
            Contribution::new("date_of_birth", "one year apart", -1.25),
            Contribution::prior(-13.29),
        ];
        let text = Contribution::explanation(&kept);
        assert_eq!(
            text,
            "family_name exact +8.6; date_of_birth one year apart -1.2; prior -13.3"
        );
        // The migration path: the text of an old link reads back to the same parts,
        // weights to a tenth of a bit.
        let read = Contribution::parse_explanation(&text);
        assert_eq!(
            read,
            vec![
                Contribution::new("family_name", "exact", 8.6),
                Contribution::new("date_of_birth", "one year apart", -1.2),
                Contribution::prior(-13.3),
            ]
        );
        assert_eq!(Contribution::explanation(&read), text);
        assert!(Contribution::parse_explanation("").is_empty());
        assert_eq!(
            Contribution::parse_explanation("something else; unit same +NaN; sex same +0.5"),
            vec![Contribution::new("sex", "same", 0.5)]
        );
    }

    #[test]
    fn a_link_stored_before_contributions_were_kept_reads_them_from_its_text() {
        let mut old = link(LinkState::Review);
        old.explanation = "given_name equivalent +4.2; prior -13.3".into();
        assert_eq!(
            old.explained(),
            vec![
                Contribution::new("given_name", "equivalent", 4.2),
                Contribution::prior(-13.3)
            ]
        );
        let mut new = old.clone();
        new.contributions = vec![Contribution::new("given_name", "equivalent", 4.1875)];
        assert_eq!(new.explained(), new.contributions);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_link_stored_without_contributions_still_loads() {
        let mut l = link(LinkState::Linked);
        l.contributions = vec![Contribution::prior(-13.0)];
        let mut stored = serde_json::to_value(&l).unwrap();
        assert_eq!(
            stored["contributions"],
            serde_json::json!([{ "feature": "prior", "level": "", "weight": -13.0 }])
        );
        stored.as_object_mut().unwrap().remove("contributions");
        let loaded: MatchLink = serde_json::from_value(stored).unwrap();
        assert!(loaded.contributions.is_empty());
        assert_eq!(loaded.state, LinkState::Linked);
    }
}
