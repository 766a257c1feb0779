//! What the bureau sends, over the API: the story's wounded soldier's capture cards
//! (Art. 70), the notifications of his capture and transfer dispatched to his power of
//! origin (Arts. 122-123), the capture card and death certificate as PDFs read back, and
//! who may read any of it.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The story's wounded soldier: taken at dawn, straight to a field hospital.
fn wounded_soldier() -> Value {
    json!({
        "power_of_origin": "KP",
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region",
                     "condition": "seriously wounded" },
        "identity_claims": [{ "source": "self_declared", "family_name": "리", "given_name": "정철",
                              "date_of_birth": "2003-04-11", "rank": "Private",
                              "service_number": "KP-771234", "nationality": "KP" }],
        "languages": ["ko"],
        "interpreter_required": true,
        "health": { "category": "seriously_wounded", "eligible_for_direct_repatriation": true }
    })
}

/// The second soldier: he refuses his date of birth (Art. 17).
fn second_soldier() -> Value {
    json!({
        "power_of_origin": "KP",
        "detaining_power": "UA",
        "capture": { "captured_at": "2025-01-10T09:00:00Z", "place": "Border region" },
        "identity_claims": [{ "source": "self_declared", "family_name": "백", "given_name": "광남",
                              "rank": "Private", "refused_fields": ["date_of_birth"] }],
        "languages": ["ko"],
        "interpreter_required": true,
        "health": { "category": "slightly_wounded", "eligible_for_direct_repatriation": false }
    })
}

