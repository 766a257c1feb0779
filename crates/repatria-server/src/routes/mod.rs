//! The API's routes and their OpenAPI description.

mod audit;
mod auth;
mod captives;
pub mod dashboard;
mod exchange;
pub mod imports;
mod matches;
mod media;
mod parties;
pub mod tracing;
mod users;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::Router;
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::AppState;

/// The authenticated user, put in place by [`crate::auth::authenticate`].
pub struct Auth(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = crate::ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .map(Auth)
            .ok_or_else(|| crate::ApiError::Unauthorized("log in first".into()))
    }
}

pub fn api(state: AppState) -> Router<AppState> {
    let public = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/login", post(auth::login));
    let protected = Router::new()
        .route("/auth/logout", post(auth::logout))
        .route(
            "/auth/tokens",
            get(auth::list_tokens).post(auth::create_token),
        )
        .route("/auth/tokens/{id}", delete(auth::revoke_token))
        .route("/auth/password", post(auth::change_password))
        .route(
            "/auth/totp",
            get(auth::totp_status)
                .post(auth::totp_enrol)
                .delete(auth::totp_disable),
        )
        .route("/auth/totp/confirm", post(auth::totp_confirm))
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
        .route("/dashboard", get(dashboard::get))
        .route("/audit/events", get(audit::list))
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/proof", get(audit::proof))
        .route(
            "/tracing/requests",
            get(tracing::list).post(tracing::create),
        )
        .route("/tracing/requests/{id}", get(tracing::get))
        .route("/tracing/requests/{id}/answers", post(tracing::answer))
        .route("/tracing/requests/{id}/close", post(tracing::close))
        .route("/matches", get(matches::links))
        .route("/matches/{id}/decision", post(matches::decide))
        // The file routes read their bodies themselves, after the permission check,
        // within MAX_IMPORT_BYTES; every other body is bounded by JSON_BODY_BYTES.
        .route("/imports", get(imports::list_imports).post(imports::start))
        .route("/imports/preview", post(imports::preview))
        .route("/imports/jobs/{id}", get(imports::job))
        .route("/imports/{id}/report", get(imports::report))
        .route("/media/requests", get(media::list).post(media::create))
        .route("/media/requests/{id}/decision", post(media::decide))
        .route("/media/requests/{id}/visits", post(media::record_visit))
        .route("/exchange/plan", post(exchange::plan))
        .route("/exchange/plan-held", post(exchange::plan_held))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{username}/disabled", post(users::set_disabled))
        .route("/users/{username}/unlock", post(users::unlock))
        .route("/users/{username}/password", post(users::reset_password))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            crate::auth::authenticate,
        ));
    public.merge(protected)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Repatria API",
        description = "Prisoner-of-war information bureau (GC III Art. 122) and exchange planning.\n\nEvery authenticated endpoint but `POST /api/auth/password` and `POST /api/auth/logout` answers 403 with the code `password_change_required` while the account's password, reset by an administrator, has not been changed. Sessions end after 30 minutes without use (configurable) and 12 hours at most."
    ),
    paths(
        auth::login,
        auth::logout,
        auth::create_token,
        auth::list_tokens,
        auth::revoke_token,
        auth::change_password,
        auth::totp_status,
        auth::totp_enrol,
        auth::totp_confirm,
        auth::totp_disable,
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
        dashboard::get,
        audit::list,
        audit::checkpoint,
        audit::proof,
        exchange::plan,
        exchange::plan_held,
        users::list,
        users::create,
        users::set_disabled,
        users::unlock,
        users::reset_password,
        media::create,
        media::list,
        media::decide,
        media::record_visit,
        tracing::create,
        tracing::list,
        tracing::get,
        tracing::answer,
        tracing::close,
        matches::links,
        matches::decide,
        imports::preview,
        imports::start,
        imports::job,
        imports::list_imports,
        imports::report,
    ),
    tags(
        (name = "auth", description = "Logging in and out, changing one's password; personal API tokens"),
        (name = "captives", description = "The registry of prisoners of war"),
        (name = "parties", description = "Parties to the conflict"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "media", description = "Media access under GC III Art. 13"),
        (name = "tracing", description = "Tracing requests (Art. 122), match review, list imports and reconciliation"),
        (name = "exchange", description = "Exchange planning (docs/exchange.md)"),
        (name = "users", description = "User accounts (administrators)"),
    ),
    modifiers(&Security, &BodyLimit),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub struct ApiDoc;

/// Declares how to authenticate: a bearer token (session or personal API token) or the
/// session cookie, whose CSRF token goes in `X-CSRF-Token` on unsafe requests.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every operation that takes a body can answer 400 when it is not JSON and 413 when it
/// is larger than the route takes; routes that take files or scenarios describe their own bound, the rest take
/// at most 1 MiB ([`crate::JSON_BODY_BYTES`]).
struct BodyLimit;

impl utoipa::Modify for BodyLimit {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let too_large = ResponseBuilder::new()
            .description("the body is larger than 1 MiB")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        let malformed = ResponseBuilder::new()
            .description("the body is not JSON, or a field has the wrong type (named)")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.post, &mut item.put, &mut item.patch]
                .into_iter()
                .flatten()
            {
                if operation.request_body.is_some() {
                    operation
                        .responses
                        .responses
                        .entry("413".to_string())
                        .or_insert_with(|| too_large.clone().into());
                    // The JSON extractor answers 400 for a body that is not JSON or has a
                    // field of the wrong type (crate::extract::Json).
                    operation
                        .responses
                        .responses
                        .entry("400".to_string())
                        .or_insert_with(|| malformed.clone().into());
                }
            }
        }
    }
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
