//! The tracing, match review and list import pages over HTTP, as a browser uses them.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::{Browser, Page, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Calls the JSON API with the browser's session (and its CSRF token), to set up data
/// and to check what a page did.
async fn api(
    browser: &Browser,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let answer = browser.api(method, path, body.as_ref()).await;
    (answer.status, answer.body)
}

/// The page's HTML with the entities the templates escape (`/`, `&`, quotes) decoded.
fn decoded(page: &Page) -> String {
    page.html
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn held(family: &str, given: &str, born: &str) -> Value {
    json!({
        "power_of_origin": "RU",
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": born,
            "confidence": 0.9
        }]
    })
}

async fn create_captive(admin: &Browser, body: Value) -> String {
    let (status, created) = api(admin, "POST", "/api/captives", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_string()
}

/// The form's fields for a request, with `changes` applied.
fn request_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("family_name", "Shevchenko"),
        ("given_name", "Aleksandr"),
        ("patronymic", ""),
        ("date_of_birth", "1998-04-12"),
        ("unit", ""),
        ("last_seen_place", "Border region"),
        ("last_seen_on", "2025-01"),
        ("inquirer_name", "Shevchenko Maria"),
        ("inquirer_relation", "mother"),
        ("inquirer_contact", "+000 111 222"),
        ("consent_to_matching:bool", "false"),
        ("consent_to_matching:bool", "true"),
    ];
    for (name, value) in changes {
        for field in fields.iter_mut().filter(|(n, _)| n == name) {
            field.1 = value;
        }
    }
    fields
}

/// The request id a form's redirect points to.
fn request_id(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/tracing/"))
        .unwrap_or_else(|| panic!("{:?}", page.location))
        .to_string()
}

