//! The start page: the registry at a glance (`GET /api/dashboard`): counts, captures
//! per month, the most overdue GC III deadlines (a capture card with its occasion), the
//! notifications waiting for a dispatch (roles that dispatch), deaths without their
//! record (Art. 120) and open enquiries (Art. 121). `/dashboard/overdue` pages through
//! every overdue deadline (`GET /api/dashboard/overdue`), filtered by kind.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::context;
use repatria_core::{DeadlineKind, Permission, Role};
use serde::{Deserialize, Serialize};

use super::session::url_escape;
use super::Ui;
use crate::routes::dashboard::{Count, DashboardView, OverduePage, OverdueView};
use crate::AppState;

/// Overdue deadlines on a page of `/dashboard/overdue`.
const OVERDUE_PAGE: usize = 50;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/dashboard/overdue", get(overdue))
}

/// One bar of the captures chart, in the SVG's units.
#[derive(Serialize)]
struct Bar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    month: String,
    count: u64,
    /// Whether the month is written under the bar (every few bars on long ranges).
    labelled: bool,
}

const CHART_WIDTH: f64 = 720.0;
const CHART_HEIGHT: f64 = 160.0;

fn bars(months: &[Count]) -> Vec<Bar> {
    let max = months
        .iter()
        .map(|m| m.count as u64)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = CHART_WIDTH / months.len().max(1) as f64;
    let every = months.len().div_ceil(12).max(1);
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let count = m.count as u64;
            let height = (count as f64 / max * CHART_HEIGHT).round();
            Bar {
                x: (i as f64 * slot + slot * 0.1).round(),
                y: CHART_HEIGHT - height,
                width: (slot * 0.8).max(1.0).round(),
                height,
                month: m.key.clone(),
                count,
                labelled: i % every == 0,
            }
        })
        .collect()
}

async fn page(ui: Ui) -> Response {
    if !ui.user.role.can(Permission::ReadCaptives) {
        // A journalist's start is the list of released captives; other roles the first
        // page of their work.
        let to = match ui.user.role {
            Role::Journalist => "/captives",
            r if r.can(Permission::PlanExchange) => "/exchange",
            r if r.can(Permission::ReadAudit) => "/audit",
            r if r.can(Permission::ManageMedia) => "/media",
            _ => "/captives",
        };
        return Redirect::to(to).into_response();
    }
    let stats: DashboardView = match ui.get("/api/dashboard").await {
        Ok(stats) => stats,
        Err(failure) => return ui.fail(failure),
    };
    let bars = bars(&stats.captures_by_month);
    ui.render(
        "dashboard.html",
        context! { stats => stats, bars => bars, chart_width => CHART_WIDTH, chart_height => CHART_HEIGHT },
    )
}

#[derive(Deserialize)]
struct OverdueQuery {
    kind: Option<String>,
    offset: Option<String>,
}

/// Whole days from `due` to `now` (0 within the first day).
fn days_late(due: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> i64 {
    (now - due).num_days().max(0)
}

/// An overdue deadline as the page lists it: the API's item and how late it is.
#[derive(Serialize)]
struct OverdueRow {
    #[serde(flatten)]
    item: OverdueView,
    days_late: i64,
}

/// Every overdue deadline, the most overdue first, a page at a time.
async fn overdue(ui: Ui, Query(query): Query<OverdueQuery>) -> Response {
    let kind = query
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let offset = query
        .offset
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let mut api = format!("/api/dashboard/overdue?limit={OVERDUE_PAGE}");
    if let Some(kind) = kind {
        api.push_str(&format!("&kind={}", url_escape(kind)));
    }
    if let Some(offset) = offset {
        api.push_str(&format!("&offset={}", url_escape(offset)));
    }
    let (page, errors) = match ui.get::<OverduePage>(&api).await {
        Ok(page) => (Some(page), BTreeMap::new()),
        Err(failure) if failure.is_input_error() => (None, failure.form_errors()),
        Err(failure) => return ui.fail(failure),
    };
    let base = match kind {
        Some(kind) => format!("/dashboard/overdue?kind={}&", url_escape(kind)),
        None => "/dashboard/overdue?".to_string(),
    };
    let start = offset.and_then(|o| o.parse::<usize>().ok()).unwrap_or(0);
    let prev = (start > 0).then(|| format!("{base}offset={}", start.saturating_sub(OVERDUE_PAGE)));
    let next = page
        .as_ref()
        .and_then(|p| p.next_offset)
        .map(|n| format!("{base}offset={n}"));
    let (rows, total, as_of) = match page {
        Some(page) => {
            let as_of = page.as_of;
            let rows: Vec<OverdueRow> = page
                .items
                .into_iter()
                .map(|item| OverdueRow {
                    days_late: days_late(item.due_at, as_of),
                    item,
                })
                .collect();
            (rows, page.total, Some(as_of))
        }
        None => (Vec::new(), 0, None),
    };
    let kinds: Vec<(String, String)> = DeadlineKind::ALL
        .iter()
        .map(|k| (k.to_string(), ui.t(&format!("deadline.{k}"))))
        .collect();
    let invalid = !errors.is_empty();
    ui.render_form(
        "dashboard/overdue.html",
        context! {
            rows, total, as_of, prev, next, kinds, errors,
            first => start + 1,
            values => BTreeMap::from([("kind", kind.unwrap_or_default())]),
        },
        invalid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(key: &str, count: usize) -> Count {
        Count {
            key: key.into(),
            count,
        }
    }

    #[test]
    fn lateness_is_counted_in_whole_days() {
        let due = "2026-11-01T12:00:00Z".parse().unwrap();
        assert_eq!(days_late(due, "2026-11-01T18:00:00Z".parse().unwrap()), 0);
        assert_eq!(days_late(due, "2026-11-03T12:00:00Z".parse().unwrap()), 2);
        assert_eq!(days_late(due, "2026-10-30T12:00:00Z".parse().unwrap()), 0);
    }

    #[test]
    fn bars_scale_to_the_busiest_month() {
        let months = vec![
            month("2025-01", 10),
            month("2025-02", 0),
            month("2025-03", 5),
        ];
        let drawn = bars(&months);
        assert_eq!(drawn.len(), 3);
        assert_eq!(drawn[0].height, CHART_HEIGHT);
        assert_eq!(drawn[0].y, 0.0);
        assert_eq!(drawn[1].height, 0.0);
        assert_eq!(drawn[2].height, CHART_HEIGHT / 2.0);
        assert!(drawn[1].x > drawn[0].x && drawn[2].x > drawn[1].x);
        assert!(drawn.iter().all(|b| b.labelled));
        let long: Vec<Count> = (0..36).map(|i| month(&format!("m{i}"), i)).collect();
        assert_eq!(bars(&long).iter().filter(|b| b.labelled).count(), 12);
        assert!(bars(&[]).is_empty());
    }
}
