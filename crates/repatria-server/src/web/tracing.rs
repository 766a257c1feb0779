//! Pages: tracing requests (GC III Art. 122) and the match review queue.
//!
//! - `/tracing`: the requests, filtered by status, fifty a page (the API answers them
//!   all, oldest first; the page slices).
//! - `/tracing/new`: a family's request, posted to `POST /api/tracing/requests`. The
//!   empty form is refused up front to a role without `ManageTracing` (there is no API
//!   call to ask without recording something); what is posted is the API's to decide.
//! - `/tracing/{id}`: the request (the inquirer's contact only when the API gives it),
//!   its candidates with their evidence, and the forms to record an answer to the family
//!   and to close it (the API refuses to close before an answer: its message is shown).
//! - `/matches`: the links found by matching, by state (`review` by default), each with
//!   both sides summarised, the score and every feature's contribution; Confirm, Reject
//!   and Undo post to `POST /api/matches/{id}/decision` and come back to the queue.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_core::{LinkState, Permission, TracingStatus};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::form;
use super::session::{self, url_escape, Fields, Ui};
use super::Failure;
use crate::page::ListPage;
use crate::routes::captives::dto::CaptiveAnswer;
use crate::routes::tracing::{LinkView, TracingRequestView};
use crate::AppState;

/// Requests shown on a page of the list.
const REQUESTS_PAGE: u32 = 50;
/// Links shown on a page of the review queue.
const LINKS_PAGE: u32 = 25;

/// The review queue's filter, in the order a reviewer wants it (those waiting first).
const LINK_STATES: [LinkState; 4] = [
    LinkState::Review,
    LinkState::Linked,
    LinkState::Confirmed,
    LinkState::Rejected,
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tracing", get(list))
        .route("/tracing/registry.pfif.xml", get(pfif))
        .route("/tracing/new", get(new_form).post(create))
        .route("/tracing/{id}", get(show))
        .route("/tracing/{id}/answer", post(answer))
        .route("/tracing/{id}/close", post(close))
        .route("/matches", get(queue))
        .route("/matches/{id}/decision", post(decide))
}

/// One feature's part in a score as a row of the page: `family_name`, `exact`, `+8.6`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Feature {
    pub name: String,
    pub level: String,
    /// In bits, to a tenth, with its sign.
    pub weight: String,
    pub positive: bool,
}

/// The rows of a link's `contributions` (the API's structured explanation: `feature`,
/// `level`, `weight`), one feature a row, the prior last.
pub(super) fn features(contributions: &[crate::imports::ContributionView]) -> Vec<Feature> {
    contributions.iter().map(Feature::of).collect()
}

impl Feature {
    fn new(name: &str, level: &str, weight: f64) -> Self {
        let weight = format!("{weight:+.1}");
        Feature {
            name: name.to_string(),
            level: level.to_string(),
            positive: !weight.starts_with('-'),
            weight,
        }
    }

    /// The row of one contribution of an import report's candidate.
    pub(super) fn of(c: &crate::imports::ContributionView) -> Self {
        Feature::new(&c.feature, &c.level, c.weight)
    }
}

/// A link as the pages show it: the API's view, its contributions as rows, and what its
/// subject and target are (summaries read from the API).
#[derive(Debug, Serialize)]
struct LinkRow {
    #[serde(flatten)]
    link: LinkView,
    features: Vec<Feature>,
    #[serde(skip_serializing_if = "Value::is_null")]
    subject: Value,
    target: Value,
}

