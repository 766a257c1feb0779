//! Matching against the registry, kept up to date as records change.
//!
//! [`RegistryIndex`] holds the matching engine's in-memory indexes of the registry (one
//! record per identity claim of every captive) and of the open tracing requests whose
//! inquirers consented to matching. [`Matching`] owns it for the server and the command
//! line: it is built from the store on first use, and after every change to a captive or
//! a request the candidates concerned are recomputed and handed to the store, which keeps
//! people's decisions (a rejected pair is never proposed again).

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use repatria_core::{
    Captive, CaptiveId, ClaimId, IdentityClaim, LinkId, LinkPolicy, LinkSubject, LinkTarget,
    ListEntry, MatchLink, PartialDate, Timestamp, TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_match::{Index, Matcher, Record, Scored};
use repatria_store::{Actor, SqlStore, StoreError};

/// Evidence (in bits, the match weight before the prior) a typed search needs from the
/// names: 6 bits is 64 : 1 for the same person, about one exact name and a similar one.
pub const SEARCH_MIN_EVIDENCE: f64 = 6.0;

/// Candidates kept per record and kind of target.
pub const CANDIDATES: usize = 5;

/// The engine's indexes of captives and open tracing requests.
#[derive(Debug)]
pub struct RegistryIndex {
    captives: Index,
    requests: Index,
    claims: HashSet<ClaimId>,
    /// The captives with at least one claim indexed.
    indexed_captives: HashSet<CaptiveId>,
    indexed_requests: HashSet<TracingRequestId>,
    pub policy: LinkPolicy,
}

/// The engine's view of one identity claim.
pub fn claim_record(captive: &Captive, claim: &IdentityClaim) -> Record {
    Record {
        id: captive.id.to_string(),
        full_name: None,
        family_name: claim.name.family.clone(),
        given_name: claim.name.given.clone(),
        patronymic: claim.name.patronymic.clone(),
        date_of_birth: claim.date_of_birth,
        sex: None,
        place_of_birth: claim.place_of_birth.clone(),
        nationality: claim.nationality.clone(),
        unit: claim.unit.clone(),
        service_number: claim.service_number.clone(),
    }
}

/// The engine's view of the person a family seeks.
pub fn sought_record(request: &TracingRequest) -> Record {
    let name = &request.sought.name;
    Record {
        id: request.id.0.to_string(),
        family_name: name.family.clone(),
        given_name: name.given.clone(),
        patronymic: name.patronymic.clone(),
        date_of_birth: request.sought.date_of_birth,
        unit: request.sought.unit.clone(),
        ..Record::default()
    }
}

/// The engine's view of a row of a list.
pub fn entry_record(entry: &ListEntry) -> Record {
    let parts = !entry.name.is_empty();
    Record {
        id: entry.line.to_string(),
        full_name: if parts { None } else { entry.full_name.clone() },
        family_name: entry.name.family.clone(),
        given_name: entry.name.given.clone(),
        patronymic: entry.name.patronymic.clone(),
        date_of_birth: entry.date_of_birth,
        sex: entry.sex,
        place_of_birth: entry.place_of_birth.clone(),
        nationality: entry.nationality.clone(),
        unit: entry.unit.clone(),
        service_number: entry.service_number.clone(),
    }
}

/// A search typed by a person: one name in any order and spelling, optionally with a
/// year or date of birth among the words.
pub fn search_record(text: &str) -> Record {
    let mut words = Vec::new();
    let mut date: Option<PartialDate> = None;
    for word in text.split_whitespace() {
        match PartialDate::parse(word) {
            Ok(d) if date.is_none() => date = Some(d),
            _ => words.push(word),
        }
    }
    Record {
        id: "search".into(),
        full_name: Some(words.join(" ")),
        date_of_birth: date,
        ..Record::default()
    }
}

/// Keeps the best score per key, best first.
fn best_per<K: Copy + Eq + std::hash::Hash + Ord>(
    found: impl IntoIterator<Item = (K, Scored)>,
) -> Vec<(K, Scored)> {
    let mut best: HashMap<K, Scored> = HashMap::new();
    for (k, scored) in found {
        match best.get(&k) {
            Some(b) if b.probability >= scored.probability => {}
            _ => {
                best.insert(k, scored);
            }
        }
    }
    let mut out: Vec<(K, Scored)> = best.into_iter().collect();
    out.sort_by(|a, b| {
        b.1.probability
            .total_cmp(&a.1.probability)
            .then(a.0.cmp(&b.0))
    });
    out
}

/// The engine's answers with their ids parsed as `K` (ids that do not parse are left out).
fn keyed<K: std::str::FromStr>(found: Vec<(String, Scored)>) -> impl Iterator<Item = (K, Scored)> {
    found
        .into_iter()
        .filter_map(|(id, scored)| Some((id.parse::<K>().ok()?, scored)))
}

impl RegistryIndex {
    pub fn new(policy: LinkPolicy) -> RegistryIndex {
        RegistryIndex {
            captives: Index::new(Matcher::default()),
            requests: Index::new(Matcher::default()),
            claims: HashSet::new(),
            indexed_captives: HashSet::new(),
            indexed_requests: HashSet::new(),
            policy,
        }
    }

    pub fn build(captives: &[Captive], requests: &[TracingRequest]) -> RegistryIndex {
        let mut index = RegistryIndex::new(LinkPolicy::default());
        for captive in captives {
            index.add_captive(captive);
        }
        for request in requests {
            index.add_request(request);
        }
        index
    }

    /// An index of `captives` alone for comparing a list known to describe the same
    /// persons (the other side's manifest of an exchange): the prior is one match per
    /// captive, `1 / captives`, instead of the registry's (about ten thousand records),
    /// so that names alone can find their entry.
    pub fn of_same_persons(captives: &[Captive]) -> RegistryIndex {
        let mut matcher = Matcher::default();
        matcher.parameters.prior = 1.0 / captives.len().max(2) as f64;
        let mut index = RegistryIndex::new(LinkPolicy::default());
        index.captives = Index::new(matcher);
        for captive in captives {
            index.add_captive(captive);
        }
        index
    }

    /// The engine's records of captives: one per identity claim.
    pub fn captive_count(&self) -> usize {
        self.captives.len()
    }

    /// What the index holds: captives, their claims and tracing requests.
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.indexed_captives.len(),
            self.claims.len(),
            self.indexed_requests.len(),
        )
    }

    /// Indexes the claims of a captive not indexed yet (claims are only ever added).
    pub fn add_captive(&mut self, captive: &Captive) {
        for claim in &captive.claims {
            if self.claims.insert(claim.id) {
                self.captives.insert(&claim_record(captive, claim));
                self.indexed_captives.insert(captive.id);
            }
        }
    }

    /// Indexes a request that may be matched: open and consented to.
    pub fn add_request(&mut self, request: &TracingRequest) {
        let open = matches!(
            request.status,
            TracingStatus::Open | TracingStatus::CandidatesFound
        );
        if open && request.consent_to_matching && self.indexed_requests.insert(request.id) {
            self.requests.insert(&sought_record(request));
        }
    }

    /// The captives most like `record`, one score per captive (its best claim).
    pub fn captive_candidates(&self, record: &Record) -> Vec<(CaptiveId, Scored)> {
        let found = self.captives.query(record, CANDIDATES * 4);
        let mut best = best_per(keyed::<CaptiveId>(found));
        best.truncate(CANDIDATES);
        best
    }

    /// The indexed requests most like `record` (requests closed or confirmed since they
    /// were indexed included: callers keep the open ones).
    pub fn request_candidates(&self, record: &Record) -> Vec<(TracingRequestId, Scored)> {
        let found = self.requests.query(record, CANDIDATES * 4);
        best_per(keyed::<uuid::Uuid>(found).map(|(id, s)| (TracingRequestId(id), s)))
    }

    /// Captives whose names match a typed search in any spelling, best first, with
    /// the engine's probability; at most `limit`. A search has no prior of its own, so
    /// the cut is on the evidence of the names ([`SEARCH_MIN_EVIDENCE`]).
    pub fn search(&self, text: &str, limit: usize) -> Vec<(CaptiveId, f64)> {
        let record = search_record(text);
        let limit = limit.min(1000);
        let found = self.captives.query(&record, limit * 2);
        best_per(keyed::<CaptiveId>(found))
            .into_iter()
            .filter(|(_, s)| s.match_weight - s.prior_weight >= SEARCH_MIN_EVIDENCE)
            .take(limit)
            .map(|(id, s)| (id, s.probability))
            .collect()
    }

    /// Links proposed for `subject` from scored candidates, above the review band.
    pub fn proposals(
        &self,
        subject: LinkSubject,
        candidates: impl IntoIterator<Item = (LinkTarget, Scored)>,
        now: Timestamp,
    ) -> Vec<MatchLink> {
        candidates
            .into_iter()
            .filter_map(|(target, scored)| {
                let state = self.policy.state_for(scored.probability)?;
                Some(MatchLink {
                    id: LinkId(uuid::Uuid::now_v7()),
                    subject,
                    target,
                    score: scored.probability,
                    explanation: scored.explanation(),
                    contributions: scored.explained(),
                    state,
                    created_at: now,
                    decided_by: None,
                    decided_at: None,
                })
            })
            .collect()
    }

    /// The links a request's description proposes to captives.
    pub fn request_links(&self, request: &TracingRequest, now: Timestamp) -> Vec<MatchLink> {
        if !request.consent_to_matching {
            return Vec::new();
        }
        let candidates = self
            .captive_candidates(&sought_record(request))
            .into_iter()
            .map(|(id, s)| (LinkTarget::Captive { id }, s));
        self.proposals(LinkSubject::Request { id: request.id }, candidates, now)
    }

    /// The links a list row proposes to captives and to the requests still `open`.
    pub fn entry_links(
        &self,
        import: repatria_core::ImportId,
        entry: &ListEntry,
        open: &HashSet<TracingRequestId>,
        now: Timestamp,
    ) -> Vec<MatchLink> {
        let record = entry_record(entry);
        let captives = self
            .captive_candidates(&record)
            .into_iter()
            .map(|(id, s)| (LinkTarget::Captive { id }, s));
        let requests = self
            .request_candidates(&record)
            .into_iter()
            .filter(|(id, _)| open.contains(id))
            .take(CANDIDATES)
            .map(|(id, s)| (LinkTarget::Request { id }, s));
        self.proposals(
            LinkSubject::Entry {
                import,
                line: entry.line,
            },
            captives.chain(requests),
            now,
        )
    }

    /// The indexed requests most like any of a captive's claims, one score per request
    /// (his best claim).
    pub fn captive_request_candidates(&self, captive: &Captive) -> Vec<(TracingRequestId, Scored)> {
        best_per(
            captive
                .claims
                .iter()
                .flat_map(|claim| self.request_candidates(&claim_record(captive, claim))),
        )
    }

    /// The links from the requests among `candidates` that are still `open` to a captive.
    pub fn captive_links(
        &self,
        captive: &Captive,
        candidates: &[(TracingRequestId, Scored)],
        open: &HashSet<TracingRequestId>,
        now: Timestamp,
    ) -> Vec<MatchLink> {
        candidates
            .iter()
            .filter(|(id, _)| open.contains(id))
            .flat_map(|(id, scored)| {
                self.proposals(
                    LinkSubject::Request { id: *id },
                    [(LinkTarget::Captive { id: captive.id }, scored.clone())],
                    now,
                )
            })
            .collect()
    }
}

