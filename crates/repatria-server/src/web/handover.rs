//! Page: the handover at the crossing (`/exchanges/{id}/handover`), made for a tablet.
//!
//! The live counts per direction stand at the top, then the persons still pending, the
//! next one first, each with one large control per check (identity verified, wish to go
//! confirmed before the ICRC delegate, fit to travel, effects returned) and his outcome
//! (handed over or received, by the direction; withdrawn with the reason). The stage
//! (bus, group) is kept in the address between decisions. A search finds a person by a
//! fragment of his name as the manifest writes it, or in any script through the
//! registry's search. Every decision is the API's: a check missing comes back next to
//! the person (the Art. 109 refusal among them), and a person decided meanwhile by
//! another officer is the API's 409, shown as who decided him and when, never a second
//! record.
//!
//! Plain form posts do everything; htmx refreshes the counts every few seconds
//! (`/exchanges/{id}/counts`), and `handover.js` filters the names as one types and
//! enables the wish check once a delegate's name is given.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use repatria_core::{fold_for_search, Role};
use repatria_exchange::record::{EntryStatus, ExchangeState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::exchanges::{api_path, page_path, restore_names};
use super::session::{self, url_escape, Fields, Ui};
use crate::routes::captives::dto::CaptiveListItem;
use crate::routes::exchanges::{ExchangeView, HandoverAnswer, HandoverView, ManifestView};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/exchanges/{id}/handover", get(page).post(decide))
        .route("/exchanges/{id}/counts", get(counts))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    q: Option<String>,
    stage: Option<String>,
    /// The entry decided just before.
    done: Option<String>,
}

/// A person of the manifest as the page shows him.
#[derive(Serialize)]
struct Person {
    entry: Uuid,
    captive: Uuid,
    position: u32,
    name: String,
    /// The name folded for the filter as one types.
    folded: String,
    rank: Option<String>,
    days: Option<u64>,
    from: String,
    to: String,
    /// Our side gives him (handed over); otherwise he is one of ours (received).
    gives: bool,
    counts: bool,
    wounded: bool,
    status: EntryStatus,
    handover: Option<HandoverView>,
}

/// A decision refused: the person, the inputs as sent, and the API's word.
#[derive(Default)]
struct Refusal {
    entry: Option<Uuid>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    /// A person decided already (409): who decided him and when.
    conflict: Option<String>,
    status: Option<StatusCode>,
}

async fn page(ui: Ui, Path(id): Path<String>, Query(query): Query<PageQuery>) -> Response {
    render(&ui, &id, query, Refusal::default()).await
}

/// The ids of the captives the registry finds under `q` in any spelling; empty when the
/// role may not search the registry.
async fn registry_matches(ui: &Ui, q: &str) -> HashSet<Uuid> {
    // The best 500 are enough to mark the manifest's persons among them.
    let path = format!("/api/captives?q={}", url_escape(q));
    match ui.page::<CaptiveListItem>(&path, 500, None).await {
        Ok(found) => found
            .items
            .into_iter()
            .filter_map(|item| match item {
                CaptiveListItem::Summary(s) => Some(s.id),
                CaptiveListItem::Released(_) => None,
            })
            .collect(),
        Err(_) => HashSet::new(),
    }
}

fn persons(x: &ExchangeView, manifest: ManifestView) -> Vec<Person> {
    let ours: HashSet<&str> = x
        .sides
        .first()
        .map(|s| s.iter().map(String::as_str).collect())
        .unwrap_or_default();
    manifest
        .entries
        .into_iter()
        .map(|e| {
            let name = e
                .person
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            Person {
                entry: e.entry,
                captive: e.captive,
                position: e.position,
                folded: fold_for_search(&name),
                name,
                rank: e.person.as_ref().and_then(|p| p.rank.clone()),
                days: e.person.as_ref().map(|p| p.days_in_captivity),
                gives: ours.contains(e.from.as_str()),
                from: e.from,
                to: e.to,
                counts: e.counts_toward_balance,
                wounded: e
                    .person
                    .as_ref()
                    .is_some_and(|p| p.seriously_wounded_or_sick),
                status: e.status,
                handover: e.handover,
            }
        })
        .collect()
}

