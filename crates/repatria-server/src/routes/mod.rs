//! The API's routes and their OpenAPI description.

pub(crate) mod audit;
pub(crate) mod auth;
pub mod captives;
pub mod dashboard;
pub(crate) mod exchange;
pub mod exchanges;
pub(crate) mod forms;
pub mod imports;
pub(crate) mod matches;
pub(crate) mod media;
pub(crate) mod notifications;
pub(crate) mod ops;
pub(crate) mod parties;
pub(crate) mod pfif;
pub mod tracing;
pub(crate) mod users;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::AppState;

/// A new id: time-ordered, so that lists sorted by id are in order of creation.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

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

/// Every operation of the API, each registered once: `routes!` adds the handler to the
/// router and its `#[utoipa::path]` operation to the document in the same call, so the
/// router and the OpenAPI document cannot disagree. Login, the health check and the
/// monitoring figures (`ops`, outside `/api`) are public; every other route passes
/// [`crate::auth::authenticate`] (added by [`api`]).
fn operations() -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let public = OpenApiRouter::default()
        .routes(routes!(auth::login))
        .routes(routes!(ops::health))
        .routes(routes!(ops::metrics));
    let protected = OpenApiRouter::default()
        .routes(routes!(auth::logout))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(auth::change_password))
        .routes(routes!(
            auth::totp_status,
            auth::totp_enrol,
            auth::totp_disable
        ))
        .routes(routes!(auth::totp_confirm))
        .routes(routes!(parties::list, parties::create))
        .routes(routes!(captives::list, captives::create))
        .routes(routes!(captives::get))
        .routes(routes!(captives::add_identity_claim))
        .routes(routes!(captives::set_assessed_identity))
        .routes(routes!(captives::set_particulars))
        .routes(routes!(captives::add_custody_event))
        .routes(routes!(captives::record_health))
        .routes(routes!(captives::record_interview))
        .routes(routes!(captives::record_repatriation_wish))
        .routes(routes!(captives::set_languages))
        .routes(routes!(captives::record_capture_card_sent))
        .routes(routes!(captives::set_proceedings))
        .routes(routes!(captives::record_death))
        .routes(routes!(forms::capture_card_pdf))
        .routes(routes!(forms::capture_card_page))
        .routes(routes!(forms::capture_cards))
        .routes(routes!(forms::death_certificate_pdf))
        .routes(routes!(captives::close_death_enquiry))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::get))
        .routes(routes!(notifications::correct))
        .routes(routes!(notifications::dispatches, notifications::dispatch))
        .routes(routes!(notifications::get_dispatch))
        .routes(routes!(notifications::file))
        .routes(routes!(
            parties::set_transfer_bar,
            parties::clear_transfer_bar
        ))
        .routes(routes!(dashboard::get))
        .routes(routes!(dashboard::overdue))
        .routes(routes!(audit::list))
        .routes(routes!(audit::checkpoint))
        .routes(routes!(audit::proof))
        .routes(routes!(tracing::list, tracing::create))
        .routes(routes!(tracing::get))
        .routes(routes!(tracing::answer))
        .routes(routes!(tracing::close))
        .routes(routes!(pfif::export))
        .routes(routes!(matches::links))
        .routes(routes!(matches::decide))
        // The file routes read their bodies themselves, after the permission check,
        // within MAX_IMPORT_BYTES; every other body is bounded by JSON_BODY_BYTES.
        .routes(routes!(imports::list_imports, imports::start))
        .routes(routes!(imports::preview))
        .routes(routes!(imports::job))
        .routes(routes!(imports::report))
        .routes(routes!(media::list, media::create))
        .routes(routes!(media::decide))
        .routes(routes!(media::record_visit))
        .routes(routes!(exchange::plan))
        .routes(routes!(exchange::plan_held))
        .routes(routes!(exchanges::list, exchanges::create))
        .routes(routes!(exchanges::get))
        .routes(routes!(exchanges::cancel))
        .routes(routes!(exchanges::demands, exchanges::demand))
        .routes(routes!(exchanges::proposals, exchanges::propose))
        .routes(routes!(exchanges::proposal))
        .routes(routes!(exchanges::agree))
        .routes(routes!(exchanges::manifest))
        .routes(routes!(exchanges::counterpart))
        .routes(routes!(exchanges::handover))
        .routes(routes!(exchanges::complete))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::set_disabled))
        .routes(routes!(users::unlock))
        .routes(routes!(users::reset_password));
    (public, protected)
}

