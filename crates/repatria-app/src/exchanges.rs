//! Exchanges as records (docs/exchange-records.md): opening an exchange, demand lists
//! matched against the registry, proposals (the planner's or a side's) checked against
//! the rules, agreement into a manifest, the other side's manifest reconciled against
//! ours, decisions at the crossing and completion. The rules are the exchange engine's
//! (`repatria_exchange::record`); here they meet the registry and the store. Reads of
//! personal data (proposals with names, manifests) are audited.

use std::collections::{BTreeSet, HashMap, HashSet};

use repatria_core::{
    Captive, CaptiveId, EntryId, ExchangeId, HealthCategory, ListEntry, PartyCode,
    RepatriationWish, Role, Timestamp,
};
use repatria_exchange::record::{
    self, check_proposal, counts, decide, restore, Candidate, CaptiveFacts, Counts, Decider,
    Difference, Exchange, ExchangeError, HandoverRequest, ManifestEntry, NewExchange, Proposal,
    ProposalSource, Restore, TransferRequest,
};
use repatria_store::{Actor, At, AuditAction, Completion, Page, PageAt, SqlStore, StoreError};

use crate::exchange::{held_scenario, is_held, plan_off_thread, HeldTerms};
use crate::imports::{self, ImportError, ImportInput, ImportSummary};
use crate::matching::{entry_record, heavy, Matching, RegistryIndex};

/// Why an exchange operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeAppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The planner refused the exchange's sides or terms.
    #[error("{field}: {message}")]
    Plan { field: String, message: String },
    /// Fields of the request name what does not exist: a party not registered, a
    /// proposal the exchange does not have, a party that takes no part in it.
    #[error("{}", repatria_core::FieldError::join(.0))]
    NotFound(Vec<repatria_core::FieldError>),
    /// The request is well formed, but the exchange's record does not allow what a
    /// field says: a party on no side of the exchange, a date the registry's captures
    /// come after.
    #[error("{0}")]
    Conflict(repatria_core::FieldError),
    #[error("planner task failed: {0}")]
    Task(String),
}

impl From<ExchangeError> for ExchangeAppError {
    fn from(e: ExchangeError) -> Self {
        ExchangeAppError::Store(e.into())
    }
}

type Result<T> = std::result::Result<T, ExchangeAppError>;

/// An exchange with its counts and, when a withdrawal left it unbalanced, the
/// planner's suggestion of what restores the balance.
#[derive(Debug, Clone)]
pub struct ExchangeSummary {
    pub exchange: Exchange,
    pub counts: Counts,
    pub restore: Option<Restore>,
}

/// Opens an exchange (negotiating), audited. Every party it names must exist
/// (`NotFound` naming each one that does not).
pub async fn create(
    store: &SqlStore,
    actor: &Actor,
    new: NewExchange,
    now: Timestamp,
) -> Result<ExchangeSummary> {
    let known: HashSet<PartyCode> = store
        .list_parties()
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let exchange = Exchange::open_among(
        ExchangeId(uuid::Uuid::now_v7()),
        new,
        &actor.user,
        now,
        |p| known.contains(p),
    )
    .map_err(|e| match e {
        ExchangeError::Unknown(fields) => ExchangeAppError::NotFound(fields),
        e => e.into(),
    })?;
    store.create_exchange(actor, &exchange, now).await?;
    summary(store, exchange).await
}

/// The counts of an exchange, and the suggestion that restores its balance if needed.
async fn summary(store: &SqlStore, exchange: Exchange) -> Result<ExchangeSummary> {
    let tallies = store.manifest_tallies(exchange.id).await?;
    let counts = counts(&exchange, &tallies);
    let restore = match record::restore_need(&exchange, &counts) {
        Some(need) if counts.pending > 0 => {
            // Balancing by count, the cheapest `high` of the side's pending persons are
            // all a choice can use; by value, every one of them may be.
            let limit =
                (exchange.terms.balance == repatria_exchange::Balance::Count).then_some(need.high);
            let today = chrono::Utc::now().date_naive();
            let short: Vec<PartyCode> = need
                .short
                .iter()
                .flat_map(|&i| exchange.sides[i].iter().cloned())
                .collect();
            let candidates: Vec<Candidate> = store
                .pending_weights(exchange.id, &exchange.sides[need.over], &short, limit)
                .await?
                .into_iter()
                .map(|w| Candidate {
                    entry: w.entry,
                    from: w.from,
                    to: w.to,
                    value: w.balance_value,
                    demanded: w.demanded,
                    days_in_captivity: w
                        .captured_on
                        .map_or(0, |d| (today - d).num_days().max(0) as u64),
                })
                .collect();
            restore(&exchange, &counts, &candidates)
        }
        _ => None,
    };
    Ok(ExchangeSummary {
        exchange,
        counts,
        restore,
    })
}

