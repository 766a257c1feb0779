//! The exchange pages over HTTP, as a browser uses them: the negotiator's list and
//! exchange, two proposals compared with names, the manifest downloaded, the other
//! side's manifest reconciled, and the handover at the crossing with its refusals (a
//! check missing, Art. 109) and its conflict (two officers, one decision).

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_store::AuditFilter;
use repatria_testing::{Browser, Page, TestApp};
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

/// A captive of `origin` held by `held_by`, captured in 2025.
fn captive(family: &str, given: &str, born: &str, origin: &str, held_by: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": held_by,
        "capture": { "captured_at": "2025-03-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": born,
            "rank": "private",
            "confidence": 0.9
        }]
    })
}

async fn create_captive(admin: &Browser, body: Value) -> String {
    api(admin, "POST", "/api/captives", Some(body)).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Two of ours held by Russia and two Russians held by us: (ours, theirs).
async fn captives(admin: &Browser) -> (Vec<String>, Vec<String>) {
    let mut ours = Vec::new();
    for (f, g, b) in [
        ("Shevchenko", "Taras", "1992-01-17"),
        ("Kovalenko", "Andrii", "1997-06-03"),
    ] {
        ours.push(create_captive(admin, captive(f, g, b, "UA", "RU")).await);
    }
    let mut theirs = Vec::new();
    for (f, g, b) in [
        ("Сергеев", "Павел", "1994-02-11"),
        ("Волков", "Денис", "1996-07-30"),
    ] {
        theirs.push(create_captive(admin, captive(f, g, b, "RU", "UA")).await);
    }
    (ours, theirs)
}

fn transfers(ours: &[String], theirs: &[String]) -> Vec<Value> {
    ours.iter()
        .map(|c| json!({ "captive": c, "from": "RU", "to": "UA" }))
        .chain(
            theirs
                .iter()
                .map(|c| json!({ "captive": c, "from": "UA", "to": "RU" })),
        )
        .collect()
}

/// An exchange UA ⇄ RU agreed on all four: (exchange id, ours, theirs).
async fn agreed(admin: &Browser) -> (String, Vec<String>, Vec<String>) {
    let (ours, theirs) = captives(admin).await;
    let x = api(
        admin,
        "POST",
        "/api/exchanges",
        Some(json!({ "title": "Exchange at the bridge", "sides": [["UA"], ["RU"]], "mediators": [] })),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        admin,
        "POST",
        &format!("/api/exchanges/{x}/proposals"),
        Some(json!({ "by": "UA", "transfers": transfers(&ours, &theirs) })),
    )
    .await;
    api(
        admin,
        "POST",
        &format!("/api/exchanges/{x}/agreement"),
        Some(json!({ "proposal": 1 })),
    )
    .await;
    (x, ours, theirs)
}

/// The manifest entry of a captive.
async fn entry_of(admin: &Browser, x: &str, captive: &str) -> String {
    let manifest = api(admin, "GET", &format!("/api/exchanges/{x}/manifest"), None).await;
    manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["captive"] == captive)
        .unwrap()["entry"]
        .as_str()
        .unwrap()
        .to_string()
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

/// A person's card on the handover page.
fn card<'a>(page: &'a Page, entry: &str) -> &'a str {
    let start = page
        .html
        .find(&format!("id=\"entry-{entry}\""))
        .unwrap_or_else(|| panic!("no card of {entry} in {}", page.html));
    let rest = &page.html[start..];
    let end = [rest[1..].find("<li id=\"entry-"), rest.find("</ol>")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

both_backends!(
    setup = TestApp::web;
    the_negotiator_opens_an_exchange_compares_proposals_and_agrees_one,
    the_handover_records_each_decision_once_and_says_why_it_refuses,
    roles_see_the_exchange_pages_as_they_may,
    no_bad_exchange_form_is_a_server_error,
);

async fn the_negotiator_opens_an_exchange_compares_proposals_and_agrees_one(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let (ours, theirs) = captives(&admin).await;
    let negotiator = app.login_as("neg-1", Role::Negotiator).await;

    // The list: empty, with the navigation marked and the form to open one.
    let list = negotiator.get("/exchanges").await;
    list.assert_ok();
    assert!(
        list.html
            .contains("<a href=\"/exchanges\" aria-current=\"page\">"),
        "{}",
        list.html
    );
    assert!(list.html.contains("action=\"/exchanges\""));
    assert!(list.text().contains("No exchange is recorded yet."));

    // A title left out comes back next to its field, the sides as typed.
    let refused = negotiator
        .post(
            "/exchanges",
            &[
                ("title", ""),
                ("sides[0]:list", "UA"),
                ("sides[1]:list", "RU"),
                ("terms.balance", "count"),
                ("terms.tolerance:int", "0"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("id=\"f-title-note\""),
        "{}",
        refused.html
    );
    assert_eq!(refused.input_value("sides[1]:list").as_deref(), Some("RU"));
    let opened = negotiator
        .post(
            "/exchanges",
            &[
                ("title", "Exchange via the ICRC, March"),
                ("sides[0]:list", "UA"),
                ("sides[1]:list", "RU"),
                ("mediators:list", ""),
                ("terms.balance", "count"),
                ("terms.tolerance:int", "0"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let page = opened.location.unwrap();
    let x = page.strip_prefix("/exchanges/").unwrap().to_string();
    let list = negotiator.get("/exchanges").await;
    let text = list.text();
    assert!(text.contains("Exchange via the ICRC, March"), "{text}");
    assert!(
        list.html.contains("data-state=\"negotiating\""),
        "{}",
        list.html
    );

    // Proposal 1 from the plan, proposal 2 from the other side without one of each.
    negotiator
        .post(&format!("{page}/proposals"), &[("by", "UA"), ("note", "")])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let plan = api(
        &negotiator,
        "GET",
        &format!("/api/exchanges/{x}/proposals/1"),
        None,
    )
    .await;
    assert_eq!(plan["transfers"].as_array().unwrap().len(), 4, "{plan}");
    let counter = negotiator
        .api(
            "POST",
            &format!("/api/exchanges/{x}/proposals"),
            Some(&json!({ "by": "RU", "transfers": transfers(&ours[..1], &theirs[..1]), "note": "their counter" })),
        )
        .await;
    assert_eq!(counter.status, StatusCode::CREATED, "{}", counter.body);

    let shown = negotiator.get(&page).await;
    shown.assert_ok();
    assert!(shown.html.contains("id=\"proposal-1\"") && shown.html.contains("id=\"proposal-2\""));
    assert!(shown.text().contains("their counter"));
    assert!(shown
        .html
        .contains(&format!("href=\"/exchanges/{x}/proposals?a=1&amp;b=2\"")));

    // Side by side with names: the second removes Kovalenko and Волков.
    let compared = negotiator
        .get(&format!("/exchanges/{x}/proposals?a=1&b=2"))
        .await;
    compared.assert_ok();
    let text = compared.text();
    assert!(text.contains("Сергеев, Павел"), "{text}");
    assert!(text.contains("Kovalenko, Andrii"), "{text}");
    assert!(text.contains("+0 added"), "{text}");
    assert!(text.contains("−2 removed"), "{text}");
    let removed = compared.html.matches("data-change=\"removed\"").count();
    assert_eq!(
        removed, 4,
        "two struck in the first, two staying in the second: {}",
        compared.html
    );
    assert!(text.contains("Days held"), "{text}");

    // A proposal that breaks Art. 109 is shown with its article and cannot be agreed.
    api(
        &admin,
        "PUT",
        &format!("/api/captives/{}/repatriation-wish", theirs[1]),
        Some(json!({ "wish": "refuses" })),
    )
    .await;
    let broken = negotiator
        .api(
            "POST",
            &format!("/api/exchanges/{x}/proposals"),
            Some(&json!({ "by": "RU", "transfers": transfers(&ours, &theirs) })),
        )
        .await;
    assert_eq!(broken.status, StatusCode::CREATED, "{}", broken.body);
    let shown = negotiator.get(&page).await;
    let row = section(&shown, "proposal-3", "</tr>");
    assert!(row.contains("GC III Art. 109"), "{row}");
    assert!(
        row.contains("proposal-3-why"),
        "the page says why it cannot be agreed: {row}"
    );
    let refused = negotiator
        .post(&format!("{page}/agreement"), &[("proposal", "3")])
        .await
        .expect_status(StatusCode::CONFLICT);
    let alert = section(&refused, "agree-refused", "</p>");
    assert!(alert.contains("does not wish"), "{alert}");
    let state = api(&negotiator, "GET", &format!("/api/exchanges/{x}"), None).await;
    assert_eq!(state["state"], "negotiating");

    // Agreement on proposal 2; the manifest downloads through the page's session.
    negotiator
        .post(&format!("{page}/agreement"), &[("proposal", "2")])
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let shown = negotiator.get(&page).await;
    assert!(shown.html.contains("data-state=\"agreed\""));
    assert!(shown.html.contains(&format!(
        "href=\"/exchanges/{x}/manifest?format=csv&amp;party=RU\""
    )));
    assert!(shown
        .html
        .contains(&format!("href=\"/exchanges/{x}/handover\"")));
    let csv = negotiator
        .get(&format!("/exchanges/{x}/manifest?format=csv&party=RU"))
        .await
        .expect_status(StatusCode::OK);
    assert!(csv.html.contains("Сергеев"), "{}", csv.html);
    assert!(
        csv.html.contains("Шевченко Тарас"),
        "in the script RU reads: {}",
        csv.html
    );
    assert!(!csv.html.contains("Kovalenko"), "not agreed: {}", csv.html);
    let bad = negotiator
        .get(&format!("/exchanges/{x}/manifest?format=doc"))
        .await
        // A format outside the closed set is a malformed query, as the OpenAPI
        // document's enum says.
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("<!doctype html>") || bad.html.contains("<html"));

    // Completion waits for every person: the API's 409 above the form.
    let early = negotiator
        .post(&format!("{page}/complete"), &[])
        .await
        .expect_status(StatusCode::CONFLICT);
    let alert = section(&early, "complete-refused", "</p>");
    assert!(alert.contains("2 entries are still pending"), "{alert}");

    // The other side's manifest in Cyrillic, one name we do not have.
    let their_list = "Фамилия,Имя,Дата рождения\nСергеев,Павел,11.02.1994\nШевченко,Тарас,17.01.1992\nПетренко,Остап,01.01.1988\n";
    let reconciled = negotiator
        .post_multipart(&format!("{page}/counterpart"), |form| {
            form.text("by", "RU").part(
                "file",
                reqwest::multipart::Part::bytes(their_list.as_bytes().to_vec())
                    .file_name("theirs.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            )
        })
        .await;
    reconciled.assert_ok();
    let result = section(&reconciled, "reconciliation", "</section>");
    let text = repatria_testing::unescape(result);
    assert!(text.contains("Петренко"), "the extra row is named: {text}");
    assert!(result.contains("extra in theirs"), "{result}");
    let events = app
        .state
        .store
        .audit_events(&AuditFilter {
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "exchange.reconcile")
            .count(),
        1
    );

    // A second exchange is called off: a reason is needed.
    let other = negotiator
        .post(
            "/exchanges",
            &[
                ("title", "Called off"),
                ("sides[0]:list", "UA"),
                ("sides[1]:list", "RU"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER)
        .location
        .unwrap();
    negotiator
        .post(&format!("{other}/cancel"), &[("reason", "")])
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    negotiator
        .post(
            &format!("{other}/cancel"),
            &[("reason", "the mediator withdrew")],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let called_off = negotiator.get(&other).await;
    assert!(called_off.html.contains("data-state=\"cancelled\""));
    assert!(called_off.text().contains("the mediator withdrew"));

    // In Ukrainian.
    let uk = negotiator.get_uk(&page).await;
    assert!(uk.text().contains("Маніфест"), "{}", uk.html);
}

async fn the_handover_records_each_decision_once_and_says_why_it_refuses(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let (x, ours, theirs) = agreed(&admin).await;
    // A family asks about one of ours held by Russia.
    let tracer = app.login_as("tracer-1", Role::TracingOfficer).await;
    let request = api(
        &tracer,
        "POST",
        "/api/tracing/requests",
        Some(json!({
            "family_name": "Shevchenko", "given_name": "Taras", "date_of_birth": "1992-01-17",
            "inquirer_name": "Mother", "inquirer_relation": "mother", "inquirer_contact": "+000 000",
            "consent_to_matching": true
        })),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/exchanges/{x}/handover");
    let sergeev = entry_of(&admin, &x, &theirs[0]).await;
    let volkov = entry_of(&admin, &x, &theirs[1]).await;
    let shevchenko = entry_of(&admin, &x, &ours[0]).await;
    let kovalenko = entry_of(&admin, &x, &ours[1]).await;

    let delegate = app.login_as("delegate-a", Role::IcrcDelegate).await;
    let shown = delegate.get(&page).await;
    shown.assert_ok();
    // Every pending person in the manifest's order, the next one marked, one form per
    // outcome.
    assert!(card(&shown, &shevchenko).contains("class=\"person card next\""));
    let first = card(&shown, &sergeev);
    assert!(first.contains("class=\"person card\""), "{first}");
    assert!(first.contains("value=\"handed_over\""), "{first}");
    assert!(
        first.contains("name=\"checks.wish_confirmed:bool\""),
        "{first}"
    );
    assert!(
        !first.contains("data-needs-witness"),
        "the delegate confirms a wish himself: {first}"
    );
    let ours_card = card(&shown, &shevchenko);
    assert!(ours_card.contains("value=\"received\""), "{ours_card}");
    assert!(!ours_card.contains("checks.wish_confirmed"), "{ours_card}");
    assert!(
        shown.html.contains("hx-get=\"/exchanges/"),
        "the counts refresh themselves"
    );
    assert!(shown.html.contains("/static/handover.js"));

    // An officer who is not the delegate: the wish needs the delegate's name (Art. 109).
    let officer = app.login_as("officer-1", Role::Negotiator).await;
    let officer_page = officer.get(&page).await;
    assert!(card(&officer_page, &sergeev).contains("data-needs-witness"));
    let refused = officer
        .post(
            &page,
            &[
                ("entry", &sergeev),
                ("stage", "bus 1"),
                ("checks.identity_verified:bool", "true"),
                ("checks.wish_confirmed:bool", "true"),
                ("checks.wish_confirmed_by", ""),
                ("outcome", "handed_over"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let person = card(&refused, &sergeev);
    assert!(person.contains("person card refused"), "{person}");
    assert!(person.contains("GC III Art. 109"), "{person}");
    let refused = officer
        .post(
            &page,
            &[
                ("entry", &sergeev),
                ("checks.identity_verified:bool", "true"),
                ("outcome", "handed_over"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let person = card(&refused, &sergeev);
    assert!(
        person.contains("nobody is handed over whose wish"),
        "{person}"
    );
    assert!(person.contains("aria-invalid=\"true\""), "{person}");

    // The delegate hands him over; the stage is kept, the counts move.
    let done = delegate
        .post(
            &page,
            &[
                ("_q", ""),
                ("entry", &sergeev),
                ("stage", "bus 1"),
                ("checks.identity_verified:bool", "true"),
                ("checks.wish_confirmed:bool", "true"),
                ("checks.fit_to_travel:bool", "true"),
                ("outcome", "handed_over"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let next = done.location.unwrap();
    assert!(next.contains("stage=bus%201"), "{next}");
    let after = delegate.get(&next).await;
    after.assert_ok();
    assert!(
        after
            .text()
            .contains("Recorded: Сергеев, Павел — handed over."),
        "{}",
        after.text()
    );
    assert_eq!(after.input_value("stage").as_deref(), Some("bus 1"));
    let counts = section(&after, "direction-counts", "</table>");
    assert!(
        counts.contains(
            "<th scope=\"row\">UA → RU</th><td class=\"num\">2</td><td class=\"num\">1</td>"
        ),
        "{counts}"
    );

    // A second officer deciding him too: the API's 409 as who decided and when.
    let other = app.login_as("delegate-b", Role::IcrcDelegate).await;
    let conflict = other
        .post(
            &page,
            &[
                ("entry", &sergeev),
                ("checks.identity_verified:bool", "true"),
                ("checks.wish_confirmed:bool", "true"),
                ("outcome", "handed_over"),
            ],
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    let alert = section(&conflict, "conflict", "</p>");
    assert!(
        alert.contains("Already decided: Сергеев, Павел — handed over (by delegate-a,"),
        "{alert}"
    );
    let events = app
        .state
        .store
        .audit_events(&AuditFilter {
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "exchange.handover")
            .count(),
        1
    );

    // One of ours received; the other withdrawn, first without a reason.
    delegate
        .post(
            &page,
            &[
                ("entry", &shevchenko),
                ("checks.identity_verified:bool", "true"),
                ("outcome", "received"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let refused = delegate
        .post(
            &page,
            &[
                ("entry", &kovalenko),
                ("outcome", "withdrawn"),
                ("note", ""),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(card(&refused, &kovalenko).contains("say why he is withdrawn"));
    let withdrawn = delegate
        .post(
            &page,
            &[
                ("entry", &kovalenko),
                ("outcome", "withdrawn"),
                ("note", "unfit to travel"),
                ("stage", "bus 2"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    // Russia now gets one more than it gives: withdrawing Волков restores the balance.
    let after = delegate.get(&withdrawn.location.unwrap()).await;
    let restore = section(&after, "restore", "</div>");
    assert!(restore.contains("Волков, Денис"), "{restore}");
    assert!(after.html.contains("data-balanced=\"false\""));
    assert!(after.text().contains("unfit to travel"));
    delegate
        .post(
            &page,
            &[
                ("entry", &volkov),
                ("outcome", "withdrawn"),
                ("note", "withdrawn to restore the balance"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let balanced = delegate.get(&page).await;
    assert!(
        balanced.html.contains("data-balanced=\"true\""),
        "{}",
        balanced.html
    );
    assert!(balanced.text().contains("Nobody is left to decide."));

    // Completion; the family's answer is prepared, and offered in the answer form.
    let negotiator = app.login_as("neg-1", Role::Negotiator).await;
    let completed = negotiator
        .post(&format!("/exchanges/{x}/complete"), &[])
        .await
        .expect_status(StatusCode::SEE_OTHER)
        .location
        .unwrap();
    assert!(completed.contains("repatriated=2&answers=1"), "{completed}");
    let notice = negotiator.get(&completed).await;
    assert!(
        notice
            .text()
            .contains("The exchange is completed. Repatriated: 2"),
        "{}",
        notice.text()
    );
    let traced = tracer.get(&format!("/tracing/{request}")).await;
    traced.assert_ok();
    let prepared = section(&traced, "prepared-answer", "</section>");
    assert!(prepared.contains("Shevchenko"), "{prepared}");
    let form = traced.html.find("name=\"text\"").expect("the answer form");
    let textarea = &traced.html[form..];
    let filled = &textarea[textarea.find('>').unwrap() + 1..textarea.find("</textarea>").unwrap()];
    assert!(
        filled.contains("Shevchenko"),
        "the form holds the prepared text: {filled}"
    );
    // Given as the family's answer through the usual form.
    tracer
        .post(
            &format!("/tracing/{request}/answer"),
            &[("text", &repatria_testing::unescape(filled))],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let given = api(
        &tracer,
        "GET",
        &format!("/api/tracing/requests/{request}"),
        None,
    )
    .await;
    assert_eq!(given["answers"].as_array().unwrap().len(), 1, "{given}");
    assert!(given["prepared_answer"].is_null(), "{given}");
}

async fn roles_see_the_exchange_pages_as_they_may(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let (x, _, theirs) = agreed(&admin).await;
    let pages = [
        "/exchanges".to_string(),
        format!("/exchanges/{x}"),
        format!("/exchanges/{x}/proposals?a=1&b=1"),
        format!("/exchanges/{x}/handover"),
        format!("/exchanges/{x}/counts"),
        format!("/exchanges/{x}/manifest?format=csv"),
    ];
    for (i, role) in [Role::Registrar, Role::Journalist, Role::MediaOfficer]
        .into_iter()
        .enumerate()
    {
        let name = format!("reader-{i}");
        let browser = app.login_as(&name, role).await;
        let home = browser.get("/password").await;
        assert!(
            !home.html.contains("href=\"/exchanges\""),
            "{role}: {}",
            home.html
        );
        for path in &pages {
            browser.get(path).await.expect_status(StatusCode::FORBIDDEN);
        }
        let sergeev = entry_of(&admin, &x, &theirs[0]).await;
        browser
            .post(
                &format!("/exchanges/{x}/handover"),
                &[
                    ("entry", &sergeev),
                    ("outcome", "withdrawn"),
                    ("note", "no"),
                ],
            )
            .await
            .expect_status(StatusCode::FORBIDDEN);
    }
    // The delegate reads and decides, but opens, agrees and completes nothing.
    let delegate = app.login_as("delegate-1", Role::IcrcDelegate).await;
    let list = delegate.get("/exchanges").await;
    list.assert_ok();
    assert!(list.html.contains("href=\"/exchanges\""));
    assert!(
        !list.html.contains("action=\"/exchanges\""),
        "{}",
        list.html
    );
    let shown = delegate.get(&format!("/exchanges/{x}")).await;
    shown.assert_ok();
    assert!(!shown.html.contains("/complete\""));
    assert!(!shown.html.contains("/counterpart\""));
    assert!(shown
        .html
        .contains(&format!("href=\"/exchanges/{x}/handover\"")));
    delegate
        .post(&format!("/exchanges/{x}/complete"), &[])
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // The planner keeps its own entry, not marked on these pages.
    let negotiator = app.login_as("neg-1", Role::Negotiator).await;
    let list = negotiator.get("/exchanges").await;
    assert!(
        list.html.contains("<a href=\"/exchange\" >"),
        "{}",
        list.html
    );
}

/// Every exchange form, sent nonsense: an answer that says what is wrong, never a server
/// error.
async fn no_bad_exchange_form_is_a_server_error(app: &TestApp) {
    let admin = app.login_as("admin-1", Role::Admin).await;
    let (x, _, _) = agreed(&admin).await;
    let zero = "00000000-0000-0000-0000-000000000000";
    let nonsense: &[(&str, &str)] = &[
        ("entry", "x"),
        ("outcome", "flown"),
        ("proposal", "-1"),
        ("by", "ZZZZZZ"),
        ("stage", &"s".repeat(5000)),
        ("checks.identity_verified:bool", "maybe"),
        ("terms.tolerance:int", "x"),
        ("sides[999]:list", "UA"),
        ("title", ""),
    ];
    for id in [x.as_str(), zero, "not-an-id", "%00"] {
        for action in [
            "",
            "/proposals",
            "/agreement",
            "/cancel",
            "/complete",
            "/handover",
            "/counterpart",
        ] {
            let path = format!("/exchanges/{id}{action}");
            let page = admin.post(&path, nonsense).await;
            assert!(
                page.status.is_client_error(),
                "{path}: {} {}",
                page.status,
                page.html
            );
        }
        for get in [
            "",
            "/proposals?a=x&b=99",
            "/handover?q=%D0%AF&done=nope",
            "/counts",
            "/manifest?format=x&party=%00",
        ] {
            let path = format!("/exchanges/{id}{get}");
            let page = admin.get(&path).await;
            assert!(
                page.status.as_u16() < 500,
                "{path}: {} {}",
                page.status,
                page.html
            );
        }
    }
    let page = admin.post("/exchanges", nonsense).await;
    assert!(page.status.is_client_error(), "{}", page.html);
    // The exchange is untouched.
    let still = api(&admin, "GET", &format!("/api/exchanges/{x}"), None).await;
    assert_eq!(still["state"], "agreed");
    assert_eq!(still["counts"]["pending"], 4);
}
