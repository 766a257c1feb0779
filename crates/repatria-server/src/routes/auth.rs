//! Logging in and out, changing one's password, and personal API tokens for scripts.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use repatria_core::error::Validator;
use repatria_core::{check_new_password, FieldError, Permission};
use repatria_store::{Actor, At, Credential, Order, Page, PageAt, PasswordChange};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::auth::{new_token, verify_password, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::limit::{account_bucket, address_bucket};
use crate::page::{ListPage, PageQuery};
use crate::{AppState, RequestId};

/// How long a login session lasts at most: a working day (it ends sooner when idle).
const SESSION_HOURS: i64 = 12;
/// A personal API token's life unless the request says otherwise, and the longest.
const TOKEN_DAYS_DEFAULT: u32 = 90;
const TOKEN_DAYS_MAX: u32 = 365;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The 6-digit code of the authenticator app, for accounts with a second factor.
    #[serde(default)]
    pub totp_code: Option<String>,
}

/// The account a session belongs to, as the login answers it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionUser {
    pub username: String,
    pub role: String,
    /// An administrator reset the password: until it is changed (`POST
    /// /api/auth/password`) every other call answers 403 `password_change_required`.
    pub must_change_password: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer token for this session (also set as an HttpOnly cookie).
    pub token: String,
    /// Repeat in `X-CSRF-Token` on unsafe requests made with the cookie.
    pub csrf_token: String,
    pub user: SessionUser,
    /// The latest end of the session; it ends sooner after the idle timeout.
    #[schema(format = DateTime)]
    pub expires_at: chrono::DateTime<Utc>,
}

fn actor_of(username: &str, request_id: Option<axum::Extension<RequestId>>) -> Actor {
    let actor = Actor::new(username);
    match request_id {
        Some(axum::Extension(RequestId(id))) => actor.with_request(id),
        None => actor,
    }
}

