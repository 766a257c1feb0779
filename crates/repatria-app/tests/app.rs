//! The use cases against a real store, on SQLite always and on PostgreSQL when
//! `REPATRIA_TEST_PG_URL` is set.

use chrono::{TimeZone, Utc};
use repatria_app::matching::Matching;
use repatria_app::registry;
use repatria_core::{
    CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, NewCaptive, Party,
    PartyCode, PersonName, Timestamp,
};
use repatria_store::testing::{both_backends, TestDatabase};
use repatria_store::{Actor, AuditFilter, Backend, CaptiveQuery, SqlStore, Store};
use uuid::Uuid;

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, day, 8, 0, 0).unwrap()
}

fn new_captive(origin: &str, family: &str, given: &str) -> NewCaptive {
    NewCaptive {
        power_of_origin: PartyCode::parse(origin).unwrap(),
        detaining_power: PartyCode::parse("UA").unwrap(),
        capture: CaptureReport {
            captured_at: at(9),
            place: "Border region".into(),
            coordinates: None,
            capturing_unit: None,
            condition: None,
        },
        claims: vec![IdentityClaim::new(
            ClaimId(Uuid::now_v7()),
            ClaimSource::DocumentFound,
            PersonName {
                family: Some(family.into()),
                given: Some(given.into()),
                patronymic: None,
            },
            at(9),
            "registrar-1",
        )],
        assessed_claim: None,
        languages: vec![],
        interpreter_required: false,
        health: None,
    }
}

async fn registry_with(store: &SqlStore, people: &[(&str, &str, &str)]) -> Vec<CaptiveId> {
    let actor = Actor::new("registrar-1");
    for (code, name) in [("UA", "Ukraine"), ("RU", "Russia"), ("KP", "DPRK")] {
        store
            .create_party(&actor, Party::new(code, name).unwrap(), at(1))
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for (origin, family, given) in people {
        let id = CaptiveId(Uuid::now_v7());
        store
            .create_captive(
                &actor,
                id,
                EventId(Uuid::now_v7()),
                new_captive(origin, family, given),
                at(10),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

async fn a_name_search_ranks_other_spellings_then_word_beginnings_and_is_audited(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[
            ("RU", "Шевченко", "Олександр"),
            ("RU", "Шевчук", "Тарас"),
            ("KP", "Ким", "Чол"),
        ],
    )
    .await;
    let matching = Matching::default();
    let reader = Actor::new("tracer-1");
    let query = |name: &str| CaptiveQuery {
        name: Some(name.into()),
        limit: 50,
        ..Default::default()
    };

    // Another script and spelling: the engine's candidate, with its score, first.
    let page = registry::list(
        &store,
        &matching,
        &reader,
        &query("Shevchenko Oleksandr"),
        at(20),
    )
    .await
    .unwrap();
    assert_eq!(page.items[0].captive.id, ids[0]);
    assert!(
        page.items[0].score.is_some_and(|s| s > 0.0),
        "{:?}",
        page.items[0].score
    );

    // The beginning of a word in the record's own script finds both Шевч…, unscored
    // unless the engine also proposes them.
    let page = registry::list(&store, &matching, &reader, &query("Шевч"), at(20))
        .await
        .unwrap();
    let found: Vec<CaptiveId> = page.items.iter().map(|f| f.captive.id).collect();
    assert!(
        found.contains(&ids[0]) && found.contains(&ids[1]),
        "{found:?}"
    );
    assert!(!found.contains(&ids[2]));

    // Filters apply to the engine's candidates too.
    let mut only_kp = query("Shevchenko Oleksandr");
    only_kp.power_of_origin = Some(PartyCode::parse("KP").unwrap());
    let page = registry::list(&store, &matching, &reader, &only_kp, at(20))
        .await
        .unwrap();
    assert!(
        page.items.iter().all(|f| f.captive.id == ids[2]),
        "{page:?}"
    );

    // Paging by position.
    let mut first = query("Шевч");
    first.limit = 1;
    let one = registry::list(&store, &matching, &reader, &first, at(20))
        .await
        .unwrap();
    assert_eq!((one.items.len(), one.total), (1, 2));
    first.cursor = one.next.clone();
    let two = registry::list(&store, &matching, &reader, &first, at(20))
        .await
        .unwrap();
    assert_eq!(two.items.len(), 1);
    assert_ne!(two.items[0].captive.id, one.items[0].captive.id);
    assert!(two.next.is_none());

    // Audited with the ids shown, never the words searched for.
    let events = store
        .audit_events(&AuditFilter {
            actor: Some("tracer-1".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.action == "captive.list"));
    assert!(events[0].detail.contains(&ids[0].to_string()));
    assert!(events
        .iter()
        .all(|e| !e.detail.contains("Shevchenko") && !e.detail.contains("Шевч")));
}

async fn the_registry_exports_as_pfif_that_reads_back_and_the_export_is_audited(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[("RU", "Шевченко", "Олександр"), ("KP", "Ким", "Чол")],
    )
    .await;
    let clerk = Actor::new("cli");
    let (document, count) = repatria_app::pfif::export(&store, &clerk, "bureau.example", at(20))
        .await
        .unwrap();
    assert_eq!(count, 2);
    let entries = repatria_lists::read_pfif(document.as_bytes()).unwrap();
    let mut families: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.family_name.as_deref())
        .collect();
    families.sort_unstable();
    assert_eq!(families, ["Ким", "Шевченко"]);
    assert!(entries
        .iter()
        .any(|e| e.external_id.as_deref() == Some(&*format!("bureau.example/captive.{}", ids[0]))));
    let events = store
        .audit_events(&AuditFilter {
            actor: Some("cli".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "registry.export");
    assert!(
        events[0].detail.contains("\"persons\":2"),
        "{}",
        events[0].detail
    );
}

both_backends!(
    a_name_search_ranks_other_spellings_then_word_beginnings_and_is_audited,
    the_registry_exports_as_pfif_that_reads_back_and_the_export_is_audited,
);
