//! Pages: the audit log, filtered by entity, actor and action, a page at a time.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;

use serde::Serialize;

use super::session::{url_escape, Ui};
use crate::routes::audit::AuditEventView;
use crate::AppState;

/// An event as the page lists it: the API's view and its detail as text.
#[derive(Serialize)]
struct EventRow {
    #[serde(flatten)]
    event: AuditEventView,
    detail_text: String,
}

/// Events per page.
const PAGE: u32 = 50;

/// The filter's inputs, as given (empty ones are left out of the API's query).
const FILTERS: [&str; 4] = ["entity_type", "entity_id", "actor", "action"];

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

async fn page(ui: Ui, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let given = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let filter: String = FILTERS
        .iter()
        .filter_map(|name| given(name).map(|v| format!("{name}={}", url_escape(v))))
        .collect::<Vec<_>>()
        .join("&");
    let api = format!("/api/audit/events?{filter}");
    let values: BTreeMap<String, String> = FILTERS
        .iter()
        .filter_map(|name| given(name).map(|v| (name.to_string(), v.to_string())))
        .collect();
    let (events, next, total, errors) =
        match ui.page::<AuditEventView>(&api, PAGE, given("after")).await {
            Ok(page) => (page.items, page.next, page.total, BTreeMap::new()),
            Err(failure) if failure.is_input_error() => (Vec::new(), None, 0, failure.fields),
            Err(failure) => return ui.fail(failure),
        };
    let items: Vec<EventRow> = events
        .into_iter()
        .map(|event| EventRow {
            // The detail as one line of JSON, to read, not to parse.
            detail_text: event.detail.clone(),
            event,
        })
        .collect();
    let base = if filter.is_empty() {
        "/audit".to_string()
    } else {
        format!("/audit?{filter}")
    };
    ui.render(
        "audit/list.html",
        context! {
            events => items,
            values => values,
            errors => errors,
            next => next,
            total => total,
            start => given("after").is_some(),
            base => base,
        },
    )
}
