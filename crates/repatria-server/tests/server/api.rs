//! The API end to end: the real router on a free port against a fresh database, on
//! SQLite and (when `REPATRIA_TEST_PG_URL` is set) on PostgreSQL.

use repatria_core::Role;
use repatria_server::AppState;
use repatria_store::testing::both_backends;
use repatria_store::{AuditFilter, Backend};
use repatria_testing::{audit_signer, authenticator_code, Answer, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn spawn_app(backend: Backend) -> Option<TestApp> {
    TestApp::api(backend).await
}

/// The app with its state configured by `configure` (trusted proxies, limits, the
/// audit key).
async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(AppState) -> AppState,
) -> Option<TestApp> {
    TestApp::api_with(backend, configure).await
}

fn captive(family: &str, given: &str, origin: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": "UA",
        "capture": {
            "captured_at": "2025-01-09T06:30:00Z",
            "place": "Border region",
            "latitude": 51.6, "longitude": 34.9,
            "capturing_unit": "Unit 1",
            "condition": "wounded"
        },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family,
            "given_name": given,
            "date_of_birth": "1999-03",
            "nationality": "ru",
            "document": { "kind": "military_id", "number": "AA 1" },
            "document_not_bearers": true,
            "confidence": 0.2
        }],
        "languages": ["ko"],
        "interpreter_required": true,
        "health": { "category": "seriously_wounded", "assessed_at": "2025-01-09T08:00:00Z" }
    })
}

fn tracing_request(family: &str, given: &str, contact: &str) -> Value {
    json!({
        "family_name": family,
        "given_name": given,
        "date_of_birth": "1999-03",
        "inquirer_name": "Inquirer",
        "inquirer_relation": "mother",
        "inquirer_contact": contact,
        "consent_to_matching": true
    })
}

const MATRIX_REQUESTS: &str = "Прізвище,Ім'я,Хто шукає,Ступінь спорідненості,Контакт\nКимов,Алексей,Kimova,mother,MATRIX-CONTACT\n";

const MATRIX_LIST: &str = "№,Прізвище,Ім'я,Дата народження\n1,Kimov,Aleksei,1999-03\n";

/// Imports a file as the admin and returns (import id, job id) once done.
async fn import_and_wait(app: &TestApp, name: &str, file: &str, extra: &str) -> (String, String) {
    let started = app
        .upload(&format!("/api/imports?file_name={name}{extra}"), file)
        .await
        .expect_status(StatusCode::ACCEPTED);
    let job_id = started.body["id"].as_str().unwrap().to_string();
    let job = app.finished_job(&job_id).await;
    assert_eq!(job["state"], "done", "{job}");
    (job["import"]["id"].as_str().unwrap().to_string(), job_id)
}

/// Records on captive `id` what only some roles may read: an interview with `summary`
/// and a health assessment with `note`.
async fn record_interview_and_health(app: &TestApp, id: &str, summary: &str, note: &str) {
    let interview = json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "I", "language": "ko", "interpreter": "X", "summary": summary });
    app.post(&format!("/api/captives/{id}/interviews"), interview)
        .await
        .expect_status(StatusCode::OK);
    let health = json!({ "category": "sick", "note": note });
    app.post(&format!("/api/captives/{id}/health"), health)
        .await
        .expect_status(StatusCode::OK);
}

/// The prisoners a plan (the API's JSON) transfers.
fn transferred(plan: &Value) -> Vec<&str> {
    plan["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["prisoner"].as_str().unwrap())
        .collect()
}

/// The prisoners a plan leaves where they are, each with the reason.
fn not_moved(plan: &Value) -> Vec<(&str, &str)> {
    plan["not_moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["prisoner"].as_str().unwrap(),
                n["reason"].as_str().unwrap(),
            )
        })
        .collect()
}

/// What a request with `token` gets (OK while its session or token is valid).
async fn session_status(app: &TestApp, token: &str) -> StatusCode {
    app.status_as(token, "GET", "/api/parties").await
}

fn field_error<'a>(answer: &'a Answer, field: &str) -> &'a str {
    answer.body["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no error for field {field:?} in {}", answer.body))
}

both_backends!(
    setup = spawn_app;
    the_registry_is_exported_as_pfif_for_tracing_services_and_audited,
    health_check_and_openapi_document_need_no_setup,
    a_created_captive_can_be_read_back_with_its_claims_timeline_and_deadlines,
    invalid_fields_are_422_and_each_is_named,
    malformed_json_is_400_and_a_wrong_type_names_its_path,
    a_captive_of_an_unknown_party_is_422_naming_the_field,
    unknown_ids_are_404,
    search_finds_captives_by_any_name_in_any_script,
    filters_and_paging_work_together,
    a_record_is_changed_step_by_step_and_every_change_is_audited,
    domain_rules_are_refused_with_the_reason,
    a_party_code_taken_twice_is_409,
    no_bad_request_to_any_endpoint_is_a_500,
    requests_without_a_valid_credential_are_401_and_public_endpoints_stay_open,
    login_sets_a_strict_cookie_and_logout_revokes_the_session,
    a_cookie_session_needs_its_csrf_token_for_writes,
    every_endpoint_answers_every_role_as_the_permission_matrix_says,
    restricted_fields_are_absent_for_roles_that_may_not_read_them,
    reads_of_a_record_are_audited,
    a_journalist_sees_only_what_an_approved_decision_released,
    an_auditor_filters_the_log_by_actor_action_and_entity,
    a_witness_checks_that_the_log_only_grew,
    a_tracing_request_is_matched_reviewed_answered_and_closed,
    a_search_in_another_spelling_finds_the_captive_ranked_by_score,
    a_list_is_imported_reconciled_and_the_same_file_again_creates_nothing,
    a_list_with_bad_rows_is_refused_whole_with_every_line_named,
    a_new_captive_is_proposed_to_the_open_request_that_seeks_him,
    accounts_are_created_listed_and_disabled_by_an_admin,
    the_captives_held_are_planned_for_exchange,
    a_request_id_sent_by_the_client_is_not_recorded,
    parallel_wrong_guesses_are_counted_before_any_password_is_checked,
    an_admin_unlocks_an_account_locked_by_failed_logins,
    disabling_an_account_revokes_its_credentials_for_good,
    api_tokens_expire_and_are_listed_and_revoked_by_their_owner,
    a_user_changes_his_password_and_an_admin_resets_one,
    a_second_factor_is_set_up_required_at_login_and_never_replayed,
);

async fn a_request_id_sent_by_the_client_is_not_recorded(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let chosen = "forged-id: see event 1";
    let response = app
        .client
        .get(format!("{}/api/captives/{id}", app.base))
        .bearer_auth(app.token.as_deref().unwrap())
        .header("x-request-id", chosen)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ours = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(ours, chosen);
    assert!(uuid::Uuid::parse_str(&ours).is_ok(), "{ours}");
    let events = app
        .store
        .audit_events(&AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let read = events.iter().rfind(|e| e.action == "captive.read").unwrap();
    assert_eq!(read.request_id.as_deref(), Some(ours.as_str()));
    assert!(events
        .iter()
        .all(|e| e.request_id.as_deref() != Some(chosen)));
}

async fn health_check_and_openapi_document_need_no_setup(app: &TestApp) {
    app.get("/healthz").await.expect_status(StatusCode::OK);
    let doc = app
        .get("/api/openapi.json")
        .await
        .expect_status(StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc.body["paths"].as_object().unwrap();
    for path in [
        "/api/captives",
        "/api/captives/{id}",
        "/api/captives/{id}/identity-claims",
        "/api/captives/{id}/assessed-identity",
        "/api/captives/{id}/custody-events",
        "/api/captives/{id}/health",
        "/api/captives/{id}/interviews",
        "/api/captives/{id}/repatriation-wish",
        "/api/parties",
        "/api/audit/events",
        "/api/audit/checkpoint",
        "/api/audit/proof",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    // Every parameter is where it is sent: a path parameter is named in its path.
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    parameter["in"] == "path",
                    in_path,
                    "{method} {path}: parameter {name} is given as {}",
                    parameter["in"]
                );
            }
        }
    }
    assert!(doc.body["components"]["schemas"]["NewCaptiveRequest"].is_object());
    assert_eq!(
        doc.body["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc.body["components"]["securitySchemes"]["session_cookie"]["in"],
        "cookie"
    );
    assert_eq!(
        doc.body["components"]["securitySchemes"]["session_cookie"]["name"],
        "__Host-repatria_session"
    );
    // The account endpoints, with the answers of the login limit.
    for (path, method) in [
        ("/api/auth/tokens", "get"),
        ("/api/auth/tokens", "post"),
        ("/api/auth/tokens/{id}", "delete"),
        ("/api/auth/password", "post"),
        ("/api/users/{username}/unlock", "post"),
        ("/api/users/{username}/password", "post"),
        ("/api/auth/totp", "get"),
        ("/api/auth/totp", "post"),
        ("/api/auth/totp", "delete"),
        ("/api/auth/totp/confirm", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    let login = &paths["/api/auth/login"]["post"]["responses"];
    for status in ["200", "401", "403", "429", "503"] {
        assert!(login[status].is_object(), "login lacks {status}");
    }
    assert!(
        login["429"]["headers"]["Retry-After"].is_object(),
        "{login}"
    );
    assert!(
        login["503"]["headers"]["Retry-After"].is_object(),
        "{login}"
    );
}

async fn a_created_captive_can_be_read_back_with_its_claims_timeline_and_deadlines(app: &TestApp) {
    app.with_parties().await;
    let answer = app
        .post("/api/captives", captive("Кимов", "Алексей", "KP"))
        .await
        .expect_status(StatusCode::CREATED);
    let id = answer.body["id"].as_str().unwrap();
    let record = app
        .get(&format!("/api/captives/{id}"))
        .await
        .expect_status(StatusCode::OK);
    let body = &record.body;
    for part in [
        "id",
        "identity_claims",
        "timeline",
        "capture",
        "health",
        "created_at",
    ] {
        assert_eq!(
            body[part], answer.body[part],
            "{part} differs between the created and the read record"
        );
    }
    assert_eq!(body["status"], "in_custody");
    assert_eq!(body["identity_claims"][0]["family_name"], "Кимов");
    assert_eq!(body["identity_claims"][0]["date_of_birth"], "1999-03");
    assert_eq!(body["identity_claims"][0]["nationality"], "RU");
    assert_eq!(body["identity_claims"][0]["document_not_bearers"], true);
    assert_eq!(body["assessed_claim_id"], body["identity_claims"][0]["id"]);
    assert_eq!(body["timeline"][0]["kind"], "captured");
    assert_eq!(body["capture"]["latitude"], 51.6);
    assert_eq!(body["health"]["category"], "seriously_wounded");
    let kinds: Vec<&str> = body["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["capture_card", "health_report"]);
    assert_eq!(
        body["deadlines"][1]["state"], "overdue",
        "the weekly report of January 2025 is long overdue"
    );
}

async fn invalid_fields_are_422_and_each_is_named(app: &TestApp) {
    app.with_parties().await;
    let mut body = captive("Кимов", "Алексей", "KP");
    body["identity_claims"][0]["date_of_birth"] = json!("1999-02-30");
    body["identity_claims"][0]["source"] = json!("rumour");
    body["identity_claims"][0]["confidence"] = json!(1.5);
    body["capture"]["captured_at"] = json!("yesterday");
    body["capture"]["latitude"] = json!(95.0);
    body["languages"] = json!(["korean"]);
    body["power_of_origin"] = json!("kp");
    let answer = app
        .post("/api/captives", body)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["error"]["code"], "validation_failed");
    assert!(
        field_error(&answer, "identity_claims[0].date_of_birth").contains("not a calendar date")
    );
    assert!(field_error(&answer, "identity_claims[0].source").contains("document_found"));
    assert!(field_error(&answer, "identity_claims[0].confidence").contains("between 0 and 1"));
    assert!(field_error(&answer, "capture.captured_at").contains("RFC 3339"));
    assert!(field_error(&answer, "capture.latitude").contains("-90 and 90"));
    assert!(field_error(&answer, "languages[0]").contains("ISO 639"));
    assert!(field_error(&answer, "power_of_origin").contains("A-Z"));

    let mut future = captive("Кимов", "Алексей", "KP");
    future["capture"]["captured_at"] = json!("2999-01-01T00:00:00Z");
    let answer = app
        .post("/api/captives", future)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&answer, "capture.captured_at").contains("future"));
    assert_eq!(
        app.get("/api/captives").await.body["total"],
        0,
        "nothing was written"
    );
}

async fn malformed_json_is_400_and_a_wrong_type_names_its_path(app: &TestApp) {
    app.with_parties().await;
    let answer = app
        .send("POST", "/api/captives", Some("{\"power_of_origin\": "))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"]["code"], "bad_request");
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));

    let mut body = captive("Кимов", "Алексей", "KP");
    body["identity_claims"][0]["confidence"] = json!("high");
    let answer = app
        .post("/api/captives", body)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&answer, "identity_claims[0].confidence").contains("invalid type"));

    let mut body = captive("Кимов", "Алексей", "KP");
    body["identity_claims"][0]["surname"] = json!("typo");
    let answer = app.post("/api/captives", body).await;
    assert!(
        field_error(&answer, "identity_claims[0].surname").contains("unknown field `surname`"),
        "{}",
        answer.body
    );
}

async fn a_captive_of_an_unknown_party_is_422_naming_the_field(app: &TestApp) {
    app.with_parties().await;
    let answer = app
        .post("/api/captives", captive("Кимов", "Алексей", "XX"))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&answer, "power_of_origin").contains("no party with code XX"));
}

async fn unknown_ids_are_404(app: &TestApp) {
    app.with_parties().await;
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/api/captives/{unknown}"),
        "/api/captives/not-an-id".to_string(),
        "/api/nothing-here".to_string(),
    ] {
        let answer = app.get(&path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.body["error"]["code"], "not_found");
    }
    app.post(
        &format!("/api/captives/{unknown}/custody-events"),
        json!({"kind": "transferred", "at": "2025-01-10T00:00:00Z"}),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
}