/// One exchange with its counts.
pub async fn read(store: &SqlStore, id: ExchangeId) -> Result<ExchangeSummary> {
    let exchange = store.get_exchange(id).await?;
    summary(store, exchange).await
}

/// A page of the exchanges with their counts, newest first.
pub async fn list(store: &SqlStore, at: &PageAt<At>) -> Result<Page<ExchangeSummary>> {
    let page = store.exchange_page(at).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for exchange in page.items {
        let tallies = store.manifest_tallies(exchange.id).await?;
        let counts = counts(&exchange, &tallies);
        items.push(ExchangeSummary {
            exchange,
            counts,
            restore: None,
        });
    }
    Ok(Page {
        items,
        total: page.total,
        next: page.next,
    })
}

/// What the rules need of a captive, from his record.
pub fn facts_of(c: &Captive, demanded: bool) -> CaptiveFacts {
    CaptiveFacts {
        id: c.id,
        held: is_held(c),
        held_by: c.detaining_power.clone(),
        belongs_to: c.power_of_origin.clone(),
        rank: rank_of(c),
        seriously_wounded_or_sick: seriously_wounded_or_sick(c),
        refuses_repatriation: refuses(c),
        proceedings: c.proceedings.as_ref().map(|p| p.reference.clone()),
        captured_on: c.capture.captured_at.date_naive(),
        demanded,
    }
}

/// The assessed identity's rank, lower case, as the terms name ranks.
pub fn rank_of(c: &Captive) -> Option<String> {
    c.assessed_identity()
        .and_then(|claim| claim.rank.as_deref())
        .map(|rank| rank.trim().to_lowercase())
        .filter(|rank| !rank.is_empty())
}

/// Seriously wounded or sick by the latest health record, or found eligible for
/// direct repatriation (Arts. 109–110).
pub fn seriously_wounded_or_sick(c: &Captive) -> bool {
    c.current_health().is_some_and(|h| {
        h.category == HealthCategory::SeriouslyWounded || h.eligible_for_direct_repatriation
    })
}

/// Whether the recorded wish is to stay (Art. 109).
pub fn refuses(c: &Captive) -> bool {
    c.repatriation_wish
        .as_ref()
        .is_some_and(|w| w.wish == RepatriationWish::Refuses)
}

/// The parties on the Art. 12 list.
pub fn barred_of(parties: &[repatria_core::Party]) -> BTreeSet<PartyCode> {
    parties
        .iter()
        .filter(|p| p.transfer_barred.is_some())
        .map(|p| p.code.clone())
        .collect()
}

/// Records a demand list sent as values (a side's persons in any script): matched
/// against the registry like an imported list; a person confirms each link. The same
/// persons sent again for the same exchange are recognised and not stored twice
/// (`serialised` is what they were sent as: its hash recognises them).
#[allow(clippy::too_many_arguments)]
pub async fn demand(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    id: ExchangeId,
    by: PartyCode,
    persons: Vec<repatria_lists::Entry>,
    serialised: Vec<u8>,
    now: Timestamp,
) -> Result<ImportSummary> {
    let exchange = store.get_exchange(id).await?;
    check_party(&exchange, &by, "by")?;
    let input = ImportInput {
        file_name: format!("demand by {by}"),
        bytes: serialised.into(),
        format: None,
        kind: repatria_core::ImportKind::Demand,
        source: Some(by),
        overrides: Vec::new(),
        consent_to_matching: false,
        exchange: Some(id),
    };
    Ok(imports::import_persons(store, matching, actor, input, persons, now).await?)
}

/// The input of a demand list uploaded as a file, for [`imports::import`].
pub async fn demand_file_input(
    store: &SqlStore,
    id: ExchangeId,
    by: PartyCode,
    mut input: ImportInput,
) -> Result<ImportInput> {
    let exchange = store.get_exchange(id).await?;
    check_party(&exchange, &by, "by")?;
    input.kind = repatria_core::ImportKind::Demand;
    input.source = Some(by);
    input.exchange = Some(id);
    Ok(input)
}