impl LinkRow {
    fn new(link: LinkView, subject: Value, target: Value) -> LinkRow {
        LinkRow {
            features: features(&link.contributions),
            link,
            subject,
            target,
        }
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    /// Where the page starts: the API's `next` of the page before.
    after: Option<String>,
}

/// The requests in the API's order, oldest first: those waiting longest come first for
/// a desk working through them.
async fn list(ui: Ui, Query(query): Query<ListQuery>) -> Response {
    let status = query.status.unwrap_or_default();
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let path = if status.is_empty() {
        "/api/tracing/requests".to_string()
    } else {
        format!("/api/tracing/requests?status={}", url_escape(&status))
    };
    let (page, errors) = match ui
        .page::<TracingRequestView>(&path, REQUESTS_PAGE, after)
        .await
    {
        Ok(page) => (page, None),
        Err(failure) if failure.is_input_error() => (
            ListPage {
                items: Vec::new(),
                total: 0,
                next: None,
            },
            Some(failure.fields),
        ),
        Err(failure) => return ui.fail(failure),
    };
    let (total, next) = (page.total, page.next);
    let items: Vec<RequestRow> = page
        .items
        .into_iter()
        .map(|request| RequestRow {
            name: request_name(&request),
            request,
        })
        .collect();
    let status_options: Vec<[String; 2]> = TracingStatus::ALL
        .iter()
        .map(|s| [s.to_string(), ui.t(&format!("tracing.status.{s}"))])
        .collect();
    let base = if status.is_empty() {
        "/tracing".to_string()
    } else {
        format!("/tracing?status={}", url_escape(&status))
    };
    ui.render(
        "tracing/list.html",
        context! {
            items, total, status, errors, status_options, base, next,
            start => after.is_some(),
        },
    )
}

/// The form is a page of its own; the API decides on what is posted. A role that may
/// not record requests is told so here rather than after filling it in.
async fn new_form(ui: Ui) -> Response {
    if !ui.user.role.can(Permission::ManageTracing) {
        return ui.fail(Failure {
            status: StatusCode::FORBIDDEN,
            message: ui.t("tracing.new.forbidden"),
            fields: Default::default(),
        });
    }
    ui.render(
        "tracing/new.html",
        // Consent is the inquirer's to give: never ticked in advance.
        context! { values => context! {}, errors => context! {} },
    )
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let result = match form::to_json(&fields) {
        Ok(mut body) => {
            // Required text left empty is sent empty, so that the API names it.
            for name in ["inquirer_name", "inquirer_relation", "inquirer_contact"] {
                if body.get(name).is_none() {
                    body[name] = json!("");
                }
            }
            if body.get("consent_to_matching").is_none() {
                body["consent_to_matching"] = json!(false);
            }
            ui.send::<TracingRequestView>(Method::POST, "/api/tracing/requests", &body, csrf)
                .await
        }
        Err(errors) => Err(Failure::unreadable(errors)),
    };
    match result {
        Ok(created) => {
            Redirect::to(&format!("/tracing/{}", url_escape(&created.id))).into_response()
        }
        Err(failure) if failure.is_input_error() => {
            let mut response = ui.render(
                "tracing/new.html",
                context! {
                    errors => failure.fields,
                    values => session::values(&fields),
                    message => failure.message,
                },
            );
            *response.status_mut() = failure.status;
            response
        }
        Err(failure) => ui.fail(failure),
    }
}

/// A captive as the API gives it, in a line: the assessed (or first) identity claim.
async fn captive_summary(ui: &Ui, id: &str) -> Value {
    match ui
        .get::<CaptiveAnswer>(&format!("/api/captives/{}", url_escape(id)))
        .await
    {
        Ok(CaptiveAnswer::Record(c)) => {
            let claim = c
                .identity_claims
                .iter()
                .find(|claim| Some(claim.id) == c.assessed_claim_id)
                .or_else(|| c.identity_claims.first());
            json!({
                "kind": "captive", "id": id, "found": true,
                "name": claim.map(|claim| name_of([&claim.family_name, &claim.given_name, &claim.patronymic])).unwrap_or_default(),
                "date_of_birth": claim.and_then(|claim| claim.date_of_birth.clone()),
                "unit": claim.and_then(|claim| claim.unit.clone()),
                "status": c.status,
                "power_of_origin": c.power_of_origin,
                "href": format!("/captives/{id}"),
            })
        }
        // What a media decision released names no claims.
        Ok(CaptiveAnswer::Released(c)) => json!({
            "kind": "captive", "id": id, "found": true,
            "name": "",
            "date_of_birth": null,
            "unit": null,
            "status": c.status,
            "power_of_origin": c.power_of_origin,
            "href": format!("/captives/{id}"),
        }),
        Err(failure) => json!({
            "kind": "captive", "id": id, "found": false,
            "forbidden": failure.status == StatusCode::FORBIDDEN,
            "href": format!("/captives/{id}"),
        }),
    }
}

/// A tracing request in a line (the API decides whether this user may read it).
async fn request_summary(ui: &Ui, id: &str) -> Value {
    match ui
        .get::<TracingRequestView>(&format!("/api/tracing/requests/{}", url_escape(id)))
        .await
    {
        Ok(r) => json!({
            "kind": "request", "id": id, "found": true,
            "name": request_name(&r),
            "date_of_birth": r.date_of_birth,
            "unit": r.unit,
            "status": r.status,
            "last_seen_place": r.last_seen_place,
            "href": format!("/tracing/{id}"),
        }),
        Err(failure) => json!({
            "kind": "request", "id": id, "found": false,
            "forbidden": failure.status == StatusCode::FORBIDDEN,
            "href": format!("/tracing/{id}"),
        }),
    }
}

/// `family given patronymic` of a claim or a request.
fn name_of(parts: [&Option<String>; 3]) -> String {
    parts
        .into_iter()
        .filter_map(Option::as_deref)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn request_name(r: &TracingRequestView) -> String {
    name_of([&r.family_name, &r.given_name, &r.patronymic])
}

/// A request as the list shows it: the API's view and the name in a line.
#[derive(Serialize)]
struct RequestRow {
    #[serde(flatten)]
    request: TracingRequestView,
    name: String,
}

async fn show(ui: Ui, Path(id): Path<String>) -> Response {
    render_request(&ui, &id, None).await
}

/// The request's page, with a form's errors (`form`: the form's fields, errors and
/// message) when one was refused.
async fn render_request(ui: &Ui, id: &str, refused: Option<(StatusCode, Value)>) -> Response {
    let request = match ui
        .get::<TracingRequestView>(&format!("/api/tracing/requests/{}", url_escape(id)))
        .await
    {
        Ok(r) => r,
        Err(failure) => return ui.fail(failure),
    };
    let mut candidates = Vec::new();
    for link in &request.candidates {
        let target = if link.target_kind == "captive" {
            captive_summary(ui, &link.target_id).await
        } else {
            request_summary(ui, &link.target_id).await
        };
        candidates.push(LinkRow::new(link.clone(), Value::Null, target));
    }
    let (status, form) = match refused {
        Some((status, form)) => (status, form),
        None => (StatusCode::OK, Value::Null),
    };
    let mut response = ui.render(
        "tracing/show.html",
        context! {
            name => request_name(&request),
            r => request,
            candidates,
            form,
            back => format!("/tracing/{id}"),
        },
    );
    *response.status_mut() = status;
    response
}

async fn answer(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let text = session::field(&fields, "text").unwrap_or_default();
    let result = ui
        .send::<IgnoredAny>(
            Method::POST,
            &format!("/api/tracing/requests/{}/answers", url_escape(&id)),
            &json!({ "text": text }),
            csrf,
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/tracing/{}#answers", url_escape(&id))).into_response(),
        Err(failure) if failure.is_input_error() => {
            let form = json!({
                "which": "answer",
                "errors": failure.fields,
                "message": failure.message,
                "values": { "text": text },
            });
            render_request(&ui, &id, Some((failure.status, form))).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn close(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let result = ui
        .send::<IgnoredAny>(
            Method::POST,
            &format!("/api/tracing/requests/{}/close", url_escape(&id)),
            &Value::Null,
            csrf,
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/tracing/{}", url_escape(&id))).into_response(),
        Err(failure) if failure.is_input_error() => {
            let form = json!({
                "which": "close",
                "errors": failure.fields,
                "message": failure.message,
            });
            render_request(&ui, &id, Some((failure.status, form))).await
        }
        Err(failure) => ui.fail(failure),
    }
}

#[derive(Deserialize)]
struct QueueQuery {
    state: Option<String>,
    /// Where the page starts: the API's `next` of the page before.
    after: Option<String>,
}

async fn queue(ui: Ui, Query(query): Query<QueueQuery>) -> Response {
    let state = query
        .state
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| LinkState::Review.as_str().into());
    render_queue(&ui, &state, query.after.as_deref(), None).await
}

/// The review queue from `after` (its first page without); `refused`: a decision the
/// API refused, with its message.
async fn render_queue(
    ui: &Ui,
    state: &str,
    after: Option<&str>,
    refused: Option<Failure>,
) -> Response {
    let after = after.filter(|a| !a.is_empty());
    let path = format!("/api/matches?state={}", url_escape(state));
    let (shown, next, total, errors) = match ui.page::<LinkView>(&path, LINKS_PAGE, after).await {
        Ok(page) => (page.items, page.next, page.total, None),
        Err(failure) if failure.is_input_error() => (Vec::new(), None, 0, Some(failure.fields)),
        Err(failure) => return ui.fail(failure),
    };
    // Rows of imported lists are summarised from their import's report, read once a page.
    let mut reports: HashMap<String, Option<crate::imports::Report>> = HashMap::new();
    let mut items = Vec::with_capacity(shown.len());
    for link in shown {
        let subject = if link.subject_kind == "request" {
            request_summary(ui, &link.subject_id).await
        } else {
            entry_summary(ui, &link.subject_id, &mut reports).await
        };
        let target = if link.target_kind == "captive" {
            captive_summary(ui, &link.target_id).await
        } else {
            request_summary(ui, &link.target_id).await
        };
        items.push(LinkRow::new(link, subject, target));
    }
    // A decision comes back to this page: the links decided leave a queue of one state,
    // and the page fills from the ones after it.
    let base = format!("/matches?state={}", url_escape(state));
    let back = match after {
        Some(after) => format!("{base}&after={}", url_escape(after)),
        None => base.clone(),
    };
    let status = refused.as_ref().map(|f| f.status).unwrap_or(StatusCode::OK);
    let mut response = ui.render(
        "tracing/matches.html",
        context! {
            items, state, errors, back, base, next, total,
            start => after.is_some(),
            refused => refused.map(|f| f.message),
            state_options => LINK_STATES
                .iter()
                .map(|s| [s.to_string(), ui.t(&format!("match.state.{s}"))])
                .collect::<Vec<_>>(),
        },
    );
    *response.status_mut() = status;
    response
}

/// A row of an imported list (`IMPORT:LINE`), from its import's report.
async fn entry_summary(
    ui: &Ui,
    key: &str,
    reports: &mut HashMap<String, Option<crate::imports::Report>>,
) -> Value {
    let (import, line) = key.rsplit_once(':').unwrap_or((key, ""));
    if !reports.contains_key(import) {
        let report = ui
            .get::<crate::imports::Report>(&format!("/api/imports/{}/report", url_escape(import)))
            .await
            .ok();
        reports.insert(import.to_string(), report);
    }
    let report = reports[import].as_ref();
    let row =
        report.and_then(|report| report.items.iter().find(|row| row.line.to_string() == line));
    let href = format!("/imports/{import}/report");
    match (report, row) {
        (Some(report), Some(row)) => json!({
            "kind": "entry", "id": key, "found": true, "line": line,
            "name": row.name, "date_of_birth": row.date_of_birth,
            "external_id": row.external_id, "file_name": report.file_name,
            "href": href,
        }),
        _ => json!({ "kind": "entry", "id": key, "found": false, "line": line, "href": href }),
    }
}

async fn decide(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let decision = session::field(&fields, "decision").unwrap_or_default();
    let back = session::local_path(session::field(&fields, "back"));
    let result = ui
        .send::<IgnoredAny>(
            Method::POST,
            &format!("/api/matches/{}/decision", url_escape(&id)),
            &json!({ "decision": decision }),
            csrf,
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(failure) if failure.is_input_error() => {
            if let Some(request) = back.strip_prefix("/tracing/") {
                let form = json!({ "which": "decision", "message": failure.message });
                let request = request.split(['?', '#']).next().unwrap_or_default();
                return render_request(&ui, request, Some((failure.status, form))).await;
            }
            let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let state =
                query_value(query, "state").unwrap_or_else(|| LinkState::Review.as_str().into());
            let after = query_value(query, "after");
            render_queue(&ui, &state, after.as_deref(), Some(failure)).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// A value of a URL query (`state=review&page=2`), decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(query);
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

/// The registry as PFIF 1.4 for tracing services, from the API as the visitor.
async fn pfif(ui: Ui) -> Response {
    ui.file("/api/registry/pfif").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_read_as_one_feature_a_row() {
        let c = |feature: &str, level: &str, weight: f64| crate::imports::ContributionView {
            feature: feature.into(),
            level: level.into(),
            weight,
        };
        let f = features(&[
            c("family_name", "exact", 8.64),
            c("date_of_birth", "one year apart", -1.26),
            c("prior", "", -13.29),
        ]);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].name, "family_name");
        assert_eq!(f[0].level, "exact");
        assert_eq!(f[0].weight, "+8.6");
        assert!(f[0].positive);
        assert_eq!(f[1].level, "one year apart");
        assert_eq!(f[1].weight, "-1.3");
        assert!(!f[1].positive);
        assert_eq!(f[2].name, "prior");
        assert_eq!(f[2].level, "");
        assert_eq!(f[2].weight, "-13.3");
        assert!(!f[2].positive);
        assert!(features(&[]).is_empty());
        // A row of the page carries the link's fields, its rows and its summaries.
        let link: LinkView = serde_json::from_value(json!({
            "id": "l1", "subject_kind": "request", "subject_id": "r1", "target_kind": "captive",
            "target_id": "c1", "score": 0.9, "explanation": "sex same +0.5",
            "contributions": [{ "feature": "sex", "level": "same", "weight": 0.5 }],
            "state": "review", "decided_by": null, "decided_at": null
        }))
        .unwrap();
        let row =
            serde_json::to_value(LinkRow::new(link, Value::Null, json!({"id": "c1"}))).unwrap();
        assert_eq!(row["features"][0]["weight"], "+0.5");
        assert_eq!(row["target_id"], "c1");
        assert_eq!(row["target"]["id"], "c1");
        assert!(row.get("subject").is_none());
    }

    #[test]
    fn the_queue_comes_back_to_its_filter() {
        assert_eq!(
            query_value("state=confirmed&after=0.5_ab", "state").as_deref(),
            Some("confirmed")
        );
        assert_eq!(
            query_value("state=confirmed&after=0.5_ab", "after").as_deref(),
            Some("0.5_ab")
        );
        assert_eq!(query_value("state=review", "after"), None);
    }
}
