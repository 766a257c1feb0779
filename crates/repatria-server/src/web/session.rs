//! The visitor's session in the web interface ([`Ui`]), the in-process API calls made
//! with it, rendering, and the login, logout and language pages.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_core::{Permission, Role};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt;

use super::i18n::{tr, Lang};
use super::Web;
use crate::auth::{cookie, live_credential, CurrentUser, CLEAR_SESSION_COOKIE, SESSION_COOKIE};
use crate::page::ListPage;
use crate::{AppState, RequestId};

/// The interface language's cookie (`en` or `uk`).
pub const LANG_COOKIE: &str = "repatria_lang";

/// A logged-in visitor of a page: who, in which language, and the means to call the API
/// as them. Pages that need no login take [`Visitor`] instead.
pub struct Ui {
    web: Arc<Web>,
    pub user: CurrentUser,
    token: String,
    /// The session's CSRF token, put in every form as `_csrf`.
    pub csrf: String,
    pub lang: Lang,
    /// The page's path and query, to come back to.
    pub path: String,
    request_id: Option<String>,
    /// An administrator reset the password; every page but `/password` sends him there.
    pub must_change_password: bool,
}

/// Anyone, logged in or not: the language and the templates.
pub struct Visitor {
    web: Arc<Web>,
    pub lang: Lang,
    request_id: Option<String>,
    peer: Option<SocketAddr>,
    /// The headers the API's login reads (client address behind a proxy, origin check).
    forwarded: Vec<(header::HeaderName, HeaderValue)>,
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or(Lang::En)
        })
}

fn web_of(parts: &Parts) -> Arc<Web> {
    parts
        .extensions
        .get::<Arc<Web>>()
        .cloned()
        .expect("the web router adds its state")
}

impl Visitor {
    /// Renders a page that needs no login (no layout: it has no user to show).
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        self.web.render(name, self.lang, ctx)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            web: web_of(parts),
            lang: lang_of(&parts.headers),
            request_id: parts.extensions.get::<RequestId>().map(|r| r.0.clone()),
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            forwarded: [
                header::HOST,
                header::ORIGIN,
                header::HeaderName::from_static("x-forwarded-for"),
                header::HeaderName::from_static("x-forwarded-proto"),
            ]
            .into_iter()
            .flat_map(|name| {
                parts
                    .headers
                    .get_all(&name)
                    .iter()
                    .map(|v| (name.clone(), v.clone()))
                    .collect::<Vec<_>>()
            })
            .collect(),
        })
    }
}

impl FromRequestParts<AppState> for Ui {
    /// Not logged in (or the session ended): to the login page, and back here after.
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let to_login = || login_redirect(&path);
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .ok_or_else(to_login)?
            .to_string();
        let found = live_credential(state, &token)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some((credential, user)) = found else {
            return Err(to_login());
        };
        // A password reset by an administrator: nothing but choosing a new one.
        if user.must_change_password && !matches!(parts.uri.path(), "/password" | "/logout") {
            return Err(Redirect::to("/password").into_response());
        }
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone());
        Ok(Ui {
            web: web_of(parts),
            user: CurrentUser {
                username: user.username,
                role: user.role,
                credential_hash: credential.token_hash,
                request_id: request_id.clone(),
            },
            token,
            csrf: credential.csrf_token.unwrap_or_default(),
            lang: lang_of(&parts.headers),
            path,
            request_id,
            must_change_password: user.must_change_password,
        })
    }
}

