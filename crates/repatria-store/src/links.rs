//! The links matching proposes, as stored (`match_links`, one JSON document per link).
//!
//! A link's pair (subject, target) is unique: once a person rejected it the row stays,
//! so the pair is never proposed again; recomputing candidates only replaces undecided
//! links. A request's candidates and status follow its links in the same transaction
//! ([`TracingRequest::sync_with_links`]).

use std::collections::{HashMap, HashSet};

use repatria_core::{
    Decision, DomainError, ImportId, LinkId, LinkState, LinkSubject, LinkTarget, MatchLink,
    Timestamp, TracingRequest, TracingRequestId,
};
use sqlx::{AnyConnection, Row};

use crate::document::{decode_row, decode_rows, encode, Column, Document};
use crate::sql::{instant, Sql};
use crate::tracing::ENTRY_BATCH;
use crate::write::Write;
use crate::{Actor, AuditAction, Page, PageAt, Result, Score, SqlStore, StoreError};

/// Which links to list; every field narrows the selection.
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    pub subject: Option<LinkSubject>,
    /// Links of the rows of one imported list.
    pub import: Option<ImportId>,
    pub target: Option<LinkTarget>,
    pub state: Option<LinkState>,
    /// At most this many, best score first (0: no limit); [`SqlStore::match_link_page`]
    /// pages instead.
    pub limit: u32,
}

/// The conditions of a filter (each `AND ...`), its limit aside.
fn link_filters(filter: &LinkFilter, sql: &mut Sql) {
    if let Some(subject) = &filter.subject {
        sql.push(" AND subject_kind = ")
            .param(subject.kind().to_string());
        sql.push(" AND subject_key = ").param(subject.key());
    }
    if let Some(import) = &filter.import {
        sql.push(" AND import_id = ").param(import.to_string());
    }
    if let Some(target) = &filter.target {
        sql.push(" AND target_kind = ")
            .param(target.kind().to_string());
        sql.push(" AND target_key = ").param(target.key());
    }
    if let Some(state) = &filter.state {
        sql.push(" AND state = ").param(state.as_str());
    }
}

impl Document for MatchLink {
    const TABLE: &'static str = "match_links";
    const WHAT: &'static str = "match link";
    const ENTITY: &'static str = "match_link";

    fn key(&self) -> String {
        self.id.to_string()
    }

    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("score", Column::Real(self.score)),
            ("state", Column::Text(Some(self.state.as_str().into()))),
        ]
    }
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

