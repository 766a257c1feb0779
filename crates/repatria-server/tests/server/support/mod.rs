//! What the web interface's tests share: the real server on a free port against a fresh
//! database, and a client that logs in through the login form and posts forms with the
//! session's CSRF token, as a browser would.

#![allow(dead_code)]

use std::sync::Arc;

use repatria_core::Role;
use repatria_server::{hash_password, AppState};
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend, Store, User};
use reqwest::StatusCode;

pub const PASSWORD: &str = "a long test password";

pub struct WebApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    _db: TestDatabase,
}

/// The server on a free port with the parties UA, RU and KP; `None` when the backend is
/// not available (PostgreSQL without `REPATRIA_TEST_PG_URL`, which prints a notice).
pub async fn spawn(backend: Backend) -> Option<WebApp> {
    spawn_with_state(backend).await.map(|(app, _)| app)
}

/// [`spawn`], with the server's state (to hold places of its work limiter in tests).
pub async fn spawn_with_state(backend: Backend) -> Option<(WebApp, AppState)> {
    let db = TestDatabase::create(backend).await?;
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store.clone());
    tokio::spawn(repatria_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    for (code, name) in [
        ("UA", "Ukraine"),
        ("RU", "Russian Federation"),
        ("KP", "DPRK"),
    ] {
        store
            .create_party(
                &Actor::new("test"),
                repatria_core::Party::new(code, name).unwrap(),
                chrono::Utc::now(),
            )
            .await
            .unwrap();
    }
    Some((
        WebApp {
            base,
            store,
            _db: db,
        },
        state,
    ))
}

impl WebApp {
    /// Creates an account with `role` and returns an API session token for it.
    pub async fn token(&self, username: &str, role: Role) -> String {
        self.store
            .create_user(
                &Actor::new("test"),
                User {
                    username: username.into(),
                    role,
                    password_hash: hash_password(PASSWORD).unwrap(),
                    disabled: false,
                    must_change_password: false,
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/auth/login", self.base))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["token"].as_str().unwrap().to_string()
    }

    /// Creates an account with `role` and logs it in through the login form.
    pub async fn login_as(&self, username: &str, role: Role) -> Browser {
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

/// Runs each test on SQLite and, when `REPATRIA_TEST_PG_URL` is set, PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let app = $crate::support::spawn(repatria_store::Backend::Sqlite).await.unwrap();
                super::$name(&app).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(app) = $crate::support::spawn(repatria_store::Backend::Postgres).await {
                    super::$name(&app).await;
                }
            })+
        }
    };
}
