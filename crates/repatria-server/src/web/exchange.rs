//! Pages: the exchange planner over the captives held now. The negotiator puts each
//! party on a side (or none), sets the terms, and reads the plan: per side what it gives
//! and receives, the objective, who moves and who stays with the contract's reason; both
//! lists download as CSV (the download runs the plan again from the same form).

use std::collections::BTreeMap;

use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_core::Permission;
use repatria_exchange::Plan;
use serde_json::{json, Value};

use super::form;
use super::session::{self, Fields, Ui};
use super::Failure;
use crate::routes::parties::PartyView;
use crate::AppState;

/// Ranks offered for values, with the contract's example values.
const RANKS: [(&str, u64); 7] = [
    ("private", 1),
    ("nco", 2),
    ("lieutenant", 4),
    ("captain", 6),
    ("major", 8),
    ("colonel", 15),
    ("general", 40),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/exchange", get(page).post(run))
        .route("/exchange/moved.csv", post(moved_csv))
        .route("/exchange/left.csv", post(left_csv))
}

/// The planner's body from the form: `side.UA = 1` puts UA on the first side, and the
/// `terms.*` inputs are named by the API's field path. Side numbers need not be
/// consecutive: the sides keep their order and empty ones are dropped.
pub(crate) fn plan_body(fields: &Fields) -> Result<Value, Vec<(String, String)>> {
    let mut sides: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, value) in fields {
        let Some(party) = name.strip_prefix("side.") else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match value.parse::<u32>() {
            Ok(side) if side >= 1 => sides.entry(side).or_default().push(party.to_string()),
            _ => errors.push((name.clone(), "must be a side number".to_string())),
        }
    }
    let rest: Fields = fields
        .iter()
        .filter(|(name, _)| !name.starts_with("side."))
        .cloned()
        .collect();
    let mut body = form::to_json(&rest).map_err(|mut e| {
        e.append(&mut errors);
        e
    })?;
    if !errors.is_empty() {
        return Err(errors);
    }
    if !body.is_object() {
        body = json!({});
    }
    body["sides"] = json!(sides.into_values().collect::<Vec<_>>());
    if body.get("terms").is_none() {
        body["terms"] = json!({});
    }
    Ok(body)
}

/// The form's defaults: no party on a side, balance by count, the contract's values.
fn default_values() -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = RANKS
        .iter()
        .map(|(rank, value)| (format!("terms.values.{rank}"), value.to_string()))
        .collect();
    values.insert("terms.balance".into(), "count".into());
    values.insert("terms.tolerance".into(), "0".into());
    values.insert(
        "terms.as_of".into(),
        chrono::Utc::now().date_naive().to_string(),
    );
    values
}

fn forbidden(ui: &Ui) -> Option<Response> {
    // The page's own form needs the permission the planner needs; the API still decides
    // each run.
    (!ui.user.role.can(Permission::PlanExchange)).then(|| {
        ui.fail(Failure {
            status: StatusCode::FORBIDDEN,
            message: ui.t("exchange.forbidden"),
            fields: BTreeMap::new(),
        })
    })
}

async fn render(
    ui: &Ui,
    values: BTreeMap<String, String>,
    fields: &Fields,
    errors: BTreeMap<String, String>,
    plan: Option<Plan<'static>>,
) -> Response {
    let parties = match ui.get_all::<PartyView>("/api/parties").await {
        Ok(parties) => parties,
        Err(failure) => return ui.fail(failure),
    };
    let count = parties.len().max(2);
    let side_options: Vec<(String, String)> = (1..=count)
        .map(|n| (n.to_string(), format!("{} {n}", ui.t("exchange.side"))))
        .collect();
    // The sides as planned, with the parties' names, next to their balance.
    let carried: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .cloned()
        .collect();
    let summary = plan.as_ref().map(|plan| {
        let moved = plan.transfers.len();
        let counted = plan
            .transfers
            .iter()
            .filter(|t| t.counts_toward_balance)
            .count();
        json!({ "moved": moved, "counted": counted, "uncounted": moved - counted,
                "left": plan.not_moved.len() })
    });
    ui.render_form(
        "exchange/plan.html",
        context! {
            parties => parties,
            side_options => side_options,
            ranks => RANKS.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            values => values,
            errors => errors,
            plan => plan,
            summary => summary,
            carried => carried,
        },
        !errors.is_empty(),
    )
}

async fn page(ui: Ui) -> Response {
    if let Some(refused) = forbidden(&ui) {
        return refused;
    }
    render(&ui, default_values(), &Vec::new(), BTreeMap::new(), None).await
}

/// Runs the planner as the visitor: the plan, or the errors to show next to the inputs.
async fn plan(ui: &Ui, fields: &Fields) -> Result<Plan<'static>, Failure> {
    let csrf = session::field(fields, "_csrf").unwrap_or_default();
    let body = plan_body(fields).map_err(Failure::unreadable)?;
    ui.send(Method::POST, "/api/exchange/plan-held", &body, csrf)
        .await
}