/// A party that sends a list or a proposal must be on a side of the exchange: else a
/// conflict with the exchange's record, the field named.
fn check_party(exchange: &Exchange, party: &PartyCode, field: &str) -> Result<()> {
    if exchange.side_of(party).is_none() {
        return Err(ExchangeAppError::Conflict(repatria_core::FieldError::new(
            field,
            format!("{party} is on no side of this exchange"),
        )));
    }
    Ok(())
}

/// A page of the demand lists of an exchange, oldest first, each with its rows and
/// candidates.
pub async fn demands(
    store: &SqlStore,
    id: ExchangeId,
    at: &PageAt<At>,
) -> Result<Page<imports::Report>> {
    store.get_exchange(id).await?;
    let page = store.demand_list_page(id, at).await?;
    let mut reports = Vec::with_capacity(page.items.len());
    for import in &page.items {
        reports.push(imports::report(store, import).await?);
    }
    Ok(Page {
        items: reports,
        total: page.total,
        next: page.next,
    })
}

/// The registry's facts for the exchange's rules: every captive, with the demanded
/// ones marked.
async fn registry_facts(store: &SqlStore, id: ExchangeId) -> Result<Vec<CaptiveFacts>> {
    let demanded = store.demanded_captives(Some(id)).await?;
    Ok(store
        .all_captives()
        .await?
        .iter()
        .map(|c| facts_of(c, demanded.contains(&c.id)))
        .collect())
}

/// How a proposal is made.
#[derive(Debug, Clone)]
pub enum ProposalInput {
    /// The planner runs on the captives held now with the exchange's sides, terms and
    /// confirmed demands.
    FromPlan,
    /// The transfers as a side sent them.
    Transfers(Vec<TransferRequest>),
}

/// Records a proposal by `by`, numbered, checked against the rules; a proposal with
/// violations is kept (it is what a side sent) but cannot be agreed.
pub async fn propose(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    by: PartyCode,
    input: ProposalInput,
    note: Option<String>,
    now: Timestamp,
) -> Result<Proposal> {
    let exchange = store.get_exchange(id).await?;
    check_party(&exchange, &by, "by")?;
    let facts = registry_facts(store, id).await?;
    let parties = store.list_parties().await?;
    let barred = barred_of(&parties);
    let (requests, optimal, planned_left_out) = match input {
        ProposalInput::Transfers(t) => (t, None, None),
        ProposalInput::FromPlan => {
            let plan = plan_for(&exchange, &parties, &facts, now).await?;
            let requests = plan
                .transfers
                .iter()
                .filter_map(|t| {
                    Some(TransferRequest {
                        captive: t.prisoner.parse().ok().map(CaptiveId)?,
                        from: PartyCode::parse(&t.from).ok()?,
                        to: PartyCode::parse(&t.to).ok()?,
                    })
                })
                .collect();
            let left: HashMap<String, String> = plan
                .not_moved
                .iter()
                .map(|n| (n.prisoner.to_string(), n.reason.as_str().to_string()))
                .collect();
            (requests, Some(plan.optimal), Some(left))
        }
    };
    let by_id: HashMap<CaptiveId, CaptiveFacts> = facts.iter().map(|f| (f.id, f.clone())).collect();
    let checked = check_proposal(&exchange, &by_id, &barred, &requests);
    let moved: BTreeSet<CaptiveId> = checked.transfers.iter().map(|t| t.captive).collect();
    let mut left_out = record::left_out(&exchange, &facts, &barred, &moved);
    if let Some(reasons) = planned_left_out {
        for l in &mut left_out {
            if let Some(reason) = reasons.get(&l.captive.to_string()) {
                l.reason = reason.clone();
            }
        }
    }
    let source = if optimal.is_some() {
        ProposalSource::Plan
    } else {
        ProposalSource::Side
    };
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ExchangeError::Invalid(vec![repatria_core::FieldError::new(
            "note",
            "must be at most 2000 characters",
        )])
        .into());
    }
    let user = actor.user.clone();
    Ok(store
        .record_proposal(
            actor,
            id,
            move |_, number| Proposal {
                number,
                by,
                source,
                created_at: now,
                created_by: user,
                note,
                transfers: checked.transfers,
                balance: checked.balance,
                violations: checked.violations,
                optimal,
                left_out,
            },
            now,
        )
        .await?)
}

