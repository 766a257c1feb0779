//! Figures for monitoring, served at `GET /metrics` in Prometheus's text format
//! (docs/operations.md, "Monitoring"). Counts, durations and sequence numbers only: a
//! request is counted under its route's template (`/api/captives/{id}`), never its path,
//! so that no id, name or query text reaches the figures.
//!
//! Two kinds of figures, named apart:
//! - **per process** (`repatria_http_*`, `repatria_match_index_*`, `repatria_work_running`):
//!   what this server did or holds; each server of a cluster has its own, and Prometheus
//!   adds them up over the instances it scrapes;
//! - **from the database** (`repatria_import_jobs*`, `repatria_audit_head`): read at each
//!   scrape, the same from every server of one database.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use repatria_app::matching::{Refresh, RefreshObserver};

use crate::AppState;

/// The media type of the answer: Prometheus's text format, version 0.0.4.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The route label of a request no route matched (its path is never a label).
pub const UNMATCHED: &str = "unmatched";

/// Bounds (seconds) of the request duration histogram: from a read of one record to an
/// import's upload or an exchange plan.
const REQUEST_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Bounds (seconds) of the index refresh histogram: an update reads a few records, a
/// build the whole registry.
const REFRESH_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The figures this process keeps between scrapes (counters, histograms); the rest are
/// read when scraped ([`render`]).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    in_flight: IntGauge,
    refreshes: IntCounterVec,
    refresh_seconds: HistogramVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "repatria_http_requests_total",
                "Requests answered by this process, by method, route template and status code.",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "repatria_http_request_duration_seconds",
                "Time from a request's arrival to its answer's headers, by method and route template (this process).",
            )
            .buckets(REQUEST_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let in_flight = IntGauge::new(
            "repatria_http_requests_in_flight",
            "Requests this process is answering now.",
        )
        .expect("valid metric");
        let refreshes = IntCounterVec::new(
            Opts::new(
                "repatria_match_index_refreshes_total",
                "Refreshes of this process's matching index: its build, and each update read from the audit log's change feed.",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let refresh_seconds = HistogramVec::new(
            HistogramOpts::new(
                "repatria_match_index_refresh_duration_seconds",
                "Time a refresh of this process's matching index took (reading the database and indexing).",
            )
            .buckets(REFRESH_BUCKETS.to_vec()),
            &["kind"],
        )
        .expect("valid metric");
        let info = IntGaugeVec::new(
            Opts::new(
                "repatria_build_info",
                "Always 1; the version of the repatria program this process runs.",
            ),
            &["version"],
        )
        .expect("valid metric");
        info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(in_flight.clone()),
            Box::new(refreshes.clone()),
            Box::new(refresh_seconds.clone()),
            Box::new(info),
        ] {
            registry.register(metric).expect("metric names are unique");
        }
        // Every kind appears from the start, at zero, so that a rate has a beginning.
        for refresh in Refresh::ALL {
            refreshes.with_label_values(&[refresh.as_str()]);
        }
        Metrics {
            registry,
            requests,
            durations,
            in_flight,
            refreshes,
            refresh_seconds,
        }
    }

    fn observe_request(&self, method: &str, route: &str, status: &str, elapsed: Duration) {
        self.requests
            .with_label_values(&[method, route, status])
            .inc();
        self.durations
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }
}

impl RefreshObserver for Metrics {
    fn refreshed(&self, refresh: Refresh, elapsed: Duration) {
        self.refreshes.with_label_values(&[refresh.as_str()]).inc();
        self.refresh_seconds
            .with_label_values(&[refresh.as_str()])
            .observe(elapsed.as_secs_f64());
    }
}

/// A method as a label: the standard ones by name, any other (HTTP allows extension
/// methods, which a client could invent without end) as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Lowers the in-flight gauge when the request ends, answered or abandoned.
struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts and times every request under its route's template. Added with
/// `Router::layer` after every route, so that it runs after routing, where the matched
/// route is known.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string());
    let method = method_label(request.method());
    let metrics = state.metrics.clone();
    metrics.in_flight.inc();
    let _in_flight = InFlight(metrics.in_flight.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe_request(
        method,
        route.as_deref().unwrap_or(UNMATCHED),
        response.status().as_str(),
        started.elapsed(),
    );
    response
}

