//! The web interface over HTTP: login, the layout, language, the dashboard and the
//! captives' pages. (Browser tests in real Chromium: `tests/browser.rs`.)

mod support;

use repatria_core::Role;
use reqwest::StatusCode;
use support::WebApp;

async fn login_logout_and_redirects(app: &WebApp) {
    // Not logged in: to the login page, and back after.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = anonymous
        .get(format!("{}/captives?q=x", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login?next=/captives%3Fq%3Dx"
    );
    let login = anonymous
        .get(format!("{}/login?next=/captives", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("name=\"password\"") && html.contains("value=\"/captives\""));

    let browser = app.login_as("reg-1", Role::Registrar).await;
    assert!(browser.cookie.starts_with("repatria_session="));
    assert_eq!(browser.csrf.len(), 64);
    let refused = app.login("reg-1", "not the password").await.unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text().contains("Wrong user name or password"), "{}", refused.html);
    assert_eq!(refused.input_value("username").as_deref(), Some("reg-1"));

    // Logging out needs the form's CSRF token, then the session is gone.
    let forged = browser.post_raw("/logout", &[("_csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let out = browser.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/login"));
    let after = browser.get("/captives").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
}

on_both_backends!(login_logout_and_redirects);
