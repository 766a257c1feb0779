//! Accounts and credentials as stored. Hashing and token generation are the server's
//! business; the store keeps what it is given and audits every change.

use repatria_core::{Role, Timestamp};
use sqlx::Row;

use crate::sql::instant;
use crate::write::Write;
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

pub(crate) fn time_of(text: Option<String>) -> Result<Option<Timestamp>> {
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
    /// Creates an account; the name must be new.
    pub async fn create_user(&self, actor: &Actor, user: User, now: Timestamp) -> Result<()> {
        self.write(actor, now, async |w| {
            let exists = sqlx::query("SELECT username FROM users WHERE username = $1")
                .bind(&user.username)
                .fetch_optional(w.conn())
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
                .execute(w.conn())
                .await?;
            w.event(
                AuditAction::UserCreate,
                "user",
                &user.username,
                serde_json::json!({ "role": user.role.as_str() }),
            )
            .await
        })
        .await
    }

    /// The account with this name, if any.
    pub async fn get_user(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// Every account, by name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    /// Disables or re-enables an account, with its audit event (`user.disable`,
    /// `user.enable`); `NotFound` for an unknown name. Disabling revokes every session and
    /// token of the account in the same transaction, so that enabling it again brings
    /// none of them back.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<User> {
        self.write(actor, now, async |w| {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users WHERE username = $1{}",
                w.for_update()
            );
            let row = sqlx::query(&sql)
                .bind(username)
                .fetch_optional(w.conn())
                .await?
                .ok_or(StoreError::NotFound)?;
            let mut user = user_from(&row)?;
            sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                .bind(disabled as i64)
                .bind(username)
                .execute(w.conn())
                .await?;
            // Disabling revokes every session and token for good, in the same
            // transaction: enabling the account again must not bring old credentials
            // back to life.
            let revoked = if disabled {
                revoke_all(w, username, None, now).await?
            } else {
                0
            };
            let action = if disabled {
                AuditAction::UserDisable
            } else {
                AuditAction::UserEnable
            };
            w.event(
                action,
                "user",
                username,
                serde_json::json!({ "was_disabled": user.disabled, "credentials_revoked": revoked }),
            )
            .await?;
            user.disabled = disabled;
            Ok(user)
        })
        .await
    }

    /// Stores a new session or API token (by its hash).
    pub async fn create_credential(
        &self,
        actor: &Actor,
        credential: Credential,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
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
            .execute(w.conn())
            .await?;
            // The audit names the credential by its id (a prefix of its hash): enough to
            // tell them apart, useless for logging in.
            w.event(
                AuditAction::of_credential(&credential.kind, true),
                "user",
                &credential.username,
                serde_json::json!({ "credential": credential.id() }),
            )
            .await
        })
        .await
    }

    /// The credential with this hash and its user, unless revoked or expired.
    pub async fn find_credential(
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
    pub async fn list_tokens(&self, username: &str, now: Timestamp) -> Result<Vec<Credential>> {
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

    /// Records when a credential was last used (for the idle timeout of sessions). Not
    /// audited: it changes no record, and callers do it at most once a minute
    /// ([`SqlStore::housekeeping`]).
    pub async fn touch_credential(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        self.housekeeping(async |conn| {
            sqlx::query("UPDATE credentials SET last_used_at = $1 WHERE token_hash = $2")
                .bind(instant(now))
                .bind(token_hash)
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
        .await
    }

    /// Revokes a credential; `NotFound` when there is no live one with this hash.
    pub async fn revoke_credential(
        &self,
        actor: &Actor,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            let row = sqlx::query(
                "SELECT username, kind FROM credentials WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(w.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
            let (username, kind): (String, String) =
                (row.try_get("username")?, row.try_get("kind")?);
            revoke_one(w, token_hash, &username, &kind, now).await
        })
        .await
    }

    /// Revokes one of `username`'s API tokens by its [`Credential::id`]
    /// (`credential.api.revoke`); `NotFound` unless it is his and live.
    pub async fn revoke_token(
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
        self.write(actor, now, async |w| {
            let row = sqlx::query(
                "SELECT token_hash FROM credentials WHERE username = $1 AND kind = 'api' \
                 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
                 AND substr(token_hash, 1, 16) = $3",
            )
            .bind(username)
            .bind(instant(now))
            .bind(id.to_ascii_lowercase())
            .fetch_optional(w.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
            let token_hash: String = row.try_get("token_hash")?;
            revoke_one(w, &token_hash, username, "api", now).await
        })
        .await
    }

    /// Sets a new password hash (`user.password_change` or `user.password_reset`), and
    /// revokes credentials as [`PasswordChange`] says in the same transaction: the user's
    /// own change revokes his other sessions, an administrator's reset (temporary
    /// password) every credential. Returns how many were revoked. `NotFound` for an
    /// unknown name.
    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        change: PasswordChange,
        now: Timestamp,
    ) -> Result<u64> {
        self.write(actor, now, async |w| {
            let sql = format!(
                "SELECT username FROM users WHERE username = $1{}",
                w.for_update()
            );
            let exists = sqlx::query(&sql)
                .bind(username)
                .fetch_optional(w.conn())
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
            .execute(w.conn())
            .await?;
            if matches!(change, PasswordChange::Reset) {
                // A reset is also how a user who lost his authenticator gets back in.
                sqlx::query(
                    "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL WHERE username = $1",
                )
                .bind(username)
                .execute(w.conn())
                .await?;
            }
            let revoked = match &change {
                PasswordChange::Own { keep } => {
                    let done = sqlx::query(
                        "UPDATE credentials SET revoked_at = $1 WHERE username = $2 AND kind = 'session' \
                         AND revoked_at IS NULL AND token_hash <> $3",
                    )
                    .bind(instant(now))
                    .bind(username)
                    .bind(keep)
                    .execute(w.conn())
                    .await?;
                    done.rows_affected()
                }
                PasswordChange::Reset => revoke_all(w, username, None, now).await?,
            };
            w.event(
                action,
                "user",
                username,
                serde_json::json!({ "credentials_revoked": revoked }),
            )
            .await?;
            Ok(revoked)
        })
        .await
    }
}

/// Revokes one credential, with its audit event.
async fn revoke_one(
    w: &mut Write<'_>,
    token_hash: &str,
    username: &str,
    kind: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE token_hash = $2")
        .bind(instant(now))
        .bind(token_hash)
        .execute(w.conn())
        .await?;
    let id = &token_hash[..16.min(token_hash.len())];
    w.event(
        AuditAction::of_credential(kind, false),
        "user",
        username,
        serde_json::json!({ "credential": id }),
    )
    .await
}

/// Revokes every live credential of `username` but `keep`; returns how many.
async fn revoke_all(
    w: &mut Write<'_>,
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
    .execute(w.conn())
    .await?;
    Ok(done.rows_affected())
}