/// Runs the planner over the captives held now for this exchange.
async fn plan_for(
    exchange: &Exchange,
    parties: &[repatria_core::Party],
    facts: &[CaptiveFacts],
    now: Timestamp,
) -> Result<repatria_exchange::Plan<'static>> {
    let scenario = held_scenario(
        parties,
        facts,
        HeldTerms {
            sides: exchange
                .sides
                .iter()
                .map(|s| s.iter().map(|p| p.as_str().to_string()).collect())
                .collect(),
            terms: exchange.terms.clone(),
        },
    );
    if let Some(conflict) = crate::exchange::captured_after(&scenario, now.date_naive()) {
        return Err(ExchangeAppError::Conflict(conflict));
    }
    plan_off_thread(
        scenario,
        now.date_naive(),
        Some(crate::monotonic_seconds),
        (),
    )
    .await
    .map_err(ExchangeAppError::Task)?
    .map_err(|e| ExchangeAppError::Plan {
        field: e.field,
        message: e.message,
    })
}

/// A person as a proposal or a manifest shows him to a negotiator: name (not an id),
/// rank, days in captivity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub captive: CaptiveId,
    pub name: String,
    pub rank: Option<String>,
    pub days_in_captivity: u64,
    pub seriously_wounded_or_sick: bool,
}

/// The persons named by ids, for the pages: audited as one read of the exchange.
pub async fn persons(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    ids: &[CaptiveId],
    reader: Option<&PartyCode>,
    now: Timestamp,
) -> Result<HashMap<CaptiveId, Person>> {
    let captives = store.get_captives(ids).await?;
    store
        .record_read(
            actor,
            AuditAction::ExchangeRead,
            "exchange",
            &id.to_string(),
            serde_json::json!({ "persons": captives.len() }),
            now,
        )
        .await?;
    let today = now.date_naive();
    Ok(captives
        .iter()
        .map(|c| {
            (
                c.id,
                Person {
                    captive: c.id,
                    name: name_for(c, reader),
                    rank: rank_of(c),
                    days_in_captivity: (today - c.capture.captured_at.date_naive())
                        .num_days()
                        .max(0) as u64,
                    seriously_wounded_or_sick: seriously_wounded_or_sick(c),
                },
            )
        })
        .collect())
}

/// A captive's name as a reader of `party` reads it: the assessed identity's name when
/// it is written in the reader's script, else another claim's written in it, else the
/// assessed name transliterated (docs/transliteration.md). Without a reader, the
/// assessed name as recorded.
pub fn name_for(c: &Captive, reader: Option<&PartyCode>) -> String {
    use repatria_match::{for_reader, script_for_party, NameParts};
    let assessed = c.assessed_identity().or(c.claims.first());
    let Some(reader) = reader else {
        return assessed
            .map(|claim| claim.name.display())
            .unwrap_or_default();
    };
    // The assessed identity first, then the other claims, in the order recorded.
    let claims = assessed.into_iter().chain(
        c.claims
            .iter()
            .filter(|claim| Some(claim.id) != assessed.map(|a| a.id)),
    );
    let names: Vec<NameParts<'_>> = claims
        .map(|claim| NameParts {
            family: claim.name.family.as_deref().unwrap_or(""),
            given: claim.name.given.as_deref().unwrap_or(""),
            patronymic: claim.name.patronymic.as_deref(),
        })
        .filter(|n| !n.family.is_empty() || !n.given.is_empty())
        .collect();
    let script = script_for_party(reader.as_str());
    // A name recorded in the reader's script wins over the assessed one transliterated.
    let recorded = names
        .iter()
        .find(|n| repatria_match::script_of(&format!("{} {}", n.family, n.given)) == Some(script));
    match recorded {
        Some(n) => for_reader(std::slice::from_ref(n), script),
        None => for_reader(&names, script),
    }
    .map(|r| r.text)
    .unwrap_or_default()
}

/// One proposal, and its difference to proposal `against` when asked.
pub async fn proposal(
    store: &SqlStore,
    id: ExchangeId,
    number: u32,
    against: Option<u32>,
) -> Result<(Proposal, Option<Difference>)> {
    store.get_exchange(id).await?;
    let p = numbered(store, id, number, "n").await?;
    let diff = match against {
        Some(m) => {
            let earlier = numbered(store, id, m, "against").await?;
            Some(record::difference(&earlier, &p))
        }
        None => None,
    };
    Ok((p, diff))
}

