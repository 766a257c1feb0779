//! The HTTP server of Repatria: the JSON API under `/api`, its OpenAPI document, and
//! the health check. Handlers validate requests into domain values (each resource's
//! request shapes are beside its routes), call the use cases of
//! `repatria-app` and the [`SqlStore`], and render views; they hold
//! no domain rules of their own.

mod auth;
pub mod client;
mod documents;
mod error;
mod extract;
pub mod limit;
pub mod metrics;
mod page;
mod routes;
mod schema;
pub mod totp;
pub mod web;
pub mod work;

// The use cases the handlers call, under the names the routes use.
use repatria_app::{imports, matching};

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use repatria_store::SqlStore;

pub use auth::{hash_password, CurrentUser};
pub use error::{ApiError, ErrorBody};
pub use page::{ListPage, PageQuery};
pub use routes::dashboard::warm as warm_dashboard;
pub use routes::{openapi, openapi_json};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<SqlStore>,
    pub login_limiter: Arc<limit::LoginLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub proxies: Arc<client::TrustedProxies>,
    /// A session unused for this long ends (API tokens have their own expiry).
    pub session_idle: chrono::Duration,
    /// The matching engine's index of the registry and open tracing requests.
    pub matching: Arc<matching::Matching>,
    /// Import jobs running in this process (every job is in the store too).
    pub jobs: Arc<routes::imports::Jobs>,
    /// The dashboard's summary of the registry, kept while the registry is unchanged.
    pub dashboard: Arc<routes::dashboard::DashboardCache>,
    /// The key that signs audit checkpoints (`GET /api/audit/checkpoint`), when one is
    /// configured. It is read from a file at start and never stored in the database.
    pub audit_signer: Option<Arc<repatria_tlog::Signer>>,
    /// Import jobs and exchange plans running, bounded per account and in total.
    pub work: Arc<work::Work>,
    /// This process's figures for monitoring (`GET /metrics`).
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    /// Whether any import job is running in this process.
    pub fn jobs_running(&self) -> bool {
        self.jobs.running()
    }
}

impl AppState {
    pub fn new(store: Arc<SqlStore>) -> AppState {
        let metrics = Arc::new(metrics::Metrics::new());
        AppState {
            store,
            login_limiter: Arc::default(),
            proxies: Arc::default(),
            session_idle: chrono::Duration::minutes(DEFAULT_SESSION_IDLE_MINUTES),
            matching: Arc::new(matching::Matching::observed(metrics.clone())),
            jobs: Arc::default(),
            dashboard: Arc::default(),
            audit_signer: None,
            work: Arc::default(),
            metrics,
        }
    }

    /// The same state, signing audit checkpoints with `signer`.
    pub fn with_audit_signer(mut self, signer: repatria_tlog::Signer) -> AppState {
        self.audit_signer = Some(Arc::new(signer));
        self
    }
}

/// Minutes without use after which a session ends, unless configured otherwise.
pub const DEFAULT_SESSION_IDLE_MINUTES: i64 = 30;

impl AppState {
    /// Believes `X-Forwarded-For`/`-Proto` from these proxies only.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> AppState {
        self.proxies = Arc::new(client::TrustedProxies(proxies));
        self
    }

    pub fn with_session_idle(mut self, idle: chrono::Duration) -> AppState {
        self.session_idle = idle;
        self
    }

    pub fn with_login_policy(mut self, policy: limit::LoginPolicy) -> AppState {
        self.login_limiter = Arc::new(limit::LoginLimiter::new(policy));
        self
    }
}

pub use repatria_app::monotonic_seconds;

/// The request id: always made here, never taken from the request, so that what the
/// audit log records as a request id is ours (a client could otherwise write text of
/// its choosing into the chain). It is returned in `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

async fn request_id(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

/// Headers that keep browsers from sniffing, framing or caching personal data; and,
/// for a request that came over TLS (as a trusted proxy says), HSTS, so that the browser
/// never again tries the site over plain HTTP.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let over_tls = state
        .proxies
        .over_tls(client::peer(request.extensions()), request.headers());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if over_tls {
        headers.insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// The largest request body a route takes unless it says otherwise (JSON documents and
/// forms): 1 MiB. Routes that take files or scenarios set their own bound
/// (`MAX_IMPORT_BYTES`, `MAX_SCENARIO_BYTES`).
pub const JSON_BODY_BYTES: usize = 1024 * 1024;

/// The whole application: web interface, API, OpenAPI document, health check and
/// monitoring figures.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(web::router(&state))
        .merge(routes::api(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(JSON_BODY_BYTES))
        .layer(axum::middleware::from_fn(request_id))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        // Applied to each route (and the fallback) after routing, so that it sees the
        // route's template.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
