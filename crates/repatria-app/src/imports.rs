//! Importing lists and tracing requests, and the reconciliation report of a list.
//!
//! An import reads the file (`repatria-lists`), refuses it whole if any row is bad
//! (every bad row reported with its line and reason), recognises a file imported before
//! by its SHA-256, matches every row against the registry and the open tracing requests
//! (`matching.rs`), and stores the rows, requests and links in one transaction. Used by
//! the API (as a background job with progress) and by `repatria import`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use rayon::prelude::*;
use repatria_core::{
    ImportId, ImportKind, Inquirer, LinkState, LinkSubject, LinkTarget, ListEntry, ListImport,
    MatchLink, PartyCode, PersonName, SoughtPerson, Timestamp, TracingRequest, TracingRequestId,
    TracingStatus,
};
use repatria_lists::{Entry, Format, ReadError, RowError};
use repatria_store::{Actor, LinkFilter, NewImport, SqlStore, StoreError};
use sha2::{Digest, Sha256};

use crate::matching::{heavy, Matching};

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportInput {
    pub file_name: String,
    /// The file; shared, not copied, between the request and the job.
    pub bytes: Bytes,
    /// Guessed from the file name when absent.
    pub format: Option<Format>,
    pub kind: ImportKind,
    pub source: Option<PartyCode>,
    /// Corrections of the proposed column mapping, `HEADER=field`.
    pub overrides: Vec<String>,
    /// For tracing requests: the inquirers consented to matching (recorded on the forms).
    pub consent_to_matching: bool,
    /// For a demand list: the exchange it belongs to.
    pub exchange: Option<repatria_core::ExchangeId>,
}

impl ImportInput {
    /// What recognises the same import again: the file's SHA-256, and for a demand
    /// list the exchange too (the same list may be demanded in two exchanges).
    pub fn content_hash(&self) -> String {
        match self.exchange {
            None => content_hash(&self.bytes),
            Some(exchange) => {
                let mut tagged = format!("exchange {exchange}\n").into_bytes();
                tagged.extend_from_slice(&self.bytes);
                content_hash(&tagged)
            }
        }
    }
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file, its format or the mapping cannot be used.
    #[error("{0}")]
    File(String),
    /// Rows were rejected; nothing was imported.
    #[error("{} rows rejected", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How the rows of an imported list came out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct Counts {
    /// Matched to a captive we hold.
    pub captive: u64,
    /// Matched to an open tracing request.
    pub tracing_request: u64,
    /// Matched to nobody: a person new to the bureau.
    pub new: u64,
    /// Several candidates, or only candidates in the review band: a person decides.
    pub ambiguous: u64,
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub import: ListImport,
    /// False when the same file had been imported before: nothing new was created.
    pub created: bool,
    pub rows: u64,
    pub counts: Counts,
    /// Tracing requests created (an import of requests).
    pub requests: u64,
}

repatria_core::words! {
    /// Where a row of a list stands after matching and review.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum Category {
        Captive = "captive",
        TracingRequest = "tracing_request",
        New = "new",
        Ambiguous = "ambiguous",
    }
}

