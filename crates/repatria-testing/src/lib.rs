//! What the tests of every crate share to run the server: [`TestApp`], the real server
//! (router and state) on a free port against a fresh database of one backend; accounts
//! of any role; a JSON client (bearer token, status and JSON back) and a web client
//! ([`Browser`]: the session cookie, forms with the session's CSRF token). Used with
//! `repatria_store::testing::both_backends!(setup = TestApp::web; …)` for a test per
//! backend.

use std::sync::Arc;

use repatria_core::Role;
use repatria_server::{hash_password, AppState};
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend, SqlStore, User};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The store as the server's state holds it.
pub type SharedStore = Arc<SqlStore>;

/// The password of every account the tests make.
pub const PASSWORD: &str = "a long test password";

/// The key the test server signs audit checkpoints with ([`TestApp::api`]).
pub fn audit_signer() -> repatria_tlog::Signer {
    repatria_tlog::Signer::from_seed("test.example/audit", [5; 32]).unwrap()
}

/// The server on a free port against a database of its own (dropped with it).
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub client: reqwest::Client,
    /// The bearer token the JSON client sends (the admin's after [`TestApp::api`]).
    pub token: Option<String>,
    pub store: SharedStore,
    /// The server's state (to hold places of its work limiter in tests).
    pub state: AppState,
    pub db: TestDatabase,
}

impl TestApp {
    /// The server with its state configured by `configure` (trusted proxies, limits,
    /// the audit key), no accounts and no parties; `None` when the backend is not
    /// available (PostgreSQL without `REPATRIA_TEST_PG_URL`, which prints a notice).
    pub async fn start(
        backend: Backend,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Option<TestApp> {
        let db = TestDatabase::create(backend).await?;
        let store: SharedStore = Arc::new(db.store().await);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = configure(AppState::new(store.clone()));
        tokio::spawn(repatria_server::serve(
            listener,
            state.clone(),
            std::future::pending(),
        ));
        Some(TestApp {
            base,
            client: reqwest::Client::new(),
            token: None,
            store,
            state,
            db,
        })
    }

    /// A second server on this one's database, with a state of its own (its own matching
    /// index, jobs and limits), as a second instance behind a load balancer: its base
    /// address. It stops with the test's runtime.
    pub async fn second_server(&self) -> String {
        let store: SharedStore = Arc::new(self.db.store().await);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(repatria_server::serve(
            listener,
            AppState::new(store),
            std::future::pending(),
        ));
        base
    }

    /// As the API's tests start: [`TestApp::api_with`] signing audit checkpoints with
    /// [`audit_signer`].
    pub async fn api(backend: Backend) -> Option<TestApp> {
        TestApp::api_with(backend, |state| state.with_audit_signer(audit_signer())).await
    }

    /// [`TestApp::start`], then an account `admin-1` whose token the JSON client sends.
    pub async fn api_with(
        backend: Backend,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Option<TestApp> {
        let mut app = TestApp::start(backend, configure).await?;
        app.token = Some(app.user("admin-1", Role::Admin).await);
        Some(app)
    }

    /// As the web interface's tests start: the parties UA, RU and KP in the store, and no
    /// account.
    pub async fn web(backend: Backend) -> Option<TestApp> {
        let app = TestApp::start(backend, |state| state).await?;
        for (code, name) in [
            ("UA", "Ukraine"),
            ("RU", "Russian Federation"),
            ("KP", "DPRK"),
        ] {
            app.store
                .create_party(
                    &Actor::new("test"),
                    repatria_core::Party::new(code, name).unwrap(),
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
        }
        Some(app)
    }

    /// Creates an account with `role` (password [`PASSWORD`]) in the store.
    pub async fn create_user(&self, username: &str, role: Role) {
        let user = User {
            username: username.into(),
            role,
            password_hash: hash_password(PASSWORD).unwrap(),
            disabled: false,
            must_change_password: false,
        };
        self.store
            .create_user(&Actor::new("test"), user, chrono::Utc::now())
            .await
            .unwrap();
    }

    /// Creates an account with `role` and returns an API session token for it.
    pub async fn user(&self, username: &str, role: Role) -> String {
        self.create_user(username, role).await;
        let answer = self
            .log_in_with(username, PASSWORD)
            .await
            .expect_status(StatusCode::OK);
        answer.body["token"].as_str().unwrap().to_string()
    }

    /// Logs in through the API (sending no credential): the answer as it is.
    pub async fn log_in_with(&self, username: &str, password: &str) -> Answer {
        let body = json!({ "username": username, "password": password });
        self.anonymous("POST", "/api/auth/login", Some(&body.to_string()))
            .await
    }

    /// Creates an account with `role` and logs it in through the login form.
    pub async fn login_as(&self, username: &str, role: Role) -> Browser {
        self.create_user(username, role).await;
        self.login(username, PASSWORD)
            .await
            .expect("the login succeeds")
    }

    /// Logs in through the form; `Err` with the page when it is refused.
    pub async fn login(&self, username: &str, password: &str) -> Result<Browser, Page> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .post(format!("{}/login", self.base))
            .form(&[
                ("username", username),
                ("password", password),
                ("next", "/captives"),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let cookie = response
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_string());
        if status != StatusCode::SEE_OTHER || cookie.is_none() {
            return Err(Page::read((status, None), response.text().await.unwrap()));
        }
        let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
        let mut browser = Browser {
            base: self.base.clone(),
            client,
            cookie,
            csrf: String::new(),
        };
        let page = browser.get("/captives").await;
        browser.csrf = page
            .input_value("_csrf")
            .unwrap_or_else(|| panic!("every page of the layout carries the CSRF token: {page:?}"));
        Ok(browser)
    }
}

/// An answer of the JSON client: the body as JSON, or as a JSON string when it is not
/// JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub request_id: Option<String>,
}

impl Answer {
    async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let request_id = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string());
        let text = response.text().await.unwrap();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            request_id,
        }
    }

    /// Asserts the answer's status (the body in the message) and gives the answer back.
    #[track_caller]
    pub fn expect_status(self, status: StatusCode) -> Answer {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
}

