//! Pages: what the bureau sends to the powers of origin (GC III Arts. 70, 120, 122–123;
//! docs/notifications.md).
//!
//! - `/notifications`: the notifications, filtered by state, lateness, power of origin,
//!   kind, captive or dispatch, a page at a time with the API's cursor; the form that
//!   dispatches every pending notification of a power (`POST
//!   /api/notifications/dispatches`, its refusal, such as nothing pending, shown above
//!   it); the dispatches made, newest first. The ICRC's delegate reads dispatched ones
//!   only and is offered no form.
//! - `/notifications/{id}`: one notification, what it corrects, and the form that
//!   corrects it (`POST /api/notifications/{id}/corrections`).
//! - `/notifications/dispatches/{id}`: one dispatch: who sent it, when and how, its
//!   counts by kind, the rows as they were sent (from its `notifications.json`), and
//!   its documents.
//! - `/notifications/dispatches/{id}/{file}`: the API's `notifications.csv`,
//!   `notifications.json` or `cover.pdf`, downloaded through the page's session.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_app::notifications::DispatchFile;
use repatria_core::{NotificationKind, NotificationState, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{self, url_escape, Fields, Ui};
use crate::page::ListPage;
use crate::routes::notifications::{DispatchView, NotificationView};
use crate::routes::parties::PartyView;
use crate::AppState;

/// Notifications shown on a page of the list.
const PAGE: u32 = 50;
/// Dispatches shown beside them.
const DISPATCHES_PAGE: u32 = 20;
/// Rows of a dispatch shown on a page of the dispatch.
const ROWS_PAGE: usize = 50;
/// The channel a dispatch goes by unless the form says otherwise (the API's default).
const DEFAULT_VIA: &str = "ICRC Central Tracing Agency";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/dispatches", post(dispatch))
        .route("/notifications/dispatches/{id}", get(show_dispatch))
        .route("/notifications/dispatches/{id}/{file}", get(dispatch_file))
        .route("/notifications/{id}", get(show))
        .route("/notifications/{id}/corrections", post(correct))
}

/// The list's filters as given in the address (empty ones left out).
#[derive(Debug, Default, Clone, Deserialize)]
struct ListParams {
    state: Option<String>,
    overdue: Option<String>,
    power_of_origin: Option<String>,
    kind: Option<String>,
    captive: Option<String>,
    dispatch: Option<String>,
    /// The API's cursor: `next` of the previous page.
    after: Option<String>,
    /// The same for the dispatches beside the list.
    dispatches_after: Option<String>,
}

