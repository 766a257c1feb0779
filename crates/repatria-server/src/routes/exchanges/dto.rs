//! The JSON shapes of exchanges as records (docs/exchange-records.md): requests,
//! validated into domain values once, here; and the views the API answers with.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use repatria_app::exchanges::{
    DirectionTotals, EntryReconciled, ExchangeSummary, ManifestLine, Reconciled, Reconciliation,
    RowReconciled,
};
use repatria_core::error::Validator;
use repatria_core::{CaptiveId, EntryId, FieldError, PartialDate, PartyCode, Timestamp};
use repatria_exchange::record::{
    Checks, Counts, EntryStatus, Exchange, ExchangeState, Handover, HandoverRequest, Outcome,
    Proposal, ProposalSource, Restore, Rule, TransferRequest,
};
use repatria_exchange::{Balance, Terms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::Validate;

/// Most persons in one demand list or counterpart manifest sent as JSON.
pub const MAX_PERSONS: usize = 100_000;
/// Most transfers in one proposal sent by a side.
pub const MAX_TRANSFERS: usize = 250_000;

fn party(field: &str, raw: &str) -> Result<PartyCode, FieldError> {
    PartyCode::parse(raw).map_err(|e| e.within(field))
}

fn captive_id(field: &str, raw: &str) -> Result<CaptiveId, FieldError> {
    raw.trim()
        .parse::<Uuid>()
        .map(CaptiveId)
        .map_err(|_| FieldError::new(field, format!("not a captive id: {raw:?}")))
}

fn optional(text: Option<String>, field: &str, max: usize, v: &mut Validator) -> Option<String> {
    let text = text
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())?;
    if text.chars().count() > max {
        v.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    Some(text)
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// The terms of an exchange, as in docs/exchange.md.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    /// `count` (default) or `value`.
    #[serde(default)]
    pub balance: Balance,
    /// Worth of each rank when balancing by value.
    #[serde(default)]
    pub values: BTreeMap<String, u64>,
    /// Largest allowed |gives − receives| for every side; default 0.
    #[serde(default)]
    pub tolerance: u64,
    pub max_total: Option<u64>,
    /// Reference date for days in captivity; default the day the planner runs.
    pub as_of: Option<NaiveDate>,
}

impl TermsInput {
    fn terms(self) -> Terms {
        Terms {
            balance: self.balance,
            values: self.values,
            tolerance: self.tolerance,
            max_total: self.max_total,
            as_of: self.as_of.map(|d| d.to_string()),
        }
    }

    fn of(t: &Terms) -> TermsInput {
        TermsInput {
            balance: t.balance,
            values: t.values.clone(),
            tolerance: t.tolerance,
            max_total: t.max_total,
            as_of: t.as_of.as_deref().and_then(|d| d.parse().ok()),
        }
    }
}

/// `POST /api/exchanges`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExchangeRequest {
    pub title: String,
    /// Party codes per side; the first side is the bureau's own.
    pub sides: Vec<Vec<String>>,
    /// Neutral intermediaries, such as the ICRC or a mediating state.
    #[serde(default)]
    pub mediators: Vec<String>,
    #[serde(default)]
    pub terms: TermsInput,
}

impl Validate for NewExchangeRequest {
    type Valid = repatria_exchange::record::NewExchange;

    fn validate(self) -> Result<Self::Valid, Vec<FieldError>> {
        if self.sides.len() > 50
            || self.sides.iter().any(|s| s.len() > 100)
            || self.mediators.len() > 50
        {
            return Err(vec![FieldError::new("sides", "too many parties")]);
        }
        Ok(repatria_exchange::record::NewExchange {
            title: self.title,
            sides: self.sides,
            mediators: self.mediators,
            terms: self.terms.terms(),
        })
    }
}

/// `POST /api/exchanges/{id}/cancel`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: String,
}

/// A person on a demand list or on the other side's manifest, in any script.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    /// The name in one piece, when the sender does not split it.
    pub full_name: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub unit: Option<String>,
    pub service_number: Option<String>,
    pub rank: Option<String>,
    pub note: Option<String>,
    /// On a counterpart manifest: the party that gives him.
    pub from: Option<String>,
    /// On a counterpart manifest: the party that receives him.
    pub to: Option<String>,
}

