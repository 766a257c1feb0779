//! Tracing requests and imported lists, as stored.
//!
//! Requests, imports and list rows are JSON documents beside the columns lists filter on
//! (see `document.rs`). A request's candidates and status follow its links in the same
//! transaction (`links.rs`).

use repatria_core::{
    ImportId, LinkSubject, ListEntry, ListImport, Timestamp, TracingAnswer, TracingRequest,
    TracingRequestId, TracingStatus,
};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::document::{decode_row, decode_rows, encode, Column, Document};
use crate::links::{insert_new_links, sync_request};
use crate::page::time_page;
use crate::sql::{instant, Sql};
use crate::{Actor, At, AuditAction, NewImport, Order, Page, PageAt, Result, SqlStore, StoreError};

/// A change to a tracing request made by a tracing officer.
#[derive(Debug, Clone)]
pub enum TracingChange {
    /// The answer given to the family: when, by whom, what.
    RecordAnswer(TracingAnswer),
    /// Closes the request (only once answered, Art. 122).
    Close,
}

/// Rows per multi-row `INSERT` of list entries.
pub(crate) const ENTRY_BATCH: usize = 200;

impl Document for TracingRequest {
    const TABLE: &'static str = "tracing_requests";
    const WHAT: &'static str = "tracing request";
    const ENTITY: &'static str = "tracing_request";

    fn key(&self) -> String {
        self.id.0.to_string()
    }

    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("status", Column::Text(Some(self.status.as_str().into()))),
            ("created_at", Column::Text(Some(instant(self.created_at)))),
        ]
    }
}

