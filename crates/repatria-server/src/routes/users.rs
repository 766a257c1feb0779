//! User accounts: listing, creating, disabling and re-enabling, unlocking after too many
//! login attempts, and resetting a password (administrators only). No answer ever
//! carries a password hash.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use repatria_app::accounts::{self, CreateUserError, NewAccount};
use repatria_core::{check_new_password, Permission};
use repatria_store::{Order, Page, PageAt, PasswordChange, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 2 to 64 characters a-z, 0-9, `.`, `_`, `-`, starting with a letter.
    #[schema(value_type = crate::schema::Username)]
    pub username: String,
    /// One of the roles of docs/permissions.md.
    #[schema(value_type = crate::schema::Role)]
    pub role: String,
    /// The initial password: at least 12 characters.
    #[schema(value_type = crate::schema::NewPassword)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledInput {
    pub disabled: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// A temporary password of at least 12 characters, given to the user in person; he
    /// must choose his own at next login.
    #[schema(value_type = crate::schema::NewPassword)]
    pub password: String,
}

/// An account as shown: never its password hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
    pub disabled: bool,
    /// Too many login attempts within the window: logins are refused until it passes or
    /// an administrator unlocks the account.
    pub locked: bool,
    /// The password was reset and must be changed at next login.
    pub must_change_password: bool,
}

impl UserView {
    fn new(user: &User, locked: bool) -> Self {
        UserView {
            username: user.username.clone(),
            role: user.role.as_str().to_string(),
            disabled: user.disabled,
            locked,
            must_change_password: user.must_change_password,
        }
    }
}

/// The accounts whose login attempts have run out in the current window.
async fn locked_accounts(state: &AppState) -> ApiResult<std::collections::HashSet<String>> {
    let policy = &state.login_limiter.policy;
    let counts = state
        .store
        .account_login_attempts(Utc::now() - policy.window)
        .await?;
    Ok(counts
        .into_iter()
        .filter(|c| c.attempts >= policy.account_limit)
        .filter_map(|c| c.bucket.strip_prefix("account:").map(String::from))
        .collect())
}

/// An account as stored now, with whether failed logins have locked it.
async fn account_view(state: &AppState, username: &str) -> ApiResult<axum::Json<UserView>> {
    let account = state
        .store
        .get_user(username)
        .await?
        .ok_or_else(|| ApiError::not_found("user", username))?;
    let locked = locked_accounts(state).await?.contains(&account.username);
    Ok(axum::Json(UserView::new(&account, locked)))
}

/// The accounts by name, a page at a time (the position: a name).
#[utoipa::path(get, path = "/api/users", tag = "users", params(PageQuery),
    responses((status = 200, body = ListPage<UserView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<UserView>>> {
    user.require(Permission::ManageUsers)?;
    let at: PageAt<String> = page.page()?;
    // The bureau's accounts are few: paged here, by name.
    let users = state.store.list_users().await?;
    let page = Page::of(users, &at, Order::Ascending, |u| u.username.clone());
    let locked = locked_accounts(&state).await?;
    Ok(axum::Json(ListPage::of(page, |u| {
        let locked = locked.contains(&u.username);
        UserView::new(&u, locked)
    })))
}

/// Creates an account with a role and an initial password.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = NewUser,
    responses(
        (status = 201, body = UserView),
        (status = 403, body = ErrorBody),
        (status = 409, description = "the name is taken", body = ErrorBody),
        (status = 422, description = "invalid field", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewUser>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    user.require(Permission::ManageUsers)?;
    let checked =
        NewAccount::check(&body.username, &body.role, &body.password).map_err(ApiError::Invalid)?;
    let password_hash = hash_password(&state, body.password).await?;
    let account = accounts::create_user(
        &state.store,
        &user.actor(),
        checked,
        password_hash,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        CreateUserError::Taken(_) => ApiError::Conflict(e.to_string()),
        CreateUserError::Store(other) => other.into(),
    })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(UserView::new(&account, false)),
    ))
}

/// Disables an account (its sessions and tokens are revoked for good, in the same
/// transaction) or enables it again. An administrator cannot disable his own account.
#[utoipa::path(post, path = "/api/users/{username}/disabled", tag = "users", request_body = DisabledInput,
    params(("username" = String, Path, description = "the account's name")),
    responses(
        (status = 200, body = UserView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "one's own account", body = ErrorBody),
    ))]
pub async fn set_disabled(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(username): Path<String>,
    Json(body): Json<DisabledInput>,
) -> ApiResult<axum::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    if body.disabled && username == user.username {
        return Err(ApiError::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    let account = state
        .store
        .set_user_disabled(&user.actor(), &username, body.disabled, Utc::now())
        .await
        .map_err(|e| ApiError::store("user", &username, e))?;
    let locked = locked_accounts(&state).await?.contains(&account.username);
    Ok(axum::Json(UserView::new(&account, locked)))
}

/// Clears an account's failed login attempts, so that its user can log in again before
/// the window has passed (`user.unlock` in the audit log). Attempts counted against a
/// client address are not cleared.
#[utoipa::path(post, path = "/api/users/{username}/unlock", tag = "users",
    params(("username" = String, Path, description = "the account's name")),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn unlock(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(username): Path<String>,
    // Read (and ignored), so that the connection stays usable after the answer.
    _body: axum::body::Bytes,
) -> ApiResult<axum::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    state
        .store
        .unlock_user(
            &user.actor(),
            &username,
            &crate::limit::account_bucket(&username),
            Utc::now(),
        )
        .await
        .map_err(|e| ApiError::store("user", &username, e))?;
    account_view(&state, &username).await
}

/// Resets an account's password to a temporary one (`user.password_reset` in the audit
/// log): every session and token of the account is revoked, and until the user has
/// chosen a new password every API call but `POST /api/auth/password` and logout
/// answers 403 `password_change_required`. One's own password is changed with `POST
/// /api/auth/password` instead (409 here).
#[utoipa::path(post, path = "/api/users/{username}/password", tag = "users", request_body = PasswordReset,
    params(("username" = String, Path, description = "the account's name")),
    responses(
        (status = 200, body = UserView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "one's own account", body = ErrorBody),
        (status = 422, description = "`password` too short", body = ErrorBody),
        (status = 503, description = "too many password hashes at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(username): Path<String>,
    Json(body): Json<PasswordReset>,
) -> ApiResult<axum::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    if username == user.username {
        return Err(ApiError::Conflict(
            "change your own password with POST /api/auth/password".into(),
        ));
    }
    check_new_password(&body.password)
        .map_err(|e| ApiError::Invalid(vec![e.within("password")]))?;
    let password_hash = hash_password(&state, body.password).await?;
    state
        .store
        .set_password(
            &user.actor(),
            &username,
            &password_hash,
            PasswordChange::Reset,
            Utc::now(),
        )
        .await
        .map_err(|e| ApiError::store("user", &username, e))?;
    account_view(&state, &username).await
}

/// Hashes a new password off the async threads, within the login limiter's turns for
/// password work (503 when none comes free in time).
async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    let _turn = state.login_limiter.hashing_turn().await?;
    tokio::task::spawn_blocking(move || crate::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))?
}
