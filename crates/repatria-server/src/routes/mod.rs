//! The API's routes and their OpenAPI description.

mod audit;
mod captives;
mod exchange;
mod parties;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use axum::Router;
use repatria_store::Actor;
use utoipa::OpenApi;

use crate::{AppState, RequestId};

/// The acting user of a request, for the audit log. Until accounts exist every request
/// acts as `local`, which is why the server listens on the loopback interface by default.
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut actor = Actor::new("local");
        if let Some(RequestId(id)) = parts.extensions.get::<RequestId>() {
            actor = actor.with_request(id.clone());
        }
        Ok(CurrentActor(actor))
    }
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/parties", get(parties::list).post(parties::create))
        .route("/captives", get(captives::list).post(captives::create))
        .route("/captives/{id}", get(captives::get))
        .route(
            "/captives/{id}/identity-claims",
            post(captives::add_identity_claim),
        )
        .route(
            "/captives/{id}/assessed-identity",
            put(captives::set_assessed_identity),
        )
        .route(
            "/captives/{id}/custody-events",
            post(captives::add_custody_event),
        )
        .route("/captives/{id}/health", post(captives::record_health))
        .route(
            "/captives/{id}/interviews",
            post(captives::record_interview),
        )
        .route(
            "/captives/{id}/repatriation-wish",
            put(captives::record_repatriation_wish),
        )
        .route("/captives/{id}/languages", put(captives::set_languages))
        .route(
            "/captives/{id}/capture-card",
            post(captives::record_capture_card_sent),
        )
        .route("/audit/events", get(audit::list))
        .route(
            "/exchange/plan",
            post(exchange::plan).layer(axum::extract::DefaultBodyLimit::max(
                exchange::MAX_SCENARIO_BYTES,
            )),
        )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Repatria API",
        description = "Prisoner-of-war information bureau (GC III Art. 122) and exchange planning."
    ),
    paths(
        parties::list,
        parties::create,
        captives::list,
        captives::create,
        captives::get,
        captives::add_identity_claim,
        captives::set_assessed_identity,
        captives::add_custody_event,
        captives::record_health,
        captives::record_interview,
        captives::record_repatriation_wish,
        captives::set_languages,
        captives::record_capture_card_sent,
        audit::list,
        exchange::plan,
    ),
    tags(
        (name = "captives", description = "The registry of prisoners of war"),
        (name = "parties", description = "Parties to the conflict"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "exchange", description = "Exchange planning (contracts/EXCHANGE.md)"),
    )
)]
pub struct ApiDoc;

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
