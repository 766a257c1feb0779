//! Import jobs as every server sees them (docs/operations.md): the server that runs a job
//! writes its state and a heartbeat here, and any server answers for it. A job still
//! `running` whose heartbeat is older than [`STALE_AFTER`] (or the window the store was
//! given, [`SqlStore::with_job_stale_after`]) lost its server (a crash, a restart); its
//! import, one transaction, either committed before the server stopped or wrote nothing.
//! A finished job (`done`, `failed`) is never written back to `running`.
//! Not audited ([`SqlStore::housekeeping`]): the import is.

use repatria_core::Timestamp;
use sqlx::Row;

use crate::accounts::time_of;
use crate::sql::instant;
use crate::{Result, SqlStore, StoreError};

/// How long a running job may go without a heartbeat before it is read as lost, unless
/// the store is given another window ([`SqlStore::with_job_stale_after`]).
pub const STALE_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// How many heartbeats a running job's server writes within the stale window: a job is
/// read as lost only after this many were missed in a row.
const BEATS_PER_WINDOW: i32 = 6;

/// A stored job: its state word and the job as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub id: String,
    pub started_by: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub heartbeat_at: Timestamp,
    /// The job as its server last wrote it (JSON).
    pub record: String,
    /// Running, but its server has not said so within the stale window.
    pub lost: bool,
}

/// How many jobs the store holds in each state, as every server answers them: a job
/// whose server stopped is counted `failed` (and among `lost`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub running: u64,
    pub done: u64,
    /// Failed, the lost ones included.
    pub failed: u64,
    /// Left `running` by a server that stopped (no heartbeat for [`STALE_AFTER`]).
    pub lost: u64,
}

impl SqlStore {
    /// The same store with another window after which a running job without a heartbeat
    /// is read as lost (at least 2 seconds; every server of one database must be given
    /// the same, since each reads the others' jobs).
    pub fn with_job_stale_after(mut self, window: chrono::Duration) -> SqlStore {
        self.job_stale_after = window.max(chrono::Duration::seconds(2));
        self
    }

    /// The window after which a running job without a heartbeat is lost.
    pub fn job_stale_after(&self) -> chrono::Duration {
        self.job_stale_after
    }

    /// How often the server running a job writes its heartbeat: a sixth of the stale
    /// window (5 seconds for the default 30).
    pub fn job_heartbeat_every(&self) -> std::time::Duration {
        (self.job_stale_after / BEATS_PER_WINDOW)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(5))
    }

    /// Writes a job's state (insert or replace) with a heartbeat at `now`. A job that
    /// finished (`done` or `failed`) keeps its end: a late heartbeat of its server does
    /// not make it `running` again.
    pub async fn put_job(
        &self,
        id: &str,
        started_by: &str,
        state: &str,
        record: &str,
        now: Timestamp,
    ) -> Result<()> {
        let (id, started_by, state, record) = (
            id.to_string(),
            started_by.to_string(),
            state.to_string(),
            record.to_string(),
        );
        self.housekeeping(async move |conn| {
            sqlx::query(
                "INSERT INTO import_jobs (id, started_by, state, created_at, heartbeat_at, record) \
                 VALUES ($1, $2, $3, $4, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                 heartbeat_at = excluded.heartbeat_at, record = excluded.record \
                 WHERE import_jobs.state = 'running'",
            )
            .bind(&id)
            .bind(&started_by)
            .bind(&state)
            .bind(instant(now))
            .bind(&record)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
        .await
    }

    /// One job; `NotFound` for an unknown id. `lost` says whether its server stopped.
    pub async fn get_job(&self, id: &str, now: Timestamp) -> Result<StoredJob> {
        let row = sqlx::query(
            "SELECT id, started_by, state, heartbeat_at, record FROM import_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let heartbeat_at = time_of(Some(row.try_get::<String, _>("heartbeat_at")?))?
            .ok_or_else(|| StoreError::Corrupt("a job without a heartbeat".into()))?;
        let state: String = row.try_get("state")?;
        Ok(StoredJob {
            id: row.try_get("id")?,
            started_by: row.try_get("started_by")?,
            lost: state == "running" && now - heartbeat_at > self.job_stale_after,
            state,
            heartbeat_at,
            record: row.try_get("record")?,
        })
    }

    /// The jobs in each state at `now` (for monitoring: counts only, one query).
    pub async fn job_counts(&self, now: Timestamp) -> Result<JobCounts> {
        let rows = sqlx::query(
            "SELECT CASE WHEN state = 'running' AND heartbeat_at < $1 THEN 'lost' ELSE state END \
             AS kind, COUNT(*) AS n FROM import_jobs GROUP BY 1",
        )
        .bind(instant(now - STALE_AFTER))
        .fetch_all(&self.pool)
        .await?;
        let mut counts = JobCounts::default();
        for row in rows {
            let n = row.try_get::<i64, _>("n")?.max(0) as u64;
            match row.try_get::<String, _>("kind")?.as_str() {
                "running" => counts.running += n,
                "done" => counts.done += n,
                "lost" => {
                    counts.lost += n;
                    counts.failed += n;
                }
                _ => counts.failed += n,
            }
        }
        Ok(counts)
    }
}