fn login_redirect(back: &str) -> Response {
    let next: String = url_escape(back);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Percent-encodes a query value.
pub fn url_escape(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path on this site to return to (after login, after switching the language), or
/// `/`. Browsers drop tabs and newlines from a `Location` and read `\\` as `/`, so
/// `/\t/evil.example` would take the visitor to `//evil.example`: only `/` followed by
/// the characters of a URL's path and query is accepted, never `//` or `/\\`, never a
/// control character, space or backslash anywhere. Letters beyond ASCII (a search in
/// Cyrillic) are percent-encoded.
pub fn local_path(next: Option<&str>) -> String {
    const SAFE: &[u8] = b"-._~!$&'()*+,;=:@/?%#";
    let Some(path) = next else {
        return "/".into();
    };
    let mut bytes = path.bytes();
    let well_formed = bytes.next() == Some(b'/')
        && !matches!(bytes.next(), Some(b'/' | b'\\'))
        && path
            .chars()
            .all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || SAFE.contains(&(c as u8)));
    if !well_formed {
        return "/".into();
    }
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for b in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// An error answer read back: [`crate::ErrorBody`], each part optional so that a partial
/// body still gives what it has.
#[derive(Deserialize)]
pub(super) struct ErrorAnswer {
    pub error: ErrorPart,
}

#[derive(Deserialize)]
pub(super) struct ErrorPart {
    #[serde(default)]
    code: String,
    pub message: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// What the API answered when it did not succeed: its status, message and field errors.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Failure {
    pub fn from_answer(status: StatusCode, body: &[u8]) -> Failure {
        match serde_json::from_slice::<ErrorAnswer>(body) {
            Ok(ErrorAnswer {
                error: ErrorPart {
                    message, fields, ..
                },
            }) => Failure {
                status,
                message: message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()),
                fields: fields.iter().map(|(k, v)| field_of(k, v)).collect(),
            },
            // Not the API's error body (axum's own answer to an unknown method, say).
            Err(_) => Failure {
                status,
                message: String::from_utf8_lossy(body).into_owned(),
                fields: BTreeMap::new(),
            },
        }
    }

    /// The errors to show on the form: by field, or the whole message above the form
    /// (under `_`) when the API named no field.
    pub fn form_errors(self) -> BTreeMap<String, String> {
        if self.fields.is_empty() {
            BTreeMap::from([("_".to_string(), self.message)])
        } else {
            self.fields
        }
    }

    /// A form's own inputs that could not be read (a number that is not one).
    pub fn unreadable(errors: Vec<(String, String)>) -> Failure {
        Failure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "validation failed".into(),
            fields: errors.into_iter().collect(),
        }
    }

    /// Whether the page should show the form again with these errors (as opposed to an
    /// error page): a request that cannot be read or breaks a rule, and any refusal that
    /// names a field (a wrong current password is 403, a name that names no record 404,
    /// each beside its field).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self.status,
            StatusCode::BAD_REQUEST
                | StatusCode::UNPROCESSABLE_ENTITY
                | StatusCode::CONFLICT
                | StatusCode::PAYLOAD_TOO_LARGE
        ) || (matches!(self.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            && !self.fields.is_empty())
    }
}

/// The form input an API field error belongs to. A body missing a required field is
/// reported on the object that lacks it (`capture`: "missing field `place`"); the form
/// shows it on the input itself (`capture.place`: "is required").
fn field_of(path: &str, message: &str) -> (String, String) {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match missing {
        Some(name) if path.is_empty() || path == "." => (name.to_string(), "is required".into()),
        Some(name) => (format!("{path}.{name}"), "is required".into()),
        None => (path.to_string(), message.to_string()),
    }
}

/// An answer of the API: status, headers and body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Web {
    /// Calls the API in process.
    async fn call(&self, request: axum::http::Request<Body>) -> Answer {
        let response = self
            .api
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    fn render(&self, name: &str, lang: Lang, ctx: minijinja::Value) -> Response {
        let ctx = context! { lang => lang.code(), ..ctx };
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(ctx))
        {
            Ok(html) => Html(html).into_response(),
            Err(error) => {
                ::tracing::error!(
                    template = name,
                    error = format!("{error:#}"),
                    "a page failed to render"
                );
                // Debug builds (tests, development) show the template's fault; release
                // builds only say where to look.
                let detail = if cfg!(debug_assertions) {
                    format!(
                        "<pre>{}</pre>",
                        minijinja::HtmlEscape(&format!("{error:#}"))
                    )
                } else {
                    String::new()
                };
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Html(format!(
                        "<!doctype html><title>Repatria</title><p>{}</p>{detail}",
                        tr(lang, "error.render")
                    )),
                )
                    .into_response()
            }
        }
    }
}

/// What the navigation and pages ask of the role: `can.read_audit` and so on.
fn permissions(role: Role) -> BTreeMap<&'static str, bool> {
    use Permission::*;
    [
        ("read_captives", ReadCaptives),
        ("create_captives", CreateCaptives),
        ("edit_identity", EditIdentity),
        ("edit_custody", EditCustody),
        ("record_health", RecordHealth),
        ("record_interview", RecordInterview),
        ("record_wish", RecordWish),
        ("edit_languages", EditLanguages),
        ("read_interview_summaries", ReadInterviewSummaries),
        ("read_medical_notes", ReadMedicalNotes),
        ("read_particulars", ReadParticulars),
        ("edit_particulars", EditParticulars),
        ("record_death", RecordDeath),
        ("read_audit", ReadAudit),
        ("plan_exchange", PlanExchange),
        ("read_exchanges", ReadExchanges),
        ("manage_exchanges", ManageExchanges),
        ("record_handover", RecordHandover),
        ("manage_users", ManageUsers),
        ("manage_media", ManageMedia),
        ("read_tracing", ReadTracing),
        ("manage_tracing", ManageTracing),
        ("read_tracing_contact", ReadTracingContact),
        ("review_matches", ReviewMatches),
        ("import_lists", ImportLists),
        ("read_parties", ReadParties),
        ("create_api_tokens", CreateApiTokens),
        ("read_notifications", ReadNotifications),
        ("dispatch_notifications", DispatchNotifications),
    ]
    .into_iter()
    .map(|(name, p)| (name, role.can(p)))
    .chain([("journalist", role == Role::Journalist)])
    .collect()
}

