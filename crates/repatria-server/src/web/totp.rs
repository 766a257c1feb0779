//! Page: one's second factor (TOTP) — set it up (the secret shown once, then confirmed
//! with a code from the authenticator app) or remove it with the password.

use axum::extract::Query;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use super::session::{self, Fields, Ui};
use crate::routes::auth::{TotpEnrolment, TotpStatus};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/totp", get(page).post(enrol))
        .route("/totp/confirm", post(confirm))
        .route("/totp/disable", post(disable))
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    ui: &Ui,
    enrolment: Option<TotpEnrolment>,
    errors: std::collections::BTreeMap<String, String>,
    notice: Option<String>,
) -> Response {
    let status = match ui.get::<TotpStatus>("/api/auth/totp").await {
        Ok(status) => status,
        Err(failure) => return ui.fail(failure),
    };
    let invalid = !errors.is_empty();
    ui.render_form(
        "totp.html",
        context! { status => status, enrolment => enrolment, errors => errors, notice => notice },
        invalid,
    )
}

async fn page(ui: Ui, Query(done): Query<Done>) -> Response {
    let notice = match done.done.as_deref() {
        Some("enabled") => Some(ui.t("totp.enabled_now")),
        Some("disabled") => Some(ui.t("totp.disabled_now")),
        _ => None,
    };
    show(&ui, None, Default::default(), notice).await
}

async fn enrol(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    match ui
        .send::<TotpEnrolment>(Method::POST, "/api/auth/totp", &Value::Null, csrf)
        .await
    {
        // The secret is shown on this answer only.
        Ok(enrolment) => show(&ui, Some(enrolment), Default::default(), None).await,
        Err(failure) => ui.fail(failure),
    }
}

async fn confirm(ui: Ui, Form(fields): Form<Fields>) -> Response {
    match ui
        .submit::<IgnoredAny>(Method::POST, "/api/auth/totp/confirm", &fields)
        .await
    {
        Ok(_) => Redirect::to("/totp?done=enabled").into_response(),
        Err(failure) if failure.is_input_error() => {
            show(&ui, None, failure.form_errors(), None).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn disable(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let body = json!({
        "current_password": session::field(&fields, "current_password").unwrap_or_default()
    });
    match ui
        .send::<IgnoredAny>(Method::DELETE, "/api/auth/totp", &body, csrf)
        .await
    {
        Ok(_) => Redirect::to("/totp?done=disabled").into_response(),
        Err(failure) if failure.is_input_error() => {
            show(&ui, None, failure.form_errors(), None).await
        }
        Err(failure) => ui.fail(failure),
    }
}