/// The API's routes (their paths begin with `/api`, but for `/healthz` and `/metrics`),
/// the OpenAPI document among them at `/api/openapi.json` (public, like login).
pub fn api(state: AppState) -> Router<AppState> {
    let (public, protected) = operations();
    let protected = protected.route_layer(axum::middleware::from_fn_with_state(
        state,
        crate::auth::authenticate,
    ));
    // The protected routes first: where two schemas share a name, the document keeps
    // the first (`OpenApi::merge`).
    let (router, paths) = protected.merge(public).split_for_parts();
    let answer = (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        bytes::Bytes::from(
            serde_json::to_vec(&json(document(paths))).expect("the OpenAPI document serializes"),
        ),
    );
    // The one route `routes!` does not add: the document does not describe itself.
    router.route(OPENAPI_PATH, get(move || async move { answer }))
}

/// Where the OpenAPI document is served.
const OPENAPI_PATH: &str = "/api/openapi.json";

/// The OpenAPI document: [`ApiDoc`]'s description (info, tags, security) with the
/// operations of [`operations`], and every body's 400/413 answers ([`BodyLimit`]).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (public, protected) = operations();
    document(protected.merge(public).into_openapi())
}

/// The OpenAPI document as served, in JSON.
pub fn openapi_json() -> serde_json::Value {
    json(openapi())
}

/// The document in JSON. utoipa 5 writes a link's `operationId` and `operationRef` in
/// snake case; they are renamed here to the names OpenAPI gives them.
fn json(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(doc).expect("the OpenAPI document serializes");
    if let Some(paths) = value.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for operation in paths
            .values_mut()
            .filter_map(|item| item.as_object_mut())
            .flat_map(|item| item.values_mut())
        {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(|r| r.as_object_mut())
            else {
                continue;
            };
            for link in responses
                .values_mut()
                .filter_map(|r| r.get_mut("links").and_then(|l| l.as_object_mut()))
                .flat_map(|links| links.values_mut())
                .filter_map(|l| l.as_object_mut())
            {
                for (from, to) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                ] {
                    if let Some(v) = link.remove(from) {
                        if v != "" {
                            link.insert(to.to_string(), v);
                        }
                    }
                }
            }
        }
    }
    value
}

fn document(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    utoipa::Modify::modify(&BodyLimit, &mut doc);
    utoipa::Modify::modify(&OperationsAndLinks, &mut doc);
    doc
}

/// Gives every operation an id of its own, made of its method and path
/// (`get_captives_by_id`; handlers of different modules share names such as `list`), and
/// links each creating operation (`POST P` answering 201) to the operations under
/// `P/{id}` that take the id it returns, so that a client (and Schemathesis) can follow
/// from a record created to what it can do with it.
struct OperationsAndLinks;

impl OperationsAndLinks {
    fn operation_id(method: &str, path: &str) -> String {
        let words: Vec<String> = path
            .trim_start_matches("/api/")
            .trim_start_matches('/')
            .split('/')
            .map(
                |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(param) => format!("by_{param}"),
                    None => part.replace(['-', '.'], "_"),
                },
            )
            .collect();
        format!("{method}_{}", words.join("_"))
    }
}

impl utoipa::Modify for OperationsAndLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::link::LinkBuilder;
        use utoipa::openapi::RefOr;
        // Every operation's method, path and new id.
        let mut all: Vec<(String, String, String)> = Vec::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ] {
                if let Some(op) = op {
                    let id = Self::operation_id(method, path);
                    op.operation_id = Some(id.clone());
                    all.push((method.to_string(), path.clone(), id));
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(post) = item.post.as_mut() else {
                continue;
            };
            let Some(RefOr::T(created)) = post.responses.responses.get_mut("201") else {
                continue;
            };
            let prefix = format!("{path}/{{");
            for (method, target, id) in &all {
                let Some(rest) = target.strip_prefix(&prefix) else {
                    continue;
                };
                let Some(param) = rest.split('}').next() else {
                    continue;
                };
                // Only the parameter the created record supplies: a path with another
                // parameter after it needs more than this answer gives.
                if rest[param.len() + 1..].contains('{') {
                    continue;
                }
                let link = LinkBuilder::new()
                    .operation_id(id.clone())
                    .parameter(param, "$response.body#/id")
                    .description(format!(
                        "{} {target} with the id of the record created",
                        method.to_uppercase()
                    ))
                    .build();
                // A link the operation writes itself (where the record created is not
                // named by `id`, such as a proposal's number) is kept.
                created.links.entry(id.clone()).or_insert(RefOr::T(link));
            }
        }
    }
}