/// Proposal `number` of an exchange known to exist, named by `field`; `NotFound` on
/// that field when the exchange has none of that number.
async fn numbered(store: &SqlStore, id: ExchangeId, number: u32, field: &str) -> Result<Proposal> {
    store.proposal(id, number).await.map_err(|e| match e {
        StoreError::NotFound => ExchangeAppError::NotFound(vec![repatria_core::FieldError::new(
            field,
            format!("this exchange has no proposal {number}"),
        )]),
        e => e.into(),
    })
}

/// Agrees a proposal: the manifest is frozen from it.
pub async fn agree(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    number: u32,
    now: Timestamp,
) -> Result<ExchangeSummary> {
    store.get_exchange(id).await?;
    // Proposals are never removed: one found here is there when the agreement is written.
    numbered(store, id, number, "proposal").await?;
    let exchange = store.agree_exchange(actor, id, number, now).await?;
    summary(store, exchange).await
}

/// Calls an exchange off.
pub async fn cancel(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    reason: &str,
    now: Timestamp,
) -> Result<ExchangeSummary> {
    let exchange = store.cancel_exchange(actor, id, reason, now).await?;
    summary(store, exchange).await
}

/// One line of a manifest as a party reads it.
#[derive(Debug, Clone)]
pub struct ManifestLine {
    pub entry: ManifestEntry,
    pub person: Person,
}

/// The manifest (only the entries `party` gives or receives when given), with names
/// in the script of `party`'s readers; audited.
pub async fn manifest(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    party: Option<&PartyCode>,
    now: Timestamp,
) -> Result<(Exchange, Vec<ManifestLine>)> {
    let exchange = store.get_exchange(id).await?;
    exchange.require_manifest("a manifest (there is none before an agreement)")?;
    if let Some(p) = party {
        if !exchange.takes_part(p) {
            return Err(ExchangeAppError::NotFound(vec![
                repatria_core::FieldError::new(
                    "party",
                    format!("{p} takes no part in this exchange"),
                ),
            ]));
        }
    }
    let entries = store.manifest(id, party).await?;
    let ids: Vec<CaptiveId> = entries.iter().map(|e| e.captive).collect();
    let persons = persons(store, actor, id, &ids, party, now).await?;
    let lines = entries
        .into_iter()
        .map(|entry| {
            let person = persons.get(&entry.captive).cloned().unwrap_or(Person {
                captive: entry.captive,
                name: String::new(),
                rank: None,
                days_in_captivity: 0,
                seriously_wounded_or_sick: false,
            });
            ManifestLine { entry, person }
        })
        .collect();
    Ok((exchange, lines))
}

/// Records a decision at the crossing; the account's role says whether it may confirm
/// a wish itself (the ICRC delegate).
pub async fn handover(
    store: &SqlStore,
    actor: &Actor,
    role: Role,
    id: ExchangeId,
    entry: EntryId,
    request: HandoverRequest,
    now: Timestamp,
) -> Result<(ManifestEntry, ExchangeSummary)> {
    let decider = Decider {
        user: &actor.user,
        delegate: role == Role::IcrcDelegate,
    };
    let (entry, exchange) = store
        .decide_entry(
            actor,
            id,
            entry,
            |exchange, entry, captive| {
                decide(exchange, entry, request, refuses(captive), decider, now)
            },
            now,
        )
        .await?;
    Ok((entry, summary(store, exchange).await?))
}

/// Completes the exchange: custody records closed, answers prepared for the families
/// who asked about a person received; with the exchange's counts as they end.
pub async fn complete(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    now: Timestamp,
) -> Result<(Completion, ExchangeSummary)> {
    let done = store
        .complete_exchange(
            actor,
            id,
            |exchange, captive, entry| {
                let at = entry
                    .handover
                    .as_ref()
                    .map(|h| h.at.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                format!(
                    "{} was received from {} on {at} in the exchange \"{}\" and is home. \
                     Please confirm with the family and give this answer.",
                    name_for(captive, None),
                    entry.from,
                    exchange.title
                )
            },
            now,
        )
        .await?;
    let summary = summary(store, done.exchange.clone()).await?;
    Ok((done, summary))
}

repatria_core::words! {
    /// How an entry of our manifest or a row of theirs came out of reconciliation.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum Reconciled {
        /// One row of theirs is this entry.
        Matched = "matched",
        /// No row of theirs is this entry.
        MissingFromTheirs = "missing_from_theirs",
        /// Several rows or entries could be the same person: a person decides.
        Ambiguous = "ambiguous",
        /// A row of theirs that is no entry of ours.
        ExtraInTheirs = "extra_in_theirs",
    }
}

