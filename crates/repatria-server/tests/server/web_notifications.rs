//! The notification pages over HTTP, as a browser uses them: the registrar's list with
//! its filters and pages, a dispatch made through the form and its documents downloaded
//! through the page's session, a correction, the dashboard's notifications, incomplete
//! deaths, open enquiries and every overdue deadline; the ICRC delegate who reads only
//! what was sent; and the roles that read none of it.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::{unescape, Browser, Page, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn api(browser: &Browser, method: &str, path: &str, body: Option<Value>) -> Value {
    let answer = browser.api(method, path, body.as_ref()).await;
    assert!(
        answer.status.is_success(),
        "{method} {path}: {} {}",
        answer.status,
        answer.body
    );
    answer.body
}

/// A seriously wounded captive of `origin` held by Ukraine, captured in 2025: his capture
/// card and weekly health reports are long overdue.
fn captive(family: &str, given: &str, origin: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-03-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": "1996-04-02",
            "rank": "private",
            "confidence": 0.9
        }],
        "health": { "category": "seriously_wounded", "assessed_at": "2025-03-09T08:00:00Z" }
    })
}

async fn create(browser: &Browser, family: &str, given: &str, origin: &str) -> String {
    api(
        browser,
        "POST",
        "/api/captives",
        Some(captive(family, given, origin)),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The registry the tests share, in the manner of the demo: two Koreans (one moved to a
/// camp, one dead without a death record) and a third whose death is under enquiry;
/// Russians enough for more than one page of notifications.
struct Registry {
    kim: String,
    pak: String,
    ri: String,
    russians: Vec<String>,
}

async fn registry(registrar: &Browser) -> Registry {
    let kim = create(registrar, "Kim", "Chol", "KP").await;
    api(
        registrar,
        "POST",
        &format!("/api/captives/{kim}/custody-events"),
        Some(json!({ "kind": "transferred", "at": "2025-03-12T10:00:00Z", "place": "Camp 6 (fictional)", "facility": "camp" })),
    )
    .await;
    let pak = create(registrar, "Pak", "Yong Su", "KP").await;
    api(
        registrar,
        "POST",
        &format!("/api/captives/{pak}/custody-events"),
        Some(json!({ "kind": "died", "at": "2025-04-01T10:00:00Z", "place": "Camp 6 (fictional)", "facility": "camp" })),
    )
    .await;
    let ri = create(registrar, "Ri", "Kwang Hyok", "KP").await;
    api(
        registrar,
        "POST",
        &format!("/api/captives/{ri}/death"),
        Some(json!({ "died_at": "2025-04-02T10:00:00Z", "place": "Camp 6 (fictional)", "cause": "unknown",
                     "certified_by": "Camp doctor", "enquiry_required": true })),
    )
    .await;
    let mut russians = Vec::new();
    for i in 0..30 {
        russians.push(create(registrar, &format!("Ivanov-{i}"), "Petr", "RU").await);
    }
    Registry {
        kim,
        pak,
        ri,
        russians,
    }
}

/// The part of a page from the element with `id` to the first `end` after it.
fn section<'a>(page: &'a Page, id: &str, end: &str) -> &'a str {
    let start = page
        .html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {}", page.html));
    let rest = &page.html[start..];
    let end = rest.find(end).map_or(rest.len(), |e| e + end.len());
    &rest[..end]
}

/// The notifications' rows of a list page.
fn rows(page: &Page) -> Vec<&str> {
    let Some(start) = page.html.find("id=\"notifications\"") else {
        return Vec::new();
    };
    let table = &page.html[start..];
    let table = &table[..table.find("</table>").unwrap()];
    table.split("<tr").skip(2).collect()
}

/// A file the page passes through from the API: status, content type and bytes.
async fn download(browser: &Browser, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", browser.base))
        .header("cookie", &browser.cookie)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

both_backends!(
    setup = TestApp::web;
    the_registrar_filters_dispatches_and_downloads_what_was_sent,
    a_notification_is_corrected_by_a_new_one,
    the_dashboard_shows_what_waits_and_pages_through_every_overdue_deadline,
    the_icrc_delegate_reads_only_what_was_sent,
    roles_without_notifications_are_refused,
    no_bad_notification_address_or_form_is_a_server_error,
);

async fn the_registrar_filters_dispatches_and_downloads_what_was_sent(app: &TestApp) {
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    let reg = registry(&registrar).await;

    // The list: in the navigation, every notification with its captive, late ones marked.
    let list = registrar.get("/notifications").await;
    list.assert_ok();
    assert!(
        list.html
            .contains("<a href=\"/notifications\" aria-current=\"page\">"),
        "{}",
        list.html
    );
    let all = api(&registrar, "GET", "/api/notifications?limit=51", None).await;
    let total = all["total"].as_u64().unwrap();
    assert!(total > 50, "more than a page: {total}");
    assert!(list.text().contains(&format!("Notifications: {total}")));
    assert_eq!(rows(&list).len(), 50);
    assert!(list
        .html
        .contains(&format!("href=\"/captives/{}\"", reg.kim)));
    let overdue: Vec<&str> = rows(&list)
        .into_iter()
        .filter(|r| r.starts_with(" class=\"overdue\""))
        .collect();
    assert!(!overdue.is_empty(), "{}", list.html);
    assert!(overdue.iter().all(|r| r.contains("Capture card")
        && r.contains("GC III Art. 70")
        && r.contains(">Overdue<")));
    assert!(list.html.contains("action=\"/notifications/dispatches\""));

    // The next page by the API's cursor, then the first again.
    let next = section(&list, "notifications", "rel=\"next\"");
    assert!(
        unescape(next).contains("href=\"/notifications?after="),
        "{next}"
    );
    let cursor = all["items"][49]["id"].as_str().unwrap();
    let second = registrar
        .get(&format!("/notifications?after={cursor}"))
        .await;
    second.assert_ok();
    assert_eq!(rows(&second).len() as u64, (total - 50).min(50));
    assert!(second.html.contains("rel=\"first\""));
    assert!(second.html.contains(&format!(
        "id=\"n-{}\"",
        all["items"][50]["id"].as_str().unwrap()
    )));

    // Filters: a power, a kind, late ones only.
    let korean = registrar.get("/notifications?power_of_origin=KP").await;
    assert!(!korean.html.contains(&reg.russians[0]), "{}", korean.html);
    assert!(korean.html.contains(&reg.pak));
    assert!(rows(&korean).iter().all(|r| r.contains("<td>KP</td>")));
    let deaths = registrar.get("/notifications?kind=death").await;
    let death_rows = rows(&deaths);
    assert_eq!(death_rows.len(), 2, "{}", deaths.html);
    assert!(death_rows.iter().all(|r| r.contains("GC III Art. 120")));
    let late = registrar
        .get("/notifications?state=pending&overdue=true")
        .await;
    assert!(!rows(&late).is_empty());
    assert!(rows(&late).iter().all(|r| r.contains("class=\"overdue\"")));
    assert!(late
        .html
        .contains("name=\"overdue\" value=\"true\" checked"));

    // Dispatching Korea's: the dispatch's page with its counts, names as sent and files.
    let sent = registrar
        .post(
            "/notifications/dispatches",
            &[("power_of_origin", "KP"), ("via", "")],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let location = sent.location.unwrap();
    let id = location
        .strip_prefix("/notifications/dispatches/")
        .and_then(|rest| rest.strip_suffix("?sent=1"))
        .unwrap_or_else(|| panic!("to the dispatch: {location}"))
        .to_string();
    let page = registrar.get(&location).await;
    page.assert_ok();
    let dispatch = api(
        &registrar,
        "GET",
        &format!("/api/notifications/dispatches/{id}"),
        None,
    )
    .await;
    let count = dispatch["count"].as_u64().unwrap();
    assert!(count >= 6, "{dispatch}");
    let notice = section(&page, "sent", "</p>");
    assert!(
        notice.contains(&format!("{count} → KP (ICRC Central Tracing Agency)")),
        "{notice}"
    );
    let counts = section(&page, "counts", "</table>");
    assert!(
        counts.contains("Capture card") && counts.contains("Death"),
        "{counts}"
    );
    let text = page.text();
    assert!(
        text.contains("Kim, Chol") && text.contains("Pak, Yong Su"),
        "{text}"
    );
    assert!(!text.contains("Ivanov"), "{text}");
    for file in ["notifications.csv", "notifications.json", "cover.pdf"] {
        assert!(
            page.html
                .contains(&format!("href=\"/notifications/dispatches/{id}/{file}\"")),
            "{file}: {}",
            page.html
        );
    }
    let (status, content_type, csv) = download(
        &registrar,
        &format!("/notifications/dispatches/{id}/notifications.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("notification,kind,article"), "{csv}");
    assert_eq!(csv.trim_end().lines().count() as u64, count + 1, "{csv}");
    assert!(csv.contains("Kim") && !csv.contains("Ivanov"), "{csv}");
    let (status, content_type, pdf) = download(
        &registrar,
        &format!("/notifications/dispatches/{id}/cover.pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));

    // Sent once: nothing of Korea's waits, and a second dispatch is refused above the form.
    let waiting = registrar
        .get("/notifications?power_of_origin=KP&state=pending")
        .await;
    assert!(waiting.text().contains("Notifications: 0"));
    let list = registrar.get("/notifications").await;
    let dispatches = section(&list, "dispatches", "</table>");
    assert!(dispatches.contains(&format!("href=\"/notifications/dispatches/{id}\"")));
    assert!(dispatches.contains("registrar-1"), "{dispatches}");
    let again = registrar
        .post(
            "/notifications/dispatches",
            &[("power_of_origin", "KP"), ("via", "")],
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    let alert = section(&again, "dispatch-refused", "</p>");
    assert!(
        alert.contains("no notification is pending for KP"),
        "{alert}"
    );
    // No power chosen: the API's field error next to the select.
    let missing = registrar
        .post(
            "/notifications/dispatches",
            &[("power_of_origin", ""), ("via", "the protecting power")],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.html.contains("id=\"f-dispatch-power-note\""),
        "{}",
        missing.html
    );
    assert_eq!(
        missing.input_value("via").as_deref(),
        Some("the protecting power")
    );
    assert_eq!(
        api(&registrar, "GET", "/api/notifications/dispatches", None).await["total"],
        1
    );
    // The list of the dispatch's notifications: all dispatched, each linking to it.
    let of_dispatch = registrar
        .get(&format!("/notifications?dispatch={id}"))
        .await;
    assert_eq!(rows(&of_dispatch).len() as u64, count);
    assert!(rows(&of_dispatch)
        .iter()
        .all(|r| r.contains(">Dispatched<")
            && r.contains(&format!("/notifications/dispatches/{id}"))));
    let _ = reg.ri;
}

async fn a_notification_is_corrected_by_a_new_one(app: &TestApp) {
    let officer = app.login_as("tracing-1", Role::TracingOfficer).await;
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    let kim = create(&registrar, "Kim", "Chol", "KP").await;
    let first = api(
        &officer,
        "GET",
        &format!("/api/notifications?captive={kim}&kind=capture"),
        None,
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = officer.get(&format!("/notifications/{first}")).await;
    page.assert_ok();
    assert!(
        page.text().contains("Capture · GC III Art. 122"),
        "{}",
        page.text()
    );
    assert!(page.html.contains(&format!("href=\"/captives/{kim}\"")));
    assert!(page
        .html
        .contains(&format!("action=\"/notifications/{first}/corrections\"")));

    // A correction says what it corrects: without a note it is refused next to the note.
    let refused = officer
        .post(
            &format!("/notifications/{first}/corrections"),
            &[("note", "  ")],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("id=\"f-note-note\""),
        "{}",
        refused.html
    );
    let done = officer
        .post(
            &format!("/notifications/{first}/corrections"),
            &[("note", "The date of birth is 1996-04-02, not 1996-02-04.")],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let location = done.location.unwrap();
    assert!(location.ends_with("?corrected=1"), "{location}");
    let correction = officer.get(&location).await;
    correction.assert_ok();
    let text = correction.text();
    assert!(text.contains("The correction is recorded"), "{text}");
    assert!(text.contains("1996-04-02, not 1996-02-04"), "{text}");
    let corrects = section(&correction, "corrects", "</dd>");
    assert!(
        corrects.contains(&format!("href=\"/notifications/{first}\"")),
        "{corrects}"
    );
    assert!(
        corrects.contains("Capture · 2025-03-09 06:30 UTC"),
        "{corrects}"
    );
    // It waits in the list, marked as correcting the first.
    let list = officer
        .get(&format!("/notifications?captive={kim}&kind=correction"))
        .await;
    let listed = rows(&list);
    assert_eq!(listed.len(), 1, "{}", list.html);
    assert!(listed[0].contains("Corrects") && listed[0].contains(">Pending<"));
    assert!(list.html.contains("id=\"only-captive\""));
    // The original is unchanged.
    let original = api(
        &officer,
        "GET",
        &format!("/api/notifications/{first}"),
        None,
    )
    .await;
    assert_eq!(original["note"], Value::Null);
}

async fn the_dashboard_shows_what_waits_and_pages_through_every_overdue_deadline(app: &TestApp) {
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    let reg = registry(&registrar).await;
    let stats = api(&registrar, "GET", "/api/dashboard", None).await;
    let home = registrar.get("/").await;
    home.assert_ok();

    // Notifications waiting, with links to the list's filters.
    let card = section(&home, "notifications", "</section>");
    assert!(
        card.contains("href=\"/notifications?state=pending\""),
        "{card}"
    );
    assert!(
        card.contains("href=\"/notifications?state=pending&amp;overdue=true\""),
        "{card}"
    );
    let pending = stats["notifications"]["pending"].as_u64().unwrap();
    let overdue = stats["notifications"]["overdue"].as_u64().unwrap();
    assert!(pending > 0 && overdue > 0, "{stats}");
    assert!(card.contains(&format!("data-testid=\"notifications-pending\">{pending}<")));
    assert!(card.contains(&format!("data-testid=\"notifications-overdue\">{overdue}<")));

    // Overdue deadlines name the card's occasion and lead to all of them.
    let deadlines = section(&home, "overdue", "</section>");
    assert!(
        deadlines.contains("Capture card: on capture"),
        "{deadlines}"
    );
    assert!(
        deadlines.contains("href=\"/dashboard/overdue\""),
        "{deadlines}"
    );

    // The death without its record (Art. 120) and the enquiry (Art. 121), linked.
    let deaths = section(&home, "deaths-incomplete", "</section>");
    assert!(
        deaths.contains(&format!("href=\"/captives/{}\"", reg.pak)),
        "{deaths}"
    );
    assert!(
        deaths.contains("Pak, Yong Su") && !deaths.contains("Ri,"),
        "{deaths}"
    );
    let enquiries = section(&home, "enquiries-open", "</section>");
    assert!(
        enquiries.contains(&format!("href=\"/captives/{}\"", reg.ri)),
        "{enquiries}"
    );

    // Every overdue deadline, fifty a page, filtered by kind.
    let total = stats["overdue_count"].as_u64().unwrap();
    assert!(total > 50, "{total}");
    let first = registrar.get("/dashboard/overdue").await;
    first.assert_ok();
    assert!(first.html.contains("<a href=\"/\" aria-current=\"page\">"));
    assert!(
        first.text().contains(&format!("Overdue: {total}")),
        "{}",
        first.text()
    );
    let listed = section(&first, "overdue-list", "</table>");
    assert_eq!(
        listed.matches("<tr>").count(),
        51,
        "a header and fifty rows"
    );
    assert!(listed.contains("Capture card: on capture"), "{listed}");
    assert!(unescape(&first.html).contains("href=\"/dashboard/overdue?offset=50\""));
    let second = registrar.get("/dashboard/overdue?offset=50").await;
    let listed = section(&second, "overdue-list", "</table>");
    // The most overdue first: the card of Kim's arrival at the camp comes after the
    // first health reports.
    assert!(
        listed.contains("Capture card: arrival at a camp"),
        "{listed}"
    );
    assert_eq!(
        listed.matches("<tr>").count() as u64,
        (total - 50).min(50) + 1
    );
    assert!(unescape(&second.html).contains("href=\"/dashboard/overdue?offset=0\""));
    let health = registrar.get("/dashboard/overdue?kind=health_report").await;
    let listed = section(&health, "overdue-list", "</table>");
    assert!(listed.contains("Weekly health report") && !listed.contains("Capture card"));
    assert!(health
        .html
        .contains("<option value=\"health_report\" selected>"));
    let refused = registrar
        .get("/dashboard/overdue?offset=-3")
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("offset"), "{}", refused.html);
}

async fn the_icrc_delegate_reads_only_what_was_sent(app: &TestApp) {
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    let reg = registry(&registrar).await;
    let dispatch = api(
        &registrar,
        "POST",
        "/api/notifications/dispatches",
        Some(json!({ "power_of_origin": "KP" })),
    )
    .await;
    let id = dispatch["id"].as_str().unwrap();
    let delegate = app.login_as("delegate-1", Role::IcrcDelegate).await;

    let list = delegate.get("/notifications").await;
    list.assert_ok();
    assert!(list
        .html
        .contains("<a href=\"/notifications\" aria-current=\"page\">"));
    assert!(
        !list.html.contains("action=\"/notifications/dispatches\""),
        "no dispatch form: {}",
        list.html
    );
    assert!(!list.html.contains("<option value=\"pending\""));
    assert!(!list.html.contains("name=\"overdue\""));
    let shown = rows(&list);
    assert_eq!(shown.len() as u64, dispatch["count"].as_u64().unwrap());
    assert!(shown.iter().all(|r| r.contains(">Dispatched<")));
    assert!(
        !list.html.contains(&reg.russians[0]),
        "nothing pending is shown"
    );
    let pending = delegate.get("/notifications?state=pending").await;
    assert!(pending.text().contains("Notifications: 0"));
    assert!(section(&list, "dispatches", "</table>").contains(id));

    // The dispatch and its documents; no correction, no dispatch.
    let page = delegate
        .get(&format!("/notifications/dispatches/{id}"))
        .await;
    page.assert_ok();
    assert!(page.text().contains("Kim, Chol"));
    let (status, content_type, _) = download(
        &delegate,
        &format!("/notifications/dispatches/{id}/notifications.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    let one = shown[0]
        .split("href=\"/notifications/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let notification = delegate.get(&format!("/notifications/{one}")).await;
    notification.assert_ok();
    assert!(!notification.html.contains("/corrections\""));
    delegate
        .post(
            &format!("/notifications/{one}/corrections"),
            &[("note", "a note")],
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    delegate
        .post("/notifications/dispatches", &[("power_of_origin", "RU")])
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // A pending notification is not his to read.
    let waiting = api(
        &registrar,
        "GET",
        "/api/notifications?state=pending&power_of_origin=RU&limit=1",
        None,
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    delegate
        .get(&format!("/notifications/{waiting}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // The dashboard counts nothing waiting for him.
    let home = delegate.get("/").await;
    home.assert_ok();
    assert!(!home.html.contains("id=\"notifications\""));
    assert!(home.html.contains("id=\"deaths-incomplete\""));
}

async fn roles_without_notifications_are_refused(app: &TestApp) {
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    create(&registrar, "Kim", "Chol", "KP").await;
    let dispatch = api(
        &registrar,
        "POST",
        "/api/notifications/dispatches",
        Some(json!({ "power_of_origin": "KP" })),
    )
    .await;
    let id = dispatch["id"].as_str().unwrap();
    let one = api(&registrar, "GET", "/api/notifications?limit=1", None).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pages = [
        "/notifications".to_string(),
        format!("/notifications/{one}"),
        format!("/notifications/dispatches/{id}"),
        format!("/notifications/dispatches/{id}/notifications.csv"),
        format!("/notifications/dispatches/{id}/cover.pdf"),
    ];
    for (i, role) in [
        Role::Negotiator,
        Role::Journalist,
        Role::MediaOfficer,
        Role::Auditor,
        Role::Medical,
        Role::Investigator,
    ]
    .into_iter()
    .enumerate()
    {
        let browser = app.login_as(&format!("reader-{i}"), role).await;
        let home = browser.get("/password").await;
        assert!(
            !home.html.contains("href=\"/notifications\""),
            "{role}: {}",
            home.html
        );
        for path in &pages {
            browser.get(path).await.expect_status(StatusCode::FORBIDDEN);
        }
        browser
            .post("/notifications/dispatches", &[("power_of_origin", "KP")])
            .await
            .expect_status(StatusCode::FORBIDDEN);
        browser
            .post(
                &format!("/notifications/{one}/corrections"),
                &[("note", "x")],
            )
            .await
            .expect_status(StatusCode::FORBIDDEN);
    }
    // Without a session: to the login page, and back after.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/notifications", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()["location"],
        "/login?next=/notifications"
    );
}

/// Nonsense in every address and form: an answer that says what is wrong, never a server
/// error.
async fn no_bad_notification_address_or_form_is_a_server_error(app: &TestApp) {
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    create(&registrar, "Kim", "Chol", "KP").await;
    let zero = "00000000-0000-0000-0000-000000000000";
    let long = "x".repeat(5000);
    for (path, status) in [
        ("/notifications/nonsense".to_string(), StatusCode::NOT_FOUND),
        (format!("/notifications/{zero}"), StatusCode::NOT_FOUND),
        (
            "/notifications/dispatches/nonsense".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/notifications/dispatches/{zero}"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/notifications/dispatches/{zero}/cover.pdf"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/notifications/dispatches/{zero}/evil.exe"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/notifications?after=garbage".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/notifications?kind=parcel".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/notifications?state=lost".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/notifications?power_of_origin=%00%01".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/notifications?captive=someone".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/notifications?overdue=maybe".into(), StatusCode::OK),
        (
            "/dashboard/overdue?kind=parcel".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/dashboard/overdue?offset={long}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/dashboard/overdue?offset=99999999".into(), StatusCode::OK),
    ] {
        let page = registrar.get(&path).await;
        assert_eq!(page.status, status, "{path}: {}", page.html);
        assert!(
            page.html.contains("<html"),
            "{path}: a page, not a bare error"
        );
    }
    for fields in [
        vec![("power_of_origin", "KP"), ("via", long.as_str())],
        vec![("power_of_origin", "not a party code at all")],
        vec![("power_of_origin", "ZZ")],
        vec![],
    ] {
        let page = registrar.post("/notifications/dispatches", &fields).await;
        assert!(
            page.status.is_client_error(),
            "{fields:?}: {} {}",
            page.status,
            page.html
        );
    }
    let one = api(&registrar, "GET", "/api/notifications?limit=1", None).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for fields in [vec![("note", "y".repeat(3000))], vec![]] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = registrar
            .post(&format!("/notifications/{one}/corrections"), &fields)
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.html.contains("id=\"f-note-note\""), "{}", page.html);
    }
    registrar
        .post(
            &format!("/notifications/{zero}/corrections"),
            &[("note", "a note")],
        )
        .await
        .expect_status(StatusCode::NOT_FOUND);
}