impl Ui {
    fn request(
        &self,
        method: Method,
        path: &str,
        csrf: Option<&str>,
    ) -> axum::http::request::Builder {
        let mut builder = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, format!("{SESSION_COOKIE}={}", self.token));
        if let Some(csrf) = csrf {
            builder = builder.header(crate::auth::CSRF_HEADER, csrf);
        }
        if let Some(id) = &self.request_id {
            builder = builder.extension(RequestId(id.clone()));
        }
        builder
    }

    /// `GET` an API path (`/api/captives?q=…`) as this user, its answer read as the
    /// API's view type `T` (`serde::de::IgnoredAny` where the page needs nothing of it).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let request = self
            .request(Method::GET, path, None)
            .body(Body::empty())
            .expect("a valid request");
        let answer = self.web.call(request).await;
        json_of(answer)
    }

    /// A page of an API list: `path` with `limit` and, when given, the `cursor` (a page's
    /// `after` parameter, which is the API's `next` of the page before).
    pub async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: u32,
        after: Option<&str>,
    ) -> Result<ListPage<T>, Failure> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut path = format!("{path}{join}limit={limit}");
        if let Some(after) = after.filter(|a| !a.is_empty()) {
            path.push_str(&format!("&cursor={}", url_escape(after)));
        }
        self.get(&path).await
    }

    /// Every item of an API list, page after page, for a page that needs the list whole
    /// (the parties a form chooses from, an exchange's proposals).
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Failure> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page: ListPage<T> = self
                .page(path, repatria_store::MAX_LIMIT, after.as_deref())
                .await?;
            let empty = page.items.is_empty();
            items.extend(page.items);
            match page.next {
                // An empty page ends the walk whatever it says.
                Some(next) if !empty => after = Some(next),
                _ => return Ok(items),
            }
        }
    }

    /// `GET` an API path and keep the raw answer (a CSV download).
    /// A file the API gives (a manifest, the PFIF export), passed to the browser with
    /// its type and name; the API's refusal as a page.
    pub(crate) async fn file(&self, path: &str) -> Response {
        let answer = self.get_raw(path).await;
        if !answer.status.is_success() {
            return self.fail(super::Failure::from_answer(answer.status, &answer.body));
        }
        let mut response = Response::new(axum::body::Body::from(answer.body));
        for name in [
            axum::http::header::CONTENT_TYPE,
            axum::http::header::CONTENT_DISPOSITION,
        ] {
            if let Some(value) = answer.headers.get(&name) {
                response.headers_mut().insert(name, value.clone());
            }
        }
        response
    }

    pub async fn get_raw(&self, path: &str) -> Answer {
        let request = self
            .request(Method::GET, path, None)
            .body(Body::empty())
            .expect("a valid request");
        self.web.call(request).await
    }

    /// Sends a JSON body with the form's CSRF token, which the API checks against the
    /// session's: a form from elsewhere cannot act as this user.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        csrf: &str,
    ) -> Result<T, Failure> {
        let request = self
            .request(method, path, Some(csrf))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("a valid request");
        json_of(self.web.call(request).await)
    }

    /// Sends raw bytes (an uploaded file) with the form's CSRF token.
    pub async fn send_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        bytes: Bytes,
        csrf: &str,
    ) -> Result<T, Failure> {
        let request = self
            .request(method, path, Some(csrf))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .expect("a valid request");
        json_of(self.web.call(request).await)
    }

    /// Sends a form to the API: its fields as the JSON body (`form::to_json`), with the
    /// form's CSRF token.
    pub async fn submit<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        fields: &Fields,
    ) -> Result<T, Failure> {
        let csrf = field(fields, "_csrf").unwrap_or_default();
        match super::form::to_json(fields) {
            Ok(body) => self.send(method, path, &body, csrf).await,
            Err(errors) => Err(Failure::unreadable(errors)),
        }
    }

    /// Renders a form page: 422 when it shows errors, so that scripts and tests see the
    /// refusal without reading the page.
    pub fn render_form(&self, name: &str, ctx: minijinja::Value, invalid: bool) -> Response {
        let mut response = self.render(name, ctx);
        if invalid {
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        response
    }

    /// Renders a page with the layout's context: user, permissions, language, CSRF token.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        let ctx = context! {
            user => context! { username => self.user.username, role => self.user.role.to_string() },
            can => permissions(self.user.role),
            csrf => self.csrf,
            path => self.path,
            ..ctx
        };
        self.web.render(name, self.lang, ctx)
    }

    /// The page for an API failure that is not the visitor's input: log in again, not
    /// permitted, not found, or a fault.
    pub fn fail(&self, failure: Failure) -> Response {
        if failure.status == StatusCode::UNAUTHORIZED {
            return login_redirect(&self.path);
        }
        let title = match failure.status {
            StatusCode::FORBIDDEN => "error.forbidden",
            StatusCode::NOT_FOUND => "error.not_found",
            s if s.is_client_error() => "error.bad_request",
            _ => "error.internal",
        };
        let mut response = self.render(
            "error.html",
            context! { title => tr(self.lang, title), message => failure.message, status => failure.status.as_u16() },
        );
        *response.status_mut() = failure.status;
        response
    }

    /// Text of the interface in the visitor's language.
    pub fn t(&self, key: &str) -> String {
        tr(self.lang, key)
    }
}

