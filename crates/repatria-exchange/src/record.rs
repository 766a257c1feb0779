//! Exchanges as records (docs/exchange-records.md): the rules of an exchange's life,
//! from proposals to the handover at the crossing. Pure, like the planner: the callers
//! pass in the registry's facts, the acting user and the time.
//!
//! - [`Exchange`]: sides, mediators, terms and the state machine (`negotiating` →
//!   `agreed` → `in_progress` → `completed`; `cancelled` from any state before
//!   `completed`).
//! - [`check_proposal`]: a proposal's transfers against the rules of docs/exchange.md
//!   and the registry's facts, with the article each violation breaks, and the balance.
//! - [`ManifestEntry`] and [`decide`]: one person crossing, decided once, with the checks
//!   the Convention asks for (identity, and his wish confirmed: Art. 109).
//! - [`counts`] and [`restore`]: the live counts per direction and side, and what would
//!   restore the balance after a withdrawal.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use repatria_core::{CaptiveId, EntryId, ExchangeId, FieldError, PartyCode, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Balance, Terms};

repatria_core::words! {
    /// Where an exchange stands.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum ExchangeState {
        /// Proposals are exchanged; nothing is agreed.
        Negotiating = "negotiating",
        /// A proposal was agreed and frozen into the manifest.
        Agreed = "agreed",
        /// The handover has begun: at least one person was decided at the crossing.
        InProgress = "in_progress",
        /// Every entry was decided and the custody records were closed.
        Completed = "completed",
        /// Called off before completion.
        Cancelled = "cancelled",
    }
}

repatria_core::words! {
    /// Where a person of the manifest stands.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum EntryStatus {
        Pending = "pending",
        /// A captive we held was handed over.
        HandedOver = "handed_over",
        /// One of ours was received.
        Received = "received",
        /// Taken off the exchange at the last minute (refusal, illness, death).
        Withdrawn = "withdrawn",
    }
}

repatria_core::words! {
    /// What was decided for a person at the crossing.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum Outcome {
        HandedOver = "handed_over",
        Received = "received",
        Withdrawn = "withdrawn",
    }
}

impl Outcome {
    /// The entry's status after this decision.
    pub fn status(self) -> EntryStatus {
        match self {
            Outcome::HandedOver => EntryStatus::HandedOver,
            Outcome::Received => EntryStatus::Received,
            Outcome::Withdrawn => EntryStatus::Withdrawn,
        }
    }
}

repatria_core::words! {
    /// Who made a proposal: the planner, or a side as it sent it.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum ProposalSource {
        Plan = "plan",
        Side = "side",
    }
}

repatria_core::words! {
    /// A rule a proposed transfer (or the whole proposal) breaks.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum Rule {
        /// The captive is not in the registry.
        UnknownCaptive = "unknown_captive",
        /// The captive is named twice.
        Duplicate = "duplicate",
        /// He is no longer held (released, repatriated, escaped or dead).
        NotHeld = "not_held",
        /// `from` is not the party that holds him.
        NotHeldBy = "not_held_by",
        /// `to` is neither his power of origin nor a party on its side.
        WrongDestination = "wrong_destination",
        /// He does not wish to be repatriated (GC III Art. 109).
        RefusesRepatriation = "refuses_repatriation",
        /// `to` is a party to which prisoners may not be transferred (GC III Art. 12).
        TransferBarred = "transfer_barred",
        /// Held for judicial proceedings and not seriously wounded or sick (Art. 115).
        HeldForProceedings = "held_for_proceedings",
        /// `from` or `to` is on no side of the exchange.
        PartyNotInAgreement = "party_not_in_agreement",
        /// `from` and `to` are on the same side.
        SameSide = "same_side",
        /// A side gives and receives more apart than the terms' tolerance.
        OutsideTolerance = "outside_tolerance",
        /// More counted transfers than the terms' `max_total`.
        MaxTotal = "max_total",
    }
}

impl Rule {
    /// The article of GC III the rule comes from, where there is one.
    pub fn article(self) -> Option<&'static str> {
        match self {
            Rule::RefusesRepatriation => Some("GC III Art. 109"),
            Rule::TransferBarred => Some("GC III Art. 12"),
            Rule::HeldForProceedings => Some("GC III Art. 115"),
            _ => None,
        }
    }
}

/// A rule broken by a proposal: the captive (none for a rule of the whole proposal),
/// the rule, its article and a sentence saying what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub captive: Option<CaptiveId>,
    pub rule: Rule,
    pub article: Option<String>,
    pub message: String,
}

impl Violation {
    fn new(captive: Option<CaptiveId>, rule: Rule, message: String) -> Violation {
        Violation {
            captive,
            rule,
            article: rule.article().map(String::from),
            message,
        }
    }
}

/// Why an exchange operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// Malformed input; every bad field is named.
    #[error("{}", FieldError::join(.0))]
    Invalid(Vec<FieldError>),
    /// The exchange's state does not allow the change.
    #[error("the exchange is {state}: {action} is not allowed")]
    State {
        state: ExchangeState,
        action: &'static str,
    },
    /// The proposal breaks rules and cannot be agreed.
    #[error("proposal {number} breaks {count} rule(s) and cannot be agreed; the first: {first}")]
    Violations {
        number: u32,
        count: usize,
        first: String,
    },
    /// The entry was decided before.
    #[error("this person was decided already: {status} by {by} at {at}")]
    Decided {
        status: EntryStatus,
        by: String,
        at: Timestamp,
    },
    /// Entries are still pending.
    #[error("{0} entries are still pending: decide each before completing")]
    Pending(u64),
    /// Parties named that are not registered; each is named by its field.
    #[error("{}", FieldError::join(.0))]
    Unknown(Vec<FieldError>),
    /// The request is well formed, but the records it names do not allow it (a person
    /// handed over whom the bureau's side receives, a proposal without transfers); every
    /// such field is named.
    #[error("{}", FieldError::join(.0))]
    Conflict(Vec<FieldError>),
}