async fn run(ui: Ui, Form(fields): Form<Fields>) -> Response {
    if let Some(refused) = forbidden(&ui) {
        return refused;
    }
    let values = session::values(&fields);
    match plan(&ui, &fields).await {
        Ok(plan) => render(&ui, values, &fields, BTreeMap::new(), Some(plan)).await,
        Err(failure) if failure.is_input_error() => {
            let errors = failure.form_errors();
            render(&ui, values, &fields, errors, None).await
        }
        Err(failure) => ui.fail(failure),
    }
}

/// A CSV download of the plan. Prisoner ids and reasons are defused for spreadsheets by
/// the one CSV writer for people ([`repatria_lists::write_csv`]).
fn csv(name: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        repatria_lists::write_csv(header_row, rows),
    )
        .into_response()
}

async fn download(ui: Ui, fields: Fields, moved: bool) -> Response {
    if let Some(refused) = forbidden(&ui) {
        return refused;
    }
    let plan = match plan(&ui, &fields).await {
        Ok(plan) => plan,
        Err(failure) if failure.is_input_error() => {
            let values = session::values(&fields);
            return render(&ui, values, &fields, failure.fields, None).await;
        }
        Err(failure) => return ui.fail(failure),
    };
    if moved {
        let rows = plan
            .transfers
            .iter()
            .map(|t| {
                vec![
                    t.prisoner.to_string(),
                    t.from.to_string(),
                    t.to.to_string(),
                    t.counts_toward_balance.to_string(),
                ]
            })
            .collect();
        csv(
            "exchange-moved.csv",
            &["captive", "from", "to", "counts_toward_balance"],
            rows,
        )
    } else {
        let rows = plan
            .not_moved
            .iter()
            .map(|n| vec![n.prisoner.to_string(), n.reason.to_string()])
            .collect();
        csv("exchange-left.csv", &["captive", "reason"], rows)
    }
}

async fn moved_csv(ui: Ui, Form(fields): Form<Fields>) -> Response {
    download(ui, fields, true).await
}

async fn left_csv(ui: Ui, Form(fields): Form<Fields>) -> Response {
    download(ui, fields, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[(&str, &str)]) -> Fields {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_becomes_sides_and_terms() {
        let body = plan_body(&fields(&[
            ("_csrf", "x"),
            ("side.UA", "1"),
            ("side.RU", "3"),
            ("side.KP", "3"),
            ("side.BY", ""),
            ("terms.balance", "value"),
            ("terms.values.private:int", "1"),
            ("terms.values.general:int", ""),
            ("terms.tolerance:int", "2"),
            ("terms.max_total:int", ""),
            ("terms.as_of", "2026-11-27"),
        ]))
        .unwrap();
        assert_eq!(
            body,
            json!({
                "sides": [["UA"], ["RU", "KP"]],
                "terms": { "balance": "value", "values": { "private": 1 }, "tolerance": 2, "as_of": "2026-11-27" }
            })
        );
        let errors = plan_body(&fields(&[
            ("side.UA", "first"),
            ("terms.tolerance:int", "x"),
        ]))
        .unwrap_err();
        let names: Vec<&str> = errors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["terms.tolerance", "side.UA"]);
        assert_eq!(
            plan_body(&fields(&[])).unwrap(),
            json!({ "sides": [], "terms": {} })
        );
    }

    #[test]
    fn every_reason_why_not_optimal_and_rank_has_its_words() {
        use super::super::i18n::{catalog, Lang};
        use repatria_exchange::{NotOptimal, Reason};
        let keys = Reason::ALL
            .iter()
            .map(|r| format!("exchange.reason.{}", r.as_str()))
            .chain(
                NotOptimal::ALL
                    .iter()
                    .map(|w| format!("exchange.why_not_optimal.{}", w.as_str())),
            )
            .chain(RANKS.iter().map(|(r, _)| format!("exchange.rank.{r}")));
        for key in keys {
            let (en, uk) = catalog().get(&key).unwrap_or_else(|| panic!("no {key}"));
            assert!(!en.is_empty() && !uk.is_empty(), "{key}");
        }
        assert_eq!(
            super::super::i18n::tr(Lang::Uk, "exchange.reason.balance"),
            "його переміщення порушило б баланс"
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let rows = vec![
            vec!["a,b".to_string(), "say \"x\"".to_string()],
            vec!["=SUM(A1)".into(), "\tplain".into()],
        ];
        assert_eq!(
            body_text(csv("x.csv", &["captive", "reason"], rows)),
            "captive,reason\r\n\"a,b\",\"say \"\"x\"\"\"\r\n'=SUM(A1),'\tplain\r\n"
        );
    }

    fn body_text(response: Response) -> String {
        let body = response.into_body();
        let bytes = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(axum::body::to_bytes(body, usize::MAX))
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
