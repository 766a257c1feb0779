//! Accounts and credentials as stored. Hashing and token generation are the server's
//! business; the store keeps what it is given and audits every change.

use repatria_core::{Role, Timestamp};
use sqlx::Row;

use crate::sql::instant;
use crate::{Actor, AuditAction, Result, SqlStore, StoreError};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub role: Role,
    /// PHC string of an Argon2id hash.
    pub password_hash: String,
    pub disabled: bool,
    /// Set by an administrator's password reset: until the user chooses a new password,
    /// the API lets him do nothing else.
    pub must_change_password: bool,
}

/// A session or API token, known to the store only by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub token_hash: String,
    pub username: String,
    /// `session` or `api`.
    pub kind: String,
    pub name: Option<String>,
    pub csrf_token: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// Filled in by the store when read; ignored when a credential is created.
    pub created_at: Option<Timestamp>,
    /// When a session was last used, recorded at most once a minute (idle timeout).
    pub last_used_at: Option<Timestamp>,
}

impl Credential {
    /// The public name of a credential: the start of its hash, enough to tell a user's
    /// tokens apart and useless for logging in.
    pub fn id(&self) -> &str {
        &self.token_hash[..16.min(self.token_hash.len())]
    }
}

/// How a password is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    /// By the user himself: his other sessions are revoked, the credential he used (by its
    /// hash) is kept.
    Own { keep: String },
    /// By an administrator: a temporary password that must be changed at next login;
    /// every session and token of the account is revoked.
    Reset,
}

/// A bucket's login attempts within its window, as counted by
/// [`crate::Store::count_login_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptCount {
    pub bucket: String,
    /// Attempts in the window, this one included.
    pub attempts: u32,
    pub window_start: Timestamp,
}

fn user_from(row: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        username: row.try_get("username")?,
        role: role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

fn time_of(text: Option<String>) -> Result<Option<Timestamp>> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| StoreError::Corrupt(format!("bad instant {t:?}: {e}")))
    })
    .transpose()
}

fn credential_from(row: &sqlx::any::AnyRow) -> Result<Credential> {
    Ok(Credential {
        token_hash: row.try_get("token_hash")?,
        username: row.try_get("username")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        csrf_token: row.try_get("csrf_token")?,
        expires_at: time_of(row.try_get("expires_at")?)?,
        created_at: time_of(row.try_get("created_at")?)?,
        last_used_at: time_of(row.try_get("last_used_at")?)?,
    })
}

const USER_COLUMNS: &str = "username, role, password_hash, disabled, must_change_password";