fn invalid(field: &str, reason: impl Into<String>) -> ExchangeError {
    ExchangeError::Invalid(vec![FieldError::new(field, reason)])
}

/// How long free texts may be.
const TITLE_MAX: usize = 200;
const NOTE_MAX: usize = 2000;
const SHORT_MAX: usize = 200;

/// Free text as the core's validators read it (trimmed; the bound counts the text as
/// given; no control characters but the line break), named `field`.
fn text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    repatria_core::captive::text(Some(value), max)
        .map(Option::unwrap_or_default)
        .map_err(|e| e.within(field))
}

fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    repatria_core::captive::text(value, max).map_err(|e| e.within(field))
}

/// The agreement: which proposal, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub proposal: u32,
    pub at: Timestamp,
    pub by: String,
}

/// Why and when an exchange was called off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub at: Timestamp,
    pub by: String,
    pub reason: String,
}

/// An exchange of prisoners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub id: ExchangeId,
    pub title: String,
    /// The sides, each a list of parties that balance as one. The first side is the
    /// bureau's own: what it gives is handed over, what it gets is received.
    pub sides: Vec<Vec<PartyCode>>,
    /// Neutral intermediaries (the ICRC, a mediating state).
    pub mediators: Vec<PartyCode>,
    pub terms: Terms,
    pub state: ExchangeState,
    pub created_at: Timestamp,
    pub created_by: String,
    /// How many proposals were recorded; the next is numbered one more.
    pub proposals: u32,
    pub agreement: Option<Agreement>,
    /// The first decision at the crossing.
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub cancellation: Option<Cancellation>,
}

/// What opening an exchange needs.
#[derive(Debug, Clone)]
pub struct NewExchange {
    pub title: String,
    pub sides: Vec<Vec<String>>,
    pub mediators: Vec<String>,
    pub terms: Terms,
}

impl Exchange {
    /// Opens an exchange in `negotiating`, checking every field: a title, at least two
    /// sides, each party on one side only, mediators on no side, terms as the planner
    /// reads them.
    pub fn open(
        id: ExchangeId,
        new: NewExchange,
        by: &str,
        now: Timestamp,
    ) -> Result<Exchange, ExchangeError> {
        Exchange::open_among(id, new, by, now, |_| true)
    }

