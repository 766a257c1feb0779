//! Page: one's own personal API tokens — the list (never a secret), a new token (shown
//! once, on the page that creates it) for roles that may create them, and revoking.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::session::{self, url_escape, Fields, Ui};
use crate::routes::auth::{NewTokenResponse, TokenView};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}/revoke", post(revoke))
}

#[derive(Deserialize)]
struct Done {
    revoked: Option<String>,
}

async fn show(
    ui: &Ui,
    created: Option<NewTokenResponse>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
) -> Response {
    // One's few tokens, all on the page.
    let tokens = match ui.get_all::<TokenView>("/api/auth/tokens").await {
        Ok(tokens) => tokens,
        Err(failure) => return ui.fail(failure),
    };
    let invalid = !errors.is_empty();
    ui.render_form(
        "tokens.html",
        context! { tokens => tokens, created => created, values => values, errors => errors, notice => notice },
        invalid,
    )
}

async fn list(ui: Ui, Query(done): Query<Done>) -> Response {
    let notice = done
        .revoked
        .map(|id| format!("{} {id}", ui.t("tokens.revoked")));
    show(&ui, None, BTreeMap::new(), BTreeMap::new(), notice).await
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    match ui
        .submit::<NewTokenResponse>(Method::POST, "/api/auth/tokens", &fields)
        .await
    {
        // The secret is shown on this answer only (never stored, never listed).
        Ok(created) => show(&ui, Some(created), BTreeMap::new(), BTreeMap::new(), None).await,
        Err(failure) if failure.is_input_error() => {
            show(
                &ui,
                None,
                session::values(&fields),
                failure.form_errors(),
                None,
            )
            .await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn revoke(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let path = format!("/api/auth/tokens/{}", url_escape(&id));
    match ui
        .send::<IgnoredAny>(Method::DELETE, &path, &Value::Null, csrf)
        .await
    {
        Ok(_) => Redirect::to(&format!("/tokens?revoked={}", url_escape(&id))).into_response(),
        Err(failure) => ui.fail(failure),
    }
}
