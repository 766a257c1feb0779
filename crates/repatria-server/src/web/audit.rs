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
const PAGE: usize = 50;

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
    let mut api = format!("/api/audit/events?limit={PAGE}");
    if !filter.is_empty() {
        api.push('&');
        api.push_str(&filter);
    }
    if let Some(after) = given("after") {
        api.push_str(&format!("&after={}", url_escape(after)));
    }
    let values: BTreeMap<String, String> = FILTERS
        .iter()
        .filter_map(|name| given(name).map(|v| (name.to_string(), v.to_string())))
        .collect();
    let (events, errors) = match ui.get::<Vec<AuditEventView>>(&api).await {
        Ok(events) => (events, BTreeMap::new()),
        Err(failure) if failure.is_input_error() => (Vec::new(), failure.fields),
        Err(failure) => return ui.fail(failure),
    };
    let next = (events.len() == PAGE)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
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
            next => next.map(|n| n.to_string()),
            start => given("after").is_some(),
            base => base,
        },
    )
}