    /// [`Exchange::open`] among the parties `registered` says exist. The checks come in
    /// order: the form of each field (`Invalid`), then the parties named that do not exist
    /// (`Unknown`), then how the parties relate (`Invalid`: a party named on two sides, a
    /// mediator on a side). A party named twice on one side is one party.
    pub fn open_among(
        id: ExchangeId,
        new: NewExchange,
        by: &str,
        now: Timestamp,
        registered: impl Fn(&PartyCode) -> bool,
    ) -> Result<Exchange, ExchangeError> {
        let mut errors = Vec::new();
        let title = match text("title", &new.title, TITLE_MAX) {
            Ok(t) if t.is_empty() => {
                errors.push(FieldError::new("title", "must not be empty"));
                t
            }
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        if new.sides.len() < 2 {
            errors.push(FieldError::new(
                "sides",
                "an exchange needs at least two sides",
            ));
        }
        let mut parse = |field: String, code: &str| match PartyCode::parse(code) {
            Ok(code) => Some((field, code)),
            Err(e) => {
                errors.push(e.within(&field));
                None
            }
        };
        let mut sides: Vec<Vec<(String, PartyCode)>> = Vec::new();
        for (i, side) in new.sides.iter().enumerate() {
            let parties: Vec<(String, PartyCode)> = side
                .iter()
                .enumerate()
                .filter_map(|(j, code)| parse(format!("sides[{i}][{j}]"), code))
                .collect();
            sides.push(parties);
        }
        let mediators: Vec<(String, PartyCode)> = new
            .mediators
            .iter()
            .enumerate()
            .filter_map(|(i, code)| parse(format!("mediators[{i}]"), code))
            .collect();
        for (i, side) in new.sides.iter().enumerate() {
            if side.is_empty() {
                errors.push(FieldError::new(format!("sides[{i}]"), "must name a party"));
            }
        }
        for (rank, value) in &new.terms.values {
            if *value == 0 || *value > crate::MAX_RANK_VALUE {
                errors.push(FieldError::new(
                    format!("terms.values.{rank}"),
                    format!("must be between 1 and {}", crate::MAX_RANK_VALUE),
                ));
            }
        }
        if let Some(as_of) = &new.terms.as_of {
            if crate::parse_date(as_of).is_err() {
                errors.push(FieldError::new("terms.as_of", "must be a date, YYYY-MM-DD"));
            }
        }
        if !errors.is_empty() {
            return Err(ExchangeError::Invalid(errors));
        }
        let unknown: Vec<FieldError> = sides
            .iter()
            .flatten()
            .chain(&mediators)
            .filter(|(_, code)| !registered(code))
            .map(|(field, code)| FieldError::new(field, format!("no party {code} is registered")))
            .collect();
        if !unknown.is_empty() {
            return Err(ExchangeError::Unknown(unknown));
        }
        let mut side_of: HashMap<PartyCode, usize> = HashMap::new();
        let sides: Vec<Vec<PartyCode>> = sides
            .into_iter()
            .enumerate()
            .map(|(i, side)| {
                let mut parties = Vec::new();
                for (field, code) in side {
                    match side_of.get(&code) {
                        Some(&s) if s == i => {}
                        Some(_) => errors.push(FieldError::new(
                            field,
                            format!("{code} is on another side; a party is on one side only"),
                        )),
                        None => {
                            side_of.insert(code.clone(), i);
                            parties.push(code);
                        }
                    }
                }
                parties
            })
            .collect();
        let mut named = HashSet::new();
        let mediators: Vec<PartyCode> = mediators
            .into_iter()
            .filter_map(|(field, code)| {
                if side_of.contains_key(&code) {
                    errors.push(FieldError::new(
                        field,
                        format!("{code} is on a side; a mediator takes no side"),
                    ));
                    None
                } else {
                    named.insert(code.clone()).then_some(code)
                }
            })
            .collect();
        if !errors.is_empty() {
            return Err(ExchangeError::Invalid(errors));
        }
        Ok(Exchange {
            id,
            title,
            sides,
            mediators,
            terms: new.terms,
            state: ExchangeState::Negotiating,
            created_at: now,
            created_by: by.to_string(),
            proposals: 0,
            agreement: None,
            started_at: None,
            completed_at: None,
            cancellation: None,
        })
    }

    /// The index of the side `party` is on.
    pub fn side_of(&self, party: &PartyCode) -> Option<usize> {
        self.sides.iter().position(|side| side.contains(party))
    }

    /// Whether `party` is on the bureau's own side (the first).
    pub fn is_ours(&self, party: &PartyCode) -> bool {
        self.side_of(party) == Some(0)
    }

    /// Whether `party` takes part: on a side or a mediator.
    pub fn takes_part(&self, party: &PartyCode) -> bool {
        self.side_of(party).is_some() || self.mediators.contains(party)
    }

    fn require(
        &self,
        allowed: &[ExchangeState],
        action: &'static str,
    ) -> Result<(), ExchangeError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(ExchangeError::State {
                state: self.state,
                action,
            })
        }
    }

    /// Checks that the exchange has a manifest (an agreement froze one), for `action`.
    pub fn require_manifest(&self, action: &'static str) -> Result<&Agreement, ExchangeError> {
        self.agreement.as_ref().ok_or(ExchangeError::State {
            state: self.state,
            action,
        })
    }

    /// Numbers a new proposal (only while negotiating).
    pub fn next_proposal(&mut self) -> Result<u32, ExchangeError> {
        self.require(&[ExchangeState::Negotiating], "a new proposal")?;
        self.proposals += 1;
        Ok(self.proposals)
    }

    /// Agrees `proposal`: only while negotiating, only a proposal without violations.
    pub fn agree(
        &mut self,
        proposal: &Proposal,
        by: &str,
        now: Timestamp,
    ) -> Result<(), ExchangeError> {
        self.require(&[ExchangeState::Negotiating], "an agreement")?;
        if let Some(first) = proposal.violations.first() {
            return Err(ExchangeError::Violations {
                number: proposal.number,
                count: proposal.violations.len(),
                first: first.message.clone(),
            });
        }
        if proposal.transfers.is_empty() {
            return Err(ExchangeError::Conflict(vec![FieldError::new(
                "proposal",
                format!(
                    "proposal {} moves nobody and cannot be agreed",
                    proposal.number
                ),
            )]));
        }
        self.state = ExchangeState::Agreed;
        self.agreement = Some(Agreement {
            proposal: proposal.number,
            at: now,
            by: by.to_string(),
        });
        Ok(())
    }

    /// Checks that a person may be decided now; the first decision starts the handover.
    pub fn begin_handover(&mut self, now: Timestamp) -> Result<(), ExchangeError> {
        self.require(
            &[ExchangeState::Agreed, ExchangeState::InProgress],
            "a handover",
        )?;
        if self.state == ExchangeState::Agreed {
            self.state = ExchangeState::InProgress;
            self.started_at = Some(now);
        }
        Ok(())
    }

    /// Completes the exchange once no entry is pending.
    pub fn complete(&mut self, pending: u64, now: Timestamp) -> Result<(), ExchangeError> {
        self.require(
            &[ExchangeState::Agreed, ExchangeState::InProgress],
            "completion",
        )?;
        if pending > 0 {
            return Err(ExchangeError::Pending(pending));
        }
        self.state = ExchangeState::Completed;
        self.completed_at = Some(now);
        Ok(())
    }

    /// Calls the exchange off, with a reason, from any state before completion. Once
    /// persons have crossed (`in_progress`), cancelling would leave them unrecorded:
    /// they are decided first, then the exchange is completed.
    pub fn cancel(&mut self, reason: &str, by: &str, now: Timestamp) -> Result<(), ExchangeError> {
        self.require(
            &[ExchangeState::Negotiating, ExchangeState::Agreed],
            "cancellation",
        )?;
        let reason =
            text("reason", reason, NOTE_MAX).map_err(|e| ExchangeError::Invalid(vec![e]))?;
        if reason.is_empty() {
            return Err(invalid("reason", "say why the exchange is called off"));
        }
        self.state = ExchangeState::Cancelled;
        self.cancellation = Some(Cancellation {
            at: now,
            by: by.to_string(),
            reason,
        });
        Ok(())
    }
}

/// What the registry says about a captive, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptiveFacts {
    pub id: CaptiveId,
    /// In custody or in hospital (not released, repatriated, escaped or dead).
    pub held: bool,
    pub held_by: PartyCode,
    pub belongs_to: PartyCode,
    /// Rank, lower case, as the terms' `values` name ranks.
    pub rank: Option<String>,
    pub seriously_wounded_or_sick: bool,
    pub refuses_repatriation: bool,
    /// The reference of the proceedings he is held for (Art. 115).
    pub proceedings: Option<String>,
    pub captured_on: NaiveDate,
    /// Confirmed on a demand list of this exchange.
    pub demanded: bool,
}

