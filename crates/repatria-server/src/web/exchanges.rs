//! Pages: exchanges as records (docs/exchange-records.md), as the negotiator works them.
//!
//! - `/exchanges`: every exchange with its state and counts, and the form that opens
//!   one (sides typed as party codes, `UA` and `RU, KP`).
//! - `/exchanges/{id}`: one exchange: its terms, the live counts per direction and per
//!   side with the imbalance and, after a withdrawal, the persons whose withdrawal
//!   restores the balance (named from the manifest); the proposals with their balance
//!   and violations; the forms to propose from the plan, agree, cancel and complete (the
//!   API's refusals, such as a proposal that breaks a rule or persons still pending,
//!   shown above the form); the manifest's downloads per party and format; the demand
//!   lists with each person's candidates; the other side's manifest uploaded and
//!   reconciled against ours.
//! - `/exchanges/{id}/proposals?a=N&b=M`: two proposals side by side, with names: who
//!   each moves, who the second adds and removes, who stays and why.
//! - `/exchanges/{id}/manifest?format=…&party=…`: the API's manifest file, downloaded
//!   through the page's session (the browser holds a cookie, not a token).
//!
//! The handover page at the crossing is `handover.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_exchange::record::ExchangeState;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::i18n::{catalog, tr, Lang};
use super::session::{self, url_escape, Fields, Ui};
use super::Failure;
use crate::imports::Report;
use crate::routes::exchanges::{
    CompletionView, ExchangeView, ManifestView, ProposalView, ReconciliationView,
    MAX_MANIFEST_BYTES,
};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/exchanges", get(list).post(create))
        .route("/exchanges/{id}", get(show))
        .route("/exchanges/{id}/proposals", get(compare).post(propose))
        .route("/exchanges/{id}/agreement", post(agree))
        .route("/exchanges/{id}/cancel", post(cancel))
        .route("/exchanges/{id}/complete", post(complete))
        .route("/exchanges/{id}/manifest", get(manifest_file))
        .route(
            "/exchanges/{id}/counterpart",
            post(counterpart).layer(DefaultBodyLimit::max(MAX_MANIFEST_BYTES + 64 * 1024)),
        )
        .merge(super::handover::routes())
}

/// The API path of an exchange.
pub(super) fn api_path(id: &str) -> String {
    format!("/api/exchanges/{}", url_escape(id))
}

/// The page of an exchange.
pub(super) fn page_path(id: &str) -> String {
    format!("/exchanges/{}", url_escape(id))
}

/// An exchange's persons summed over its directions, for the list.
#[derive(Debug, Default, Serialize)]
pub(super) struct Totals {
    planned: u64,
    handed_over: u64,
    received: u64,
    withdrawn: u64,
    pending: u64,
}

pub(super) fn totals(x: &ExchangeView) -> Totals {
    x.counts
        .directions
        .iter()
        .fold(Totals::default(), |mut t, d| {
            t.planned += d.planned;
            t.handed_over += d.handed_over;
            t.received += d.received;
            t.withdrawn += d.withdrawn;
            t.pending += d.pending;
            t
        })
}

/// An exchange as the list shows it.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    x: ExchangeView,
    totals: Totals,
}

/// The words of a reason a captive stays: a planner's reason, a rule, or
/// `not_proposed`; the word itself when the catalog has none.
pub(super) fn reason_text(lang: Lang, reason: &str) -> String {
    for prefix in ["exchanges.reason.", "exchange.reason.", "exchanges.rule."] {
        let key = format!("{prefix}{reason}");
        if catalog().contains_key(&key) {
            return tr(lang, &key);
        }
    }
    reason.replace('_', " ")
}

fn new_exchange_defaults() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sides[0]".to_string(), "UA".to_string()),
        ("terms.balance".to_string(), "count".to_string()),
        ("terms.tolerance".to_string(), "0".to_string()),
    ])
}

/// Exchanges a page lists.
const EXCHANGES_PAGE: u32 = 50;

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
        .page::<ExchangeView>("/api/exchanges", EXCHANGES_PAGE, after)
        .await
    {
        Ok(page) => page,
        Err(failure) => return ui.fail(failure),
    };
    let (next, total) = (page.next, page.total);
    let rows: Vec<Row> = page
        .items
        .into_iter()
        .map(|x| Row {
            totals: totals(&x),
            x,
        })
        .collect();
    ui.render_form(
        "exchanges/list.html",
        context! { rows, values, errors, next, total, start => after.is_some() },
        !errors.is_empty(),
    )
}

