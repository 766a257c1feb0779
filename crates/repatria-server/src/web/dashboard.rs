//! The start page: the registry at a glance (`GET /api/dashboard`).

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::context;
use repatria_core::{Permission, Role};
use serde::Serialize;

use super::Ui;
use crate::routes::dashboard::{Count, DashboardView};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(page))
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