/// A transfer as proposed, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    pub captive: CaptiveId,
    pub from: PartyCode,
    pub to: PartyCode,
}

impl TransferRequest {
    /// The captive going home: from his detaining power to his power of origin.
    pub fn home(captive: &repatria_core::Captive) -> TransferRequest {
        TransferRequest {
            captive: captive.id,
            from: captive.detaining_power.clone(),
            to: captive.power_of_origin.clone(),
        }
    }
}

/// A checked transfer of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedTransfer {
    pub captive: CaptiveId,
    pub from: PartyCode,
    pub to: PartyCode,
    /// False for the seriously wounded and sick, who go regardless of numbers
    /// (Arts. 109–110), whatever the proposer said.
    pub counts_toward_balance: bool,
    /// What he weighs when balancing by value (1 by count); 0 when he does not count.
    pub value: u64,
    /// Confirmed on a demand list of the exchange when the proposal was made.
    #[serde(default)]
    pub demanded: bool,
    /// His date of capture (days in captivity follow from it).
    #[serde(default)]
    pub captured_on: Option<NaiveDate>,
}

/// A side's balance in a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideTotals {
    pub parties: Vec<PartyCode>,
    pub gives: u64,
    pub receives: u64,
}

/// A captive of the exchange's parties not in the proposal, and why he stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub captive: CaptiveId,
    /// The planner's reason for a planned proposal (docs/exchange.md); for a side's
    /// proposal the first rule that keeps him, or `not_proposed`.
    pub reason: String,
}

/// A numbered proposal of an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub number: u32,
    /// The party whose proposal it is.
    pub by: PartyCode,
    pub source: ProposalSource,
    pub created_at: Timestamp,
    pub created_by: String,
    pub note: Option<String>,
    pub transfers: Vec<ProposedTransfer>,
    pub balance: Vec<SideTotals>,
    pub violations: Vec<Violation>,
    /// For a planned proposal: whether the plan was proven optimal.
    pub optimal: Option<bool>,
    pub left_out: Vec<LeftOut>,
}

impl Proposal {
    /// The captives it moves.
    pub fn captives(&self) -> BTreeSet<CaptiveId> {
        self.transfers.iter().map(|t| t.captive).collect()
    }
}

/// The value of a captive under the terms: 1 by count, his rank's value by value.
pub fn value_of(terms: &Terms, rank: Option<&str>) -> u64 {
    match terms.balance {
        Balance::Count => 1,
        Balance::Value => rank.and_then(|r| terms.values.get(r)).copied().unwrap_or(1),
    }
}

/// A proposal's transfers, checked: each with whether it counts toward balance and
/// its value; the balance per side; every rule broken.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub transfers: Vec<ProposedTransfer>,
    pub balance: Vec<SideTotals>,
    pub violations: Vec<Violation>,
}

/// Checks a proposal's transfers against the rules of docs/exchange.md and the
/// registry's facts (`facts` by captive; `barred` the parties on the Art. 12 list).
/// Nothing is refused here: a proposal is what a side sent, and is kept with its
/// violations; only an agreement needs none.
pub fn check_proposal(
    exchange: &Exchange,
    facts: &HashMap<CaptiveId, CaptiveFacts>,
    barred: &BTreeSet<PartyCode>,
    requests: &[TransferRequest],
) -> Checked {
    let mut violations = Vec::new();
    let mut transfers = Vec::with_capacity(requests.len());
    let mut seen = HashSet::new();
    for t in requests {
        let id = t.captive;
        let mut broken = |rule: Rule, message: String| {
            violations.push(Violation::new(Some(id), rule, message));
        };
        if !seen.insert(id) {
            broken(Rule::Duplicate, format!("captive {id} is named twice"));
            continue;
        }
        let Some(f) = facts.get(&id) else {
            broken(
                Rule::UnknownCaptive,
                format!("captive {id} is not in the registry"),
            );
            continue;
        };
        if !f.held {
            broken(Rule::NotHeld, format!("captive {id} is no longer held"));
        } else if f.held_by != t.from {
            broken(
                Rule::NotHeldBy,
                format!("captive {id} is held by {}, not by {}", f.held_by, t.from),
            );
        }
        if barred.contains(&t.to) {
            broken(
                Rule::TransferBarred,
                format!(
                    "{} is on the Art. 12 list: prisoners may not be transferred to it",
                    t.to
                ),
            );
        }
        let destination_side = exchange.side_of(&f.belongs_to);
        if t.to != f.belongs_to
            && (destination_side.is_none() || exchange.side_of(&t.to) != destination_side)
        {
            broken(
                Rule::WrongDestination,
                format!(
                    "captive {id} belongs to {}; {} is neither that party nor on its side",
                    f.belongs_to, t.to
                ),
            );
        }
        if f.refuses_repatriation {
            broken(
                Rule::RefusesRepatriation,
                format!("captive {id} does not wish to be repatriated"),
            );
        }
        if let Some(reference) = &f.proceedings {
            if !f.seriously_wounded_or_sick {
                broken(
                    Rule::HeldForProceedings,
                    format!("captive {id} is held for proceedings {reference}"),
                );
            }
        }
        match (exchange.side_of(&t.from), exchange.side_of(&t.to)) {
            (Some(a), Some(b)) if a == b => broken(
                Rule::SameSide,
                format!("{} and {} are on the same side", t.from, t.to),
            ),
            (Some(_), Some(_)) => {}
            _ => broken(
                Rule::PartyNotInAgreement,
                format!("{} → {}: a party on no side of this exchange", t.from, t.to),
            ),
        }
        let counts = !f.seriously_wounded_or_sick;
        transfers.push(ProposedTransfer {
            captive: id,
            from: t.from.clone(),
            to: t.to.clone(),
            counts_toward_balance: counts,
            value: if counts {
                value_of(&exchange.terms, f.rank.as_deref())
            } else {
                0
            },
            demanded: f.demanded,
            captured_on: Some(f.captured_on),
        });
    }
    let balance = balance_of(
        exchange,
        transfers.iter().map(|t| (&t.from, &t.to, t.value)),
    );
    for side in &balance {
        if side.gives.abs_diff(side.receives) > exchange.terms.tolerance {
            violations.push(Violation::new(
                None,
                Rule::OutsideTolerance,
                format!(
                    "{} gives {} and receives {}: more apart than the tolerance of {}",
                    side.parties
                        .iter()
                        .map(PartyCode::as_str)
                        .collect::<Vec<_>>()
                        .join("+"),
                    side.gives,
                    side.receives,
                    exchange.terms.tolerance
                ),
            ));
        }
    }
    if let Some(max) = exchange.terms.max_total {
        let counted = transfers.iter().filter(|t| t.counts_toward_balance).count() as u64;
        if counted > max {
            violations.push(Violation::new(
                None,
                Rule::MaxTotal,
                format!("{counted} counted transfers; the terms allow at most {max}"),
            ));
        }
    }
    Checked {
        transfers,
        balance,
        violations,
    }
}