/// A person read into a list row (line = position from 1) and the direction given.
pub(crate) struct Person {
    pub entry: repatria_lists::Entry,
    pub from: Option<PartyCode>,
    pub to: Option<PartyCode>,
}

pub(crate) fn persons(raw: Vec<PersonInput>, v: &mut Validator) -> Vec<Person> {
    if raw.is_empty() {
        v.push(FieldError::new("persons", "name at least one person"));
    }
    if raw.len() > MAX_PERSONS {
        v.push(FieldError::new(
            "persons",
            format!("too many: more than {MAX_PERSONS} persons"),
        ));
        return Vec::new();
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |f: &str| format!("persons[{i}].{f}");
            let date_of_birth = p
                .date_of_birth
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .and_then(|d| {
                    v.check(PartialDate::parse(d).map_err(|e| e.within(&at("date_of_birth"))))
                });
            let entry = repatria_lists::Entry {
                line: i as u64 + 1,
                family_name: optional(p.family_name, &at("family_name"), 200, v),
                given_name: optional(p.given_name, &at("given_name"), 200, v),
                patronymic: optional(p.patronymic, &at("patronymic"), 200, v),
                full_name: optional(p.full_name, &at("full_name"), 400, v),
                date_of_birth,
                unit: optional(p.unit, &at("unit"), 200, v),
                service_number: optional(p.service_number, &at("service_number"), 100, v),
                rank: optional(p.rank, &at("rank"), 100, v),
                note: optional(p.note, &at("note"), 2000, v),
                ..repatria_lists::Entry::default()
            };
            if entry.family_name.is_none()
                && entry.given_name.is_none()
                && entry.full_name.is_none()
            {
                v.push(FieldError::new(format!("persons[{i}]"), "give a name"));
            }
            let from = p
                .from
                .as_deref()
                .and_then(|c| v.check(party(&at("from"), c)));
            let to = p.to.as_deref().and_then(|c| v.check(party(&at("to"), c)));
            Person { entry, from, to }
        })
        .collect()
}

/// `POST /api/exchanges/{id}/demands` and, as JSON, `.../counterpart-manifest`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonsRequest {
    /// The side's party that sent the list.
    pub by: String,
    pub persons: Vec<PersonInput>,
}

/// `POST /api/exchanges/{id}/proposals`: either `from_plan: true`, or the `transfers`
/// as a side sent them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalRequest {
    /// The party whose proposal it is.
    pub by: String,
    /// The planner makes the proposal from the captives held now.
    #[serde(default)]
    pub from_plan: bool,
    pub transfers: Option<Vec<TransferInput>>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// A captive's id.
    pub captive: String,
    pub from: String,
    pub to: String,
}

/// A proposal request, validated.
pub struct ValidProposal {
    pub by: PartyCode,
    pub input: repatria_app::exchanges::ProposalInput,
    pub note: Option<String>,
}

impl Validate for ProposalRequest {
    type Valid = ValidProposal;

    fn validate(self) -> Result<ValidProposal, Vec<FieldError>> {
        let mut v = Validator::new();
        let by = v.check(party("by", &self.by));
        let input = match (self.from_plan, self.transfers) {
            (true, None) => Some(repatria_app::exchanges::ProposalInput::FromPlan),
            (false, Some(transfers)) if transfers.len() > MAX_TRANSFERS => {
                v.push(FieldError::new(
                    "transfers",
                    format!("too many: more than {MAX_TRANSFERS}"),
                ));
                None
            }
            (false, Some(transfers)) => {
                let requests: Vec<Option<TransferRequest>> = transfers
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let captive =
                            v.check(captive_id(&format!("transfers[{i}].captive"), &t.captive));
                        let from = v.check(party(&format!("transfers[{i}].from"), &t.from));
                        let to = v.check(party(&format!("transfers[{i}].to"), &t.to));
                        Some(TransferRequest {
                            captive: captive?,
                            from: from?,
                            to: to?,
                        })
                    })
                    .collect();
                Some(repatria_app::exchanges::ProposalInput::Transfers(
                    requests.into_iter().flatten().collect(),
                ))
            }
            (true, Some(_)) => {
                v.push(FieldError::new(
                    "transfers",
                    "give either from_plan or transfers, not both",
                ));
                None
            }
            (false, None) => {
                v.push(FieldError::new(
                    "transfers",
                    "give the transfers, or from_plan: true",
                ));
                None
            }
        };
        let note = optional(self.note, "note", 2000, &mut v);
        v.finish().map_err(|e| match e {
            repatria_core::DomainError::Invalid(f) => f,
            repatria_core::DomainError::Rule { field, reason } => {
                vec![FieldError::new(field, reason)]
            }
        })?;
        Ok(ValidProposal {
            by: by.expect("checked"),
            input: input.expect("checked"),
            note,
        })
    }
}