async fn list(ui: Ui, Query(query): Query<ListQuery>) -> Response {
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    show_list(&ui, after, new_exchange_defaults(), BTreeMap::new()).await
}

async fn create(ui: Ui, Form(fields): Form<Fields>) -> Response {
    match ui
        .submit::<ExchangeView>(Method::POST, "/api/exchanges", &fields)
        .await
    {
        Ok(created) => Redirect::to(&page_path(&created.id.to_string())).into_response(),
        Err(failure) if failure.is_input_error() => {
            show_list(&ui, None, session::values(&fields), failure.form_errors()).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// Which form of the exchange's page was refused or answered, and with what.
#[derive(Default)]
struct FormState {
    which: &'static str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    reconciliation: Option<ReconciliationView>,
    status: Option<StatusCode>,
}

impl FormState {
    fn refused(which: &'static str, fields: &Fields, failure: Failure) -> FormState {
        FormState {
            which,
            values: session::values(fields),
            status: Some(failure.status),
            errors: failure.form_errors(),
            reconciliation: None,
        }
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    repatriated: Option<u64>,
    answers: Option<u64>,
}

async fn show(ui: Ui, Path(id): Path<String>, Query(query): Query<ShowQuery>) -> Response {
    let notice = query.repatriated.map(|n| {
        format!(
            "{} {n}; {} {}",
            ui.t("exchanges.completed.repatriated"),
            ui.t("exchanges.completed.answers"),
            query.answers.unwrap_or(0)
        )
    });
    render_show(&ui, &id, FormState::default(), notice).await
}

/// A proposal as the exchange's page lists it.
#[derive(Serialize)]
struct ProposalRow {
    #[serde(flatten)]
    p: ProposalView,
    moves: usize,
    counted: usize,
    agreeable: bool,
}

/// Entry id → the person's name, from the manifest (a read of personal data, audited).
pub(super) async fn manifest_names(ui: &Ui, id: &str) -> HashMap<Uuid, String> {
    match ui
        .get::<ManifestView>(&format!("{}/manifest", api_path(id)))
        .await
    {
        Ok(manifest) => manifest
            .entries
            .into_iter()
            .map(|e| (e.entry, e.person.map(|p| p.name).unwrap_or_default()))
            .collect(),
        Err(_) => HashMap::new(),
    }
}

/// The persons whose withdrawal restores the balance, by name.
pub(super) fn restore_names(x: &ExchangeView, names: &HashMap<Uuid, String>) -> Vec<String> {
    x.restore
        .iter()
        .flat_map(|r| &r.withdraw)
        .map(|e| names.get(e).cloned().unwrap_or_else(|| e.to_string()))
        .collect()
}

async fn render_show(ui: &Ui, id: &str, state: FormState, notice: Option<String>) -> Response {
    let base = api_path(id);
    let x = match ui.get::<ExchangeView>(&base).await {
        Ok(x) => x,
        Err(failure) => return ui.fail(failure),
    };
    // An exchange's few proposals and demand lists, each whole on its page.
    let proposals = match ui
        .get_all::<ProposalView>(&format!("{base}/proposals"))
        .await
    {
        Ok(all) => all,
        Err(failure) => return ui.fail(failure),
    };
    let demands = match ui.get_all::<Report>(&format!("{base}/demands")).await {
        Ok(all) => all,
        Err(failure) => return ui.fail(failure),
    };
    let restore = if x.restore.as_ref().is_some_and(|r| !r.withdraw.is_empty()) {
        restore_names(&x, &manifest_names(ui, id).await)
    } else {
        Vec::new()
    };
    let negotiating = x.state == ExchangeState::Negotiating;
    let rows: Vec<ProposalRow> = proposals
        .into_iter()
        .map(|p| ProposalRow {
            moves: p.transfers.len(),
            counted: p
                .transfers
                .iter()
                .filter(|t| t.counts_toward_balance)
                .count(),
            agreeable: negotiating && p.violations.is_empty() && !p.transfers.is_empty(),
            p,
        })
        .collect();
    let parties: Vec<String> = x.sides.iter().flatten().cloned().collect();
    let has_manifest = x.agreed_proposal.is_some();
    let totals = totals(&x);
    let status = state.status.unwrap_or(StatusCode::OK);
    let mut response = ui.render(
        "exchanges/show.html",
        context! {
            x, totals, restore, demands, parties, has_manifest, notice,
            proposals => rows,
            formats => ["csv", "xlsx", "pdf"],
            form => state.which,
            values => state.values,
            errors => state.errors,
            reconciliation => state.reconciliation,
            back => page_path(id),
        },
    );
    *response.status_mut() = status;
    response
}

/// Posts a form of the exchange's page to the API; on success goes where `done` says,
/// on a refusal shows the page with the API's message above that form.
async fn act<T: serde::de::DeserializeOwned>(
    ui: &Ui,
    id: &str,
    which: &'static str,
    path: &str,
    body: Value,
    fields: &Fields,
    done: impl FnOnce(T) -> String,
) -> Response {
    let csrf = session::field(fields, "_csrf").unwrap_or_default();
    match ui.send::<T>(Method::POST, path, &body, csrf).await {
        Ok(answer) => Redirect::to(&done(answer)).into_response(),
        Err(failure)
            if failure.is_input_error() || failure.status == StatusCode::TOO_MANY_REQUESTS =>
        {
            render_show(ui, id, FormState::refused(which, fields, failure), None).await
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn propose(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let mut body = json!({
        "by": session::field(&fields, "by").unwrap_or_default(),
        "from_plan": true,
    });
    if let Some(note) = session::field(&fields, "note").filter(|n| !n.trim().is_empty()) {
        body["note"] = json!(note);
    }
    let path = format!("{}/proposals", api_path(&id));
    let page = page_path(&id);
    act(
        &ui,
        &id,
        "propose",
        &path,
        body,
        &fields,
        |p: ProposalView| {
            if p.number > 1 {
                format!("{page}/proposals?a={}&b={}", p.number - 1, p.number)
            } else {
                format!("{page}#proposal-{}", p.number)
            }
        },
    )
    .await
}

async fn agree(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let raw = session::field(&fields, "proposal").unwrap_or_default();
    // A number that is not one goes to the API as it is, which names the field.
    let proposal = raw
        .trim()
        .parse::<u32>()
        .map(Value::from)
        .unwrap_or_else(|_| json!(raw));
    let path = format!("{}/agreement", api_path(&id));
    let page = page_path(&id);
    act(
        &ui,
        &id,
        "agree",
        &path,
        json!({ "proposal": proposal }),
        &fields,
        |_: ExchangeView| page,
    )
    .await
}

async fn cancel(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let reason = session::field(&fields, "reason").unwrap_or_default();
    let path = format!("{}/cancel", api_path(&id));
    let page = page_path(&id);
    act(
        &ui,
        &id,
        "cancel",
        &path,
        json!({ "reason": reason }),
        &fields,
        |_: ExchangeView| page,
    )
    .await
}

async fn complete(ui: Ui, Path(id): Path<String>, Form(fields): Form<Fields>) -> Response {
    let path = format!("{}/complete", api_path(&id));
    let page = page_path(&id);
    act(
        &ui,
        &id,
        "complete",
        &path,
        json!({}),
        &fields,
        |done: CompletionView| {
            format!(
                "{page}?repatriated={}&answers={}",
                done.repatriated.len(),
                done.answers_prepared.len()
            )
        },
    )
    .await
}

#[derive(Deserialize)]
struct FileQuery {
    format: Option<String>,
    party: Option<String>,
}

/// The manifest as a file (CSV, XLSX, PDF), from the API as the visitor.
async fn manifest_file(ui: Ui, Path(id): Path<String>, Query(query): Query<FileQuery>) -> Response {
    let mut path = format!(
        "{}/manifest?format={}",
        api_path(&id),
        url_escape(query.format.as_deref().unwrap_or("csv"))
    );
    if let Some(party) = query.party.as_deref().filter(|p| !p.is_empty()) {
        path.push_str(&format!("&party={}", url_escape(party)));
    }
    ui.file(&path).await
}

/// The other side's manifest, uploaded: reconciled against ours and shown.
async fn counterpart(ui: Ui, Path(id): Path<String>, multipart: Multipart) -> Response {
    let (fields, file_name, bytes) = match super::imports::read_upload(&ui, multipart).await {
        Ok(read) => read,
        Err(failure) => return ui.fail(failure),
    };
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let by = session::field(&fields, "by").unwrap_or_default();
    // The name only tells the format; the path a browser may send is dropped.
    let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let path = format!(
        "{}/counterpart-manifest?by={}&file_name={}",
        api_path(&id),
        url_escape(by),
        url_escape(file_name)
    );
    let answer = ui
        .send_bytes::<ReconciliationView>(
            Method::POST,
            &path,
            "application/octet-stream",
            bytes,
            csrf,
        )
        .await;
    match answer {
        Ok(result) => {
            let state = FormState {
                which: "counterpart",
                values: session::values(&fields),
                reconciliation: Some(result),
                ..FormState::default()
            };
            render_show(&ui, &id, state, None).await
        }
        Err(failure) if failure.is_input_error() => {
            render_show(
                &ui,
                &id,
                FormState::refused("counterpart", &fields, failure),
                None,
            )
            .await
        }
        Err(failure) => ui.fail(failure),
    }
}

#[derive(Deserialize)]
struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

/// A proposal's transfer or left-out captive as the comparison shows it.
#[derive(Serialize)]
struct PersonRow {
    captive: Uuid,
    name: String,
    rank: Option<String>,
    days: Option<u64>,
    from: String,
    to: String,
    counts: bool,
    wounded: bool,
    /// `added` (in the second, not the first), `removed` (in the first, not the second).
    change: Option<&'static str>,
}

/// A left-out captive: his name and why he stays.
#[derive(Serialize)]
struct LeftRow {
    captive: Uuid,
    name: String,
    reason: String,
    /// In the second proposal, a captive the first moved (`removed`); in the first, a
    /// captive the second moves (`added`).
    change: Option<&'static str>,
}

#[derive(Serialize)]
struct ViolationRow {
    name: Option<String>,
    rule: String,
    article: Option<String>,
    message: String,
}

/// One side of the comparison.
#[derive(Serialize)]
struct Column {
    number: u32,
    by: String,
    source: String,
    note: Option<String>,
    created_at: String,
    optimal: Option<bool>,
    balance: Vec<crate::routes::exchanges::BalanceView>,
    transfers: Vec<PersonRow>,
    left_out: Vec<LeftRow>,
    violations: Vec<ViolationRow>,
    counted: usize,
}

/// One proposal's column: its transfers in `marked` carry `mark`, its left-out captives
/// in `other` carry `other_mark`.
fn column(
    lang: Lang,
    p: ProposalView,
    (marked, mark): (&HashSet<Uuid>, &'static str),
    (other, other_mark): (&HashSet<Uuid>, &'static str),
) -> Column {
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut transfers: Vec<PersonRow> = p
        .transfers
        .iter()
        .map(|t| {
            let name = t
                .person
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            names.insert(t.captive, name.clone());
            PersonRow {
                captive: t.captive,
                name,
                rank: t.person.as_ref().and_then(|p| p.rank.clone()),
                days: t.person.as_ref().map(|p| p.days_in_captivity),
                from: t.from.clone(),
                to: t.to.clone(),
                counts: t.counts_toward_balance,
                wounded: t
                    .person
                    .as_ref()
                    .is_some_and(|p| p.seriously_wounded_or_sick),
                change: marked.contains(&t.captive).then_some(mark),
            }
        })
        .collect();
    transfers.sort_by(|a, b| (&a.from, &a.to, &a.name).cmp(&(&b.from, &b.to, &b.name)));
    let mut left_out: Vec<LeftRow> = p
        .left_out
        .iter()
        .map(|l| {
            let name = l
                .person
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            names.insert(l.captive, name.clone());
            LeftRow {
                captive: l.captive,
                name,
                reason: reason_text(lang, &l.reason),
                change: other.contains(&l.captive).then_some(other_mark),
            }
        })
        .collect();
    left_out.sort_by(|a, b| a.name.cmp(&b.name));
    let violations = p
        .violations
        .iter()
        .map(|v| ViolationRow {
            name: v
                .captive
                .map(|c| names.get(&c).cloned().unwrap_or_else(|| c.to_string())),
            rule: reason_text(lang, v.rule.as_str()),
            article: v.article.clone(),
            message: v.message.clone(),
        })
        .collect();
    Column {
        number: p.number,
        by: p.by,
        source: p.source.to_string(),
        note: p.note,
        created_at: p.created_at.to_rfc3339(),
        optimal: p.optimal,
        balance: p.balance,
        counted: transfers.iter().filter(|t| t.counts).count(),
        transfers,
        left_out,
        violations,
    }
}

/// Two proposals side by side, with names.
async fn compare(ui: Ui, Path(id): Path<String>, Query(query): Query<CompareQuery>) -> Response {
    let base = api_path(&id);
    let x = match ui.get::<ExchangeView>(&base).await {
        Ok(x) => x,
        Err(failure) => return ui.fail(failure),
    };
    let last = x.proposals;
    let number = |raw: Option<&str>, default: u32| -> u32 {
        raw.and_then(|r| r.trim().parse::<u32>().ok())
            .unwrap_or(default)
    };
    let b = number(query.b.as_deref(), last);
    let a = number(query.a.as_deref(), last.saturating_sub(1).max(1));
    let options: Vec<(String, String)> = (1..=last)
        .map(|n| (n.to_string(), format!("{} {n}", ui.t("exchanges.proposal"))))
        .collect();
    if last == 0 {
        return ui.render(
            "exchanges/compare.html",
            context! { x, options, a, b, left => None::<Column>, right => None::<Column> },
        );
    }
    let second = match ui
        .get::<ProposalView>(&format!("{base}/proposals/{b}?against={a}&names=true"))
        .await
    {
        Ok(p) => p,
        Err(failure) => return ui.fail(failure),
    };
    let first = match ui
        .get::<ProposalView>(&format!("{base}/proposals/{a}?names=true"))
        .await
    {
        Ok(p) => p,
        Err(failure) => return ui.fail(failure),
    };
    let added: HashSet<Uuid> = second.added.iter().flatten().copied().collect();
    let removed: HashSet<Uuid> = second.removed.iter().flatten().copied().collect();
    let summary = context! { added => added.len(), removed => removed.len() };
    let left = column(ui.lang, first, (&removed, "removed"), (&added, "added"));
    let right = column(ui.lang, second, (&added, "added"), (&removed, "removed"));
    ui.render(
        "exchanges/compare.html",
        context! { x, options, a, b, summary, left, right },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use repatria_exchange::record::Rule;

    #[test]
    fn every_state_rule_and_outcome_has_its_words() {
        use repatria_exchange::record::{EntryStatus, ExchangeState, ProposalSource};
        let keys = ExchangeState::ALL
            .iter()
            .map(|s| format!("exchanges.state.{s}"))
            .chain(Rule::ALL.iter().map(|r| format!("exchanges.rule.{r}")))
            .chain(
                EntryStatus::ALL
                    .iter()
                    .map(|s| format!("exchanges.status.{s}")),
            )
            .chain(
                ProposalSource::ALL
                    .iter()
                    .map(|s| format!("exchanges.source.{s}")),
            )
            .chain(
                repatria_app::exchanges::Reconciled::ALL
                    .iter()
                    .map(|r| format!("exchanges.reconciled.{r}")),
            );
        for key in keys {
            let (en, uk) = catalog().get(&key).unwrap_or_else(|| panic!("no {key}"));
            assert!(!en.is_empty() && !uk.is_empty(), "{key}");
        }
    }

    #[test]
    fn reasons_read_as_words_in_either_language() {
        assert_eq!(
            reason_text(Lang::En, "not_proposed"),
            "not in this proposal"
        );
        assert_eq!(
            reason_text(Lang::Uk, "balance"),
            "його переміщення порушило б баланс"
        );
        // A word that is both a planner's reason and a rule reads as the planner's.
        assert_eq!(
            reason_text(Lang::En, "transfer_barred"),
            tr(Lang::En, "exchange.reason.transfer_barred")
        );
        assert_eq!(
            reason_text(Lang::En, "wrong_destination"),
            tr(Lang::En, "exchanges.rule.wrong_destination")
        );
        assert_eq!(reason_text(Lang::En, "something_new"), "something new");
    }
}