/// The registry index of a running server or command, built on first use and kept up to
/// date with every committed change, whichever server made it: before each use it reads
/// the store's change feed (the audit log, `SqlStore::index_changes`) from the last event
/// it has seen, so that several servers over one database find the same captives.
#[derive(Debug, Default)]
pub struct Matching {
    index: RwLock<Option<RegistryIndex>>,
    /// Held while the index is built or brought up to date, so that each is done once.
    building: tokio::sync::Mutex<()>,
    /// The audit event the index has seen all changes up to.
    seen: std::sync::atomic::AtomicU64,
    /// Told of every build and update (the server's monitoring).
    observer: Option<Observer>,
}

repatria_core::words! {
    /// How the index was brought up to date: built from the whole registry, or updated
    /// from the change feed.
    pub enum Refresh {
        Build = "build",
        Update = "update",
    }
}

/// Told of every refresh of a [`Matching`] index and how long it took (reading the store
/// and indexing), for monitoring.
pub trait RefreshObserver: Send + Sync {
    fn refreshed(&self, refresh: Refresh, elapsed: std::time::Duration);
}

struct Observer(std::sync::Arc<dyn RefreshObserver>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// What a [`Matching`] index holds now, for monitoring: counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Whether it was built (on first use, or when the server started).
    pub built: bool,
    /// Captives with at least one identity claim indexed.
    pub captives: usize,
    /// Identity claims indexed (the engine's records of captives).
    pub claims: usize,
    /// Tracing requests indexed (open and consented to when indexed).
    pub requests: usize,
    /// The audit event the index has seen every change up to.
    pub seen: u64,
}

