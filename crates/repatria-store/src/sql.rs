//! The [`Store`] operations in the SQL both backends share.

use async_trait::async_trait;
use chrono::SecondsFormat;
use repatria_core::{
    fold_for_search, Captive, CaptiveId, DomainError, EventId, NewCaptive, Party, PartyCode,
    Timestamp,
};
use sqlx::AnyConnection;
use sqlx::Row;

use crate::audit::{AuditAction, AuditEvent, ChainVerifier, VerifyReport};
use crate::{
    Actor, Backend, CaptiveChange, CaptiveQuery, Page, Result, SqlStore, Store, StoreError,
};

/// Instants as stored: RFC 3339 UTC with microseconds, so that text order is time order.
pub(crate) fn instant(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Where the audit chain stands inside one write transaction.
pub(crate) struct AuditWriter {
    seq: u64,
    hash: String,
}

impl AuditWriter {
    pub(crate) async fn begin(store: &SqlStore, conn: &mut AnyConnection) -> Result<AuditWriter> {
        let sql = format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{}",
            store.for_update()
        );
        let row = sqlx::query(&sql).fetch_one(&mut *conn).await?;
        Ok(AuditWriter {
            seq: row.try_get::<i64, _>("seq")? as u64,
            hash: row.try_get("hash")?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn append(
        &mut self,
        conn: &mut AnyConnection,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        let mut event = AuditEvent {
            seq: self.seq + 1,
            at: instant(now),
            actor: actor.user.clone(),
            action: action.as_str().to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            request_id: actor.request_id.clone(),
            detail: detail.to_string(),
            prev_hash: self.hash.clone(),
            hash: String::new(),
        };
        event.hash = event.compute_hash();
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event.seq as i64)
        .bind(&event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.entity_type)
        .bind(&event.entity_id)
        .bind(&event.request_id)
        .bind(&event.detail)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .execute(&mut *conn)
        .await?;
        self.seq = event.seq;
        self.hash = event.hash;
        Ok(())
    }

    pub(crate) async fn finish(self, conn: &mut AnyConnection) -> Result<()> {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(self.seq as i64)
            .bind(&self.hash)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

fn decode_captive(record: &str) -> Result<Captive> {
    serde_json::from_str(record).map_err(|e| StoreError::Corrupt(format!("captive record: {e}")))
}

fn encode_captive(captive: &Captive) -> Result<String> {
    serde_json::to_string(captive).map_err(|e| StoreError::Corrupt(format!("captive record: {e}")))
}

/// A query under construction, numbering its `$n` parameters.
#[derive(Default)]
struct Sql {
    text: String,
    params: Vec<String>,
}

impl Sql {
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn param(&mut self, value: impl Into<String>) -> &mut Self {
        self.params.push(value.into());
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for p in &self.params {
            query = query.bind(p.as_str());
        }
        query
    }
}

/// The greatest code point: `prefix || MAX` bounds, from above, every word that starts
/// with `prefix` in byte order (SQLite's and the "C" collation's order).
const AFTER_PREFIX: char = char::MAX;

/// Query words for name search: folded like the stored tokens, at most eight.
fn query_words(name: &str) -> Vec<String> {
    fold_for_search(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(String::from)
        .collect()
}

impl SqlStore {
    /// Appends one audit event inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_in(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        let mut audit = AuditWriter::begin(self, conn).await?;
        audit
            .append(conn, actor, action, entity_type, entity_id, detail, now)
            .await?;
        audit.finish(conn).await
    }

    /// Checks that both parties of a captive exist, naming the field of each missing
    /// one. `known` remembers codes already found, so that a bulk import asks once per
    /// party rather than once per record.
    async fn check_parties_exist(
        &self,
        conn: &mut AnyConnection,
        power_of_origin: &PartyCode,
        detaining_power: &PartyCode,
        known: &mut std::collections::HashSet<PartyCode>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (field, code) in [
            ("power_of_origin", power_of_origin),
            ("detaining_power", detaining_power),
        ] {
            if known.contains(code) {
                continue;
            }
            let found = sqlx::query("SELECT code FROM parties WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *conn)
                .await?;
            if found.is_some() {
                known.insert(code.clone());
            } else {
                errors.push(repatria_core::FieldError::new(
                    field,
                    format!("no party with code {code} exists; create it first"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors).into())
        }
    }

    async fn insert_captive(&self, conn: &mut AnyConnection, captive: &Captive) -> Result<()> {
        sqlx::query(
            "INSERT INTO captives (id, power_of_origin, detaining_power, status, health, captured_at, created_at, updated_at, record) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(captive.id.to_string())
        .bind(captive.power_of_origin.as_str())
        .bind(captive.detaining_power.as_str())
        .bind(captive.status().as_str())
        .bind(captive.current_health().map(|h| h.category.as_str()))
        .bind(instant(captive.capture.captured_at))
        .bind(instant(captive.created_at))
        .bind(instant(captive.updated_at))
        .bind(encode_captive(captive)?)
        .execute(&mut *conn)
        .await?;
        self.write_tokens(conn, captive).await
    }

    async fn write_tokens(&self, conn: &mut AnyConnection, captive: &Captive) -> Result<()> {
        let id = captive.id.to_string();
        sqlx::query("DELETE FROM captive_name_tokens WHERE captive_id = $1")
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        let tokens = captive.search_tokens();
        for chunk in tokens.chunks(100) {
            let mut sql = Sql::default();
            sql.push("INSERT INTO captive_name_tokens (token, captive_id) VALUES ");
            for (i, token) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .param(token.as_str())
                    .push(", ")
                    .param(id.as_str())
                    .push(")");
            }
            sql.query().execute(&mut *conn).await?;
        }
        Ok(())
    }

    fn filters(query: &CaptiveQuery, sql: &mut Sql) {
        sql.push(" WHERE 1 = 1");
        if let Some(status) = query.status {
            sql.push(" AND c.status = ").param(status.as_str());
        }
        if let Some(code) = &query.power_of_origin {
            sql.push(" AND c.power_of_origin = ").param(code.as_str());
        }
        if let Some(code) = &query.detaining_power {
            sql.push(" AND c.detaining_power = ").param(code.as_str());
        }
        for word in query.name.as_deref().map(query_words).unwrap_or_default() {
            let upper = format!("{word}{AFTER_PREFIX}");
            sql.push(" AND c.id IN (SELECT captive_id FROM captive_name_tokens WHERE token >= ")
                .param(word)
                .push(" AND token < ")
                .param(upper)
                .push(")");
        }
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn create_party(&self, actor: &Actor, party: Party, now: Timestamp) -> Result<Party> {
        let (_turn, mut tx) = self.begin_write().await?;
        let exists = sqlx::query("SELECT code FROM parties WHERE code = $1")
            .bind(party.code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a party with code {} exists already",
                party.code
            )));
        }
        sqlx::query("INSERT INTO parties (code, name, created_at) VALUES ($1, $2, $3)")
            .bind(party.code.as_str())
            .bind(&party.name)
            .bind(instant(now))
            .execute(&mut *tx)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PartyCreate,
            "party",
            party.code.as_str(),
            serde_json::json!({ "name": party.name }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(party)
    }

    async fn list_parties(&self) -> Result<Vec<Party>> {
        let rows = sqlx::query("SELECT code, name FROM parties ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let code: String = row.try_get("code")?;
                Ok(Party {
                    code: PartyCode::parse(&code)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    async fn create_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        capture_event: EventId,
        new: NewCaptive,
        now: Timestamp,
    ) -> Result<Captive> {
        let (_turn, mut tx) = self.begin_write().await?;
        self.check_parties_exist(
            &mut tx,
            &new.power_of_origin,
            &new.detaining_power,
            &mut Default::default(),
        )
        .await?;
        let captive = Captive::open(id, new, capture_event, &actor.user, now)?;
        self.insert_captive(&mut tx, &captive).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CaptiveCreate,
            "captive",
            &id.to_string(),
            create_detail(&captive),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(captive)
    }

    async fn import_captives(
        &self,
        actor: &Actor,
        captives: Vec<Captive>,
        now: Timestamp,
    ) -> Result<usize> {
        let (_turn, mut tx) = self.begin_write().await?;
        let mut audit = AuditWriter::begin(self, &mut tx).await?;
        let mut known_parties = std::collections::HashSet::new();
        for (index, captive) in captives.iter().enumerate() {
            self.check_parties_exist(
                &mut tx,
                &captive.power_of_origin,
                &captive.detaining_power,
                &mut known_parties,
            )
            .await
            .map_err(|error| match error {
                StoreError::Domain(DomainError::Invalid(errors)) => {
                    StoreError::Domain(DomainError::Invalid(
                        errors
                            .into_iter()
                            .map(|e| e.within(&format!("records[{index}]")))
                            .collect(),
                    ))
                }
                other => other,
            })?;
            self.insert_captive(&mut tx, captive).await?;
            audit
                .append(
                    &mut tx,
                    actor,
                    AuditAction::CaptiveImport,
                    "captive",
                    &captive.id.to_string(),
                    create_detail(captive),
                    now,
                )
                .await?;
        }
        audit.finish(&mut tx).await?;
        tx.commit().await?;
        Ok(captives.len())
    }

    async fn get_captive(&self, id: CaptiveId) -> Result<Captive> {
        let row = sqlx::query("SELECT record FROM captives WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_captive(&row.try_get::<String, _>("record")?)
    }

    async fn get_captives(&self, ids: &[CaptiveId]) -> Result<Vec<Captive>> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = Sql::default();
            sql.push("SELECT record FROM captives WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.param(id.to_string());
            }
            sql.push(")");
            for row in sql.query().fetch_all(&self.pool).await? {
                let captive = decode_captive(&row.try_get::<String, _>("record")?)?;
                found.insert(captive.id, captive);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    async fn list_captives(&self, query: &CaptiveQuery) -> Result<Page<Captive>> {
        let limit = query.limit.clamp(1, 500);
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM captives c");
        Self::filters(query, &mut count);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let mut list = Sql::default();
        list.push("SELECT c.id, c.record FROM captives c");
        Self::filters(query, &mut list);
        if let Some(cursor) = &query.cursor {
            list.push(" AND c.id > ").param(cursor.as_str());
        }
        list.push(&format!(" ORDER BY c.id LIMIT {}", limit + 1));
        let rows = list.query().fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(|row| decode_captive(&row.try_get::<String, _>("record")?))
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|c| c.id.to_string())
        } else {
            None
        };
        Ok(Page {
            items,
            total: total as u64,
            next,
        })
    }

    async fn change_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        change: CaptiveChange,
        now: Timestamp,
    ) -> Result<Captive> {
        let (_turn, mut tx) = self.begin_write().await?;
        let sql = format!(
            "SELECT record FROM captives WHERE id = $1{}",
            self.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut captive = decode_captive(&row.try_get::<String, _>("record")?)?;
        let action = change.action();
        let detail = change.audit_detail();
        let names_changed = matches!(change, CaptiveChange::AddIdentityClaim(_));
        change.apply(&mut captive, now)?;
        sqlx::query("UPDATE captives SET status = $1, health = $2, updated_at = $3, record = $4 WHERE id = $5")
            .bind(captive.status().as_str())
            .bind(captive.current_health().map(|h| h.category.as_str()))
            .bind(instant(captive.updated_at))
            .bind(encode_captive(&captive)?)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if names_changed {
            self.write_tokens(&mut tx, &captive).await?;
        }
        self.audit_in(
            &mut tx,
            actor,
            action,
            "captive",
            &id.to_string(),
            detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(captive)
    }

    async fn create_user(&self, actor: &Actor, user: crate::User, now: Timestamp) -> Result<()> {
        self.insert_user(actor, &user, now).await
    }

    async fn get_user(&self, username: &str) -> Result<Option<crate::User>> {
        self.select_user(username).await
    }

    async fn list_users(&self) -> Result<Vec<crate::User>> {
        self.select_users().await
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<crate::User> {
        self.update_user_disabled(actor, username, disabled, now)
            .await
    }

    async fn create_credential(
        &self,
        actor: &Actor,
        credential: crate::Credential,
        now: Timestamp,
    ) -> Result<()> {
        self.insert_credential(actor, &credential, now).await
    }

    async fn find_credential(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(crate::Credential, crate::User)>> {
        self.select_credential(token_hash, now).await
    }

    async fn revoke_credential(
        &self,
        actor: &Actor,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.update_revoke(actor, token_hash, now).await
    }

    async fn list_tokens(&self, username: &str, now: Timestamp) -> Result<Vec<crate::Credential>> {
        self.select_tokens(username, now).await
    }

    async fn revoke_token(
        &self,
        actor: &Actor,
        username: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.update_revoke_token(actor, username, id, now).await
    }

    async fn touch_credential(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        self.update_last_used(token_hash, now).await
    }

    async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        change: crate::PasswordChange,
        now: Timestamp,
    ) -> Result<u64> {
        self.update_password(actor, username, password_hash, &change, now)
            .await
    }

    async fn count_login_attempt(
        &self,
        buckets: &[String],
        window: chrono::Duration,
        now: Timestamp,
    ) -> Result<Vec<crate::AttemptCount>> {
        self.upsert_login_attempts(buckets, window, now).await
    }

    async fn login_succeeded(&self, cleared: &[String], refunded: &[String]) -> Result<()> {
        self.delete_login_attempts(cleared, refunded).await
    }

    async fn purge_login_attempts(&self, before: Timestamp) -> Result<u64> {
        self.delete_old_login_attempts(before).await
    }

    async fn account_login_attempts(&self, since: Timestamp) -> Result<Vec<crate::AttemptCount>> {
        self.select_login_attempts(since).await
    }

    async fn audit_login_refusal(
        &self,
        actor: &Actor,
        attempted: &str,
        lockout: Option<&str>,
        client: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        self.insert_login_refusal(actor, attempted, lockout, client, now)
            .await
    }

    async fn totp(&self, username: &str) -> Result<Option<crate::TotpState>> {
        self.select_totp(username).await
    }

    async fn change_totp(
        &self,
        actor: &Actor,
        username: &str,
        change: crate::TotpChange,
        now: Timestamp,
    ) -> Result<()> {
        self.update_totp(actor, username, &change, now).await
    }

    async fn use_totp_step(&self, username: &str, step: i64) -> Result<bool> {
        self.update_totp_step(username, step).await
    }

    async fn unlock_user(
        &self,
        actor: &Actor,
        username: &str,
        bucket: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.delete_account_lock(actor, username, bucket, now).await
    }

    async fn create_media_request(
        &self,
        actor: &Actor,
        request: repatria_core::MediaRequest,
        now: Timestamp,
    ) -> Result<()> {
        self.insert_media_request(actor, &request, now).await
    }

    async fn change_media_request(
        &self,
        actor: &Actor,
        id: repatria_core::MediaRequestId,
        change: crate::MediaChange,
        now: Timestamp,
    ) -> Result<repatria_core::MediaRequest> {
        self.update_media_request(actor, id, change, now).await
    }

    async fn media_requests(
        &self,
        journalist: Option<&str>,
    ) -> Result<Vec<repatria_core::MediaRequest>> {
        self.select_media_requests(journalist).await
    }

    async fn all_captives(&self) -> Result<Vec<Captive>> {
        let rows = sqlx::query("SELECT record FROM captives ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| decode_captive(&row.try_get::<String, _>("record")?))
            .collect()
    }

    async fn registry_version(&self) -> Result<(u64, Option<String>)> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(updated_at) AS last FROM captives")
            .fetch_one(&self.pool)
            .await?;
        let count: i64 = row.try_get("n")?;
        Ok((count as u64, row.try_get("last")?))
    }

    async fn create_tracing_request(
        &self,
        actor: &Actor,
        request: repatria_core::TracingRequest,
        now: Timestamp,
    ) -> Result<()> {
        self.insert_tracing_request(actor, &request, now).await
    }

    async fn get_tracing_request(
        &self,
        id: repatria_core::TracingRequestId,
    ) -> Result<repatria_core::TracingRequest> {
        self.select_tracing_request(id).await
    }

    async fn tracing_requests(
        &self,
        status: Option<repatria_core::TracingStatus>,
    ) -> Result<Vec<repatria_core::TracingRequest>> {
        self.select_tracing_requests(status).await
    }

    async fn change_tracing_request(
        &self,
        actor: &Actor,
        id: repatria_core::TracingRequestId,
        change: crate::TracingChange,
        now: Timestamp,
    ) -> Result<repatria_core::TracingRequest> {
        self.update_tracing_request(actor, id, change, now).await
    }

    async fn find_import(&self, content_hash: &str) -> Result<Option<repatria_core::ListImport>> {
        self.select_import_by_hash(content_hash).await
    }

    async fn get_import(&self, id: repatria_core::ImportId) -> Result<repatria_core::ListImport> {
        self.select_import(id).await
    }

    async fn imports(&self) -> Result<Vec<repatria_core::ListImport>> {
        self.select_imports().await
    }

    async fn list_entries(
        &self,
        id: repatria_core::ImportId,
    ) -> Result<Vec<repatria_core::ListEntry>> {
        self.select_entries(id).await
    }

    async fn import_list(
        &self,
        actor: &Actor,
        import: crate::NewImport,
        now: Timestamp,
    ) -> Result<()> {
        self.insert_import(
            actor,
            &import.import,
            &import.entries,
            &import.requests,
            &import.links,
            now,
        )
        .await
    }

    async fn propose_links(
        &self,
        actor: &Actor,
        replace: Option<repatria_core::LinkSubject>,
        links: Vec<repatria_core::MatchLink>,
        now: Timestamp,
    ) -> Result<Vec<repatria_core::MatchLink>> {
        self.propose(actor, replace, &links, now).await
    }

    async fn match_links(
        &self,
        filter: &crate::LinkFilter,
    ) -> Result<Vec<repatria_core::MatchLink>> {
        self.select_links(filter).await
    }

    async fn decide_link(
        &self,
        actor: &Actor,
        id: repatria_core::LinkId,
        decision: repatria_core::Decision,
        now: Timestamp,
    ) -> Result<repatria_core::MatchLink> {
        self.update_decision(actor, id, decision, now).await
    }

    async fn record_read(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        self.audit_in(&mut tx, actor, action, entity_type, entity_id, detail, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_events(&self, filter: &crate::AuditFilter) -> Result<Vec<AuditEvent>> {
        let mut sql = Sql::default();
        sql.push("SELECT seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash FROM audit_events WHERE seq > ");
        sql.push(&(filter.after_seq.min(i64::MAX as u64) as i64).to_string());
        if let Some((kind, id)) = &filter.entity {
            sql.push(" AND entity_type = ")
                .param(kind.as_str())
                .push(" AND entity_id = ")
                .param(id.as_str());
        }
        if let Some(actor) = &filter.actor {
            sql.push(" AND actor = ").param(actor.as_str());
        }
        if let Some(prefix) = &filter.action_prefix {
            let upper = format!("{prefix}{AFTER_PREFIX}");
            sql.push(" AND action >= ")
                .param(prefix.as_str())
                .push(" AND action < ")
                .param(upper);
        }
        sql.push(&format!(
            " ORDER BY seq LIMIT {}",
            filter.limit.clamp(1, 10_000)
        ));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(audit_event).collect()
    }

    async fn verify_audit(&self) -> Result<VerifyReport> {
        // One read transaction, so that writers running meanwhile cannot make the head
        // and the events disagree.
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let mut verifier = ChainVerifier::default();
        let mut after: i64 = 0;
        'pages: loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash \
                 FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let event = audit_event(row)?;
                after = event.seq as i64;
                if !verifier.push(&event) {
                    break 'pages;
                }
            }
        }
        tx.rollback().await?;
        Ok(verifier.finish(
            head.try_get::<i64, _>("seq")? as u64,
            &head.try_get::<String, _>("hash")?,
        ))
    }

    async fn audit_chain_hashes(&self, up_to: Option<u64>) -> Result<Vec<[u8; 32]>> {
        use futures_util::TryStreamExt;
        let limit = up_to.map_or(i64::MAX, |n| n.min(i64::MAX as u64) as i64);
        let mut rows =
            sqlx::query("SELECT seq, hash FROM audit_events WHERE seq <= $1 ORDER BY seq")
                .bind(limit)
                .fetch(&self.pool);
        let mut hashes = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let seq = row.try_get::<i64, _>("seq")?;
            if seq != hashes.len() as i64 + 1 {
                return Err(StoreError::Corrupt(format!(
                    "audit event {seq} found where {} was expected",
                    hashes.len() + 1
                )));
            }
            let hash: String = row.try_get("hash")?;
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(&hash, &mut bytes).map_err(|_| {
                StoreError::Corrupt(format!("audit event {seq} has a malformed hash"))
            })?;
            hashes.push(bytes);
        }
        Ok(hashes)
    }
}

fn audit_event(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        request_id: row.try_get("request_id")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The audit detail of a new record: its parties and the sources of its claims.
fn create_detail(captive: &Captive) -> serde_json::Value {
    serde_json::json!({
        "power_of_origin": captive.power_of_origin,
        "detaining_power": captive.detaining_power,
        "claims": captive.claims.iter().map(|c| serde_json::json!({ "claim_id": c.id, "source": c.source })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_fold_like_the_stored_tokens() {
        assert_eq!(query_words("  ШЕВЧЕНКО, Тарас "), vec!["шевченко", "тарас"]);
        assert_eq!(query_words("Dvořák"), vec!["dvorak"]);
        assert!(query_words("--").is_empty());
    }
}
