//! The only ways to write: [`SqlStore::write`] for every change, which commits only
//! together with its audit events, and [`SqlStore::housekeeping`] for the few counters
//! that are deliberately not audited. Nothing else in the store begins a write
//! transaction (`xtask tidy` checks that `begin_write` and `.begin()` appear only here).
//!
//! One lock order for every audited write: the writer's turn (SQLite), then the audit
//! head's row (`FOR UPDATE` on PostgreSQL), then whatever rows the change locks. Since
//! every audited write takes the head first, writers on PostgreSQL queue on that one row
//! and cannot deadlock on the rows behind it.

use repatria_core::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::audit::{AuditAction, AuditEvent};
use crate::sql::instant;
use crate::{Actor, Backend, Result, SqlStore, StoreError};

type Turn<'a> = Option<tokio::sync::MutexGuard<'a, ()>>;
type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// One audited write in progress: its transaction, and where the audit chain stands in
/// it. Handed to the change by [`SqlStore::write`]; events appended with
/// [`Write::event`] are stamped with the write's actor and time.
pub(crate) struct Write<'a> {
    store: &'a SqlStore,
    actor: &'a Actor,
    now: Timestamp,
    tx: Transaction,
    /// The newest event's number and hash (the head as it will be written).
    seq: u64,
    hash: String,
    appended: u64,
}

impl Write<'_> {
    /// The transaction's connection, for the change's statements.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The store this write belongs to.
    pub(crate) fn store(&self) -> &SqlStore {
        self.store
    }

    /// The time of this write.
    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// Who writes.
    pub(crate) fn actor(&self) -> &Actor {
        self.actor
    }

    /// `FOR UPDATE` where the database has row locks.
    pub(crate) fn for_update(&self) -> &'static str {
        self.store.for_update()
    }

    /// Appends one audit event to the chain, in this write's transaction.
    pub(crate) async fn event(
        &mut self,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut event = AuditEvent {
            seq: self.seq + 1,
            at: instant(self.now),
            actor: self.actor.user.clone(),
            action: action.as_str().to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            request_id: self.actor.request_id.clone(),
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
        .execute(&mut *self.tx)
        .await?;
        self.seq = event.seq;
        self.hash = event.hash;
        self.appended += 1;
        Ok(())
    }
}