/// The document's description; its operations come from the router ([`openapi`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Repatria API",
        description = "Prisoner-of-war information bureau (GC III Art. 122) and exchange planning.\n\nEvery authenticated endpoint but `POST /api/auth/password` and `POST /api/auth/logout` answers 403 with the code `password_change_required` while the account's password, reset by an administrator, has not been changed. Sessions end after 30 minutes without use (configurable) and 12 hours at most."
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
        (name = "operations", description = "For those who run the server, outside /api: the health check and the monitoring figures"),
    ),
    modifiers(&Security),
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
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let too_large = error("the body is larger than 1 MiB");
        let invalid = error("a field is missing, unknown or invalid (`fields` names it)");
        let malformed = error("the body is not JSON, or a field has the wrong type (named)");
        let no_page = error("the `cursor` is no position of this list (`fields.cursor`)");
        let bad_query = error(
            "the query string cannot be read (a parameter given twice, or of the wrong type)",
        );
        let unauthenticated = error("not logged in, or the session or token has ended");
        let forbidden = error("the role may not do this, or the account must change its password first (`password_change_required`)");
        let conflict = error("the request breaks a rule given the record's state (`rule_violated`), or collides with stored data (`conflict`)");
        for (path, item) in openapi.paths.paths.iter_mut() {
            // Served without an account: no 401 or 403 to document.
            let public = matches!(path.as_str(), "/api/auth/login" | "/healthz" | "/metrics");
            let mut operations: Vec<(&mut utoipa::openapi::path::Operation, bool)> = Vec::new();
            for (operation, writes) in [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ] {
                if let Some(operation) = operation.as_mut() {
                    operations.push((operation, writes));
                }
            }
            for (operation, writes) in operations {
                let responses = &mut operation.responses.responses;
                let in_query =
                    operation.parameters.iter().flatten().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    });
                if in_query {
                    responses
                        .entry("400".to_string())
                        .or_insert_with(|| bad_query.clone().into());
                }
                let paged = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.name == "cursor");
                if paged {
                    responses
                        .entry("404".to_string())
                        .or_insert_with(|| no_page.clone().into());
                }
                if !public {
                    responses
                        .entry("401".to_string())
                        .or_insert_with(|| unauthenticated.clone().into());
                    responses
                        .entry("403".to_string())
                        .or_insert_with(|| forbidden.clone().into());
                }
                if writes && !public {
                    responses
                        .entry("409".to_string())
                        .or_insert_with(|| conflict.clone().into());
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                if operation.request_body.is_some() {
                    operation
                        .responses
                        .responses
                        .entry("413".to_string())
                        .or_insert_with(|| too_large.clone().into());
                    // A body with a field unknown or missing is 422 naming it.
                    operation
                        .responses
                        .responses
                        .entry("422".to_string())
                        .or_insert_with(|| invalid.clone().into());
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

#[cfg(test)]
mod tests {
    use utoipa::openapi::{RefOr, Schema};

    /// The names of a schema's properties in the document.
    fn properties(doc: &utoipa::openapi::OpenApi, name: &str) -> Vec<String> {
        let components = doc
            .components
            .as_ref()
            .expect("the document has components");
        match components.schemas.get(name) {
            Some(RefOr::T(Schema::Object(object))) => object.properties.keys().cloned().collect(),
            _ => panic!("schema {name} is not an object in the document"),
        }
    }

    /// The login's user and the administrator's account view are two schemas, each with
    /// its own fields (one name for both kept only the first).
    #[test]
    fn session_user_and_user_view_are_both_documented() {
        let doc = super::openapi();
        let mut session = properties(&doc, "SessionUser");
        session.sort();
        assert_eq!(session, ["must_change_password", "role", "username"]);
        let mut account = properties(&doc, "UserView");
        account.sort();
        assert_eq!(
            account,
            [
                "disabled",
                "locked",
                "must_change_password",
                "role",
                "username"
            ]
        );
        let login = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            login["components"]["schemas"]["LoginResponse"]["properties"]["user"]["$ref"],
            "#/components/schemas/SessionUser"
        );
    }
}

#[cfg(test)]
mod document {
    use std::collections::{BTreeSet, HashSet};

    use serde_json::Value;

    fn walk<'a>(value: &'a Value, visit: &mut impl FnMut(&'a serde_json::Map<String, Value>)) {
        match value {
            Value::Object(map) => {
                visit(map);
                map.values().for_each(|v| walk(v, visit));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
            _ => {}
        }
    }

    /// What a client generator needs: every reference resolves, every operation has an id
    /// of its own, every pattern is one of the validators' (crate::schema), every string
    /// a request sends says what it may hold, and creating operations link to the
    /// operations that take the id they return.
    #[test]
    fn the_document_is_one_a_client_can_be_generated_from() {
        let doc = super::openapi_json();
        if let Ok(path) = std::env::var("REPATRIA_OPENAPI_OUT") {
            std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        }
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut refs = BTreeSet::new();
        let mut patterns = BTreeSet::new();
        walk(&doc, &mut |map| {
            if let Some(Value::String(r)) = map.get("$ref") {
                refs.insert(r.clone());
            }
            if let Some(Value::String(p)) = map.get("pattern") {
                patterns.insert(p.clone());
            }
        });
        for r in &refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .expect("a schema reference");
            assert!(schemas.contains_key(name), "{r} does not resolve");
        }
        for p in &patterns {
            assert!(
                crate::schema::ALL.contains(&p.as_str()),
                "pattern {p} is not one of crate::schema's, checked against its validator"
            );
        }
        let mut ids = HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default();
                assert!(
                    ids.insert(id.to_string()),
                    "{method} {path}: operationId {id} twice"
                );
            }
        }
        let links = &doc["paths"]["/api/captives"]["post"]["responses"]["201"]["links"];
        for target in ["get_captives_by_id", "post_captives_by_id_custody_events"] {
            assert_eq!(
                links[target]["parameters"]["id"], "$response.body#/id",
                "POST /api/captives links to {target}: {links}"
            );
        }
        assert!(links["get_captives_by_id"]["operationId"] == "get_captives_by_id");
    }
}

