//! Media-access requests as stored: one JSON document per request, changed under the
//! writer turn with its audit event.

use repatria_core::{
    DomainError, MediaDecision, MediaRequest, MediaRequestId, MediaVisit, Timestamp,
};
use sqlx::Row;

use crate::sql::instant;
use crate::{Actor, AuditAction, Result, SqlStore, StoreError};

/// A change to a media-access request.
#[derive(Debug, Clone)]
pub enum MediaChange {
    Decide(MediaDecision),
    RecordVisit(MediaVisit),
}

fn decode(record: &str) -> Result<MediaRequest> {
    serde_json::from_str(record).map_err(|e| StoreError::Corrupt(format!("media request: {e}")))
}

fn encode(request: &MediaRequest) -> Result<String> {
    serde_json::to_string(request).map_err(|e| StoreError::Corrupt(format!("media request: {e}")))
}

impl SqlStore {
    pub(crate) async fn insert_media_request(
        &self,
        actor: &Actor,
        request: &MediaRequest,
        now: Timestamp,
    ) -> Result<()> {
        request.check()?;
        let (_turn, mut tx) = self.begin_write().await?;
        for (index, captive) in request.captives.iter().enumerate() {
            let found = sqlx::query("SELECT id FROM captives WHERE id = $1")
                .bind(captive.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(DomainError::invalid(
                    format!("captives[{index}]"),
                    "no captive with this id",
                )
                .into());
            }
        }
        let id = request.id.0.to_string();
        sqlx::query("INSERT INTO media_requests (id, journalist, created_at, record) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(&request.journalist)
            .bind(instant(now))
            .bind(encode(request)?)
            .execute(&mut *tx)
            .await?;
        let detail =
            serde_json::json!({ "journalist": request.journalist, "captives": request.captives });
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::MediaRequestCreate,
            "media_request",
            &id,
            detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn update_media_request(
        &self,
        actor: &Actor,
        id: MediaRequestId,
        change: MediaChange,
        now: Timestamp,
    ) -> Result<MediaRequest> {
        let (_turn, mut tx) = self.begin_write().await?;
        let sql = format!(
            "SELECT record FROM media_requests WHERE id = $1{}",
            self.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(id.0.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut request = decode(&row.try_get::<String, _>("record")?)?;
        let (action, detail) = match change {
            MediaChange::Decide(decision) => {
                let detail = serde_json::json!({
                    "approved": decision.approved,
                    "faces_blurred": decision.faces_blurred,
                    "names_withheld": decision.names_withheld,
                    "consent_recorded": decision.consent_recorded,
                });
                request.decide(decision)?;
                (AuditAction::MediaRequestDecide, detail)
            }
            MediaChange::RecordVisit(visit) => {
                let detail = serde_json::json!({ "captive": visit.captive });
                request.record_visit(visit)?;
                (AuditAction::MediaRequestVisit, detail)
            }
        };
        sqlx::query("UPDATE media_requests SET record = $1 WHERE id = $2")
            .bind(encode(&request)?)
            .bind(id.0.to_string())
            .execute(&mut *tx)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            action,
            "media_request",
            &id.0.to_string(),
            detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(request)
    }

    pub(crate) async fn select_media_requests(
        &self,
        journalist: Option<&str>,
    ) -> Result<Vec<MediaRequest>> {
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
        rows.iter()
            .map(|r| decode(&r.try_get::<String, _>("record")?))
            .collect()
    }
}