/// A successful answer read as `T` (an empty body as `null`); a refusal as a [`Failure`].
fn json_of<T: DeserializeOwned>(answer: Answer) -> Result<T, Failure> {
    if answer.status.is_success() {
        let body: &[u8] = if answer.body.is_empty() {
            b"null"
        } else {
            &answer.body
        };
        serde_json::from_slice(body).map_err(|e| Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("the API's answer is not JSON: {e}"),
            fields: BTreeMap::new(),
        })
    } else {
        Err(Failure::from_answer(answer.status, &answer.body))
    }
}

/// A form's fields in order, as posted (repeated names kept).
pub type Fields = Vec<(String, String)>;

/// The value of a form field, if given.
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The posted fields, by name, to fill the form again after an error.
pub fn values(fields: &Fields) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(k, v)| (k.split(':').next().unwrap_or(k).to_string(), v.clone()))
        .collect()
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang", get(switch_language))
        .route("/password", get(password_page).post(change_password))
}

#[derive(Deserialize)]
struct PasswordDone {
    changed: Option<String>,
}

/// The visitor's own password: the current one and a new one.
async fn password_page(ui: Ui, Query(done): Query<PasswordDone>) -> Response {
    let forced = ui.must_change_password;
    let notice = done.changed.map(|_| ui.t("password.changed"));
    ui.render(
        "password.html",
        context! { errors => BTreeMap::<String, String>::new(), notice => notice, forced => forced },
    )
}

