//! The only ways to write: [`SqlStore::write`] for every change, which commits only
//! together with its audit events, and [`SqlStore::housekeeping`] for the few counters
//! that are deliberately not audited. Nothing else in the store begins a write
//! transaction (`xtask tidy` checks that `begin_write` and `.begin()` appear only here).
//!
//! One lock order for every audited write: the writer's turn, then the audit head's row
//! (`FOR UPDATE` on PostgreSQL), then whatever rows the change locks. Since every audited
//! write takes the head first, writers on PostgreSQL queue on that one row and cannot
//! deadlock on the rows behind it.
//!
//! **Group commit.** The audit chain gives writes one order, so they run one at a time;
//! a durable commit apiece would bound them at one commit (one `fsync`) per write. So
//! writes share commits: the writes of one store take their turns in one transaction at
//! a time, a *batch*. The first write to find no batch open begins one (locking the
//! audit head first) and, when its change is done, queues a committer behind the writes
//! already waiting for the turn. Each of those runs in the same transaction under a
//! savepoint of its own (`SAVEPOINT member`), appending its events to the chain where the
//! previous write left it; a write that fails (a conflict, a constraint, a domain rule)
//! is rolled back to its savepoint, alone. Then the committer commits the batch once,
//! writing the audit head, and only then is each write answered: its value, or its own
//! error. A caller never hears of success before the commit is durable, and the chain is
//! the one that committing each write by itself in the same order would give. A write
//! alone commits at once; under load a batch holds the writes that queued while the
//! previous batch committed (at most [`MAX_BATCH`]). When a batch cannot commit, every
//! write of it is answered [`StoreError::NotCommitted`], its own error included: what it
//! was refused for may have been a write of the same batch.
//!
//! A write dropped in the middle of its change (its request cancelled, or a panic)
//! leaves its savepoint open: whoever takes the turn next rolls it back before anything
//! else, and a committer is queued so that the batch still commits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use repatria_core::Timestamp;
use sqlx::{AnyConnection, Row};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use crate::audit::{AuditAction, AuditEvent};
use crate::sql::instant;
use crate::{Actor, Backend, Result, SqlStore, StoreError};

type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// The most writes one batch holds: a write that finds this many commits the batch
/// first, so that no batch grows without end under a flood of writes.
pub(crate) const MAX_BATCH: usize = 256;

/// The writers of one store: their turn, and the batch open under it.
#[derive(Default)]
pub(crate) struct Writers {
    slot: Arc<Mutex<Slot>>,
    /// Writes waiting for their turn now (tests wait for a queue to form).
    waiting: AtomicUsize,
}

#[derive(Default)]
struct Slot {
    open: Option<Batch>,
    /// The number of the next batch.
    next: u64,
    /// Batches committed so far, and the writes they held.
    commits: u64,
    written: u64,
}

/// How many writes took part in the batches the store committed since it was opened
/// (those refused and rolled back to their savepoints included), and in how many
/// commits: their ratio is the mean size of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitCounts {
    pub writes: u64,
    pub commits: u64,
}

/// Writes sharing one transaction and one commit.
struct Batch {
    id: u64,
    tx: Transaction,
    /// The chain as the batch's completed writes leave it: the newest event's number and
    /// hash, the head to write at the commit.
    seq: u64,
    hash: String,
    /// Whether any write of the batch appended events (the head moved).
    moved: bool,
    /// The head as the write in its change leaves it, taken over once that write's
    /// savepoint is released.
    pending: Option<(u64, String)>,
    /// A write's savepoint is open. Found set by whoever takes the turn, it means that
    /// write was dropped in its change, and its savepoint is rolled back.
    in_change: bool,
    /// What went wrong that no savepoint can undo: the batch is then rolled back whole
    /// and every write of it answered with this.
    broken: Option<String>,
    /// Writes that took part (completed or refused).
    members: usize,
    /// Whether a committer is queued for this batch.
    committer: bool,
    /// The outcome of the commit, for every write waiting for it.
    done: watch::Sender<Option<Outcome>>,
}

/// A batch committed (`Ok`) or not, and why.
type Outcome = std::result::Result<(), String>;

/// Counts a write as waiting for as long as it waits (also when its future is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Armed while a write is in its batch: if the write is dropped before it is disarmed (a
/// cancelled request, a panic), it queues a committer, so that the batch's other writes
/// are still committed and answered.
struct Ward {
    slot: Option<(Arc<Mutex<Slot>>, u64)>,
}

impl Ward {
    fn disarm(mut self) {
        self.slot = None;
    }
}

