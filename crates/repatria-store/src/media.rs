//! Media-access requests as stored: one JSON document per request (see `document.rs`),
//! changed with its audit event.

use repatria_core::{
    DomainError, MediaDecision, MediaRequest, MediaRequestId, MediaVisit, Timestamp,
};

use crate::document::{decode_row, decode_rows, encode, Column, Document};
use crate::page::time_page;
use crate::sql::{instant, Sql};
use crate::{Actor, At, AuditAction, Order, Page, PageAt, Result, SqlStore};

/// A change to a media-access request.
#[derive(Debug, Clone)]
pub enum MediaChange {
    Decide(MediaDecision),
    RecordVisit(MediaVisit),
}

impl Document for MediaRequest {
    const TABLE: &'static str = "media_requests";
    const WHAT: &'static str = "media request";
    const ENTITY: &'static str = "media_request";

    fn key(&self) -> String {
        self.id.0.to_string()
    }

    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
}

impl SqlStore {
    /// Records a media-access request; every captive it names must exist.
    pub async fn create_media_request(
        &self,
        actor: &Actor,
        request: MediaRequest,
        now: Timestamp,
    ) -> Result<()> {
        request.check()?;
        self.write(actor, now, async |w| {
            for (index, captive) in request.captives.iter().enumerate() {
                let found = sqlx::query("SELECT id FROM captives WHERE id = $1")
                    .bind(captive.to_string())
                    .fetch_optional(w.conn())
                    .await?;
                if found.is_none() {
                    return Err(DomainError::invalid(
                        format!("captives[{index}]"),
                        "no captive with this id",
                    )
                    .into());
                }
            }
            let id = request.key();
            sqlx::query("INSERT INTO media_requests (id, journalist, created_at, record) VALUES ($1, $2, $3, $4)")
                .bind(&id)
                .bind(&request.journalist)
                .bind(instant(now))
                .bind(encode(MediaRequest::WHAT, &request)?)
                .execute(w.conn())
                .await?;
            let detail = serde_json::json!({ "journalist": request.journalist, "captives": request.captives });
            w.event(AuditAction::MediaRequestCreate, MediaRequest::ENTITY, &id, detail)
                .await
        })
        .await
    }

    /// Decides a request or logs a visit, under the domain's rules (Art. 13).
    pub async fn change_media_request(
        &self,
        actor: &Actor,
        id: MediaRequestId,
        change: MediaChange,
        now: Timestamp,
    ) -> Result<MediaRequest> {
        self.write(actor, now, async |w| {
            w.change(
                &id.0.to_string(),
                |request: &mut MediaRequest| match change {
                    MediaChange::Decide(decision) => {
                        let detail = serde_json::json!({
                            "approved": decision.approved,
                            "faces_blurred": decision.faces_blurred,
                            "names_withheld": decision.names_withheld,
                            "consent_recorded": decision.consent_recorded,
                        });
                        request.decide(decision)?;
                        Ok((AuditAction::MediaRequestDecide, detail))
                    }
                    MediaChange::RecordVisit(visit) => {
                        let detail = serde_json::json!({ "captive": visit.captive });
                        request.record_visit(visit)?;
                        Ok((AuditAction::MediaRequestVisit, detail))
                    }
                },
            )
            .await
        })
        .await
    }

    /// All requests, or those of one journalist, oldest first.
    pub async fn media_requests(&self, journalist: Option<&str>) -> Result<Vec<MediaRequest>> {
        let rows = match journalist {
            Some(j) => sqlx::query(
                "SELECT record FROM media_requests WHERE journalist = $1 ORDER BY created_at, id",
            )
            .bind(j)
            .fetch_all(&self.pool)
            .await?,
            None => {
                sqlx::query("SELECT record FROM media_requests ORDER BY created_at, id")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        decode_rows(MediaRequest::WHAT, &rows)
    }

    /// A page of the requests, or of one journalist's, oldest first.
    pub async fn media_request_page(
        &self,
        journalist: Option<&str>,
        at: &PageAt<At>,
    ) -> Result<Page<MediaRequest>> {
        let filters = |sql: &mut Sql| {
            if let Some(j) = journalist {
                sql.push(" AND journalist = ").param(j);
            }
        };
        let read = |row: &sqlx::any::AnyRow| decode_row(MediaRequest::WHAT, row);
        time_page(
            self,
            "media_requests",
            "record",
            filters,
            Order::Ascending,
            at,
            read,
        )
        .await
    }
}