impl SqlStore {
    /// Runs one audited write: takes the writer's turn, begins the transaction, locks the
    /// audit head first, runs `change`, then writes the head and commits. The change
    /// appends its events with [`Write::event`]; a change that appended none is refused
    /// ([`StoreError::Unaudited`]) and nothing of it is kept. When the change fails the
    /// transaction is rolled back before the writer's turn is released.
    pub(crate) async fn write<T>(
        &self,
        actor: &Actor,
        now: Timestamp,
        change: impl AsyncFnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let (_turn, mut tx) = self.begin_write().await?;
        let head = sqlx::query(&format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{}",
            self.for_update()
        ))
        .fetch_one(&mut *tx)
        .await?;
        let mut write = Write {
            store: self,
            actor,
            now,
            tx,
            seq: head.try_get::<i64, _>("seq")? as u64,
            hash: head.try_get("hash")?,
            appended: 0,
        };
        let value = match change(&mut write).await {
            Ok(_) if write.appended == 0 => Err(StoreError::Unaudited),
            outcome => outcome,
        };
        let value = match value {
            Ok(value) => value,
            Err(error) => {
                // Rolled back before the writer's turn is given up: the next writer never
                // meets this one's lock (a dropped transaction rolls back only later).
                let _ = write.tx.rollback().await;
                return Err(error);
            }
        };
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(write.seq as i64)
            .bind(&write.hash)
            .execute(&mut *write.tx)
            .await?;
        write.tx.commit().await?;
        Ok(value)
    }

    /// Runs a write that is deliberately not audited, under the writer's turn, and
    /// commits it. Only bookkeeping that is no record of anything goes here:
    ///
    /// - login attempt counters (counting an attempt, clearing or refunding buckets
    ///   after a successful login, purging expired windows): they are counters that
    ///   every login touches, and the refusals they cause are audited
    ///   (`login.failure`, `login.lockout`), as is an administrator's unlock;
    /// - a credential's last use (the idle timeout of sessions): written at most once a
    ///   minute per session and changes no record;
    /// - the time step of the last accepted one-time code (replay protection): part of
    ///   a login, which is audited itself.
    ///
    /// It does not take the audit head, so it never waits for audited writers on
    /// PostgreSQL.
    pub(crate) async fn housekeeping<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let (_turn, mut tx) = self.begin_write().await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Loads a restore: `work` in one write transaction without audit events, because it
    /// writes the audit log itself (copied from the backup, verified after). Used only by
    /// `SqlStore::restore`, into an empty database.
    pub(crate) async fn bulk_load<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let (_turn, mut tx) = self.begin_write().await?;
        match work(&mut tx).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                // At once, not when the connection is next used: a refused restore must
                // hold no lock (a schema being dropped would wait for it).
                tx.rollback().await?;
                Err(error)
            }
        }
    }

    /// Runs `read` in one read transaction, so that writers running meanwhile cannot
    /// make its queries disagree (repeatable read on PostgreSQL; SQLite's read
    /// transactions are snapshots). Always rolled back: nothing read here is written.
    pub(crate) async fn snapshot<T>(
        &self,
        read: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let value = read(&mut tx).await?;
        tx.rollback().await?;
        Ok(value)
    }

    /// Begins a write transaction, first taking the writer's turn where the database
    /// needs one; keep the guard alive until the transaction has committed. Private to
    /// this module: [`SqlStore::write`] and [`SqlStore::housekeeping`] are the only
    /// callers.
    async fn begin_write(&self) -> Result<(Turn<'_>, Transaction)> {
        let turn = match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        };
        Ok((turn, self.pool.begin().await?))
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::TestStore;

    fn now() -> Timestamp {
        use chrono::TimeZone;
        chrono::Utc.with_ymd_and_hms(2025, 1, 28, 0, 0, 0).unwrap()
    }

    async fn parties(store: &SqlStore) -> Vec<String> {
        store
            .list_parties()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.code.to_string())
            .collect()
    }

    async fn events(store: &SqlStore) -> u64 {
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.broken, None);
        report.events_checked
    }

    async fn insert_party(w: &mut Write<'_>, code: &str) -> Result<()> {
        sqlx::query("INSERT INTO parties (code, name, created_at) VALUES ($1, $2, $3)")
            .bind(code)
            .bind("A party")
            .bind(instant(now()))
            .execute(w.conn())
            .await?;
        Ok(())
    }

    /// A party and its audit event, as the store's own writes make them.
    async fn create_party(w: &mut Write<'_>, code: &str) -> Result<()> {
        insert_party(w, code).await?;
        w.event(
            AuditAction::PartyCreate,
            "party",
            code,
            serde_json::json!({}),
        )
        .await
    }

    async fn a_write_commits_its_change_with_its_events_in_order(db: &TestStore) {
        let store: &SqlStore = &db.store;
        {
            let actor = Actor::new("registrar-1").with_request("req-9");
            let value = store
                .write(&actor, now(), async |w| {
                    create_party(w, "AA").await?;
                    create_party(w, "BB").await?;
                    Ok(7)
                })
                .await
                .unwrap();
            assert_eq!(value, 7);
            assert_eq!(parties(store).await, ["AA", "BB"]);
            assert_eq!(events(store).await, 2);
            let logged = store
                .audit_events(&crate::AuditFilter {
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap();
            let logged: Vec<_> = logged
                .iter()
                .map(|e| {
                    (
                        e.seq,
                        e.entity_id.as_str(),
                        e.actor.as_str(),
                        e.request_id.as_deref(),
                    )
                })
                .collect();
            assert_eq!(
                logged,
                [
                    (1, "AA", "registrar-1", Some("req-9")),
                    (2, "BB", "registrar-1", Some("req-9"))
                ]
            );
        }
    }

    async fn a_write_whose_change_fails_keeps_neither_the_change_nor_its_events(db: &TestStore) {
        let store: &SqlStore = &db.store;
        {
            let actor = Actor::new("registrar-1");
            let error = store
                .write(&actor, now(), async |w| -> Result<()> {
                    create_party(w, "AA").await?;
                    Err(StoreError::Conflict("refused after the event".into()))
                })
                .await
                .unwrap_err();
            assert!(matches!(error, StoreError::Conflict(_)), "{error}");
            assert!(parties(store).await.is_empty());
            assert_eq!(events(store).await, 0);
            // The chain goes on from where it stood: the failed write left no gap.
            store
                .write(&actor, now(), async |w| create_party(w, "BB").await)
                .await
                .unwrap();
            assert_eq!(parties(store).await, ["BB"]);
            assert_eq!(events(store).await, 1);
        }
    }

    async fn a_write_without_an_audit_event_is_refused_and_leaves_nothing(db: &TestStore) {
        let store: &SqlStore = &db.store;
        {
            let actor = Actor::new("registrar-1");
            let error = store
                .write(&actor, now(), async |w| insert_party(w, "AA").await)
                .await
                .unwrap_err();
            assert!(matches!(error, StoreError::Unaudited), "{error}");
            assert!(parties(store).await.is_empty());
            assert_eq!(events(store).await, 0);
        }
    }

    async fn housekeeping_commits_without_an_audit_event(db: &TestStore) {
        let store: &SqlStore = &db.store;
        {
            store
                .housekeeping(async |conn| {
                    sqlx::query(
                        "INSERT INTO login_attempts (bucket, window_start, attempts) VALUES ($1, $2, 1)",
                    )
                    .bind("account:x")
                    .bind(instant(now()))
                    .execute(&mut *conn)
                    .await?;
                    Ok(())
                })
                .await
                .unwrap();
            let since = now() - chrono::Duration::minutes(1);
            assert_eq!(store.account_login_attempts(since).await.unwrap().len(), 1);
            assert_eq!(events(store).await, 0);
        }
    }

    crate::both_backends!(
        setup = TestStore::open;
        a_write_commits_its_change_with_its_events_in_order,
        a_write_whose_change_fails_keeps_neither_the_change_nor_its_events,
        a_write_without_an_audit_event_is_refused_and_leaves_nothing,
        housekeeping_commits_without_an_audit_event,
    );
}
