//! The login limit's counters (`login_attempts`, one row per bucket such as
//! `account:NAME` or `address:IP`), the audit of refused logins and an administrator's
//! unlock. The counters are bookkeeping, written through
//! [`SqlStore::housekeeping`]; the refusals and unlocks are audited.

use repatria_core::Timestamp;
use sqlx::Row;

use crate::accounts::time_of;
use crate::sql::instant;
use crate::{Actor, AuditAction, Result, SqlStore, StoreError};

/// A bucket's login attempts within its window, as counted by
/// [`SqlStore::count_login_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptCount {
    pub bucket: String,
    /// Attempts in the window, this one included.
    pub attempts: u32,
    pub window_start: Timestamp,
}

impl SqlStore {
    /// Counts a login attempt in each bucket (`account:NAME`, `address:IP`) before the
    /// password is checked: one statement per bucket increments and returns the count
    /// in the bucket's window (a new window starts when the last is older than
    /// `window`), so that parallel attempts cannot all see the count before any of them
    /// is recorded. Shared by every server on the database. Not audited: it is a counter;
    /// the refusals are audited by [`SqlStore::audit_login_refusal`].
    pub async fn count_login_attempt(
        &self,
        buckets: &[String],
        window: chrono::Duration,
        now: Timestamp,
    ) -> Result<Vec<AttemptCount>> {
        self.housekeeping(async |conn| {
            let mut counts = Vec::with_capacity(buckets.len());
            for bucket in buckets {
                let row = sqlx::query(
                    "INSERT INTO login_attempts (bucket, window_start, attempts) VALUES ($1, $2, 1) \
                     ON CONFLICT (bucket) DO UPDATE SET \
                       attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 \
                                       ELSE login_attempts.attempts + 1 END, \
                       window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 \
                                           ELSE login_attempts.window_start END \
                     RETURNING attempts, window_start",
                )
                .bind(bucket)
                .bind(instant(now))
                .bind(instant(now - window))
                .fetch_one(&mut *conn)
                .await?;
                let attempts: i64 = row.try_get("attempts")?;
                counts.push(AttemptCount {
                    bucket: bucket.clone(),
                    attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                    window_start: time_of(Some(row.try_get("window_start")?))?.unwrap_or(now),
                });
            }
            Ok(counts)
        })
        .await
    }

    /// A login succeeded: the `cleared` buckets start afresh, the `refunded` ones get the
    /// attempt back (a successful login is not a guess). Not audited: the login is.
    pub async fn login_succeeded(&self, cleared: &[String], refunded: &[String]) -> Result<()> {
        self.housekeeping(async |conn| {
            for bucket in cleared {
                sqlx::query("DELETE FROM login_attempts WHERE bucket = $1")
                    .bind(bucket)
                    .execute(&mut *conn)
                    .await?;
            }
            for bucket in refunded {
                sqlx::query(
                    "UPDATE login_attempts SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
                )
                .bind(bucket)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// Deletes the buckets whose window began at or before `before`; returns how many.
    /// Not audited: expired counters are no record.
    pub async fn purge_login_attempts(&self, before: Timestamp) -> Result<u64> {
        self.housekeeping(async |conn| {
            let done = sqlx::query("DELETE FROM login_attempts WHERE window_start <= $1")
                .bind(instant(before))
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    /// Account buckets with attempts in a window that began after `since`.
    pub async fn account_login_attempts(&self, since: Timestamp) -> Result<Vec<AttemptCount>> {
        let rows = sqlx::query(
            "SELECT bucket, attempts, window_start FROM login_attempts WHERE window_start > $1 \
             AND bucket LIKE 'account:%'",
        )
        .bind(instant(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let attempts: i64 = row.try_get("attempts")?;
                Ok(AttemptCount {
                    bucket: row.try_get("bucket")?,
                    attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                    window_start: time_of(Some(row.try_get("window_start")?))?.unwrap_or(since),
                })
            })
            .collect()
    }

    /// Audits a refused login: `login.failure` (a wrong password or an unknown or
    /// disabled account), or `login.lockout` with the scope (`account`, `address`) whose
    /// attempts have just run out. `attempted` is the user name as typed (the event's
    /// entity); `client` the client address.
    pub async fn audit_login_refusal(
        &self,
        actor: &Actor,
        attempted: &str,
        lockout: Option<&str>,
        client: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let (action, detail) = match lockout {
            Some(scope) => (
                AuditAction::LoginLockout,
                serde_json::json!({ "scope": scope, "client": client }),
            ),
            None => (
                AuditAction::LoginFailure,
                serde_json::json!({ "client": client }),
            ),
        };
        self.write(actor, now, async |w| {
            w.event(action, "user", attempted, detail).await
        })
        .await
    }

    /// Clears an account's login attempts (`user.unlock`); `NotFound` for an unknown name.
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        username: &str,
        bucket: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            let exists = sqlx::query("SELECT username FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(w.conn())
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let done = sqlx::query("DELETE FROM login_attempts WHERE bucket = $1")
                .bind(bucket)
                .execute(w.conn())
                .await?;
            w.event(
                AuditAction::UserUnlock,
                "user",
                username,
                serde_json::json!({ "had_attempts": done.rows_affected() > 0 }),
            )
            .await
        })
        .await
    }
}