/// Runs CPU-heavy work without stalling the async runtime's other tasks, where the
/// runtime allows it (a multi-threaded one).
pub fn heavy<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

impl Matching {
    /// An index whose builds and updates `observer` is told of.
    pub fn observed(observer: std::sync::Arc<dyn RefreshObserver>) -> Matching {
        Matching {
            observer: Some(Observer(observer)),
            ..Matching::default()
        }
    }

    /// What the index holds now.
    pub fn stats(&self) -> IndexStats {
        let seen = self.seen.load(std::sync::atomic::Ordering::Acquire);
        self.read(|index| {
            let (captives, claims, requests) = index.counts();
            IndexStats {
                built: true,
                captives,
                claims,
                requests,
                seen,
            }
        })
        .unwrap_or_default()
    }

    fn refreshed(&self, refresh: Refresh, started: std::time::Instant) {
        if let Some(Observer(observer)) = &self.observer {
            observer.refreshed(refresh, started.elapsed());
        }
    }

    /// Builds the index from the store unless it exists, then brings it up to date with
    /// every change committed since it last looked (by any server).
    pub async fn ensure(&self, store: &SqlStore) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        if self.read(|_| ()).is_some() {
            // One cheap read when nothing changed: the head of the audit log.
            if store.audit_head().await? <= self.seen.load(Ordering::Acquire) {
                return Ok(());
            }
            let _building = self.building.lock().await;
            let started = std::time::Instant::now();
            let from = self.seen.load(Ordering::Acquire);
            let changes = store.index_changes(from).await?;
            if changes.upto <= from {
                // Another task brought it up to date while this one waited.
                return Ok(());
            }
            let captives = store.get_captives(&changes.captives).await?;
            let mut requests = Vec::with_capacity(changes.requests.len());
            for id in &changes.requests {
                match store.get_tracing_request(*id).await {
                    Ok(request) => requests.push(request),
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            self.write(|index| {
                for captive in &captives {
                    index.add_captive(captive);
                }
                for request in &requests {
                    index.add_request(request);
                }
            });
            self.seen.fetch_max(changes.upto, Ordering::AcqRel);
            self.refreshed(Refresh::Update, started);
            return Ok(());
        }
        let _building = self.building.lock().await;
        if self.read(|_| ()).is_some() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        // The head first: a change committed while the registry is read is read again
        // at the next use, never missed.
        let head = store.audit_head().await?;
        let captives = store.all_captives().await?;
        let mut requests = store.tracing_requests(Some(TracingStatus::Open)).await?;
        requests.extend(
            store
                .tracing_requests(Some(TracingStatus::CandidatesFound))
                .await?,
        );
        let built = heavy(|| RegistryIndex::build(&captives, &requests));
        let mut guard = self.index.write().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(built);
            self.seen.store(head, std::sync::atomic::Ordering::Release);
            drop(guard);
            self.refreshed(Refresh::Build, started);
        }
        Ok(())
    }