impl Drop for Ward {
    fn drop(&mut self) {
        if let Some((slot, id)) = self.slot.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(commit_batch(slot, id));
            }
        }
    }
}

/// The committer of batch `id`: takes the turn after the writes queued before it, and
/// finishes the batch unless someone has already.
async fn commit_batch(slot: Arc<Mutex<Slot>>, id: u64) {
    let mut slot = slot.lock_owned().await;
    if slot.open.as_ref().is_some_and(|batch| batch.id == id) {
        slot.finish().await;
    }
}

async fn rollback_member(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("ROLLBACK TO SAVEPOINT member")
        .execute(&mut *conn)
        .await?;
    sqlx::query("RELEASE SAVEPOINT member")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Slot {
    /// Rolls back the savepoint of a write that was dropped in its change.
    async fn repair(&mut self) {
        let Some(batch) = self.open.as_mut() else {
            return;
        };
        if !batch.in_change {
            return;
        }
        batch.in_change = false;
        batch.pending = None;
        if let Err(error) = rollback_member(&mut batch.tx).await {
            batch.broken.get_or_insert_with(|| {
                format!("a write dropped in its change could not be rolled back: {error}")
            });
        }
    }

    /// Ends the open batch: commits it, writing the audit head if it moved, or rolls it
    /// back whole if it is broken; then tells its writes.
    async fn finish(&mut self) {
        self.repair().await;
        let Some(batch) = self.open.take() else {
            return;
        };
        let Batch {
            mut tx,
            seq,
            hash,
            moved,
            broken,
            done,
            members,
            ..
        } = batch;
        let outcome = match broken {
            Some(why) => {
                let _ = tx.rollback().await;
                Err(why)
            }
            None => {
                let committed: Result<()> = async {
                    if moved {
                        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                            .bind(seq as i64)
                            .bind(&hash)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }
                .await;
                committed.map_err(|error| error.to_string())
            }
        };
        if outcome.is_ok() {
            self.commits += 1;
            self.written += members as u64;
        }
        done.send_replace(Some(outcome));
    }
}

impl Writers {
    /// Takes the writers' turn (first come, first served).
    async fn turn(&self) -> OwnedMutexGuard<Slot> {
        let _waiting = Waiting::new(&self.waiting);
        self.slot.clone().lock_owned().await
    }

    /// Finishes the open batch, if any, in a task of its own: a commit once begun ends
    /// and is reported even if the caller is dropped meanwhile.
    async fn finish(&self, slot: OwnedMutexGuard<Slot>) -> OwnedMutexGuard<Slot> {
        let finishing = tokio::spawn(async move {
            let mut slot = slot;
            slot.finish().await;
            slot
        });
        match finishing.await {
            Ok(slot) => slot,
            // The task panicked and gave the turn up: take it again.
            Err(_) => self.turn().await,
        }
    }
}

/// One audited write in progress: its transaction, and where the audit chain stands in
/// it. Handed to the change by [`SqlStore::write`]; events appended with
/// [`Write::event`] are stamped with the write's actor and time.
pub(crate) struct Write<'a> {
    store: &'a SqlStore,
    actor: &'a Actor,
    now: Timestamp,
    conn: &'a mut AnyConnection,
    /// The newest event's number and hash (the head as it will be written).
    seq: u64,
    hash: String,
    appended: u64,
}

impl Write<'_> {
    /// The transaction's connection, for the change's statements.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        self.conn
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
        .execute(&mut *self.conn)
        .await?;
        self.seq = event.seq;
        self.hash = event.hash;
        self.appended += 1;
        Ok(())
    }
}

impl SqlStore {
    /// Runs one audited write: takes the writer's turn, joins the open batch (or begins
    /// one, locking the audit head first), runs `change` under a savepoint of its own and
    /// waits for the batch's commit (see the module's documentation). The change appends
    /// its events with [`Write::event`]; a change that appended none is refused
    /// ([`StoreError::Unaudited`]) and nothing of it is kept. When the change fails it is
    /// rolled back to its savepoint before the writer's turn is released.
    pub(crate) async fn write<T>(
        &self,
        actor: &Actor,
        now: Timestamp,
        change: impl AsyncFnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.batched(async |batch| {
            let mut write = Write {
                store: self,
                actor,
                now,
                conn: &mut batch.tx,
                seq: batch.seq,
                hash: batch.hash.clone(),
                appended: 0,
            };
            let value = change(&mut write).await?;
            let Write {
                seq,
                hash,
                appended,
                ..
            } = write;
            if appended == 0 {
                return Err(StoreError::Unaudited);
            }
            batch.pending = Some((seq, hash));
            Ok(value)
        })
        .await
    }