async fn names_found(app: &TestApp, query: &str) -> Vec<String> {
    let answer = app
        .get(&format!("/api/captives?q={}", urlencode(query)))
        .await
        .expect_status(StatusCode::OK);
    let mut names: Vec<String> = answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["family_name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn search_finds_captives_by_any_name_in_any_script(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    app.create_captive(captive("Шевченко", "Тарас", "RU")).await;
    app.create_captive(captive("Fëdorov", "Ivan", "RU")).await;
    let claim = json!({ "source": "investigator_assessment", "family_name": "리", "given_name": "정철", "confidence": 0.7 });
    app.post(&format!("/api/captives/{id}/identity-claims"), claim)
        .await
        .expect_status(StatusCode::OK);

    assert_eq!(names_found(app, "КИМОВ").await, vec!["Кимов"]);
    assert_eq!(
        names_found(app, "정철").await,
        vec!["Кимов"],
        "found under his other claim's name"
    );
    assert_eq!(names_found(app, "тарас шевч").await, vec!["Шевченко"]);
    assert_eq!(names_found(app, "fedorov").await, vec!["Fëdorov"]);
    assert!(names_found(app, "Petrenko").await.is_empty());
    let answer = app
        .get("/api/captives?q=%21%21")
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&answer, "q").contains("no letters"));
}