    /// Runs `f` on the index, if it was built.
    pub fn read<T>(&self, f: impl FnOnce(&RegistryIndex) -> T) -> Option<T> {
        let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(f)
    }

    fn write(&self, f: impl FnOnce(&mut RegistryIndex)) {
        let mut guard = self.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = guard.as_mut() {
            f(index);
        }
    }

    /// After a captive was created or changed: indexes his claims and proposes links
    /// from the open requests that match him.
    pub async fn captive_changed(
        &self,
        store: &SqlStore,
        actor: &Actor,
        captive: &Captive,
        now: Timestamp,
    ) -> Result<Vec<MatchLink>, StoreError> {
        self.ensure(store).await?;
        self.write(|index| index.add_captive(captive));
        let candidates: Vec<(TracingRequestId, Scored)> = self
            .read(|index| {
                let mut found = index.captive_request_candidates(captive);
                found.retain(|(_, s)| s.probability >= index.policy.review);
                found
            })
            .unwrap_or_default();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // The index keeps requests closed or confirmed since: the store says which are open.
        let mut open = HashSet::new();
        for (id, _) in &candidates {
            let request = store.get_tracing_request(*id).await?;
            if matches!(
                request.status,
                TracingStatus::Open | TracingStatus::CandidatesFound
            ) {
                open.insert(*id);
            }
        }
        let links = self
            .read(|index| index.captive_links(captive, &candidates, &open, now))
            .unwrap_or_default();
        if links.is_empty() {
            return Ok(links);
        }
        store.propose_links(actor, None, links, now).await
    }

