//! Every list of the API answers one shape, `{"items", "total", "next"}`, and takes
//! `limit` (1 to 500, 50 by default) and `cursor` (the `next` of the page before): each
//! list is walked a few items a page at a time, on SQLite and PostgreSQL, and must give
//! every item once, in its order, with the right total; a bad `limit` is 422 and a `cursor` of no position 404
//! naming it.

use std::collections::HashSet;

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_store::Backend;
use repatria_testing::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn spawn_app(backend: Backend) -> Option<TestApp> {
    TestApp::api(backend).await
}

both_backends!(
    setup = spawn_app;
    every_list_answers_one_shape_and_documents_limit_and_cursor,
    the_registry_and_account_lists_are_walked_a_page_at_a_time,
    the_tracing_lists_are_walked_a_page_at_a_time,
    the_exchange_and_notification_lists_are_walked_a_page_at_a_time,
    links_of_equal_score_are_paged_by_id_without_loss_or_repeat,
    a_list_walked_while_it_grows_loses_and_repeats_nothing,
);

/// A captive of `origin` held by Ukraine.
fn held(family: &str, given: &str, origin: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": "1998-04-12"
        }]
    })
}

/// A family's enquiry after Shevchenko Oleksandr, told apart by its contact.
fn enquiry(contact: &str) -> Value {
    json!({
        "family_name": "Shevchenko",
        "given_name": "Aleksandr",
        "date_of_birth": "1998-04-12",
        "inquirer_name": "Inquirer",
        "inquirer_relation": "mother",
        "inquirer_contact": contact,
        "consent_to_matching": true
    })
}

/// `path` walked `limit` items a page at a time (as `token`, or the admin): `total`
/// items (more than a page), each once by its `key`, and bad paging refused. The items,
/// in the list's order.
async fn walked(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    limit: u32,
    key: &str,
    total: usize,
) -> Vec<Value> {
    assert!(total > limit as usize, "{path}: more items than a page");
    let items = match token {
        Some(token) => app.walk_as(token, path, limit).await,
        None => app.walk(path, limit).await,
    };
    assert_eq!(items.len(), total, "{path}: {items:?}");
    let keys: HashSet<String> = items.iter().map(|i| i[key].to_string()).collect();
    assert_eq!(keys.len(), total, "{path}: an item came twice: {items:?}");
    assert!(!keys.contains("null"), "{path}: items have a {key}");
    refuses_bad_paging(app, token, path).await;
    items
}

/// A `limit` outside 1 to 500 or not a number is 422 naming it; a `cursor` that is no
/// position of the list names no page: 404 naming it.
async fn refuses_bad_paging(app: &TestApp, token: Option<&str>, path: &str) {
    let join = if path.contains('?') { '&' } else { '?' };
    let long = "9".repeat(300);
    let bad = [
        ("limit=0".to_string(), "limit"),
        ("limit=501".to_string(), "limit"),
        ("limit=ten".to_string(), "limit"),
        ("limit=-1".to_string(), "limit"),
        ("cursor=%01".to_string(), "cursor"),
        (format!("cursor=a{long}"), "cursor"),
    ];
    for (query, field) in bad {
        let path = format!("{path}{join}{query}");
        let answer = app
            .request("GET", &path, None, token.or(app.token.as_deref()))
            .await;
        let expected = if field == "cursor" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(answer.status, expected, "{path}: {}", answer.body);
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{path}: {field} is named: {}",
            answer.body
        );
    }
}

/// A cursor of another kind of list (a time and an id given to a list by number, and
/// so on) is no position in this one.
async fn refuses_a_cursor_of_another_list(app: &TestApp, path: &str, cursor: &str) {
    let join = if path.contains('?') { '&' } else { '?' };
    let answer = app.get(&format!("{path}{join}cursor={cursor}")).await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "{path}: {}",
        answer.body
    );
    assert!(answer.body["error"]["fields"]["cursor"].is_string());
}

fn texts<'a>(items: &'a [Value], field: &str) -> Vec<&'a str> {
    items.iter().map(|i| i[field].as_str().unwrap()).collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort();
    v
}