/// What each side gives and receives, from (from, to, value) moves.
pub fn balance_of<'a>(
    exchange: &Exchange,
    moves: impl Iterator<Item = (&'a PartyCode, &'a PartyCode, u64)>,
) -> Vec<SideTotals> {
    let mut totals: Vec<SideTotals> = exchange
        .sides
        .iter()
        .map(|parties| SideTotals {
            parties: parties.clone(),
            gives: 0,
            receives: 0,
        })
        .collect();
    for (from, to, value) in moves {
        if let Some(i) = exchange.side_of(from) {
            totals[i].gives += value;
        }
        if let Some(i) = exchange.side_of(to) {
            totals[i].receives += value;
        }
    }
    totals
}

/// Why each captive of the exchange's parties not in a side's proposal stays: the
/// first rule that keeps him, else `not_proposed`. Only captives held by a party on a
/// side and belonging to a party on another are listed.
pub fn left_out(
    exchange: &Exchange,
    facts: &[CaptiveFacts],
    barred: &BTreeSet<PartyCode>,
    moved: &BTreeSet<CaptiveId>,
) -> Vec<LeftOut> {
    facts
        .iter()
        .filter(|f| f.held && !moved.contains(&f.id))
        .filter(|f| {
            match (
                exchange.side_of(&f.held_by),
                exchange.side_of(&f.belongs_to),
            ) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            }
        })
        .map(|f| {
            let reason = if f.refuses_repatriation {
                Rule::RefusesRepatriation.as_str()
            } else if barred.contains(&f.belongs_to) {
                Rule::TransferBarred.as_str()
            } else if f.proceedings.is_some() && !f.seriously_wounded_or_sick {
                Rule::HeldForProceedings.as_str()
            } else {
                "not_proposed"
            };
            LeftOut {
                captive: f.id,
                reason: reason.to_string(),
            }
        })
        .collect()
}

/// The difference of proposal `b` to an earlier proposal `a`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub added: Vec<CaptiveId>,
    pub removed: Vec<CaptiveId>,
}

/// Who `b` adds to and removes from `a`.
pub fn difference(a: &Proposal, b: &Proposal) -> Difference {
    let (before, after) = (a.captives(), b.captives());
    Difference {
        added: after.difference(&before).copied().collect(),
        removed: before.difference(&after).copied().collect(),
    }
}

/// The checks made at the crossing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Checks {
    pub identity_verified: bool,
    pub identity_method: Option<String>,
    /// He confirmed, before the ICRC delegate, that he wishes to go (Art. 109).
    pub wish_confirmed: bool,
    /// The delegate who witnessed the confirmation, when another account records it.
    pub wish_confirmed_by: Option<String>,
    pub fit_to_travel: Option<bool>,
    pub effects_returned: Option<bool>,
}

/// A decision at the crossing, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverRequest {
    pub outcome: Outcome,
    pub at: Timestamp,
    pub stage: Option<String>,
    pub checks: Checks,
    pub note: Option<String>,
}

/// A decision at the crossing, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub outcome: Outcome,
    pub at: Timestamp,
    pub stage: Option<String>,
    pub checks: Checks,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// One person of an agreed exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub id: EntryId,
    /// Order in the manifest (the agreed proposal's order), from 1.
    pub position: u32,
    pub captive: CaptiveId,
    pub from: PartyCode,
    pub to: PartyCode,
    pub counts_toward_balance: bool,
    pub value: u64,
    /// Demanded, and his date of capture, as the agreed proposal had them: what the
    /// planner's objective weighs when a withdrawal must be restored ([`restore`]).
    #[serde(default)]
    pub demanded: bool,
    #[serde(default)]
    pub captured_on: Option<NaiveDate>,
    pub status: EntryStatus,
    pub handover: Option<Handover>,
}

