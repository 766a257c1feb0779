//! Logging in and out, and personal API tokens for scripts.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use repatria_store::{Actor, Credential};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::auth::{new_token, verify_password, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::{AppState, RequestId};

/// How long a login session lasts: a working day.
const SESSION_HOURS: i64 = 12;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer token for this session (also set as an HttpOnly cookie).
    pub token: String,
    /// Repeat in `X-CSRF-Token` on unsafe requests made with the cookie.
    pub csrf_token: String,
    pub user: UserView,
    pub expires_at: chrono::DateTime<Utc>,
}

/// Logs in with a password: a session token in the body and an HttpOnly cookie.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
        (status = 429, description = "too many failed logins", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    request_id: Option<axum::Extension<RequestId>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Response> {
    let mut keys = vec![format!("user:{}", body.username.trim())];
    if let Some(axum::Extension(axum::extract::ConnectInfo(addr))) = peer {
        keys.push(format!("ip:{}", addr.ip()));
    }
    let started = std::time::Instant::now();
    if state.login_limiter.is_blocked(&keys, started) {
        return Err(ApiError::TooManyRequests(
            "too many failed logins; wait 15 minutes and try again".into(),
        ));
    }
    let user = state.store.get_user(body.username.trim()).await?;
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(user) = user.filter(|_| ok) else {
        state
            .login_limiter
            .record_failure(&keys, std::time::Instant::now());
        tracing::info!("failed login");
        return Err(ApiError::Unauthorized("wrong user name or password".into()));
    };
    state.login_limiter.record_success(&keys[..1]);
    let (token, token_hash) = new_token();
    let (csrf_token, _) = new_token();
    let now = Utc::now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let mut actor = Actor::new(user.username.clone());
    if let Some(axum::Extension(RequestId(id))) = request_id {
        actor = actor.with_request(id);
    }
    let credential = Credential {
        token_hash,
        username: user.username.clone(),
        kind: "session".into(),
        name: None,
        csrf_token: Some(csrf_token.clone()),
        expires_at: Some(expires_at),
    };
    state
        .store
        .create_credential(&actor, credential, now)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let body = LoginResponse {
        token,
        csrf_token,
        user: UserView {
            username: user.username,
            role: user.role.to_string(),
        },
        expires_at,
    };
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Ends the session, or revokes the bearer token presented.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, Auth(user): Auth) -> ApiResult<Response> {
    state
        .store
        .revoke_credential(&user.actor(), &user.credential_hash, Utc::now())
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(crate::auth::CLEAR_SESSION_COOKIE),
    );
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for, such as `nightly list import`.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenResponse {
    /// Shown once; only its hash is stored. Revoke it by logging out with it.
    pub token: String,
    pub name: String,
}

/// Creates a personal API token for scripts, with the caller's role.
#[utoipa::path(post, path = "/api/auth/tokens", tag = "auth", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, axum::Json<NewTokenResponse>)> {
    let name = repatria_core::captive::required(&body.name, 100)
        .map_err(|e| ApiError::Invalid(vec![e.within("name")]))?;
    let (token, token_hash) = new_token();
    let credential = Credential {
        token_hash,
        username: user.username.clone(),
        kind: "api".into(),
        name: Some(name.clone()),
        csrf_token: None,
        expires_at: None,
    };
    state
        .store
        .create_credential(&user.actor(), credential, Utc::now())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewTokenResponse { token, name }),
    ))
}
