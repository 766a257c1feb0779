//! Tracing requests, imported lists and the links matching proposes, as stored.
//!
//! Requests, imports, list rows and links are JSON documents beside the columns lists
//! filter on. A link's pair is unique: once a person rejected it the row stays, so the
//! pair is never proposed again; recomputing candidates only replaces undecided links.
//! A request's candidates and status follow its links in the same transaction
//! ([`TracingRequest::sync_with_links`]).

use std::collections::{HashMap, HashSet};

use repatria_core::{
    Decision, DomainError, ImportId, LinkId, LinkState, LinkSubject, LinkTarget, ListEntry,
    ListImport, MatchLink, Timestamp, TracingAnswer, TracingRequest, TracingRequestId,
    TracingStatus,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{instant, AuditWriter};
use crate::{Actor, AuditAction, Result, SqlStore, StoreError};

/// A change to a tracing request made by a tracing officer.
#[derive(Debug, Clone)]
pub enum TracingChange {
    /// The answer given to the family: when, by whom, what.
    RecordAnswer(TracingAnswer),
    /// Closes the request (only once answered, Art. 122).
    Close,
}

/// Which links to list; every field narrows the selection.
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    pub subject: Option<LinkSubject>,
    /// Links of the rows of one imported list.
    pub import: Option<ImportId>,
    pub target: Option<LinkTarget>,
    pub state: Option<LinkState>,
    /// At most this many, best score first (0: no limit).
    pub limit: u32,
}

/// Rows per multi-row `INSERT` of list entries.
const ENTRY_BATCH: usize = 200;