impl ManifestEntry {
    /// The manifest of an agreed proposal: one pending entry per transfer, in order,
    /// with the ids given (the store makes them).
    pub fn freeze(
        proposal: &Proposal,
        ids: impl IntoIterator<Item = EntryId>,
    ) -> Vec<ManifestEntry> {
        proposal
            .transfers
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(i, (t, id))| ManifestEntry {
                id,
                position: i as u32 + 1,
                captive: t.captive,
                from: t.from.clone(),
                to: t.to.clone(),
                counts_toward_balance: t.counts_toward_balance,
                value: t.value,
                demanded: t.demanded,
                captured_on: t.captured_on,
                status: EntryStatus::Pending,
                handover: None,
            })
            .collect()
    }

    /// What the entry weighs in the balance.
    pub fn balance_value(&self) -> u64 {
        if self.counts_toward_balance {
            self.value
        } else {
            0
        }
    }
}

/// Who is deciding at the crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider<'a> {
    pub user: &'a str,
    /// The account holds the ICRC delegate's role: it may confirm a wish itself.
    pub delegate: bool,
}

/// How far ahead of the server's clock a decision may be dated (field devices drift).
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(10);

/// A wish confirmed by an account that is not the ICRC delegate's, without the name of
/// the delegate who witnessed it: only the delegate confirms a wish (GC III Art. 109).
/// `witness` says whether a name was given. What the account's role may not do, so the
/// API answers it before it looks the entry up.
pub fn unwitnessed(checks: &Checks, delegate: bool, witness: bool) -> Option<FieldError> {
    (checks.wish_confirmed && !delegate && !witness).then(|| {
        FieldError::new(
            "checks.wish_confirmed_by",
            "only the ICRC delegate confirms his wish: give the delegate's name, or let the delegate record it (GC III Art. 109)",
        )
    })
}

/// Decides one person at the crossing, under the rules of docs/exchange-records.md:
///
/// - only an entry still pending, of an exchange agreed or in progress;
/// - `handed_over` for a person the bureau's side gives, `received` for one it gets;
/// - both need his identity verified; `handed_over` needs his wish to go confirmed at
///   the crossing (GC III Art. 109), by the ICRC delegate's own account or recorded
///   with the delegate's name, and never for a captive the registry says refuses;
/// - `withdrawn` needs the reason in `note`.
///
/// What the request itself lacks is `Invalid`; a well-formed request that the entry's
/// direction or the registry forbids is `Conflict`. Returns the recorded decision; the
/// caller stores it with the entry's new status.
pub fn decide(
    exchange: &Exchange,
    entry: &ManifestEntry,
    request: HandoverRequest,
    refuses_in_registry: bool,
    decider: Decider<'_>,
    now: Timestamp,
) -> Result<Handover, ExchangeError> {
    if !matches!(
        exchange.state,
        ExchangeState::Agreed | ExchangeState::InProgress
    ) {
        return Err(ExchangeError::State {
            state: exchange.state,
            action: "a handover",
        });
    }
    if let Some(h) = &entry.handover {
        return Err(ExchangeError::Decided {
            status: entry.status,
            by: h.recorded_by.clone(),
            at: h.at,
        });
    }
    let mut errors = Vec::new();
    let stage = optional_text("stage", request.stage.as_deref(), SHORT_MAX);
    let note = optional_text("note", request.note.as_deref(), NOTE_MAX);
    let method = optional_text(
        "checks.identity_method",
        request.checks.identity_method.as_deref(),
        SHORT_MAX,
    );
    let witness = optional_text(
        "checks.wish_confirmed_by",
        request.checks.wish_confirmed_by.as_deref(),
        SHORT_MAX,
    );
    let (stage, note, method, witness) = (
        stage.map_err(|e| errors.push(e)).ok().flatten(),
        note.map_err(|e| errors.push(e)).ok().flatten(),
        method.map_err(|e| errors.push(e)).ok().flatten(),
        witness.map_err(|e| errors.push(e)).ok().flatten(),
    );
    if request.at > now + CLOCK_SKEW {
        errors.push(FieldError::new("at", "must not be in the future"));
    }
    let checks = &request.checks;
    match request.outcome {
        Outcome::HandedOver | Outcome::Received => {
            if !checks.identity_verified {
                errors.push(FieldError::new(
                    "checks.identity_verified",
                    "verify his identity before he crosses",
                ));
            }
        }
        Outcome::Withdrawn => {
            if note.is_none() {
                errors.push(FieldError::new(
                    "note",
                    "say why he is withdrawn (refused at the crossing, died, unfit)",
                ));
            }
        }
    }
    if request.outcome == Outcome::HandedOver && !checks.wish_confirmed {
        errors.push(FieldError::new(
            "checks.wish_confirmed",
            "nobody is handed over whose wish to go was not confirmed at the crossing (GC III Art. 109)",
        ));
    }
    errors.extend(unwitnessed(checks, decider.delegate, witness.is_some()));
    if !errors.is_empty() {
        return Err(ExchangeError::Invalid(errors));
    }
    // The request is well formed; what the records say about this person comes next.
    let mut conflicts = Vec::new();
    if request.outcome == Outcome::HandedOver && !exchange.is_ours(&entry.from) {
        conflicts.push(FieldError::new(
            "outcome",
            format!(
                "{} → {} is not ours to hand over: record it as received",
                entry.from, entry.to
            ),
        ));
    }
    if request.outcome == Outcome::Received && !exchange.is_ours(&entry.to) {
        conflicts.push(FieldError::new(
            "outcome",
            format!(
                "{} → {} is not ours to receive: record it as handed_over",
                entry.from, entry.to
            ),
        ));
    }
    if request.outcome == Outcome::HandedOver && refuses_in_registry {
        conflicts.push(FieldError::new(
            "checks.wish_confirmed",
            "the registry records that he refuses repatriation: record his new wish first (GC III Art. 109)",
        ));
    }
    if !conflicts.is_empty() {
        return Err(ExchangeError::Conflict(conflicts));
    }
    let wish_confirmed_by = if checks.wish_confirmed {
        witness.or_else(|| Some(decider.user.to_string()))
    } else {
        None
    };
    Ok(Handover {
        outcome: request.outcome,
        at: request.at,
        stage,
        checks: Checks {
            identity_verified: checks.identity_verified,
            identity_method: method,
            wish_confirmed: checks.wish_confirmed,
            wish_confirmed_by,
            fit_to_travel: checks.fit_to_travel,
            effects_returned: checks.effects_returned,
        },
        note,
        recorded_by: decider.user.to_string(),
        recorded_at: now,
    })
}