/// Logs in with a password: a session token in the body and an HttpOnly cookie.
///
/// The attempt is counted for the account and for the client's address before the
/// password is checked; past 5 attempts for an account (20 for an address) within 15
/// minutes the answer is 429 without any check, until the window has passed or an
/// administrator unlocks the account. A successful login clears the account's count.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses(
        (status = 200, body = LoginResponse,
            headers(("Set-Cookie" = String, description = "`__Host-repatria_session`: HttpOnly, Secure, SameSite=Strict, Path=/"))),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "wrong user name or password or one-time code; `totp_required` when the account needs a `totp_code`", body = ErrorBody),
        (status = 403, description = "the `Origin` header names another site", body = ErrorBody),
        (status = 422, description = "a field missing or of the wrong type", body = ErrorBody),
        (status = 429, description = "too many login attempts for the account or the address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds until the window has passed"))),
        (status = 503, description = "too many password checks at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    request_id: Option<axum::Extension<RequestId>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Response> {
    if !crate::client::same_origin(&headers) {
        return Err(ApiError::Forbidden(
            "a login from another site's page is refused (Origin does not match Host)".into(),
        ));
    }
    // No account name is longer than 64 characters; a longer one is cut before it is
    // counted or audited, so that made-up names cannot fill rows of any size.
    let attempted: String = body.username.trim().chars().take(64).collect();
    let client = state
        .proxies
        .client_address(peer.map(|axum::Extension(c)| c.0.ip()), &headers);
    let account = account_bucket(&attempted);
    let mut buckets = vec![account.clone()];
    buckets.extend(client.map(address_bucket));
    // Refused login attempts are audited as the anonymous visitor, with the name tried.
    let anonymous = actor_of("anonymous", request_id.clone());
    let limiter = &state.login_limiter;
    limiter
        .admit(&state.store, &anonymous, &attempted, &buckets, client)
        .await?;
    let turn = limiter.hashing_turn().await?;
    let user = state.store.get_user(&attempted).await?;
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    drop(turn);
    let refuse = |error: ApiError| async {
        let client = client.map(|c| c.to_string());
        state
            .store
            .audit_login_refusal(&anonymous, &attempted, None, client.as_deref(), Utc::now())
            .await?;
        tracing::info!("failed login");
        Err::<Response, ApiError>(error)
    };
    let Some(user) = user.filter(|_| ok) else {
        return refuse(ApiError::Unauthorized("wrong user name or password".into())).await;
    };
    // The second factor, when the account has one: a fresh code, never one used before.
    if let Some(totp) = state
        .store
        .totp(&user.username)
        .await?
        .filter(|t| t.enabled)
    {
        let Some(code) = body.totp_code.as_deref().filter(|c| !c.trim().is_empty()) else {
            // Not counted as a failure: the password was right, the client asks again.
            state.store.login_succeeded(&[], &buckets[1..]).await?;
            return Err(ApiError::TotpRequired(
                "this account needs the one-time code of its authenticator app (totp_code)".into(),
            ));
        };
        let step = crate::totp::verify(&totp.secret, code, Utc::now().timestamp());
        let fresh = match step {
            Some(step) => state.store.use_totp_step(&user.username, step).await?,
            None => false,
        };
        if !fresh {
            return refuse(ApiError::Unauthorized(
                "wrong, expired or already used one-time code".into(),
            ))
            .await;
        }
    }
    state
        .store
        .login_succeeded(&buckets[..1], &buckets[1..])
        .await?;
    let (token, token_hash) = new_token();
    let (csrf_token, _) = new_token();
    let now = Utc::now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let credential = Credential {
        token_hash,
        username: user.username.clone(),
        kind: "session".into(),
        name: None,
        csrf_token: Some(csrf_token.clone()),
        expires_at: Some(expires_at),
        created_at: None,
        last_used_at: None,
    };
    state
        .store
        .create_credential(&actor_of(&user.username, request_id), credential, now)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let body = LoginResponse {
        token,
        csrf_token,
        user: SessionUser {
            username: user.username,
            role: user.role.to_string(),
            must_change_password: user.must_change_password,
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
pub struct PasswordChangeRequest {
    pub current_password: String,
    /// At least 12 characters, and not the current password.
    #[schema(value_type = crate::schema::NewPassword)]
    pub new_password: String,
}

/// Changes one's own password. Every other session of the account is revoked (the one
/// used here stays; API tokens stay). This is also how a user whose password an
/// administrator reset sets his own. A wrong current password counts as a failed login
/// attempt for the account.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "changed; the other sessions are revoked"),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "missing CSRF token for a cookie session, or `current_password` is wrong (`fields` names it)", body = ErrorBody),
        (status = 422, description = "`new_password` too short, blank or unchanged", body = ErrorBody),
        (status = 429, description = "too many wrong passwords for the account", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds until the window has passed"))),
        (status = 503, description = "too many password checks at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    let mut v = Validator::new();
    v.check(check_new_password(&body.new_password).map_err(|e| e.within("new_password")));
    if body.new_password == body.current_password {
        v.check::<()>(Err(FieldError::new(
            "new_password",
            "must differ from the current password",
        )));
    }
    v.finish()?;
    let new = body.new_password;
    let new_hash = with_current_password(&state, &user, body.current_password, move || {
        crate::hash_password(&new)
    })
    .await?;
    let actor = user.actor();
    state
        .store
        .set_password(
            &actor,
            &user.username,
            &new_hash,
            PasswordChange::Own {
                keep: user.credential_hash.clone(),
            },
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for, such as `nightly list import`.
    #[schema(value_type = crate::schema::Required100)]
    pub name: String,
    /// Days until the token expires: 1 to 365, 90 when not given.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewTokenResponse {
    /// Shown once; only its hash is stored.
    pub token: String,
    /// The token's id, to list and revoke it (`DELETE /api/auth/tokens/{id}`).
    pub id: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub expires_at: chrono::DateTime<Utc>,
}

/// A personal API token as listed: never the token itself.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: Option<chrono::DateTime<Utc>>,
    #[schema(format = DateTime)]
    pub expires_at: Option<chrono::DateTime<Utc>>,
    /// Recorded at most once a minute.
    #[schema(format = DateTime)]
    pub last_used_at: Option<chrono::DateTime<Utc>>,
}

/// Creates a personal API token for scripts, with the caller's role. Only roles whose
/// work calls for scripts may (see docs/permissions.md).
#[utoipa::path(post, path = "/api/auth/tokens", tag = "auth", request_body = NewTokenRequest,
    responses(
        (status = 201, body = NewTokenResponse),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "the role may not create tokens", body = ErrorBody),
        (status = 422, description = "`name` blank or too long, `expires_in_days` outside 1 to 365", body = ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, axum::Json<NewTokenResponse>)> {
    user.require(Permission::CreateApiTokens)?;
    let mut v = Validator::new();
    let name =
        v.check(repatria_core::captive::required(&body.name, 100).map_err(|e| e.within("name")));
    let days = body.expires_in_days.unwrap_or(TOKEN_DAYS_DEFAULT as i64);
    if !(1..=TOKEN_DAYS_MAX as i64).contains(&days) {
        v.check::<()>(Err(FieldError::new(
            "expires_in_days",
            format!("must be 1 to {TOKEN_DAYS_MAX} days, got {days}"),
        )));
    }
    v.finish()?;
    let name = name.expect("checked");
    let (token, token_hash) = new_token();
    let now = Utc::now();
    let expires_at = now + Duration::days(days);
    let credential = Credential {
        token_hash,
        username: user.username.clone(),
        kind: "api".into(),
        name: Some(name.clone()),
        csrf_token: None,
        expires_at: Some(expires_at),
        created_at: None,
        last_used_at: None,
    };
    let id = credential.id().to_string();
    state
        .store
        .create_credential(&user.actor(), credential, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewTokenResponse {
            token,
            id,
            name,
            expires_at,
        }),
    ))
}

/// One's own personal API tokens that are neither revoked nor expired, newest first, a
/// page at a time.
#[utoipa::path(get, path = "/api/auth/tokens", tag = "auth", params(PageQuery),
    responses((status = 200, body = ListPage<TokenView>), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<TokenView>>> {
    let at: PageAt<At> = page.page()?;
    let tokens = state.store.list_tokens(&user.username, Utc::now()).await?;
    // A person's few tokens: paged here, by when each was made and its id.
    let page = Page::of(tokens, &at, Order::Descending, |t| {
        At::new(t.created_at.unwrap_or_default(), t.id())
    });
    Ok(axum::Json(ListPage::of(page, |t| TokenView {
        id: t.id().to_string(),
        name: t.name.clone(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
    })))
}

/// Revokes one of one's own personal API tokens.
#[utoipa::path(delete, path = "/api/auth/tokens/{id}", tag = "auth",
    params(("id" = String, Path, description = "the token's id (16 hexadecimal digits)")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "missing CSRF token for a cookie session", body = ErrorBody),
        (status = 404, description = "no live token of yours has this id", body = ErrorBody),
    ))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(id): Path<String>,
    // Read (and ignored), so that the connection stays usable after the answer.
    _body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_token(&user.actor(), &user.username, &id, Utc::now())
        .await
        .map_err(|e| ApiError::store("token", &id, e))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpStatus {
    /// Logins need a one-time code.
    pub enabled: bool,
    /// A secret was made but not yet confirmed with a code.
    pub pending: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32, to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` address (for a QR code).
    pub uri: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// 6 digits from the authenticator app.
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpDisable {
    pub current_password: String,
}

/// Whether one's account has a second factor.
#[utoipa::path(get, path = "/api/auth/totp", tag = "auth",
    responses((status = 200, body = TotpStatus), (status = 401, body = ErrorBody)))]
pub async fn totp_status(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<TotpStatus>> {
    let totp = state.store.totp(&user.username).await?;
    Ok(axum::Json(TotpStatus {
        enabled: totp.as_ref().is_some_and(|t| t.enabled),
        pending: totp.as_ref().is_some_and(|t| !t.enabled),
    }))
}

/// Starts setting up a second factor: a new secret, shown once, to be confirmed with a
/// code (`POST /api/auth/totp/confirm`) before logins need it. 409 when one is enabled.
#[utoipa::path(post, path = "/api/auth/totp", tag = "auth",
    responses(
        (status = 200, body = TotpEnrolment),
        (status = 401, body = ErrorBody),
        (status = 403, description = "missing CSRF token for a cookie session", body = ErrorBody),
        (status = 409, description = "a second factor is enabled already", body = ErrorBody),
    ))]
pub async fn totp_enrol(
    State(state): State<AppState>,
    Auth(user): Auth,
    _body: axum::body::Bytes,
) -> ApiResult<axum::Json<TotpEnrolment>> {
    if state
        .store
        .totp(&user.username)
        .await?
        .is_some_and(|t| t.enabled)
    {
        return Err(ApiError::Conflict(
            "a second factor is enabled already; disable it first".into(),
        ));
    }
    let secret = crate::totp::new_secret();
    state
        .store
        .change_totp(
            &user.actor(),
            &user.username,
            repatria_store::TotpChange::Enrol {
                secret: secret.clone(),
            },
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(TotpEnrolment {
        secret: crate::totp::base32(&hex::decode(&secret).unwrap_or_default()),
        uri: crate::totp::uri(&user.username, &secret),
    }))
}

/// Confirms the second factor with a code from the app; from then on logins need one.
#[utoipa::path(post, path = "/api/auth/totp/confirm", tag = "auth", request_body = TotpCode,
    responses(
        (status = 204, description = "enabled"),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "missing CSRF token for a cookie session, or `code` is not the app's current code (`fields` names it)", body = ErrorBody),
        (status = 409, description = "no secret was made, or the factor is enabled already", body = ErrorBody),
    ))]
pub async fn totp_confirm(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<TotpCode>,
) -> ApiResult<StatusCode> {
    let Some(totp) = state.store.totp(&user.username).await? else {
        return Err(ApiError::Conflict(
            "no second factor is being set up: POST /api/auth/totp first".into(),
        ));
    };
    if totp.enabled {
        return Err(ApiError::Conflict(
            "the second factor is enabled already".into(),
        ));
    }
    let Some(step) = crate::totp::verify(&totp.secret, &body.code, Utc::now().timestamp()) else {
        return Err(ApiError::Denied(FieldError::new(
            "code",
            "is not the current code of the authenticator app",
        )));
    };
    state
        .store
        .change_totp(
            &user.actor(),
            &user.username,
            repatria_store::TotpChange::Enable { step },
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes one's second factor; needs the current password. (A user who lost his
/// authenticator asks an administrator for a password reset, which removes it too.)
#[utoipa::path(delete, path = "/api/auth/totp", tag = "auth", request_body = TotpDisable,
    responses(
        (status = 204, description = "removed"),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "missing CSRF token for a cookie session, or `current_password` is wrong (`fields` names it)", body = ErrorBody),
        (status = 404, description = "the account has no second factor", body = ErrorBody),
        (status = 429, description = "too many wrong passwords for the account", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds until the window has passed"))),
        (status = 503, description = "too many password checks at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn totp_disable(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<TotpDisable>,
) -> ApiResult<StatusCode> {
    if state.store.totp(&user.username).await?.is_none() {
        return Err(ApiError::NotFound(
            "the account has no second factor".into(),
        ));
    }
    with_current_password(&state, &user, body.current_password, || Ok(())).await?;
    let actor = user.actor();
    state
        .store
        .change_totp(
            &actor,
            &user.username,
            repatria_store::TotpChange::Disable,
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the user's current password as a login attempt on his account: counted by the
/// limiter first (429 past the limit), checked within a turn for password work (503 when
/// none comes free); when it is right, `then` runs in the same blocking task (to hash a
/// new password) and the account's count is cleared. A wrong password is audited as a
/// refused login and answers 403 naming `current_password`.
async fn with_current_password<T: Send + 'static>(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    current: String,
    then: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let account = vec![account_bucket(&user.username)];
    let actor = user.actor();
    state
        .login_limiter
        .admit(&state.store, &actor, &user.username, &account, None)
        .await?;
    let turn = state.login_limiter.hashing_turn().await?;
    let stored = state
        .store
        .get_user(&user.username)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    let checked = tokio::task::spawn_blocking(move || {
        if verify_password(&current, Some(&stored.password_hash)) {
            then().map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    drop(turn);
    let Some(value) = checked else {
        state
            .store
            .audit_login_refusal(&actor, &user.username, None, None, Utc::now())
            .await?;
        return Err(ApiError::Denied(FieldError::new(
            "current_password",
            "is not your current password",
        )));
    };
    state.store.login_succeeded(&account, &[]).await?;
    Ok(value)
}