/// The document in a row's `record` column.
fn decode<T: DeserializeOwned>(what: &str, row: &AnyRow) -> Result<T> {
    let record: String = row.try_get("record")?;
    serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The documents of many rows.
fn decode_all<T: DeserializeOwned>(what: &str, rows: &[AnyRow]) -> Result<Vec<T>> {
    rows.iter().map(|row| decode(what, row)).collect()
}

fn encode<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn import_of(subject: &LinkSubject) -> Option<String> {
    match subject {
        LinkSubject::Entry { import, .. } => Some(import.to_string()),
        LinkSubject::Request { .. } => None,
    }
}

/// What an audit event says about a link: identifiers and the score, never names.
fn link_detail(link: &MatchLink) -> serde_json::Value {
    serde_json::json!({
        "subject": link.subject,
        "target": link.target,
        "score": link.score,
        "state": link.state.as_str(),
    })
}

impl SqlStore {
    pub(crate) async fn insert_tracing_request(
        &self,
        actor: &Actor,
        request: &TracingRequest,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        Self::write_request(&mut tx, request, true).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::TracingRequestCreate,
            "tracing_request",
            &request.id.0.to_string(),
            serde_json::json!({ "consent_to_matching": request.consent_to_matching }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_request(
        conn: &mut AnyConnection,
        request: &TracingRequest,
        new: bool,
    ) -> Result<()> {
        let record = encode("tracing request", request)?;
        let query = if new {
            sqlx::query(
                "INSERT INTO tracing_requests (status, created_at, record, id) VALUES ($1, $2, $3, $4)",
            )
        } else {
            sqlx::query(
                "UPDATE tracing_requests SET status = $1, created_at = $2, record = $3 WHERE id = $4",
            )
        };
        query
            .bind(request.status.as_str())
            .bind(instant(request.created_at))
            .bind(record)
            .bind(request.id.0.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn request_in(
        &self,
        conn: &mut AnyConnection,
        id: TracingRequestId,
    ) -> Result<TracingRequest> {
        let sql = format!(
            "SELECT record FROM tracing_requests WHERE id = $1{}",
            self.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(id.0.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode("tracing request", &row)
    }

    pub(crate) async fn select_tracing_request(
        &self,
        id: TracingRequestId,
    ) -> Result<TracingRequest> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT record FROM tracing_requests WHERE id = $1")
            .bind(id.0.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode("tracing request", &row)
    }

    pub(crate) async fn select_tracing_requests(
        &self,
        status: Option<TracingStatus>,
    ) -> Result<Vec<TracingRequest>> {
        let rows =
            match status {
                Some(status) => sqlx::query(
                    "SELECT record FROM tracing_requests WHERE status = $1 ORDER BY created_at, id",
                )
                .bind(status.as_str())
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query("SELECT record FROM tracing_requests ORDER BY created_at, id")
                        .fetch_all(&self.pool)
                        .await?
                }
            };
        decode_all("tracing request", &rows)
    }

    pub(crate) async fn update_tracing_request(
        &self,
        actor: &Actor,
        id: TracingRequestId,
        change: TracingChange,
        now: Timestamp,
    ) -> Result<TracingRequest> {
        let (_turn, mut tx) = self.begin_write().await?;
        // The audit head first, as every tracing write takes it: one lock order, no
        // deadlock between writers on PostgreSQL.
        let mut audit = AuditWriter::begin(self, &mut tx).await?;
        let mut request = self.request_in(&mut tx, id).await?;
        let (action, detail) = match change {
            TracingChange::RecordAnswer(answer) => {
                let detail = serde_json::json!({ "answered_at": answer.at, "by": answer.by });
                request.record_answer(answer)?;
                (AuditAction::TracingRequestAnswer, detail)
            }
            TracingChange::Close => {
                request.close()?;
                (AuditAction::TracingRequestClose, serde_json::json!({}))
            }
        };
        Self::write_request(&mut tx, &request, false).await?;
        audit
            .append(
                &mut tx,
                actor,
                action,
                "tracing_request",
                &id.0.to_string(),
                detail,
                now,
            )
            .await?;
        audit.finish(&mut tx).await?;
        tx.commit().await?;
        Ok(request)
    }

    pub(crate) async fn select_import_by_hash(&self, hash: &str) -> Result<Option<ListImport>> {
        let row = sqlx::query("SELECT record FROM list_imports WHERE content_hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| decode("list import", &row)).transpose()
    }

    pub(crate) async fn select_import(&self, id: ImportId) -> Result<ListImport> {
        let row = sqlx::query("SELECT record FROM list_imports WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode("list import", &row)
    }

    pub(crate) async fn select_imports(&self) -> Result<Vec<ListImport>> {
        let rows = sqlx::query("SELECT record FROM list_imports ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        decode_all("list import", &rows)
    }

    pub(crate) async fn select_entries(&self, id: ImportId) -> Result<Vec<ListEntry>> {
        let rows =
            sqlx::query("SELECT record FROM list_entries WHERE import_id = $1 ORDER BY line")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
        decode_all("list entry", &rows)
    }

    /// Stores an imported file with its rows, the requests it creates and the links
    /// found for them, atomically. `Conflict` when the same content was imported before.
    pub(crate) async fn insert_import(
        &self,
        actor: &Actor,
        import: &ListImport,
        entries: &[ListEntry],
        requests: &[TracingRequest],
        links: &[MatchLink],
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        // Under the audit head's lock, so that of two imports of one file the second
        // sees the first.
        let mut audit = AuditWriter::begin(self, &mut tx).await?;
        let taken = sqlx::query("SELECT id FROM list_imports WHERE content_hash = $1")
            .bind(&import.content_hash)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(
                "this file was imported before".to_string(),
            ));
        }
        let id = import.id.to_string();
        sqlx::query(
            "INSERT INTO list_imports (id, content_hash, created_at, record) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(&import.content_hash)
        .bind(instant(import.created_at))
        .bind(encode("list import", import)?)
        .execute(&mut *tx)
        .await?;
        for chunk in entries.chunks(ENTRY_BATCH) {
            let mut sql =
                String::from("INSERT INTO list_entries (import_id, line, record) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            }
            let mut query = sqlx::query(&sql);
            for entry in chunk {
                query = query
                    .bind(id.clone())
                    .bind(entry.line as i64)
                    .bind(encode("list entry", entry)?);
            }
            query.execute(&mut *tx).await?;
        }
        audit
            .append(
                &mut tx,
                actor,
                AuditAction::ListImport,
                "list_import",
                &id,
                serde_json::json!({
                    "kind": import.kind.as_str(),
                    "format": import.format,
                    "source": import.source,
                    "rows": import.rows,
                    "content_hash": import.content_hash,
                    "links": links.len(),
                }),
                now,
            )
            .await?;
        for request in requests {
            Self::write_request(&mut tx, request, true).await?;
            audit
                .append(
                    &mut tx,
                    actor,
                    AuditAction::TracingRequestImport,
                    "tracing_request",
                    &request.id.0.to_string(),
                    serde_json::json!({ "import": id, "consent_to_matching": request.consent_to_matching }),
                    now,
                )
                .await?;
        }
        audit.finish(&mut tx).await?;
        // The rows and requests are new, so are their links: inserted in batches, counted
        // in the `list.import` event above.
        Self::insert_new_links(&mut tx, links).await?;
        let mut requests: Vec<TracingRequestId> = links
            .iter()
            .filter_map(|l| match l.subject {
                LinkSubject::Request { id } => Some(id),
                LinkSubject::Entry { .. } => None,
            })
            .collect();
        requests.sort();
        requests.dedup();
        for id in requests {
            self.sync_request(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Inserts links of subjects that have none yet, many per statement.
    async fn insert_new_links(conn: &mut AnyConnection, links: &[MatchLink]) -> Result<()> {
        const COLUMNS: usize = 10;
        for chunk in links.chunks(ENTRY_BATCH) {
            let mut sql = String::from(
                "INSERT INTO match_links (id, subject_kind, subject_key, import_id, target_kind, target_key, score, state, created_at, record) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let params: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", i * COLUMNS + c))
                    .collect();
                sql.push_str(&format!("({})", params.join(", ")));
            }
            let mut query = sqlx::query(&sql);
            for link in chunk {
                query = query
                    .bind(link.id.to_string())
                    .bind(link.subject.kind())
                    .bind(link.subject.key())
                    .bind(import_of(&link.subject))
                    .bind(link.target.kind())
                    .bind(link.target.key())
                    .bind(link.score)
                    .bind(link.state.as_str())
                    .bind(instant(link.created_at))
                    .bind(encode("match link", link)?);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Records the links matching proposes. An existing pair keeps its row: links a
    /// person decided or sent back to review stay as they are; the engine's own
    /// proposals take the new score and state. With
    /// `replace`, the undecided links of that subject not proposed again are removed.
    pub(crate) async fn propose(
        &self,
        actor: &Actor,
        replace: Option<LinkSubject>,
        links: &[MatchLink],
        now: Timestamp,
    ) -> Result<Vec<MatchLink>> {
        let (_turn, mut tx) = self.begin_write().await?;
        let stored = self
            .write_links(&mut tx, actor, replace, links, now)
            .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn write_links(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        replace: Option<LinkSubject>,
        links: &[MatchLink],
        now: Timestamp,
    ) -> Result<Vec<MatchLink>> {
        let mut stored = Vec::with_capacity(links.len());
        let mut requests: HashSet<TracingRequestId> = HashSet::new();
        let mut proposed: HashSet<(String, String)> = HashSet::new();
        let mut per_subject: HashMap<LinkSubject, (usize, usize)> = HashMap::new();
        let mut audit = AuditWriter::begin(self, conn).await?;
        if let Some(LinkSubject::Request { id }) = replace {
            requests.insert(id);
        }
        for link in links {
            let (subject, target) = (link.subject.key(), link.target.key());
            proposed.insert((subject.clone(), format!("{}:{target}", link.target.kind())));
            if let LinkSubject::Request { id } = link.subject {
                requests.insert(id);
            }
            let sql = format!(
                "SELECT record FROM match_links WHERE subject_kind = $1 AND subject_key = $2 AND target_kind = $3 AND target_key = $4{}",
                self.for_update()
            );
            let existing = sqlx::query(&sql)
                .bind(link.subject.kind())
                .bind(&subject)
                .bind(link.target.kind())
                .bind(&target)
                .fetch_optional(&mut *conn)
                .await?;
            let counts = per_subject.entry(link.subject).or_default();
            match existing {
                Some(row) => {
                    let mut old: MatchLink = decode("match link", &row)?;
                    // A link a person touched keeps its state: only the engine's own
                    // proposals are revised.
                    if !old.state.is_decided() && old.decided_by.is_none() {
                        old.score = link.score;
                        old.explanation = link.explanation.clone();
                        old.contributions = link.contributions.clone();
                        old.state = link.state;
                        Self::update_link(conn, &old).await?;
                        if old.state == LinkState::Linked {
                            counts.0 += 1;
                        } else {
                            counts.1 += 1;
                        }
                    }
                    stored.push(old);
                }
                None => {
                    sqlx::query(
                        "INSERT INTO match_links (id, subject_kind, subject_key, import_id, target_kind, target_key, score, state, created_at, record) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(link.id.to_string())
                    .bind(link.subject.kind())
                    .bind(&subject)
                    .bind(import_of(&link.subject))
                    .bind(link.target.kind())
                    .bind(&target)
                    .bind(link.score)
                    .bind(link.state.as_str())
                    .bind(instant(link.created_at))
                    .bind(encode("match link", link)?)
                    .execute(&mut *conn)
                    .await?;
                    if link.state == LinkState::Linked {
                        counts.0 += 1;
                    } else {
                        counts.1 += 1;
                    }
                    stored.push(link.clone());
                }
            }
        }
        let mut removed = 0usize;
        if let Some(subject) = replace {
            let rows = sqlx::query(
                "SELECT id, target_kind, target_key, record FROM match_links WHERE subject_kind = $1 AND subject_key = $2",
            )
            .bind(subject.kind())
            .bind(subject.key())
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                let link: MatchLink = decode("match link", &row)?;
                let decided = link.state.is_decided() || link.decided_by.is_some();
                let target = format!(
                    "{}:{}",
                    row.try_get::<String, _>("target_kind")?,
                    row.try_get::<String, _>("target_key")?
                );
                if !decided && !proposed.contains(&(subject.key(), target)) {
                    sqlx::query("DELETE FROM match_links WHERE id = $1")
                        .bind(row.try_get::<String, _>("id")?)
                        .execute(&mut *conn)
                        .await?;
                    removed += 1;
                }
            }
            per_subject.entry(subject).or_default();
        }
        let mut subjects: Vec<_> = per_subject.into_iter().collect();
        subjects.sort_by_key(|(s, _)| s.key());
        for (subject, (linked, review)) in subjects {
            audit
                .append(
                    conn,
                    actor,
                    AuditAction::MatchPropose,
                    subject.kind(),
                    &subject.key(),
                    serde_json::json!({ "linked": linked, "review": review, "removed": if Some(subject) == replace { removed } else { 0 } }),
                    now,
                )
                .await?;
        }
        audit.finish(conn).await?;
        let mut requests: Vec<_> = requests.into_iter().collect();
        requests.sort();
        for id in requests {
            self.sync_request(conn, id).await?;
        }
        Ok(stored)
    }

    async fn update_link(conn: &mut AnyConnection, link: &MatchLink) -> Result<()> {
        sqlx::query("UPDATE match_links SET score = $1, state = $2, record = $3 WHERE id = $4")
            .bind(link.score)
            .bind(link.state.as_str())
            .bind(encode("match link", link)?)
            .bind(link.id.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Brings a request's candidates and status in line with its links.
    async fn sync_request(&self, conn: &mut AnyConnection, id: TracingRequestId) -> Result<()> {
        let mut request = match self.request_in(conn, id).await {
            Ok(request) => request,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let rows = sqlx::query(
            "SELECT record FROM match_links WHERE subject_kind = 'request' AND subject_key = $1",
        )
        .bind(id.0.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let links: Vec<MatchLink> = decode_all("match link", &rows)?;
        let before = (
            request.status,
            request.candidates.clone(),
            request.linked_captive,
        );
        request.sync_with_links(&links);
        if before
            != (
                request.status,
                request.candidates.clone(),
                request.linked_captive,
            )
        {
            Self::write_request(conn, &request, false).await?;
        }
        Ok(())
    }

    pub(crate) async fn select_links(&self, filter: &LinkFilter) -> Result<Vec<MatchLink>> {
        let mut sql = String::from("SELECT record FROM match_links WHERE 1 = 1");
        let mut params: Vec<String> = Vec::new();
        let mut param = |sql: &mut String, text: &str, value: String| {
            params.push(value);
            sql.push_str(&format!("{text}${}", params.len()));
        };
        if let Some(subject) = &filter.subject {
            param(&mut sql, " AND subject_kind = ", subject.kind().to_string());
            param(&mut sql, " AND subject_key = ", subject.key());
        }
        if let Some(import) = &filter.import {
            param(&mut sql, " AND import_id = ", import.to_string());
        }
        if let Some(target) = &filter.target {
            param(&mut sql, " AND target_kind = ", target.kind().to_string());
            param(&mut sql, " AND target_key = ", target.key());
        }
        if let Some(state) = &filter.state {
            param(&mut sql, " AND state = ", state.as_str().to_string());
        }
        sql.push_str(" ORDER BY score DESC, id");
        if filter.limit > 0 {
            sql.push_str(&format!(" LIMIT {}", filter.limit));
        }
        let mut query = sqlx::query(&sql);
        for p in &params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        decode_all("match link", &rows)
    }

    pub(crate) async fn update_decision(
        &self,
        actor: &Actor,
        id: LinkId,
        decision: Decision,
        now: Timestamp,
    ) -> Result<MatchLink> {
        let (_turn, mut tx) = self.begin_write().await?;
        // The audit head first (one lock order for every tracing write); it also
        // serialises decisions, so two candidates cannot both be confirmed.
        let mut audit = AuditWriter::begin(self, &mut tx).await?;
        let sql = format!(
            "SELECT record FROM match_links WHERE id = $1{}",
            self.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut link: MatchLink = decode("match link", &row)?;
        let from = link.state;
        if decision == Decision::Confirm {
            // One person has one confirmed link per request or list row.
            let taken = sqlx::query(
                "SELECT id FROM match_links WHERE subject_kind = $1 AND subject_key = $2 AND target_kind = $3 AND state = 'confirmed' AND id <> $4",
            )
            .bind(link.subject.kind())
            .bind(link.subject.key())
            .bind(link.target.kind())
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(DomainError::rule(
                    "state",
                    "another candidate is already confirmed for this record; undo that first",
                )
                .into());
            }
        }
        link.decide(decision, &actor.user, now)?;
        Self::update_link(&mut tx, &link).await?;
        let mut detail = link_detail(&link);
        detail["from"] = serde_json::json!(from.as_str());
        audit
            .append(
                &mut tx,
                actor,
                AuditAction::of_decision(decision),
                "match_link",
                &id.to_string(),
                detail,
                now,
            )
            .await?;
        audit.finish(&mut tx).await?;
        if let LinkSubject::Request { id } = link.subject {
            self.sync_request(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(link)
    }
}