async fn every_list_answers_one_shape_and_documents_limit_and_cursor(app: &TestApp) {
    let doc = app
        .get("/api/openapi.json")
        .await
        .expect_status(StatusCode::OK)
        .body;
    let schemas = &doc["components"]["schemas"];
    let mut lists = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let Some(get) = operations.get("get") else {
            continue;
        };
        let content = &get["responses"]["200"]["content"];
        // A document offered in several formats (a dispatch's rows as CSV or JSON) is a
        // file, not a list.
        if content.as_object().is_some_and(|c| c.len() > 1) {
            continue;
        }
        let answer = &content["application/json"]["schema"];
        // No list answers a bare array.
        assert_ne!(answer["type"], "array", "GET {path} answers an array");
        let Some(name) = answer["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            continue;
        };
        let schema = &schemas[name];
        let properties = &schema["properties"];
        if !properties["items"].is_object() || !properties["next"].is_object() {
            continue;
        }
        lists.push(path.clone());
        assert!(
            name.starts_with("ListPage_"),
            "{path}: one shape for all: {name}"
        );
        assert_eq!(properties["items"]["type"], "array", "{path}: {schema}");
        assert!(properties["total"].is_object(), "{path}: {schema}");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(sorted(required), ["items", "total"], "{path}: {schema}");
        let parameter = |name: &str| {
            get["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == name && p["in"] == "query")
                .unwrap_or_else(|| panic!("GET {path} takes no {name}: {get}"))
                .clone()
        };
        let limit = parameter("limit");
        assert_eq!(limit["schema"]["minimum"], 1, "{path}: {limit}");
        assert_eq!(limit["schema"]["maximum"], 500, "{path}: {limit}");
        assert_eq!(limit["schema"]["default"], 50, "{path}: {limit}");
        let cursor = parameter("cursor");
        assert!(
            cursor["description"]
                .as_str()
                .is_some_and(|d| d.contains("`next`")),
            "{path}: {cursor}"
        );
    }
    let mut expected = vec![
        "/api/audit/events",
        "/api/auth/tokens",
        "/api/captives",
        "/api/exchanges",
        "/api/exchanges/{id}/demands",
        "/api/exchanges/{id}/proposals",
        "/api/imports",
        "/api/matches",
        "/api/media/requests",
        "/api/notifications",
        "/api/notifications/dispatches",
        "/api/parties",
        "/api/tracing/requests",
        "/api/users",
    ];
    expected.sort();
    lists.sort();
    assert_eq!(lists, expected);
}

async fn the_registry_and_account_lists_are_walked_a_page_at_a_time(app: &TestApp) {
    // Parties, by code: the three of every test and five more.
    app.with_parties().await;
    for code in ["P1", "P2", "P3", "P4", "P5"] {
        app.post("/api/parties", json!({ "code": code, "name": "Party" }))
            .await
            .expect_status(StatusCode::CREATED);
    }
    let parties = walked(app, None, "/api/parties", 3, "code", 8).await;
    assert_eq!(
        texts(&parties, "code"),
        ["KP", "P1", "P2", "P3", "P4", "P5", "RU", "UA"]
    );
    // The default page is 50; a position past the last code gives an empty last page.
    let first = app.get("/api/parties").await.body;
    assert_eq!(first["items"].as_array().unwrap().len(), 8);
    assert_eq!(first["next"], Value::Null);
    let past = app.get("/api/parties?cursor=ZZ").await.body;
    assert_eq!(past, json!({ "items": [], "total": 8, "next": null }));

    // Captives, in id order; a journalist's released ones have the same shape.
    for n in 0..5 {
        app.create_captive(held("Kim", &format!("Son{n}"), "KP"))
            .await;
    }
    let captives = walked(app, None, "/api/captives", 2, "id", 5).await;
    let ids = texts(&captives, "id");
    assert_eq!(ids, sorted(ids.clone()));
    refuses_a_cursor_of_another_list(app, "/api/captives", "12").await;
    let press = app.user("press-1", Role::Journalist).await;
    let none = app.get_as(&press, "/api/captives?limit=1").await.body;
    assert_eq!(none, json!({ "items": [], "total": 0, "next": null }));
    refuses_bad_paging(app, Some(&press), "/api/captives").await;

    // Accounts, by name.
    for name in ["reg-1", "reg-2", "reg-3", "reg-4"] {
        app.create_user(name, Role::Registrar).await;
    }
    let users = walked(app, None, "/api/users", 2, "username", 6).await;
    assert_eq!(
        texts(&users, "username"),
        ["admin-1", "press-1", "reg-1", "reg-2", "reg-3", "reg-4"]
    );

    // One's own tokens, newest first.
    for n in 0..5 {
        app.post("/api/auth/tokens", json!({ "name": format!("script {n}") }))
            .await
            .expect_status(StatusCode::CREATED);
    }
    let tokens = walked(app, None, "/api/auth/tokens", 2, "id", 5).await;
    let made = texts(&tokens, "created_at");
    let mut newest_first = made.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(made, newest_first);
    refuses_a_cursor_of_another_list(app, "/api/auth/tokens", "12").await;
    let other = app.user("audit-1", Role::Auditor).await;
    let theirs = app.get_as(&other, "/api/auth/tokens").await.body;
    assert_eq!(theirs["total"], 0, "{theirs}");

    // The audit log, oldest first, by number, with its filters.
    let all = app.get("/api/audit/events?limit=1").await.body["total"]
        .as_u64()
        .unwrap() as usize;
    let events = walked(app, None, "/api/audit/events", 7, "seq", all).await;
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let created = walked(app, None, "/api/audit/events?action=party.", 3, "seq", 8).await;
    assert!(created.iter().all(|e| e["action"] == "party.create"));
    // `after` narrows the log; the cursor pages within it.
    let after = seqs[5];
    let later = app
        .walk(&format!("/api/audit/events?after={after}"), 4)
        .await;
    assert_eq!(later.len(), seqs.iter().filter(|s| **s > after).count());
    assert!(later.iter().all(|e| e["seq"].as_u64().unwrap() > after));
    refuses_a_cursor_of_another_list(app, "/api/audit/events", "x").await;
}

