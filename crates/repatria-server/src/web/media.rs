//! Pages: media access (GC III Art. 13) — requests, decisions with their conditions, and
//! visits. A journalist sees his own requests; media officers see and decide all.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::session::{self, url_escape, Fields, Ui};
use super::Failure;
use crate::routes::media::{MediaRequestAnswer, MediaRequestView};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/media", get(list).post(create))
        .route("/media/{id}", get(detail))
        .route("/media/{id}/decision", post(decide))
        .route("/media/{id}/visits", post(visit))
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Requests a page lists.
const REQUESTS_PAGE: u32 = 50;

/// Where the list's page starts: the API's `next` of the page before.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    after: Option<String>,
}

async fn show_list(
    ui: &Ui,
    after: Option<&str>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Response {
    let page = match ui
        .page::<MediaRequestAnswer>("/api/media/requests", REQUESTS_PAGE, after)
        .await
    {
        Ok(page) => page,
        Err(failure) => return ui.fail(failure),
    };
    ui.render_form(
        "media/list.html",
        context! {
            requests => page.items, total => page.total, next => page.next,
            start => after.is_some(),
            values => values, errors => errors, today => today(),
        },
        !errors.is_empty(),
    )
}

async fn list(ui: Ui, Query(query): Query<ListQuery>) -> Response {
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    show_list(&ui, after, BTreeMap::new(), BTreeMap::new()).await
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    match ui
        .submit::<MediaRequestView>(Method::POST, "/api/media/requests", &fields)
        .await
    {
        Ok(request) => Redirect::to(&format!("/media/{}", url_escape(&request.id))).into_response(),
        Err(failure) if failure.is_input_error() => {
            show_list(&ui, None, session::values(&fields), failure.fields).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// Which form of the detail page the values and errors belong to.
#[derive(Default)]
struct FormState {
    which: &'static str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

async fn show_detail(ui: &Ui, id: &str, state: FormState) -> Response {
    // The API lists requests only: the one asked for is found among them.
    let requests = match ui
        .get_all::<MediaRequestAnswer>("/api/media/requests")
        .await
    {
        Ok(requests) => requests,
        Err(failure) => return ui.fail(failure),
    };
    let Some(request) = requests.into_iter().find(|r| r.id() == id) else {
        return ui.fail(Failure {
            status: StatusCode::NOT_FOUND,
            message: ui.t("media.no_such_request"),
            fields: BTreeMap::new(),
        });
    };
    let released: Vec<String> = match &request {
        MediaRequestAnswer::Whole(MediaRequestView {
            decision: Some(decision),
            ..
        }) => decision.consent_recorded.clone(),
        _ => Vec::new(),
    };
    ui.render_form(
        "media/detail.html",
        context! {
            request => request,
            released => released,
            form => state.which,
            values => state.values,
            errors => state.errors,
            today => today(),
            now => chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string(),
        },
        !state.errors.is_empty(),
    )
}

async fn detail(ui: Ui, Path(id): Path<String>) -> Response {
    show_detail(&ui, &id, FormState::default()).await
}

async fn change(ui: Ui, id: String, fields: Fields, which: &'static str) -> Response {
    let path = format!("/api/media/requests/{}/{which}", url_escape(&id));
    match ui.submit::<IgnoredAny>(Method::POST, &path, &fields).await {
        Ok(_) => Redirect::to(&format!("/media/{}", url_escape(&id))).into_response(),
        Err(failure) if failure.is_input_error() => {
            // A rule of the domain (a visit outside the window) is shown above the form.
            let state = FormState {
                which,
                values: session::values(&fields),
                errors: failure.form_errors(),
            };
            show_detail(&ui, &id, state).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn decide(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    change(ui, id, fields, "decision").await
}

async fn visit(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    change(ui, id, fields, "visits").await
}