/// Every figure as Prometheus's text format: this process's counters and histograms, then
/// what is read now (the index's contents, heavy work running, and from the database the
/// import jobs and the audit log's head). When the database cannot be read,
/// `repatria_database_up` is 0 and its figures are left out rather than guessed.
pub async fn render(state: &AppState) -> String {
    let mut families = state.metrics.registry.gather();
    families.extend(current(state).await.gather());
    families.sort_by(|a, b| a.name().cmp(b.name()));
    let mut text = Vec::new();
    // Encoding into memory fails only on figures that break the format (none are made).
    if let Err(error) = TextEncoder::new().encode(&families, &mut text) {
        tracing::warn!(%error, "the monitoring figures could not be encoded");
    }
    String::from_utf8(text).unwrap_or_default()
}

/// The figures read at each scrape, in a registry of their own made for it.
async fn current(state: &AppState) -> Registry {
    let registry = Registry::new();
    let gauge = |name: &str, help: &str, value: i64| {
        let gauge = IntGauge::new(name, help).expect("valid metric");
        gauge.set(value);
        registry
            .register(Box::new(gauge))
            .expect("metric names are unique");
    };
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let stats = state.matching.stats();
    gauge(
        "repatria_match_index_built",
        "1 once this process's matching index is built (at start, or at first use).",
        i64::from(stats.built),
    );
    gauge(
        "repatria_match_index_captives",
        "Captives in this process's matching index.",
        count(stats.captives),
    );
    gauge(
        "repatria_match_index_claims",
        "Identity claims in this process's matching index (one engine record each).",
        count(stats.claims),
    );
    gauge(
        "repatria_match_index_tracing_requests",
        "Tracing requests in this process's matching index.",
        count(stats.requests),
    );
    gauge(
        "repatria_match_index_audit_seq",
        "The audit event up to which this process's matching index has read the change feed.",
        i64::try_from(stats.seen).unwrap_or(i64::MAX),
    );
    let work = IntGaugeVec::new(
        Opts::new(
            "repatria_work_running",
            "Heavy work this process runs now (import jobs, previews of a list, exchange plans), each kind bounded per process.",
        ),
        &["kind"],
    )
    .expect("valid metric");
    for kind in crate::work::Kind::ALL {
        work.with_label_values(&[kind.as_str()])
            .set(count(state.work.running(*kind)));
    }
    registry
        .register(Box::new(work))
        .expect("metric names are unique");

    let now = chrono::Utc::now();
    let (jobs, head) = tokio::join!(state.store.job_counts(now), state.store.audit_head());
    let up = match (jobs, head) {
        (Ok(jobs), Ok(head)) => {
            let states = IntGaugeVec::new(
                Opts::new(
                    "repatria_import_jobs",
                    "Import jobs in the database by state, as every server answers them (a job whose server stopped is failed).",
                ),
                &["state"],
            )
            .expect("valid metric");
            for (state, n) in [
                ("running", jobs.running),
                ("done", jobs.done),
                ("failed", jobs.failed),
            ] {
                states
                    .with_label_values(&[state])
                    .set(i64::try_from(n).unwrap_or(i64::MAX));
            }
            registry
                .register(Box::new(states))
                .expect("metric names are unique");
            gauge(
                "repatria_import_jobs_lost",
                "Import jobs in the database left running by a server that stopped (counted failed too).",
                i64::try_from(jobs.lost).unwrap_or(i64::MAX),
            );
            gauge(
                "repatria_audit_head",
                "The number of the newest event of the audit log in the database.",
                i64::try_from(head).unwrap_or(i64::MAX),
            );
            1
        }
        (jobs, head) => {
            if let Some(error) = jobs.err().or(head.err()) {
                tracing::warn!(%error, "monitoring: the database could not be read");
            }
            0
        }
    };
    gauge(
        "repatria_database_up",
        "1 when this process could read the database for this scrape, else 0.",
        up,
    );
    registry
}
