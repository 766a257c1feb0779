//! Authentication: tokens, and the middleware that turns a
//! bearer token or session cookie into the acting user.

use argon2::password_hash::rand_core::OsRng;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use repatria_core::{Permission, Role};
use repatria_store::Actor;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::{AppState, RequestId};

/// The session cookie's name. The `__Host-` prefix makes browsers accept it only when it
/// is `Secure`, has `Path=/` and no `Domain`: no sibling or parent domain, and no page
/// served over plain HTTP, can set or overwrite it.
pub const SESSION_COOKIE: &str = "__Host-repatria_session";
/// The `Set-Cookie` value that ends the session in the browser.
pub const CLEAR_SESSION_COOKIE: &str =
    "__Host-repatria_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0";
/// The header that must repeat a cookie session's CSRF token on unsafe methods.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Hashes a password with Argon2id and a random salt, as a PHC string
/// ([`repatria_app::accounts::hash_password`]).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    repatria_app::accounts::hash_password(password).map_err(|e| ApiError::Internal(e.to_string()))
}

pub use repatria_app::accounts::verify_password;

/// A new random token (shown to its owner once) and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub username: String,
    pub role: Role,
    /// Hash of the credential used, so that logout can revoke exactly it.
    pub credential_hash: String,
    pub request_id: Option<String>,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        let actor = Actor::new(self.username.clone());
        match &self.request_id {
            Some(id) => actor.with_request(id.clone()),
            None => actor,
        }
    }

    /// 403 unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the role {} may not do this",
                self.role
            )))
        }
    }
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

/// The value of the cookie `name` in a request's headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The credential a token stands for and its user, unless the token is unknown, expired
/// or revoked, the session idle for longer than `state.session_idle`, or the user
/// disabled. Records the use, at most once a minute, so that an active session stays
/// alive without a write on every request.
pub async fn live_credential(
    state: &AppState,
    token: &str,
) -> Result<Option<(repatria_store::Credential, repatria_store::User)>, ApiError> {
    let now = chrono::Utc::now();
    let Some((credential, user)) = state.store.find_credential(&token_hash(token), now).await?
    else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let last_used = credential.last_used_at.or(credential.created_at);
    if credential.kind == "session" && last_used.is_some_and(|t| now - t > state.session_idle) {
        return Ok(None);
    }
    let touch_every = (state.session_idle / 4).min(chrono::Duration::minutes(1));
    if last_used.is_none_or(|t| now - t >= touch_every) {
        state
            .store
            .touch_credential(&credential.token_hash, now)
            .await?;
    }
    Ok(Some((credential, user)))
}

/// Paths (inside `/api`) that a user whose password was reset may still use.
fn allowed_before_password_change(path: &str) -> bool {
    let path = path.strip_prefix("/api").unwrap_or(path);
    matches!(path, "/auth/password" | "/auth/logout")
}

/// Requires a live credential on every request it guards: `Authorization: Bearer`, or
/// the session cookie with its CSRF token repeated in `X-CSRF-Token` on unsafe methods.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (token, from_cookie) = match bearer(&request) {
        Some(token) => (token.to_string(), false),
        None => match cookie(request.headers(), SESSION_COOKIE) {
            Some(token) => (token.to_string(), true),
            None => {
                return Err(ApiError::Unauthorized(
                    "log in first: send a bearer token or the session cookie".into(),
                ))
            }
        },
    };
    let Some((credential, user)) = live_credential(&state, &token).await? else {
        return Err(ApiError::Unauthorized(
            "the token or session is unknown, expired or revoked".into(),
        ));
    };
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if from_cookie && unsafe_method {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let expected = credential.csrf_token.as_deref().unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(sent, expected) {
            return Err(ApiError::Forbidden(
                "missing or wrong X-CSRF-Token for a cookie session".into(),
            ));
        }
    }
    if user.must_change_password && !allowed_before_password_change(request.uri().path()) {
        return Err(ApiError::PasswordChangeRequired(
            "an administrator reset your password: choose a new one with POST /api/auth/password first".into(),
        ));
    }
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    request.extensions_mut().insert(CurrentUser {
        username: user.username,
        role: user.role,
        credential_hash: credential.token_hash,
        request_id,
    });
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_by_hash() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), hash_a);
        assert!(
            constant_time_eq(&a, &a.clone())
                && !constant_time_eq(&a, &b)
                && !constant_time_eq("a", "ab")
        );
    }
}
