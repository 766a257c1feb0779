//! Exchanges as records, end to end through the API: the story the product is built
//! from, and the rules that each name their article.
//!
//! The story: two soldiers of the DPRK captured by Ukraine are offered to their country
//! if it arranges the release of eight Ukrainians held by its ally. A three-party
//! exchange with mediators; the other side demands its soldiers by their Hangul
//! names; two proposals; agreement; the other side's manifest in Russian Cyrillic with
//! two names spelled differently and one extra name; the handover of all but one, who
//! refuses at the crossing; completion.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_store::{AuditFilter, Backend};
use repatria_testing::{Answer, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn spawn_app(backend: Backend) -> Option<TestApp> {
    TestApp::api(backend).await
}

/// A captive held by `held_by`, of `origin`, captured `days_ago` days before 2026-01-15.
fn captive(family: &str, given: &str, born: &str, origin: &str, held_by: &str, day: u32) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": held_by,
        "capture": {
            "captured_at": format!("2025-{:02}-{:02}T06:30:00Z", 1 + day / 28, 1 + day % 28),
            "place": "Border region",
            "capturing_unit": "Unit 1"
        },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": born,
            "rank": "private"
        }],
        "languages": [],
        "interpreter_required": false
    })
}

/// The parties of the story, mediators included.
async fn parties(app: &TestApp) {
    app.with_parties().await;
    for (code, name) in [
        ("ICRC", "International Committee of the Red Cross"),
        ("AE", "United Arab Emirates"),
    ] {
        app.post("/api/parties", json!({ "code": code, "name": name }))
            .await
            .expect_status(StatusCode::CREATED);
    }
}

struct Story {
    exchange: String,
    /// The two DPRK soldiers held by UA.
    kp: Vec<String>,
    /// Six Russian soldiers held by UA.
    ru: Vec<String>,
    /// Eight Ukrainians held by Russia.
    ua: Vec<String>,
}

const KP: [(&str, &str, &str); 2] = [
    ("Ri", "Kwang-chol", "2001-04-02"),
    ("Kim", "Song-il", "1999-11-20"),
];
const RU: [(&str, &str, &str); 6] = [
    ("Сергеев", "Павел", "1994-02-11"),
    ("Волков", "Денис", "1996-07-30"),
    ("Морозов", "Игорь", "1990-12-05"),
    ("Лебедев", "Артём", "1998-03-14"),
    ("Кузнецов", "Роман", "1993-09-09"),
    ("Зайцев", "Олег", "1995-05-21"),
];
const UA: [(&str, &str, &str); 8] = [
    ("Shevchenko", "Taras", "1992-01-17"),
    ("Kovalenko", "Andrii", "1997-06-03"),
    ("Bondarenko", "Oleh", "1991-10-25"),
    ("Tkachenko", "Yurii", "1999-08-08"),
    ("Kravchuk", "Mykola", "1994-04-19"),
    ("Melnyk", "Serhii", "1996-02-28"),
    ("Polishchuk", "Vasyl", "1993-12-12"),
    ("Honcharenko", "Ivan", "1998-05-06"),
];