impl ListParams {
    fn given(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    /// Only late ones: a ticked box (`true`, `on`).
    fn overdue_only(&self) -> bool {
        matches!(Self::given(&self.overdue), Some("true" | "on" | "1"))
    }

    /// The filters as a query string (without the page position), for the API and for
    /// this page's own links alike: the names are the API's.
    fn query(&self) -> String {
        let overdue = self.overdue_only().then(|| "true".to_string());
        [
            ("state", Self::given(&self.state)),
            ("overdue", overdue.as_deref()),
            ("power_of_origin", Self::given(&self.power_of_origin)),
            ("kind", Self::given(&self.kind)),
            ("captive", Self::given(&self.captive)),
            ("dispatch", Self::given(&self.dispatch)),
        ]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", url_escape(v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The values to fill the filter form with.
    fn values(&self) -> BTreeMap<String, String> {
        [
            ("state", Self::given(&self.state)),
            ("power_of_origin", Self::given(&self.power_of_origin)),
            ("kind", Self::given(&self.kind)),
            ("captive", Self::given(&self.captive)),
            ("dispatch", Self::given(&self.dispatch)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
        .collect()
    }
}

/// The parties as `[code, "code — name"]` options.
async fn party_options(ui: &Ui) -> Vec<(String, String)> {
    match ui.get_all::<PartyView>("/api/parties").await {
        Ok(parties) => parties
            .into_iter()
            .map(|p| {
                let label = format!("{} — {}", p.code, p.name);
                (p.code, label)
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The kinds of notification as `[word, label]` options.
fn kind_options(ui: &Ui) -> Vec<(String, String)> {
    NotificationKind::ALL
        .iter()
        .map(|k| (k.to_string(), ui.t(&format!("notifications.kind.{k}"))))
        .collect()
}

/// The states a role may ask for: the ICRC's delegate reads dispatched ones only.
fn state_options(ui: &Ui) -> Vec<(String, String)> {
    NotificationState::ALL
        .iter()
        .filter(|s| {
            ui.user.role.can(Permission::DispatchNotifications)
                || **s == NotificationState::Dispatched
        })
        .map(|s| (s.to_string(), ui.t(&format!("notifications.state.{s}"))))
        .collect()
}

/// The dispatch form's state after it was posted and refused.
#[derive(Default)]
struct DispatchForm {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    status: Option<StatusCode>,
}

async fn list(ui: Ui, Query(params): Query<ListParams>) -> Response {
    render_list(&ui, &params, DispatchForm::default()).await
}

async fn render_list(ui: &Ui, params: &ListParams, form: DispatchForm) -> Response {
    let filter = params.query();
    let api = format!("/api/notifications?{filter}");
    let after = ListParams::given(&params.after);
    let (page, filter_errors) = match ui.page::<NotificationView>(&api, PAGE, after).await {
        Ok(page) => (page, BTreeMap::new()),
        Err(failure) if failure.is_input_error() => (
            ListPage {
                items: Vec::new(),
                total: 0,
                next: None,
            },
            failure.form_errors(),
        ),
        Err(failure) => return ui.fail(failure),
    };
    let power = ListParams::given(&params.power_of_origin)
        .filter(|_| filter_errors.is_empty())
        .map(|p| format!("?power_of_origin={}", url_escape(p)))
        .unwrap_or_default();
    let dispatches_after = ListParams::given(&params.dispatches_after);
    let dispatches = match ui
        .page::<DispatchView>(
            &format!("/api/notifications/dispatches{power}"),
            DISPATCHES_PAGE,
            dispatches_after,
        )
        .await
    {
        Ok(page) => page,
        Err(failure) if failure.is_input_error() => ListPage {
            items: Vec::new(),
            total: 0,
            next: None,
        },
        Err(failure) => return ui.fail(failure),
    };
    let may_dispatch = ui.user.role.can(Permission::DispatchNotifications);
    let mut dispatch_values = form.values;
    dispatch_values
        .entry("via".into())
        .or_insert_with(|| DEFAULT_VIA.into());
    if let Some(power) = ListParams::given(&params.power_of_origin) {
        dispatch_values
            .entry("power_of_origin".into())
            .or_insert_with(|| power.into());
    }
    let base = if filter.is_empty() {
        "/notifications".to_string()
    } else {
        format!("/notifications?{filter}")
    };
    // The dispatches' own pages keep the list where it is.
    let mut here: Vec<String> = Vec::new();
    if !filter.is_empty() {
        here.push(filter.clone());
    }
    if let Some(after) = after {
        here.push(format!("after={}", url_escape(after)));
    }
    let at = |position: Option<&str>| {
        let mut query = here.clone();
        if let Some(p) = position {
            query.push(format!("dispatches_after={}", url_escape(p)));
        }
        format!("/notifications?{}#dispatches", query.join("&"))
    };
    let dispatches_more = dispatches.next.as_deref().map(|n| at(Some(n)));
    let dispatches_newest = dispatches_after.map(|_| at(None));
    let invalid = !filter_errors.is_empty();
    let mut response = ui.render_form(
        "notifications/list.html",
        context! {
            page,
            dispatches,
            dispatches_more,
            dispatches_newest,
            may_dispatch,
            base,
            values => params.values(),
            overdue_only => params.overdue_only(),
            errors => filter_errors,
            start => after.is_some(),
            parties => party_options(ui).await,
            kinds => kind_options(ui),
            states => state_options(ui),
            dispatch_values,
            dispatch_errors => form.errors,
        },
        invalid,
    );
    if let Some(status) = form.status {
        *response.status_mut() = status;
    }
    response
}

/// Sends every pending notification of a power; the dispatch's page after, or the list
/// with the API's refusal above the form.
async fn dispatch(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let power = session::field(&fields, "power_of_origin").unwrap_or_default();
    let mut body = json!({ "power_of_origin": power });
    if let Some(via) = session::field(&fields, "via").filter(|v| !v.trim().is_empty()) {
        body["via"] = json!(via);
    }
    match ui
        .send::<DispatchView>(Method::POST, "/api/notifications/dispatches", &body, csrf)
        .await
    {
        Ok(sent) => Redirect::to(&format!(
            "/notifications/dispatches/{}?sent=1",
            url_escape(&sent.id.to_string())
        ))
        .into_response(),
        Err(failure) if failure.is_input_error() => {
            let params = ListParams {
                power_of_origin: Some(power.to_string()).filter(|p| !p.trim().is_empty()),
                state: Some("pending".into()),
                ..ListParams::default()
            };
            let form = DispatchForm {
                values: session::values(&fields),
                status: Some(failure.status),
                errors: failure.form_errors(),
            };
            render_list(&ui, &params, form).await
        }
        Err(failure) => ui.fail(failure),
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    corrected: Option<String>,
}

/// The form's state after a correction was refused.
#[derive(Default)]
struct CorrectionForm {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

async fn show(ui: Ui, Path(id): Path<String>, Query(query): Query<ShowQuery>) -> Response {
    let notice = query.corrected.is_some();
    render_show(&ui, &id, CorrectionForm::default(), notice).await
}

async fn render_show(ui: &Ui, id: &str, form: CorrectionForm, notice: bool) -> Response {
    let n = match ui
        .get::<NotificationView>(&format!("/api/notifications/{}", url_escape(id)))
        .await
    {
        Ok(n) => n,
        Err(failure) => return ui.fail(failure),
    };
    // What a correction corrects, to name it by its kind and time.
    let corrected = match n.corrects {
        Some(original) => ui
            .get::<NotificationView>(&format!("/api/notifications/{original}"))
            .await
            .ok(),
        None => None,
    };
    let invalid = !form.errors.is_empty();
    ui.render_form(
        "notifications/show.html",
        context! {
            n, notice, corrected,
            may_dispatch => ui.user.role.can(Permission::DispatchNotifications),
            values => form.values,
            errors => form.errors,
        },
        invalid,
    )
}

/// Records a correction; the new notification's page after, or this one with the error
/// next to the note.
async fn correct(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    // An empty note goes to the API as it is, which names the field.
    let note = session::field(&fields, "note").unwrap_or_default();
    let path = format!("/api/notifications/{}/corrections", url_escape(&id));
    match ui
        .send::<NotificationView>(Method::POST, &path, &json!({ "note": note }), csrf)
        .await
    {
        Ok(correction) => Redirect::to(&format!(
            "/notifications/{}?corrected=1",
            url_escape(&correction.id.to_string())
        ))
        .into_response(),
        Err(failure) if failure.is_input_error() => {
            let form = CorrectionForm {
                values: session::values(&fields),
                errors: failure.form_errors(),
            };
            render_show(&ui, &id, form, false).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// One row of a dispatch as it was sent (its `notifications.json`): the fields the page
/// shows. Particulars beyond identity are absent for readers who may not see them.
#[derive(Debug, Serialize, Deserialize)]
struct SentRow {
    notification: String,
    kind: NotificationKind,
    article: String,
    event_at: String,
    due_at: String,
    captive: String,
    family_name: Option<String>,
    given_names: Option<String>,
    rank: Option<String>,
    status: Option<String>,
    place: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct DispatchQuery {
    sent: Option<String>,
    page: Option<String>,
}

/// How many of each kind a dispatch sent, in the order of the kinds.
fn counts_by_kind(rows: &[SentRow]) -> Vec<(NotificationKind, usize)> {
    NotificationKind::ALL
        .iter()
        .map(|k| (*k, rows.iter().filter(|r| r.kind == *k).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

async fn show_dispatch(
    ui: Ui,
    Path(id): Path<String>,
    Query(query): Query<DispatchQuery>,
) -> Response {
    let base = format!("/api/notifications/dispatches/{}", url_escape(&id));
    let d = match ui.get::<DispatchView>(&base).await {
        Ok(d) => d,
        Err(failure) => return ui.fail(failure),
    };
    // The rows as they were sent (a read of personal data, audited by the API).
    let rows = match ui
        .get::<Vec<SentRow>>(&format!("{base}/{}", DispatchFile::Json))
        .await
    {
        Ok(rows) => rows,
        Err(failure) => return ui.fail(failure),
    };
    let counts: Vec<(String, usize)> = counts_by_kind(&rows)
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let total = rows.len();
    let shown: Vec<SentRow> = rows
        .into_iter()
        .skip((page - 1) * ROWS_PAGE)
        .take(ROWS_PAGE)
        .collect();
    let here = format!("/notifications/dispatches/{}", url_escape(&id));
    ui.render(
        "notifications/dispatch.html",
        context! {
            d, counts, total, page,
            rows => shown,
            first => (page - 1) * ROWS_PAGE + 1,
            sent => query.sent.is_some(),
            files => DispatchFile::ALL.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            prev => (page > 1).then(|| format!("{here}?page={}", page - 1)),
            next => (page * ROWS_PAGE < total).then(|| format!("{here}?page={}", page + 1)),
        },
    )
}

/// A document of a dispatch, from the API as the visitor (the browser holds a cookie,
/// not a token).
async fn dispatch_file(ui: Ui, Path((id, file)): Path<(String, String)>) -> Response {
    ui.file(&format!(
        "/api/notifications/dispatches/{}/{}",
        url_escape(&id),
        url_escape(&file)
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::catalog;
    use repatria_core::CardOccasion;

    #[test]
    fn every_kind_state_and_occasion_has_its_words() {
        let keys = NotificationKind::ALL
            .iter()
            .map(|k| format!("notifications.kind.{k}"))
            .chain(
                NotificationState::ALL
                    .iter()
                    .map(|s| format!("notifications.state.{s}")),
            )
            .chain(
                CardOccasion::ALL
                    .iter()
                    .map(|o| format!("notifications.occasion.{o}")),
            )
            .chain(
                DispatchFile::ALL
                    .iter()
                    .map(|f| format!("notifications.file.{f}")),
            );
        for key in keys {
            let (en, uk) = catalog().get(&key).unwrap_or_else(|| panic!("no {key}"));
            assert!(!en.is_empty() && !uk.is_empty(), "{key}");
        }
    }

    #[test]
    fn the_filters_go_to_the_api_by_its_names_and_empty_ones_are_left_out() {
        let params = ListParams {
            state: Some("pending".into()),
            overdue: Some("on".into()),
            power_of_origin: Some(" KP ".into()),
            kind: Some(String::new()),
            captive: None,
            dispatch: Some("  ".into()),
            after: Some("x".into()),
            dispatches_after: Some("y".into()),
        };
        assert_eq!(
            params.query(),
            "state=pending&overdue=true&power_of_origin=KP"
        );
        assert!(params.overdue_only());
        assert_eq!(
            params.values().keys().collect::<Vec<_>>(),
            ["power_of_origin", "state"]
        );
        let none = ListParams {
            overdue: Some("false".into()),
            ..ListParams::default()
        };
        assert_eq!(none.query(), "");
        assert!(!none.overdue_only());
    }

    #[test]
    fn a_dispatch_is_counted_by_kind_in_the_order_of_the_kinds() {
        let row = |kind: NotificationKind| SentRow {
            notification: "n".into(),
            kind,
            article: kind.article().into(),
            event_at: String::new(),
            due_at: String::new(),
            captive: "c".into(),
            family_name: None,
            given_names: None,
            rank: None,
            status: None,
            place: None,
            note: None,
        };
        let rows = [
            row(NotificationKind::Transfer),
            row(NotificationKind::Capture),
            row(NotificationKind::Transfer),
        ];
        assert_eq!(
            counts_by_kind(&rows),
            [
                (NotificationKind::Capture, 1),
                (NotificationKind::Transfer, 2)
            ]
        );
        assert!(counts_by_kind(&[]).is_empty());
    }
}