#[cfg(test)]
mod links {
    /// Every link, those the operations write and those made for creating operations,
    /// names an operation of the document, with the parameters that operation takes.
    #[test]
    fn links_name_operations_of_the_document_with_their_parameters() {
        let doc = super::openapi_json();
        let mut params = std::collections::HashMap::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let names: Vec<String> = operation["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| p["name"].as_str().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                params.insert(
                    operation["operationId"].as_str().unwrap().to_string(),
                    names,
                );
            }
        }
        let mut seen = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for response in operation["responses"].as_object().unwrap().values() {
                    let Some(links) = response["links"].as_object() else {
                        continue;
                    };
                    for link in links.values() {
                        let target = link["operationId"].as_str().unwrap();
                        let taken = params.get(target).unwrap_or_else(|| panic!("{target}"));
                        for name in link["parameters"].as_object().unwrap().keys() {
                            assert!(taken.contains(name), "{target} takes no {name}");
                        }
                        seen.push(target.to_string());
                    }
                }
            }
        }
        // The proposal recorded is named by its number, the import's job by its id.
        let proposal = &doc["paths"]["/api/exchanges/{id}/proposals"]["post"]["responses"]["201"]
            ["links"]["get_exchanges_by_id_proposals_by_n"];
        assert_eq!(proposal["parameters"]["n"], "$response.body#/number");
        assert_eq!(proposal["parameters"]["id"], "$request.path.id");
        assert!(seen.contains(&"get_imports_jobs_by_id".to_string()));
    }
}
