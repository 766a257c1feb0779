//! `GET /metrics`: Prometheus's text format, without an account; requests counted under
//! their route's template, never their path; the import jobs as the database holds them,
//! the same from every server; the matching index's contents and refreshes; no name,
//! id or query text anywhere in it.

use std::collections::BTreeMap;

use repatria_store::testing::both_backends;
use repatria_testing::TestApp;
use reqwest::StatusCode;
use serde_json::json;

/// The figures of the server at `base`, read without an account, as Prometheus does.
async fn scrape(client: &reqwest::Client, base: &str) -> String {
    let answer = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["content-type"],
        "text/plain; version=0.0.4",
        "Prometheus's text format"
    );
    answer.text().await.unwrap()
}

/// The samples of a scrape: (name, labels) → value. Parses the text format strictly
/// enough that a malformed line fails the test.
fn samples(text: &str) -> BTreeMap<(String, BTreeMap<String, String>), f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("not a value: {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let rest = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line:?}"));
                let mut labels = BTreeMap::new();
                let mut chars = rest.chars().peekable();
                while chars.peek().is_some() {
                    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert_eq!(chars.next(), Some('"'), "{line:?}");
                    let mut value = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => value.push(chars.next().unwrap()),
                            '"' => break,
                            c => value.push(c),
                        }
                    }
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                    labels.insert(key, value);
                }
                (name.to_string(), labels)
            }
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line:?}"
        );
        samples.insert((name, labels), value);
    }
    samples
}

/// The value of `name` with exactly `labels`, 0 when there is no such series.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples(text)
        .get(&(name.to_string(), labels))
        .copied()
        .unwrap_or(0.0)
}

/// The value of a series that must be there.
#[track_caller]
fn present(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    *samples(text)
        .get(&(name.to_string(), key))
        .unwrap_or_else(|| panic!("{name} {labels:?} missing from:\n{text}"))
}

/// A captive with one claim per name given.
fn captive(names: &[(&str, &str)]) -> serde_json::Value {
    let claims: Vec<_> = names
        .iter()
        .map(|(family, given)| {
            json!({ "source": "document_found", "family_name": family, "given_name": given,
                    "date_of_birth": "1990-01-01" })
        })
        .collect();
    json!({
        "power_of_origin": "RU", "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
        "identity_claims": claims
    })
}