async fn story(app: &TestApp) -> Story {
    parties(app).await;
    let mut kp = Vec::new();
    for (i, (f, g, b)) in KP.iter().enumerate() {
        kp.push(
            app.create_captive(captive(f, g, b, "KP", "UA", i as u32))
                .await,
        );
    }
    let mut ru = Vec::new();
    for (i, (f, g, b)) in RU.iter().enumerate() {
        ru.push(
            app.create_captive(captive(f, g, b, "RU", "UA", 10 + i as u32))
                .await,
        );
    }
    let mut ua = Vec::new();
    for (i, (f, g, b)) in UA.iter().enumerate() {
        ua.push(
            app.create_captive(captive(f, g, b, "UA", "RU", 20 + i as u32))
                .await,
        );
    }
    let created = app
        .post(
            "/api/exchanges",
            json!({
                "title": "Exchange via mediator, January",
                "sides": [["UA"], ["RU", "KP"]],
                "mediators": ["ICRC", "AE"],
                "terms": { "balance": "count", "tolerance": 0 }
            }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(created.body["state"], "negotiating");
    assert_eq!(created.body["counts"]["planned"], 0);
    Story {
        exchange: created.body["id"].as_str().unwrap().to_string(),
        kp,
        ru,
        ua,
    }
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[key].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A file downloaded with `token`: its content type and bytes.
async fn download(app: &TestApp, token: &str, path: &str) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (kind, response.bytes().await.unwrap().to_vec())
}

/// The counts kept with every decision equal the sums over the manifest's entries.
async fn kept_counts_equal_the_manifest(app: &TestApp, exchange: &str) {
    let id = repatria_core::ExchangeId(
        exchange
            .trim_start_matches("/api/exchanges/")
            .parse()
            .unwrap(),
    );
    let kept = app.state.store.manifest_tallies(id).await.unwrap();
    let summed = app.state.store.manifest_sums(id).await.unwrap();
    assert_eq!(kept, summed);
}

/// The id of the first manifest entry (of a manifest answer) that `wanted` accepts.
fn entry_where(manifest: &Value, wanted: impl Fn(&Value) -> bool) -> String {
    manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| wanted(e))
        .unwrap()["entry"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A withdrawal at the crossing, with its reason.
fn withdrawal(entry: &str, reason: &str) -> Value {
    let mut body = handover(entry, "withdrawn");
    body["checks"]["wish_confirmed"] = json!(false);
    body["note"] = json!(reason);
    body
}

fn handover(entry: &str, outcome: &str) -> Value {
    json!({
        "entry": entry,
        "outcome": outcome,
        "stage": "bus 1",
        "checks": {
            "identity_verified": true,
            "identity_method": "photo and questions",
            "wish_confirmed": outcome == "handed_over",
            "fit_to_travel": true,
            "effects_returned": true
        }
    })
}

both_backends!(
    setup = spawn_app;
    the_story_from_offer_to_handover,
    a_proposal_that_breaks_a_rule_is_kept_but_not_agreed_and_names_the_article,
    nobody_is_handed_over_whose_wish_the_delegate_did_not_confirm,
    two_officers_deciding_the_same_person_get_one_decision_and_one_conflict,
    the_state_machine_answers_409_naming_the_state,
    a_transfer_to_a_party_on_the_art_12_list_is_a_violation,
    a_captive_held_for_proceedings_stays_art_115,
    their_list_of_names_alone_is_reconciled,
    a_withdrawal_leaves_an_imbalance_and_the_suggestion_restores_it,
    what_names_nothing_is_404_and_what_the_record_forbids_409,
);

async fn the_story_from_offer_to_handover(app: &TestApp) {
    let s = story(app).await;
    let x = format!("/api/exchanges/{}", s.exchange);
    let negotiator = app.user("negotiator", Role::Negotiator).await;
    let delegate = app.user("delegate", Role::IcrcDelegate).await;
    let tracing = app.user("tracer", Role::TracingOfficer).await;

    // A family asks about one of ours held by Russia.
    let request = app
        .post_as(
            &tracing,
            "/api/tracing/requests",
            json!({
                "family_name": "Shevchenko", "given_name": "Taras", "date_of_birth": "1992-01-17",
                "inquirer_name": "Mother", "inquirer_relation": "mother", "inquirer_contact": "+380 00 000",
                "consent_to_matching": true
            }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let request_id = request.body["id"].as_str().unwrap().to_string();

    // The other side demands its two soldiers by their Hangul names.
    let demand = app
        .post_as(
            &negotiator,
            &format!("{x}/demands"),
            json!({ "by": "KP", "persons": [
                { "family_name": "리", "given_name": "광철", "date_of_birth": "2001-04-02" },
                { "family_name": "김", "given_name": "성일", "date_of_birth": "1999-11-20" }
            ]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let items = demand.body["report"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (item, id) in items.iter().zip(&s.kp) {
        let best = &item["candidates"][0];
        assert_eq!(best["id"], id.as_str(), "{item}");
        assert!(!best["explanation"].as_str().unwrap().is_empty());
        // A person confirms it.
        app.post(
            &format!(
                "/api/matches/{}/decision",
                best["link_id"].as_str().unwrap()
            ),
            json!({ "decision": "confirm" }),
        )
        .await
        .expect_status(StatusCode::OK);
    }
    // Sent again: recognised, not stored twice.
    app.post_as(
        &negotiator,
        &format!("{x}/demands"),
        json!({ "by": "KP", "persons": [
            { "family_name": "리", "given_name": "광철", "date_of_birth": "2001-04-02" },
            { "family_name": "김", "given_name": "성일", "date_of_birth": "1999-11-20" }
        ]}),
    )
    .await
    .expect_status(StatusCode::OK);

    // Proposal 1: the planner's, with the confirmed demands.
    let p1 = app
        .post_as(
            &negotiator,
            &format!("{x}/proposals"),
            json!({ "by": "UA", "from_plan": true }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(p1.body["number"], 1);
    assert_eq!(p1.body["source"], "plan");
    assert_eq!(p1.body["optimal"], true);
    assert_eq!(p1.body["violations"], json!([]));
    let all: Vec<String> = sorted([s.kp.clone(), s.ru.clone(), s.ua.clone()].concat());
    assert_eq!(
        ids(&p1.body["transfers"], "captive"),
        all,
        "eight for eight, the two demanded among them"
    );
    for side in p1.body["balance"].as_array().unwrap() {
        assert_eq!(
            (side["gives"].as_u64(), side["receives"].as_u64()),
            (Some(8), Some(8))
        );
    }

    // Proposal 2: the other side's, leaving out one Russian soldier and one of ours.
    let transfers: Vec<Value> = p1.body["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["captive"] != s.ru[5].as_str() && t["captive"] != s.ua[7].as_str())
        .map(|t| json!({ "captive": t["captive"], "from": t["from"], "to": t["to"] }))
        .collect();
    let p2 = app
        .post_as(
            &negotiator,
            &format!("{x}/proposals"),
            json!({ "by": "RU", "transfers": transfers, "note": "as sent through the mediator" }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(p2.body["number"], 2);
    assert_eq!(p2.body["violations"], json!([]));
    // Side by side, with names.
    let compared = app
        .get_as(
            &negotiator,
            &format!("{x}/proposals/2?against=1&names=true"),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(compared.body["added"], json!([]));
    assert_eq!(
        sorted(
            compared.body["removed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        ),
        sorted(vec![s.ru[5].clone(), s.ua[7].clone()])
    );
    let left = compared.body["left_out"].as_array().unwrap();
    let honcharenko = left
        .iter()
        .find(|l| l["captive"] == s.ua[7].as_str())
        .unwrap();
    assert_eq!(
        honcharenko["person"]["name"], "Honcharenko, Ivan",
        "{honcharenko}"
    );
    assert_eq!(honcharenko["reason"], "not_proposed");
    assert!(honcharenko["person"]["days_in_captivity"].as_u64().unwrap() > 300);

    // Agreement on proposal 1.
    let agreed = app
        .post_as(
            &negotiator,
            &format!("{x}/agreement"),
            json!({ "proposal": 1 }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(agreed.body["state"], "agreed");
    assert_eq!(agreed.body["counts"]["planned"], 16);
    assert_eq!(agreed.body["counts"]["pending"], 16);

    // The manifest for Russia, as CSV, names in Cyrillic where recorded so.
    let csv = app
        .get_as(&negotiator, &format!("{x}/manifest?format=csv&party=RU"))
        .await
        .expect_status(StatusCode::OK);
    let csv = csv.body.as_str().unwrap();
    assert!(
        csv.contains("Сергеев Павел"),
        "recorded in Cyrillic, printed as recorded: {csv}"
    );
    assert!(
        csv.contains("Шевченко Тарас"),
        "recorded in Latin, transliterated: {csv}"
    );
    assert_eq!(
        csv.lines().count(),
        1 + 6 + 8,
        "RU gives 8 and receives 6: {csv}"
    );
    assert!(
        !csv.contains("Kwang-chol"),
        "KP's soldiers go to KP, not RU"
    );
    // For the DPRK, in Hangul; for the mediator, in Latin.
    let kp = app
        .get_as(&negotiator, &format!("{x}/manifest?format=csv&party=KP"))
        .await
        .expect_status(StatusCode::OK);
    let kp = kp.body.as_str().unwrap();
    assert_eq!(kp.lines().count(), 1 + 2, "{kp}");
    assert!(kp.contains("리광철") && kp.contains("김송일"), "{kp}");
    // The same as a workbook and as a PDF to print and sign, read back.
    let (kind, xlsx) = download(
        app,
        &negotiator,
        &format!("{x}/manifest?format=xlsx&party=RU"),
    )
    .await;
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book
        .worksheet_range(&book.sheet_names()[0].clone())
        .unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.contains(&"Сергеев Павел".to_string()), "{cells:?}");
    assert!(cells.contains(&"Шевченко Тарас".to_string()), "{cells:?}");
    let (kind, pdf) = download(
        app,
        &negotiator,
        &format!("{x}/manifest?format=pdf&party=KP"),
    )
    .await;
    assert_eq!(kind, "application/pdf");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(text.contains("리광철") && text.contains("김송일"), "{text}");
    assert!(text.contains("page 1 of 1"), "{text}");
    let icrc = app
        .get_as(&negotiator, &format!("{x}/manifest?format=json&party=ICRC"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        icrc.body["entries"],
        json!([]),
        "a mediator gives and receives nobody"
    );
    let all = app
        .get_as(&negotiator, &format!("{x}/manifest?format=csv"))
        .await;
    // A party that takes no part has no part of the manifest; a code that is not one
    // is refused as such.
    let none = app
        .get_as(&negotiator, &format!("{x}/manifest?format=csv&party=BY"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(none.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("BY takes no part"));
    app.get_as(&negotiator, &format!("{x}/manifest?party=by"))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    // Empty is every party's.
    let every = app
        .get_as(&negotiator, &format!("{x}/manifest?party="))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(every.body["entries"].as_array().unwrap().len(), 16);
    assert_eq!(all.body.as_str().unwrap().lines().count(), 17);

    // The other side's manifest in Russian Cyrillic: two names spelled differently,
    // one name we do not have.
    let mut theirs = Vec::new();
    for (f, g, b) in RU.iter() {
        theirs.push(json!({ "family_name": f, "given_name": g, "date_of_birth": b, "from": "UA", "to": "RU" }));
    }
    for (i, (f, g, b)) in [
        ("Шевченко", "Тарас", "1992-01-17"),
        ("Коваленко", "Андрей", "1997-06-03"), // Andrii spelled as Russian Andrei
        ("Бондаренко", "Олег", "1991-10-25"),
        ("Ткаченко", "Юрий", "1999-08-08"),
        ("Кравчук", "Николай", "1994-04-19"), // Mykola as Nikolai
        ("Мельник", "Сергей", "1996-02-28"),
        ("Полищук", "Василий", "1993-12-12"),
        ("Гончаренко", "Иван", "1998-05-06"),
    ]
    .iter()
    .enumerate()
    {
        let _ = i;
        theirs.push(json!({ "family_name": f, "given_name": g, "date_of_birth": b, "from": "RU", "to": "UA" }));
    }
    theirs.push(json!({ "family_name": "Ли", "given_name": "Гван Чхоль", "date_of_birth": "2001-04-02", "from": "UA", "to": "KP" }));
    theirs.push(json!({ "family_name": "Ким", "given_name": "Сон Ир", "date_of_birth": "1999-11-20", "from": "UA", "to": "KP" }));
    theirs.push(json!({ "family_name": "Петренко", "given_name": "Остап", "date_of_birth": "1988-01-01", "from": "RU", "to": "UA" }));
    let reconciled = app
        .post_as(
            &negotiator,
            &format!("{x}/counterpart-manifest"),
            json!({ "by": "RU", "persons": theirs }),
        )
        .await
        .expect_status(StatusCode::OK);
    let r = &reconciled.body;
    assert_eq!(r["extra_in_theirs"], 1, "{r}");
    assert_eq!(r["extra"][0]["line"], 17);
    assert_eq!(r["missing_from_theirs"], 0, "{r}");
    assert_eq!(
        r["matched"].as_u64().unwrap() + r["ambiguous"].as_u64().unwrap(),
        16,
        "every entry is found, surely or for a person to decide: {r}"
    );
    let ru_ua = r["directions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["from"] == "RU" && d["to"] == "UA")
        .unwrap();
    assert_eq!(
        (ru_ua["ours"].as_u64(), ru_ua["theirs"].as_u64()),
        (Some(8), Some(9)),
        "{r}"
    );

    // The handover: the manifest in order, one decision per person.
    let manifest = app
        .get_as(&delegate, &format!("{x}/manifest"))
        .await
        .expect_status(StatusCode::OK);
    let entries = manifest.body["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 16);
    let refuser = s.ru[2].clone();
    let mut refuser_entry = String::new();
    for e in &entries {
        let entry = e["entry"].as_str().unwrap();
        if e["captive"] == refuser.as_str() {
            refuser_entry = entry.to_string();
            continue;
        }
        let outcome = if e["from"] == "UA" {
            "handed_over"
        } else {
            "received"
        };
        let answer = app
            .post_as(
                &delegate,
                &format!("{x}/handover"),
                handover(entry, outcome),
            )
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(answer.body["entry"]["status"], outcome);
        assert_eq!(answer.body["exchange"]["state"], "in_progress");
    }
    // He refuses at the crossing: withdrawn, and the balance is off by one.
    let refused = withdrawal(
        &refuser_entry,
        "refused at the crossing before the delegate",
    );
    let after = app
        .post_as(&delegate, &format!("{x}/handover"), refused)
        .await
        .expect_status(StatusCode::OK);
    let counts = &after.body["exchange"]["counts"];
    assert_eq!(counts["pending"], 0);
    assert_eq!(counts["balanced"], false);
    let ua_side = &counts["sides"][0];
    assert_eq!(
        (
            ua_side["expected_gives"].as_u64(),
            ua_side["expected_receives"].as_u64()
        ),
        (Some(7), Some(8))
    );
    // The side now short is RU+KP's: they give 8 for 7; nothing pending to withdraw.
    let restore = &after.body["exchange"]["restore"];
    assert!(
        restore.is_null() || restore["withdraw"] == json!([]),
        "{restore}"
    );

    kept_counts_equal_the_manifest(app, &x).await;
    // Completion: custody closed, the family's answer prepared.
    let done = app
        .post_as(&negotiator, &format!("{x}/complete"), json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(done.body["exchange"]["state"], "completed");
    assert_eq!(done.body["repatriated"].as_array().unwrap().len(), 15);
    assert_eq!(done.body["answers_prepared"], json!([request_id]));
    for id in s.kp.iter().chain(&s.ua) {
        let c = app
            .get(&format!("/api/captives/{id}"))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(c.body["status"], "repatriated", "{id}");
    }
    let stays = app
        .get(&format!("/api/captives/{refuser}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        stays.body["status"], "in_custody",
        "the one who refused stays"
    );
    let traced = app
        .get_as(&tracing, &format!("/api/tracing/requests/{request_id}"))
        .await
        .expect_status(StatusCode::OK);
    let prepared = traced.body["prepared_answer"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        prepared.contains("Shevchenko") && prepared.contains("is home"),
        "{}",
        traced.body
    );
    // A completed exchange is closed to decisions.
    app.post_as(
        &delegate,
        &format!("{x}/handover"),
        handover(&refuser_entry, "handed_over"),
    )
    .await
    .expect_status(StatusCode::CONFLICT);

    // The audit log has every step.
    let events = app
        .state
        .store
        .audit_events(&AuditFilter {
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let count = |action: &str| events.iter().filter(|e| e.action == action).count();
    assert_eq!(count("exchange.create"), 1);
    assert_eq!(count("exchange.proposal"), 2);
    assert_eq!(count("exchange.agree"), 1);
    assert_eq!(count("exchange.handover"), 16);
    assert_eq!(count("exchange.complete"), 1);
    assert_eq!(count("exchange.reconcile"), 1);
    assert_eq!(count("tracing_request.answer_prepared"), 1);
    assert!(count("captive.custody_event.add") >= 15);
    assert_eq!(app.state.store.verify_audit().await.unwrap().broken, None);
}

/// Creates a bilateral exchange (UA ↔ RU) with one captive each way and returns
/// (exchange path, UA's captive held by RU, RU's captive held by UA).
async fn small(app: &TestApp) -> (String, String, String) {
    app.with_parties().await;
    let ours = app
        .create_captive(captive("Shevchenko", "Taras", "1992-01-17", "UA", "RU", 1))
        .await;
    let theirs = app
        .create_captive(captive("Сергеев", "Павел", "1994-02-11", "RU", "UA", 2))
        .await;
    let x = app
        .post(
            "/api/exchanges",
            json!({ "title": "Small", "sides": [["UA"], ["RU"]] }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    (
        format!("/api/exchanges/{}", x.body["id"].as_str().unwrap()),
        ours,
        theirs,
    )
}

fn pair(ours: &str, theirs: &str) -> Value {
    json!({ "by": "UA", "transfers": [
        { "captive": ours, "from": "RU", "to": "UA" },
        { "captive": theirs, "from": "UA", "to": "RU" }
    ]})
}

fn rules(answer: &Answer) -> Vec<(String, Option<String>)> {
    answer.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_string(),
                v["article"].as_str().map(String::from),
            )
        })
        .collect()
}

async fn a_proposal_that_breaks_a_rule_is_kept_but_not_agreed_and_names_the_article(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    // Art. 109: he does not wish to go.
    app.put(
        &format!("/api/captives/{theirs}/repatriation-wish"),
        json!({ "wish": "refuses" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let p = app
        .post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        rules(&p),
        [(
            "refuses_repatriation".to_string(),
            Some("GC III Art. 109".to_string())
        )]
    );
    // Well formed, but the proposal breaks a rule: a conflict with the record.
    let refused = app
        .post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not wish"),
        "{}",
        refused.body
    );
    let kept = app
        .get(&format!("{x}/proposals/1"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(kept.body["number"], 1);
    assert_eq!(app.get(&x).await.body["state"], "negotiating");
    // A bad transfer names its field; a proposal the exchange does not have is 404.
    let bad = app
        .post(
            &format!("{x}/proposals"),
            json!({ "by": "UA", "transfers": [{ "captive": "nope", "from": "RU", "to": "UA" }] }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body["error"]["fields"]["transfers[0].captive"].is_string(),
        "{}",
        bad.body
    );
    let missing = app
        .post(&format!("{x}/agreement"), json!({ "proposal": 9 }))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(missing.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no proposal 9"));
    // A number JSON writes as a float without a fraction is that number.
    app.post(&format!("{x}/agreement"), json!({ "proposal": 9.0 }))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1.5 }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn nobody_is_handed_over_whose_wish_the_delegate_did_not_confirm(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    app.post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    let manifest = app
        .get(&format!("{x}/manifest"))
        .await
        .expect_status(StatusCode::OK);
    let give = entry_where(&manifest.body, |e| e["from"] == "UA");
    let officer = app.user("officer", Role::Negotiator).await;
    // Art. 109: without the wish confirmed, nobody crosses.
    let mut body = handover(&give, "handed_over");
    body["checks"]["wish_confirmed"] = json!(false);
    let refused = app
        .post_as(&officer, &format!("{x}/handover"), body)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body["error"]["fields"]["checks.wish_confirmed"]
        .as_str()
        .unwrap()
        .contains("Art. 109"));
    // Confirmed by an officer without naming the delegate: refused too.
    let refused = app
        .post_as(
            &officer,
            &format!("{x}/handover"),
            handover(&give, "handed_over"),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body["error"]["fields"]["checks.wish_confirmed_by"].is_string());
    // Naming the delegate who witnessed it: recorded with the name.
    let mut witnessed = handover(&give, "handed_over");
    witnessed["checks"]["wish_confirmed_by"] = json!("M. Keller, ICRC");
    let ok = app
        .post_as(&officer, &format!("{x}/handover"), witnessed)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        ok.body["entry"]["handover"]["checks"]["wish_confirmed_by"],
        "M. Keller, ICRC"
    );
    // A journalist or a registrar may not record handovers at all.
    let registrar = app.user("registrar", Role::Registrar).await;
    app.post_as(
        &registrar,
        &format!("{x}/handover"),
        handover(&give, "handed_over"),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
}

async fn two_officers_deciding_the_same_person_get_one_decision_and_one_conflict(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    app.post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    let manifest = app.get(&format!("{x}/manifest")).await;
    let get = entry_where(&manifest.body, |e| e["to"] == "UA");
    let a = app.user("delegate-a", Role::IcrcDelegate).await;
    let b = app.user("delegate-b", Role::IcrcDelegate).await;
    let path = format!("{x}/handover");
    let (first, second) = tokio::join!(
        app.post_as(&a, &path, handover(&get, "received")),
        app.post_as(&b, &path, handover(&get, "received")),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} {}",
        first.body,
        second.body
    );
    let conflict = if first.status == StatusCode::CONFLICT {
        &first
    } else {
        &second
    };
    assert!(
        conflict.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("decided already"),
        "{}",
        conflict.body
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
}

async fn the_state_machine_answers_409_naming_the_state(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    // No manifest and no handover before an agreement.
    let early = app
        .get(&format!("{x}/manifest"))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(early.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("negotiating"));
    app.post(&format!("{x}/complete"), json!({}))
        .await
        .expect_status(StatusCode::CONFLICT);
    app.post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    // Agreed: no more proposals; completion waits for every person.
    let late = app
        .post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        late.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("agreed"),
        "{}",
        late.body
    );
    let pending = app
        .post(&format!("{x}/complete"), json!({}))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        pending.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 entries are still pending"),
        "{}",
        pending.body
    );
    let cancelled = app
        .post(
            &format!("{x}/cancel"),
            json!({ "reason": "the mediator withdrew" }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(cancelled.body["state"], "cancelled");
    app.post(&format!("{x}/cancel"), json!({ "reason": "again" }))
        .await
        .expect_status(StatusCode::CONFLICT);
    // Unknown ids are 404.
    app.get("/api/exchanges/00000000-0000-0000-0000-000000000000")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.get("/api/exchanges/not-an-id")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let listed = app
        .get("/api/exchanges")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["total"], 1);
}

async fn a_transfer_to_a_party_on_the_art_12_list_is_a_violation(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    app.put(
        "/api/parties/RU/transfer-bar",
        json!({ "reason": "not able to apply the Convention" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let p = app
        .post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        rules(&p),
        [(
            "transfer_barred".to_string(),
            Some("GC III Art. 12".to_string())
        )]
    );
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::CONFLICT);
    // The planner moves nobody to it.
    let planned = app
        .post(
            &format!("{x}/proposals"),
            json!({ "by": "UA", "from_plan": true }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(planned.body["transfers"], json!([]), "{}", planned.body);
    app.delete("/api/parties/RU/transfer-bar")
        .await
        .expect_status(StatusCode::OK);
    let planned = app
        .post(
            &format!("{x}/proposals"),
            json!({ "by": "UA", "from_plan": true }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(planned.body["transfers"].as_array().unwrap().len(), 2);
}

async fn a_captive_held_for_proceedings_stays_art_115(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    let held = app
        .put(
            &format!("/api/captives/{theirs}/proceedings"),
            json!({ "reference": "Case 1-234/2025" }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(held.body["proceedings"]["reference"], "Case 1-234/2025");
    let p = app
        .post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        rules(&p),
        [(
            "held_for_proceedings".to_string(),
            Some("GC III Art. 115".to_string())
        )]
    );
    let planned = app
        .post(
            &format!("{x}/proposals"),
            json!({ "by": "UA", "from_plan": true }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(planned.body["transfers"], json!([]));
    let left = &planned.body["left_out"];
    assert!(
        left.as_array()
            .unwrap()
            .iter()
            .any(|l| l["captive"] == theirs.as_str() && l["reason"] == "held_for_proceedings"),
        "{left}"
    );
    // The proceedings end: he may go.
    app.put(
        &format!("/api/captives/{theirs}/proceedings"),
        json!({ "reference": null }),
    )
    .await
    .expect_status(StatusCode::OK);
    let p = app
        .post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(rules(&p), []);
}

async fn their_list_of_names_alone_is_reconciled(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    app.post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    // No dates of birth, one name in another script: the manifest's two persons are
    // the candidates, so the names suffice.
    let r = app
        .post(
            &format!("{x}/counterpart-manifest"),
            json!({ "by": "RU", "persons": [
                { "family_name": "Шевченко", "given_name": "Тарас" },
                { "family_name": "Sergeev", "given_name": "Pavel" },
                { "family_name": "Петренко", "given_name": "Остап" }
            ]}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        (
            r.body["matched"].as_u64(),
            r.body["extra_in_theirs"].as_u64()
        ),
        (Some(2), Some(1)),
        "{}",
        r.body
    );
    // A file is read like any list; a file of another format is named.
    let file = "Фамилия,Имя\nШевченко,Тарас\nСергеев,Павел\n";
    let uploaded = app
        .client
        .post(format!(
            "{}{x}/counterpart-manifest?by=RU&file_name=theirs.csv",
            app.base
        ))
        .bearer_auth(app.token.as_deref().unwrap())
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::OK);
    let body: Value = uploaded.json().await.unwrap();
    assert_eq!(body["matched"], 2, "{body}");
    // A name that tells no format: the content does. A ZIP archive is read as the
    // workbook it should be, and refused as one.
    let unknown = app
        .client
        .post(format!(
            "{}{x}/counterpart-manifest?by=RU&file_name=theirs.doc",
            app.base
        ))
        .bearer_auth(app.token.as_deref().unwrap())
        .header("content-type", "application/octet-stream")
        .body(&b"PK\x03\x04 not a workbook"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("XLSX"),
        "{body}"
    );
    let unnamed = app
        .client
        .post(format!("{}{x}/counterpart-manifest?by=RU", app.base))
        .bearer_auth(app.token.as_deref().unwrap())
        .header("content-type", "application/octet-stream")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(unnamed.status(), StatusCode::OK);
    // A party on no side of the exchange: a conflict with its record.
    let outside = app
        .client
        .post(format!("{}{x}/counterpart-manifest?by=BY", app.base))
        .bearer_auth(app.token.as_deref().unwrap())
        .header("content-type", "application/octet-stream")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), StatusCode::CONFLICT);
}

async fn a_withdrawal_leaves_an_imbalance_and_the_suggestion_restores_it(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    // A second pair; their second man was captured long ago, the first recently.
    let ours2 = app
        .create_captive(captive("Kovalenko", "Andrii", "1997-06-03", "UA", "RU", 3))
        .await;
    let theirs2 = app
        .create_captive(captive("Волков", "Денис", "1996-07-30", "RU", "UA", 0))
        .await;
    let transfers = json!({ "by": "UA", "transfers": [
        { "captive": ours, "from": "RU", "to": "UA" },
        { "captive": ours2, "from": "RU", "to": "UA" },
        { "captive": theirs, "from": "UA", "to": "RU" },
        { "captive": theirs2, "from": "UA", "to": "RU" }
    ]});
    app.post(&format!("{x}/proposals"), transfers)
        .await
        .expect_status(StatusCode::CREATED);
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    let manifest = app
        .get(&format!("{x}/manifest"))
        .await
        .expect_status(StatusCode::OK);
    let entry_of = |captive: &str| entry_where(&manifest.body, |e| e["captive"] == captive);
    // One of ours dies before the exchange: Ukraine now gives two for one.
    let died = withdrawal(&entry_of(&ours2), "died before the exchange");
    let after = app
        .post(&format!("{x}/handover"), died)
        .await
        .expect_status(StatusCode::OK);
    let x_view = &after.body["exchange"];
    assert_eq!(x_view["counts"]["balanced"], false);
    assert_eq!(x_view["counts"]["sides"][0]["imbalance"], 1, "{x_view}");
    let restore = &x_view["restore"];
    assert_eq!(restore["side"], json!(["UA"]));
    assert_eq!(restore["imbalance"], 1);
    // The least loss: the one of theirs with the fewest days in captivity.
    assert_eq!(restore["withdraw"], json!([entry_of(&theirs)]), "{restore}");
    let second = withdrawal(
        &entry_of(&theirs),
        "withdrawn to restore the balance, as agreed with the mediator",
    );
    let balanced = app
        .post(&format!("{x}/handover"), second)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(balanced.body["exchange"]["counts"]["balanced"], true);
    kept_counts_equal_the_manifest(app, &x).await;
    assert!(balanced.body["exchange"]["restore"].is_null());
}

fn message(answer: &Answer) -> &str {
    answer.body["error"]["message"].as_str().unwrap()
}

/// A request the document calls valid is refused only for what the records say: 404
/// for what it names that does not exist, 409 for what the exchange's record forbids;
/// 422 stays for the request's own form.
async fn what_names_nothing_is_404_and_what_the_record_forbids_409(app: &TestApp) {
    let (x, ours, theirs) = small(app).await;
    // Opening: each party not registered named; the form before, the relations after.
    let unknown = app
        .post(
            "/api/exchanges",
            json!({ "title": "T", "sides": [["UA"], ["XX", "RU"]], "mediators": ["YY"] }),
        )
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        message(&unknown),
        "sides[1][0]: no party XX is registered; mediators[0]: no party YY is registered"
    );
    let untitled = app
        .post(
            "/api/exchanges",
            json!({ "title": " ", "sides": [["UA"], ["XX"]] }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(untitled.body["error"]["fields"]["title"].is_string());
    let twice = app
        .post(
            "/api/exchanges",
            json!({ "title": "T", "sides": [["UA"], ["RU", "UA"]] }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body["error"]["fields"]["sides[1][1]"].is_string());
    let once = app
        .post(
            "/api/exchanges",
            json!({ "title": "T", "sides": [["UA", " UA"], ["RU"]] }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(once.body["sides"], json!([["UA"], ["RU"]]));

    // A party on no side of the exchange sends no list and makes no proposal.
    let demand = app
        .post(
            &format!("{x}/demands"),
            json!({ "by": "KP", "persons": [{ "full_name": "Ri Kwang Chol" }] }),
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    assert_eq!(message(&demand), "by: KP is on no side of this exchange");
    app.post(
        &format!("{x}/proposals"),
        json!({ "by": "KP", "from_plan": true }),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    // Both or neither of from_plan and transfers: the request's own form.
    for body in [
        json!({ "by": "UA" }),
        json!({ "by": "UA", "from_plan": true, "transfers": [] }),
    ] {
        app.post(&format!("{x}/proposals"), body)
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Proposals the exchange does not have.
    app.post(&format!("{x}/proposals"), pair(&ours, &theirs))
        .await
        .expect_status(StatusCode::CREATED);
    app.get(&format!("{x}/proposals/2"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let against = app
        .get(&format!("{x}/proposals/1?against=7"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        message(&against),
        "against: this exchange has no proposal 7"
    );
    // A proposal that moves nobody is kept, and cannot be agreed.
    let empty = app
        .post(
            &format!("{x}/proposals"),
            json!({ "by": "RU", "transfers": [] }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(empty.body["number"], 2);
    let refused = app
        .post(&format!("{x}/agreement"), json!({ "proposal": 2 }))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        message(&refused).contains("moves nobody"),
        "{}",
        refused.body
    );

    // At the crossing: an entry that is not one, and one whose direction refuses the
    // outcome.
    app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
        .await
        .expect_status(StatusCode::OK);
    let manifest = app.get(&format!("{x}/manifest")).await;
    let give = entry_where(&manifest.body, |e| e["from"] == "UA");
    app.post(
        &format!("{x}/handover"),
        handover("00000000-0000-0000-0000-000000000001", "received"),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
    let wrong_way = app
        .post(&format!("{x}/handover"), handover(&give, "received"))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        message(&wrong_way).contains("not ours to receive"),
        "{}",
        wrong_way.body
    );
    // What the request lacks comes first, and stays 422.
    let mut unverified = handover(&give, "received");
    unverified["checks"]["identity_verified"] = json!(false);
    app.post(&format!("{x}/handover"), unverified)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);

    // A demand list uploaded as a file: the exchange must exist, and its party be on a
    // side; naming the exchange makes it a demand list.
    let list = "Фамилия,Имя\nШевченко,Тарас\n";
    app.upload(
        "/api/imports?file_name=d.csv&as=demand&source=RU&exchange=00000000-0000-0000-0000-000000000002",
        list,
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
    let id = x.trim_start_matches("/api/exchanges/");
    app.upload(
        &format!("/api/imports?file_name=d.csv&source=KP&exchange={id}"),
        list,
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    app.upload("/api/imports?file_name=d.csv&as=list&exchange=nope", list)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
}
