//! Captives: the list with search in any script and filters, the captive's page (assessed
//! identity beside the other claims, custody timeline, health, languages, interviews,
//! media decisions, the record's audit trail), and the forms that create and change a
//! record. Every form posts to the API endpoint of the same change.

use axum::extract::{Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use repatria_core::captive::{
    ClaimSource, CustodyEventKind, FacilityKind, HealthCategory, RepatriationWish,
};
use repatria_core::{ParticularField, Permission};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::session::{url_escape, values, Fields};
use super::{Failure, Ui};
use crate::routes::audit::AuditEventView;
use crate::routes::captives::dto::{CaptiveAnswer, CaptiveListItem, CaptiveView};
use crate::routes::media::MediaRequestAnswer;
use crate::routes::parties::PartyView;
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/captives", get(list).post(search))
        .route("/captives/new", get(new_form).post(create))
        .route("/captives/{id}", get(show))
        .route("/captives/{id}/edit/{form}", get(edit_form).post(edit))
}

#[derive(Debug, Default, Clone, Deserialize)]
struct ListParams {
    /// A name: sent by POST from the search form, so that it stays out of the address,
    /// the browser's history and the logs of proxies (a `?q=` typed by hand still works).
    q: Option<String>,
    status: Option<String>,
    power_of_origin: Option<String>,
    detaining_power: Option<String>,
    after: Option<String>,
}