async fn the_tracing_lists_are_walked_a_page_at_a_time(app: &TestApp) {
    app.with_parties().await;
    let wanted = app
        .create_captive(held("Шевченко", "Олександр", "RU"))
        .await;
    let tracer = app.user("tracer-1", Role::TracingOfficer).await;

    // Tracing requests, oldest first, and those in one status.
    for n in 0..5 {
        app.post_as(
            &tracer,
            "/api/tracing/requests",
            enquiry(&format!("+000 {n}")),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    let requests = walked(app, Some(&tracer), "/api/tracing/requests", 2, "id", 5).await;
    assert_eq!(
        texts(&requests, "inquirer_contact"),
        ["+000 0", "+000 1", "+000 2", "+000 3", "+000 4"]
    );
    let status = requests[0]["status"].as_str().unwrap().to_string();
    assert!(requests.iter().all(|r| r["status"] == status.as_str()));
    walked(
        app,
        Some(&tracer),
        &format!("/api/tracing/requests?status={status}"),
        2,
        "id",
        5,
    )
    .await;
    let other = if status == "open" { "closed" } else { "open" };
    let none = app
        .get_as(&tracer, &format!("/api/tracing/requests?status={other}"))
        .await
        .body;
    assert_eq!(none, json!({ "items": [], "total": 0, "next": null }));
    refuses_a_cursor_of_another_list(app, "/api/tracing/requests", "12").await;
    // A position reads back whatever instant form it is given in, but only an instant.
    refuses_a_cursor_of_another_list(
        app,
        "/api/tracing/requests",
        "2025-13-01T00:00:00Z_0195e0a4-1b2c-7d3e-8f40-123456789abc",
    )
    .await;

    // The links matching proposed, best score first.
    let links = walked(app, None, "/api/matches", 2, "id", 5).await;
    assert!(links.iter().all(|l| l["target_id"] == wanted.as_str()));
    let state = links[0]["state"].as_str().unwrap().to_string();
    walked(
        app,
        None,
        &format!("/api/matches?state={state}"),
        4,
        "id",
        5,
    )
    .await;
    refuses_a_cursor_of_another_list(app, "/api/matches", "12").await;

    // Imports, newest first.
    let mut files = Vec::new();
    for n in 0..3 {
        let list = format!(
            "Прізвище,Ім'я,Дата народження\nКоваленко,Микола{n},1995-01-0{}\n",
            n + 1
        );
        let started = app
            .upload(&format!("/api/imports?file_name=list-{n}.csv"), &list)
            .await
            .expect_status(StatusCode::ACCEPTED);
        let job = app.finished_job(started.body["id"].as_str().unwrap()).await;
        assert_eq!(job["state"], "done", "{job}");
        files.push(format!("list-{n}.csv"));
    }
    let imports = walked(app, None, "/api/imports", 2, "id", 3).await;
    assert_eq!(
        texts(&imports, "file_name"),
        ["list-2.csv", "list-1.csv", "list-0.csv"]
    );
    refuses_a_cursor_of_another_list(app, "/api/imports", "12").await;

    // Media-access requests, oldest first; a journalist's own only.
    let officer = app.user("media-1", Role::MediaOfficer).await;
    let press = app.user("press-1", Role::Journalist).await;
    app.create_user("press-2", Role::Journalist).await;
    for (n, journalist) in ["press-1", "press-2", "press-1", "press-1"]
        .iter()
        .enumerate()
    {
        app.post_as(
            &officer,
            "/api/media/requests",
            json!({ "outlet": format!("Outlet {n}"), "journalist": journalist, "purpose": "p",
                    "captives": [wanted], "wanted_from": "2026-01-01", "wanted_until": "2026-01-02" }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    let all = walked(app, Some(&officer), "/api/media/requests", 3, "id", 4).await;
    assert_eq!(
        texts(&all, "outlet"),
        ["Outlet 0", "Outlet 1", "Outlet 2", "Outlet 3"]
    );
    let own = walked(app, Some(&press), "/api/media/requests", 2, "id", 3).await;
    assert_eq!(texts(&own, "outlet"), ["Outlet 0", "Outlet 2", "Outlet 3"]);
    refuses_a_cursor_of_another_list(app, "/api/media/requests", "12").await;
}

async fn the_exchange_and_notification_lists_are_walked_a_page_at_a_time(app: &TestApp) {
    app.with_parties().await;
    let theirs = app.create_captive(held("Ли", "Гванчхоль", "KP")).await;
    let ours = app
        .create_captive(json!({
            "power_of_origin": "UA", "detaining_power": "RU",
            "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
            "identity_claims": [{ "source": "other_party_list", "family_name": "Petrenko", "given_name": "Ostap" }]
        }))
        .await;

    // Exchanges, newest first.
    let mut opened = Vec::new();
    for n in 0..3 {
        let x = app
            .post(
                "/api/exchanges",
                json!({ "title": format!("Exchange {n}"), "sides": [["UA"], ["RU", "KP"]] }),
            )
            .await
            .expect_status(StatusCode::CREATED);
        opened.push(format!("/api/exchanges/{}", x.body["id"].as_str().unwrap()));
    }
    let exchanges = walked(app, None, "/api/exchanges", 2, "id", 3).await;
    assert_eq!(
        texts(&exchanges, "title"),
        ["Exchange 2", "Exchange 1", "Exchange 0"]
    );
    refuses_a_cursor_of_another_list(app, "/api/exchanges", "12").await;

    // An exchange's proposals, by number.
    let x = &opened[0];
    for _ in 0..3 {
        app.post(
            &format!("{x}/proposals"),
            json!({ "by": "UA", "transfers": [
                { "captive": theirs, "from": "UA", "to": "KP" },
                { "captive": ours, "from": "RU", "to": "UA" }
            ]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    let proposals = walked(app, None, &format!("{x}/proposals"), 2, "number", 3).await;
    let numbers: Vec<u64> = proposals
        .iter()
        .map(|p| p["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    refuses_a_cursor_of_another_list(app, &format!("{x}/proposals"), "first").await;
    let empty = app.get(&format!("{}/proposals", opened[1])).await.body;
    assert_eq!(empty, json!({ "items": [], "total": 0, "next": null }));

    // Its demand lists, oldest first.
    for given in ["Гванчхоль", "Сонир", "Чхольсу"] {
        app.post(
            &format!("{x}/demands"),
            json!({ "by": "KP", "persons": [
                { "family_name": "Ли", "given_name": given, "date_of_birth": "1998-04-12" }
            ]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    let demands = walked(app, None, &format!("{x}/demands"), 2, "import_id", 3).await;
    let names: Vec<&str> = demands
        .iter()
        .map(|d| d["items"][0]["name"].as_str().unwrap())
        .collect();
    assert!(
        names[0].contains("Гванчхоль") && names[2].contains("Чхольсу"),
        "{names:?}"
    );
    refuses_a_cursor_of_another_list(app, &format!("{x}/demands"), "12").await;

    // Dispatches to the powers of origin, newest first, and those to one power.
    let mut sent = Vec::new();
    for n in 0..3 {
        if n > 0 {
            app.create_captive(held("Ким", &format!("Сон{n}"), "KP"))
                .await;
        }
        let d = app
            .post(
                "/api/notifications/dispatches",
                json!({ "power_of_origin": "KP" }),
            )
            .await
            .expect_status(StatusCode::CREATED);
        sent.push(d.body["id"].as_str().unwrap().to_string());
    }
    let dispatches = walked(app, None, "/api/notifications/dispatches", 2, "id", 3).await;
    sent.reverse();
    assert_eq!(texts(&dispatches, "id"), sent);
    walked(
        app,
        None,
        "/api/notifications/dispatches?power_of_origin=KP",
        2,
        "id",
        3,
    )
    .await;
    let none = app
        .get("/api/notifications/dispatches?power_of_origin=RU")
        .await
        .body;
    assert_eq!(none["total"], 0);
    refuses_a_cursor_of_another_list(app, "/api/notifications/dispatches", "12").await;

    // The notifications, oldest first, by the same parameters.
    let all = app.get("/api/notifications?limit=1").await.body["total"]
        .as_u64()
        .unwrap() as usize;
    walked(app, None, "/api/notifications", 2, "id", all).await;
    refuses_a_cursor_of_another_list(app, "/api/notifications", "12").await;
}

/// Requests told apart only by their contact are the same to matching: their links to
/// the captive have one score, and pages of them follow the links' ids.
async fn links_of_equal_score_are_paged_by_id_without_loss_or_repeat(app: &TestApp) {
    app.with_parties().await;
    let wanted = app
        .create_captive(held("Шевченко", "Олександр", "RU"))
        .await;
    for n in 0..7 {
        app.post("/api/tracing/requests", enquiry(&format!("+000 {n}")))
            .await
            .expect_status(StatusCode::CREATED);
    }
    for limit in [1, 2, 3, 6] {
        let links = walked(app, None, "/api/matches", limit, "id", 7).await;
        assert!(links.iter().all(|l| l["target_id"] == wanted.as_str()));
        let score = &links[0]["score"];
        assert!(links.iter().all(|l| &l["score"] == score), "{links:?}");
        let ids = texts(&links, "id");
        assert_eq!(ids, sorted(ids.clone()), "equal scores by id");
    }
    // A decision moves a link to another state: the queue's next page still starts
    // after the last link shown.
    let first = app.get("/api/matches?limit=3").await.body;
    let state = first["items"][0]["state"].as_str().unwrap().to_string();
    let decided = first["items"][1]["id"].as_str().unwrap();
    app.post(
        &format!("/api/matches/{decided}/decision"),
        json!({ "decision": "reject" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let next = first["next"].as_str().unwrap();
    let rest = app
        .get(&format!(
            "/api/matches?state={state}&limit=10&cursor={next}"
        ))
        .await
        .body;
    assert_eq!(rest["total"], 6);
    assert_eq!(rest["items"].as_array().unwrap().len(), 4, "{rest}");
}

/// Keyset paging: items added while a list is walked come after the position, so none
/// already seen comes again and none that was there is skipped.
async fn a_list_walked_while_it_grows_loses_and_repeats_nothing(app: &TestApp) {
    app.with_parties().await;
    for n in 0..6 {
        app.post("/api/tracing/requests", enquiry(&format!("+000 {n}")))
            .await
            .expect_status(StatusCode::CREATED);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = String::new();
    for round in 0.. {
        let page = app
            .get(&format!("/api/tracing/requests?limit=2&cursor={cursor}"))
            .await
            .expect_status(StatusCode::OK)
            .body;
        seen.extend(
            texts(page["items"].as_array().unwrap(), "inquirer_contact")
                .iter()
                .map(|c| c.to_string()),
        );
        // Each page read, another enquiry arrives.
        app.post("/api/tracing/requests", enquiry(&format!("+111 {round}")))
            .await
            .expect_status(StatusCode::CREATED);
        match page["next"].as_str() {
            Some(next) if round < 3 => cursor = next.to_string(),
            _ => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    for n in 0..6 {
        assert!(seen.contains(&format!("+000 {n}")), "{seen:?}");
    }
    // Oldest first: the ones added while walking come after those that were there.
    let first_new = seen.iter().position(|c| c.starts_with("+111")).unwrap();
    assert_eq!(first_new, 6, "{seen:?}");
}