repatria_core::words! {
    /// Where an import run as a job stands: running, then done or failed.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum JobState {
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

/// The category of a row from its links: one link (made automatically or confirmed)
/// to at most one captive and at most one request decides it; several, or candidates
/// only in the review band, leave it ambiguous; none, new. Rejected links do not count.
pub fn categorize(links: &[&MatchLink]) -> Category {
    let live: Vec<&&MatchLink> = links
        .iter()
        .filter(|l| l.state != LinkState::Rejected)
        .collect();
    let confirmed: Vec<_> = live
        .iter()
        .filter(|l| l.state == LinkState::Confirmed)
        .collect();
    let decided: Vec<_> = if confirmed.is_empty() {
        live.iter().filter(|l| l.state.is_link()).collect()
    } else {
        confirmed
    };
    let captives = decided
        .iter()
        .filter(|l| matches!(l.target, LinkTarget::Captive { .. }))
        .count();
    let requests = decided.len() - captives;
    match (captives, requests) {
        (0, 0) if live.is_empty() => Category::New,
        (0, 0) => Category::Ambiguous,
        (1, 0 | 1) => Category::Captive,
        (0, 1) => Category::TracingRequest,
        _ => Category::Ambiguous,
    }
}

impl Counts {
    fn add(&mut self, category: Category) {
        match category {
            Category::Captive => self.captive += 1,
            Category::TracingRequest => self.tracing_request += 1,
            Category::New => self.new += 1,
            Category::Ambiguous => self.ambiguous += 1,
        }
    }
}

/// The links of a list's rows, by line.
fn links_by_line(links: &[MatchLink]) -> HashMap<u64, Vec<&MatchLink>> {
    let mut by_line: HashMap<u64, Vec<&MatchLink>> = HashMap::new();
    for link in links {
        if let LinkSubject::Entry { line, .. } = link.subject {
            by_line.entry(line).or_default().push(link);
        }
    }
    by_line
}

/// How the rows at `lines` came out, from their links.
fn count(lines: impl Iterator<Item = u64>, links: &[MatchLink]) -> Counts {
    let by_line = links_by_line(links);
    let mut counts = Counts::default();
    for line in lines {
        let links = by_line.get(&line).map(Vec::as_slice).unwrap_or_default();
        counts.add(categorize(links));
    }
    counts
}

/// SHA-256 of the file, hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A row read from a list, as the registry keeps it.
pub fn list_entry(entry: Entry) -> ListEntry {
    ListEntry {
        line: entry.line,
        external_id: entry.external_id,
        name: PersonName {
            family: entry.family_name,
            given: entry.given_name,
            patronymic: entry.patronymic,
        },
        full_name: entry.full_name,
        date_of_birth: entry.date_of_birth,
        sex: entry.sex,
        place_of_birth: entry.place_of_birth,
        nationality: entry.nationality,
        unit: entry.unit,
        service_number: entry.service_number,
        rank: entry.rank,
        note: entry.note,
    }
}

/// A tracing request from a row, or the row's errors (the inquirer is required).
fn request_of(
    entry: &Entry,
    consent: bool,
    by: &str,
    now: Timestamp,
) -> Result<TracingRequest, Vec<RowError>> {
    let mut errors = Vec::new();
    for (value, field) in [
        (&entry.inquirer_name, "inquirer_name"),
        (&entry.inquirer_relation, "inquirer_relation"),
        (&entry.inquirer_contact, "inquirer_contact"),
    ] {
        if value.is_none() {
            errors.push(RowError::new(
                entry.line,
                Some(field),
                "required for a tracing request",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // A full name alone is split at the first space: family name first, as on lists.
    let name = if entry.family_name.is_some() || entry.given_name.is_some() {
        PersonName {
            family: entry.family_name.clone(),
            given: entry.given_name.clone(),
            patronymic: entry.patronymic.clone(),
        }
    } else {
        let full = entry.full_name.clone().unwrap_or_default();
        let mut words = full.splitn(2, ' ');
        PersonName {
            family: words.next().map(str::to_string),
            given: words.next().map(|w| w.trim().to_string()),
            patronymic: None,
        }
    };
    Ok(TracingRequest::open(
        TracingRequestId(uuid::Uuid::now_v7()),
        SoughtPerson {
            name,
            date_of_birth: entry.date_of_birth,
            unit: entry.unit.clone(),
            last_seen_place: entry.last_seen_place.clone(),
            last_seen_on: entry.last_seen_date,
        },
        Inquirer {
            name: entry.inquirer_name.clone().unwrap_or_default(),
            relation: entry.inquirer_relation.clone().unwrap_or_default(),
            contact: entry.inquirer_contact.clone().unwrap_or_default(),
        },
        consent,
        by.to_string(),
        now,
    ))
}

/// The format of an import's file: given, else from the file name's extension, else
/// from its content ([`Format::of_content`]).
pub fn format_of(input: &ImportInput) -> Format {
    input
        .format
        .or_else(|| Format::from_file_name(&input.file_name))
        .unwrap_or_else(|| Format::of_content(&input.bytes))
}

/// Reads the file of an import into entries, within [`repatria_lists::Limits::default`]:
/// its format ([`format_of`]), then every row. A file that cannot be used at all, or
/// that exceeds a limit, is [`ImportError::File`]; bad rows are [`ImportError::Rows`].
/// CPU work: callers on the runtime run it off the request threads.
pub fn read(input: &ImportInput) -> Result<(Format, Vec<Entry>), ImportError> {
    let format = format_of(input);
    let entries =
        repatria_lists::read_list(format, &input.bytes, &input.overrides).map_err(|e| match e {
            ReadError::List(e) => ImportError::File(e.to_string()),
            ReadError::Rows(rows) => ImportError::Rows(rows),
        })?;
    Ok((format, entries))
}

/// Imports a file. `progress(done, total)` is called as rows are matched (from several
/// threads). Importing the same file again returns the earlier import, `created: false`.
pub async fn import(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    input: ImportInput,
    now: Timestamp,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    let read = heavy(|| read(&input));
    let id = ImportId(uuid::Uuid::now_v7());
    import_read(store, matching, actor, input, read, id, now, progress).await
}

/// [`import`] of a file already [`read`] (the API reads it before it answers, so that a
/// file too large or unreadable is refused at once rather than in the job). `id` is the
/// id the import gets if it creates one: the API gives its job's, so that a job whose
/// server stopped is known to have committed its import or not (docs/operations.md).
#[allow(clippy::too_many_arguments)]
pub async fn import_read(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    input: ImportInput,
    read: Result<(Format, Vec<Entry>), ImportError>,
    id: ImportId,
    now: Timestamp,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    let hash = input.content_hash();
    if let Some(earlier) = store.find_import(&hash).await? {
        return Ok(imported_before(store, earlier).await?);
    }
    let (format, entries) = read?;
    import_entries(
        store,
        matching,
        actor,
        input,
        id,
        hash,
        format.as_str(),
        entries,
        now,
        progress,
    )
    .await
}

/// The summary of a file imported before: nothing new was created.
async fn imported_before(
    store: &SqlStore,
    earlier: ListImport,
) -> Result<ImportSummary, StoreError> {
    let counts = report(store, &earlier).await?.counts;
    Ok(ImportSummary {
        rows: earlier.rows,
        requests: 0,
        import: earlier,
        created: false,
        counts,
    })
}

/// [`import`] of persons given as values (a demand list sent as JSON): `format` is
/// recorded as given (`json`), the content hash is the caller's serialisation's.
pub async fn import_persons(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    input: ImportInput,
    entries: Vec<Entry>,
    now: Timestamp,
) -> Result<ImportSummary, ImportError> {
    let hash = input.content_hash();
    if let Some(earlier) = store.find_import(&hash).await? {
        return Ok(imported_before(store, earlier).await?);
    }
    import_entries(
        store,
        matching,
        actor,
        input,
        ImportId(uuid::Uuid::now_v7()),
        hash,
        "json",
        entries,
        now,
        &|_, _| {},
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn import_entries(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    input: ImportInput,
    id: ImportId,
    hash: String,
    format: &str,
    entries: Vec<Entry>,
    now: Timestamp,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    let import = ListImport {
        exchange: input.exchange,
        id,
        content_hash: hash,
        kind: input.kind,
        format: format.to_string(),
        source: input.source,
        file_name: input.file_name,
        rows: entries.len() as u64,
        created_at: now,
        created_by: actor.user.clone(),
    };
    matching.ensure(store).await?;
    let total = entries.len() as u64;
    let done = AtomicU64::new(0);
    let tick = || {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(1000) || n == total {
            progress(n, total);
        }
    };
    let new = match input.kind {
        ImportKind::List | ImportKind::Demand => {
            let entries: Vec<ListEntry> = entries.into_iter().map(list_entry).collect();
            let mut open = HashSet::new();
            // A demand list is matched against the registry only: the persons a side
            // demands are captives, not families' enquiries.
            let statuses: &[TracingStatus] = if input.kind == ImportKind::Demand {
                &[]
            } else {
                &[TracingStatus::Open, TracingStatus::CandidatesFound]
            };
            for &status in statuses {
                open.extend(
                    store
                        .tracing_requests(Some(status))
                        .await?
                        .iter()
                        .map(|r| r.id),
                );
            }
            let links = heavy(|| {
                matching
                    .read(|index| {
                        entries
                            .par_iter()
                            .flat_map_iter(|entry| {
                                let links = index.entry_links(import.id, entry, &open, now);
                                tick();
                                links
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            });
            NewImport {
                import: import.clone(),
                entries,
                requests: Vec::new(),
                links,
            }
        }
        ImportKind::Tracing => {
            let mut requests = Vec::with_capacity(entries.len());
            let mut errors = Vec::new();
            for entry in &entries {
                match request_of(entry, input.consent_to_matching, &actor.user, now) {
                    Ok(r) => requests.push(r),
                    Err(e) => errors.extend(e),
                }
            }
            if !errors.is_empty() {
                return Err(ImportError::Rows(errors));
            }
            let links = heavy(|| {
                matching
                    .read(|index| {
                        requests
                            .par_iter()
                            .flat_map_iter(|request| {
                                let links = index.request_links(request, now);
                                tick();
                                links
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            });
            NewImport {
                import: import.clone(),
                entries: Vec::new(),
                requests,
                links,
            }
        }
    };
    let requests = new.requests.clone();
    let rows = import.rows;
    // A new list's links are all proposals: counted here rather than read back.
    let counts = match import.kind {
        ImportKind::List | ImportKind::Demand => {
            count(new.entries.iter().map(|e| e.line), &new.links)
        }
        ImportKind::Tracing => Counts::default(),
    };
    match store.import_list(actor, new, now).await {
        Ok(()) => {}
        // The same file, imported by someone else while this one was being matched.
        Err(StoreError::Conflict(reason)) => {
            let Some(earlier) = store.find_import(&import.content_hash).await? else {
                return Err(StoreError::Conflict(reason).into());
            };
            return Ok(imported_before(store, earlier).await?);
        }
        Err(e) => return Err(e.into()),
    }
    matching.add_requests(&requests);
    Ok(ImportSummary {
        import,
        created: true,
        rows,
        counts,
        requests: requests.len() as u64,
    })
}

/// One row of a reconciliation report.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct ReportRow {
    pub line: u64,
    pub external_id: Option<String>,
    pub name: String,
    pub date_of_birth: Option<String>,
    pub category: Category,
    /// The candidates not rejected, best first, with the evidence.
    pub candidates: Vec<ReportCandidate>,
}

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct ReportCandidate {
    pub link_id: String,
    /// `captive` or `request`.
    pub kind: String,
    pub id: String,
    pub score: f64,
    /// `linked`, `review` or `confirmed`.
    pub state: String,
    /// The contributions as one line of text (`family_name exact +8.6; ...; prior
    /// -13.3`), kept for clients that read it.
    pub explanation: String,
    /// Each feature's part in the score, the prior last.
    pub contributions: Vec<ContributionView>,
}

/// One feature's part in a candidate's score: the compared field (or `prior`), its
/// comparison level (empty for the prior) and the evidence in bits.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct ContributionView {
    /// `family_name`, `given_name`, `patronymic`, `date_of_birth`, `sex`,
    /// `place_of_birth`, `nationality`, `unit`, `service_number`, or `prior`.
    pub feature: String,
    /// `exact`, `equivalent`, `similar`, `one year apart`, `same`, `different`, ...; empty
    /// for the prior.
    pub level: String,
    /// Evidence in bits (log2 of the odds): positive for a match, negative against.
    pub weight: f64,
}

impl ContributionView {
    /// The contributions of a link (read from its text for a link stored before they
    /// were kept).
    pub fn of(link: &MatchLink) -> Vec<ContributionView> {
        link.explained()
            .into_iter()
            .map(|c| ContributionView {
                feature: c.feature,
                level: c.level,
                weight: c.weight,
            })
            .collect()
    }
}

/// The reconciliation report of an imported list.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct Report {
    pub import_id: String,
    pub file_name: String,
    pub rows: u64,
    pub counts: Counts,
    pub items: Vec<ReportRow>,
}

/// Builds the report of a list from its rows and their links as they stand now
/// (confirmations and rejections included).
pub async fn report(store: &SqlStore, import: &ListImport) -> Result<Report, StoreError> {
    let entries = store.list_entries(import.id).await?;
    let links = store
        .match_links(&LinkFilter {
            import: Some(import.id),
            ..Default::default()
        })
        .await?;
    let mut by_line = links_by_line(&links);
    let mut counts = Counts::default();
    let mut items = Vec::with_capacity(entries.len());
    for entry in &entries {
        let links = by_line.remove(&entry.line).unwrap_or_default();
        let category = categorize(&links);
        counts.add(category);
        let candidates = links
            .iter()
            .filter(|l| l.state != LinkState::Rejected)
            .map(|l| ReportCandidate {
                link_id: l.id.to_string(),
                kind: l.target.kind().to_string(),
                id: l.target.key(),
                score: l.score,
                state: l.state.as_str().to_string(),
                explanation: l.explanation.clone(),
                contributions: ContributionView::of(l),
            })
            .collect();
        items.push(ReportRow {
            line: entry.line,
            external_id: entry.external_id.clone(),
            name: entry.display_name(),
            date_of_birth: entry.date_of_birth.map(|d| d.to_string()),
            category,
            candidates,
        });
    }
    Ok(Report {
        import_id: import.id.to_string(),
        file_name: import.file_name.clone(),
        rows: import.rows,
        counts,
        items,
    })
}

/// The report as CSV: one row per list row, with its best candidate and the evidence.
/// Names and ids come from the other side's list: every cell is defused for
/// spreadsheets ([`repatria_lists::csv_cell`]), so `=HYPERLINK(…)` stays text.
pub fn report_csv(report: &Report) -> String {
    let header = [
        "line",
        "external_id",
        "name",
        "date_of_birth",
        "category",
        "candidates",
        "best_kind",
        "best_id",
        "best_score",
        "best_state",
        "explanation",
    ];
    let rows = report.items.iter().map(|row| {
        let best = row.candidates.first();
        [
            row.line.to_string(),
            row.external_id.clone().unwrap_or_default(),
            row.name.clone(),
            row.date_of_birth.clone().unwrap_or_default(),
            row.category.as_str().to_string(),
            row.candidates.len().to_string(),
            best.map(|b| b.kind.clone()).unwrap_or_default(),
            best.map(|b| b.id.clone()).unwrap_or_default(),
            best.map(|b| format!("{:.4}", b.score)).unwrap_or_default(),
            best.map(|b| b.state.clone()).unwrap_or_default(),
            best.map(|b| b.explanation.clone()).unwrap_or_default(),
        ]
    });
    repatria_lists::write_csv(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use repatria_core::{CaptiveId, LinkId};

    fn link(target: LinkTarget, state: LinkState) -> MatchLink {
        MatchLink {
            id: LinkId(uuid::Uuid::now_v7()),
            subject: LinkSubject::Entry {
                import: ImportId(uuid::Uuid::from_u128(1)),
                line: 2,
            },
            target,
            score: 0.9,
            explanation: String::new(),
            contributions: Vec::new(),
            state,
            created_at: chrono::Utc::now(),
            decided_by: None,
            decided_at: None,
        }
    }

    #[test]
    fn rows_fall_into_the_four_categories() {
        use LinkState::*;
        let captive = |n| LinkTarget::Captive {
            id: CaptiveId(uuid::Uuid::from_u128(n)),
        };
        let request = |n| LinkTarget::Request {
            id: TracingRequestId(uuid::Uuid::from_u128(n)),
        };
        let cases: Vec<(Vec<MatchLink>, Category)> = vec![
            (vec![], Category::New),
            (vec![link(captive(1), Linked)], Category::Captive),
            (vec![link(request(1), Linked)], Category::TracingRequest),
            (
                vec![link(captive(1), Linked), link(request(1), Linked)],
                Category::Captive,
            ),
            (vec![link(captive(1), Review)], Category::Ambiguous),
            (
                vec![link(captive(1), Linked), link(captive(2), Linked)],
                Category::Ambiguous,
            ),
            (
                vec![link(captive(1), Linked), link(captive(2), Confirmed)],
                Category::Captive,
            ),
            (vec![link(captive(1), Rejected)], Category::New),
            (
                vec![link(captive(1), Rejected), link(captive(2), Review)],
                Category::Ambiguous,
            ),
        ];
        for (links, expected) in cases {
            let refs: Vec<&MatchLink> = links.iter().collect();
            assert_eq!(
                categorize(&refs),
                expected,
                "{:?}",
                links.iter().map(|l| l.state).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_tracing_row_needs_its_inquirer() {
        let entry = Entry {
            line: 4,
            full_name: Some("Ткаченко Андрій".into()),
            inquirer_name: Some("Ткаченко Ольга".into()),
            ..Entry::default()
        };
        let errors = request_of(&entry, true, "tracer", chrono::Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["inquirer_relation", "inquirer_contact"]);
        assert!(errors.iter().all(|e| e.line == 4));
        let full = Entry {
            inquirer_relation: Some("mother".into()),
            inquirer_contact: Some("+000".into()),
            ..entry
        };
        let request = request_of(&full, true, "tracer", chrono::Utc::now()).unwrap();
        assert_eq!(request.sought.name.family.as_deref(), Some("Ткаченко"));
        assert_eq!(request.sought.name.given.as_deref(), Some("Андрій"));
        assert!(request.consent_to_matching);
    }
}