/// The JSON client.
impl TestApp {
    /// Sends without a credential.
    pub async fn anonymous(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.request(method, path, body, None).await
    }

    /// Sends with `token`.
    pub async fn as_token(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Answer {
        self.request(method, path, body, Some(token)).await
    }

    /// The status of a request without a body sent with `token` (does it hold that
    /// right? Is it still valid?).
    pub async fn status_as(&self, token: &str, method: &str, path: &str) -> StatusCode {
        self.as_token(token, method, path, None).await.status
    }

    /// GETs with `token`.
    pub async fn get_as(&self, token: &str, path: &str) -> Answer {
        self.as_token(token, "GET", path, None).await
    }

    /// POSTs `body` with `token`.
    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Answer {
        self.as_token(token, "POST", path, Some(&body.to_string()))
            .await
    }

    /// PUTs `body` with `token`.
    pub async fn put_as(&self, token: &str, path: &str, body: Value) -> Answer {
        self.as_token(token, "PUT", path, Some(&body.to_string()))
            .await
    }

    /// Sends with [`TestApp::token`].
    pub async fn send(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.request(method, path, body, self.token.as_deref())
            .await
    }

    /// Sends `body` (JSON) with `token` as bearer, when given.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        Answer::read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(&body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send("PUT", path, Some(&body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None).await
    }

    /// Every item of an API list (`{"items", "total", "next"}`), page after page of
    /// `limit`, as [`TestApp::token`]. On the way it asserts what every list promises:
    /// each page holds at most `limit` items and says the same `total`, and the pages
    /// together hold `total` items.
    pub async fn walk(&self, path: &str, limit: u32) -> Vec<Value> {
        self.walk_with(self.token.as_deref(), path, limit).await
    }

    /// The same with `token`.
    pub async fn walk_as(&self, token: &str, path: &str, limit: u32) -> Vec<Value> {
        self.walk_with(Some(token), path, limit).await
    }

