//! Pages of long lists: the first page of the API's list, a link to the next one made
//! of the API's `next`, and the pages after it going on where the one before stopped.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::{Browser, Page, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    setup = TestApp::web;
    long_lists_show_a_page_and_a_link_to_the_next,
    the_pages_of_few_things_show_them_all_and_more_goes_to_the_log,
);

/// The HTML with the entities the templates escape decoded.
fn decoded(page: &Page) -> String {
    page.html
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The ids in links `href="{prefix}ID"` of the page, in order.
fn linked(page: &Page, prefix: &str) -> Vec<String> {
    let html = decoded(page);
    let needle = format!("href=\"{prefix}");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            let id = &rest[..rest.find('"')?];
            (id.len() == 36 && uuid::Uuid::parse_str(id).is_ok()).then(|| id.to_string())
        })
        .collect()
}

/// The address of the page's link to the next page.
fn next_link(page: &Page) -> Option<String> {
    let html = decoded(page);
    let at = html.find("rel=\"next\"")?;
    let before = &html[..at];
    let start = before.rfind("href=\"")? + "href=\"".len();
    let href = &before[start..start + before[start..].find('"')?];
    Some(percent_decoded(href))
}

/// `%XX` escapes decoded (the templates escape a cursor's `:` in an address).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The section of the notifications' page that lists the dispatches.
fn dispatches(page: &Page) -> Page {
    let at = page.html.find("id=\"dispatches\"").expect("the dispatches");
    let end = at + page.html[at..].find("</section>").unwrap();
    Page {
        status: page.status,
        location: None,
        html: page.html[at..end].to_string(),
    }
}

async fn api(browser: &Browser, method: &str, path: &str, body: Value) -> Value {
    let answer = browser.api(method, path, Some(&body)).await;
    assert!(answer.status.is_success(), "{path}: {}", answer.body);
    answer.body
}

fn held(given: &str) -> Value {
    json!({
        "power_of_origin": "RU",
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{
            "source": "document_found",
            "family_name": "Шевченко",
            "given_name": given,
            "date_of_birth": "1998-04-12"
        }]
    })
}

async fn long_lists_show_a_page_and_a_link_to_the_next(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    api(&admin, "POST", "/api/captives", held("Олександр")).await;
    // 55 enquiries after him: a page and a bit of requests, and as many links.
    for n in 0..55 {
        api(
            &admin,
            "POST",
            "/api/tracing/requests",
            json!({
                "family_name": "Shevchenko", "given_name": "Aleksandr", "date_of_birth": "1998-04-12",
                "inquirer_name": "Inquirer", "inquirer_relation": "mother",
                "inquirer_contact": format!("+000 {n}"), "consent_to_matching": true
            }),
        )
        .await;
    }
    let all = admin
        .api("GET", "/api/tracing/requests?limit=500", None)
        .await
        .body;
    let ids: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 55);

    // The requests: fifty, then the five after them, as the API orders them.
    let first = admin.get("/tracing").await;
    first.assert_ok();
    assert_eq!(linked(&first, "/tracing/"), ids[..50]);
    assert!(first.text().contains("55"), "the total is shown");
    let next = next_link(&first).expect("a link to the next page");
    let api_next = admin.api("GET", "/api/tracing/requests", None).await.body["next"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(next, format!("/tracing?after={api_next}"));
    let second = admin.get(&next).await;
    second.assert_ok();
    assert_eq!(linked(&second, "/tracing/"), ids[50..]);
    assert!(next_link(&second).is_none());
    assert!(second.html.contains("rel=\"first\""));

    // The review queue: 25 links a page, the next page from the last one shown.
    let links = admin.api("GET", "/api/matches?limit=500", None).await.body;
    assert_eq!(links["total"], 55, "{links}");
    let state = links["items"][0]["state"].as_str().unwrap().to_string();
    let link_ids: Vec<String> = links["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut page = admin.get(&format!("/matches?state={state}")).await;
    loop {
        page.assert_ok();
        let html = decoded(&page);
        let shown: Vec<String> = link_ids
            .iter()
            .filter(|id| html.contains(&format!("id=\"link-{id}\"")))
            .cloned()
            .collect();
        assert!(shown.len() <= 25);
        seen.extend(shown);
        match next_link(&page) {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("/matches?state={state}&after=")),
                    "{next}"
                );
                page = admin.get(&next).await;
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 55);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 55, "no link twice");

    // Exchanges, newest first: fifty, then the rest.
    for n in 0..52 {
        api(
            &admin,
            "POST",
            "/api/exchanges",
            json!({ "title": format!("Exchange {n}"), "sides": [["UA"], ["RU"]] }),
        )
        .await;
    }
    let list = admin.get("/exchanges").await;
    list.assert_ok();
    assert_eq!(linked(&list, "/exchanges/").len(), 50);
    assert!(list.text().contains("Exchange 51"));
    let rest = admin.get(&next_link(&list).expect("a next page")).await;
    rest.assert_ok();
    assert_eq!(linked(&rest, "/exchanges/").len(), 2);
    assert!(rest.text().contains("Exchange 0"));
}

