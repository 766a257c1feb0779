//! The particulars of GC III Art. 122 and Annex IV over the API and the web pages: who
//! records them, who reads them, refusals (Art. 17), bad input named by its field, and
//! a prisoner number unique per detaining power.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_store::AuditFilter;
use repatria_testing::{Answer, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A captive of `origin` held by `detaining`, named by a document found on him.
fn captive(family: &str, origin: &str, detaining: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": detaining,
        "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
        "identity_claims": [{ "source": "document_found", "family_name": family, "given_name": "Алексей" }]
    })
}

/// Fictional particulars, each value a word no other part of the record holds.
fn particulars(number: &str) -> Value {
    json!({
        "father_first_name": " FATHER-NAME ",
        "mother_maiden_name": "MAIDEN-NAME",
        "person_to_inform": { "name": "INFORM-NAME", "address": "INFORM-ADDRESS\nVillage 3" },
        "correspondence_address": "MAIL-ADDRESS",
        "family_address": "",
        "prisoner_number": number,
        "refused": ["family_address"]
    })
}

const SECRETS: [&str; 6] = [
    "FATHER-NAME",
    "MAIDEN-NAME",
    "INFORM-NAME",
    "INFORM-ADDRESS",
    "MAIL-ADDRESS",
    "PN-SECRET",
];

fn field_error<'a>(answer: &'a Answer, field: &str) -> &'a str {
    answer.body["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no error for field {field:?} in {}", answer.body))
}