async fn render(ui: &Ui, id: &str, query: PageQuery, refusal: Refusal) -> Response {
    let base = api_path(id);
    let x = match ui.get::<ExchangeView>(&base).await {
        Ok(x) => x,
        Err(failure) => return ui.fail(failure),
    };
    let open = matches!(x.state, ExchangeState::Agreed | ExchangeState::InProgress);
    let manifest = if x.agreed_proposal.is_some() {
        match ui.get::<ManifestView>(&format!("{base}/manifest")).await {
            Ok(m) => Some(m),
            Err(failure) => return ui.fail(failure),
        }
    } else {
        None
    };
    let mut all = manifest.map(|m| persons(&x, m)).unwrap_or_default();
    all.sort_by_key(|p| p.position);
    let names: HashMap<Uuid, String> = all.iter().map(|p| (p.entry, p.name.clone())).collect();
    let q = query.q.unwrap_or_default().trim().to_string();
    let shown: Vec<Person> = if q.is_empty() {
        all
    } else {
        let folded = fold_for_search(&q);
        let found = registry_matches(ui, &q).await;
        all.into_iter()
            .filter(|p| p.folded.contains(&folded) || found.contains(&p.captive))
            .collect()
    };
    let (pending, decided): (Vec<Person>, Vec<Person>) = shown
        .into_iter()
        .partition(|p| p.status == EntryStatus::Pending);
    let done = query
        .done
        .as_deref()
        .and_then(|d| d.parse::<Uuid>().ok())
        .and_then(|d| decided.iter().find(|p| p.entry == d))
        .map(|p| {
            context! { name => p.name, status => p.status }
        });
    let restore = restore_names(&x, &names);
    let stage = query.stage.unwrap_or_default();
    let status = refusal.status.unwrap_or(StatusCode::OK);
    let mut response = ui.render(
        "exchanges/handover.html",
        context! {
            x, open, pending, decided, done, restore, q, stage,
            delegate => ui.user.role == Role::IcrcDelegate,
            refused => refusal.entry,
            values => refusal.values,
            errors => refusal.errors,
            conflict => refusal.conflict,
            back => page_path(id),
        },
    );
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
struct CountsQuery {
    /// The handover page's form: the sides folded away.
    compact: Option<String>,
}

/// The counts alone, for the page to refresh them.
async fn counts(ui: Ui, Path(id): Path<String>, Query(query): Query<CountsQuery>) -> Response {
    let compact = query.compact.is_some();
    match ui.get::<ExchangeView>(&api_path(&id)).await {
        Ok(x) => ui.render(
            "exchanges/counts.html",
            context! { x, compact, live => true },
        ),
        Err(failure) => ui.fail(failure),
    }
}

/// Where the page goes after a decision: the same stage, the search cleared so that the
/// next pending person comes first.
fn after(id: &str, stage: &str, entry: Uuid) -> String {
    let mut to = format!("{}/handover?done={entry}", page_path(id));
    if !stage.trim().is_empty() {
        to.push_str(&format!("&stage={}", url_escape(stage.trim())));
    }
    to
}

async fn decide(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let path = format!("{}/handover", api_path(&id));
    let stage = session::field(&fields, "stage")
        .unwrap_or_default()
        .to_string();
    let entry = session::field(&fields, "entry").and_then(|e| e.trim().parse::<Uuid>().ok());
    let query = PageQuery {
        q: session::field(&fields, "_q").map(String::from),
        stage: Some(stage.clone()),
        done: None,
    };
    match ui
        .submit::<HandoverAnswer>(Method::POST, &path, &fields)
        .await
    {
        Ok(answer) => Redirect::to(&after(&id, &stage, answer.entry.entry)).into_response(),
        Err(failure) if failure.status == StatusCode::CONFLICT => {
            let conflict = match entry {
                Some(entry) => decided_by(&ui, &id, entry).await,
                None => None,
            };
            let refusal = Refusal {
                entry,
                conflict: Some(conflict.unwrap_or(failure.message)),
                status: Some(StatusCode::CONFLICT),
                ..Refusal::default()
            };
            render(&ui, &id, query, refusal).await
        }
        Err(failure) if failure.is_input_error() => {
            let refusal = Refusal {
                entry,
                values: session::values(&fields),
                status: Some(failure.status),
                errors: failure.form_errors(),
                conflict: None,
            };
            render(&ui, &id, query, refusal).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// "Already decided: NAME, handed over by X at T", from the manifest as it stands.
async fn decided_by(ui: &Ui, id: &str, entry: Uuid) -> Option<String> {
    let manifest = ui
        .get::<ManifestView>(&format!("{}/manifest", api_path(id)))
        .await
        .ok()?;
    let e = manifest.entries.into_iter().find(|e| e.entry == entry)?;
    let h = e.handover?;
    let name = e.person.map(|p| p.name).unwrap_or_default();
    Some(format!(
        "{} {name} — {} ({} {}, {}).",
        ui.t("handover.already"),
        ui.t(&format!("exchanges.status.{}", e.status)),
        ui.t("handover.by"),
        h.recorded_by,
        h.at.format("%Y-%m-%d %H:%M UTC"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_decision_the_stage_is_kept_and_the_search_cleared() {
        let entry = Uuid::nil();
        assert_eq!(
            after("x", "bus 2", entry),
            format!("/exchanges/x/handover?done={entry}&stage=bus%202")
        );
        assert_eq!(
            after("x", " ", entry),
            format!("/exchanges/x/handover?done={entry}")
        );
    }
}