async fn filters_and_paging_work_together(app: &TestApp) {
    app.with_parties().await;
    for i in 0..7 {
        app.create_captive(captive(
            &format!("Family{i}"),
            "Given",
            if i < 5 { "RU" } else { "KP" },
        ))
        .await;
    }
    let mut seen = 0;
    let mut path = "/api/captives?power_of_origin=RU&limit=2".to_string();
    loop {
        let page = app.get(&path).await;
        assert_eq!(page.body["total"], 5);
        seen += page.body["items"].as_array().unwrap().len();
        match page.body["next"].as_str() {
            Some(next) => path = format!("/api/captives?power_of_origin=RU&limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, 5);
    assert_eq!(
        app.get("/api/captives?status=in_hospital").await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/captives?detaining_power=UA&status=in_custody")
            .await
            .body["total"],
        7
    );
    for (query, field) in [
        ("status=lost", "status"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=x", "limit"),
        ("power_of_origin=u", "power_of_origin"),
    ] {
        let answer = app.get(&format!("/api/captives?{query}")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        field_error(&answer, field);
    }
    // A cursor that is no position names no page.
    let answer = app.get("/api/captives?cursor=zzz").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    field_error(&answer, "cursor");
}

async fn a_record_is_changed_step_by_step_and_every_change_is_audited(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let path = |tail: &str| format!("/api/captives/{id}{tail}");

    let claim = json!({ "source": "investigator_assessment", "family_name": "리", "given_name": "정철", "date_of_birth": "2001" });
    let record = app.post(&path("/identity-claims"), claim).await.body;
    let claim_id = record["identity_claims"][1]["id"].clone();
    let record = app
        .put(&path("/assessed-identity"), json!({ "claim_id": claim_id }))
        .await
        .body;
    assert_eq!(record["assessed_claim_id"], claim_id);

    let record = app.post(&path("/custody-events"), json!({ "kind": "admitted_to_hospital", "at": "2025-01-10T10:00:00Z", "place": "Hospital No. 2", "facility": "hospital" })).await.body;
    assert_eq!(record["status"], "in_hospital");
    let record = app.post(&path("/custody-events"), json!({ "kind": "transferred", "at": "2025-01-15T10:00:00Z", "place": "Hospital in the capital", "facility": "hospital" })).await.body;
    assert_eq!(record["timeline"].as_array().unwrap().len(), 3);

    let record = app
        .post(
            &path("/health"),
            json!({ "category": "convalescent", "eligible_for_direct_repatriation": true }),
        )
        .await
        .body;
    assert_eq!(record["health"]["category"], "convalescent");
    assert_eq!(record["health_history"].as_array().unwrap().len(), 2);
    assert!(record["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["kind"] != "health_report"));

    let interview = json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "Investigator 1", "language": "ko", "interpreter": "Interpreter 1", "summary": "restricted" });
    let record = app.post(&path("/interviews"), interview).await.body;
    assert_eq!(record["interviews"][0]["interpreter"], "Interpreter 1");

    let record = app
        .put(&path("/repatriation-wish"), json!({ "wish": "wishes" }))
        .await
        .body;
    assert_eq!(record["repatriation_wish"]["wish"], "wishes");
    let record = app
        .put(
            &path("/languages"),
            json!({ "languages": ["ko", "ru"], "interpreter_required": false }),
        )
        .await
        .body;
    assert_eq!(record["languages"], json!(["ko", "ru"]));
    let answer = app
        .post(
            &path("/capture-card"),
            json!({ "sent_at": "2025-01-11T00:00:00Z" }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(answer.body["deadlines"][0]["state"], "met");

    let events = app
        .get(&format!(
            "/api/audit/events?entity_type=captive&entity_id={id}"
        ))
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "captive.create",
            "captive.identity_claim.add",
            "captive.assessed_identity.set",
            "captive.custody_event.add",
            "captive.custody_event.add",
            "captive.health.record",
            "captive.interview.record",
            "captive.repatriation_wish.record",
            "captive.languages.set",
            "captive.capture_card.sent",
        ]
    );
    assert_eq!(
        events.body["items"][9]["request_id"].as_str(),
        answer.request_id.as_deref(),
        "audit events carry the request id"
    );
}

async fn domain_rules_are_refused_with_the_reason(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let path = |tail: &str| format!("/api/captives/{id}{tail}");
    let cases = [
        (
            path("/custody-events"),
            json!({ "kind": "discharged", "at": "2025-01-10T10:00:00Z" }),
            "kind",
            "not possible",
        ),
        (
            path("/custody-events"),
            json!({ "kind": "transferred", "at": "2024-12-31T10:00:00Z" }),
            "at",
            "before the capture",
        ),
        (
            path("/interviews"),
            json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "I", "language": "uk", "interpreter": "X" }),
            "language",
            "Art. 17",
        ),
        (
            path("/interviews"),
            json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "I", "language": "ko" }),
            "interpreter",
            "interpreter",
        ),
        (
            path("/assessed-identity"),
            json!({ "claim_id": uuid::Uuid::now_v7().to_string() }),
            "claim_id",
            "no identity claim",
        ),
        (
            path("/identity-claims"),
            json!({ "source": "family", "document_not_bearers": true }),
            "document_not_bearers",
            "has a document",
        ),
    ];
    for (url, body, field, fragment) in cases {
        let method = if url.ends_with("assessed-identity") {
            "PUT"
        } else {
            "POST"
        };
        let answer = app.send(method, &url, Some(&body.to_string())).await;
        // A request that cannot be valid is 422; one that breaks a rule given the
        // record's state is 409 (`rule_violated`).
        let expected = if answer.body["error"]["code"] == "rule_violated" {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(answer.status, expected, "{url} {body}: {}", answer.body);
        assert!(
            field_error(&answer, field).contains(fragment),
            "{url} {body}: {}",
            answer.body
        );
    }
    let record = app.get(&path("")).await.body;
    assert_eq!(
        record["timeline"].as_array().unwrap().len(),
        1,
        "refused changes left no trace"
    );
    assert_eq!(record["interviews"].as_array().unwrap().len(), 0);
}

async fn a_party_code_taken_twice_is_409(app: &TestApp) {
    app.with_parties().await;
    let answer = app
        .post("/api/parties", json!({ "code": "UA", "name": "Again" }))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert_eq!(answer.body["error"]["code"], "conflict");
    let answer = app
        .post("/api/parties", json!({ "code": "", "name": "" }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    field_error(&answer, "code");
    field_error(&answer, "name");
    let parties = app.get("/api/parties").await.body;
    assert_eq!(parties["items"].as_array().unwrap().len(), 3);
    assert_eq!(parties["total"], 3);
}

async fn no_bad_request_to_any_endpoint_is_a_500(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let x = app
        .post(
            "/api/exchanges",
            json!({ "title": "T", "sides": [["UA"], ["RU", "KP"]] }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let x = format!("/api/exchanges/{}", x.body["id"].as_str().unwrap());
    let endpoints = [
        ("POST", "/api/exchanges".to_string()),
        ("POST", format!("{x}/demands")),
        ("POST", format!("{x}/proposals")),
        ("POST", format!("{x}/agreement")),
        ("POST", format!("{x}/counterpart-manifest")),
        ("POST", format!("{x}/handover")),
        ("POST", format!("{x}/cancel")),
        ("PUT", format!("/api/captives/{id}/proceedings")),
        ("PUT", format!("/api/captives/{id}/particulars")),
        ("PUT", "/api/parties/RU/transfer-bar".to_string()),
        ("POST", "/api/parties".to_string()),
        ("POST", "/api/captives".to_string()),
        ("POST", format!("/api/captives/{id}/identity-claims")),
        ("PUT", format!("/api/captives/{id}/assessed-identity")),
        ("POST", format!("/api/captives/{id}/custody-events")),
        ("POST", format!("/api/captives/{id}/health")),
        ("POST", format!("/api/captives/{id}/interviews")),
        ("PUT", format!("/api/captives/{id}/repatriation-wish")),
        ("PUT", format!("/api/captives/{id}/languages")),
        ("POST", format!("/api/captives/{id}/capture-card")),
        ("POST", format!("/api/captives/{id}/death")),
        ("POST", format!("/api/captives/{id}/death/enquiry/close")),
        ("POST", "/api/notifications/dispatches".to_string()),
        ("POST", "/api/capture-cards".to_string()),
        (
            "POST",
            "/api/notifications/00000000-0000-0000-0000-000000000000/corrections".to_string(),
        ),
        ("POST", "/api/tracing/requests".to_string()),
        (
            "POST",
            "/api/matches/00000000-0000-0000-0000-000000000000/decision".to_string(),
        ),
        ("POST", "/api/imports".to_string()),
        (
            "POST",
            "/api/imports?file_name=x.csv&as=nothing".to_string(),
        ),
        ("POST", "/api/imports/preview?file_name=x.csv".to_string()),
        ("POST", "/api/exchange/plan-held".to_string()),
        ("POST", "/api/users".to_string()),
        ("POST", "/api/users/admin-1/disabled".to_string()),
        ("POST", "/api/users/nobody/disabled".to_string()),
        ("POST", "/api/users/nobody/unlock".to_string()),
        ("POST", "/api/users/nobody/password".to_string()),
        ("POST", "/api/users/admin-1/password".to_string()),
        ("POST", "/api/auth/tokens".to_string()),
        ("DELETE", "/api/auth/tokens/0123456789abcdef".to_string()),
        ("POST", "/api/auth/password".to_string()),
        ("POST", "/api/auth/totp/confirm".to_string()),
        ("DELETE", "/api/auth/totp".to_string()),
        ("POST", "/api/media/requests".to_string()),
        (
            "POST",
            "/api/media/requests/00000000-0000-0000-0000-000000000000/decision".to_string(),
        ),
        (
            "POST",
            "/api/media/requests/00000000-0000-0000-0000-000000000000/visits".to_string(),
        ),
        ("POST", "/api/exchange/plan".to_string()),
        (
            "POST",
            "/api/tracing/requests/00000000-0000-0000-0000-000000000000/answers".to_string(),
        ),
    ];
    // Every operation of the OpenAPI document that takes a body is in the list above, so
    // that a new endpoint cannot be left out of this test (the document's operations are
    // the router's: both come from one list, routes::operations). Login is public and has tests
    // of its own (its limiter would count these tries).
    let doc = app.get("/api/openapi.json").await.body;
    for (template, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation.get("requestBody").is_none() || template == "/api/auth/login" {
                continue;
            }
            let pattern = template
                .split('/')
                .map(|part| if part.starts_with('{') { "*" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            let covered = endpoints.iter().any(|(m, path)| {
                let path = path.split('?').next().unwrap_or_default();
                m.eq_ignore_ascii_case(method)
                    && path.split('/').count() == template.split('/').count()
                    && path
                        .split('/')
                        .zip(pattern.split('/'))
                        .all(|(a, b)| a == b || (b == "*" && !a.is_empty()))
            });
            assert!(covered, "{method} {template} is missing from this test");
        }
    }
    let long = "я".repeat(30_000);
    let bodies = [
        String::new(),
        "null".into(),
        "[]".into(),
        "{}".into(),
        "\"text\"".into(),
        "{\"a\":".into(),
        json!({ "code": 1, "kind": [], "source": {}, "at": 5, "wish": null, "languages": "ko", "claim_id": 7, "sent_at": true }).to_string(),
        json!({ "code": long, "name": long, "kind": long, "at": long, "source": long, "category": long, "wish": long, "languages": [long], "claim_id": long, "sent_at": long, "interviewer": long, "language": long }).to_string(),
        json!({ "confidence": 1e308, "latitude": -1e308, "at": "2025-13-45T99:99:99Z", "date_of_birth": "0000-00-00" }).to_string(),
        "\u{0}\u{1}binary".into(),
    ];
    for (method, path) in &endpoints {
        for body in &bodies {
            let answer = app.send(method, path, Some(body)).await;
            assert!(
                answer.status.is_client_error(),
                "{method} {path} with {body:.60}: {} {}",
                answer.status,
                answer.body
            );
            assert!(
                answer.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{method} {path}: {}",
                answer.body
            );
        }
        for bad_id in [
            "x",
            "00000000-0000-0000-0000-000000000000",
            "%00",
            "..%2F..%2Fetc",
        ] {
            let path = path.replace(&id, bad_id);
            if path.contains(bad_id) {
                let answer = app.send(method, &path, Some("{}")).await;
                assert!(
                    answer.status.is_client_error(),
                    "{method} {path}: {}",
                    answer.status
                );
            }
        }
    }
    app.send("DELETE", "/api/captives", None)
        .await
        .expect_status(StatusCode::METHOD_NOT_ALLOWED);
    let record = app.get(&format!("/api/captives/{id}")).await.body;
    assert_eq!(
        record["identity_claims"].as_array().unwrap().len(),
        1,
        "no bad request changed the record"
    );
}

/// The three-party case of docs/exchange.md through the API: UA holds KP soldiers,
/// RU holds UA soldiers; sides `[UA]` and `[RU, KP]`. The bounds tests plan it too.
pub(crate) fn three_party_scenario() -> Value {
    let prisoner = |id: &str, held_by: &str, belongs_to: &str| json!({ "id": id, "held_by": held_by, "belongs_to": belongs_to, "rank": "private", "captured_on": "2025-01-09" });
    json!({
        "parties": [{ "id": "UA", "name": "Ukraine" }, { "id": "RU", "name": "Russian Federation" }, { "id": "KP", "name": "DPRK" }],
        "sides": [["UA"], ["RU", "KP"]],
        "prisoners": [
            prisoner("kp-1", "UA", "KP"),
            prisoner("kp-2", "UA", "KP"),
            prisoner("ua-1", "RU", "UA"),
            { "id": "ua-2", "held_by": "RU", "belongs_to": "UA", "captured_on": "2025-02-01", "refuses_repatriation": true },
        ],
        "terms": { "balance": "count", "tolerance": 0, "as_of": "2026-11-27" }
    })
}

#[tokio::test]
async fn the_exchange_planner_answers_over_the_api_with_the_contract_shape() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let answer = app
        .post("/api/exchange/plan", three_party_scenario())
        .await
        .expect_status(StatusCode::OK);
    let plan = &answer.body;
    assert_eq!(plan["optimal"], true);
    let moved = transferred(plan);
    assert_eq!(moved.len(), 2, "one for one: {plan}");
    assert!(moved.contains(&"ua-1"));
    let reasons = not_moved(plan);
    assert!(
        reasons.contains(&("ua-2", "refuses_repatriation")),
        "{reasons:?}"
    );
    assert_eq!(
        moved.len() + reasons.len(),
        4,
        "every prisoner appears exactly once"
    );

    let mut bad = three_party_scenario();
    bad["prisoners"][1]["held_by"] = json!("XX");
    let answer = app
        .post("/api/exchange/plan", bad)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("prisoners[1]")),
        "{}",
        answer.body
    );
    app.send("POST", "/api/exchange/plan", Some("{"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

async fn requests_without_a_valid_credential_are_401_and_public_endpoints_stay_open(app: &TestApp) {
    for (method, path) in [
        ("GET", "/api/captives"),
        ("POST", "/api/captives"),
        ("GET", "/api/parties"),
        ("GET", "/api/audit/events"),
        ("GET", "/api/audit/checkpoint"),
        ("GET", "/api/audit/proof?old=1"),
        ("POST", "/api/exchange/plan"),
    ] {
        let answer = app.anonymous(method, path, Some("{}")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(answer.body["error"]["code"], "unauthorized");
        let answer = app.as_token("not-a-token", method, path, Some("{}")).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} with a made-up token"
        );
    }
    app.anonymous("GET", "/healthz", None)
        .await
        .expect_status(StatusCode::OK);
    app.anonymous("GET", "/api/openapi.json", None)
        .await
        .expect_status(StatusCode::OK);
}

async fn login_sets_a_strict_cookie_and_logout_revokes_the_session(app: &TestApp) {
    app.user("registrar-1", Role::Registrar).await;
    let bad =
        |user: &str, password: &str| json!({ "username": user, "password": password }).to_string();
    let wrong = app
        .anonymous(
            "POST",
            "/api/auth/login",
            Some(&bad("registrar-1", "wrong password here")),
        )
        .await;
    let unknown = app
        .anonymous("POST", "/api/auth/login", Some(&bad("nobody", PASSWORD)))
        .await;
    assert_eq!(
        (wrong.status, unknown.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        wrong.body, unknown.body,
        "an unknown user and a wrong password look the same"
    );

    let response = app
        .client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "username": "registrar-1", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "cookie lacks {flag}: {cookie}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "registrar");
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(session_status(app, &token).await, StatusCode::OK);
    assert_eq!(
        app.status_as(&token, "POST", "/api/auth/logout").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        session_status(app, &token).await,
        StatusCode::UNAUTHORIZED,
        "a revoked session still works"
    );

    // A personal API token works until it is revoked the same way.
    let created = app
        .send(
            "POST",
            "/api/auth/tokens",
            Some(&json!({ "name": "nightly import" }).to_string()),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let api_token = created.body["token"].as_str().unwrap().to_string();
    assert_eq!(session_status(app, &api_token).await, StatusCode::OK);
    app.as_token(&api_token, "POST", "/api/auth/logout", None)
        .await;
    assert_eq!(
        session_status(app, &api_token).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_cookie_session_needs_its_csrf_token_for_writes(app: &TestApp) {
    let login: Value = app
        .client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "username": "admin-1", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cookie = format!(
        "__Host-repatria_session={}",
        login["token"].as_str().unwrap()
    );
    let csrf = login["csrf_token"].as_str().unwrap();
    let party = |code: &str| json!({ "code": code, "name": "Party" });
    let send = |csrf: Option<&str>, body: Value| {
        let mut request = app
            .client
            .post(format!("{}/api/parties", app.base))
            .header("cookie", &cookie)
            .json(&body);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.send()
    };
    assert_eq!(
        send(None, party("AA")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(Some("forged"), party("AA")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(Some(csrf), party("AA")).await.unwrap().status(),
        StatusCode::CREATED
    );
    let read = app
        .client
        .get(format!("{}/api/parties", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK, "reads need no CSRF token");
}

/// Every endpoint × every role: the status each role gets.
async fn every_endpoint_answers_every_role_as_the_permission_matrix_says(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let claim_id = app.get(&format!("/api/captives/{id}")).await.body["identity_claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    record_interview_and_health(app, &id, "MATRIX-SUMMARY", "MATRIX-NOTE").await;
    let roles = [
        ("admin", Role::Admin),
        ("registrar", Role::Registrar),
        ("investigator", Role::Investigator),
        ("medical", Role::Medical),
        ("tracing_officer", Role::TracingOfficer),
        ("negotiator", Role::Negotiator),
        ("media_officer", Role::MediaOfficer),
        ("auditor", Role::Auditor),
        ("icrc_delegate", Role::IcrcDelegate),
        ("journalist", Role::Journalist),
    ];
    let mut tokens = Vec::new();
    for (name, role) in roles {
        tokens.push((
            name,
            app.user(&format!("user-{}", name.replace('_', "-")), role)
                .await,
        ));
    }
    app.user("user-target", Role::Registrar).await;
    let c = |tail: &str| format!("/api/captives/{id}{tail}");
    let media_captive = id.clone();
    let request = app
        .post(
            "/api/tracing/requests",
            tracing_request("Кимов", "Алексей", "MATRIX-CONTACT"),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let rid = request.body["id"].as_str().unwrap().to_string();
    let link_id = request.body["candidates"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no candidate in {}", request.body))
        .to_string();
    let r = |tail: &str| format!("/api/tracing/requests/{rid}{tail}");
    let (import_id, job_id) = import_and_wait(app, "matrix.csv", MATRIX_LIST, "").await;
    let tracers = "admin tracing_officer";
    let tracing_readers = "admin tracing_officer icrc_delegate";
    let importers = "admin registrar tracing_officer";
    // Exchanges: one of ours held by Russia, to pair with the Korean soldier; an
    // exchange kept negotiating, one agreed; the rest made fresh for each call below.
    let ours = app
        .create_captive(json!({
            "power_of_origin": "UA", "detaining_power": "RU",
            "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
            "identity_claims": [{ "source": "other_party_list", "family_name": "Petrenko", "given_name": "Ostap" }]
        }))
        .await;
    app.post("/api/parties", json!({ "code": "BY", "name": "Belarus" }))
        .await
        .expect_status(StatusCode::CREATED);
    let exchanges_readers = "admin negotiator icrc_delegate";
    let negotiators = "admin negotiator";
    let pair = json!({ "by": "UA", "transfers": [
        { "captive": id, "from": "UA", "to": "KP" },
        { "captive": ours, "from": "RU", "to": "UA" }
    ]});
    let new_exchange =
        json!({ "title": "Matrix", "sides": [["UA"], ["RU", "KP"]], "terms": { "tolerance": 1 } });
    let fresh_exchange = |agreed: bool| {
        let (pair, new_exchange) = (pair.clone(), new_exchange.clone());
        async move {
            let x = app
                .post("/api/exchanges", new_exchange)
                .await
                .expect_status(StatusCode::CREATED);
            let x = format!("/api/exchanges/{}", x.body["id"].as_str().unwrap());
            app.post(&format!("{x}/proposals"), pair)
                .await
                .expect_status(StatusCode::CREATED);
            if agreed {
                app.post(&format!("{x}/agreement"), json!({ "proposal": 1 }))
                    .await
                    .expect_status(StatusCode::OK);
            }
            x
        }
    };
    let negotiating = fresh_exchange(false).await;
    let agreed = fresh_exchange(true).await;
    // Notifications: what is pending for KP dispatched once, so that a dispatched one and
    // its dispatch exist for every reader; each dispatch below has a fresh captive's.
    let dispatch = app
        .post(
            "/api/notifications/dispatches",
            json!({ "power_of_origin": "KP" }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let dispatch = format!(
        "/api/notifications/dispatches/{}",
        dispatch.body["id"].as_str().unwrap()
    );
    let sent = app
        .get("/api/notifications?state=dispatched&power_of_origin=KP&limit=1")
        .await
        .expect_status(StatusCode::OK);
    let notification = format!(
        "/api/notifications/{}",
        sent.body["items"][0]["id"].as_str().unwrap()
    );
    let notice_readers = "admin registrar tracing_officer icrc_delegate";
    let full_readers = "admin registrar investigator tracing_officer icrc_delegate";
    let dead = app.create_captive(captive("Кимов", "Борис", "KP")).await;
    app.post(
        &format!("/api/captives/{dead}/death"),
        json!({ "died_at": "2025-01-20T10:00:00Z", "place": "Camp 3", "cause": "wounds", "certified_by": "Camp doctor" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let dispatchers = "admin registrar tracing_officer";
    let death = json!({ "died_at": "2025-01-20T10:00:00Z", "place": "Camp 3", "cause": "wounds",
                        "certified_by": "Camp doctor", "enquiry_required": true });
    // (method, path, body, roles allowed); journalists get 404 for captives they were not shown.
    let all = "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate";
    let readers = "admin registrar investigator medical tracing_officer negotiator icrc_delegate";
    type MakeBody = Box<dyn Fn() -> Value>;
    let endpoints: Vec<(&str, String, MakeBody, &str)> = vec![
        ("GET", "/api/parties".into(), Box::new(|| Value::Null), all),
        (
            "POST",
            "/api/parties".into(),
            Box::new(|| Value::Null),
            "admin registrar",
        ),
        (
            "GET",
            "/api/captives".into(),
            Box::new(|| Value::Null),
            readers,
        ),
        ("GET", c(""), Box::new(|| Value::Null), readers),
        (
            "POST",
            "/api/captives".into(),
            Box::new(|| captive("Петренко", "Іван", "RU")),
            "admin registrar",
        ),
        (
            "POST",
            c("/identity-claims"),
            Box::new(|| json!({ "source": "family", "family_name": "Кім" })),
            "admin registrar investigator",
        ),
        (
            "PUT",
            c("/assessed-identity"),
            Box::new(move || json!({ "claim_id": claim_id })),
            "admin registrar investigator",
        ),
        (
            "POST",
            c("/custody-events"),
            Box::new(|| json!({ "kind": "interviewed", "at": "2025-01-20T10:00:00Z" })),
            "admin registrar",
        ),
        (
            "POST",
            c("/health"),
            Box::new(|| json!({ "category": "sick", "note": "fever" })),
            "admin medical",
        ),
        (
            "POST",
            c("/interviews"),
            Box::new(
                || json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "I", "language": "ko", "interpreter": "X" }),
            ),
            "admin investigator",
        ),
        (
            "PUT",
            c("/repatriation-wish"),
            Box::new(|| json!({ "wish": "wishes" })),
            "admin registrar",
        ),
        (
            "PUT",
            c("/languages"),
            Box::new(|| json!({ "languages": ["ko"], "interpreter_required": true })),
            "admin registrar medical",
        ),
        // A fresh captive for each call: a card is recorded sent once.
        (
            "POST",
            "CARD".into(),
            Box::new(|| json!({ "sent_at": "2025-01-11T00:00:00Z" })),
            "admin registrar",
        ),
        (
            "GET",
            "/api/audit/events".into(),
            Box::new(|| Value::Null),
            "admin auditor",
        ),
        (
            "GET",
            "/api/audit/checkpoint".into(),
            Box::new(|| Value::Null),
            "admin auditor",
        ),
        (
            "GET",
            "/api/audit/proof?old=1".into(),
            Box::new(|| Value::Null),
            "admin auditor",
        ),
        (
            "GET",
            "/api/dashboard".into(),
            Box::new(|| Value::Null),
            "admin registrar investigator medical tracing_officer negotiator icrc_delegate",
        ),
        (
            "POST",
            "/api/exchange/plan".into(),
            Box::new(three_party_scenario),
            "admin negotiator",
        ),
        (
            "POST",
            "/api/exchange/plan-held".into(),
            Box::new(|| json!({ "sides": [["UA"], ["RU", "KP"]], "terms": { "balance": "count", "as_of": "2026-11-27" } })),
            "admin negotiator",
        ),
        ("GET", "/api/users".into(), Box::new(|| Value::Null), "admin"),
        // A new name for each call; the path and body are filled in below.
        ("POST", "NEWUSER".into(), Box::new(|| Value::Null), "admin"),
        (
            "POST",
            "/api/users/user-target/disabled".into(),
            Box::new(|| json!({ "disabled": true })),
            "admin",
        ),
        (
            "GET",
            "/api/media/requests".into(),
            Box::new(|| Value::Null),
            "admin media_officer journalist",
        ),
        (
            "POST",
            "/api/media/requests".into(),
            Box::new(move || {
                json!({ "outlet": "O", "journalist": "user-journalist", "purpose": "p", "captives": [media_captive],
                        "wanted_from": "2026-01-01", "wanted_until": "2026-01-02" })
            }),
            "admin media_officer",
        ),
        // A fresh request for each call (a request is decided once), approved for the
        // visit, so that an allowed call can succeed; the path is filled in below.
        (
            "POST",
            "DECISION".into(),
            Box::new(|| Value::Null),
            "admin media_officer",
        ),
        (
            "POST",
            "VISIT".into(),
            Box::new(|| Value::Null),
            "admin media_officer",
        ),
        ("GET", "/api/tracing/requests".into(), Box::new(|| Value::Null), tracing_readers),
        ("GET", "/api/registry/pfif?domain=bureau.example".into(), Box::new(|| Value::Null), tracing_readers),
        ("GET", r(""), Box::new(|| Value::Null), tracing_readers),
        (
            "POST",
            "/api/tracing/requests".into(),
            Box::new(|| tracing_request("Петренко", "Іван", "MATRIX-CONTACT")),
            tracers,
        ),
        (
            "POST",
            r("/answers"),
            Box::new(|| json!({ "text": "We are looking." })),
            tracers,
        ),
        // A fresh, answered request for each call (a request is closed once).
        ("POST", "CLOSE".into(), Box::new(|| Value::Null), tracers),
        ("GET", "/api/matches?state=review".into(), Box::new(|| Value::Null), importers),
        ("POST", "DECIDE".into(), Box::new(|| Value::Null), importers),
        (
            "POST",
            "/api/imports/preview?file_name=m.csv".into(),
            Box::new(|| Value::String(MATRIX_LIST.into())),
            importers,
        ),
        (
            "POST",
            "/api/imports?file_name=matrix.csv".into(),
            Box::new(|| Value::String(MATRIX_LIST.into())),
            importers,
        ),
        (
            "POST",
            "/api/imports?file_name=requests.csv&as=tracing&consent=true".into(),
            Box::new(|| Value::String(MATRIX_REQUESTS.into())),
            tracers,
        ),
        ("GET", "/api/imports".into(), Box::new(|| Value::Null), importers),
        ("GET", format!("/api/imports/jobs/{job_id}"), Box::new(|| Value::Null), "admin"),
        ("GET", format!("/api/imports/{import_id}/report"), Box::new(|| Value::Null), importers),
        (
            "GET",
            format!("/api/imports/{import_id}/report?format=csv"),
            Box::new(|| Value::Null),
            importers,
        ),
        ("GET", "/api/exchanges".into(), Box::new(|| Value::Null), exchanges_readers),
        ("POST", "/api/exchanges".into(), Box::new({ let b = new_exchange.clone(); move || b.clone() }), negotiators),
        ("GET", negotiating.clone(), Box::new(|| Value::Null), exchanges_readers),
        ("GET", format!("{negotiating}/proposals"), Box::new(|| Value::Null), exchanges_readers),
        ("GET", format!("{negotiating}/proposals/1?against=1&names=true"), Box::new(|| Value::Null), exchanges_readers),
        ("GET", format!("{negotiating}/demands"), Box::new(|| Value::Null), exchanges_readers),
        (
            "POST",
            format!("{negotiating}/demands"),
            Box::new(|| json!({ "by": "KP", "persons": [{ "family_name": "Кимов", "given_name": "Алексей" }] })),
            negotiators,
        ),
        ("POST", format!("{negotiating}/proposals"), Box::new({ let b = pair.clone(); move || b.clone() }), negotiators),
        ("GET", format!("{agreed}/manifest?format=csv&party=KP"), Box::new(|| Value::Null), exchanges_readers),
        (
            "POST",
            format!("{agreed}/counterpart-manifest"),
            Box::new(|| json!({ "by": "RU", "persons": [{ "family_name": "Петренко", "given_name": "Остап" }] })),
            negotiators,
        ),
        // A fresh exchange for each call (each is agreed, cancelled, decided or
        // completed once); the path and body are filled in below.
        ("POST", "AGREE".into(), Box::new(|| json!({ "proposal": 1 })), negotiators),
        ("POST", "CANCEL".into(), Box::new(|| json!({ "reason": "the mediator withdrew" })), negotiators),
        ("POST", "HANDOVER".into(), Box::new(|| Value::Null), exchanges_readers),
        ("POST", "COMPLETE".into(), Box::new(|| json!({})), negotiators),
        ("PUT", c("/proceedings"), Box::new(|| json!({ "reference": "Case 1/2025" })), "admin registrar"),
        ("GET", "/api/dashboard/overdue?kind=capture_card&limit=5".into(), Box::new(|| Value::Null), readers),
        ("GET", c("/capture-card.pdf"), Box::new(|| Value::Null), full_readers),
        ("GET", c("/capture-card"), Box::new(|| Value::Null), full_readers),
        ("POST", "/api/capture-cards".into(), Box::new({ let id = id.clone(); move || json!({ "captives": [id] }) }), full_readers),
        ("GET", format!("/api/captives/{dead}/death-certificate.pdf"), Box::new(|| Value::Null), full_readers),
        ("GET", "/api/notifications?state=dispatched".into(), Box::new(|| Value::Null), notice_readers),
        ("GET", notification.clone(), Box::new(|| Value::Null), notice_readers),
        ("POST", format!("{notification}/corrections"), Box::new(|| json!({ "note": "The place of capture is Hill 203." })), dispatchers),
        ("GET", "/api/notifications/dispatches".into(), Box::new(|| Value::Null), notice_readers),
        ("GET", dispatch.clone(), Box::new(|| Value::Null), notice_readers),
        ("GET", format!("{dispatch}/notifications.csv"), Box::new(|| Value::Null), notice_readers),
        // A fresh captive for each call: his notifications to dispatch, his death to record,
        // his enquiry to close.
        ("POST", "DISPATCH".into(), Box::new(|| json!({ "power_of_origin": "KP" })), dispatchers),
        ("POST", "DEATH".into(), Box::new({ let d = death.clone(); move || d.clone() }), "admin registrar medical"),
        ("POST", "ENQUIRY".into(), Box::new(|| json!({ "findings": "No fault found." })), "admin registrar medical"),
        ("PUT", c("/particulars"), Box::new(|| json!({ "prisoner_number": "UA-PW 1", "refused": ["family_address"] })), "admin registrar"),
        // Last of the exchanges' rows: the bar would stop the fresh exchanges above.
        ("PUT", "/api/parties/BY/transfer-bar".into(), Box::new(|| json!({ "reason": "not able to apply the Convention" })), "admin registrar"),
        ("DELETE", "/api/parties/BY/transfer-bar".into(), Box::new(|| Value::Null), "admin registrar"),
        ("POST", "/api/auth/tokens".into(), Box::new(|| json!({ "name": "script" })), "admin registrar tracing_officer negotiator auditor"),
        ("GET", "/api/auth/tokens".into(), Box::new(|| Value::Null), "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate journalist"),
        ("GET", "/api/auth/totp".into(), Box::new(|| Value::Null), "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate journalist"),
        ("POST", "/api/auth/totp".into(), Box::new(|| Value::Null), "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate journalist"),
        ("POST", "/api/users/user-target/unlock".into(), Box::new(|| Value::Null), "admin"),
        ("POST", "/api/users/user-target/password".into(), Box::new(|| json!({ "password": "a temporary password" })), "admin"),
        // Each role changes its own password (the session in use stays).
        ("POST", "/api/auth/password".into(), Box::new(|| json!({ "current_password": PASSWORD, "new_password": "another long password" })), "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate journalist"),
        // Last: logging out revokes the token the rest of the table uses.
        ("POST", "/api/auth/logout".into(), Box::new(|| Value::Null), "admin registrar investigator medical tracing_officer negotiator media_officer auditor icrc_delegate journalist"),
    ];
    // Every operation of the OpenAPI document is in the table (the public login,
    // document, health check and monitoring figures aside), so that a new endpoint cannot
    // be left out of the matrix (the document's operations are the router's: both come
    // from one list).
    let doc = app.get("/api/openapi.json").await.body;
    let placeholders = [
        ("DECISION", "/api/media/requests/*/decision"),
        ("VISIT", "/api/media/requests/*/visits"),
        ("NEWUSER", "/api/users"),
        ("CLOSE", "/api/tracing/requests/*/close"),
        ("DECIDE", "/api/matches/*/decision"),
        ("AGREE", "/api/exchanges/*/agreement"),
        ("CANCEL", "/api/exchanges/*/cancel"),
        ("HANDOVER", "/api/exchanges/*/handover"),
        ("COMPLETE", "/api/exchanges/*/complete"),
        ("DISPATCH", "/api/notifications/dispatches"),
        ("CARD", "/api/captives/*/capture-card"),
        ("DEATH", "/api/captives/*/death"),
        ("ENQUIRY", "/api/captives/*/death/enquiry/close"),
    ];
    // Endpoints on one's own account that need a state the table cannot give every role
    // (a token of one's own, a second factor being set up); every role may call them, and
    // their own tests check them: api_tokens_expire_and_are_listed_and_revoked_by_their_owner
    // and a_second_factor_is_set_up_required_at_login_and_never_replayed.
    let own_account_only = [
        ("delete", "/api/auth/tokens/{id}"),
        ("delete", "/api/auth/totp"),
        ("post", "/api/auth/totp/confirm"),
    ];
    let mut missing: Vec<String> = Vec::new();
    for (template, operations) in doc["paths"].as_object().unwrap() {
        if [
            "/api/auth/login",
            "/api/openapi.json",
            "/healthz",
            "/metrics",
        ]
        .contains(&template.as_str())
        {
            continue;
        }
        let pattern: Vec<&str> = template
            .split('/')
            .map(|part| if part.starts_with('{') { "*" } else { part })
            .collect();
        for method in operations.as_object().unwrap().keys() {
            let covered = endpoints.iter().any(|(m, path, _, _)| {
                let path = placeholders
                    .iter()
                    .find(|(name, _)| name == path)
                    .map_or(path.as_str(), |(_, real)| real);
                let parts: Vec<&str> = path
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .split('/')
                    .collect();
                m.eq_ignore_ascii_case(method)
                    && parts.len() == pattern.len()
                    && parts
                        .iter()
                        .zip(&pattern)
                        .all(|(a, b)| a == b || (*b == "*" && !a.is_empty()))
            });
            if !covered && !own_account_only.contains(&(method.as_str(), template.as_str())) {
                missing.push(format!("{method} {template}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing from the permission matrix: {missing:?}"
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let decision = json!({ "approved": true, "consent_recorded": [id], "valid_from": today, "valid_until": today });
    // Requests are recorded by an officer of their own: whoever records one may not
    // decide it, and every role of the table must be free to try.
    let recorder = app.user("media-recorder", Role::MediaOfficer).await;
    let new_request = || async {
        let request = json!({ "outlet": "O", "journalist": "user-journalist", "purpose": "p", "captives": [id],
                              "wanted_from": today, "wanted_until": today });
        let created = app
            .post_as(&recorder, "/api/media/requests", request)
            .await
            .expect_status(StatusCode::CREATED);
        created.body["id"].as_str().unwrap().to_string()
    };
    let mut party = 0;
    for (method, path, body, allowed) in &endpoints {
        for (role, token) in &tokens {
            let mut body = body();
            if path == "/api/parties" && *method == "POST" {
                party += 1;
                body = json!({ "code": format!("P{party}"), "name": "Party" });
            }
            let mut path = path.clone();
            if path == "NEWUSER" {
                party += 1;
                path = "/api/users".into();
                body = json!({ "username": format!("new-user-{party}"), "role": "registrar", "password": "a long enough password" });
            }
            if path == "DECISION" {
                path = format!("/api/media/requests/{}/decision", new_request().await);
                body = decision.clone();
            } else if path == "VISIT" {
                let request = new_request().await;
                app.post(
                    &format!("/api/media/requests/{request}/decision"),
                    decision.clone(),
                )
                .await
                .expect_status(StatusCode::OK);
                path = format!("/api/media/requests/{request}/visits");
                body = json!({ "captive": id, "at": chrono::Utc::now().to_rfc3339() });
            }
            if path == "CLOSE" {
                let fresh = app
                    .post(
                        "/api/tracing/requests",
                        tracing_request("Петренко", "Іван", "MATRIX-CONTACT"),
                    )
                    .await;
                let fresh = fresh.body["id"].as_str().unwrap().to_string();
                app.post(
                    &format!("/api/tracing/requests/{fresh}/answers"),
                    json!({ "text": "Not found so far." }),
                )
                .await
                .expect_status(StatusCode::OK);
                path = format!("/api/tracing/requests/{fresh}/close");
            }
            if path == "AGREE" {
                path = format!("{}/agreement", fresh_exchange(false).await);
            } else if path == "CANCEL" {
                path = format!("{}/cancel", fresh_exchange(false).await);
            } else if path == "HANDOVER" || path == "COMPLETE" {
                let x = fresh_exchange(true).await;
                let manifest = app
                    .get(&format!("{x}/manifest"))
                    .await
                    .expect_status(StatusCode::OK);
                let entries = manifest.body["entries"].as_array().unwrap().clone();
                let received = entries.iter().find(|e| e["to"] == "UA").unwrap()["entry"].clone();
                if path == "HANDOVER" {
                    path = format!("{x}/handover");
                    body = json!({ "entry": received, "outcome": "received", "checks": { "identity_verified": true } });
                } else {
                    for e in &entries {
                        app.post(
                            &format!("{x}/handover"),
                            json!({ "entry": e["entry"], "outcome": "withdrawn", "note": "postponed" }),
                        )
                        .await
                        .expect_status(StatusCode::OK);
                    }
                    path = format!("{x}/complete");
                }
            }
            if ["DISPATCH", "DEATH", "ENQUIRY", "CARD"].contains(&path.as_str()) {
                let fresh = app.create_captive(captive("Кимов", "Борис", "KP")).await;
                if path == "DISPATCH" {
                    path = "/api/notifications/dispatches".into();
                } else if path == "CARD" {
                    path = format!("/api/captives/{fresh}/capture-card");
                } else if path == "DEATH" {
                    path = format!("/api/captives/{fresh}/death");
                } else {
                    app.post(&format!("/api/captives/{fresh}/death"), death.clone())
                        .await
                        .expect_status(StatusCode::OK);
                    path = format!("/api/captives/{fresh}/death/enquiry/close");
                }
            }
            if path == "DECIDE" {
                // Confirm the link when it is undecided, undo it when it is decided, so
                // that every allowed call can succeed.
                let queue = app.walk("/api/matches", 500).await;
                let link = queue
                    .iter()
                    .find(|l| l["id"] == link_id.as_str())
                    .cloned()
                    .unwrap();
                let decided = ["confirmed", "rejected"].contains(&link["state"].as_str().unwrap());
                path = format!("/api/matches/{link_id}/decision");
                body = json!({ "decision": if decided { "undo" } else { "confirm" } });
            }
            let path = &path;
            // A file is sent as it is, not as a JSON string.
            let body = match &body {
                Value::Null => None,
                Value::String(file) => Some(file.clone()),
                other => Some(other.to_string()),
            };
            let answer = app.as_token(token, method, path, body.as_deref()).await;
            let allowed = allowed.split(' ').any(|r| r == *role);
            // A journalist learns nothing of a captive no decision released: 404.
            let journalist_on_captive = *role == "journalist" && path.starts_with("/api/captives/");
            let expect = if allowed {
                answer.status.is_success()
            } else if path.starts_with("/api/imports/jobs/")
                && importers.split(' ').any(|r| r == *role)
            {
                // Another account's import job does not exist for him.
                answer.status == StatusCode::NOT_FOUND
            } else if journalist_on_captive {
                answer.status == StatusCode::NOT_FOUND
            } else if *role == "journalist" && *method == "GET" && path == "/api/captives" {
                answer.status == StatusCode::OK
                    && answer.body["total"] == 0
                    && answer.body["items"] == json!([])
            } else {
                answer.status == StatusCode::FORBIDDEN
            };
            assert!(
                expect,
                "{role} {method} {path}: {} {}",
                answer.status, answer.body
            );
            // Whatever the endpoint answers, it carries no field the role may not read.
            let text = answer.body.to_string();
            assert!(
                !text.contains("$argon2"),
                "{role} {method} {path}: a password hash"
            );
            let reads_interviews = ["admin", "investigator"].contains(role);
            let reads_medical = ["admin", "medical", "icrc_delegate"].contains(role);
            assert!(
                reads_interviews || !text.contains("MATRIX-SUMMARY"),
                "{role} {method} {path} saw an interview summary"
            );
            assert!(
                reads_medical || !text.contains("MATRIX-NOTE"),
                "{role} {method} {path} saw a medical note"
            );
            assert!(
                ["admin", "tracing_officer"].contains(role) || !text.contains("MATRIX-CONTACT"),
                "{role} {method} {path} saw an inquirer's contact"
            );
            if *role == "journalist" {
                for secret in ["1999-03", "Unit 1", "Border region", "Кимов"] {
                    assert!(
                        !text.contains(secret),
                        "journalist {method} {path} saw {secret}"
                    );
                }
            }
        }
    }
}

async fn restricted_fields_are_absent_for_roles_that_may_not_read_them(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    record_interview_and_health(app, &id, "SECRET-SUMMARY", "SECRET-MEDICAL-NOTE").await;
    let cases = [
        (Role::Registrar, false, false),
        (Role::Investigator, true, false),
        (Role::Medical, false, true),
        (Role::IcrcDelegate, false, true),
        (Role::TracingOfficer, false, false),
        (Role::Admin, true, true),
    ];
    for (n, (role, summary, note)) in cases.into_iter().enumerate() {
        let token = app.user(&format!("reader-{n}"), role).await;
        let answer = app
            .get_as(&token, &format!("/api/captives/{id}"))
            .await
            .expect_status(StatusCode::OK);
        let text = answer.body.to_string();
        assert_eq!(
            text.contains("SECRET-SUMMARY"),
            summary,
            "{role}: interview summary"
        );
        assert_eq!(
            text.contains("SECRET-MEDICAL-NOTE"),
            note,
            "{role}: medical note"
        );
        assert_eq!(
            answer.body["health"]["category"], "sick",
            "{role}: the category is on the capture card"
        );
    }
    let journalist = app.user("press-1", Role::Journalist).await;
    let answer = app
        .get_as(&journalist, &format!("/api/captives/{id}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let text = answer.body.to_string();
    for secret in ["1999-03", "Кимов", "SECRET", "Unit 1"] {
        assert!(!text.contains(secret), "a journalist saw {secret}: {text}");
    }
}

async fn reads_of_a_record_are_audited(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let reader = app.user("tracer-1", Role::TracingOfficer).await;
    let answer = app
        .get_as(&reader, &format!("/api/captives/{id}"))
        .await
        .expect_status(StatusCode::OK);
    app.get_as(&reader, "/api/captives?q=%D0%BA%D0%B8%D0%BC%D0%BE%D0%B2")
        .await;
    let events = app.walk("/api/audit/events", 500).await;
    let reads: Vec<&Value> = events.iter().filter(|e| e["actor"] == "tracer-1").collect();
    let actions: Vec<&str> = reads
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"captive.read") && actions.contains(&"captive.list"),
        "{actions:?}"
    );
    let read = reads
        .iter()
        .find(|e| e["action"] == "captive.read")
        .unwrap();
    assert_eq!(read["entity_id"], id.as_str());
    assert_eq!(read["request_id"].as_str(), answer.request_id.as_deref());
    let list = reads
        .iter()
        .find(|e| e["action"] == "captive.list")
        .unwrap();
    assert!(
        list["detail"].as_str().unwrap().contains(&id),
        "the list audit names what was shown"
    );
    assert!(
        !list["detail"].as_str().unwrap().contains("кимов"),
        "the search words are not copied"
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_down_and_answers_carry_security_headers() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let app = &app;
    let attempt = |password: &'static str| {
        let body = json!({ "username": "admin-1", "password": password }).to_string();
        async move {
            app.anonymous("POST", "/api/auth/login", Some(&body))
                .await
                .status
        }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("wrong password here").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt("wrong password here").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );

    let response = app
        .client
        .get(format!("{}/api/parties", app.base))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(
            response.headers().get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name}"
        );
    }
    assert!(response.headers().contains_key("content-security-policy"));
}

async fn a_journalist_sees_only_what_an_approved_decision_released(app: &TestApp) {
    app.with_parties().await;
    let released = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let other = app.create_captive(captive("Шевченко", "Тарас", "RU")).await;
    let interview = json!({ "at": "2025-01-16T10:00:00Z", "interviewer": "I", "language": "ko", "interpreter": "X", "summary": "SECRET" });
    app.post(&format!("/api/captives/{released}/interviews"), interview)
        .await;
    let media = app.user("media-1", Role::MediaOfficer).await;
    let press = app.user("press-1", Role::Journalist).await;
    let today = chrono::Utc::now().date_naive();
    let request = json!({
        "outlet": "Outlet (fictional)", "journalist": "press-1", "purpose": "report on conditions",
        "captives": [released, other], "wanted_from": today.to_string(), "wanted_until": (today + chrono::Duration::days(3)).to_string()
    });
    let mut to_a_non_journalist = request.clone();
    to_a_non_journalist["journalist"] = json!("media-1");
    let bad = app
        .post_as(&media, "/api/media/requests", to_a_non_journalist)
        .await;
    assert_eq!(
        bad.status,
        StatusCode::NOT_FOUND,
        "only a journalist account can be granted access: {}",
        bad.body
    );
    app.post_as(&press, "/api/media/requests", request.clone())
        .await
        .expect_status(StatusCode::FORBIDDEN);
    let created = app
        .post_as(&media, "/api/media/requests", request)
        .await
        .expect_status(StatusCode::CREATED);
    let request_id = created.body["id"].as_str().unwrap().to_string();

    // Before the decision the journalist sees nothing.
    assert_eq!(app.get_as(&press, "/api/captives").await.body["total"], 0);
    assert_eq!(
        app.status_as(&press, "GET", &format!("/api/captives/{released}"))
            .await,
        StatusCode::NOT_FOUND
    );

    let decision = |consent: Vec<&str>| {
        json!({
            "approved": true, "faces_blurred": true, "names_withheld": true, "consent_recorded": consent,
            "valid_from": today.to_string(), "valid_until": (today + chrono::Duration::days(2)).to_string()
        })
    };
    let path = format!("/api/media/requests/{request_id}/decision");
    let refused = app.post_as(&media, &path, decision(vec![])).await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "approval without consent: {}",
        refused.body
    );
    let own = app.post_as(&media, &path, decision(vec![&released])).await;
    assert_eq!(
        own.status,
        StatusCode::CONFLICT,
        "the officer who recorded the request may not approve it: {}",
        own.body
    );
    assert!(
        own.body.to_string().contains("may not decide"),
        "{}",
        own.body
    );
    let second = app.user("media-2", Role::MediaOfficer).await;
    let mut approval = decision(vec![&released]);
    approval["note"] = json!("INTERNAL NOTE");
    app.post_as(&second, &path, approval)
        .await
        .expect_status(StatusCode::OK);

    let list = app.get_as(&press, "/api/captives").await.body;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], released.as_str());
    assert_eq!(list["items"][0]["name"], "(name withheld)");
    let record = app
        .get_as(&press, &format!("/api/captives/{released}"))
        .await
        .expect_status(StatusCode::OK);
    let text = record.body.to_string();
    for secret in [
        "Кимов",
        "Алексей",
        "1999-03",
        "Unit 1",
        "AA 1",
        "SECRET",
        "Border region",
        "military_id",
        "admin-1",
        "interpreter",
        "confidence",
        "source",
        "T00:00",
    ] {
        assert!(
            !text.contains(secret),
            "the journalist saw {secret}: {text}"
        );
    }
    // An allow-list: exactly these fields, and a field added to the record later stays
    // with the bureau.
    let mut fields: Vec<&str> = record
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "captured_on",
            "detaining_power",
            "faces_blurred",
            "id",
            "name",
            "names_withheld",
            "power_of_origin",
            "released_until",
            "status"
        ]
    );
    assert_eq!(record.body["faces_blurred"], true);
    assert_eq!(list["items"][0], record.body, "the list shows the same");
    assert_eq!(
        app.status_as(&press, "GET", &format!("/api/captives/{other}"))
            .await,
        StatusCode::NOT_FOUND,
        "no consent recorded"
    );

    let visit = json!({ "captive": released, "at": chrono::Utc::now().to_rfc3339() });
    let logged = app
        .post_as(
            &media,
            &format!("/api/media/requests/{request_id}/visits"),
            visit,
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(logged.body["visits"].as_array().unwrap().len(), 1);
    let unvisitable = json!({ "captive": other, "at": chrono::Utc::now().to_rfc3339() });
    app.post_as(
        &media,
        &format!("/api/media/requests/{request_id}/visits"),
        unvisitable,
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    let own = app.get_as(&press, "/api/media/requests").await;
    assert_eq!(
        (
            own.body["items"].as_array().unwrap().len(),
            &own.body["total"]
        ),
        (1, &json!(1)),
        "a journalist sees his own requests"
    );
    // ... as released to him: not the captive who did not consent, not the consent
    // list, not the bureau's notes or who decided.
    let mine = own.body["items"][0].to_string();
    for secret in [
        other.as_str(),
        "INTERNAL NOTE",
        "consent_recorded",
        "media-2",
        "media-1",
        "recorded_by",
        "note",
    ] {
        assert!(
            !mine.contains(secret),
            "the journalist saw {secret}: {mine}"
        );
    }
    assert_eq!(own.body["items"][0]["captives"], json!([released]));
    assert_eq!(own.body["items"][0]["visits"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["items"][0]["decision"]["names_withheld"], true);
    // The officers see the whole request, and the listings are audited.
    let whole = app.get_as(&second, "/api/media/requests").await;
    assert!(whole.body.to_string().contains("INTERNAL NOTE"));
    let events = app
        .store
        .audit_events(&AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let listings: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "media.list")
        .map(|e| e.actor.as_str())
        .collect();
    assert_eq!(listings, ["press-1", "media-2"]);
}

async fn an_auditor_filters_the_log_by_actor_action_and_entity(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let reader = app.user("tracer-2", Role::TracingOfficer).await;
    app.get_as(&reader, &format!("/api/captives/{id}")).await;
    let auditor = app.user("auditor-1", Role::Auditor).await;
    let events = |query: &str| {
        let path = format!("/api/audit/events?{query}");
        let auditor = auditor.clone();
        async move {
            let answer = app.get_as(&auditor, &path).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            answer.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["actor"].as_str().unwrap().to_string(),
                        e["action"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        events("actor=tracer-2&action=captive.").await,
        vec![("tracer-2".to_string(), "captive.read".to_string())]
    );
    let about_him = events(&format!("entity_type=captive&entity_id={id}")).await;
    assert_eq!(
        about_him
            .iter()
            .map(|(_, a)| a.as_str())
            .collect::<Vec<_>>(),
        vec!["captive.create", "captive.read"]
    );
    assert!(events("action=party.")
        .await
        .iter()
        .all(|(_, a)| a == "party.create"));
    assert_eq!(events("action=party.").await.len(), 3);
    assert_eq!(events("limit=2").await.len(), 2);
    app.get_as(&auditor, "/api/audit/events?after=x")
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
}

fn held(family: &str, given: &str, born: &str) -> Value {
    let mut c = captive(family, given, "RU");
    c["identity_claims"][0]["date_of_birth"] = json!(born);
    c["identity_claims"][0]["document_not_bearers"] = json!(false);
    c
}

async fn a_tracing_request_is_matched_reviewed_answered_and_closed(app: &TestApp) {
    app.with_parties().await;
    let id = app
        .create_captive(held("Шевченко", "Олександр", "1998-04-12"))
        .await;
    app.create_captive(held("Бондаренко", "Петро", "1990-01-01"))
        .await;
    let tracer = app.user("tracer-1", Role::TracingOfficer).await;
    let mut body = tracing_request("Shevchenko", "Aleksandr", "+000 111");
    body["date_of_birth"] = json!("1998-04-12");
    let created = app
        .post_as(&tracer, "/api/tracing/requests", body.clone())
        .await
        .expect_status(StatusCode::CREATED);
    let rid = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.body["status"], "candidates_found",
        "{}",
        created.body
    );
    let candidates = created.body["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{}", created.body);
    assert_eq!(candidates[0]["target_id"], id.as_str());
    assert!(candidates[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("family_name"));
    let link = candidates[0]["id"].as_str().unwrap().to_string();
    // The explanation comes structured too, and the text is the same contributions.
    let contributions = candidates[0]["contributions"].as_array().unwrap();
    assert_eq!(
        contributions[0]["feature"], "family_name",
        "{}",
        created.body
    );
    assert!(!contributions[0]["level"].as_str().unwrap().is_empty());
    assert!(contributions[0]["weight"].as_f64().unwrap() > 0.0);
    let prior = contributions.last().unwrap();
    assert_eq!(
        (&prior["feature"], &prior["level"]),
        (&json!("prior"), &json!(""))
    );
    assert!(prior["weight"].as_f64().unwrap() < 0.0);
    let text: Vec<String> = contributions
        .iter()
        .map(|c| {
            let weight = format!("{:+.1}", c["weight"].as_f64().unwrap());
            match c["level"].as_str().unwrap() {
                "" => format!("{} {weight}", c["feature"].as_str().unwrap()),
                level => format!("{} {level} {weight}", c["feature"].as_str().unwrap()),
            }
        })
        .collect();
    assert_eq!(candidates[0]["explanation"], text.join("; "));

    // Without consent nothing is matched.
    let mut no_consent = body.clone();
    no_consent["consent_to_matching"] = json!(false);
    let quiet = app
        .post("/api/tracing/requests", no_consent)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(quiet.body["status"], "open");

    let decide = |decision: &'static str| {
        let (tracer, link) = (tracer.clone(), link.clone());
        async move {
            app.post_as(
                &tracer,
                &format!("/api/matches/{link}/decision"),
                json!({ "decision": decision }),
            )
            .await
        }
    };
    let confirmed = decide("confirm").await.expect_status(StatusCode::OK);
    assert_eq!(confirmed.body["decided_by"], "tracer-1");
    let request = app.get(&format!("/api/tracing/requests/{rid}")).await.body;
    assert_eq!(request["status"], "confirmed");
    assert_eq!(request["linked_captive"], id.as_str());
    // Where the link stands refuses it: a conflict, not a bad request.
    let twice = decide("confirm").await.expect_status(StatusCode::CONFLICT);
    assert!(twice.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("a confirmed link cannot be confirmed"));
    decide("undo").await.expect_status(StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/tracing/requests/{rid}")).await.body["status"],
        "candidates_found"
    );
    decide("reject").await.expect_status(StatusCode::OK);
    let request = app.get(&format!("/api/tracing/requests/{rid}")).await.body;
    assert_eq!(request["status"], "open", "{request}");

    // Closing needs an answer to the family first (Art. 122).
    let close = format!("/api/tracing/requests/{rid}/close");
    app.as_token(&tracer, "POST", &close, None)
        .await
        .expect_status(StatusCode::CONFLICT);
    let answered = app
        .post_as(
            &tracer,
            &format!("/api/tracing/requests/{rid}/answers"),
            json!({ "text": "Not found in the registry so far." }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(answered.body["answers"][0]["by"], "tracer-1");
    let closed = app
        .as_token(&tracer, "POST", &close, None)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(closed.body["status"], "closed");

    // Every step is in the audit log with who did it.
    let events = app
        .walk("/api/audit/events?action=match.", 100)
        .await
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>();
    for expected in [
        "match.confirm tracer-1",
        "match.undo tracer-1",
        "match.reject tracer-1",
    ] {
        assert!(
            events.contains(&expected.to_string()),
            "{expected} not in {events:?}"
        );
    }

    // Bad input is named.
    let mut bad = tracing_request("", "", "");
    bad["date_of_birth"] = json!("1998-13");
    let answer = app
        .post("/api/tracing/requests", bad)
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["date_of_birth", "inquirer_contact", "family_name"] {
        field_error(&answer, field);
    }
    let answer = app
        .post(
            &format!("/api/matches/{link}/decision"),
            json!({ "decision": "maybe" }),
        )
        .await;
    assert_eq!(
        field_error(&answer, "decision"),
        r#"expected confirm, reject or undo, got "maybe""#
    );
}

async fn a_search_in_another_spelling_finds_the_captive_ranked_by_score(app: &TestApp) {
    app.with_parties().await;
    let id = app
        .create_captive(held("Шевченко", "Олександр", "1998-04-12"))
        .await;
    app.create_captive(held("Шевчук", "Олег", "1991-01-01"))
        .await;
    for query in [
        "Shevchenko Oleksandr",
        "Александр Шевченко",
        "Shevchenko Aleksandr 1998",
    ] {
        let answer = app
            .get(&format!("/api/captives?q={}", urlencode(query)))
            .await
            .expect_status(StatusCode::OK);
        let items = answer.body["items"].as_array().unwrap();
        assert_eq!(items[0]["id"], id.as_str(), "{query}: {}", answer.body);
        assert!(items[0]["score"].as_f64().unwrap() > 0.0, "{query}");
    }
    // Paging over the ranked results: a namesake born another year.
    app.create_captive(held("Шевченко", "Олександр", "1990-01-01"))
        .await;
    let first = app
        .get("/api/captives?q=Shevchenko%20Oleksandr&limit=1")
        .await
        .body;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let next = first["next"].as_str();
    assert!(
        next.is_some(),
        "two captives share the family name: {first}"
    );
    if let Some(next) = next {
        let second = app
            .get(&format!(
                "/api/captives?q=Shevchenko%20Oleksandr&limit=1&cursor={}",
                urlencode(next)
            ))
            .await
            .expect_status(StatusCode::OK);
        assert_ne!(second.body["items"][0]["id"], first["items"][0]["id"]);
    }
}

async fn a_list_is_imported_reconciled_and_the_same_file_again_creates_nothing(app: &TestApp) {
    app.with_parties().await;
    let held_id = app
        .create_captive(held("Шевченко", "Олександр", "1998-04-12"))
        .await;
    let mut sought = tracing_request("Kovalenko", "Mykola", "+000 222");
    sought["date_of_birth"] = json!("1995-02-03");
    let request = app
        .post("/api/tracing/requests", sought)
        .await
        .expect_status(StatusCode::CREATED);
    let rid = request.body["id"].as_str().unwrap().to_string();
    let list = "№,Прізвище,Ім'я,Дата народження\n\
                1,Shevchenko,Oleksandr,1998-04-12\n\
                2,Коваленко,Николай,1995-02-03\n\
                3,Новенко,Степан,1980\n";
    let preview = app
        .upload("/api/imports/preview?file_name=list.csv", list)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        preview.body["fields"],
        json!(["external_id", "family_name", "given_name", "date_of_birth"])
    );
    let (import_id, _) = import_and_wait(app, "list.csv", list, "&source=RU").await;
    let report = app
        .get(&format!("/api/imports/{import_id}/report"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        report.body["counts"],
        json!({ "captive": 1, "tracing_request": 1, "new": 1, "ambiguous": 0 }),
        "{}",
        report.body
    );
    let items = report.body["items"].as_array().unwrap();
    assert_eq!(items[0]["category"], "captive");
    assert_eq!(items[0]["candidates"][0]["id"], held_id.as_str());
    assert!(!items[0]["candidates"][0]["explanation"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(
        items[0]["candidates"][0]["contributions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["feature"],
        "prior"
    );
    assert_eq!(items[1]["category"], "tracing_request");
    assert_eq!(items[1]["candidates"][0]["id"], rid.as_str());
    assert_eq!(items[2]["category"], "new");
    assert_eq!(items[2]["external_id"], "3");

    let csv = app
        .get(&format!("/api/imports/{import_id}/report?format=csv"))
        .await
        .expect_status(StatusCode::OK);
    let text = csv.body.as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("line,external_id,name,date_of_birth,category"));
    assert!(lines[1].contains(",captive,") && lines[1].contains(&held_id));
    assert!(lines[3].contains(",new,"));

    // The same file again: recognised, nothing new.
    let before = app.get("/api/audit/events?action=list.").await.body["total"].clone();
    let started = app.upload("/api/imports?file_name=again.csv", list).await;
    let job = app.finished_job(started.body["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["import"]["created"], false);
    assert_eq!(job["import"]["id"], import_id.as_str());
    assert_eq!(app.get("/api/imports").await.body["total"], 1);
    let after = app.get("/api/audit/events?action=list.").await.body["total"].clone();
    assert_eq!(before, after);

    // Tracing requests in bulk.
    let requests = "Прізвище,Ім'я,Дата народження,Хто шукає,Ступінь спорідненості,Телефон\n\
                    Шевченко,Олександр,1998-04-12,Шевченко Марія,мати,+000 333\n";
    let (_, _) = import_and_wait(app, "requests.csv", requests, "&as=tracing&consent=true").await;
    let all = app.walk("/api/tracing/requests", 500).await;
    let imported = all
        .iter()
        .find(|r| r["inquirer_contact"] == "+000 333")
        .unwrap_or_else(|| panic!("{all:?}"));
    assert_eq!(imported["status"], "candidates_found", "{imported}");
}

async fn a_list_with_bad_rows_is_refused_whole_with_every_line_named(app: &TestApp) {
    let list = "Прізвище,Ім'я,Дата народження,Стать\n\
                Шевченко,Олександр,1998-04-12,ч\n\
                Коваленко,Микола,1995-13-01,ч\n\
                ,,1980,\n\
                Новенко,Степан,1980,x\n";
    let started = app
        .upload("/api/imports?file_name=bad.csv", list)
        .await
        .expect_status(StatusCode::ACCEPTED);
    let job = app.finished_job(started.body["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "failed", "{job}");
    let rows: Vec<(u64, String)> = job["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (3, "date_of_birth".into()),
            (4, String::new()),
            (5, "sex".into())
        ],
        "{job}"
    );
    assert_eq!(
        app.get("/api/imports").await.body,
        json!({ "items": [], "total": 0, "next": null })
    );
    // Not a spreadsheet, an unknown format, a missing name: 422, never 500.
    let answer = app
        .upload("/api/imports?file_name=l.csv&as=people", "a\n")
        .await;
    field_error(&answer, "as");
    // A file that cannot be read is refused before a job starts.
    let refused = app
        .upload("/api/imports?file_name=l.xlsx", "not a workbook")
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(&refused, "body").contains("XLSX"),
        "{}",
        refused.body
    );
}

async fn a_new_captive_is_proposed_to_the_open_request_that_seeks_him(app: &TestApp) {
    app.with_parties().await;
    let mut sought = tracing_request("Kovalenko", "Mykola", "+000 444");
    sought["date_of_birth"] = json!("1995-02-03");
    let request = app.post("/api/tracing/requests", sought).await;
    let rid = request.body["id"].as_str().unwrap().to_string();
    assert_eq!(request.body["status"], "open");
    let id = app
        .create_captive(held("Коваленко", "Николай", "1995-02-03"))
        .await;
    let found = app.get(&format!("/api/tracing/requests/{rid}")).await.body;
    assert_eq!(found["status"], "candidates_found", "{found}");
    assert_eq!(found["candidates"][0]["target_id"], id.as_str());
    // A second claim under another spelling does not duplicate the pair.
    let claim = json!({ "source": "other_party_list", "family_name": "Kovalenko", "given_name": "Nikolai", "date_of_birth": "1995-02-03" });
    app.post(&format!("/api/captives/{id}/identity-claims"), claim)
        .await
        .expect_status(StatusCode::OK);
    let found = app.get(&format!("/api/tracing/requests/{rid}")).await.body;
    assert_eq!(found["candidates"].as_array().unwrap().len(), 1, "{found}");
}

async fn accounts_are_created_listed_and_disabled_by_an_admin(app: &TestApp) {
    let short = app
        .post(
            "/api/users",
            json!({ "username": "Bad Name", "role": "chief", "password": "short" }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "role", "password"] {
        field_error(&short, field);
    }
    let created = app
        .post("/api/users", json!({ "username": "reg-2", "role": "registrar", "password": "a long enough password" }))
        .await.expect_status(StatusCode::CREATED);
    assert_eq!(
        created.body,
        json!({ "username": "reg-2", "role": "registrar", "disabled": false, "locked": false, "must_change_password": false })
    );
    app.post(
        "/api/users",
        json!({ "username": "reg-2", "role": "auditor", "password": "a long enough password" }),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    let list = app.get("/api/users").await.expect_status(StatusCode::OK);
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin-1", "reg-2"]);
    assert!(!list.body.to_string().contains("argon2"));

    let login = app
        .log_in_with("reg-2", "a long enough password")
        .await
        .expect_status(StatusCode::OK);
    let token = login.body["token"].as_str().unwrap().to_string();
    assert_eq!(session_status(app, &token).await, StatusCode::OK);

    app.post("/api/users/admin-1/disabled", json!({ "disabled": true }))
        .await
        .expect_status(StatusCode::CONFLICT);
    app.post("/api/users/nobody/disabled", json!({ "disabled": true }))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let disabled = app
        .post("/api/users/reg-2/disabled", json!({ "disabled": true }))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(disabled.body["disabled"], true);
    // Its session stops at once, and it cannot log in again.
    assert_eq!(session_status(app, &token).await, StatusCode::UNAUTHORIZED);
    app.log_in_with("reg-2", "a long enough password")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let enabled = app
        .post("/api/users/reg-2/disabled", json!({ "disabled": false }))
        .await;
    assert_eq!(enabled.body["disabled"], false);
    let actions = user_actions(app, "reg-2").await;
    assert!(
        actions.starts_with(&["user.create".into()])
            && actions.ends_with(&[
                "user.disable".into(),
                "login.failure".into(),
                "user.enable".into()
            ]),
        "{actions:?}"
    );
}

async fn the_captives_held_are_planned_for_exchange(app: &TestApp) {
    app.with_parties().await;
    let mut kp = captive("Кимов", "Алексей", "KP");
    kp["health"] = json!({ "category": "good_health", "assessed_at": "2025-01-09T08:00:00Z" });
    let kp_1 = app.create_captive(kp.clone()).await;
    let kp_2 = app.create_captive(kp.clone()).await;
    let mut ua = kp.clone();
    ua["power_of_origin"] = json!("UA");
    ua["detaining_power"] = json!("RU");
    let ua_1 = app.create_captive(ua.clone()).await;
    let released = app.create_captive(ua).await;
    let event = json!({ "kind": "released", "at": "2025-02-01T10:00:00Z" });
    app.post(&format!("/api/captives/{released}/custody-events"), event)
        .await
        .expect_status(StatusCode::OK);
    let plan = app
        .post(
            "/api/exchange/plan-held",
            json!({ "sides": [["UA"], ["RU", "KP"]], "terms": { "as_of": "2026-11-27" } }),
        )
        .await
        .expect_status(StatusCode::OK);
    // Planning reads every held captive's record: audited, with how many, not who.
    let events = app
        .store
        .audit_events(&AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let planned = events
        .iter()
        .find(|e| e.action == "captive.list" && e.detail.contains("exchange.plan_held"))
        .expect("planning the held captives is audited");
    assert_eq!(planned.actor, "admin-1");
    assert_eq!(
        serde_json::from_str::<Value>(&planned.detail).unwrap()["considered"],
        3
    );
    let plan = plan.body;
    assert_eq!(plan["optimal"], true);
    let moved = transferred(&plan);
    assert_eq!(moved.len(), 2, "{plan}");
    assert!(moved.contains(&ua_1.as_str()));
    let left = not_moved(&plan);
    assert_eq!(left.len(), 1, "{plan}");
    assert!([kp_1.as_str(), kp_2.as_str()].contains(&left[0].0) && left[0].1 == "balance");
    assert!(
        !plan.to_string().contains(&released),
        "a released captive is not held"
    );
    app.post(
        "/api/exchange/plan-held",
        json!({ "sides": [["UA"], ["XX"]], "terms": { "tolerance": -1 } }),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    // A party that is not registered names nothing: 404, the side named.
    let unknown = app
        .post(
            "/api/exchange/plan-held",
            json!({ "sides": [["UA"], ["XX"]] }),
        )
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sides[1][0]: no party XX is registered"),
        "{}",
        unknown.body
    );
    // A code that is not one, or a party on two sides: 422 naming the side; a code
    // named twice on one side is one party.
    for sides in [json!([["UA"], ["ru"]]), json!([["UA"], ["KP", "UA"]])] {
        let bad = app
            .post("/api/exchange/plan-held", json!({ "sides": sides }))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body["error"]["fields"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with("sides")),
            "{}",
            bad.body
        );
    }
    app.post(
        "/api/exchange/plan-held",
        json!({ "sides": [["UA", " UA"], ["KP"]], "terms": { "tolerance": 1.0 } }),
    )
    .await
    .expect_status(StatusCode::OK);
    // Terms the registry's captures come after: a conflict, said in words.
    let early = app
        .post(
            "/api/exchange/plan-held",
            json!({ "sides": [["UA"], ["KP"]], "terms": { "as_of": "1990-01-01" } }),
        )
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        early.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("terms.as_of: "),
        "{}",
        early.body
    );
}

/// A witness fetches signed checkpoints, then a consistency proof between their sizes,
/// and checks with the transparency-log crate alone that the log only grew.
async fn a_witness_checks_that_the_log_only_grew(app: &TestApp) {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use repatria_tlog::{open, verify_consistency, Checkpoint, Hash};
    let auditor = app.user("auditor-witness", Role::Auditor).await;
    let key = audit_signer().verifier();
    let fetch = || async {
        let response = app
            .client
            .get(format!("{}/api/audit/checkpoint", app.base))
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        let note = response.text().await.unwrap();
        let opened = open(&note, std::slice::from_ref(&key)).unwrap();
        assert_eq!(opened.signed_by, vec!["test.example/audit".to_string()]);
        let checkpoint = Checkpoint::parse(&opened.text).unwrap();
        assert_eq!(checkpoint.origin, "test.example/audit");
        (note, checkpoint)
    };
    let (_, first) = fetch().await;
    assert!(first.size >= 1, "logins are audited");
    app.with_parties().await;
    let (second_note, second) = fetch().await;
    assert!(second.size > first.size);
    // The server's checkpoint is the store's own view of the log.
    let leaves = repatria_store::checkpoint::leaves(&app.store, None)
        .await
        .unwrap();
    repatria_store::checkpoint::check(&leaves, &second_note, std::slice::from_ref(&key)).unwrap();

    let answer = app
        .get_as(
            &auditor,
            &format!("/api/audit/proof?old={}&new={}", first.size, second.size),
        )
        .await
        .expect_status(StatusCode::OK);
    let hash = |v: &Value| -> Hash {
        STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    assert_eq!(answer.body["old"], first.size);
    assert_eq!(answer.body["new"], second.size);
    assert_eq!(hash(&answer.body["old_root"]), first.root);
    assert_eq!(hash(&answer.body["new_root"]), second.root);
    let proof: Vec<Hash> = answer.body["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(hash)
        .collect();
    verify_consistency(first.size, second.size, &first.root, &second.root, &proof).unwrap();
    // The proof does not connect a different (forked) old root.
    let mut forked = first.root;
    forked[0] ^= 1;
    assert!(verify_consistency(first.size, second.size, &forked, &second.root, &proof).is_err());

    // Without `new`, the proof runs to the log's current size.
    let answer = app
        .get_as(&auditor, &format!("/api/audit/proof?old={}", first.size))
        .await
        .expect_status(StatusCode::OK);
    assert!(answer.body["new"].as_u64().unwrap() >= second.size);

    let size = second.size + 100;
    // Unreadable sizes are 422; sizes the log does not have (yet) are 404.
    for (query, field, fragment, status) in [
        ("", "old", "is required", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "old=abc",
            "old",
            "non-negative integer",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "old=-1",
            "old",
            "non-negative integer",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "old=0",
            "old",
            "at least 1",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "old=3&new=2",
            "old",
            "to a smaller one",
            StatusCode::NOT_FOUND,
        ),
        (
            &*format!("old=1&new={size}"),
            "new",
            "no tree of this size",
            StatusCode::NOT_FOUND,
        ),
        (
            &*format!("old={size}"),
            "old",
            "no tree of this size",
            StatusCode::NOT_FOUND,
        ),
        (
            "old=1&new=9223372036854775808",
            "new",
            "at most 9223372036854775807",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let answer = app
            .get_as(&auditor, &format!("/api/audit/proof?{query}"))
            .await;
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        let message = answer.body["error"]["fields"][field]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(fragment), "{query}: {}", answer.body);
    }
}

/// Without a configured key the checkpoint is 404 with a message that says so; proofs
/// need no key.
#[tokio::test]
async fn without_an_audit_key_the_checkpoint_is_404() {
    let app = spawn_app_with(Backend::Sqlite, |state| state)
        .await
        .unwrap();
    let answer = app
        .get("/api/audit/checkpoint")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(answer.body["error"]["code"], "not_found");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--audit-key"),
        "{}",
        answer.body
    );
    app.get("/api/audit/proof?old=1")
        .await
        .expect_status(StatusCode::OK);
}

// ---- Accounts, sessions and tokens (docs/security.md) ----

fn login_body(username: &str, password: &str) -> String {
    json!({ "username": username, "password": password }).to_string()
}

/// The audit actions recorded about one account, oldest first.
async fn user_actions(app: &TestApp, username: &str) -> Vec<String> {
    app.walk(
        &format!("/api/audit/events?entity_type=user&entity_id={username}"),
        500,
    )
    .await
    .iter()
    .map(|e| e["action"].as_str().unwrap().to_string())
    .collect()
}

/// 40 wrong guesses sent at once: the attempt is counted in the database before the
/// password is checked, so at most 5 are checked (audited as `login.failure`) and the
/// rest are refused with 429 and `Retry-After`, without hashing.
async fn parallel_wrong_guesses_are_counted_before_any_password_is_checked(app: &TestApp) {
    app.user("reg-1", Role::Registrar).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let client = app.client.clone();
        let url = format!("{}/api/auth/login", app.base);
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(login_body("reg-1", "a wrong password guess"))
                .send()
                .await
                .unwrap();
            let retry = response.headers().get("retry-after").cloned();
            (response.status(), retry)
        }));
    }
    let (mut checked, mut refused) = (0, 0);
    for task in tasks {
        let (status, retry) = task.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                let seconds: u64 = retry
                    .expect("Retry-After")
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=900).contains(&seconds), "{seconds}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        checked <= 5,
        "{checked} guesses were checked against a limit of 5"
    );
    assert_eq!(checked + refused, 40);
    let actions = user_actions(app, "reg-1").await;
    let failures = actions.iter().filter(|a| *a == "login.failure").count();
    let lockouts = actions.iter().filter(|a| *a == "login.lockout").count();
    assert_eq!(failures, checked, "{actions:?}");
    // One lockout for the account, and one for the address once it passes 20.
    assert!((1..=2).contains(&lockouts), "{actions:?}");
    let wrong = app.log_in_with("reg-1", PASSWORD).await;
    assert_eq!(
        wrong.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert_eq!(wrong.body["error"]["code"], "too_many_requests");
    // The audit events of refused logins carry no password.
    let events = app.walk("/api/audit/events?action=login.", 500).await;
    assert!(!events.is_empty());
    assert!(
        !json!(events).to_string().contains("wrong password guess"),
        "{events:?}"
    );
}

/// An account locked by failed logins shows as locked; an administrator (only) unlocks
/// it, audited, and its user logs in at once.
async fn an_admin_unlocks_an_account_locked_by_failed_logins(app: &TestApp) {
    let registrar = app.user("reg-1", Role::Registrar).await;
    for _ in 0..6 {
        app.log_in_with("reg-1", "not the password").await;
    }
    app.log_in_with("reg-1", PASSWORD)
        .await
        .expect_status(StatusCode::TOO_MANY_REQUESTS);
    let list = app.get("/api/users").await.body;
    let reg = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "reg-1")
        .unwrap();
    assert_eq!(reg["locked"], true, "{list}");
    app.as_token(&registrar, "POST", "/api/users/reg-1/unlock", None)
        .await
        .expect_status(StatusCode::FORBIDDEN);
    app.post("/api/users/nobody/unlock", Value::Null)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let unlocked = app
        .post("/api/users/reg-1/unlock", Value::Null)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(unlocked.body["locked"], false);
    app.log_in_with("reg-1", PASSWORD)
        .await
        .expect_status(StatusCode::OK);
    let actions = user_actions(app, "reg-1").await;
    for action in ["login.failure", "login.lockout", "user.unlock"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
}

/// Disabling revokes every session and token in the same transaction: enabling the
/// account again brings none of them back.
async fn disabling_an_account_revokes_its_credentials_for_good(app: &TestApp) {
    let session = app.user("reg-1", Role::Registrar).await;
    let token = app
        .post_as(&session, "/api/auth/tokens", json!({ "name": "import" }))
        .await
        .expect_status(StatusCode::CREATED);
    let token = token.body["token"].as_str().unwrap().to_string();
    app.post("/api/users/reg-1/disabled", json!({ "disabled": true }))
        .await
        .expect_status(StatusCode::OK);
    app.post("/api/users/reg-1/disabled", json!({ "disabled": false }))
        .await
        .expect_status(StatusCode::OK);
    for credential in [&session, &token] {
        assert_eq!(
            session_status(app, credential).await,
            StatusCode::UNAUTHORIZED,
            "an old credential came back to life"
        );
    }
    let events = app
        .get("/api/audit/events?entity_type=user&entity_id=reg-1&action=user.disable")
        .await
        .body;
    let detail: Value =
        serde_json::from_str(events["items"][0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["credentials_revoked"], 2, "{events}");
    // A new login works.
    app.log_in_with("reg-1", PASSWORD)
        .await
        .expect_status(StatusCode::OK);
}

/// Tokens have a name and an expiry, are listed (never the secret) and revoked by their
/// owner only; roles without scripts cannot create them.
async fn api_tokens_expire_and_are_listed_and_revoked_by_their_owner(app: &TestApp) {
    let journalist = app.user("press-1", Role::Journalist).await;
    app.post_as(&journalist, "/api/auth/tokens", json!({ "name": "x" }))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    for days in [0, 366, -1] {
        let bad = app
            .post(
                "/api/auth/tokens",
                json!({ "name": "x", "expires_in_days": days }),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
        field_error(&bad, "expires_in_days");
    }
    let made = app
        .post("/api/auth/tokens", json!({ "name": "nightly import" }))
        .await
        .expect_status(StatusCode::CREATED);
    let expires: chrono::DateTime<chrono::Utc> =
        made.body["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "default expiry {days} days");
    app.post(
        "/api/auth/tokens",
        json!({ "name": "one day", "expires_in_days": 1 }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let secret = made.body["token"].as_str().unwrap().to_string();
    let id = made.body["id"].as_str().unwrap().to_string();
    let list = app
        .get("/api/auth/tokens")
        .await
        .expect_status(StatusCode::OK);
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{}", list.body);
    assert_eq!(list.body["total"], 2);
    assert!(names.contains(&"nightly import"));
    assert!(
        !list.body.to_string().contains(&secret),
        "the list shows a secret"
    );
    // Another user's list does not show them, and he cannot revoke them.
    let other = app.user("audit-1", Role::Auditor).await;
    let theirs = app.get_as(&other, "/api/auth/tokens").await;
    assert_eq!(
        theirs.body,
        json!({ "items": [], "total": 0, "next": null })
    );
    app.as_token(&other, "DELETE", &format!("/api/auth/tokens/{id}"), None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(session_status(app, &secret).await, StatusCode::OK);
    app.send("DELETE", &format!("/api/auth/tokens/{id}"), None)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(session_status(app, &secret).await, StatusCode::UNAUTHORIZED);
    app.send("DELETE", &format!("/api/auth/tokens/{id}"), None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/auth/tokens").await.body["total"], 1);
    let actions = user_actions(app, "admin-1").await;
    assert!(
        actions
            .iter()
            .filter(|a| *a == "credential.api.create")
            .count()
            == 2,
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "credential.api.revoke"),
        "{actions:?}"
    );
}

/// A user changes his own password (his other sessions end); an administrator resets
/// one, after which the user can do nothing but change it.
async fn a_user_changes_his_password_and_an_admin_resets_one(app: &TestApp) {
    let first = app.user("reg-1", Role::Registrar).await;
    let second = app.log_in_with("reg-1", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let change = |current: &str, new: &str| {
        json!({ "current_password": current, "new_password": new }).to_string()
    };
    let wrong = app
        .as_token(
            &first,
            "POST",
            "/api/auth/password",
            Some(&change("not my password", "a new long password")),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    field_error(&wrong, "current_password");
    let short = app
        .as_token(
            &first,
            "POST",
            "/api/auth/password",
            Some(&change(PASSWORD, "short")),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    field_error(&short, "new_password");
    app.as_token(
        &first,
        "POST",
        "/api/auth/password",
        Some(&change(PASSWORD, "a new long password")),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(session_status(app, &first).await, StatusCode::OK);
    assert_eq!(
        session_status(app, &second).await,
        StatusCode::UNAUTHORIZED,
        "the other session survived the change"
    );
    app.log_in_with("reg-1", PASSWORD)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);

    // The administrator's reset: a temporary password, every credential revoked.
    app.post(
        "/api/users/admin-1/password",
        json!({ "password": "a temporary password" }),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    let reset = app
        .post(
            "/api/users/reg-1/password",
            json!({ "password": "a temporary password" }),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(reset.body["must_change_password"], true);
    assert_eq!(session_status(app, &first).await, StatusCode::UNAUTHORIZED);
    let login = app
        .log_in_with("reg-1", "a temporary password")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(login.body["user"]["must_change_password"], true);
    let temporary = login.body["token"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", "/api/parties"),
        ("GET", "/api/captives"),
        ("POST", "/api/auth/tokens"),
    ] {
        let refused = app.as_token(&temporary, method, path, Some("{}")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(refused.body["error"]["code"], "password_change_required");
    }
    app.as_token(
        &temporary,
        "POST",
        "/api/auth/password",
        Some(&change("a temporary password", "my own long password")),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(session_status(app, &temporary).await, StatusCode::OK);
    let actions = user_actions(app, "reg-1").await;
    for action in ["user.password_change", "user.password_reset"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
    assert_eq!(
        app.status_as(&temporary, "POST", "/api/auth/logout").await,
        StatusCode::NO_CONTENT
    );
}

/// Behind a trusted proxy the client's own address (from `X-Forwarded-For`) is the
/// limiter's key: one client's failed logins do not lock out another. From an untrusted
/// peer the header is ignored, so rotating it does not escape the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_addresses_come_from_trusted_proxies_only() {
    let policy = repatria_server::limit::LoginPolicy {
        address_limit: 3,
        ..Default::default()
    };
    let attempt = |app: &TestApp, user: &str, password: &str, forwarded: &str| {
        let request = app
            .client
            .post(format!("{}/api/auth/login", app.base))
            .header("content-type", "application/json")
            .header("x-forwarded-for", forwarded.to_string())
            .body(login_body(user, password));
        async move { request.send().await.unwrap().status() }
    };
    // No trusted proxy: the peer (127.0.0.1) is the client, whatever the header says.
    let direct = spawn_app_with(Backend::Sqlite, |s| s.with_login_policy(policy.clone()))
        .await
        .unwrap();
    for i in 0..3 {
        let spoofed = format!("203.0.113.{i}");
        assert_eq!(
            attempt(&direct, &format!("nobody-{i}"), "wrong password", &spoofed).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&direct, "admin-1", PASSWORD, "198.51.100.77").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a spoofed X-Forwarded-For escaped the address limit"
    );
    // Refused at the address, made-up names are not even counted: no rows for them.
    for i in 10..15 {
        attempt(
            &direct,
            &format!("nobody-{i}"),
            "wrong password",
            "198.51.100.77",
        )
        .await;
    }
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let counted = direct.store.account_login_attempts(hour_ago).await.unwrap();
    let mut names: Vec<&str> = counted.iter().map(|c| c.bucket.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["account:nobody-0", "account:nobody-1", "account:nobody-2"]
    );
    // Behind the trusted proxy: one client locked out, another logs in.
    let proxied = spawn_app_with(Backend::Sqlite, |s| {
        s.with_login_policy(policy.clone())
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
    })
    .await
    .unwrap();
    for i in 0..3 {
        attempt(
            &proxied,
            &format!("nobody-{i}"),
            "wrong password",
            "203.0.113.5",
        )
        .await;
    }
    assert_eq!(
        attempt(&proxied, "nobody-9", "wrong password", "203.0.113.5").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(&proxied, "admin-1", PASSWORD, "198.51.100.8").await,
        StatusCode::OK,
        "another client behind the same proxy was locked out"
    );
    let events = proxied
        .get("/api/audit/events?action=login.lockout")
        .await
        .body;
    let detail: Value =
        serde_json::from_str(events["items"][0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["client"], "203.0.113.5", "{events}");
    assert_eq!(detail["scope"], "address", "{events}");
}

/// A login from another site's page is refused; HSTS is sent only when a trusted proxy
/// says the request came over TLS; the CSP forbids `<base>` and plugins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_its_origin_and_tls_requests_get_hsts() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
    })
    .await
    .unwrap();
    let host = app.base.trim_start_matches("http://").to_string();
    let login = |origin: Option<String>| {
        let mut request = app
            .client
            .post(format!("{}/api/auth/login", app.base))
            .header("content-type", "application/json")
            .body(login_body("admin-1", PASSWORD));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(
        login(Some("https://evil.example".into())).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(login(Some("null".into())).await, StatusCode::FORBIDDEN);
    assert_eq!(login(Some(format!("http://{host}"))).await, StatusCode::OK);
    assert_eq!(login(None).await, StatusCode::OK, "scripts send no Origin");

    let get = |proto: Option<&'static str>| {
        let mut request = app.client.get(format!("{}/healthz", app.base));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        async move { request.send().await.unwrap() }
    };
    let tls = get(Some("https")).await;
    assert_eq!(
        tls.headers().get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    let csp = tls
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for directive in ["base-uri 'none'", "object-src 'none'", "default-src 'self'"] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(get(None)
        .await
        .headers()
        .get("strict-transport-security")
        .is_none());
    // From an untrusted peer the header means nothing.
    let direct = spawn_app(Backend::Sqlite).await.unwrap();
    let answer = direct
        .client
        .get(format!("{}/healthz", direct.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(answer.headers().get("strict-transport-security").is_none());
}

/// A session unused for longer than the idle timeout ends; use keeps it alive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.with_session_idle(chrono::Duration::seconds(2))
    })
    .await
    .unwrap();
    let session = app.token.clone().unwrap();
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(
            session_status(&app, &session).await,
            StatusCode::OK,
            "a session in use ended"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    assert_eq!(
        session_status(&app, &session).await,
        StatusCode::UNAUTHORIZED
    );
}

/// When every turn to check a password is taken for too long, a login gets 503 with
/// `Retry-After` rather than queueing without bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_beyond_the_hashing_bound_get_503() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.with_login_policy(repatria_server::limit::LoginPolicy {
            hashing_permits: 1,
            hashing_wait: std::time::Duration::from_millis(1),
            address_limit: 1000,
            ..Default::default()
        })
    })
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = app.client.clone();
        let url = format!("{}/api/auth/login", app.base);
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(login_body(&format!("user-{i}"), "a wrong password"))
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.headers().contains_key("retry-after"),
            )
        }));
    }
    let mut busy = 0;
    for task in tasks {
        let (status, retry) = task.await.unwrap();
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE].contains(&status),
            "{status}"
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            busy += 1;
            assert!(retry, "503 without Retry-After");
        }
    }
    assert!(busy > 0, "no login was turned away");
}

/// A user sets up a second factor (confirmed with a code); then a login needs a fresh
/// code: none is 401 `totp_required`, a wrong one or one used before 401. Removing it
/// needs the password; an administrator's password reset removes it too.
async fn a_second_factor_is_set_up_required_at_login_and_never_replayed(app: &TestApp) {
    let session = app.user("reg-1", Role::Registrar).await;
    let status = app.get_as(&session, "/api/auth/totp").await;
    assert_eq!(status.body, json!({ "enabled": false, "pending": false }));
    app.post_as(
        &session,
        "/api/auth/totp/confirm",
        json!({ "code": "123456" }),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
    let enrolment = app
        .as_token(&session, "POST", "/api/auth/totp", None)
        .await
        .expect_status(StatusCode::OK);
    let secret = enrolment.body["secret"].as_str().unwrap().to_string();
    assert!(enrolment.body["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Repatria:reg-1?secret="));
    // Until confirmed, logins need no code.
    let login = |code: Option<String>| {
        let mut body = json!({ "username": "reg-1", "password": PASSWORD });
        if let Some(code) = code {
            body["totp_code"] = json!(code);
        }
        async move {
            app.anonymous("POST", "/api/auth/login", Some(&body.to_string()))
                .await
        }
    };
    login(None).await.expect_status(StatusCode::OK);
    let now = chrono::Utc::now().timestamp();
    let wrong = app
        .post_as(
            &session,
            "/api/auth/totp/confirm",
            json!({ "code": "000000" }),
        )
        .await;
    // (000000 may be the real code once in a million runs.)
    if authenticator_code(&secret, now) != "000000" {
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        field_error(&wrong, "code");
    }
    app.post_as(
        &session,
        "/api/auth/totp/confirm",
        json!({ "code": authenticator_code(&secret, now) }),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    app.as_token(&session, "POST", "/api/auth/totp", None)
        .await
        .expect_status(StatusCode::CONFLICT);

    let missing = login(None).await.expect_status(StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["error"]["code"], "totp_required");
    // The confirming code's step is used: the next login needs the next step's code.
    let replayed = login(Some(authenticator_code(&secret, now))).await;
    assert_eq!(
        replayed.status,
        StatusCode::UNAUTHORIZED,
        "a used code was accepted"
    );
    assert_eq!(replayed.body["error"]["code"], "unauthorized");
    let next = authenticator_code(&secret, now + 30);
    login(Some(next.clone()))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        login(Some(next)).await.status,
        StatusCode::UNAUTHORIZED,
        "replay"
    );

    // Removing it needs the password.
    let remove = |password: &str| {
        let body = json!({ "current_password": password }).to_string();
        let session = session.clone();
        async move {
            app.as_token(&session, "DELETE", "/api/auth/totp", Some(&body))
                .await
        }
    };
    remove("not my password")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    remove(PASSWORD).await.expect_status(StatusCode::NO_CONTENT);
    login(None).await.expect_status(StatusCode::OK);
    remove(PASSWORD).await.expect_status(StatusCode::NOT_FOUND);

    // A lost authenticator: the administrator's reset removes the factor.
    let session = login(None).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let enrolment = app.as_token(&session, "POST", "/api/auth/totp", None).await;
    let secret = enrolment.body["secret"].as_str().unwrap().to_string();
    let code = authenticator_code(&secret, chrono::Utc::now().timestamp());
    app.post_as(&session, "/api/auth/totp/confirm", json!({ "code": code }))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    app.post(
        "/api/users/reg-1/password",
        json!({ "password": "a temporary password" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let body = json!({ "username": "reg-1", "password": "a temporary password" }).to_string();
    app.anonymous("POST", "/api/auth/login", Some(&body))
        .await
        .expect_status(StatusCode::OK);
    let actions = user_actions(app, "reg-1").await;
    for action in ["user.totp_enrol", "user.totp_enable", "user.totp_disable"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
    // No secret in the audit log.
    let log = app
        .walk("/api/audit/events?entity_type=user&entity_id=reg-1", 500)
        .await;
    assert!(!log.is_empty());
    assert!(!json!(log).to_string().contains(&secret));
}

async fn the_registry_is_exported_as_pfif_for_tracing_services_and_audited(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "Алексей", "KP")).await;
    let tracer = app.user("tracer", Role::TracingOfficer).await;
    let response = app
        .client
        .get(format!(
            "{}/api/registry/pfif?domain=bureau.example",
            app.base
        ))
        .bearer_auth(&tracer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = response.text().await.unwrap();
    assert!(
        xml.contains(&format!(
            "<pfif:person_record_id>bureau.example/captive.{id}</pfif:person_record_id>"
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<pfif:family_name>Кимов</pfif:family_name>"),
        "{xml}"
    );
    // What it writes, our own reader reads back.
    let read = repatria_lists::read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(read.len(), 1);
    // A malformed domain is refused; a registrar, whose work is not tracing, may not.
    app.get_as(&tracer, "/api/registry/pfif?domain=Not%20A%20Domain")
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    // A domain name whose part begins with a digit, which PFIF record ids cannot carry.
    let answer = app
        .get_as(&tracer, "/api/registry/pfif?domain=1bureau.example")
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&answer, "domain").contains("beginning with a letter"));
    let registrar = app.user("registrar", Role::Registrar).await;
    app.get_as(&registrar, "/api/registry/pfif")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    let events = app
        .state
        .store
        .audit_events(&AuditFilter {
            action_prefix: Some("registry.export".into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "one export, one event");
    assert_eq!(events[0].actor, "tracer");
}