impl SqlStore {
    pub(crate) async fn insert_user(
        &self,
        actor: &Actor,
        user: &User,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        let exists = sqlx::query("SELECT username FROM users WHERE username = $1")
            .bind(&user.username)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a user named {} exists already",
                user.username
            )));
        }
        sqlx::query("INSERT INTO users (username, role, password_hash, created_at, disabled, must_change_password) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&user.username)
            .bind(user.role.as_str())
            .bind(&user.password_hash)
            .bind(instant(now))
            .bind(user.disabled as i64)
            .bind(user.must_change_password as i64)
            .execute(&mut *tx)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::UserCreate,
            "user",
            &user.username,
            serde_json::json!({ "role": user.role.as_str() }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn select_user(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub(crate) async fn select_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    pub(crate) async fn update_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<User> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1{}",
            self.for_update()
        ))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut user = user_from(&row)?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
            .bind(disabled as i64)
            .bind(username)
            .execute(&mut *tx)
            .await?;
        // Disabling revokes every session and token for good, in the same transaction:
        // enabling the account again must not bring old credentials back to life.
        let revoked = if disabled {
            revoke_all(&mut tx, username, None, now).await?
        } else {
            0
        };
        let action = if disabled {
            AuditAction::UserDisable
        } else {
            AuditAction::UserEnable
        };
        self.audit_in(
            &mut tx,
            actor,
            action,
            "user",
            username,
            serde_json::json!({ "was_disabled": user.disabled, "credentials_revoked": revoked }),
            now,
        )
        .await?;
        tx.commit().await?;
        user.disabled = disabled;
        Ok(user)
    }

    pub(crate) async fn insert_credential(
        &self,
        actor: &Actor,
        credential: &Credential,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO credentials (token_hash, username, kind, name, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&credential.token_hash)
        .bind(&credential.username)
        .bind(&credential.kind)
        .bind(&credential.name)
        .bind(&credential.csrf_token)
        .bind(instant(now))
        .bind(credential.expires_at.map(instant))
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::of_credential(&credential.kind, true);
        // The audit names the credential by its id (a prefix of its hash): enough to tell
        // them apart, useless for logging in.
        let id = credential.id();
        self.audit_in(
            &mut tx,
            actor,
            action,
            "user",
            &credential.username,
            serde_json::json!({ "credential": id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live credential with this hash and its user, if any.
    pub(crate) async fn select_credential(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Credential, User)>> {
        let row = sqlx::query(
            "SELECT c.token_hash, c.kind, c.name, c.csrf_token, c.expires_at, c.created_at, c.last_used_at, \
                    u.username, u.role, u.password_hash, u.disabled, u.must_change_password \
             FROM credentials c JOIN users u ON u.username = c.username \
             WHERE c.token_hash = $1 AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((credential_from(&row)?, user_from(&row)?)))
    }

    /// A user's personal API tokens that are neither revoked nor expired, newest first.
    pub(crate) async fn select_tokens(
        &self,
        username: &str,
        now: Timestamp,
    ) -> Result<Vec<Credential>> {
        let rows = sqlx::query(
            "SELECT token_hash, username, kind, name, csrf_token, expires_at, created_at, last_used_at \
             FROM credentials WHERE username = $1 AND kind = 'api' AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, token_hash",
        )
        .bind(username)
        .bind(instant(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(credential_from).collect()
    }

    /// Records that a credential was used (not audited: bookkeeping for the idle
    /// timeout, not a change to any record).
    pub(crate) async fn update_last_used(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("UPDATE credentials SET last_used_at = $1 WHERE token_hash = $2")
            .bind(instant(now))
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn update_revoke(
        &self,
        actor: &Actor,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT username, kind FROM credentials WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let (username, kind): (String, String) = (row.try_get("username")?, row.try_get("kind")?);
        self.revoke_in(&mut tx, actor, token_hash, &username, &kind, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes one of `username`'s API tokens by its id; `NotFound` unless it is his,
    /// live and an API token.
    pub(crate) async fn update_revoke_token(
        &self,
        actor: &Actor,
        username: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<()> {
        // An id is 16 hexadecimal digits; anything else names no token (and must not act
        // as a pattern).
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT token_hash FROM credentials WHERE username = $1 AND kind = 'api' \
             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
             AND substr(token_hash, 1, 16) = $3",
        )
        .bind(username)
        .bind(instant(now))
        .bind(id.to_ascii_lowercase())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let token_hash: String = row.try_get("token_hash")?;
        self.revoke_in(&mut tx, actor, &token_hash, username, "api", now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        actor: &Actor,
        token_hash: &str,
        username: &str,
        kind: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE token_hash = $2")
            .bind(instant(now))
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        let id = &token_hash[..16.min(token_hash.len())];
        self.audit_in(
            tx,
            actor,
            AuditAction::of_credential(kind, false),
            "user",
            username,
            serde_json::json!({ "credential": id }),
            now,
        )
        .await
    }

    /// Sets a new password hash: the user's own change (other sessions revoked) or an
    /// administrator's reset (temporary, every credential revoked). Returns how many
    /// credentials were revoked.
    pub(crate) async fn update_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        change: &PasswordChange,
        now: Timestamp,
    ) -> Result<u64> {
        let (_turn, mut tx) = self.begin_write().await?;
        let exists = sqlx::query(&format!(
            "SELECT username FROM users WHERE username = $1{}",
            self.for_update()
        ))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let (must_change, action) = match change {
            PasswordChange::Own { .. } => (false, AuditAction::UserPasswordChange),
            PasswordChange::Reset => (true, AuditAction::UserPasswordReset),
        };
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE username = $3",
        )
        .bind(password_hash)
        .bind(must_change as i64)
        .bind(username)
        .execute(&mut *tx)
        .await?;
        if matches!(change, PasswordChange::Reset) {
            // A reset is also how a user who lost his authenticator gets back in.
            sqlx::query(
                "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL WHERE username = $1",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?;
        }
        let revoked = match change {
            PasswordChange::Own { keep } => {
                let done = sqlx::query(
                    "UPDATE credentials SET revoked_at = $1 WHERE username = $2 AND kind = 'session' \
                     AND revoked_at IS NULL AND token_hash <> $3",
                )
                .bind(instant(now))
                .bind(username)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
                done.rows_affected()
            }
            PasswordChange::Reset => revoke_all(&mut tx, username, None, now).await?,
        };
        self.audit_in(
            &mut tx,
            actor,
            action,
            "user",
            username,
            serde_json::json!({ "credentials_revoked": revoked }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Counts one login attempt in each bucket, atomically: one statement per bucket
    /// increments its count (or starts a new window when the last one has passed) and
    /// returns the count, so that parallel attempts cannot all see the count before any of
    /// them is recorded.
    pub(crate) async fn upsert_login_attempts(
        &self,
        buckets: &[String],
        window: chrono::Duration,
        now: Timestamp,
    ) -> Result<Vec<AttemptCount>> {
        let (_turn, mut tx) = self.begin_write().await?;
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
            .fetch_one(&mut *tx)
            .await?;
            let attempts: i64 = row.try_get("attempts")?;
            counts.push(AttemptCount {
                bucket: bucket.clone(),
                attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                window_start: time_of(Some(row.try_get("window_start")?))?.unwrap_or(now),
            });
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// A login succeeded: the account's bucket starts afresh and the attempt is given
    /// back to the other buckets (a successful login is not a guess).
    pub(crate) async fn delete_login_attempts(
        &self,
        cleared: &[String],
        refunded: &[String],
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        for bucket in cleared {
            sqlx::query("DELETE FROM login_attempts WHERE bucket = $1")
                .bind(bucket)
                .execute(&mut *tx)
                .await?;
        }
        for bucket in refunded {
            sqlx::query(
                "UPDATE login_attempts SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
            )
            .bind(bucket)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets buckets whose window began at or before `before`.
    pub(crate) async fn delete_old_login_attempts(&self, before: Timestamp) -> Result<u64> {
        let (_turn, mut tx) = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM login_attempts WHERE window_start <= $1")
            .bind(instant(before))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Audits a refused login: `login.failure` (a wrong password or an unknown or
    /// disabled account) or `login.lockout` (a bucket has just used up its attempts).
    pub(crate) async fn insert_login_refusal(
        &self,
        actor: &Actor,
        attempted: &str,
        lockout: Option<&str>,
        client: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
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
        self.audit_in(&mut tx, actor, action, "user", attempted, detail, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Clears the account's failed logins (`user.unlock`); `NotFound` for an unknown name.
    pub(crate) async fn delete_account_lock(
        &self,
        actor: &Actor,
        username: &str,
        bucket: &str,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        let exists = sqlx::query("SELECT username FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query("DELETE FROM login_attempts WHERE bucket = $1")
            .bind(bucket)
            .execute(&mut *tx)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::UserUnlock,
            "user",
            username,
            serde_json::json!({ "had_attempts": done.rows_affected() > 0 }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The attempts counted in these buckets since `since` (buckets without any are
    /// left out).
    pub(crate) async fn select_login_attempts(
        &self,
        since: Timestamp,
    ) -> Result<Vec<AttemptCount>> {
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
    pub(crate) async fn select_totp(&self, username: &str) -> Result<Option<TotpState>> {
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
    /// with its audit event (`user.totp_enrol`, `user.totp_enable`, `user.totp_disable`).
    pub(crate) async fn update_totp(
        &self,
        actor: &Actor,
        username: &str,
        change: &TotpChange,
        now: Timestamp,
    ) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
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
        let query = sqlx::query(statement).bind(username);
        let query = match change {
            TotpChange::Enrol { secret } => query.bind(secret.clone()),
            TotpChange::Enable { step } => query.bind(*step),
            TotpChange::Disable => query,
        };
        if query.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_in(
            &mut tx,
            actor,
            action,
            "user",
            username,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accepts a time step's code once: true when `step` is later than the last one
    /// accepted (one statement, so that two logins cannot both use the same code).
    pub(crate) async fn update_totp_step(&self, username: &str, step: i64) -> Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE username = $1 AND totp_enabled = 1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(username)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
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

/// Revokes every live credential of `username` but `keep`; returns how many.
async fn revoke_all(
    tx: &mut sqlx::AnyConnection,
    username: &str,
    keep: Option<&str>,
    now: Timestamp,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE credentials SET revoked_at = $1 WHERE username = $2 AND revoked_at IS NULL \
         AND token_hash <> $3",
    )
    .bind(instant(now))
    .bind(username)
    .bind(keep.unwrap_or(""))
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}