async fn a_registrar_records_them_and_only_the_roles_that_may_read_them_do(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "KP", "UA")).await;
    let path = format!("/api/captives/{id}/particulars");
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let answer = app
        .put_as(&registrar, &path, particulars("PN-SECRET 0001"))
        .await
        .expect_status(StatusCode::OK);
    let p = &answer.body["particulars"];
    assert_eq!(p["father_first_name"], "FATHER-NAME", "trimmed: {p}");
    assert_eq!(p["person_to_inform"]["name"], "INFORM-NAME");
    assert_eq!(
        p["person_to_inform"]["address"],
        "INFORM-ADDRESS\nVillage 3"
    );
    assert_eq!(p["family_address"], Value::Null, "blank is absent");
    assert_eq!(p["prisoner_number"], "PN-SECRET 0001");
    assert_eq!(p["refused"], json!(["family_address"]));
    assert_eq!(p["recorded_by"], "registrar-1");

    // Read by those who trace prisoners and forward the particulars (Art. 123) …
    for (n, role) in [
        Role::Admin,
        Role::Registrar,
        Role::Investigator,
        Role::TracingOfficer,
        Role::IcrcDelegate,
    ]
    .into_iter()
    .enumerate()
    {
        let token = app.user(&format!("reader-{n}"), role).await;
        let answer = app
            .get_as(&token, &format!("/api/captives/{id}"))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(
            answer.body["particulars"]["mother_maiden_name"], "MAIDEN-NAME",
            "{role}"
        );
    }
    // … and by nobody else: absent from the record, not redacted; the record itself
    // is 403 or 404 to those who may not read it at all.
    for (n, (role, status)) in [
        (Role::Negotiator, StatusCode::OK),
        (Role::Medical, StatusCode::OK),
        (Role::MediaOfficer, StatusCode::FORBIDDEN),
        (Role::Auditor, StatusCode::FORBIDDEN),
        (Role::Journalist, StatusCode::NOT_FOUND),
    ]
    .into_iter()
    .enumerate()
    {
        let token = app.user(&format!("other-{n}"), role).await;
        let answer = app
            .get_as(&token, &format!("/api/captives/{id}"))
            .await
            .expect_status(status);
        assert!(
            answer.body.get("particulars").is_none(),
            "{role}: {}",
            answer.body
        );
        let text = answer.body.to_string();
        for secret in SECRETS {
            assert!(!text.contains(secret), "{role} saw {secret}: {text}");
        }
        // A change such a role may make answers with the record as it may read it.
        if role == Role::Medical {
            let health = app
                .post_as(
                    &token,
                    &format!("/api/captives/{id}/health"),
                    json!({ "category": "sick" }),
                )
                .await
                .expect_status(StatusCode::OK);
            assert!(health.body.get("particulars").is_none(), "{}", health.body);
        }
        // Nor may they record them.
        let refused = app.put_as(&token, &path, particulars("PN-2")).await;
        let expected = if role == Role::Journalist {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(refused.status, expected, "{role}: {}", refused.body);
    }
    // An investigator reads them but does not record them.
    let investigator = app.user("investigator-1", Role::Investigator).await;
    app.put_as(&investigator, &path, particulars("PN-3"))
        .await
        .expect_status(StatusCode::FORBIDDEN);

    // Audited with which fields were given and refused, never their values.
    let events = app
        .store
        .audit_events(&AuditFilter {
            action_prefix: Some("captive.particulars.set".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        1,
        "refused attempts are not recorded as changes"
    );
    let detail: Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!(
        detail,
        json!({
            "set": ["father_first_name", "mother_maiden_name", "person_to_inform", "correspondence_address", "prisoner_number"],
            "refused": ["family_address"]
        })
    );
    for secret in SECRETS {
        assert!(!events[0].detail.contains(secret), "{}", events[0].detail);
    }
    assert_eq!(events[0].actor, "registrar-1");

    // A record without particulars has none to show, to any role.
    let other = app.create_captive(captive("Петров", "RU", "UA")).await;
    let answer = app.get(&format!("/api/captives/{other}")).await;
    assert!(answer.body.get("particulars").is_none(), "{}", answer.body);
}

async fn a_prisoner_number_belongs_to_one_captive_of_each_detaining_power(app: &TestApp) {
    app.with_parties().await;
    let first = app.create_captive(captive("Кимов", "KP", "UA")).await;
    let second = app.create_captive(captive("Петров", "RU", "UA")).await;
    let theirs = app.create_captive(captive("Шевченко", "UA", "RU")).await;
    let set = |id: &str, number: &str| {
        let path = format!("/api/captives/{id}/particulars");
        let body = json!({ "prisoner_number": number });
        async move { app.put(&path, body).await }
    };
    set(&first, "UA-PW 0042")
        .await
        .expect_status(StatusCode::OK);
    // The same number again for the same captive is his own.
    set(&first, " UA-PW   0042 ")
        .await
        .expect_status(StatusCode::OK);
    // Another captive of the same detaining power may not have it, however spaced.
    let taken = set(&second, "UA-PW  0042")
        .await
        .expect_status(StatusCode::CONFLICT);
    assert_eq!(taken.body["error"]["code"], "conflict");
    assert!(
        field_error(&taken, "prisoner_number").contains(&first),
        "{}",
        taken.body
    );
    let record = app.get(&format!("/api/captives/{second}")).await;
    assert!(record.body.get("particulars").is_none(), "nothing written");
    // Another detaining power numbers its own captives.
    set(&theirs, "UA-PW 0042")
        .await
        .expect_status(StatusCode::OK);
    // Once the first has another number, his old one is free.
    set(&first, "UA-PW 0043")
        .await
        .expect_status(StatusCode::OK);
    set(&second, "UA-PW 0042")
        .await
        .expect_status(StatusCode::OK);
    // The OpenAPI document says so.
    let doc = app.get("/api/openapi.json").await.body;
    let responses = &doc["paths"]["/api/captives/{id}/particulars"]["put"]["responses"];
    for status in ["200", "400", "403", "404", "409", "413", "422"] {
        assert!(responses[status].is_object(), "{status} in {responses}");
    }
    assert!(doc["components"]["schemas"]["ParticularsInput"]["properties"]["refused"].is_object());
}

async fn bad_particulars_are_refused_naming_every_field(app: &TestApp) {
    app.with_parties().await;
    let id = app.create_captive(captive("Кимов", "KP", "UA")).await;
    let path = format!("/api/captives/{id}/particulars");
    let long = "я".repeat(121);
    let answer = app
        .put(
            &path,
            json!({
                "father_first_name": long,
                "mother_maiden_name": "two\nlines",
                "person_to_inform": { "address": "Street 1" },
                "correspondence_address": "x".repeat(501),
                "prisoner_number": "12; DROP",
                "refused": ["religion", "prisoner_number"]
            }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "father_first_name",
        "mother_maiden_name",
        "person_to_inform.name",
        "correspondence_address",
        "prisoner_number",
        "refused[0]",
        "refused",
    ] {
        field_error(&answer, field);
    }
    // A value and a refusal of the same field: the field is named (Art. 17).
    let both = app
        .put(
            &path,
            json!({ "father_first_name": "Ivan", "refused": ["father_first_name"] }),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&both, "father_first_name").contains("Art. 17"));
    // Nothing to record and nothing to clear.
    let empty = app
        .put(&path, json!({}))
        .await
        .expect_status(StatusCode::CONFLICT);
    field_error(&empty, "particulars");
    // A wrong type names its field; an unknown field is named in the message; a body
    // that is not JSON is 400.
    let wrong = app
        .put(&path, json!({ "prisoner_number": 42 }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    field_error(&wrong, "prisoner_number");
    let wrong = app
        .put(&path, json!({ "person_to_inform": { "name": ["x"] } }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    field_error(&wrong, "person_to_inform.name");
    let unknown = app
        .put(&path, json!({ "religion": "none" }))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("religion"),
        "{}",
        unknown.body
    );
    app.send("PUT", &path, Some("{\"prisoner_number\": "))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let record = app.get(&format!("/api/captives/{id}")).await;
    assert!(record.body.get("particulars").is_none(), "{}", record.body);

    // A refusal alone is a record; an empty body then clears the particulars.
    let refused = app
        .put(&path, json!({ "refused": ["mother_maiden_name"] }))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        refused.body["particulars"]["refused"],
        json!(["mother_maiden_name"])
    );
    let cleared = app
        .put(&path, json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        cleared.body.get("particulars").is_none(),
        "{}",
        cleared.body
    );
}

async fn the_captive_page_shows_them_and_a_registrar_records_them_with_refusals(app: &TestApp) {
    let registrar = app.login_as("reg-1", Role::Registrar).await;
    let created = |family: &str| {
        let body = captive(family, "KP", "UA");
        let registrar = &registrar;
        async move {
            let answer = registrar
                .api("POST", "/api/captives", Some(&body))
                .await
                .expect_status(StatusCode::CREATED);
            answer.body["id"].as_str().unwrap().to_string()
        }
    };
    let id = created("Кимов").await;
    let other = created("Пак").await;
    let page = registrar.get(&format!("/captives/{id}")).await;
    page.assert_ok();
    assert!(page.text().contains("No particulars recorded."));
    assert!(page
        .html
        .contains(&format!("href=\"/captives/{id}/edit/particulars\"")));

    let form = registrar
        .get(&format!("/captives/{id}/edit/particulars"))
        .await;
    form.assert_ok();
    for name in [
        "prisoner_number",
        "father_first_name",
        "person_to_inform.name",
        "person_to_inform.address",
        "family_address",
    ] {
        assert!(form.html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(form
        .html
        .contains("name=\"refused[]\" value=\"father_first_name\""));
    assert!(
        !form.html.contains("value=\"prisoner_number\""),
        "the prisoner number is not the captive's to refuse"
    );

    // A value and a refusal of the same field come back next to the field, with what
    // was typed and ticked kept.
    let form_path = format!("/captives/{id}/edit/particulars");
    let refused = registrar
        .post(
            &form_path,
            &[
                ("prisoner_number", "UA-PW 7"),
                ("father_first_name", "Мьонсу"),
                ("refused[]", "father_first_name"),
                ("refused[]", "family_address"),
            ],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("id=\"f-father_first_name-note\""),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("value=\"UA-PW 7\""));
    assert!(refused.html.contains("value=\"family_address\" checked"));

    registrar
        .post(
            &form_path,
            &[
                ("prisoner_number", "UA-PW 7"),
                ("mother_maiden_name", "Кім"),
                ("person_to_inform.name", "Кім Сун Хі"),
                ("person_to_inform.address", "Village 3\nDistrict 5"),
                ("correspondence_address", ""),
                ("refused[]", "father_first_name"),
                ("refused[]", "family_address"),
            ],
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let page = registrar.get(&format!("/captives/{id}")).await;
    let text = page.text();
    for shown in ["UA-PW 7", "Кім Сун Хі", "Village 3", "refused (Art. 17)"] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    let stored = app
        .store
        .get_captive(repatria_core::CaptiveId(id.parse().unwrap()))
        .await
        .unwrap();
    let p = stored.particulars.unwrap();
    assert_eq!(p.prisoner_number.as_deref(), Some("UA-PW 7"));
    assert_eq!(p.father_first_name, None);
    assert_eq!(p.refused.len(), 2);
    // The form starts from what is recorded.
    let again = registrar.get(&form_path).await;
    assert!(again.html.contains("value=\"UA-PW 7\""));
    assert!(again.html.contains("value=\"father_first_name\" checked"));

    // The same number for another captive of Ukraine: refused on the form, next to the
    // field (the API's 409 names it).
    let taken = registrar
        .post(
            &format!("/captives/{other}/edit/particulars"),
            &[("prisoner_number", "UA-PW 7")],
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken.html.contains("id=\"f-prisoner_number-note\""),
        "{}",
        taken.html
    );

    // A role that may not read them sees no section; a reader without the right to
    // record them sees no button.
    let negotiator = app.login_as("neg-1", Role::Negotiator).await;
    let page = negotiator.get(&format!("/captives/{id}")).await;
    page.assert_ok();
    assert!(!page.text().contains("UA-PW 7"), "{}", page.text());
    assert!(!page.text().contains("Particulars"));
    let delegate = app.login_as("icrc-1", Role::IcrcDelegate).await;
    let page = delegate.get(&format!("/captives/{id}")).await;
    assert!(page.text().contains("UA-PW 7"));
    assert!(!page.html.contains("/edit/particulars"));
}

both_backends!(
    setup = TestApp::api;
    a_registrar_records_them_and_only_the_roles_that_may_read_them_do,
    a_prisoner_number_belongs_to_one_captive_of_each_detaining_power,
    bad_particulars_are_refused_naming_every_field,
);

mod web {
    use super::*;

    both_backends!(
        setup = TestApp::web;
        the_captive_page_shows_them_and_a_registrar_records_them_with_refusals,
    );
}