/// The manifest summed up: per direction and status, how many and what they weigh.
/// The store computes it with one query; [`counts`] turns it into the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub from: PartyCode,
    pub to: PartyCode,
    pub status: EntryStatus,
    pub persons: u64,
    pub balance_value: u64,
}

/// The tallies of entries held in memory.
pub fn tally(entries: &[ManifestEntry]) -> Vec<Tally> {
    let mut sums: BTreeMap<(PartyCode, PartyCode, EntryStatus), (u64, u64)> = BTreeMap::new();
    for e in entries {
        let sum = sums
            .entry((e.from.clone(), e.to.clone(), e.status))
            .or_default();
        sum.0 += 1;
        sum.1 += e.balance_value();
    }
    sums.into_iter()
        .map(|((from, to, status), (persons, balance_value))| Tally {
            from,
            to,
            status,
            persons,
            balance_value,
        })
        .collect()
}

/// One direction of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectionCounts {
    pub from: PartyCode,
    pub to: PartyCode,
    pub planned: u64,
    pub handed_over: u64,
    pub received: u64,
    pub withdrawn: u64,
    pub pending: u64,
}

/// One side's balance: as agreed, what has crossed so far, and what it comes to if
/// every pending person crosses (withdrawals taken out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideCounts {
    pub parties: Vec<PartyCode>,
    pub agreed_gives: u64,
    pub agreed_receives: u64,
    pub gives: u64,
    pub receives: u64,
    pub expected_gives: u64,
    pub expected_receives: u64,
    /// `expected_gives − expected_receives`: positive when the side now gives more
    /// than it gets.
    pub imbalance: i64,
}

/// The counts of an exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub directions: Vec<DirectionCounts>,
    pub sides: Vec<SideCounts>,
    pub planned: u64,
    pub pending: u64,
    /// Whether every side's expected balance is within the terms' tolerance.
    pub balanced: bool,
}

/// The counts from the manifest's tallies.
pub fn counts(exchange: &Exchange, tallies: &[Tally]) -> Counts {
    let mut directions: BTreeMap<(PartyCode, PartyCode), DirectionCounts> = BTreeMap::new();
    let mut sides: Vec<SideCounts> = exchange
        .sides
        .iter()
        .map(|parties| SideCounts {
            parties: parties.clone(),
            agreed_gives: 0,
            agreed_receives: 0,
            gives: 0,
            receives: 0,
            expected_gives: 0,
            expected_receives: 0,
            imbalance: 0,
        })
        .collect();
    for t in tallies {
        let d = directions
            .entry((t.from.clone(), t.to.clone()))
            .or_insert_with(|| DirectionCounts {
                from: t.from.clone(),
                to: t.to.clone(),
                planned: 0,
                handed_over: 0,
                received: 0,
                withdrawn: 0,
                pending: 0,
            });
        d.planned += t.persons;
        match t.status {
            EntryStatus::Pending => d.pending += t.persons,
            EntryStatus::HandedOver => d.handed_over += t.persons,
            EntryStatus::Received => d.received += t.persons,
            EntryStatus::Withdrawn => d.withdrawn += t.persons,
        }
        let crossed = matches!(t.status, EntryStatus::HandedOver | EntryStatus::Received);
        let expected = t.status != EntryStatus::Withdrawn;
        if let Some(i) = exchange.side_of(&t.from) {
            sides[i].agreed_gives += t.balance_value;
            sides[i].gives += if crossed { t.balance_value } else { 0 };
            sides[i].expected_gives += if expected { t.balance_value } else { 0 };
        }
        if let Some(i) = exchange.side_of(&t.to) {
            sides[i].agreed_receives += t.balance_value;
            sides[i].receives += if crossed { t.balance_value } else { 0 };
            sides[i].expected_receives += if expected { t.balance_value } else { 0 };
        }
    }
    for s in &mut sides {
        s.imbalance = s.expected_gives as i64 - s.expected_receives as i64;
    }
    let directions: Vec<DirectionCounts> = directions.into_values().collect();
    Counts {
        planned: directions.iter().map(|d| d.planned).sum(),
        pending: directions.iter().map(|d| d.pending).sum(),
        balanced: sides
            .iter()
            .all(|s| s.imbalance.unsigned_abs() <= exchange.terms.tolerance),
        directions,
        sides,
    }
}

/// A pending entry the planner would withdraw to restore the balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    /// The side that now gives more than it receives, beyond the tolerance.
    pub side: Vec<PartyCode>,
    pub imbalance: u64,
    /// Pending entries given by that side whose withdrawal brings every side within
    /// the tolerance, chosen as the planner's objective would: the fewest demanded,
    /// then the least value, then the fewest days in captivity given up. Empty when no
    /// such choice exists; then the other side must add persons instead.
    pub withdraw: Vec<EntryId>,
    pub message: String,
}