async fn bytes(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String, Vec<u8>) {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// A GET of a file: status, content type and bytes.
async fn file(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    bytes(app, token, reqwest::Method::GET, path, None).await
}

/// A PDF's text with runs of blanks read as one (the extraction spaces Hangul widely).
fn pdf_text(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cards(record: &Value) -> Vec<(String, String, Option<String>)> {
    record["capture_cards"]
        .as_array()
        .unwrap_or_else(|| panic!("no capture cards in {record}"))
        .iter()
        .map(|c| {
            (
                c["occasion"].as_str().unwrap().to_string(),
                c["due_at"].as_str().unwrap().to_string(),
                c["sent_at"].as_str().map(String::from),
            )
        })
        .collect()
}

async fn art_70_the_wounded_soldiers_card_is_due_on_the_day_of_capture_and_again_after_his_transfer(
    app: &TestApp,
) {
    app.with_parties().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let id = app.create_captive(wounded_soldier()).await;
    let path = format!("/api/captives/{id}");
    let record = app
        .get_as(&registrar, &path)
        .await
        .expect_status(StatusCode::OK)
        .body;
    // Due "immediately upon capture": 24 hours, before any camp.
    assert_eq!(
        cards(&record),
        [(
            "capture".to_string(),
            "2025-01-10T06:30:00Z".to_string(),
            None
        )]
    );
    app.post(
        &format!("{path}/custody-events"),
        json!({ "kind": "admitted_to_hospital", "at": "2025-01-09T09:00:00Z",
                "place": "Field hospital 2", "facility": "field_hospital" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let record = app
        .post(
            &format!("{path}/custody-events"),
            json!({ "kind": "transferred", "at": "2025-01-12T15:00:00Z",
                    "place": "Central military hospital, the capital", "facility": "hospital" }),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    let due: Vec<(String, String)> = cards(&record).into_iter().map(|c| (c.0, c.1)).collect();
    assert_eq!(
        due,
        [
            ("capture".to_string(), "2025-01-10T06:30:00Z".to_string()),
            (
                "hospital_admission".to_string(),
                "2025-01-16T09:00:00Z".to_string()
            ),
            (
                "hospital_admission".to_string(),
                "2025-01-19T15:00:00Z".to_string()
            ),
        ],
        "a new card after his transfer to the capital"
    );
    // A card cannot be marked sent before it exists.
    let refused = app
        .post(
            &format!("{path}/capture-card"),
            json!({ "sent_at": "2025-01-12T10:00:00Z", "occasion": record["capture_cards"][2]["event_id"] }),
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(refused.body["error"]["fields"]["sent_at"]
        .as_str()
        .unwrap()
        .contains("before"));
    let refused = app
        .post(
            &format!("{path}/capture-card"),
            json!({ "sent_at": "2025-01-12T10:00:00Z", "occasion": "01a24727-4823-7620-be48-c73436c6d6cf" }),
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(refused.body["error"]["fields"]["occasion"].is_string());

    // The dispatch to his power of origin carries the notifications of his capture and
    // transfer and their cards; the cards are then recorded as sent.
    let pending = app
        .get_as(
            &registrar,
            &format!("/api/notifications?captive={id}&state=pending"),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    let kinds: Vec<&str> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "capture",
            "capture_card",
            "health_report",
            "hospital_admission",
            "capture_card",
            "transfer",
            "capture_card"
        ]
    );
    let dispatch = app
        .post_as(
            &registrar,
            "/api/notifications/dispatches",
            json!({ "power_of_origin": "KP", "via": "ICRC Central Tracing Agency" }),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body;
    assert_eq!(dispatch["count"], 7);
    assert_eq!(
        dispatch["files"],
        json!(["notifications.csv", "notifications.json", "cover.pdf"])
    );
    let d = format!(
        "/api/notifications/dispatches/{}",
        dispatch["id"].as_str().unwrap()
    );
    let (status, kind, csv) = file(app, &registrar, &format!("{d}/notifications.csv")).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/csv; charset=utf-8")
    );
    let csv = String::from_utf8(csv).unwrap();
    let transfer = csv.lines().find(|l| l.contains(",transfer,")).unwrap();
    assert!(transfer.contains("Central military hospital"), "{transfer}");
    assert!(
        transfer.contains("리") && transfer.contains("KP-771234"),
        "{transfer}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.contains(",capture_card,")).count(),
        3
    );
    let (_, kind, cover) = file(app, &registrar, &format!("{d}/cover.pdf")).await;
    assert_eq!(kind, "application/pdf");
    let cover = pdf_text(&cover);
    assert!(
        cover.contains("Signed off") && cover.contains("capture_card 3"),
        "{cover}"
    );
    let record = app.get_as(&registrar, &path).await.body;
    assert!(
        cards(&record).iter().all(|c| c.2.is_some()),
        "the cards left with the dispatch"
    );
    let again = app
        .post_as(
            &registrar,
            "/api/notifications/dispatches",
            json!({ "power_of_origin": "KP" }),
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(again.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("KP"));

    // The ICRC's delegate reads what was dispatched, never what waits.
    let delegate = app.user("icrc-1", Role::IcrcDelegate).await;
    let seen = app
        .get_as(&delegate, "/api/notifications")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(seen["total"], 7);
    app.post(
        &format!("{path}/custody-events"),
        json!({ "kind": "visited_by_icrc", "at": "2025-01-20T10:00:00Z" }),
    )
    .await
    .expect_status(StatusCode::OK);
    app.post(
        &format!("{path}/health"),
        json!({ "category": "seriously_wounded", "assessed_at": "2025-01-20T11:00:00Z" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let pending = app
        .get_as(&delegate, "/api/notifications?state=pending")
        .await
        .body;
    assert_eq!(pending["total"], 0);
    let waiting = app
        .get_as(&registrar, "/api/notifications?state=pending")
        .await
        .body;
    assert_eq!(
        waiting["total"], 1,
        "the weekly health report (Art. 122), not the visit"
    );
    let csv = file(app, &delegate, &format!("{d}/notifications.csv"))
        .await
        .2;
    assert!(String::from_utf8(csv).unwrap().contains("KP-771234"));
}

async fn the_capture_cards_read_back_in_both_languages_with_names_in_their_own_script(
    app: &TestApp,
) {
    app.with_parties().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let first = app.create_captive(wounded_soldier()).await;
    let second = app.create_captive(second_soldier()).await;
    app.put(
        &format!("/api/captives/{first}/particulars"),
        json!({ "father_first_name": "명수", "family_address": "Village 3 (fictional)", "prisoner_number": "UA-PW-000001" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let (status, kind, pdf) = file(
        app,
        &registrar,
        &format!("/api/captives/{first}/capture-card.pdf"),
    )
    .await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&pdf);
    for expected in [
        "리",
        "정철",
        "2003-04-11",
        "명수",
        "UA-PW-000001",
        "KP-771234",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from the card: {text}"
        );
    }
    // The detaining power's language (Ukrainian) and his (Korean): the health category
    // in both.
    let uk = repatria_documents::labels(repatria_documents::Language::Ukrainian);
    let ko = repatria_documents::labels(repatria_documents::Language::Korean);
    let wounded = repatria_core::HealthCategory::SeriouslyWounded;
    for label in [
        uk.card.health_category(wounded),
        ko.card.health_category(wounded),
    ] {
        assert!(text.contains(&squeeze(label)), "{label} missing: {text}");
    }
    let (_, _, pdf) = file(
        app,
        &registrar,
        &format!("/api/captives/{second}/capture-card.pdf"),
    )
    .await;
    let text = pdf_text(&pdf);
    let bare = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        text.contains("백")
            && bare(&text).contains(&bare(uk.refused))
            && bare(&text).contains(&bare(ko.refused)),
        "{text}"
    );

    // A batch, in the order given; an unknown captive named by its place.
    let (status, _, batch) = bytes(
        app,
        &registrar,
        reqwest::Method::POST,
        "/api/capture-cards",
        Some(json!({ "captives": [second, first] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&batch);
    assert!(
        text.find("백").unwrap() < text.find("정철").unwrap(),
        "the order given"
    );
    let refused = app
        .post(
            "/api/capture-cards",
            json!({ "captives": [first, "00000000-0000-0000-0000-000000000001"] }),
        )
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(
        refused.body["error"]["fields"]["captives[1]"].is_string(),
        "{}",
        refused.body
    );
    app.post("/api/capture-cards", json!({ "captives": [] }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);

    // The print page: the same card, at its size.
    let (status, kind, page) = file(
        app,
        &registrar,
        &format!("/api/captives/{first}/capture-card"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"));
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("정철") && page.contains("UA-PW-000001"),
        "{page}"
    );
    assert!(
        page.contains("/static/capture-card.css") && !page.contains("<style"),
        "no inline style (CSP)"
    );
    let css = app
        .client
        .get(format!("{}/static/capture-card.css", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        css.text().await.unwrap().contains("size: 150mm 105mm"),
        "printed at the card's size"
    );

    // The story's two cards as images, for the documentation (pdftoppm): both sides of
    // the first, the back of the second (the front is the same).
    if let Ok(dir) = std::env::var("REPATRIA_CARD_SCREENSHOTS") {
        let dir = std::path::Path::new(&dir);
        for (name, id, front) in [
            ("42-capture-card-wounded-soldier", &first, true),
            ("43-capture-card-second-soldier", &second, false),
        ] {
            let (_, _, pdf) = file(
                app,
                &registrar,
                &format!("/api/captives/{id}/capture-card.pdf"),
            )
            .await;
            let pdf_file = dir.join(format!("{name}.pdf"));
            std::fs::write(&pdf_file, pdf).unwrap();
            let status = std::process::Command::new("pdftoppm")
                .args(["-png", "-r", "110"])
                .arg(&pdf_file)
                .arg(dir.join(name))
                .status()
                .unwrap();
            assert!(status.success());
            std::fs::remove_file(pdf_file).unwrap();
            let page = |n: u32| dir.join(format!("{name}-{n}.png"));
            if front {
                std::fs::rename(page(1), dir.join(format!("{name}-front.png"))).unwrap();
            } else {
                std::fs::remove_file(page(1)).unwrap();
            }
            std::fs::rename(page(2), dir.join(format!("{name}-back.png"))).unwrap();
        }
    }
}

async fn art_120_a_death_is_recorded_notified_certified_and_its_enquiry_listed_until_closed(
    app: &TestApp,
) {
    app.with_parties().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let id = app.create_captive(wounded_soldier()).await;
    let path = format!("/api/captives/{id}");
    let (status, _, _) = file(app, &registrar, &format!("{path}/death-certificate.pdf")).await;
    assert_eq!(status, StatusCode::CONFLICT, "no death is recorded");
    let medical = app.user("medical-1", Role::Medical).await;
    let death = json!({
        "died_at": "2025-01-15T04:10:00Z", "place": "Central military hospital", "cause": "septicaemia following wounds",
        "certified_by": "Dr. O. Hnatiuk (fictional)",
        "burial": { "buried_at": "2025-01-17T10:00:00Z", "cemetery": "Municipal cemetery No. 2", "grave": "Plot 14, grave 7", "marking": "wooden cross with name and prisoner number" },
        "enquiry_required": true
    });
    let record = app
        .post_as(&medical, &format!("{path}/death"), death.clone())
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(record["status"], "deceased");
    assert!(record["death"]["enquiry"]["closed_at"].is_null());
    app.post_as(&medical, &format!("{path}/death"), death)
        .await
        .expect_status(StatusCode::CONFLICT);
    let notified = app
        .get_as(
            &registrar,
            &format!("/api/notifications?captive={id}&kind=death"),
        )
        .await
        .body;
    assert_eq!(notified["total"], 1);
    let dashboard = app.get_as(&registrar, "/api/dashboard").await.body;
    assert_eq!(dashboard["enquiries_open"][0]["captive_id"], id.as_str());
    let (status, kind, pdf) = file(app, &registrar, &format!("{path}/death-certificate.pdf")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&pdf);
    for expected in ["septicaemia", "Plot 14, grave 7", "정철", "2025-01-15"] {
        assert!(text.contains(expected), "{expected} missing: {text}");
    }
    app.post_as(
        &medical,
        &format!("{path}/death/enquiry/close"),
        json!({ "findings": "Death from wounds; no fault of any person." }),
    )
    .await
    .expect_status(StatusCode::OK);
    let dashboard = app.get_as(&registrar, "/api/dashboard").await.body;
    assert_eq!(dashboard["enquiries_open"], json!([]));

    // A died event recorded without its particulars is incomplete on the dashboard.
    let other = app.create_captive(second_soldier()).await;
    app.post(
        &format!("/api/captives/{other}/custody-events"),
        json!({ "kind": "died", "at": "2025-01-16T10:00:00Z" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let dashboard = app.get_as(&registrar, "/api/dashboard").await.body;
    assert_eq!(
        dashboard["deaths_incomplete"][0]["captive_id"],
        other.as_str()
    );
}

async fn roles_without_the_full_record_never_read_cards_notifications_or_deaths(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(wounded_soldier()).await;
    app.post(&format!("/api/captives/{id}/death"), json!({ "died_at": "2025-01-15T04:10:00Z", "place": "Hospital", "cause": "CAUSE-SECRET", "certified_by": "Doctor" }))
        .await
        .expect_status(StatusCode::OK);
    for (name, role) in [
        ("negotiator-1", Role::Negotiator),
        ("media-1", Role::MediaOfficer),
        ("auditor-1", Role::Auditor),
        ("journalist-1", Role::Journalist),
    ] {
        let token = app.user(name, role).await;
        for path in [
            format!("/api/captives/{id}/capture-card.pdf"),
            format!("/api/captives/{id}/capture-card"),
            format!("/api/captives/{id}/death-certificate.pdf"),
            "/api/notifications".to_string(),
        ] {
            let status = app.status_as(&token, "GET", &path).await;
            let expected = if role == Role::Journalist && path.starts_with("/api/captives/") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{name} {path}");
        }
        let record = app.get_as(&token, &format!("/api/captives/{id}")).await;
        let text = record.body.to_string();
        assert!(
            !text.contains("CAUSE-SECRET"),
            "{name} read the death record: {text}"
        );
        assert!(
            record.body.get("capture_cards").is_none_or(Value::is_null),
            "{name}: {text}"
        );
    }
    // The medical officer reads the death record (his own) but not the cards.
    let medical = app.user("medical-1", Role::Medical).await;
    let record = app
        .get_as(&medical, &format!("/api/captives/{id}"))
        .await
        .body;
    assert_eq!(record["death"]["cause"], "CAUSE-SECRET");
    assert!(record["capture_cards"].is_null());
}

both_backends!(
    setup = TestApp::api;
    art_70_the_wounded_soldiers_card_is_due_on_the_day_of_capture_and_again_after_his_transfer,
    the_capture_cards_read_back_in_both_languages_with_names_in_their_own_script,
    art_120_a_death_is_recorded_notified_certified_and_its_enquiry_listed_until_closed,
    roles_without_the_full_record_never_read_cards_notifications_or_deaths,
);