async fn a_request_is_recorded_through_the_form_and_shown_as_each_role_may_see_it(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let captive = create_captive(&admin, held("Шевченко", "Олександр", "1998-04-12")).await;
    let tracer = app.login_as("tracer-1", Role::TracingOfficer).await;

    let form = tracer.get("/tracing/new").await;
    form.assert_ok();
    assert!(form.html.contains("autofocus"), "{}", form.html);
    assert!(form.html.contains("action=\"/tracing/new\""));
    assert!(
        !form.html.contains("checked"),
        "consent is not given in advance"
    );

    // A date of birth that is no date: the API's error next to the field, input kept.
    let refused = tracer
        .post(
            "/tracing/new",
            &request_form(&[("date_of_birth", "1998-13")]),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let note = refused
        .html
        .find("id=\"f-date_of_birth-note\"")
        .expect("an error next to the date of birth");
    assert!(
        refused.html[..note].ends_with("<p class=\"error\" "),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("aria-invalid=\"true\""));
    assert_eq!(
        refused.input_value("date_of_birth").as_deref(),
        Some("1998-13")
    );
    assert_eq!(
        refused.input_value("family_name").as_deref(),
        Some("Shevchenko")
    );
    assert_eq!(
        refused.input_value("inquirer_contact").as_deref(),
        Some("+000 111 222")
    );
    let (_, all) = api(&tracer, "GET", "/api/tracing/requests", None).await;
    assert_eq!(all["total"], 0, "nothing recorded: {all}");

    let id = request_id(&tracer.post("/tracing/new", &request_form(&[])).await);
    let (status, stored) = api(&tracer, "GET", &format!("/api/tracing/requests/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["inquirer_relation"], "mother");
    assert_eq!(stored["last_seen_on"], "2025-01");
    assert_eq!(stored["consent_to_matching"], true);
    assert_eq!(
        stored["candidates"][0]["target_id"],
        captive.as_str(),
        "{stored}"
    );

    // The tracing officer sees the contact, the candidate and its evidence.
    let page = tracer.get(&format!("/tracing/{id}")).await;
    page.assert_ok();
    let text = page.text();
    assert!(text.contains("+000 111 222"), "{text}");
    assert!(text.contains("Шевченко Олександр"), "{text}");
    assert!(text.contains("family name"), "{text}");
    assert!(decoded(&page).contains(&format!("href=\"/captives/{captive}\"")));

    // The ICRC delegate reads tracing but not the inquirer's contact, and has no forms.
    let delegate = app.login_as("icrc-1", Role::IcrcDelegate).await;
    let seen = delegate.get(&format!("/tracing/{id}")).await;
    seen.assert_ok();
    assert!(
        seen.text().contains("Shevchenko Aleksandr"),
        "{}",
        seen.html
    );
    assert!(!seen.html.contains("+000 111 222"), "{}", seen.html);
    assert!(!seen.html.contains("/answer\""));
    let in_ukrainian = delegate.get_uk(&format!("/tracing/{id}")).await;
    assert!(
        in_ukrainian.text().contains("Кандидати"),
        "{}",
        in_ukrainian.html
    );

    // The list, filtered by status.
    let list = delegate.get("/tracing").await;
    list.assert_ok();
    assert!(decoded(&list).contains(&format!("href=\"/tracing/{id}\"")));
    let closed = delegate.get("/tracing?status=closed").await;
    closed.assert_ok();
    assert!(!decoded(&closed).contains(&format!("href=\"/tracing/{id}\"")));
    let bad = delegate
        .get("/tracing?status=lost")
        .await
        .expect_status(StatusCode::OK);
    assert!(bad.text().contains("expected open"), "{}", bad.html);

    // Closing before an answer to the family is refused with the API's message.
    let refused = tracer
        .post(&format!("/tracing/{id}/close"), &[])
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(refused.html.contains("id=\"refused\""), "{}", refused.html);
    let (_, still) = api(&tracer, "GET", &format!("/api/tracing/requests/{id}"), None).await;
    assert_ne!(still["status"], "closed");
    tracer
        .post(
            &format!("/tracing/{id}/answer"),
            &[("text", "A candidate is being checked.")],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    tracer
        .post(&format!("/tracing/{id}/close"), &[])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let page = tracer.get(&format!("/tracing/{id}")).await;
    let text = page.text();
    assert!(text.contains("A candidate is being checked."), "{text}");
    assert!(
        page.html.contains("data-status=\"closed\""),
        "{}",
        page.html
    );
    assert!(text.contains("tracer-1"));
}

async fn a_proposed_match_is_confirmed_from_the_review_queue(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let captive = create_captive(&admin, held("Коваленко", "Николай", "1995-02-03")).await;
    let tracer = app.login_as("tracer-1", Role::TracingOfficer).await;
    let id = request_id(
        &tracer
            .post(
                "/tracing/new",
                &request_form(&[
                    ("family_name", "Kovalenko"),
                    ("given_name", "Mykola"),
                    ("date_of_birth", "1995-02-03"),
                ]),
            )
            .await,
    );
    let (_, request) = api(&tracer, "GET", &format!("/api/tracing/requests/{id}"), None).await;
    let link = request["candidates"][0].clone();
    assert_eq!(link["target_id"], captive.as_str(), "{request}");
    let link_id = link["id"].as_str().unwrap().to_string();
    if link["state"] == "linked" {
        // Linked automatically: back to review, where a person decides.
        let (status, _) = api(
            &tracer,
            "POST",
            &format!("/api/matches/{link_id}/decision"),
            Some(json!({ "decision": "undo" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    // The queue (review by default): both sides, the score and its evidence.
    let queue = tracer.get("/matches").await;
    queue.assert_ok();
    let at = queue
        .html
        .find(&format!("id=\"link-{link_id}\""))
        .unwrap_or_else(|| panic!("{}", queue.html));
    let item = &queue.html[at..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(item.contains("Kovalenko Mykola"), "{item}");
    assert!(item.contains("Коваленко Николай"), "{item}");
    assert!(item.contains("family name"), "{item}");
    assert!(
        item.contains("<button type=\"submit\" name=\"decision\" value=\"confirm\""),
        "{item}"
    );
    assert!(decoded(&queue).contains("name=\"back\" value=\"/matches?state=review\""));

    let confirmed = decide(&tracer, &link_id, "confirm", "/matches?state=review")
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(confirmed.location.as_deref(), Some("/matches?state=review"));
    let (_, links) = api(&tracer, "GET", "/api/matches?state=confirmed", None).await;
    let found = links["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == link_id.as_str())
        .unwrap_or_else(|| panic!("{links}"));
    assert_eq!(found["decided_by"], "tracer-1");
    assert!(!tracer
        .get("/matches")
        .await
        .html
        .contains(&format!("link-{link_id}")));
    let done = tracer.get("/matches?state=confirmed").await;
    assert!(
        done.html.contains(&format!("link-{link_id}")),
        "{}",
        done.html
    );
    let (_, request) = api(&tracer, "GET", &format!("/api/tracing/requests/{id}"), None).await;
    assert_eq!(request["status"], "confirmed");

    // Confirming twice: the API's refusal on the queue it came from, not an error page.
    let twice = decide(&tracer, &link_id, "confirm", "/matches?state=confirmed")
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(twice.html.contains("id=\"refused\""));
    assert!(
        twice.html.contains(&format!("link-{link_id}")),
        "the confirmed filter is kept"
    );

    // Undo from the request's page comes back to it.
    let undone = decide(&tracer, &link_id, "undo", &format!("/tracing/{id}")).await;
    assert_eq!(
        undone.location.as_deref(),
        Some(format!("/tracing/{id}").as_str())
    );
    let (_, request) = api(&tracer, "GET", &format!("/api/tracing/requests/{id}"), None).await;
    assert_eq!(request["status"], "candidates_found", "{request}");

    // A registrar reviews matches but may not read tracing requests: that side is withheld.
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    let queue = registrar.get("/matches").await;
    queue.assert_ok();
    assert!(queue.html.contains(&format!("link-{link_id}")));
    assert!(!queue.html.contains("Kovalenko Mykola"), "{}", queue.html);
    assert!(queue.html.contains("Коваленко Николай"));
}

/// Polls a job page until the import is no longer running.
/// Decides on link `link_id` from the review form, which comes back to `back`.
async fn decide(browser: &Browser, link_id: &str, decision: &str, back: &str) -> Page {
    browser
        .post(
            &format!("/matches/{link_id}/decision"),
            &[("decision", decision), ("back", back)],
        )
        .await
}

async fn finished(browser: &Browser, path: &str) -> Page {
    for _ in 0..400 {
        let page = browser.get(path).await;
        page.assert_ok();
        if !page.html.contains("data-state=\"running\"") {
            assert!(!page.html.contains("hx-trigger"), "polling stops when done");
            return page;
        }
        assert!(
            page.html.contains("hx-trigger=\"every 1s\""),
            "{}",
            page.html
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import at {path} did not finish");
}

/// The upload form's fields after the CSRF token: the file, then the others.
fn upload(
    file_name: &str,
    csv: &str,
    fields: &[(&str, &str)],
) -> impl FnOnce(reqwest::multipart::Form) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
        .file_name(file_name.to_string())
        .mime_str("text/csv")
        .unwrap();
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |form| {
        let mut form = form.part("file", part);
        for (k, v) in fields {
            form = form.text(k, v);
        }
        form
    }
}

async fn a_list_is_uploaded_mapped_imported_and_reconciled(app: &TestApp) {
    // Uploads kept between preview and start are shared by the process.
    let _turn = repatria_testing::web_upload_turn().await;
    let admin = app.login_as("admin-1", Role::Admin).await;
    let captive = create_captive(&admin, held("Шевченко", "Олександр", "1998-04-12")).await;
    let tracer = app.login_as("tracer-1", Role::TracingOfficer).await;
    let sought = tracer
        .post(
            "/tracing/new",
            &request_form(&[
                ("family_name", "Kovalenko"),
                ("given_name", "Mykola"),
                ("date_of_birth", "1995-02-03"),
            ]),
        )
        .await;
    let request = request_id(&sought);

    // "Коли з'явився на світ" is no header the API knows: it proposes to ignore it.
    let list = "№,Прізвище,Ім'я,Коли з'явився на світ\n\
                1,Shevchenko,Oleksandr,1998-04-12\n\
                2,Коваленко,Николай,1995-02-03\n\
                3,Новенко,Степан,1980\n";
    let imports = tracer.get("/imports").await;
    imports.assert_ok();
    assert!(imports.html.contains("enctype=\"multipart/form-data\""));
    let preview = tracer
        .post_multipart(
            "/imports/preview",
            upload("list.csv", list, &[("as", "list"), ("source", "RU")]),
        )
        .await;
    preview.assert_ok();
    let selected = |page: &Page, column: usize| -> String {
        let at = page.html.find(&format!("name=\"field_{column}\"")).unwrap();
        let select = &page.html[at..];
        let select = &select[..select.find("</select>").unwrap()];
        let option = &select[..select.find("\" selected").expect("an option is selected")];
        option[option.rfind("value=\"").unwrap() + 7..].to_string()
    };
    assert_eq!(selected(&preview, 0), "external_id");
    assert_eq!(selected(&preview, 1), "family_name");
    assert_eq!(selected(&preview, 3), "ignore", "{}", preview.html);
    let upload_id = preview.input_value("upload").expect("the upload is kept");

    // The file is the uploader's: another account cannot start it.
    let other = app.login_as("tracer-2", Role::TracingOfficer).await;
    let foreign = other
        .post(
            "/imports/start",
            &[("upload", &upload_id), ("action", "start")],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        foreign.text().contains("upload it again"),
        "{}",
        foreign.html
    );

    let mapping = [
        ("upload", upload_id.as_str()),
        ("field_0", "external_id"),
        ("field_1", "family_name"),
        ("field_2", "given_name"),
        ("field_3", "date_of_birth"),
    ];
    let mut check = mapping.to_vec();
    check.push(("action", "preview"));
    let checked = tracer.post("/imports/start", &check).await;
    checked.assert_ok();
    assert_eq!(
        selected(&checked, 3),
        "date_of_birth",
        "the API took the correction"
    );
    let mut go = mapping.to_vec();
    go.push(("action", "start"));
    let started = tracer
        .post("/imports/start", &go)
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let job_path = started.location.clone().unwrap();
    assert!(job_path.starts_with("/imports/jobs/"), "{job_path}");
    let done = finished(&tracer, &job_path).await;
    assert!(done.html.contains("data-state=\"done\""), "{}", done.html);
    let report_path = {
        let at = done
            .html
            .find("href=\"/imports/")
            .expect("a link to the report");
        let rest = &done.html[at + 6..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    assert!(report_path.ends_with("/report"), "{report_path}");
    // Started: the kept file is forgotten.
    tracer
        .post("/imports/start", &go)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);

    let report = tracer.get(&report_path).await;
    report.assert_ok();
    for (category, count) in [
        ("captive", 1),
        ("tracing_request", 1),
        ("new", 1),
        ("ambiguous", 0),
    ] {
        assert!(
            report.html.contains(&format!(
                "data-category=\"{category}\"><div class=\"stat\">{count}</div>"
            )),
            "{category} {count}: {}",
            report.html
        );
    }
    let text = report.text();
    assert!(
        text.contains("captive we hold") && text.contains("open tracing request"),
        "{text}"
    );
    assert!(
        text.contains("1998-04-12"),
        "the date column was read: {text}"
    );
    assert!(decoded(&report).contains(&format!("href=\"/captives/{captive}\"")));
    assert!(decoded(&report).contains(&format!("href=\"/tracing/{request}\"")));
    assert!(report.html.contains("<svg"));
    let in_ukrainian = tracer.get_uk(&report_path).await;
    assert!(in_ukrainian.text().contains("Звіт про звірку"));

    // The CSV download, through the page's link.
    let csv_path = format!("{report_path}.csv");
    assert!(decoded(&report).contains(&format!("href=\"{csv_path}\"")));
    let response = reqwest::Client::new()
        .get(format!("{}{csv_path}", tracer.base))
        .header("cookie", &tracer.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"reconciliation-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = response.text().await.unwrap();
    assert!(
        body.starts_with("line,external_id,name,date_of_birth,category"),
        "{body}"
    );
    assert_eq!(body.lines().count(), 4, "{body}");

    // The imports' list links the report.
    let listed = tracer.get("/imports").await;
    assert!(decoded(&listed).contains(&format!("href=\"{report_path}\"")));

    // A list with bad rows: nothing imported, every rejected row named.
    let bad = "Прізвище,Ім'я,Дата народження\nШевченко,Олександр,1998-04-12\nКоваленко,Микола,1995-13-01\n";
    let preview = tracer
        .post_multipart(
            "/imports/preview",
            upload("bad.csv", bad, &[("as", "list")]),
        )
        .await;
    preview.assert_ok();
    let upload_id = preview.input_value("upload").unwrap();
    let started = tracer
        .post(
            "/imports/start",
            &[
                ("upload", upload_id.as_str()),
                ("field_0", "family_name"),
                ("field_1", "given_name"),
                ("field_2", "date_of_birth"),
                ("action", "start"),
            ],
        )
        .await;
    let failed = finished(&tracer, started.location.as_deref().unwrap()).await;
    assert!(
        failed.html.contains("data-state=\"failed\""),
        "{}",
        failed.html
    );
    assert!(
        failed.text().contains("line 3: date_of_birth:"),
        "{}",
        failed.text()
    );

    // A PFIF document names its own fields: no mapping to check, straight to the import.
    let pfif = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n\
        <pfif:person><pfif:person_record_id>example.org/1</pfif:person_record_id>\
        <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\
        <pfif:full_name>Petro Bondarenko</pfif:full_name></pfif:person>\n\
        </pfif:pfif>\n";
    let preview = tracer
        .post_multipart(
            "/imports/preview",
            upload("people.xml", pfif, &[("as", "list")]),
        )
        .await;
    preview.assert_ok();
    assert!(
        !preview.html.contains("name=\"field_0\""),
        "{}",
        preview.html
    );
    let upload_id = preview.input_value("upload").unwrap();
    let started = tracer
        .post(
            "/imports/start",
            &[("upload", upload_id.as_str()), ("action", "start")],
        )
        .await;
    let done = finished(&tracer, started.location.as_deref().unwrap()).await;
    assert!(done.html.contains("data-state=\"done\""), "{}", done.html);

    // A file the API cannot read: its message next to the file input.
    let unreadable = tracer
        .post_multipart(
            "/imports/preview",
            upload("list.xlsx", "not a workbook", &[("as", "list")]),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreadable
            .html
            .contains("<p class=\"error\" id=\"f-file-note\">"),
        "{}",
        unreadable.html
    );
}

async fn roles_without_the_permission_get_the_forbidden_page(app: &TestApp) {
    // Uploads kept between preview and start are shared by the process.
    let _turn = repatria_testing::web_upload_turn().await;
    let admin = app.login_as("admin-1", Role::Admin).await;
    let (_, request) = api(
        &admin,
        "POST",
        "/api/tracing/requests",
        Some(json!({
            "family_name": "Petrenko", "inquirer_name": "I", "inquirer_relation": "wife",
            "inquirer_contact": "+000", "consent_to_matching": false
        })),
    )
    .await;
    let request = request["id"].as_str().unwrap().to_string();
    let preview = admin
        .post_multipart(
            "/imports/preview",
            upload("l.csv", "Прізвище\nPetrenko\n", &[("as", "list")]),
        )
        .await;
    preview.assert_ok();
    let started = admin
        .post(
            "/imports/start",
            &[
                ("upload", &preview.input_value("upload").unwrap()),
                ("field_0", "family_name"),
                ("action", "start"),
            ],
        )
        .await;
    let job = started.location.clone().unwrap();
    let done = finished(&admin, &job).await;
    let at = done.html.find("/report\"").unwrap();
    let report = done.html[done.html[..at].rfind('"').unwrap() + 1..at + 7].to_string();
    assert!(report.starts_with("/imports/"), "{report}");

    let forbidden = |page: &Page, what: &str| {
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.html);
        assert!(
            page.text().contains("Not permitted"),
            "{what}: {}",
            page.html
        );
    };
    let medical = app.login_as("med-1", Role::Medical).await;
    for path in [
        "/tracing".to_string(),
        "/tracing/new".into(),
        format!("/tracing/{request}"),
        "/matches".into(),
        "/imports".into(),
        job.clone(),
        report.clone(),
        format!("{report}.csv"),
    ] {
        forbidden(&medical.get(&path).await, &path);
    }
    forbidden(
        &medical.post("/tracing/new", &request_form(&[])).await,
        "POST /tracing/new",
    );
    forbidden(
        &medical
            .post_multipart("/imports/preview", upload("l.csv", "Прізвище\nX\n", &[]))
            .await,
        "POST /imports/preview",
    );
    // Each permission on its own: the delegate reads tracing but records nothing,
    // reviews no match and imports no list; the registrar reads no tracing request.
    let delegate = app.login_as("icrc-1", Role::IcrcDelegate).await;
    for path in ["/tracing/new", "/matches", "/imports"] {
        forbidden(&delegate.get(path).await, path);
    }
    forbidden(
        &delegate
            .post(&format!("/tracing/{request}/answer"), &[("text", "x")])
            .await,
        "answer",
    );
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    forbidden(&registrar.get("/tracing").await, "/tracing");
    forbidden(
        &registrar.get(&format!("/tracing/{request}")).await,
        "request",
    );
    registrar.get("/imports").await.assert_ok();
}

both_backends!(
    setup = TestApp::web;
    a_request_is_recorded_through_the_form_and_shown_as_each_role_may_see_it,
    a_proposed_match_is_confirmed_from_the_review_queue,
    a_list_is_uploaded_mapped_imported_and_reconciled,
    roles_without_the_permission_get_the_forbidden_page,
    the_registry_is_downloaded_as_pfif_from_the_tracing_page,
);

async fn the_registry_is_downloaded_as_pfif_from_the_tracing_page(app: &TestApp) {
    // The web app comes with its parties.
    let admin = app.login_as("admin-1", Role::Admin).await;
    admin
        .api(
            "POST",
            "/api/captives",
            Some(&serde_json::json!({
                "power_of_origin": "RU", "detaining_power": "UA",
                "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
                "identity_claims": [{ "source": "document_found", "family_name": "Сергеев", "given_name": "Павел" }]
            })),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let tracer = app.login_as("tracer-1", Role::TracingOfficer).await;
    let list = tracer.get("/tracing").await.assert_ok().html.clone();
    assert!(
        list.contains("href=\"/tracing/registry.pfif.xml\""),
        "the tracing page offers the export: {list}"
    );
    let xml = tracer.get("/tracing/registry.pfif.xml").await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(
        xml.html
            .contains("<pfif:family_name>Сергеев</pfif:family_name>"),
        "{}",
        xml.html
    );
    // A registrar's work is not tracing: the API's refusal, as a page.
    let registrar = app.login_as("registrar-1", Role::Registrar).await;
    registrar
        .get("/tracing/registry.pfif.xml")
        .await
        .expect_status(StatusCode::FORBIDDEN);
}