/// One entry of our manifest, reconciled.
#[derive(Debug, Clone)]
pub struct EntryReconciled {
    pub entry: EntryId,
    pub captive: CaptiveId,
    pub from: PartyCode,
    pub to: PartyCode,
    pub name: String,
    pub result: Reconciled,
    /// Their rows (lines) that match or may match it, best first.
    pub rows: Vec<u64>,
    pub score: Option<f64>,
}

/// One row of their list not matched to an entry.
#[derive(Debug, Clone)]
pub struct RowReconciled {
    pub line: u64,
    pub name: String,
    pub result: Reconciled,
    /// Our entries it may be, best first.
    pub entries: Vec<EntryId>,
}

/// How many persons per direction each list has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionTotals {
    pub from: Option<PartyCode>,
    pub to: Option<PartyCode>,
    pub ours: u64,
    pub theirs: u64,
}

/// The other side's manifest against ours.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    pub by: PartyCode,
    pub entries: Vec<EntryReconciled>,
    pub extra: Vec<RowReconciled>,
    pub directions: Vec<DirectionTotals>,
    pub matched: u64,
    pub missing_from_theirs: u64,
    pub ambiguous: u64,
    pub extra_in_theirs: u64,
}

/// A row of theirs with the direction it says, when it says one.
#[derive(Debug, Clone)]
pub struct TheirRow {
    pub entry: ListEntry,
    pub from: Option<PartyCode>,
    pub to: Option<PartyCode>,
}

