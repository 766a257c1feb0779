//! The web interface over HTTP: login, the layout, language, the dashboard and the
//! captives' pages. (Browser tests in real Chromium: `crates/repatria/tests/repatria/browser.rs`.)

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::TestApp;
use reqwest::StatusCode;

async fn login_logout_and_redirects(app: &TestApp) {
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
    assert!(html.contains("name=\"password\""), "{html}");
    assert_eq!(
        repatria_testing::unescape(&html)
            .matches("name=\"next\" value=\"/captives\"")
            .count(),
        1,
        "{html}"
    );

    let browser = app.login_as("reg-1", Role::Registrar).await;
    assert!(browser.cookie.starts_with("__Host-repatria_session="));
    assert_eq!(browser.csrf.len(), 64);
    let refused = app.login("reg-1", "not the password").await.unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.text().contains("Wrong user name or password"),
        "{}",
        refused.html
    );
    assert_eq!(refused.input_value("username").as_deref(), Some("reg-1"));

    // Logging out needs the form's CSRF token, then the session is gone.
    browser
        .post_raw("/logout", &[("_csrf", "forged")])
        .await
        .expect_status(StatusCode::FORBIDDEN);
    let out = browser
        .post("/logout", &[])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/login"));
    browser
        .get("/captives")
        .await
        .expect_status(StatusCode::SEE_OTHER);

    // Unknown addresses: a page in the browser, the API's JSON under /api.
    let page = anonymous
        .get(format!("{}/no/such/page", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("There is no page at this address."));
    let api = anonymous
        .get(format!("{}/api/nothing", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}

/// The stored record of the captive with this id.
async fn stored_captive(app: &TestApp, id: &str) -> repatria_core::Captive {
    let id = repatria_core::CaptiveId(id.parse().expect("a captive id"));
    app.store.get_captive(id).await.unwrap()
}

/// The fields of the registration form for a captive with two identity claims: what he
/// declares, in Ukrainian, and what a found document says, in Russian spelling.
fn two_claims() -> Vec<(&'static str, &'static str)> {
    vec![
        ("power_of_origin", "UA"),
        ("detaining_power", "RU"),
        ("capture.captured_at:datetime", "2026-11-20T06:40"),
        ("capture.place", "Vovchansk"),
        ("identity_claims[0].source", "self_declared"),
        ("identity_claims[0].family_name", "Шевченко"),
        ("identity_claims[0].given_name", "Тарас"),
        ("identity_claims[0].date_of_birth", "1998-03-09"),
        ("identity_claims[0].nationality", "UA"),
        ("identity_claims[0].confidence:number", ""),
        ("identity_claims[1].source", "document_found"),
        ("identity_claims[1].family_name", "Шевченко"),
        ("identity_claims[1].given_name", "Тарас"),
        ("identity_claims[1].nationality", "RU"),
        ("identity_claims[1].document.kind", "passport"),
        ("languages:list", "uk, ru"),
        ("interpreter_required:bool", "false"),
    ]
}

async fn a_registrar_registers_finds_and_updates_a_captive(app: &TestApp) {
    let browser = app.login_as("reg-1", Role::Registrar).await;
    let form = browser.get("/captives/new").await;
    form.assert_ok();
    // The navigation offers what the role may use: a registrar reviews matches but does
    // not read tracing requests or the audit log.
    assert!(form.html.contains("href=\"/matches\""));
    assert!(!form.html.contains("href=\"/tracing\""));
    assert!(!form.html.contains("href=\"/audit\""));
    assert!(form
        .html
        .contains("name=\"identity_claims[1].family_name\""));

    // A wrong date of birth comes back next to its field, with what was typed kept.
    let mut fields = two_claims();
    fields[7].1 = "1998-13-40";
    let refused = browser
        .post("/captives/new", &fields)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let at = refused
        .html
        .find("id=\"f-identity_claims-0-date_of_birth-note\"")
        .expect("the error is next to the date of birth");
    assert!(refused.html[at - 20..at].contains("class=\"error\""));
    assert_eq!(
        refused
            .input_value("identity_claims[0].family_name:")
            .as_deref(),
        None
    );
    assert!(refused.html.contains("value=\"1998-13-40\""));
    assert!(refused.html.contains("value=\"Vovchansk\""));
    let none = app
        .store
        .list_captives(&repatria_store::CaptiveQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(none.items.len(), 0, "nothing is stored from a refused form");

    // Registered with both claims.
    let created = browser
        .post("/captives/new", &two_claims())
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let location = created.location.clone().unwrap();
    assert!(location.starts_with("/captives/") && location.ends_with("?saved=1"));
    let id = location["/captives/".len()..location.len() - "?saved=1".len()].to_string();
    let page = browser.get(&location).await;
    page.assert_ok();
    let text = page.text();
    assert!(text.contains("Saved."), "{text}");
    assert!(
        text.contains("Self-declared") && text.contains("Document found"),
        "{text}"
    );
    assert!(text.contains("1998-03-09"));
    assert!(text.contains("UA → RU"));
    assert_eq!(page.html.matches("<article class=\"claim").count(), 2);
    assert_eq!(page.html.matches("class=\"claim assessed\"").count(), 1);
    let stored = stored_captive(app, &id).await;
    assert_eq!(stored.claims.len(), 2);
    assert_eq!(stored.languages, ["uk", "ru"]);
    assert!(!stored.interpreter_required);

    // The search form sends the name by POST: it never appears in an address that the
    // browser's history, bookmarks or a proxy's log would keep.
    let list = browser.get("/captives").await;
    assert!(
        list.html.contains("method=\"post\" action=\"/captives\"")
            && !list.html.contains("hx-push-url"),
        "{}",
        list.html
    );
    let posted = browser
        .post("/captives", &[("q", "Shevchenko Taras"), ("status", "")])
        .await;
    posted.assert_ok();
    assert!(
        posted.html.contains(&format!("href=\"/captives/{id}\"")),
        "{}",
        posted.text()
    );
    assert!(posted.location.is_none());
    let forged = browser.post_raw("/captives", &[("q", "Shevchenko")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    // Found by a Latin transliteration of his name, with its score.
    let found = browser.get("/captives?q=Shevchenko+Taras").await;
    found.assert_ok();
    assert!(
        found.html.contains(&format!("href=\"/captives/{id}\"")),
        "{}",
        found.text()
    );
    assert!(found.text().contains("Match"));
    let missed = browser.get("/captives?q=Kovalenko").await;
    assert!(missed.text().contains("No captive matches."));

    // Changes through the record's forms: the second claim becomes the assessed one,
    // a custody event with a bad facility is refused next to its field.
    let second = stored.claims[1].id.to_string();
    browser
        .post(
            &format!("/captives/{id}/edit/assessed"),
            &[("claim_id", second.as_str())],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let bad = browser
        .post(
            &format!("/captives/{id}/edit/custody"),
            &[
                ("kind", "transferred"),
                ("at:datetime", "2026-11-21T08:00"),
                ("facility", "castle"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("id=\"f-facility-note\""), "{}", bad.html);
    browser
        .post(
            &format!("/captives/{id}/edit/custody"),
            &[
                ("kind", "transferred"),
                ("at:datetime", "2026-11-21T08:00"),
                ("place", "Camp 4"),
                ("facility", "camp"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let stored = stored_captive(app, &id).await;
    assert_eq!(stored.assessed_claim, Some(stored.claims[1].id));
    assert_eq!(stored.timeline.len(), 2);
    let page = browser.get(&format!("/captives/{id}")).await;
    assert!(page.text().contains("Camp 4"));
    // A registrar may not read the audit log, so the record's trail is not shown.
    assert!(!page.text().contains("audit trail"));

    // An unknown record or form is a 404 page, not a 500.
    browser
        .get("/captives/00000000-0000-0000-0000-000000000000")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let nonsense = browser.get("/captives/not-an-id").await;
    assert!(nonsense.status.is_client_error(), "{}", nonsense.status);
    browser
        .get(&format!("/captives/{id}/edit/delete"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

async fn the_dashboard_counts_and_speaks_ukrainian(app: &TestApp) {
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    registrar
        .post("/captives/new", &two_claims())
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let admin = app.login_as("admin-1", Role::Admin).await;
    let page = admin.get("/").await;
    page.assert_ok();
    let text = page.text();
    assert!(text.contains("Captives registered: 1"), "{text}");
    assert!(text.contains("in custody 1"), "{text}");
    // Documents say RU, the assessed (first) claim UA.
    assert!(
        text.contains("Documents disagree with the assessed nationality 1"),
        "{text}"
    );
    assert!(page.html.contains("<svg"), "the captures chart");
    assert!(page.html.contains("2026-11: 1"));
    assert!(text.contains("Tracing pipeline"), "an admin reads tracing");
    let uk = admin.get_uk("/").await;
    assert!(
        uk.text().contains("Зареєстровано полонених: 1"),
        "{}",
        uk.text()
    );
    // The summary is kept between visits only while the registry is unchanged.
    registrar
        .post("/captives/new", &two_claims())
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let page = admin.get("/").await;
    assert!(
        page.text().contains("Captives registered: 2"),
        "{}",
        page.text()
    );
    assert!(page
        .text()
        .contains("Documents disagree with the assessed nationality 2"));
    assert!(uk.html.starts_with("<!doctype html>\n<html lang=\"uk\">"));

    // A journalist has no dashboard: to the released captives instead.
    let journalist = app.login_as("press-1", Role::Journalist).await;
    let start = journalist
        .get("/")
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(start.location.as_deref(), Some("/captives"));
    let list = journalist.get("/captives").await;
    list.assert_ok();
    assert!(
        list.text().contains("No captive matches."),
        "nothing released yet"
    );
    assert!(!list.text().contains("Шевченко"));
    // Nor may she open the registration form's API: the page says not permitted.
    journalist
        .post("/captives/new", &two_claims())
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

/// Every form of the interface, sent nonsense: an answer that says what is wrong, never
/// a server error, and nothing half written.
async fn no_bad_form_is_a_server_error(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let created = admin.post("/captives/new", &two_claims()).await;
    let captive = created.location.unwrap();
    let captive = captive.trim_end_matches("?saved=1").to_string();
    let zero = "00000000-0000-0000-0000-000000000000";
    let mut paths = vec![
        "/login".to_string(),
        "/captives/new".into(),
        "/tracing/new".into(),
        format!("/tracing/{zero}/answer"),
        format!("/tracing/{zero}/close"),
        "/tracing/x/answer".into(),
        format!("/matches/{zero}/decision"),
        "/imports/preview".into(),
        "/imports/start".into(),
        "/exchange".into(),
        "/exchange/moved.csv".into(),
        "/exchange/left.csv".into(),
        "/media".into(),
        format!("/media/{zero}/decision"),
        format!("/media/{zero}/visits"),
        "/users".into(),
        "/users/nobody/disabled".into(),
        "/users/%00/disabled".into(),
    ];
    for form in [
        "claim",
        "assessed",
        "custody",
        "health",
        "interview",
        "wish",
        "languages",
        "capture_card",
        "particulars",
        "nothing",
    ] {
        paths.push(format!("{captive}/edit/{form}"));
    }
    paths.push(format!("/captives/{zero}/edit/health"));
    let long = "я".repeat(20_000);
    let bodies: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("zzz", "1")],
        vec![("a..b", "1"), ("c[99999]", "x"), ("d[", "x")],
        vec![
            ("confidence:number", "high"),
            ("n:int", "x"),
            ("x:weird", "1"),
        ],
        vec![
            ("kind", &long),
            ("at:datetime", "yesterday"),
            ("sides[UA]", "9"),
        ],
        vec![
            ("power_of_origin", "\u{0}"),
            ("identity_claims[0].source", "rumour"),
        ],
    ];
    let events_before = app
        .store
        .audit_events(&repatria_store::AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    for path in &paths {
        for body in &bodies {
            // The upload form is multipart (a server that refuses another encoding answers
            // before reading the body, which a client still sending it sees as a closed
            // connection rather than an answer).
            let page = if path == "/imports/preview" {
                let build = |form: reqwest::multipart::Form| {
                    body.iter()
                        .fold(form, |form, (k, v)| form.text(k.to_string(), v.to_string()))
                };
                admin.post_multipart(path, build).await
            } else {
                admin.post(path, body).await
            };
            assert!(
                page.status.is_client_error()
                    || page.status.is_redirection()
                    || page.status == StatusCode::OK,
                "POST {path} with {body:?}: {} {}",
                page.status,
                page.html
            );
        }
        // A form from elsewhere (no CSRF token) changes nothing either.
        let forged = admin.post_raw(path, &[("wish", "refuses")]).await;
        assert!(
            !forged.status.is_server_error(),
            "POST {path} without a token: {}",
            forged.status
        );
    }
    let captive_id = captive.trim_start_matches("/captives/");
    let stored = stored_captive(app, captive_id).await;
    assert_eq!(stored.claims.len(), 2, "no claim added by nonsense");
    assert_eq!(
        stored.timeline.len(),
        1,
        "no custody event added by nonsense"
    );
    assert!(stored.repatriation_wish.is_none());
    assert!(stored.particulars.is_none(), "no particulars from nonsense");
    // Reads are audited, failed writes are not written: only reads were added.
    let events = app
        .store
        .audit_events(&repatria_store::AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        events[events_before..]
            .iter()
            .all(|e| e.action.ends_with(".read")
                || e.action.ends_with(".list")
                || e.action.starts_with("login.")),
        "{:?}",
        events[events_before..]
            .iter()
            .map(|e| &e.action)
            .collect::<Vec<_>>()
    );
}

both_backends!(
    setup = TestApp::web;
    no_bad_form_is_a_server_error,
    login_logout_and_redirects,
    a_registrar_registers_finds_and_updates_a_captive,
    the_dashboard_counts_and_speaks_ukrainian,
);