async fn change_password(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = field(&fields, "_csrf").unwrap_or_default();
    let body = serde_json::json!({
        "current_password": field(&fields, "current_password").unwrap_or_default(),
        "new_password": field(&fields, "new_password").unwrap_or_default(),
    });
    match ui
        .send::<IgnoredAny>(Method::POST, "/api/auth/password", &body, csrf)
        .await
    {
        Ok(_) => Redirect::to("/password?changed=1").into_response(),
        Err(failure)
            if failure.is_input_error() || failure.status == StatusCode::TOO_MANY_REQUESTS =>
        {
            let forced = ui.must_change_password;
            // Passwords are never sent back to the browser.
            ui.render_form(
                "password.html",
                context! { errors => failure.form_errors(), forced => forced },
                true,
            )
        }
        Err(failure) => ui.fail(failure),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(visitor: Visitor, Query(query): Query<NextQuery>) -> Response {
    visitor.web.render(
        "login.html",
        visitor.lang,
        context! { next => local_path(query.next.as_deref()) },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp_code: String,
    next: Option<String>,
}

async fn login(visitor: Visitor, Form(form): Form<LoginForm>) -> Response {
    let next = local_path(form.next.as_deref());
    let mut body = serde_json::json!({ "username": form.username, "password": form.password });
    if !form.totp_code.trim().is_empty() {
        body["totp_code"] = Value::String(form.totp_code.trim().to_string());
    }
    let mut request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/auth/login")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(id) = &visitor.request_id {
        request = request.extension(RequestId(id.clone()));
    }
    if let Some(peer) = visitor.peer {
        // The login limiter counts attempts per client address too.
        request = request.extension(ConnectInfo(peer));
    }
    for (name, value) in &visitor.forwarded {
        request = request.header(name, value);
    }
    let answer = visitor
        .web
        .call(
            request
                .body(Body::from(body.to_string()))
                .expect("a valid request"),
        )
        .await;
    if answer.status.is_success() {
        let mut response = Redirect::to(&next).into_response();
        if let Some(cookie) = answer.headers.get(header::SET_COOKIE) {
            response
                .headers_mut()
                .insert(header::SET_COOKIE, cookie.clone());
        }
        return response;
    }
    let message = match answer.status {
        StatusCode::TOO_MANY_REQUESTS => tr(visitor.lang, "login.too_many"),
        StatusCode::SERVICE_UNAVAILABLE => tr(visitor.lang, "login.busy"),
        StatusCode::FORBIDDEN => tr(visitor.lang, "login.cross_site"),
        StatusCode::UNAUTHORIZED if error_code(&answer.body) == "totp_required" => {
            tr(visitor.lang, "login.totp_required")
        }
        StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY => {
            tr(visitor.lang, "login.wrong")
        }
        _ => Failure::from_answer(answer.status, &answer.body).message,
    };
    let mut response = visitor.web.render(
        "login.html",
        visitor.lang,
        context! { next => next, username => form.username, error => message, totp => answer.status == StatusCode::UNAUTHORIZED },
    );
    *response.status_mut() = match answer.status {
        s @ (StatusCode::TOO_MANY_REQUESTS
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::FORBIDDEN) => s,
        _ => StatusCode::UNAUTHORIZED,
    };
    if let Some(retry) = answer.headers.get(header::RETRY_AFTER) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    response
}

/// The API's error code in an error answer's body (`totp_required`, …).
fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorAnswer>(body)
        .map(|e| e.error.code)
        .unwrap_or_default()
}

async fn logout(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = field(&fields, "_csrf").unwrap_or_default();
    if let Err(failure) = ui
        .send::<IgnoredAny>(Method::POST, "/api/auth/logout", &Value::Null, csrf)
        .await
    {
        return ui.fail(failure);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(CLEAR_SESSION_COOKIE),
    );
    response
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    back: Option<String>,
}

/// Switches the interface language (a preference, kept in a cookie for a year).
async fn switch_language(Query(query): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&query.to).unwrap_or(Lang::En);
    let mut response = Redirect::to(&local_path(query.back.as_deref())).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/captives?q=x")), "/captives?q=x");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
        // Browsers drop tabs and newlines and read a backslash as a slash: each of these
        // would leave the site.
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            "/\\/evil.example",
            "/x\\..\\\\evil.example",
            "javascript:alert(1)",
            "https:/evil.example",
            " /captives",
            "/captives bad",
            "",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(
            local_path(Some("/captives?q=Іван")),
            "/captives?q=%D0%86%D0%B2%D0%B0%D0%BD"
        );
        assert_eq!(
            local_path(Some("/login?next=%2Fcaptives")),
            "/login?next=%2Fcaptives"
        );
        assert_eq!(
            url_escape("/captives?q=Іван"),
            "/captives%3Fq%3D%D0%86%D0%B2%D0%B0%D0%BD"
        );
    }

    #[test]
    fn api_failures_keep_their_field_errors() {
        let body = br#"{"error":{"code":"validation_failed","message":"validation failed","fields":{"capture.place":"is required"}}}"#;
        let failure = Failure::from_answer(StatusCode::UNPROCESSABLE_ENTITY, body);
        assert!(failure.is_input_error());
        assert_eq!(failure.fields["capture.place"], "is required");
        let body = br#"{"error":{"code":"validation_failed","message":"validation failed","fields":{"":"missing field `power_of_origin`","capture":"missing field `place`"}}}"#;
        let failure = Failure::from_answer(StatusCode::UNPROCESSABLE_ENTITY, body);
        assert_eq!(failure.fields["power_of_origin"], "is required");
        assert_eq!(failure.fields["capture.place"], "is required");
        assert_eq!(failure.fields.len(), 2);
        let failure =
            Failure::from_answer(StatusCode::FORBIDDEN, b"{\"error\":{\"message\":\"no\"}}");
        assert!(!failure.is_input_error());
        assert_eq!(failure.message, "no");
    }
}