    /// Runs `work` as one write of a batch: under the turn, in the open batch's
    /// transaction, under its own savepoint; answers once the batch has committed.
    async fn batched<T>(&self, work: impl AsyncFnOnce(&mut Batch) -> Result<T>) -> Result<T> {
        let slot = self.writer.turn().await;
        let mut slot = self.open_batch(slot).await?;
        let batch = slot.open.as_mut().expect("a batch is open under the turn");
        let id = batch.id;
        let ward = Ward {
            slot: Some((self.writer.slot.clone(), id)),
        };
        batch.in_change = true;
        let outcome = match sqlx::query("SAVEPOINT member")
            .execute(&mut *batch.tx)
            .await
        {
            Ok(_) => work(batch).await,
            Err(error) => {
                batch.in_change = false;
                batch.broken.get_or_insert_with(|| error.to_string());
                Err(error.into())
            }
        };
        if batch.in_change {
            let ended = match &outcome {
                Ok(_) => sqlx::query("RELEASE SAVEPOINT member")
                    .execute(&mut *batch.tx)
                    .await
                    .map(|_| ())
                    .map_err(StoreError::from),
                Err(_) => rollback_member(&mut batch.tx).await,
            };
            batch.in_change = false;
            let pending = batch.pending.take();
            match ended {
                Ok(()) => {
                    if let (Ok(_), Some((seq, hash))) = (&outcome, pending) {
                        (batch.seq, batch.hash, batch.moved) = (seq, hash, true);
                    }
                }
                Err(error) => {
                    batch
                        .broken
                        .get_or_insert_with(|| format!("a savepoint could not be ended: {error}"));
                }
            }
        }
        batch.members += 1;
        let mut done = batch.done.subscribe();
        if !batch.committer {
            batch.committer = true;
            tokio::spawn(commit_batch(self.writer.slot.clone(), id));
        }
        ward.disarm();
        drop(slot);
        let committed = match done.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Ok(())),
            Err(_) => Err("the batch ended without a commit".to_string()),
        };
        match committed {
            Ok(()) => outcome,
            Err(why) => Err(StoreError::NotCommitted(why)),
        }
    }

    /// The writes of the batches committed since the store was opened, and the commits.
    /// Takes the writers' turn for a moment.
    pub async fn commit_counts(&self) -> CommitCounts {
        let slot = self.writer.slot.lock().await;
        CommitCounts {
            writes: slot.written,
            commits: slot.commits,
        }
    }

    /// Makes sure a batch that can take one more write is open under the turn: a write
    /// dropped in its change is rolled back, a broken or full batch finished, and a new
    /// one begun with the audit head locked first.
    async fn open_batch(&self, mut slot: OwnedMutexGuard<Slot>) -> Result<OwnedMutexGuard<Slot>> {
        slot.repair().await;
        if slot
            .open
            .as_ref()
            .is_some_and(|batch| batch.broken.is_some() || batch.members >= MAX_BATCH)
        {
            slot = self.writer.finish(slot).await;
        }
        if slot.open.is_none() {
            let mut tx = self.begin_write().await?;
            let head = sqlx::query(&format!(
                "SELECT seq, hash FROM audit_head WHERE id = 1{}",
                self.for_update()
            ))
            .fetch_one(&mut *tx)
            .await?;
            slot.next += 1;
            slot.open = Some(Batch {
                id: slot.next,
                tx,
                seq: head.try_get::<i64, _>("seq")? as u64,
                hash: head.try_get("hash")?,
                moved: false,
                pending: None,
                in_change: false,
                broken: None,
                members: 0,
                committer: false,
                done: watch::channel(None).0,
            });
        }
        Ok(slot)
    }

    /// Runs a write that is deliberately not audited, and commits it. Only bookkeeping
    /// that is no record of anything goes here:
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
    /// On SQLite, which has one writer at a time, it is one write of a batch like any
    /// other (appending no event). On PostgreSQL it is a transaction of its own that does
    /// not take the audit head, so it never waits for audited writers.
    pub(crate) async fn housekeeping<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        match self.backend {
            Backend::Sqlite => self.batched(async |batch| work(&mut *batch.tx).await).await,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                let value = work(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
        }
    }

    /// Loads a restore: `work` in one write transaction without audit events, because it
    /// writes the audit log itself (copied from the backup, verified after). Used only by
    /// `SqlStore::restore`, into an empty database. On SQLite it holds the writers' turn
    /// throughout, after committing any batch open.
    pub(crate) async fn bulk_load<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let _turn = match self.backend {
            Backend::Sqlite => Some(self.writer.finish(self.writer.turn().await).await),
            Backend::Postgres => None,
        };
        let mut tx = self.begin_write().await?;
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

    /// Begins a write transaction. On SQLite `BEGIN IMMEDIATE` takes the database's write
    /// lock at once, waiting for it in SQLite's busy handler if another connection (the
    /// rollback of a batch that failed to commit, another process) holds it; a
    /// transaction begun deferred would read first and then be refused the lock without
    /// waiting ("database is locked"). Private to this module, like every `begin`.
    async fn begin_write(&self) -> Result<Transaction> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
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

    /// Holds the writers' turn, as a long write would, so that writes queue behind it.
    async fn hold_turn(store: &SqlStore) -> OwnedMutexGuard<Slot> {
        store.writer.slot.clone().lock_owned().await
    }

    /// Waits until `n` writes wait for the turn.
    async fn queued(store: &SqlStore, n: usize) {
        for _ in 0..1000 {
            if store.writer.waiting.load(Ordering::SeqCst) == n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("{n} writes never queued");
    }

    async fn commits(store: &SqlStore) -> u64 {
        store.writer.slot.lock().await.commits
    }

    /// The log as (seq, entity id) pairs, oldest first.
    async fn logged(store: &SqlStore) -> Vec<(u64, String)> {
        let events = store
            .audit_events(&crate::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        events.into_iter().map(|e| (e.seq, e.entity_id)).collect()
    }

    type Order = std::sync::Arc<std::sync::Mutex<Vec<usize>>>;

    /// Writes queued together share one commit. The fifth fails after its event (a
    /// conflict) and the seventh on the database's own constraint (a party code taken
    /// before; on PostgreSQL that aborts the transaction, which only its savepoint
    /// undoes): both are answered with their own errors and leave nothing, while the
    /// others are committed, their events in the order they ran, numbered on from each
    /// other, each write answered with the number of its own event.
    async fn writes_queued_together_share_one_commit_and_one_failing_is_rolled_back_alone(
        db: &TestStore,
    ) {
        let store = &db.store;
        store
            .write(&Actor::new("registrar"), now(), async |w| {
                create_party(w, "ZZ").await
            })
            .await
            .unwrap();
        let before = commits(store).await;
        let turn = hold_turn(store).await;
        let order = Order::default();
        let mut writers = Vec::new();
        for i in 0..9usize {
            let (store, order) = (store.clone(), order.clone());
            writers.push(tokio::spawn(async move {
                let actor = Actor::new(format!("registrar-{i}"));
                store
                    .write(&actor, now(), async |w| {
                        order.lock().unwrap().push(i);
                        let code = if i == 6 {
                            "ZZ".to_string()
                        } else {
                            format!("P{i}")
                        };
                        create_party(w, &code).await?;
                        if i == 4 {
                            return Err(StoreError::Conflict("refused after its event".into()));
                        }
                        Ok(w.seq)
                    })
                    .await
            }));
        }
        queued(store, 9).await;
        drop(turn);
        let mut answers = Vec::new();
        for writer in writers {
            answers.push(writer.await.unwrap());
        }
        assert_eq!(commits(store).await, before + 1, "one commit for the batch");
        let counts = store.commit_counts().await;
        assert_eq!(
            (counts.writes, counts.commits),
            (10, 2),
            "the party before, then nine"
        );
        for (i, answer) in answers.iter().enumerate() {
            match i {
                4 => assert!(matches!(answer, Err(StoreError::Conflict(_))), "{answer:?}"),
                6 => assert!(matches!(answer, Err(StoreError::Database(_))), "{answer:?}"),
                _ => assert!(answer.is_ok(), "{i}: {answer:?}"),
            }
        }
        let ran: Vec<usize> = order.lock().unwrap().clone();
        let committed: Vec<usize> = ran
            .iter()
            .copied()
            .filter(|i| ![4, 6].contains(i))
            .collect();
        let expected: Vec<(u64, String)> = committed
            .iter()
            .enumerate()
            .map(|(n, i)| (n as u64 + 2, format!("P{i}")))
            .collect();
        assert_eq!(
            logged(store).await[1..],
            expected,
            "ran in the order {ran:?}"
        );
        for i in &committed {
            let seq = *answers[*i].as_ref().unwrap();
            assert_eq!(
                expected[seq as usize - 2].1,
                format!("P{i}"),
                "the answer to {i}"
            );
        }
        let mut codes: Vec<String> = committed.iter().map(|i| format!("P{i}")).collect();
        codes.push("ZZ".into());
        codes.sort();
        assert_eq!(parties(store).await, codes);
        assert_eq!(events(store).await, 8);
        // The chain goes on from the batch's last event.
        let seq = store
            .write(&Actor::new("registrar-9"), now(), async |w| {
                create_party(w, "P9").await?;
                Ok(w.seq)
            })
            .await
            .unwrap();
        assert_eq!(seq, 9);
        assert_eq!(events(store).await, 9);
    }

    /// A write dropped in the middle of its change (its request cancelled) leaves
    /// nothing: the next to take the turn rolls its savepoint back, and the writes of
    /// its batch are committed and answered.
    async fn a_write_dropped_in_its_change_is_rolled_back_and_its_batch_commits(db: &TestStore) {
        let store = &db.store;
        let turn = hold_turn(store).await;
        let (started, in_change) = tokio::sync::oneshot::channel::<()>();
        let mut started = Some(started);
        let dropped = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(&Actor::new("registrar-b"), now(), async |w| {
                        create_party(w, "BB").await?;
                        let _ = started.take().unwrap().send(());
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                    .await
            })
        };
        queued(store, 1).await;
        let mut writers = Vec::new();
        for code in ["AA", "CC"] {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                store
                    .write(&Actor::new("registrar"), now(), async |w| {
                        create_party(w, code).await
                    })
                    .await
            }));
        }
        queued(store, 3).await;
        drop(turn);
        in_change.await.unwrap();
        dropped.abort();
        assert!(dropped.await.unwrap_err().is_cancelled());
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        assert_eq!(parties(store).await, ["AA", "CC"]);
        assert_eq!(events(store).await, 2);
        let mut entities: Vec<String> = logged(store).await.into_iter().map(|(_, e)| e).collect();
        entities.sort();
        assert_eq!(entities, ["AA", "CC"]);
    }

    /// A batch that cannot commit (a deferred constraint checked at the commit) answers
    /// every write of it with an error, none with success, and keeps nothing; the chain
    /// goes on from where it stood.
    async fn a_batch_that_cannot_commit_answers_every_write_with_an_error(db: &TestStore) {
        let store = &db.store;
        sqlx::query(
            "CREATE TABLE deferred_check (code TEXT REFERENCES parties (code) DEFERRABLE INITIALLY DEFERRED)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let turn = hold_turn(store).await;
        let mut writers = Vec::new();
        for code in ["AA", "XX", "CC"] {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                store
                    .write(&Actor::new("registrar"), now(), async |w| {
                        create_party(w, code).await?;
                        if code == "XX" {
                            sqlx::query("INSERT INTO deferred_check (code) VALUES ('nobody')")
                                .execute(w.conn())
                                .await?;
                        }
                        Ok(())
                    })
                    .await
            }));
        }
        queued(store, 3).await;
        drop(turn);
        for writer in writers {
            let answer = writer.await.unwrap();
            assert!(
                matches!(answer, Err(StoreError::NotCommitted(_))),
                "{answer:?}"
            );
        }
        assert!(parties(store).await.is_empty());
        assert_eq!(events(store).await, 0);
        store
            .write(&Actor::new("registrar"), now(), async |w| {
                create_party(w, "DD").await
            })
            .await
            .unwrap();
        assert_eq!(parties(store).await, ["DD"]);
        assert_eq!(events(store).await, 1);
    }

    /// Many writers at once, on as many threads: a write answered with success is seen
    /// by a read made right after the answer, on another connection.
    async fn a_write_answered_is_read_back_at_once(db: &TestStore) {
        let store = &db.store;
        let mut writers = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let code = format!("Q{i:02}");
                store
                    .write(&Actor::new("registrar"), now(), async |w| {
                        create_party(w, &code).await
                    })
                    .await
                    .unwrap();
                assert!(
                    parties(&store).await.contains(&code),
                    "{code} not read back"
                );
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }
        assert_eq!(parties(store).await.len(), 40);
        assert_eq!(events(store).await, 40);
        assert!(commits(store).await <= 40);
    }

    crate::both_backends!(
        setup = TestStore::open;
        writes_queued_together_share_one_commit_and_one_failing_is_rolled_back_alone,
        a_write_dropped_in_its_change_is_rolled_back_and_its_batch_commits,
        a_batch_that_cannot_commit_answers_every_write_with_an_error,
        a_write_answered_is_read_back_at_once with 4 workers,
        a_write_commits_its_change_with_its_events_in_order,
        a_write_whose_change_fails_keeps_neither_the_change_nor_its_events,
        a_write_without_an_audit_event_is_refused_and_leaves_nothing,
        housekeeping_commits_without_an_audit_event,
    );
}
