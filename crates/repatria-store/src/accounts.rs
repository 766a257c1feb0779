//! Accounts and credentials as stored. Hashing and token generation are the server's
//! business; the store keeps what it is given and audits every change.

use repatria_core::{Role, Timestamp};
use sqlx::Row;

use crate::sql::instant;
use crate::{Actor, Result, SqlStore, StoreError};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub role: Role,
    /// PHC string of an Argon2id hash.
    pub password_hash: String,
    pub disabled: bool,
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
    })
}

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
        sqlx::query("INSERT INTO users (username, role, password_hash, created_at, disabled) VALUES ($1, $2, $3, $4, $5)")
            .bind(&user.username)
            .bind(user.role.as_str())
            .bind(&user.password_hash)
            .bind(instant(now))
            .bind(user.disabled as i64)
            .execute(&mut *tx)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            "user.create",
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
        let row = sqlx::query(
            "SELECT username, role, password_hash, disabled FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub(crate) async fn select_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT username, role, password_hash, disabled FROM users ORDER BY username",
        )
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
        let row = sqlx::query(
            "SELECT username, role, password_hash, disabled FROM users WHERE username = $1",
        )
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
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit_in(
            &mut tx,
            actor,
            action,
            "user",
            username,
            serde_json::json!({ "was_disabled": user.disabled }),
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
        let action = format!("credential.{}.create", credential.kind);
        // The audit names the credential by a prefix of its hash: enough to tell them
        // apart, useless for logging in.
        let id = &credential.token_hash[..12.min(credential.token_hash.len())];
        self.audit_in(
            &mut tx,
            actor,
            &action,
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
            "SELECT c.token_hash, c.kind, c.name, c.csrf_token, c.expires_at, u.username, u.role, u.password_hash, u.disabled \
             FROM credentials c JOIN users u ON u.username = c.username \
             WHERE c.token_hash = $1 AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from(&row)?;
        let expires_at: Option<String> = row.try_get("expires_at")?;
        let credential = Credential {
            token_hash: row.try_get("token_hash")?,
            username: user.username.clone(),
            kind: row.try_get("kind")?,
            name: row.try_get("name")?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: expires_at
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.with_timezone(&chrono::Utc))
                })
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        };
        Ok(Some((credential, user)))
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
        sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE token_hash = $2")
            .bind(instant(now))
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        let id = &token_hash[..12.min(token_hash.len())];
        self.audit_in(
            &mut tx,
            actor,
            &format!("credential.{kind}.revoke"),
            "user",
            &username,
            serde_json::json!({ "credential": id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