/// Inserts a new request.
async fn insert_request(conn: &mut AnyConnection, request: &TracingRequest) -> Result<()> {
    sqlx::query(
        "INSERT INTO tracing_requests (status, created_at, record, id) VALUES ($1, $2, $3, $4)",
    )
    .bind(request.status.as_str())
    .bind(instant(request.created_at))
    .bind(encode(TracingRequest::WHAT, request)?)
    .bind(request.key())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl SqlStore {
    /// Records a tracing request.
    pub async fn create_tracing_request(
        &self,
        actor: &Actor,
        request: TracingRequest,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            insert_request(w.conn(), &request).await?;
            w.event(
                AuditAction::TracingRequestCreate,
                TracingRequest::ENTITY,
                &request.key(),
                serde_json::json!({ "consent_to_matching": request.consent_to_matching }),
            )
            .await
        })
        .await
    }

    /// One request; `NotFound` for an unknown id.
    pub async fn get_tracing_request(&self, id: TracingRequestId) -> Result<TracingRequest> {
        let row = sqlx::query("SELECT record FROM tracing_requests WHERE id = $1")
            .bind(id.0.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_row(TracingRequest::WHAT, &row)
    }

    /// Requests, oldest first, optionally in one status.
    pub async fn tracing_requests(
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
        decode_rows(TracingRequest::WHAT, &rows)
    }

    /// A page of the requests, oldest first, optionally in one status.
    pub async fn tracing_request_page(
        &self,
        status: Option<TracingStatus>,
        at: &PageAt<At>,
    ) -> Result<Page<TracingRequest>> {
        let filters = |sql: &mut Sql| {
            if let Some(status) = status {
                sql.push(" AND status = ").param(status.as_str());
            }
        };
        let read = |row: &AnyRow| decode_row(TracingRequest::WHAT, row);
        time_page(
            self,
            "tracing_requests",
            "record",
            filters,
            Order::Ascending,
            at,
            read,
        )
        .await
    }

    /// How many requests there are in each status (those with none left out).
    pub async fn tracing_request_counts(&self) -> Result<Vec<(TracingStatus, u64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM tracing_requests GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                let status: String = row.try_get("status")?;
                let status = status
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("tracing request status: {e}")))?;
                Ok((status, row.try_get::<i64, _>("n")? as u64))
            })
            .collect()
    }

    /// Records an answer or closes a request, under the domain's rules.
    pub async fn change_tracing_request(
        &self,
        actor: &Actor,
        id: TracingRequestId,
        change: TracingChange,
        now: Timestamp,
    ) -> Result<TracingRequest> {
        self.write(actor, now, async |w| {
            w.change(
                &id.0.to_string(),
                |request: &mut TracingRequest| match change {
                    TracingChange::RecordAnswer(answer) => {
                        let detail =
                            serde_json::json!({ "answered_at": answer.at, "by": answer.by });
                        request.record_answer(answer)?;
                        Ok((AuditAction::TracingRequestAnswer, detail))
                    }
                    TracingChange::Close => {
                        request.close()?;
                        Ok((AuditAction::TracingRequestClose, serde_json::json!({})))
                    }
                },
            )
            .await
        })
        .await
    }

    /// The import of the file with this content hash, if any.
    pub async fn find_import(&self, content_hash: &str) -> Result<Option<ListImport>> {
        let row = sqlx::query("SELECT record FROM list_imports WHERE content_hash = $1")
            .bind(content_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| decode_row("list import", &row)).transpose()
    }

    /// One import; `NotFound` for an unknown id.
    pub async fn get_import(&self, id: ImportId) -> Result<ListImport> {
        let row = sqlx::query("SELECT record FROM list_imports WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_row("list import", &row)
    }

    /// Every import, oldest first.
    pub async fn imports(&self) -> Result<Vec<ListImport>> {
        let rows = sqlx::query("SELECT record FROM list_imports ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        decode_rows("list import", &rows)
    }

    /// A page of the imports, newest first.
    pub async fn import_page(&self, at: &PageAt<At>) -> Result<Page<ListImport>> {
        let filters = |_: &mut Sql| {};
        let read = |row: &AnyRow| decode_row("list import", row);
        time_page(
            self,
            "list_imports",
            "record",
            filters,
            Order::Descending,
            at,
            read,
        )
        .await
    }

    /// The rows of one imported list, by line.
    pub async fn list_entries(&self, id: ImportId) -> Result<Vec<ListEntry>> {
        let rows =
            sqlx::query("SELECT record FROM list_entries WHERE import_id = $1 ORDER BY line")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
        decode_rows("list entry", &rows)
    }

    /// Stores an imported file with its rows, the requests it creates and the links
    /// found for them, atomically. `Conflict` when the same file was imported before.
    pub async fn import_list(
        &self,
        actor: &Actor,
        import: NewImport,
        now: Timestamp,
    ) -> Result<()> {
        let NewImport {
            import,
            entries,
            requests,
            links,
        } = import;
        self.write(actor, now, async |w| {
            // Under the audit head's lock, so that of two imports of one file the second
            // sees the first.
            let taken = sqlx::query("SELECT id FROM list_imports WHERE content_hash = $1")
                .bind(&import.content_hash)
                .fetch_optional(w.conn())
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(
                    "this file was imported before".to_string(),
                ));
            }
            let id = import.id.to_string();
            sqlx::query(
                "INSERT INTO list_imports (id, content_hash, created_at, record, exchange_id) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(&import.content_hash)
            .bind(instant(import.created_at))
            .bind(encode("list import", &import)?)
            .bind(import.exchange.map(|e| e.to_string()))
            .execute(w.conn())
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
                query.execute(w.conn()).await?;
            }
            w.event(
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
            )
            .await?;
            for request in &requests {
                insert_request(w.conn(), request).await?;
                w.event(
                    AuditAction::TracingRequestImport,
                    TracingRequest::ENTITY,
                    &request.key(),
                    serde_json::json!({ "import": id, "consent_to_matching": request.consent_to_matching }),
                )
                .await?;
            }
            // The rows and requests are new, so are their links: inserted in batches,
            // counted in the `list.import` event above.
            insert_new_links(w.conn(), &links).await?;
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
                sync_request(w, id).await?;
            }
            Ok(())
        })
        .await
    }
}
