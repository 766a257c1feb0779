//! The exchange planner, media access, audit log and user administration pages over
//! HTTP, on SQLite and (with `REPATRIA_TEST_PG_URL`) PostgreSQL.

use chrono::Utc;
use repatria_core::{fixtures, CaptiveId, EventId, Role};
use repatria_store::testing::both_backends;
use repatria_store::Actor;
use repatria_testing::TestApp;
use reqwest::StatusCode;

/// A captive held by `held_by`, of `origin`, a private captured in January 2025; returns
/// its id.
async fn held_captive(app: &TestApp, family: &str, held_by: &str, origin: &str) -> String {
    let mut new = fixtures::new_captive(origin, family, "Test");
    new.detaining_power = fixtures::party(held_by);
    new.claims[0].rank = Some("Private".into());
    let id = CaptiveId(uuid::Uuid::now_v7());
    app.store
        .create_captive(
            &Actor::new("test"),
            id,
            EventId(uuid::Uuid::now_v7()),
            new,
            Utc::now(),
        )
        .await
        .unwrap();
    id.to_string()
}

async fn a_negotiator_plans_the_three_party_exchange_from_the_page(app: &TestApp) {
    let kp_1 = held_captive(app, "Kim", "UA", "KP").await;
    let kp_2 = held_captive(app, "Pak", "UA", "KP").await;
    let ua_1 = held_captive(app, "Shevchenko", "RU", "UA").await;
    let browser = app.login_as("neg-1", Role::Negotiator).await;

    let form = browser.get("/exchange").await;
    form.assert_ok();
    assert!(
        form.html.contains("name=\"side.KP\""),
        "one select per party"
    );
    assert_eq!(
        form.input_value("terms.tolerance:int").as_deref(),
        Some("0")
    );

    let fields = [
        ("side.UA", "1"),
        ("side.RU", "2"),
        ("side.KP", "2"),
        ("terms.balance", "count"),
        ("terms.tolerance:int", "0"),
        ("terms.max_total:int", ""),
        ("terms.as_of", "2026-11-27"),
        ("terms.values.private:int", "1"),
    ];
    let page = browser.post("/exchange", &fields).await;
    page.assert_ok();
    let text = page.text();
    assert!(text.contains("proven optimal"), "{text}");
    assert!(text.contains("2 move: 2 traded"), "{text}");
    // Side 1 [UA] gives one and receives one; so does side 2 [RU, KP].
    assert!(
        text.contains("1 UA 1 1") && text.contains("2 RU, KP 1 1"),
        "{text}"
    );
    let moved =
        &page.html[page.html.find("id=\"moved\"").unwrap()..page.html.find("id=\"left\"").unwrap()];
    let left = &page.html[page.html.find("id=\"left\"").unwrap()..];
    assert!(moved.contains(&ua_1), "the only UA soldier held moves");
    let (moved_kp, stays_kp) = if moved.contains(&kp_1) {
        (&kp_1, &kp_2)
    } else {
        (&kp_2, &kp_1)
    };
    assert!(moved.contains(moved_kp.as_str()) && !moved.contains(stays_kp.as_str()));
    assert!(left.contains(stays_kp.as_str()));
    assert!(
        left.contains("moving him would break the balance"),
        "the reason is shown"
    );

    let csv = browser.post("/exchange/moved.csv", &fields).await;
    csv.assert_ok();
    let lines: Vec<&str> = csv.html.lines().collect();
    assert_eq!(lines[0], "captive,from,to,counts_toward_balance");
    assert_eq!(lines.len(), 3, "{}", csv.html);
    assert!(
        lines.contains(&format!("{ua_1},RU,UA,true").as_str()),
        "{}",
        csv.html
    );
    assert!(
        lines.contains(&format!("{moved_kp},UA,KP,true").as_str()),
        "{}",
        csv.html
    );
    let csv = browser.post("/exchange/left.csv", &fields).await;
    assert_eq!(
        csv.html,
        format!("captive,reason\r\n{stays_kp},balance\r\n")
    );

    // Ukrainian, and a bad input lands next to its field.
    let uk = browser.get_uk("/exchange").await;
    assert!(uk.text().contains("Планувальник обміну"));
    let bad = browser
        .post(
            "/exchange",
            &[
                ("side.UA", "1"),
                ("side.RU", "2"),
                ("terms.tolerance:int", "-1"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.html.contains("id=\"f-terms-tolerance-note\""),
        "{}",
        bad.html
    );
}

async fn an_auditor_filters_the_log_by_action(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    admin
        .post(
            "/users",
            &[
                ("username", "reg-9"),
                ("role", "registrar"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let auditor = app.login_as("aud-1", Role::Auditor).await;
    let all = auditor.get("/audit").await;
    all.assert_ok();
    assert!(
        all.text().contains("credential.session.create"),
        "{}",
        all.text()
    );
    let page = auditor.get("/audit?action=user.create").await;
    page.assert_ok();
    let text = page.text();
    assert!(
        text.contains("user.create") && text.contains("reg-9"),
        "{text}"
    );
    assert!(
        !text.contains("credential.session.create"),
        "filtered by action: {text}"
    );
    assert_eq!(page.input_value("action").as_deref(), Some("user.create"));
    assert!(
        page.html
            .contains("{&quot;role&quot;:&quot;registrar&quot;}"),
        "the detail, once encoded: {}",
        page.html
    );
    let by_actor = auditor.get("/audit?actor=admin-1&action=user.").await;
    let text = by_actor.text();
    assert!(
        text.contains("reg-9") && !text.contains("aud-1 user.create"),
        "{text}"
    );
    // An entity id without its type is the API's 422, shown on the form.
    let half = auditor
        .get("/audit?entity_id=reg-9")
        .await
        .expect_status(StatusCode::OK);
    assert!(
        half.html
            .contains("give entity_type and entity_id together"),
        "{}",
        half.html
    );
}

async fn an_admin_creates_disables_and_enables_a_user_through_the_form(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let form = admin.get("/users").await;
    form.assert_ok();
    assert!(form.text().contains("admin-1"));

    let short = admin
        .post(
            "/users",
            &[
                ("username", "inv-7"),
                ("role", "investigator"),
                ("password", "short"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .html
            .contains("id=\"f-password-note\">a password must have at least 12 characters"),
        "{}",
        short.html
    );
    assert_eq!(short.input_value("username").as_deref(), Some("inv-7"));
    assert_eq!(
        short.input_value("password").as_deref(),
        Some(""),
        "the password is not sent back"
    );

    let created = admin
        .post(
            "/users",
            &[
                ("username", "inv-7"),
                ("role", "investigator"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(created.location.as_deref(), Some("/users?created=inv-7"));
    let taken = admin
        .post(
            "/users",
            &[
                ("username", "inv-7"),
                ("role", "auditor"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken
            .html
            .contains("id=\"f-username-note\">a user named inv-7 exists already"),
        "{}",
        taken.html
    );

    let investigator = app
        .login("inv-7", "a long enough password")
        .await
        .expect("the new user logs in");
    investigator
        .get("/audit")
        .await
        .expect_status(StatusCode::FORBIDDEN);

    let listed = admin.get("/users").await.text();
    assert!(listed.contains("inv-7 investigator active"), "{listed}");
    assert!(!admin.get("/users").await.html.contains("argon2"));

    // One cannot disable oneself.
    let own = admin
        .post("/users/admin-1/disabled", &[("disabled", "true")])
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.text().contains("you cannot disable your own account"));

    admin
        .post("/users/inv-7/disabled", &[("disabled", "true")])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert!(admin
        .get("/users")
        .await
        .text()
        .contains("inv-7 investigator disabled"));
    // The open session ends, and logging in again is refused.
    investigator
        .get("/audit")
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let refused = app
        .login("inv-7", "a long enough password")
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    admin
        .post("/users/inv-7/disabled", &[("disabled", "false")])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    app.login("inv-7", "a long enough password")
        .await
        .expect("enabled again");
}

async fn a_media_officer_records_and_decides_a_request(app: &TestApp) {
    let captive = held_captive(app, "Kim", "UA", "KP").await;
    let officer = app.login_as("media-1", Role::MediaOfficer).await;
    let journalist = app.login_as("jour-1", Role::Journalist).await;
    let today = Utc::now().date_naive().to_string();

    let unknown = officer
        .post(
            "/media",
            &[
                ("outlet", "Kyiv Daily"),
                ("journalist", "nobody"),
                ("purpose", "Report"),
                ("captives:list", &captive),
                ("wanted_from", &today),
                ("wanted_until", &today),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .html
            .contains("id=\"f-journalist-note\">no journalist account has this name"),
        "{}",
        unknown.html
    );

    let created = officer
        .post(
            "/media",
            &[
                ("outlet", "Kyiv Daily"),
                ("journalist", "jour-1"),
                ("purpose", "Report"),
                ("captives:list", &captive),
                ("wanted_from", &today),
                ("wanted_until", &today),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let detail_path = created.location.unwrap();
    let detail = officer.get(&detail_path).await;
    detail.assert_ok();
    assert!(detail.text().contains("awaiting decision"));
    assert!(officer
        .get("/media")
        .await
        .text()
        .contains("Kyiv Daily jour-1"));

    // Whoever recorded a request may not decide it: a second officer does.
    let own = officer
        .post(
            &format!("{detail_path}/decision"),
            &[
                ("approved:bool", "true"),
                ("consent_recorded[]", &captive),
                ("valid_from", &today),
                ("valid_until", &today),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.text().contains("may not decide"), "{}", own.html);
    let officer = app.login_as("media-2", Role::MediaOfficer).await;
    officer
        .post(
            &format!("{detail_path}/decision"),
            &[
                ("approved:bool", "true"),
                ("consent_recorded[]", &captive),
                ("faces_blurred:bool", "false"),
                ("faces_blurred:bool", "true"),
                ("names_withheld:bool", "false"),
                ("valid_from", &today),
                ("valid_until", &today),
                ("note", ""),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let detail = officer.get(&detail_path).await.text();
    assert!(
        detail.contains("approved")
            && detail.contains("Faces blurred yes")
            && detail.contains("Names withheld no"),
        "{detail}"
    );

    let now = Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    officer
        .post(
            &format!("{detail_path}/visits"),
            &[
                ("captive", &captive),
                ("at:datetime", &now),
                ("note", "Camp 1"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert!(officer
        .get(&detail_path)
        .await
        .text()
        .contains("Camp 1 media-2"));

    // The journalist sees his own request, and no forms.
    let mine = journalist.get("/media").await;
    mine.assert_ok();
    assert!(mine.text().contains("Kyiv Daily") && mine.text().contains("approved"));
    assert!(!mine.html.contains("action=\"/media\""));
    journalist
        .post(
            &format!("{detail_path}/visits"),
            &[("captive", &captive), ("at:datetime", &now)],
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

async fn roles_without_permission_get_the_403_page(app: &TestApp) {
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    let journalist = app.login_as("jour-2", Role::Journalist).await;
    for (browser, path) in [
        (&registrar, "/exchange"),
        (&journalist, "/exchange"),
        (&registrar, "/media"),
        (&registrar, "/audit"),
        (&registrar, "/users"),
        (&journalist, "/users"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}: {}", page.html);
        assert!(
            page.text().contains("Not permitted"),
            "{path}: {}",
            page.html
        );
        assert!(
            page.html.contains("name=\"_csrf\""),
            "the layout's error page"
        );
    }
    let today = Utc::now().date_naive().to_string();
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        ("/exchange", vec![("side.UA", "1"), ("side.RU", "2")]),
        (
            "/exchange/moved.csv",
            vec![("side.UA", "1"), ("side.RU", "2")],
        ),
        (
            "/users",
            vec![
                ("username", "reg-5"),
                ("role", "admin"),
                ("password", "a long enough password"),
            ],
        ),
        (
            "/media",
            vec![
                ("outlet", "O"),
                ("journalist", "jour-2"),
                ("purpose", "p"),
                ("wanted_from", &today),
                ("wanted_until", &today),
            ],
        ),
    ];
    for (path, fields) in forms {
        let page = registrar.post(path, &fields).await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "POST {path}: {}",
            page.html
        );
    }
    registrar
        .post("/users/reg-1/disabled", &[("disabled", "true")])
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

both_backends!(
    setup = TestApp::web;
    a_negotiator_plans_the_three_party_exchange_from_the_page,
    an_auditor_filters_the_log_by_action,
    an_admin_creates_disables_and_enables_a_user_through_the_form,
    a_media_officer_records_and_decides_a_request,
    roles_without_permission_get_the_403_page,
);