async fn requests_are_counted_under_their_route_template_never_their_path(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive(&[("Квертюк", "Лазар")])).await;
    let unknown = "00000000-0000-7000-8000-00000000abcd";
    let before = scrape(&app.client, &app.base).await;
    let route = "/api/captives/{id}";
    for _ in 0..2 {
        app.get(&format!("/api/captives/{id}"))
            .await
            .expect_status(StatusCode::OK);
    }
    app.get(&format!("/api/captives/{unknown}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.anonymous("GET", &format!("/api/captives/{id}"), None)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let found = app
        .get("/api/captives?q=Kvertiuk+Lazar")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(found.body["items"][0]["id"], id.as_str());
    app.get("/no/such/page/Kvertiuk")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // A method HTTP allows but nobody uses is one label, not one per invention.
    let odd = app
        .client
        .request(
            reqwest::Method::from_bytes(b"KVERTIUK").unwrap(),
            format!("{}/api/captives/{id}", app.base),
        )
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), StatusCode::METHOD_NOT_ALLOWED);
    let after = scrape(&app.client, &app.base).await;

    let count = |text: &str, method: &str, route: &str, status: &str| {
        value(
            text,
            "repatria_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    let grew = |method: &str, route: &str, status: &str| {
        count(&after, method, route, status) - count(&before, method, route, status)
    };
    assert_eq!(grew("GET", route, "200"), 2.0, "{after}");
    assert_eq!(grew("GET", route, "404"), 1.0);
    assert_eq!(grew("GET", route, "401"), 1.0);
    assert_eq!(grew("GET", "/api/captives", "200"), 1.0);
    assert_eq!(grew("GET", "unmatched", "404"), 1.0);
    assert_eq!(grew("other", route, "405"), 1.0);
    let timed = |text: &str| {
        value(
            text,
            "repatria_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", route)],
        )
    };
    assert_eq!(
        timed(&after) - timed(&before),
        4.0,
        "every GET of the route timed"
    );
    assert_eq!(
        present(
            &after,
            "repatria_http_request_duration_seconds_bucket",
            &[("method", "GET"), ("route", route), ("le", "+Inf")]
        ),
        timed(&after)
    );
    // The scrape itself is being answered while the figures are read.
    assert!(present(&after, "repatria_http_requests_in_flight", &[]) >= 1.0);
    assert_eq!(
        present(
            &after,
            "repatria_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // No name in any script, no id, no path or query text.
    let lower = after.to_lowercase();
    for secret in [
        "квертюк",
        "лазар",
        "kvertiuk",
        "lazar",
        id.as_str(),
        unknown,
        "/no/such",
    ] {
        assert!(!lower.contains(secret), "{secret} in the figures:\n{after}");
    }
    // Every series is one of ours, and each route label is a template the router knows.
    let doc = app.get("/api/openapi.json").await.body;
    let paths = doc["paths"].as_object().unwrap();
    for ((name, labels), _) in samples(&after) {
        assert!(name.starts_with("repatria_"), "{name}");
        if let Some(route) = labels.get("route") {
            assert!(
                route == "unmatched" || paths.contains_key(route) || !route.starts_with("/api"),
                "{route} is not a template of the API"
            );
        }
    }
}

/// `/metrics` is in the OpenAPI document with its text answer and no security, as is
/// `/healthz`; neither needs an account.
async fn metrics_and_health_are_documented_and_public(app: &TestApp) {
    let doc = app.get("/api/openapi.json").await.body;
    for (path, media) in [
        ("/metrics", "text/plain; version=0.0.4"),
        ("/healthz", "text/plain; charset=utf-8"),
    ] {
        let operation = &doc["paths"][path]["get"];
        assert!(
            operation["responses"]["200"]["content"][media].is_object(),
            "{path}: {operation}"
        );
        assert_eq!(
            operation["security"],
            json!([{}]),
            "{path} needs no account"
        );
        assert_eq!(operation["tags"], json!(["operations"]));
        app.anonymous("GET", path, None)
            .await
            .expect_status(StatusCode::OK);
    }
}

/// The import jobs are the database's, the same through every server; a job whose
/// server stopped is failed (and lost), as the API answers it.
async fn job_figures_are_the_database_s_the_same_from_every_server(app: &TestApp) {
    app.with_parties().await;
    let jobs = |text: &str| {
        ["running", "done", "failed"]
            .map(|state| present(text, "repatria_import_jobs", &[("state", state)]))
    };
    let first = scrape(&app.client, &app.base).await;
    assert_eq!(jobs(&first), [0.0, 0.0, 0.0]);
    assert_eq!(present(&first, "repatria_database_up", &[]), 1.0);

    // Jobs another server wrote: one running (its heartbeat now), one done, one left
    // running by a server that stopped a minute ago.
    let view = |id: &str, state: &str| {
        json!({ "id": id, "started_by": "admin-1", "state": state, "rows_done": 1, "rows_total": 2,
                "import": null, "error": null, "rejected_rows": [] })
        .to_string()
    };
    let now = chrono::Utc::now();
    for (id, state, at) in [
        ("job-running", "running", now),
        ("job-done", "done", now),
        ("job-lost", "running", now - chrono::Duration::minutes(1)),
    ] {
        app.store
            .put_job(id, "admin-1", state, &view(id, state), at)
            .await
            .unwrap();
    }
    let second = app.second_server().await;
    for base in [&app.base, &second] {
        let text = scrape(&app.client, base).await;
        assert_eq!(jobs(&text), [1.0, 1.0, 1.0], "{base}");
        assert_eq!(present(&text, "repatria_import_jobs_lost", &[]), 1.0);
        assert_eq!(
            present(&text, "repatria_audit_head", &[]),
            app.store.audit_head().await.unwrap() as f64
        );
    }
    assert_eq!(
        app.get("/api/imports/jobs/job-lost")
            .await
            .expect_status(StatusCode::OK)
            .body["state"],
        "failed",
        "the API answers the lost job as the figures count it"
    );

    // An import this server runs: done when it has finished.
    let started = app
        .client
        .post(format!(
            "{}/api/imports?file_name=metrics.csv&source=RU",
            app.base
        ))
        .bearer_auth(app.token.as_deref().unwrap())
        .body("family_name,given_name,date_of_birth\nПетренко,Іван,1990-01-01\n")
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let job = started.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.finished_job(&job).await["state"], "done");
    // The running job's server says it is alive still (however long the import took).
    app.store
        .put_job(
            "job-running",
            "admin-1",
            "running",
            &view("job-running", "running"),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let text = scrape(&app.client, &second).await;
    assert_eq!(jobs(&text), [1.0, 2.0, 1.0]);
    assert_eq!(
        present(&text, "repatria_work_running", &[("kind", "import")]),
        0.0,
        "the finished import holds no place"
    );
}

/// The index's figures are this server's: what it holds, the audit event it has read up
/// to, its build and one update per change it read from another server's writes.
async fn index_figures_follow_the_index(app: &TestApp) {
    app.with_parties().await;
    let second = app.second_server().await;
    let token = app.token.clone().unwrap();
    let search = |base: &str| {
        let request = app
            .client
            .get(format!("{base}/api/captives?q=Petrenko"))
            .bearer_auth(&token);
        async move {
            let answer = request.send().await.unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
        }
    };
    let index = |text: &str| {
        [
            "repatria_match_index_built",
            "repatria_match_index_captives",
            "repatria_match_index_claims",
            "repatria_match_index_tracing_requests",
        ]
        .map(|name| present(text, name, &[]))
    };
    let refreshes = |text: &str, kind: &str| {
        (
            present(
                text,
                "repatria_match_index_refreshes_total",
                &[("kind", kind)],
            ),
            value(
                text,
                "repatria_match_index_refresh_duration_seconds_count",
                &[("kind", kind)],
            ),
        )
    };
    // Registered through the first server: its index is built for the change.
    app.create_captive(captive(&[("Петренко", "Іван"), ("Petrenko", "Ivan")]))
        .await;
    let text = scrape(&app.client, &app.base).await;
    assert_eq!(index(&text), [1.0, 1.0, 2.0, 0.0]);
    assert_eq!(refreshes(&text, "build"), (1.0, 1.0));

    // The second server has not built its index yet.
    let text = scrape(&app.client, &second).await;
    assert_eq!(index(&text), [0.0, 0.0, 0.0, 0.0]);
    assert_eq!(refreshes(&text, "build"), (0.0, 0.0));
    let head = app.store.audit_head().await.unwrap();
    search(&second).await;
    let text = scrape(&app.client, &second).await;
    assert_eq!(index(&text), [1.0, 1.0, 2.0, 0.0]);
    assert_eq!(refreshes(&text, "build"), (1.0, 1.0));
    assert_eq!(refreshes(&text, "update"), (0.0, 0.0));
    assert_eq!(
        present(&text, "repatria_match_index_audit_seq", &[]),
        head as f64,
        "built from the database as it stood"
    );

    // A captive and a tracing request recorded through the first server reach the
    // second's index in one update, at its next search.
    app.create_captive(captive(&[("Коваленко", "Микола")]))
        .await;
    app.post(
        "/api/tracing/requests",
        json!({ "family_name": "Бондар", "given_name": "Олена", "date_of_birth": "1990-01-01",
                "inquirer_name": "Inquirer", "inquirer_relation": "mother",
                "inquirer_contact": "contact", "consent_to_matching": true }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let head = app.store.audit_head().await.unwrap();
    search(&second).await;
    let text = scrape(&app.client, &second).await;
    assert_eq!(index(&text), [1.0, 2.0, 3.0, 1.0]);
    assert_eq!(refreshes(&text, "update"), (1.0, 1.0));
    assert_eq!(
        present(&text, "repatria_match_index_audit_seq", &[]),
        head as f64
    );
}

both_backends!(
    setup = TestApp::api;
    requests_are_counted_under_their_route_template_never_their_path,
    metrics_and_health_are_documented_and_public,
    job_figures_are_the_database_s_the_same_from_every_server,
    index_figures_follow_the_index,
);