/// Reconciles the other side's list of this exchange against the manifest with the
/// matching engine, over the manifest's captives only (with the prior of a list of the
/// same persons, [`RegistryIndex::of_same_persons`]): each entry `matched` (one of
/// their rows is him beyond the automatic threshold, and no other row claims him),
/// `ambiguous` (rows only in the review band, or several rows), or
/// `missing_from_theirs`; each row of theirs matched to no entry, `extra_in_theirs`
/// (or `ambiguous` when it may be one). Audited, with the counts.
pub async fn reconcile(
    store: &SqlStore,
    actor: &Actor,
    id: ExchangeId,
    by: PartyCode,
    rows: Vec<TheirRow>,
    now: Timestamp,
) -> Result<Reconciliation> {
    let exchange = store.get_exchange(id).await?;
    check_party(&exchange, &by, "by")?;
    exchange.require_manifest("reconciling a manifest (there is none before an agreement)")?;
    let entries = store.manifest(id, None).await?;
    let ids: Vec<CaptiveId> = entries.iter().map(|e| e.captive).collect();
    let captives = store.get_captives(&ids).await?;
    let policy = repatria_core::LinkPolicy::default();
    let (scored, names) = heavy(|| {
        let index = RegistryIndex::of_same_persons(&captives);
        let scored: Vec<Vec<(CaptiveId, f64)>> = {
            use rayon::prelude::*;
            rows.par_iter()
                .map(|row| {
                    index
                        .captive_candidates(&entry_record(&row.entry))
                        .into_iter()
                        .filter(|(_, s)| s.probability >= policy.review)
                        .map(|(c, s)| (c, s.probability))
                        .collect()
                })
                .collect()
        };
        let names: HashMap<CaptiveId, String> =
            captives.iter().map(|c| (c.id, name_for(c, None))).collect();
        (scored, names)
    });
    let entry_of: HashMap<CaptiveId, &ManifestEntry> =
        entries.iter().map(|e| (e.captive, e)).collect();
    // Sure candidates per entry and per row.
    let mut sure_rows: HashMap<CaptiveId, Vec<(u64, f64)>> = HashMap::new();
    let mut maybe_rows: HashMap<CaptiveId, Vec<(u64, f64)>> = HashMap::new();
    for (row, candidates) in rows.iter().zip(&scored) {
        let sure: Vec<&(CaptiveId, f64)> = candidates
            .iter()
            .filter(|(_, p)| *p >= policy.auto_link)
            .collect();
        for (c, p) in candidates {
            if sure.len() == 1 && sure[0].0 == *c {
                sure_rows.entry(*c).or_default().push((row.entry.line, *p));
            } else {
                maybe_rows.entry(*c).or_default().push((row.entry.line, *p));
            }
        }
    }
    let mut out_entries = Vec::with_capacity(entries.len());
    let mut matched_rows: HashSet<u64> = HashSet::new();
    let mut maybe_lines: HashSet<u64> = HashSet::new();
    for e in &entries {
        let sure = sure_rows.get(&e.captive).cloned().unwrap_or_default();
        let maybe = maybe_rows.get(&e.captive).cloned().unwrap_or_default();
        let (result, mut lines) = match (sure.len(), maybe.len()) {
            (1, _) => {
                matched_rows.insert(sure[0].0);
                (Reconciled::Matched, sure.clone())
            }
            (0, 0) => (Reconciled::MissingFromTheirs, Vec::new()),
            _ => {
                let mut all = sure.clone();
                all.extend(maybe.iter().copied());
                maybe_lines.extend(all.iter().map(|(l, _)| *l));
                (Reconciled::Ambiguous, all)
            }
        };
        lines.sort_by(|a, b| b.1.total_cmp(&a.1));
        out_entries.push(EntryReconciled {
            entry: e.id,
            captive: e.captive,
            from: e.from.clone(),
            to: e.to.clone(),
            name: names.get(&e.captive).cloned().unwrap_or_default(),
            result,
            score: lines.first().map(|(_, p)| *p),
            rows: lines.into_iter().map(|(l, _)| l).collect(),
        });
    }
    let mut extra = Vec::new();
    for (row, candidates) in rows.iter().zip(&scored) {
        let line = row.entry.line;
        if matched_rows.contains(&line) {
            continue;
        }
        let result = if maybe_lines.contains(&line) {
            Reconciled::Ambiguous
        } else {
            Reconciled::ExtraInTheirs
        };
        extra.push(RowReconciled {
            line,
            name: row.entry.display_name(),
            result,
            entries: candidates
                .iter()
                .filter_map(|(c, _)| entry_of.get(c).map(|e| e.id))
                .collect(),
        });
    }
    // Counts per direction on both lists: ours from the manifest; theirs by the
    // direction their row gives, else the matched entry's.
    let mut totals: Vec<DirectionTotals> = Vec::new();
    let mut add =
        |from: Option<PartyCode>, to: Option<PartyCode>, ours: u64, theirs: u64| match totals
            .iter_mut()
            .find(|t| t.from == from && t.to == to)
        {
            Some(t) => {
                t.ours += ours;
                t.theirs += theirs;
            }
            None => totals.push(DirectionTotals {
                from,
                to,
                ours,
                theirs,
            }),
        };
    for e in &entries {
        add(Some(e.from.clone()), Some(e.to.clone()), 1, 0);
    }
    let matched_entry: HashMap<u64, &EntryReconciled> = out_entries
        .iter()
        .filter(|e| e.result == Reconciled::Matched)
        .map(|e| (e.rows[0], e))
        .collect();
    for row in &rows {
        let (from, to) = match (&row.from, &row.to, matched_entry.get(&row.entry.line)) {
            (Some(f), Some(t), _) => (Some(f.clone()), Some(t.clone())),
            (_, _, Some(e)) => (Some(e.from.clone()), Some(e.to.clone())),
            _ => (row.from.clone(), row.to.clone()),
        };
        add(from, to, 0, 1);
    }
    let count = |r: Reconciled| out_entries.iter().filter(|e| e.result == r).count() as u64;
    let result = Reconciliation {
        matched: count(Reconciled::Matched),
        missing_from_theirs: count(Reconciled::MissingFromTheirs),
        ambiguous: count(Reconciled::Ambiguous)
            + extra
                .iter()
                .filter(|r| r.result == Reconciled::Ambiguous)
                .count() as u64,
        extra_in_theirs: extra
            .iter()
            .filter(|r| r.result == Reconciled::ExtraInTheirs)
            .count() as u64,
        by,
        entries: out_entries,
        extra,
        directions: totals,
    };
    store
        .record_read(
            actor,
            AuditAction::ExchangeReconcile,
            "exchange",
            &id.to_string(),
            serde_json::json!({
                "by": result.by,
                "rows": rows.len(),
                "matched": result.matched,
                "missing_from_theirs": result.missing_from_theirs,
                "ambiguous": result.ambiguous,
                "extra_in_theirs": result.extra_in_theirs,
            }),
            now,
        )
        .await?;
    Ok(result)
}