    /// After a request was created or changed: recomputes its candidates among the
    /// captives (replacing the undecided ones) and indexes it for later lists.
    pub async fn request_changed(
        &self,
        store: &SqlStore,
        actor: &Actor,
        request: &TracingRequest,
        now: Timestamp,
    ) -> Result<Vec<MatchLink>, StoreError> {
        self.ensure(store).await?;
        if !request.consent_to_matching {
            return Ok(Vec::new());
        }
        self.write(|index| index.add_request(request));
        let links = self
            .read(|index| index.request_links(request, now))
            .unwrap_or_default();
        store
            .propose_links(
                actor,
                Some(LinkSubject::Request { id: request.id }),
                links,
                now,
            )
            .await
    }

    /// Indexes requests just stored by an import.
    pub fn add_requests(&self, requests: &[TracingRequest]) {
        self.write(|index| {
            for request in requests {
                index.add_request(request);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use repatria_core::fixtures;

    fn at() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
    }

    fn captive(n: u128, family: &str, given: &str, born: &str) -> Captive {
        let mut new = fixtures::new_captive("RU", family, given);
        new.claims[0].date_of_birth = Some(fixtures::date(born));
        fixtures::captive(CaptiveId(uuid::Uuid::from_u128(n)), new)
    }

    fn request(family: &str, given: &str, born: Option<&str>, consent: bool) -> TracingRequest {
        let mut request = fixtures::tracing_request(family, given);
        request.sought.date_of_birth = born.map(fixtures::date);
        request.consent_to_matching = consent;
        request
    }

    fn registry() -> RegistryIndex {
        RegistryIndex::build(
            &[
                captive(1, "Шевченко", "Олександр", "1998-04-12"),
                captive(2, "Бондаренко", "Петро", "1990-01-01"),
                captive(3, "Ри", "Чхоль", "2001-05-05"),
            ],
            &[],
        )
    }

    #[test]
    fn a_request_in_another_script_finds_the_captive_and_is_linked() {
        let index = registry();
        let links = index.request_links(
            &request("Shevchenko", "Aleksandr", Some("1998-04-12"), true),
            at(),
        );
        assert!(!links.is_empty());
        assert_eq!(
            links[0].target,
            LinkTarget::Captive {
                id: CaptiveId(uuid::Uuid::from_u128(1))
            }
        );
        assert!(links[0].score >= index.policy.review);
        assert!(!links[0].explanation.is_empty());
        assert!(links.iter().all(|l| l.target
            != LinkTarget::Captive {
                id: CaptiveId(uuid::Uuid::from_u128(2))
            }));
    }

    #[test]
    fn without_consent_nothing_is_matched() {
        let index = registry();
        let r = request("Shevchenko", "Oleksandr", Some("1998-04-12"), false);
        assert!(index.request_links(&r, at()).is_empty());
    }

    #[test]
    fn search_finds_a_captive_by_any_spelling_ranked_by_score() {
        let index = registry();
        for query in [
            "Oleksandr Shevchenko",
            "Александр Шевченко",
            "Shevchenko Olexandr",
        ] {
            let found = index.search(query, 10);
            assert_eq!(
                found.first().map(|f| f.0),
                Some(CaptiveId(uuid::Uuid::from_u128(1))),
                "{query}: {found:?}"
            );
            assert!(found.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        let korean = index.search("Ri Chol", 10);
        assert_eq!(
            korean.first().map(|f| f.0),
            Some(CaptiveId(uuid::Uuid::from_u128(3)))
        );
        assert!(index.search("Petrenko Vasyl", 10).is_empty());
    }

    #[test]
    fn a_new_captive_meets_the_open_request_that_seeks_him() {
        let mut index = registry();
        let r = request("Kovalenko", "Mykola", Some("1995"), true);
        index.add_request(&r);
        let c = captive(9, "Коваленко", "Николай", "1995-02-03");
        index.add_captive(&c);
        let open = HashSet::from([r.id]);
        let candidates = index.captive_request_candidates(&c);
        let links = index.captive_links(&c, &candidates, &open, at());
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].subject, LinkSubject::Request { id: r.id });
        assert_eq!(links[0].target, LinkTarget::Captive { id: c.id });
        // A request closed in the meantime is not proposed.
        assert!(index
            .captive_links(&c, &candidates, &HashSet::new(), at())
            .is_empty());
    }
}
