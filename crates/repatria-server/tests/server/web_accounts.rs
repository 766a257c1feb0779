//! Accounts in the web interface over HTTP: safe return paths, the session cookie, the
//! login form's origin check, changing one's password, and the administrator's unlock
//! and password reset on the users page; on SQLite and (with `REPATRIA_TEST_PG_URL`)
//! PostgreSQL.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::{authenticator_code, TestApp, PASSWORD};
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Posts the login form; the answer's status, `Location` and session cookie.
async fn form_login(
    app: &TestApp,
    username: &str,
    password: &str,
    next: &str,
    origin: Option<&str>,
) -> (StatusCode, Option<String>, Option<String>) {
    let mut request = client().post(format!("{}/login", app.base)).form(&[
        ("username", username),
        ("password", password),
        ("next", next),
    ]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    (response.status(), header("location"), header("set-cookie"))
}

/// `/lang?back=` and the login's `next` send the browser only to paths of this site,
/// whatever the browser would make of tabs, newlines and backslashes.
async fn hostile_return_paths_stay_on_the_site(app: &TestApp) {
    app.login_as("reg-1", Role::Registrar).await;
    let hostile = [
        "/%09/evil.example",
        "/%0d%0a/evil.example",
        "%09//evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ];
    for back in hostile {
        let response = client()
            .get(format!("{}/lang?to=uk&back={back}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{back}");
        assert_eq!(response.headers()["location"], "/", "back={back}");
    }
    let fine = client()
        .get(format!("{}/lang?to=uk&back=/captives%3Fq%3Dx", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.headers()["location"], "/captives?q=x");
    for next in [
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "//evil.example",
    ] {
        let (status, location, _) = form_login(app, "reg-1", PASSWORD, next, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/"), "next={next:?}");
    }
    let page = client()
        .get(format!("{}/login?next=/%09/evil.example", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        repatria_testing::unescape(&page).contains("name=\"next\" value=\"/\""),
        "{page}"
    );
    // Under the site-wide `no-referrer` browsers send `Origin: null` with a form, which
    // the login refuses; the login page lets its own form name this site.
    assert!(
        page.contains("<meta name=\"referrer\" content=\"same-origin\">"),
        "{page}"
    );
}

/// The session cookie is `__Host-` prefixed (Secure, Path=/, no Domain); a login form
/// posted from another site is refused and sets no cookie.
async fn the_session_cookie_is_host_only_and_cross_site_logins_are_refused(app: &TestApp) {
    app.login_as("reg-1", Role::Registrar).await;
    let (status, _, cookie) = form_login(app, "reg-1", PASSWORD, "/", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    assert!(cookie.starts_with("__Host-repatria_session="), "{cookie}");
    for flag in ["Secure", "Path=/", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let (status, _, cookie) =
        form_login(app, "reg-1", PASSWORD, "/", Some("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie.is_none(), "a cross-site login set a cookie");
    let own = format!("http://{}", app.base.trim_start_matches("http://"));
    let (status, _, _) = form_login(app, "reg-1", PASSWORD, "/", Some(&own)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the site's own origin");
}

/// A user changes his password on the password page.
async fn a_user_changes_his_password_on_the_page(app: &TestApp) {
    let browser = app.login_as("reg-1", Role::Registrar).await;
    let page = browser.get("/password").await;
    page.assert_ok();
    assert!(
        page.html.contains("name=\"current_password\""),
        "{}",
        page.html
    );
    let wrong = browser
        .post(
            "/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a new long password"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !wrong.html.contains("a new long password"),
        "a password sent back"
    );
    let done = browser
        .post(
            "/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long password"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(done.location.as_deref(), Some("/password?changed=1"));
    browser.get("/captives").await.assert_ok();
    assert!(app.login("reg-1", PASSWORD).await.is_err());
    assert!(app.login("reg-1", "a new long password").await.is_ok());
}

/// The administrator unlocks an account locked by failed logins and resets a password
/// on the users page; the user with a reset password is sent to the password page until
/// he has chosen a new one.
async fn an_admin_unlocks_and_resets_on_the_users_page(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    app.login_as("reg-1", Role::Registrar).await;
    for _ in 0..6 {
        form_login(app, "reg-1", "not the password", "/", None).await;
    }
    let (status, _, _) = form_login(app, "reg-1", PASSWORD, "/", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let users = admin.get("/users").await;
    users.assert_ok();
    assert!(
        users.html.contains("action=\"/users/reg-1/unlock\""),
        "{}",
        users.html
    );
    let unlocked = admin
        .post("/users/reg-1/unlock", &[])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(unlocked.location.as_deref(), Some("/users?unlocked=reg-1"));
    assert!(!admin
        .get("/users")
        .await
        .html
        .contains("action=\"/users/reg-1/unlock\""));
    let (status, _, _) = form_login(app, "reg-1", PASSWORD, "/", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "unlocked, the user logs in");

    admin
        .post("/users/reg-1/password", &[("password", "short")])
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .post(
            "/users/reg-1/password",
            &[("password", "a temporary password")],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let (status, _, cookie) =
        form_login(app, "reg-1", "a temporary password", "/captives", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
    let get = |path: &'static str| {
        let request = client()
            .get(format!("{}{path}", app.base))
            .header("cookie", cookie.clone());
        async move { request.send().await.unwrap() }
    };
    let captives = get("/captives").await;
    assert_eq!(captives.status(), StatusCode::SEE_OTHER);
    assert_eq!(captives.headers()["location"], "/password");
    let page = get("/password").await.text().await.unwrap();
    assert!(page.contains("id=\"password-forced\""), "{page}");
    let csrf = repatria_testing::unescape(page.split("name=\"_csrf\" value=\"").nth(1).unwrap())
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let changed = client()
        .post(format!("{}/password", app.base))
        .header("cookie", cookie.clone())
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", "a temporary password"),
            ("new_password", "my own long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(get("/captives").await.status(), StatusCode::OK);
    let log = admin.get("/audit?action=user.").await;
    for action in ["user.unlock", "user.password_reset", "user.password_change"] {
        assert!(
            log.html.contains(action),
            "{action} missing from the log page"
        );
    }
}

/// A registrar creates a token on the tokens page (its secret shown once), uses it, and
/// revokes it; a journalist is offered no token and refused one.
async fn personal_api_tokens_are_made_and_revoked_on_the_page(app: &TestApp) {
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    let page = registrar.get("/tokens").await;
    page.assert_ok();
    assert!(page.html.contains("action=\"/tokens\""), "{}", page.html);
    registrar
        .post(
            "/tokens",
            &[("name", "import"), ("expires_in_days:int", "400")],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let made = registrar
        .post(
            "/tokens",
            &[("name", "nightly import"), ("expires_in_days:int", "")],
        )
        .await;
    made.assert_ok();
    let secret = made
        .html
        .split("<code id=\"token-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no secret shown: {}", made.html))
        .to_string();
    assert_eq!(secret.len(), 64);
    let api = |token: String| {
        let request = client()
            .get(format!("{}/api/parties", app.base))
            .bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(api(secret.clone()).await, StatusCode::OK);
    let listed = registrar.get("/tokens").await;
    assert!(listed.text().contains("nightly import"));
    assert!(!listed.html.contains(&secret), "the list shows the secret");
    let id = listed
        .html
        .split("data-token=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    registrar
        .post(&format!("/tokens/{id}/revoke"), &[])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(api(secret).await, StatusCode::UNAUTHORIZED);
    assert!(!registrar
        .get("/tokens")
        .await
        .text()
        .contains("nightly import"));

    let journalist = app.login_as("press-1", Role::Journalist).await;
    let page = journalist.get("/tokens").await;
    page.assert_ok();
    assert!(
        !page.html.contains("action=\"/tokens\""),
        "a journalist is offered a token"
    );
    journalist
        .post("/tokens", &[("name", "x")])
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

/// A user sets up a second factor on its page; the login form then asks for the code,
/// and takes it; the factor is removed with the password.
async fn a_second_factor_is_set_up_and_used_through_the_pages(app: &TestApp) {
    let browser = app.login_as("reg-1", Role::Registrar).await;
    let page = browser.get("/totp").await;
    page.assert_ok();
    assert!(
        page.html.contains("data-enabled=\"false\""),
        "{}",
        page.html
    );
    let enrolment = browser.post("/totp", &[]).await;
    enrolment.assert_ok();
    let secret = enrolment
        .html
        .split("<code id=\"totp-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no secret shown: {}", enrolment.html))
        .to_string();
    let now = chrono::Utc::now().timestamp();
    browser
        .post(
            "/totp/confirm",
            &[("code", &authenticator_code(&secret, now))],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert!(browser
        .get("/totp")
        .await
        .html
        .contains("data-enabled=\"true\""));

    let refused = app.login("reg-1", PASSWORD).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text().contains("one-time code"), "{}", refused.html);
    let response = client()
        .post(format!("{}/login", app.base))
        .form(&[
            ("username", "reg-1"),
            ("password", PASSWORD),
            ("totp_code", &authenticator_code(&secret, now + 30)),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the code was refused"
    );

    browser
        .post("/totp/disable", &[("current_password", "not my password")])
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    browser
        .post("/totp/disable", &[("current_password", PASSWORD)])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert!(app.login("reg-1", PASSWORD).await.is_ok());
}

both_backends!(
    setup = TestApp::web;
    a_second_factor_is_set_up_and_used_through_the_pages,
    personal_api_tokens_are_made_and_revoked_on_the_page,
    hostile_return_paths_stay_on_the_site,
    the_session_cookie_is_host_only_and_cross_site_logins_are_refused,
    a_user_changes_his_password_on_the_page,
    an_admin_unlocks_and_resets_on_the_users_page,
);
