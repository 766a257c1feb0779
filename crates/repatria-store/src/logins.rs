//! What a login needs besides the account: the login limit's counters
//! (`login_attempts`, one row per bucket such as `account:NAME` or `address:IP`), the
//! audit of refused logins, an administrator's unlock, and the second factor (TOTP).
//! The counters and the last accepted time step are bookkeeping, written through
//! [`SqlStore::housekeeping`]; refusals, unlocks and changes of the second factor are
//! audited.

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

/// An account's second factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpState {
    /// The shared secret, hexadecimal.
    pub secret: String,
    /// Confirmed with a code: logins need one.
    pub enabled: bool,
}

impl SqlStore {
    /// An account's second factor, if one was set up (confirmed or not).
    pub async fn totp(&self, username: &str) -> Result<Option<TotpState>> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_enabled FROM users WHERE username = $1 AND totp_secret IS NOT NULL",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(TotpState {
                secret: row.try_get("totp_secret")?,
                enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
            })
        })
        .transpose()
    }

    /// Sets (a new, unconfirmed secret), confirms or removes an account's second factor,
    /// with its audit event (`user.totp_enrol`, `user.totp_enable`, `user.totp_disable`);
    /// `NotFound` for an unknown name (or, to confirm, an account without a secret).
    pub async fn change_totp(
        &self,
        actor: &Actor,
        username: &str,
        change: TotpChange,
        now: Timestamp,
    ) -> Result<()> {
        let (statement, action) = match change {
            TotpChange::Enrol { .. } => (
                "UPDATE users SET totp_secret = $2, totp_enabled = 0, totp_last_step = NULL WHERE username = $1",
                AuditAction::UserTotpEnrol,
            ),
            TotpChange::Enable { .. } => (
                "UPDATE users SET totp_enabled = 1, totp_last_step = $2 WHERE username = $1 AND totp_secret IS NOT NULL",
                AuditAction::UserTotpEnable,
            ),
            TotpChange::Disable => (
                "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL WHERE username = $1",
                AuditAction::UserTotpDisable,
            ),
        };
        self.write(actor, now, async |w| {
            let query = sqlx::query(statement).bind(username);
            let query = match change {
                TotpChange::Enrol { secret } => query.bind(secret),
                TotpChange::Enable { step } => query.bind(step),
                TotpChange::Disable => query,
            };
            if query.execute(w.conn()).await?.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            w.event(action, "user", username, serde_json::json!({}))
                .await
        })
        .await
    }

    /// Uses the code of time step `step`: true unless a code of this or a later step was
    /// accepted before (replay); one statement, so that two logins cannot both use the
    /// same code. Not audited ([`SqlStore::housekeeping`]): the login it belongs to is.
    pub async fn use_totp_step(&self, username: &str, step: i64) -> Result<bool> {
        self.housekeeping(async |conn| {
            let done = sqlx::query(
                "UPDATE users SET totp_last_step = $2 WHERE username = $1 AND totp_enabled = 1 \
                 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(username)
            .bind(step)
            .execute(&mut *conn)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }
}

/// A change to an account's second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpChange {
    /// A new secret (hexadecimal), not yet confirmed.
    Enrol {
        secret: String,
    },
    /// Confirmed with the code of time step `step` (which cannot be used again).
    Enable {
        step: i64,
    },
    Disable,
}
