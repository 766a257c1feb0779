//! Pages: user administration — the accounts, a new account with its role and initial
//! password, disabling and re-enabling an account, unlocking it after too many login
//! attempts, and resetting its password to a temporary one.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_core::Role;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

use super::session::{self, url_escape, Fields, Ui};
use super::Failure;
use crate::routes::users::UserView;
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{username}/disabled", post(set_disabled))
        .route("/users/{username}/unlock", post(unlock))
        .route("/users/{username}/password", post(reset_password))
}

#[derive(Deserialize)]
struct Done {
    created: Option<String>,
    changed: Option<String>,
    unlocked: Option<String>,
    reset: Option<String>,
}

/// The role choices, in the matrix's order, named in the visitor's language.
fn roles(ui: &Ui) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                ui.t(&format!("role.{}", r.as_str())),
            )
        })
        .collect()
}

async fn show(
    ui: &Ui,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
    alert: Option<String>,
) -> Response {
    // The bureau's accounts, all on the page (pages of 500 until the last).
    let users = match ui.get_all::<UserView>("/api/users").await {
        Ok(users) => users,
        Err(failure) => return ui.fail(failure),
    };
    ui.render_form(
        "users/list.html",
        context! {
            users => users,
            roles => roles(ui),
            values => values,
            errors => errors,
            notice => notice,
            alert => alert,
        },
        !(errors.is_empty() && alert.is_none()),
    )
}

async fn list(ui: Ui, Query(done): Query<Done>) -> Response {
    let notice = done
        .created
        .map(|name| format!("{} {name}", ui.t("users.created")))
        .or(done
            .changed
            .map(|name| format!("{} {name}", ui.t("users.changed"))))
        .or(done
            .unlocked
            .map(|name| format!("{} {name}", ui.t("users.unlocked"))))
        .or(done
            .reset
            .map(|name| format!("{} {name}", ui.t("users.password_reset"))));
    show(&ui, BTreeMap::new(), BTreeMap::new(), notice, None).await
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let body = json!({
        "username": session::field(&fields, "username").unwrap_or_default().trim(),
        "role": session::field(&fields, "role").unwrap_or_default(),
        "password": session::field(&fields, "password").unwrap_or_default(),
    });
    match ui
        .send::<UserView>(Method::POST, "/api/users", &body, csrf)
        .await
    {
        Ok(user) => {
            Redirect::to(&format!("/users?created={}", url_escape(&user.username))).into_response()
        }
        Err(failure) if failure.is_input_error() => {
            // The password is never sent back to the browser.
            let mut values = session::values(&fields);
            values.remove("password");
            let mut errors = failure.fields.clone();
            if errors.is_empty() {
                // A name taken already (409) belongs next to the name.
                errors.insert("username".into(), failure.message.clone());
            }
            show(&ui, values, errors, None, None).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn set_disabled(
    ui: Ui,
    Path(username): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let disabled = match session::field(&fields, "disabled") {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return ui.fail(Failure::unreadable(vec![(
                "disabled".into(),
                "must be true or false".into(),
            )]))
        }
    };
    let path = format!("/api/users/{}/disabled", url_escape(&username));
    match ui
        .send::<IgnoredAny>(Method::POST, &path, &json!({ "disabled": disabled }), csrf)
        .await
    {
        Ok(_) => Redirect::to(&format!("/users?changed={}", url_escape(&username))).into_response(),
        Err(failure) if failure.is_input_error() => {
            show(
                &ui,
                BTreeMap::new(),
                BTreeMap::new(),
                None,
                Some(failure.message),
            )
            .await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// Sends one account action (unlock, password reset) and comes back to the list with a
/// notice, or with the API's refusal above it.
async fn act(
    ui: Ui,
    username: &str,
    action: &str,
    body: serde_json::Value,
    csrf: &str,
    done: &str,
) -> Response {
    let path = format!("/api/users/{}/{action}", url_escape(username));
    match ui
        .send::<IgnoredAny>(Method::POST, &path, &body, csrf)
        .await
    {
        Ok(_) => Redirect::to(&format!("/users?{done}={}", url_escape(username))).into_response(),
        Err(failure) if failure.is_input_error() => {
            let message = failure
                .fields
                .values()
                .next()
                .cloned()
                .map(|reason| format!("{username}: {reason}"))
                .unwrap_or(failure.message);
            show(&ui, BTreeMap::new(), BTreeMap::new(), None, Some(message)).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn unlock(ui: Ui, Path(username): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf")
        .unwrap_or_default()
        .to_string();
    act(
        ui,
        &username,
        "unlock",
        serde_json::Value::Null,
        &csrf,
        "unlocked",
    )
    .await
}

async fn reset_password(
    ui: Ui,
    Path(username): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let csrf = session::field(&fields, "_csrf")
        .unwrap_or_default()
        .to_string();
    let body = json!({ "password": session::field(&fields, "password").unwrap_or_default() });
    act(ui, &username, "password", body, &csrf, "reset").await
}