async fn the_pages_of_few_things_show_them_all_and_more_goes_to_the_log(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let captive = api(&admin, "POST", "/api/captives", held("Олександр")).await;
    let id = captive["id"].as_str().unwrap().to_string();

    // Accounts and one's tokens: every one on the page, however many pages the API
    // gives them in.
    for n in 0..3 {
        app.create_user(&format!("reg-{n}"), Role::Registrar).await;
        api(
            &admin,
            "POST",
            "/api/auth/tokens",
            json!({ "name": format!("script {n}") }),
        )
        .await;
    }
    let users = admin.get("/users").await;
    users.assert_ok();
    for n in 0..3 {
        assert!(users.text().contains(&format!("reg-{n}")));
    }
    let tokens = admin.get("/tokens").await;
    for n in 0..3 {
        assert!(
            tokens.text().contains(&format!("script {n}")),
            "{}",
            tokens.html
        );
    }

    // A record's audit trail: its first fifty events, then a link into the audit log
    // that goes on after them.
    for _ in 0..55 {
        admin
            .api("GET", &format!("/api/captives/{id}"), None)
            .await
            .expect_status(StatusCode::OK);
    }
    let record = admin.get(&format!("/captives/{id}")).await;
    record.assert_ok();
    let more = next_link(&record).expect("a link to the rest of the trail");
    assert!(
        more.starts_with(&format!("/audit?entity_type=captive&entity_id={id}&after=")),
        "{more}"
    );
    let log = admin.get(&more).await;
    log.assert_ok();
    let events = admin
        .api(
            "GET",
            &format!("/api/audit/events?entity_type=captive&entity_id={id}&limit=500"),
            None,
        )
        .await
        .body;
    let fifty_first = events["items"][50]["seq"].as_u64().unwrap();
    assert!(
        log.html
            .contains(&format!("<td class=\"num\">{fifty_first}</td>")),
        "the log goes on after the fifty shown"
    );

    // The dispatches beside the notifications: the twenty latest, then the earlier ones
    // by their own link, the list of notifications staying where it was.
    let mut sent = Vec::new();
    for n in 0..21 {
        let mut body = held(&format!("Сон{n}"));
        body["power_of_origin"] = json!("KP");
        api(&admin, "POST", "/api/captives", body).await;
        let d = api(
            &admin,
            "POST",
            "/api/notifications/dispatches",
            json!({ "power_of_origin": "KP" }),
        )
        .await;
        sent.push(d["id"].as_str().unwrap().to_string());
    }
    let list = admin.get("/notifications?state=dispatched").await;
    list.assert_ok();
    let shown = linked(&dispatches(&list), "/notifications/dispatches/");
    let latest: Vec<String> = sent.iter().rev().take(20).cloned().collect();
    assert!(latest.iter().all(|d| shown.contains(d)));
    assert!(!shown.contains(&sent[0]));
    let html = decoded(&list);
    let at = html
        .find("Earlier dispatches")
        .expect("a link to earlier dispatches");
    let start = html[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let earlier = percent_decoded(&html[start..start + html[start..].find('"').unwrap()]);
    assert!(
        earlier.starts_with("/notifications?state=dispatched&dispatches_after="),
        "{earlier}"
    );
    let older = admin.get(&earlier).await;
    older.assert_ok();
    let shown = linked(&dispatches(&older), "/notifications/dispatches/");
    assert!(shown.contains(&sent[0]));
    assert!(
        !shown.contains(&sent[20]),
        "the latest are on the first page"
    );
    assert!(older.text().contains("Latest dispatches"));
}
