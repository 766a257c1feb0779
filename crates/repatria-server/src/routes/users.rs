//! User accounts: listing, creating, disabling and re-enabling (administrators only).
//! No answer ever carries a password hash.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use repatria_core::error::Validator;
use repatria_core::{check_new_password, parse_username, Permission, Role};
use repatria_store::{StoreError, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 2 to 64 characters a-z, 0-9, `.`, `_`, `-`, starting with a letter.
    pub username: String,
    /// One of the roles of docs/permissions.md.
    pub role: String,
    /// The initial password: at least 12 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledInput {
    pub disabled: bool,
}

/// An account as shown: never its password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
    pub disabled: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            username: user.username.clone(),
            role: user.role.as_str().to_string(),
            disabled: user.disabled,
        }
    }
}

/// Every account, by name.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<Vec<UserView>>> {
    user.require(Permission::ManageUsers)?;
    let users = state.store.list_users().await?;
    Ok(axum::Json(users.iter().map(UserView::from).collect()))
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
    let mut v = Validator::new();
    let username = v.check(parse_username(&body.username).map_err(|e| e.within("username")));
    let role = v.check(body.role.parse::<Role>().map_err(|e| e.within("role")));
    v.check(check_new_password(&body.password).map_err(|e| e.within("password")));
    v.finish()?;
    let password = body.password;
    let password_hash = tokio::task::spawn_blocking(move || crate::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))??;
    let account = User {
        username: username.expect("checked"),
        role: role.expect("checked"),
        password_hash,
        disabled: false,
    };
    state
        .store
        .create_user(&user.actor(), account.clone(), Utc::now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                ApiError::Conflict(format!("a user named {} exists already", account.username))
            }
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&account))))
}

/// Disables an account (its sessions and tokens stop working at once) or enables it
/// again. An administrator cannot disable his own account.
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
    Ok(axum::Json(UserView::from(&account)))
}