/// Inserts links of subjects that have none yet, many per statement.
pub(crate) async fn insert_new_links(conn: &mut AnyConnection, links: &[MatchLink]) -> Result<()> {
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
                .bind(encode(MatchLink::WHAT, link)?);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Brings a request's candidates and status in line with its links.
pub(crate) async fn sync_request(w: &mut Write<'_>, id: TracingRequestId) -> Result<()> {
    let mut request: TracingRequest = match w.load(&id.0.to_string()).await {
        Ok(request) => request,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    let rows = sqlx::query(
        "SELECT record FROM match_links WHERE subject_kind = 'request' AND subject_key = $1",
    )
    .bind(id.0.to_string())
    .fetch_all(w.conn())
    .await?;
    let links: Vec<MatchLink> = decode_rows(MatchLink::WHAT, &rows)?;
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
        w.save(&request).await?;
    }
    Ok(())
}

/// Records links (see [`SqlStore::propose_links`]) and appends one `match.propose` event
/// per subject, in the order of the subjects' keys.
async fn write_links(
    w: &mut Write<'_>,
    replace: Option<LinkSubject>,
    links: &[MatchLink],
) -> Result<Vec<MatchLink>> {
    let mut stored = Vec::with_capacity(links.len());
    let mut requests: HashSet<TracingRequestId> = HashSet::new();
    let mut proposed: HashSet<(String, String)> = HashSet::new();
    let mut per_subject: HashMap<LinkSubject, (usize, usize)> = HashMap::new();
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
            w.for_update()
        );
        let existing = sqlx::query(&sql)
            .bind(link.subject.kind())
            .bind(&subject)
            .bind(link.target.kind())
            .bind(&target)
            .fetch_optional(w.conn())
            .await?;
        let counts = per_subject.entry(link.subject).or_default();
        match existing {
            Some(row) => {
                let mut old: MatchLink = decode_row(MatchLink::WHAT, &row)?;
                // A link a person touched keeps its state: only the engine's own
                // proposals are revised.
                if !old.state.is_decided() && old.decided_by.is_none() {
                    old.score = link.score;
                    old.explanation = link.explanation.clone();
                    old.contributions = link.contributions.clone();
                    old.state = link.state;
                    w.save(&old).await?;
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
                .bind(encode(MatchLink::WHAT, link)?)
                .execute(w.conn())
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
        .fetch_all(w.conn())
        .await?;
        for row in rows {
            let link: MatchLink = decode_row(MatchLink::WHAT, &row)?;
            let decided = link.state.is_decided() || link.decided_by.is_some();
            let target = format!(
                "{}:{}",
                row.try_get::<String, _>("target_kind")?,
                row.try_get::<String, _>("target_key")?
            );
            if !decided && !proposed.contains(&(subject.key(), target)) {
                sqlx::query("DELETE FROM match_links WHERE id = $1")
                    .bind(row.try_get::<String, _>("id")?)
                    .execute(w.conn())
                    .await?;
                removed += 1;
            }
        }
        per_subject.entry(subject).or_default();
    }
    let mut subjects: Vec<_> = per_subject.into_iter().collect();
    subjects.sort_by_key(|(s, _)| s.key());
    for (subject, (linked, review)) in subjects {
        w.event(
            AuditAction::MatchPropose,
            subject.kind(),
            &subject.key(),
            serde_json::json!({ "linked": linked, "review": review, "removed": if Some(subject) == replace { removed } else { 0 } }),
        )
        .await?;
    }
    let mut requests: Vec<_> = requests.into_iter().collect();
    requests.sort();
    for id in requests {
        sync_request(w, id).await?;
    }
    Ok(stored)
}

impl SqlStore {
    /// Records links proposed by matching, and brings the requests concerned up to date.
    /// An existing pair keeps its row: links a person decided or sent back to review
    /// stay as they are; the engine's own proposals take the new score and state. With
    /// `replace`, the undecided links of that subject not proposed again are removed.
    pub async fn propose_links(
        &self,
        actor: &Actor,
        replace: Option<LinkSubject>,
        links: Vec<MatchLink>,
        now: Timestamp,
    ) -> Result<Vec<MatchLink>> {
        if replace.is_none() && links.is_empty() {
            // Nothing proposed and nothing to replace: nothing to write or audit.
            return Ok(Vec::new());
        }
        self.write(actor, now, async |w| write_links(w, replace, &links).await)
            .await
    }

    /// Links, best score first, narrowed by the filter.
    pub async fn match_links(&self, filter: &LinkFilter) -> Result<Vec<MatchLink>> {
        let mut sql = Sql::default();
        sql.push("SELECT record FROM match_links WHERE 1 = 1");
        link_filters(filter, &mut sql);
        sql.push(" ORDER BY score DESC, id");
        if filter.limit > 0 {
            sql.push(&format!(" LIMIT {}", filter.limit));
        }
        let rows = sql.query().fetch_all(&self.pool).await?;
        decode_rows(MatchLink::WHAT, &rows)
    }

    /// A page of the links the filter selects (its `limit` aside), best score first and
    /// by id among equal scores. The position is the score as stored and the id.
    pub async fn match_link_page(
        &self,
        filter: &LinkFilter,
        at: &PageAt<Score>,
    ) -> Result<Page<MatchLink>> {
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM match_links WHERE 1 = 1");
        link_filters(filter, &mut count);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let limit = at.size();
        let mut sql = Sql::default();
        sql.push("SELECT id, score, record FROM match_links WHERE 1 = 1");
        link_filters(filter, &mut sql);
        if let Some(after) = &at.after {
            sql.push(" AND (score < ")
                .real(after.score)
                .push(" OR (score = ")
                .real(after.score)
                .push(" AND id > ")
                .param(after.id.as_str())
                .push("))");
        }
        sql.push(&format!(" ORDER BY score DESC, id LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|row| {
                // The key as the database compares it: the score of the column, not the
                // document's (JSON need not give back the same last bit).
                let key = Score {
                    score: row.try_get("score")?,
                    id: row.try_get("id")?,
                };
                Ok((decode_row(MatchLink::WHAT, row)?, key))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::cut_keyed(items, total, limit))
    }

    /// How many links there are in each state (states with none left out).
    pub async fn match_link_counts(&self) -> Result<Vec<(LinkState, u64)>> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM match_links GROUP BY state ORDER BY state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                let state = state
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("match link state: {e}")))?;
                Ok((state, row.try_get::<i64, _>("n")? as u64))
            })
            .collect()
    }

    /// A person's decision on a link: confirm, reject or undo, audited with who and when.
    /// The audit head, taken first by every write, also serialises decisions, so two
    /// candidates cannot both be confirmed.
    pub async fn decide_link(
        &self,
        actor: &Actor,
        id: LinkId,
        decision: Decision,
        now: Timestamp,
    ) -> Result<MatchLink> {
        self.write(actor, now, async |w| {
            let mut link: MatchLink = w.load(&id.to_string()).await?;
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
                .fetch_optional(w.conn())
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
            w.save(&link).await?;
            let mut detail = link_detail(&link);
            detail["from"] = serde_json::json!(from.as_str());
            w.event(
                AuditAction::of_decision(decision),
                MatchLink::ENTITY,
                &id.to_string(),
                detail,
            )
            .await?;
            if let LinkSubject::Request { id } = link.subject {
                sync_request(w, id).await?;
            }
            Ok(link)
        })
        .await
    }
}