    async fn walk_with(&self, token: Option<&str>, path: &str, limit: u32) -> Vec<Value> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items: Vec<Value> = Vec::new();
        let mut total = None;
        let mut cursor: Option<String> = None;
        loop {
            let mut page = format!("{path}{join}limit={limit}");
            if let Some(cursor) = &cursor {
                page.push_str(&format!("&cursor={}", urlencoding(cursor)));
            }
            let answer = self
                .request("GET", &page, None, token)
                .await
                .expect_status(StatusCode::OK);
            let got = answer.body["items"].as_array().unwrap_or_else(|| {
                panic!("{page} answers a list page: {}", answer.body);
            });
            assert!(got.len() <= limit as usize, "{page}: {} items", got.len());
            let said = answer.body["total"].as_u64().expect("a total");
            assert_eq!(
                *total.get_or_insert(said),
                said,
                "{page}: the total changed"
            );
            items.extend(got.iter().cloned());
            match answer.body["next"].as_str() {
                Some(next) => {
                    assert!(!got.is_empty(), "{page}: an empty page with a next one");
                    cursor = Some(next.to_string());
                }
                None => {
                    assert!(
                        answer.body["next"].is_null(),
                        "{page}: next is a string or null"
                    );
                    break;
                }
            }
        }
        assert_eq!(
            items.len() as u64,
            total.unwrap_or(0),
            "{path}: pages and total"
        );
        items
    }

    /// Sends a file as it is (not JSON), as `text/csv`.
    pub async fn upload(&self, path: &str, file: &str) -> Answer {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.token.as_deref().unwrap())
            .header("content-type", "text/csv")
            .body(file.to_string())
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    /// Polls an import job until it is no longer running.
    pub async fn finished_job(&self, job: &str) -> Value {
        for _ in 0..600 {
            let answer = self.get(&format!("/api/imports/jobs/{job}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            if answer.body["state"] != "running" {
                return answer.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("import job {job} did not finish");
    }

    /// Creates the parties UA, RU and KP through the API.
    pub async fn with_parties(&self) {
        for (code, name) in [
            ("UA", "Ukraine"),
            ("RU", "Russian Federation"),
            ("KP", "DPRK"),
        ] {
            let answer = self
                .post("/api/parties", json!({ "code": code, "name": name }))
                .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        }
    }

    /// Creates a captive through the API and returns its id.
    pub async fn create_captive(&self, body: Value) -> String {
        let answer = self.post("/api/captives", body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body["id"].as_str().unwrap().to_string()
    }
}

/// The current code of a base32 secret at `at` (Unix seconds), as an authenticator app
/// computes it.
pub fn authenticator_code(base32_secret: &str, at: i64) -> String {
    let (mut bits, mut count, mut bytes) = (0u64, 0, Vec::new());
    for c in base32_secret.bytes() {
        let value = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|x| *x == c)
            .expect("a base32 secret") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    let step = repatria_server::totp::step_at(at) as u64;
    format!("{:06}", repatria_server::totp::code(&bytes, step))
}

/// A turn for a test that uploads files through the web form and starts their import
/// later: the server keeps uploads between preview and start in one process-wide store
/// of a few files (`web/imports.rs`, `Uploads`), so tests in one process that upload at
/// once could push each other's files out. Hold the guard for the whole test.
pub async fn web_upload_turn() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// A logged-in visitor.
#[derive(Debug)]
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    /// `__Host-repatria_session=…`
    pub cookie: String,
    pub csrf: String,
}

/// A page as the server answered it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    /// Where a redirect points.
    pub location: Option<String>,
    pub html: String,
}

impl Page {
    fn read((status, location): (StatusCode, Option<String>), html: String) -> Page {
        Page {
            status,
            location,
            html,
        }
    }

    /// The `value` of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.html.find(&marker)?;
        let tag_start = self.html[..at].rfind('<')?;
        let tag_end = at + self.html[at..].find('>')?;
        let tag = &self.html[tag_start..tag_end];
        let value = tag.split("value=\"").nth(1)?;
        Some(unescape(&value[..value.find('"')?]))
    }

    /// The page's text without tags (for "contains" checks that ignore markup).
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in self.html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Asserts the page's status (the page in the message) and gives the page back.
    #[track_caller]
    pub fn expect_status(self, status: StatusCode) -> Page {
        assert_eq!(self.status, status, "{}", self.html);
        self
    }

    pub fn assert_ok(&self) -> &Page {
        assert_eq!(self.status, StatusCode::OK, "{}", self.html);
        self
    }
}

/// Decodes the entities the templates' escaping writes.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser {
    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        Page::read((status, location), response.text().await.unwrap())
    }

    /// GETs a page (redirects are not followed: see `location`).
    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        Browser::read(response).await
    }

    /// GETs a page in Ukrainian.
    pub async fn get_uk(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("{}; repatria_lang=uk", self.cookie))
            .send()
            .await
            .unwrap();
        Browser::read(response).await
    }

    /// Calls the JSON API with the session's cookie and its CSRF token, as the pages'
    /// scripts do.
    pub async fn api(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        Answer::read(request.send().await.unwrap()).await
    }

    /// Posts a form with the session's CSRF token, as the page's form would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap();
        Browser::read(response).await
    }

    /// Posts a multipart form (a file upload) with the CSRF token first, as the page's
    /// form sends it: `build` adds the other fields after it.
    pub async fn post_multipart(
        &self,
        path: &str,
        build: impl FnOnce(reqwest::multipart::Form) -> reqwest::multipart::Form,
    ) -> Page {
        let form = build(reqwest::multipart::Form::new().text("_csrf", self.csrf.clone()));
        self.post_multipart_as_is(path, form).await
    }

    /// Posts a multipart form exactly as given (no CSRF token added).
    pub async fn post_multipart_as_is(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        Browser::read(response).await
    }
}

/// `text` as one component of a query string.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