/// `POST /api/exchanges/{id}/agreement`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRequest {
    /// The number of the proposal agreed.
    pub proposal: u32,
}

/// The checks made at the crossing.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksInput {
    #[serde(default)]
    pub identity_verified: bool,
    pub identity_method: Option<String>,
    /// He confirmed before the ICRC delegate that he wishes to go (GC III Art. 109).
    /// Only the delegate's own account sets it without `wish_confirmed_by`.
    #[serde(default)]
    pub wish_confirmed: bool,
    /// The delegate who witnessed the confirmation, when another account records it.
    pub wish_confirmed_by: Option<String>,
    pub fit_to_travel: Option<bool>,
    pub effects_returned: Option<bool>,
}

/// `POST /api/exchanges/{id}/handover`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    /// The manifest entry's id.
    pub entry: String,
    pub outcome: Outcome,
    /// When he crossed (or was withdrawn); default now.
    pub at: Option<DateTime<Utc>>,
    /// Where in the handover: bus, group.
    pub stage: Option<String>,
    #[serde(default)]
    pub checks: ChecksInput,
    /// Required for a withdrawal: why (refused at the crossing, died, unfit).
    pub note: Option<String>,
}

impl HandoverBody {
    pub fn validate(self, now: Timestamp) -> Result<(EntryId, HandoverRequest), Vec<FieldError>> {
        let entry = self
            .entry
            .trim()
            .parse::<Uuid>()
            .map(EntryId)
            .map_err(|_| {
                vec![FieldError::new(
                    "entry",
                    format!("not an entry id: {:?}", self.entry),
                )]
            })?;
        Ok((
            entry,
            HandoverRequest {
                outcome: self.outcome,
                at: self.at.unwrap_or(now),
                stage: self.stage,
                checks: Checks {
                    identity_verified: self.checks.identity_verified,
                    identity_method: self.checks.identity_method,
                    wish_confirmed: self.checks.wish_confirmed,
                    wish_confirmed_by: self.checks.wish_confirmed_by,
                    fit_to_travel: self.checks.fit_to_travel,
                    effects_returned: self.checks.effects_returned,
                },
                note: self.note,
            },
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectionView {
    pub from: String,
    pub to: String,
    pub planned: u64,
    pub handed_over: u64,
    pub received: u64,
    pub withdrawn: u64,
    pub pending: u64,
}

/// A side's balance: as agreed, crossed so far, and expected once every pending person
/// crosses (withdrawals taken out).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SideCountsView {
    pub parties: Vec<String>,
    pub agreed_gives: u64,
    pub agreed_receives: u64,
    pub gives: u64,
    pub receives: u64,
    pub expected_gives: u64,
    pub expected_receives: u64,
    /// expected_gives − expected_receives.
    pub imbalance: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountsView {
    pub directions: Vec<DirectionView>,
    pub sides: Vec<SideCountsView>,
    pub planned: u64,
    pub pending: u64,
    /// Every side's expected balance is within the tolerance.
    pub balanced: bool,
}

impl From<&Counts> for CountsView {
    fn from(c: &Counts) -> Self {
        CountsView {
            directions: c
                .directions
                .iter()
                .map(|d| DirectionView {
                    from: d.from.to_string(),
                    to: d.to.to_string(),
                    planned: d.planned,
                    handed_over: d.handed_over,
                    received: d.received,
                    withdrawn: d.withdrawn,
                    pending: d.pending,
                })
                .collect(),
            sides: c
                .sides
                .iter()
                .map(|s| SideCountsView {
                    parties: codes(&s.parties),
                    agreed_gives: s.agreed_gives,
                    agreed_receives: s.agreed_receives,
                    gives: s.gives,
                    receives: s.receives,
                    expected_gives: s.expected_gives,
                    expected_receives: s.expected_receives,
                    imbalance: s.imbalance,
                })
                .collect(),
            planned: c.planned,
            pending: c.pending,
            balanced: c.balanced,
        }
    }
}

fn codes(parties: &[PartyCode]) -> Vec<String> {
    parties.iter().map(ToString::to_string).collect()
}

/// What the planner suggests to restore the balance after a withdrawal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RestoreView {
    /// The side that now gives more than it receives.
    pub side: Vec<String>,
    pub imbalance: u64,
    /// Pending entries whose withdrawal restores the balance at the least loss.
    pub withdraw: Vec<Uuid>,
    pub message: String,
}

impl From<&Restore> for RestoreView {
    fn from(r: &Restore) -> Self {
        RestoreView {
            side: codes(&r.side),
            imbalance: r.imbalance,
            withdraw: r.withdraw.iter().map(|e| e.0).collect(),
            message: r.message.clone(),
        }
    }
}

/// An exchange with its counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExchangeView {
    pub id: Uuid,
    pub title: String,
    pub sides: Vec<Vec<String>>,
    pub mediators: Vec<String>,
    pub terms: TermsInput,
    pub state: ExchangeState,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// How many proposals were recorded.
    pub proposals: u32,
    /// The proposal agreed.
    pub agreed_proposal: Option<u32>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub counts: CountsView,
    /// After a withdrawal left the exchange unbalanced: what restores it.
    pub restore: Option<RestoreView>,
}

impl ExchangeView {
    pub fn new(s: &ExchangeSummary) -> ExchangeView {
        let x: &Exchange = &s.exchange;
        ExchangeView {
            id: x.id.0,
            title: x.title.clone(),
            sides: x.sides.iter().map(|s| codes(s)).collect(),
            mediators: codes(&x.mediators),
            terms: TermsInput::of(&x.terms),
            state: x.state,
            created_at: x.created_at,
            created_by: x.created_by.clone(),
            proposals: x.proposals,
            agreed_proposal: x.agreement.as_ref().map(|a| a.proposal),
            agreed_at: x.agreement.as_ref().map(|a| a.at),
            started_at: x.started_at,
            completed_at: x.completed_at,
            cancelled_at: x.cancellation.as_ref().map(|c| c.at),
            cancel_reason: x.cancellation.as_ref().map(|c| c.reason.clone()),
            counts: CountsView::from(&s.counts),
            restore: s.restore.as_ref().map(RestoreView::from),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferView {
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    /// False for the seriously wounded and sick (Arts. 109–110).
    pub counts_toward_balance: bool,
    /// What he weighs in the balance (0 when he does not count).
    pub value: u64,
    /// His name, rank and days in captivity, when the proposal is read with names.
    pub person: Option<PersonView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    pub parties: Vec<String>,
    pub gives: u64,
    pub receives: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ViolationView {
    /// The captive concerned; absent for a rule of the whole proposal.
    pub captive: Option<Uuid>,
    pub rule: Rule,
    /// The article of GC III, such as "GC III Art. 109".
    pub article: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeftOutView {
    pub captive: Uuid,
    /// The planner's reason (docs/exchange.md), a rule, or `not_proposed`.
    pub reason: String,
    pub person: Option<PersonView>,
}

/// A person as a negotiator reads him: name, rank, days in captivity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonView {
    pub name: String,
    pub rank: Option<String>,
    pub days_in_captivity: u64,
    pub seriously_wounded_or_sick: bool,
}

impl From<&repatria_app::exchanges::Person> for PersonView {
    fn from(p: &repatria_app::exchanges::Person) -> Self {
        PersonView {
            name: p.name.clone(),
            rank: p.rank.clone(),
            days_in_captivity: p.days_in_captivity,
            seriously_wounded_or_sick: p.seriously_wounded_or_sick,
        }
    }
}

/// A numbered proposal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProposalView {
    pub number: u32,
    pub by: String,
    pub source: ProposalSource,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub note: Option<String>,
    pub transfers: Vec<TransferView>,
    pub balance: Vec<BalanceView>,
    /// Every rule it breaks, with the article; a proposal with violations cannot be
    /// agreed.
    pub violations: Vec<ViolationView>,
    /// For a planned proposal: whether the plan was proven optimal.
    pub optimal: Option<bool>,
    /// Captives of the exchange's parties it leaves out, and why.
    pub left_out: Vec<LeftOutView>,
    /// With `against=M`: captives it adds to proposal M.
    pub added: Option<Vec<Uuid>>,
    /// With `against=M`: captives of proposal M it removes.
    pub removed: Option<Vec<Uuid>>,
}

pub(crate) type Persons = std::collections::HashMap<CaptiveId, repatria_app::exchanges::Person>;

impl ProposalView {
    pub fn new(p: &Proposal, persons: Option<&Persons>) -> ProposalView {
        let person = |c: &CaptiveId| persons.and_then(|m| m.get(c)).map(PersonView::from);
        ProposalView {
            number: p.number,
            by: p.by.to_string(),
            source: p.source,
            created_at: p.created_at,
            created_by: p.created_by.clone(),
            note: p.note.clone(),
            transfers: p
                .transfers
                .iter()
                .map(|t| TransferView {
                    captive: t.captive.0,
                    from: t.from.to_string(),
                    to: t.to.to_string(),
                    counts_toward_balance: t.counts_toward_balance,
                    value: t.value,
                    person: person(&t.captive),
                })
                .collect(),
            balance: p
                .balance
                .iter()
                .map(|b| BalanceView {
                    parties: codes(&b.parties),
                    gives: b.gives,
                    receives: b.receives,
                })
                .collect(),
            violations: p
                .violations
                .iter()
                .map(|v| ViolationView {
                    captive: v.captive.map(|c| c.0),
                    rule: v.rule,
                    article: v.article.clone(),
                    message: v.message.clone(),
                })
                .collect(),
            optimal: p.optimal,
            left_out: p
                .left_out
                .iter()
                .map(|l| LeftOutView {
                    captive: l.captive.0,
                    reason: l.reason.clone(),
                    person: person(&l.captive),
                })
                .collect(),
            added: None,
            removed: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChecksView {
    pub identity_verified: bool,
    pub identity_method: Option<String>,
    pub wish_confirmed: bool,
    /// Who confirmed his wish: the delegate's account, or the delegate named.
    pub wish_confirmed_by: Option<String>,
    pub fit_to_travel: Option<bool>,
    pub effects_returned: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandoverView {
    pub outcome: Outcome,
    pub at: DateTime<Utc>,
    pub stage: Option<String>,
    pub checks: ChecksView,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<&Handover> for HandoverView {
    fn from(h: &Handover) -> Self {
        HandoverView {
            outcome: h.outcome,
            at: h.at,
            stage: h.stage.clone(),
            checks: ChecksView {
                identity_verified: h.checks.identity_verified,
                identity_method: h.checks.identity_method.clone(),
                wish_confirmed: h.checks.wish_confirmed,
                wish_confirmed_by: h.checks.wish_confirmed_by.clone(),
                fit_to_travel: h.checks.fit_to_travel,
                effects_returned: h.checks.effects_returned,
            },
            note: h.note.clone(),
            recorded_by: h.recorded_by.clone(),
            recorded_at: h.recorded_at,
        }
    }
}

/// One person of the manifest.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    /// The entry's id, named in a handover.
    pub entry: Uuid,
    pub position: u32,
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    pub counts_toward_balance: bool,
    pub status: EntryStatus,
    /// Name (in the script of the party that reads the manifest), rank, days in
    /// captivity.
    pub person: Option<PersonView>,
    pub handover: Option<HandoverView>,
}

impl EntryView {
    pub fn new(
        e: &repatria_exchange::record::ManifestEntry,
        person: Option<PersonView>,
    ) -> EntryView {
        EntryView {
            entry: e.id.0,
            position: e.position,
            captive: e.captive.0,
            from: e.from.to_string(),
            to: e.to.to_string(),
            counts_toward_balance: e.counts_toward_balance,
            status: e.status,
            person,
            handover: e.handover.as_ref().map(HandoverView::from),
        }
    }

    pub fn of_line(l: &ManifestLine) -> EntryView {
        EntryView::new(&l.entry, Some(PersonView::from(&l.person)))
    }
}

/// The manifest of an agreed exchange.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ManifestView {
    pub exchange: Uuid,
    pub title: String,
    /// Only the entries this party gives or receives, when asked.
    pub party: Option<String>,
    pub entries: Vec<EntryView>,
}

/// The answer to a handover: the entry as decided and the exchange's counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandoverAnswer {
    pub entry: EntryView,
    pub exchange: ExchangeView,
}

/// The answer to a completion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompletionView {
    pub exchange: ExchangeView,
    /// Captives who got the `repatriated` custody event.
    pub repatriated: Vec<Uuid>,
    /// Tracing requests given an answer to review and send.
    pub answers_prepared: Vec<Uuid>,
}

/// The answer to a demand list: the import and each person with his candidates.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DemandAnswer {
    /// False when the same list had been sent before for this exchange.
    pub created: bool,
    pub report: repatria_app::imports::Report,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryReconciledView {
    pub entry: Uuid,
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    pub name: String,
    pub result: Reconciled,
    /// Lines of their list that are or may be him, best first.
    pub rows: Vec<u64>,
    pub score: Option<f64>,
}

impl From<&EntryReconciled> for EntryReconciledView {
    fn from(e: &EntryReconciled) -> Self {
        EntryReconciledView {
            entry: e.entry.0,
            captive: e.captive.0,
            from: e.from.to_string(),
            to: e.to.to_string(),
            name: e.name.clone(),
            result: e.result,
            rows: e.rows.clone(),
            score: e.score,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowReconciledView {
    pub line: u64,
    pub name: String,
    /// `extra_in_theirs`, or `ambiguous` when it may be one of our entries.
    pub result: Reconciled,
    pub entries: Vec<Uuid>,
}

impl From<&RowReconciled> for RowReconciledView {
    fn from(r: &RowReconciled) -> Self {
        RowReconciledView {
            line: r.line,
            name: r.name.clone(),
            result: r.result,
            entries: r.entries.iter().map(|e| e.0).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectionTotalsView {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Persons in this direction on our manifest.
    pub ours: u64,
    /// Persons in this direction on theirs (by the direction their row gives, else the
    /// matched entry's).
    pub theirs: u64,
}

impl From<&DirectionTotals> for DirectionTotalsView {
    fn from(d: &DirectionTotals) -> Self {
        DirectionTotalsView {
            from: d.from.as_ref().map(ToString::to_string),
            to: d.to.as_ref().map(ToString::to_string),
            ours: d.ours,
            theirs: d.theirs,
        }
    }
}

/// The other side's manifest reconciled against ours.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationView {
    pub by: String,
    pub matched: u64,
    pub missing_from_theirs: u64,
    pub ambiguous: u64,
    pub extra_in_theirs: u64,
    pub entries: Vec<EntryReconciledView>,
    /// Their rows matched to no entry.
    pub extra: Vec<RowReconciledView>,
    pub directions: Vec<DirectionTotalsView>,
}

impl From<&Reconciliation> for ReconciliationView {
    fn from(r: &Reconciliation) -> Self {
        ReconciliationView {
            by: r.by.to_string(),
            matched: r.matched,
            missing_from_theirs: r.missing_from_theirs,
            ambiguous: r.ambiguous,
            extra_in_theirs: r.extra_in_theirs,
            entries: r.entries.iter().map(EntryReconciledView::from).collect(),
            extra: r.extra.iter().map(RowReconciledView::from).collect(),
            directions: r.directions.iter().map(DirectionTotalsView::from).collect(),
        }
    }
}