/// What a pending entry contributes to the planner's objective, for [`restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub entry: EntryId,
    pub from: PartyCode,
    pub to: PartyCode,
    pub value: u64,
    pub demanded: bool,
    pub days_in_captivity: u64,
}

/// What a suggestion after withdrawals must achieve: the side that gives more than it
/// receives beyond the tolerance (`over`, an index into the sides), the sides short of
/// it, and the bounds on the weight its withdrawn persons must sum to. A caller that
/// reads the pending entries from storage reads only those `over` gives to a side in
/// `short`, and when balancing by count only the `high` cheapest of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreNeed {
    pub over: usize,
    pub low: u64,
    pub high: u64,
    pub short: Vec<usize>,
}

/// The [`RestoreNeed`] of an exchange, `None` when it is within tolerance.
pub fn restore_need(exchange: &Exchange, counts: &Counts) -> Option<RestoreNeed> {
    let tolerance = exchange.terms.tolerance as i64;
    let (over, over_side) = counts
        .sides
        .iter()
        .enumerate()
        .filter(|(_, s)| s.imbalance > tolerance)
        .max_by_key(|(_, s)| s.imbalance)?;
    let excess = over_side.imbalance;
    // Withdrawing w from this side's gives lowers its imbalance by w and raises the
    // receiver's by w: every w in [excess − tolerance, excess + tolerance] works for
    // this side; the receivers' own imbalance bounds it too.
    let low = (excess - tolerance).max(0) as u64;
    let mut high = (excess + tolerance) as u64;
    let short: Vec<usize> = counts
        .sides
        .iter()
        .enumerate()
        .filter(|(i, s)| *i != over && s.imbalance < 0)
        .map(|(i, _)| i)
        .collect();
    for &i in &short {
        let room = (-counts.sides[i].imbalance + tolerance) as u64;
        high = high.min(room.max(low));
    }
    Some(RestoreNeed {
        over,
        low,
        high,
        short,
    })
}

/// The planner's suggestion of what restores the balance after withdrawals, for a
/// bilateral imbalance: for each side giving more than it receives beyond the
/// tolerance, the pending counted entries it gives to the side short of it whose
/// withdrawal is the least loss by the lexicographic objective (docs/exchange.md)
/// and brings both within tolerance. `None` when the exchange is balanced.
pub fn restore(exchange: &Exchange, counts: &Counts, pending: &[Candidate]) -> Option<Restore> {
    let RestoreNeed {
        over,
        low,
        high,
        short,
    } = restore_need(exchange, counts)?;
    let over_side = &counts.sides[over];
    let excess = over_side.imbalance;
    let options: Vec<&Candidate> = pending
        .iter()
        .filter(|c| c.value > 0)
        .filter(|c| exchange.side_of(&c.from) == Some(over))
        .filter(|c| exchange.side_of(&c.to).is_some_and(|s| short.contains(&s)))
        .collect();
    let withdraw = cheapest_subset(&options, low, high);
    let names = over_side
        .parties
        .iter()
        .map(PartyCode::as_str)
        .collect::<Vec<_>>()
        .join("+");
    let message = match &withdraw {
        Some(w) => format!(
            "{names} now gives {excess} more than it receives; withdrawing the {} person(s) suggested restores the balance, or the other side adds as many",
            w.len()
        ),
        None => format!(
            "{names} now gives {excess} more than it receives; no choice of its pending persons restores it: the other side must add persons"
        ),
    };
    Some(Restore {
        side: over_side.parties.clone(),
        imbalance: excess as u64,
        withdraw: withdraw.unwrap_or_default(),
        message,
    })
}

/// The subset of `options` whose values sum within `[low, high]` at the least loss:
/// fewest demanded, then least value, then fewest days (a knapsack over the value,
/// which the terms keep small).
fn cheapest_subset(options: &[&Candidate], low: u64, high: u64) -> Option<Vec<EntryId>> {
    if low == 0 {
        return Some(Vec::new());
    }
    let cap = high as usize;
    type Cost = (u64, u64, u64);
    // best[v] = the least cost of reaching exactly v, and the items taken.
    let mut best: Vec<Option<(Cost, Vec<usize>)>> = vec![None; cap + 1];
    best[0] = Some(((0, 0, 0), Vec::new()));
    // Cheapest first, so that among equal costs the order is stable; bounded work.
    let mut order: Vec<usize> = (0..options.len()).collect();
    order.sort_by_key(|&i| {
        let c = options[i];
        (c.demanded, c.value, c.days_in_captivity, c.entry)
    });
    // Only the cheapest few per value can matter: at most `cap` of each value.
    let mut per_value: HashMap<u64, usize> = HashMap::new();
    order.retain(|&i| {
        let n = per_value.entry(options[i].value).or_default();
        *n += 1;
        *n as u64 <= high / options[i].value.max(1) + 1
    });
    for &i in &order {
        let c = options[i];
        let v = c.value as usize;
        if v > cap {
            continue;
        }
        for total in (v..=cap).rev() {
            if let Some((cost, items)) = &best[total - v] {
                let new_cost = (
                    cost.0 + u64::from(c.demanded),
                    cost.1 + c.value,
                    cost.2 + c.days_in_captivity,
                );
                if best[total].as_ref().is_none_or(|(old, _)| new_cost < *old) {
                    let mut taken = items.clone();
                    taken.push(i);
                    best[total] = Some((new_cost, taken));
                }
            }
        }
    }
    (low as usize..=cap)
        .filter_map(|v| best[v].as_ref())
        .min_by_key(|(cost, _)| *cost)
        .map(|(_, items)| items.iter().map(|&i| options[i].entry).collect())
}