impl ListParams {
    /// The query string of these filters (without the page position).
    fn query(&self) -> String {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("power_of_origin", &self.power_of_origin),
            ("detaining_power", &self.detaining_power),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_escape(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The parties, as `[code, "code — name"]` options; empty for roles that may not read them.
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

/// `[word, translated label]` for every word of a closed set.
fn options(
    ui: &Ui,
    prefix: &str,
    words: impl IntoIterator<Item = &'static str>,
) -> Vec<(String, String)> {
    words
        .into_iter()
        .map(|w| (w.to_string(), ui.t(&format!("{prefix}.{w}"))))
        .collect()
}

async fn list(ui: Ui, Query(params): Query<ListParams>) -> Response {
    show_list(ui, params, false).await
}

/// The search form, sent by POST: a name never appears in an address.
#[derive(Debug, Deserialize)]
struct SearchForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(flatten)]
    params: ListParams,
}

async fn search(ui: Ui, Form(form): Form<SearchForm>) -> Response {
    if !crate::auth::constant_time_eq(&form.csrf, &ui.csrf) || form.csrf.is_empty() {
        return ui.fail(Failure {
            status: StatusCode::FORBIDDEN,
            message: ui.t("captives.search_expired"),
            fields: Default::default(),
        });
    }
    show_list(ui, form.params, true).await
}

async fn show_list(ui: Ui, params: ListParams, posted: bool) -> Response {
    let filters = params.query();
    let api = format!("/api/captives?{filters}");
    let answer = ui
        .page::<CaptiveListItem>(&api, 50, params.after.as_deref())
        .await;
    let (page, errors) = match answer {
        Ok(page) => (Some(page), Default::default()),
        Err(failure) if failure.is_input_error() => (None, failure.fields),
        Err(failure) => return ui.fail(failure),
    };
    let statuses = options(
        &ui,
        "status",
        repatria_core::CustodyStatus::ALL.iter().map(|s| s.as_str()),
    );
    ui.render(
        "captives/list.html",
        context! {
            page => page,
            errors => errors,
            params => context! {
                q => params.q, status => params.status,
                power_of_origin => params.power_of_origin, detaining_power => params.detaining_power,
            },
            base => format!("/captives?{}", if posted { ListParams { q: None, after: None, ..params.clone() }.query() } else { filters.clone() }),
            posted => posted,
            after => params.after,
            parties => party_options(&ui).await,
            statuses => statuses,
        },
    )
}

/// The closed sets the forms choose from.
fn choices(ui: &Ui) -> minijinja::Value {
    context! {
        sources => options(ui, "source", ClaimSource::ALL.iter().map(|s| s.as_str())),
        health => options(ui, "health", HealthCategory::ALL.iter().map(|s| s.as_str())),
        custody_kinds => options(
            ui,
            "custody",
            CustodyEventKind::ALL
                .iter()
                .filter(|k| **k != CustodyEventKind::Captured)
                .map(|s| s.as_str()),
        ),
        facilities => options(ui, "facility", FacilityKind::ALL.iter().map(|s| s.as_str())),
        wishes => options(ui, "wish", RepatriationWish::ALL.iter().map(|s| s.as_str())),
        refusable => options(
            ui,
            "refused",
            ["family_name", "given_name", "rank", "date_of_birth", "service_number"],
        ),
        particulars_refusable => options(
            ui,
            "particulars",
            ParticularField::ALL
                .iter()
                .filter(|f| f.refusable())
                .map(|f| f.as_str()),
        ),
    }
}

async fn new_form(ui: Ui) -> Response {
    new_page(&ui, Default::default(), Default::default()).await
}

async fn new_page(
    ui: &Ui,
    values: std::collections::BTreeMap<String, String>,
    errors: std::collections::BTreeMap<String, String>,
) -> Response {
    ui.render_form(
        "captives/new.html",
        context! {
            values => values, errors => errors,
            parties => party_options(ui).await,
            choices => choices(ui),
        },
        !errors.is_empty(),
    )
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    match ui
        .submit::<CaptiveView>(Method::POST, "/api/captives", &fields)
        .await
    {
        Ok(created) => Redirect::to(&format!("/captives/{}?saved=1", created.id)).into_response(),
        Err(failure) if failure.is_input_error() => {
            let errors = failure.form_errors();
            new_page(&ui, values(&fields), errors).await
        }
        Err(failure) => ui.fail(failure),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ShowParams {
    saved: Option<String>,
}

async fn show(ui: Ui, Path(id): Path<String>, Query(params): Query<ShowParams>) -> Response {
    let id = url_escape(&id);
    let captive = match ui
        .get::<CaptiveAnswer>(&format!("/api/captives/{id}"))
        .await
    {
        // What a media decision released to a journalist has a shape of its own (Art. 13).
        Ok(CaptiveAnswer::Released(captive)) => {
            return ui.render("captives/released.html", context! { captive => captive });
        }
        Ok(CaptiveAnswer::Record(captive)) => captive,
        Err(failure) => return ui.fail(failure),
    };
    let role = ui.user.role;
    // The record's first events; the audit log's page goes on from the last shown.
    let audit = if role.can(Permission::ReadAudit) {
        ui.page::<AuditEventView>(
            &format!("/api/audit/events?entity_type=captive&entity_id={id}"),
            AUDIT_SHOWN,
            None,
        )
        .await
        .ok()
    } else {
        None
    };
    let media = if role.can(Permission::ManageMedia) {
        match ui
            .get_all::<MediaRequestAnswer>("/api/media/requests")
            .await
        {
            Ok(requests) => Some(
                requests
                    .into_iter()
                    .filter(|r| r.captives().contains(&id))
                    .collect::<Vec<_>>(),
            ),
            Err(_) => None,
        }
    } else {
        None
    };
    ui.render(
        "captives/show.html",
        context! { captive => captive, audit => audit, media => media, saved => params.saved.is_some() },
    )
}

/// How many of a record's audit events its page shows.
const AUDIT_SHOWN: u32 = 50;

/// The forms that change a record: name → (method, API path under the captive, title).
const FORMS: &[(&str, &str, &str)] = &[
    ("claim", "POST", "identity-claims"),
    ("assessed", "PUT", "assessed-identity"),
    ("custody", "POST", "custody-events"),
    ("health", "POST", "health"),
    ("interview", "POST", "interviews"),
    ("wish", "PUT", "repatriation-wish"),
    ("languages", "PUT", "languages"),
    ("capture_card", "POST", "capture-card"),
    ("particulars", "PUT", "particulars"),
    ("death", "POST", "death"),
    ("enquiry", "POST", "death/enquiry/close"),
];

fn form_of(name: &str) -> Option<(Method, &'static str)> {
    FORMS.iter().find(|(n, _, _)| *n == name).map(|(_, m, p)| {
        (
            if *m == "PUT" {
                Method::PUT
            } else {
                Method::POST
            },
            *p,
        )
    })
}

async fn edit_form(ui: Ui, Path((id, form)): Path<(String, String)>) -> Response {
    edit_page(&ui, &id, &form, None, Default::default()).await
}

async fn edit_page(
    ui: &Ui,
    id: &str,
    form: &str,
    posted: Option<std::collections::BTreeMap<String, String>>,
    errors: std::collections::BTreeMap<String, String>,
) -> Response {
    if form_of(form).is_none() {
        return ui.fail(Failure {
            status: axum::http::StatusCode::NOT_FOUND,
            message: format!("no form {form:?}"),
            fields: Default::default(),
        });
    }
    let id = url_escape(id);
    let captive = match ui
        .get::<CaptiveAnswer>(&format!("/api/captives/{id}"))
        .await
    {
        Ok(captive) => captive,
        Err(failure) => return ui.fail(failure),
    };
    // Forms that replace a value start from the current one.
    let values = posted.unwrap_or_else(|| {
        let mut v = std::collections::BTreeMap::new();
        let CaptiveAnswer::Record(record) = &captive else {
            return v;
        };
        if form == "languages" {
            v.insert("languages".into(), record.languages.join(", "));
            if record.interpreter_required {
                v.insert("interpreter_required".into(), "true".into());
            }
        }
        if form == "wish" {
            if let Some(wish) = &record.repatriation_wish {
                v.insert("wish".into(), wish.wish.clone());
            }
        }
        if form == "particulars" {
            if let Some(p) = &record.particulars {
                let person = p.person_to_inform.as_ref();
                for (name, value) in [
                    ("father_first_name", p.father_first_name.as_ref()),
                    ("mother_maiden_name", p.mother_maiden_name.as_ref()),
                    ("person_to_inform.name", person.map(|i| &i.name)),
                    (
                        "person_to_inform.address",
                        person.and_then(|i| i.address.as_ref()),
                    ),
                    ("correspondence_address", p.correspondence_address.as_ref()),
                    ("family_address", p.family_address.as_ref()),
                    ("prisoner_number", p.prisoner_number.as_ref()),
                ] {
                    if let Some(value) = value {
                        v.insert(name.into(), value.clone());
                    }
                }
                for word in &p.refused {
                    v.insert(format!("refused.{word}"), "on".into());
                }
            }
        }
        v
    });
    ui.render_form(
        "captives/edit.html",
        context! { captive => captive, form => form, values => values, errors => errors, choices => choices(ui) }, !errors.is_empty())
}

async fn edit(
    ui: Ui,
    Path((id, form)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Response {
    let Some((method, api)) = form_of(&form) else {
        return edit_page(&ui, &id, &form, None, Default::default()).await;
    };
    let path = format!("/api/captives/{}/{api}", url_escape(&id));
    match ui.submit::<IgnoredAny>(method, &path, &fields).await {
        Ok(_) => Redirect::to(&format!("/captives/{}?saved=1", url_escape(&id))).into_response(),
        Err(failure) if failure.is_input_error() => {
            let errors = failure.form_errors();
            let mut values = values(&fields);
            // The boxes of a group (`refused[]`) that were ticked, to tick them again.
            for (name, value) in &fields {
                if name == "refused[]" {
                    values.insert(format!("refused.{value}"), "on".into());
                }
            }
            edit_page(&ui, &id, &form, Some(values), errors).await
        }
        Err(failure) => ui.fail(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_make_a_query_string_without_empty_values() {
        let params = ListParams {
            q: Some(" Шевченко Тарас ".into()),
            status: Some(String::new()),
            detaining_power: Some("UA".into()),
            ..Default::default()
        };
        assert_eq!(
            params.query(),
            "q=%D0%A8%D0%B5%D0%B2%D1%87%D0%B5%D0%BD%D0%BA%D0%BE%20%D0%A2%D0%B0%D1%80%D0%B0%D1%81&detaining_power=UA"
        );
        assert_eq!(ListParams::default().query(), "");
    }

    #[test]
    fn every_form_names_an_api_change() {
        for (name, _, _) in FORMS {
            assert!(form_of(name).is_some());
        }
        assert_eq!(form_of("health").unwrap().1, "health");
        assert_eq!(form_of("wish").unwrap().0, Method::PUT);
        assert!(form_of("delete").is_none());
    }
}
