//! Store scenarios, run against every backend: SQLite always, PostgreSQL when
//! `REPATRIA_TEST_PG_URL` is set (each test gets its own schema).

use chrono::{TimeZone, Utc};
use repatria_core::{
    fixtures, CaptiveId, CaptureReport, ClaimId, ClaimSource, CustodyEvent, CustodyEventKind,
    CustodyStatus, EventId, FacilityKind, IdentityClaim, NewCaptive, Party, PartyCode, PersonName,
    Timestamp,
};
use repatria_store::testing::{both_backends, tamper, TestStore};
use repatria_store::{Actor, AuditFilter, CaptiveChange, CaptiveQuery, SqlStore, StoreError};
use uuid::Uuid;

fn t(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, day, hour, 0, 0).unwrap()
}

fn now() -> Timestamp {
    t(28, 0)
}

fn actor() -> Actor {
    Actor::new("registrar-1").with_request("req-1")
}

fn id() -> Uuid {
    Uuid::now_v7()
}

fn claim(family: &str, given: &str) -> IdentityClaim {
    let name = PersonName {
        family: Some(family.into()),
        given: Some(given.into()),
        patronymic: None,
    };
    IdentityClaim::new(
        ClaimId(id()),
        ClaimSource::DocumentFound,
        name,
        t(10, 0),
        "registrar-1",
    )
}

fn new_captive(origin: &str, family: &str, given: &str) -> NewCaptive {
    NewCaptive {
        power_of_origin: PartyCode::parse(origin).unwrap(),
        detaining_power: PartyCode::parse("UA").unwrap(),
        capture: CaptureReport {
            captured_at: t(9, 6),
            place: "Border region".into(),
            coordinates: None,
            capturing_unit: Some("Unit 1".into()),
            condition: Some("wounded".into()),
        },
        claims: vec![claim(family, given)],
        assessed_claim: None,
        languages: vec!["ko".into()],
        interpreter_required: true,
        health: None,
    }
}

async fn with_parties(store: &SqlStore) {
    for (code, name) in [
        ("UA", "Ukraine"),
        ("RU", "Russian Federation"),
        ("KP", "DPRK"),
    ] {
        store
            .create_party(&actor(), Party::new(code, name).unwrap(), now())
            .await
            .unwrap();
    }
}

async fn create(
    store: &SqlStore,
    origin: &str,
    family: &str,
    given: &str,
) -> repatria_core::Captive {
    store
        .create_captive(
            &actor(),
            CaptiveId(id()),
            EventId(id()),
            new_captive(origin, family, given),
            now(),
        )
        .await
        .unwrap()
}

async fn audit_count(store: &SqlStore) -> u64 {
    store.verify_audit().await.unwrap().events_checked
}

async fn captive_count(store: &SqlStore) -> u64 {
    store
        .list_captives(&CaptiveQuery::default())
        .await
        .unwrap()
        .total
}

async fn names(store: &SqlStore, query: CaptiveQuery) -> Vec<String> {
    let mut found: Vec<String> = store
        .list_captives(&CaptiveQuery {
            limit: 500,
            ..query
        })
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.assessed_identity().unwrap().name.family.clone().unwrap())
        .collect();
    found.sort();
    found
}

fn by_name(name: &str) -> CaptiveQuery {
    CaptiveQuery {
        name: Some(name.into()),
        ..Default::default()
    }
}

both_backends!(
    setup = TestStore::open;
    a_new_captive_is_stored_with_its_assessed_identity_capture_event_and_audit_event,
    a_captive_of_an_unknown_party_is_refused_naming_the_field_and_nothing_is_written,
    a_party_code_can_be_taken_only_once,
    name_search_ignores_case_and_diacritics_in_every_script,
    filters_and_pages_cover_every_matching_captive_exactly_once,
    ids_of_a_search_are_those_of_the_list_and_candidates_keep_their_order,
    the_captives_changed_after_an_event_are_those_written_not_those_read,
    changes_are_applied_audited_and_searchable,
    a_refused_change_leaves_the_record_and_the_audit_log_untouched,
    the_audit_log_refuses_updates_and_deletes,
    a_changed_audit_event_is_detected,
    a_deleted_audit_event_is_detected,
    reordered_audit_events_are_detected,
    an_inserted_audit_event_is_detected,
    deleting_the_newest_audit_events_is_detected,
    concurrent_writes_keep_the_chain_intact,
    a_bulk_creation_is_all_or_nothing,
    an_unknown_captive_is_not_found,
    tracing_requests_are_stored_answered_and_closed_only_once_answered,
    links_drive_the_request_and_a_rejected_pair_is_never_proposed_again,
    an_import_is_atomic_and_recognised_by_its_content,
    accounts_are_listed_and_disabled_with_their_audit_and_their_sessions_stop,
    parallel_login_attempts_are_each_counted_once,
    a_totp_step_is_accepted_once_even_in_parallel,
    parallel_writers_of_every_kind_all_succeed with 4 workers,
);

async fn a_new_captive_is_stored_with_its_assessed_identity_capture_event_and_audit_event(
    store: &SqlStore,
) {
    with_parties(store).await;
    let created = create(store, "KP", "Kim", "Chol-su").await;
    let loaded = store.get_captive(created.id).await.unwrap();
    assert_eq!(loaded, created);
    assert_eq!(
        loaded.assessed_identity().unwrap().name.family.as_deref(),
        Some("Kim")
    );
    assert_eq!(loaded.timeline.len(), 1);
    assert_eq!(loaded.timeline[0].kind, CustodyEventKind::Captured);
    assert_eq!(loaded.status(), CustodyStatus::InCustody);
    let events = store
        .audit_events(&AuditFilter::entity("captive", &created.id.to_string()))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor.as_str()),
        ("captive.create", "registrar-1")
    );
    assert_eq!(events[0].request_id.as_deref(), Some("req-1"));
    assert!(
        !events[0].detail.contains("Kim"),
        "audit detail must not copy names: {}",
        events[0].detail
    );
    assert_eq!(audit_count(store).await, 4, "three parties and one captive");
}

async fn a_captive_of_an_unknown_party_is_refused_naming_the_field_and_nothing_is_written(
    store: &SqlStore,
) {
    with_parties(store).await;
    let before = audit_count(store).await;
    let error = store
        .create_captive(
            &actor(),
            CaptiveId(id()),
            EventId(id()),
            new_captive("XX", "Kim", "Il"),
            now(),
        )
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("power_of_origin: no party with code XX"),
        "{error}"
    );
    assert_eq!(captive_count(store).await, 0);
    assert_eq!(audit_count(store).await, before);
}

async fn a_party_code_can_be_taken_only_once(store: &SqlStore) {
    with_parties(store).await;
    let error = store
        .create_party(&actor(), Party::new("UA", "Again").unwrap(), now())
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    let parties = store.list_parties().await.unwrap();
    assert_eq!(
        parties.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        vec!["KP", "RU", "UA"]
    );
    assert_eq!(parties[2].name, "Ukraine");
}

async fn name_search_ignores_case_and_diacritics_in_every_script(store: &SqlStore) {
    with_parties(store).await;
    create(store, "UA", "Шевченко", "Тарас").await;
    create(store, "RU", "Фёдоров", "Иван").await;
    create(store, "KP", "김", "철수").await;
    create(store, "UA", "Dvořák", "Jiří").await;
    create(store, "UA", "Шевчук", "Марʼяна").await;

    assert_eq!(names(store, by_name("шевченко")).await, vec!["Шевченко"]);
    assert_eq!(
        names(store, by_name("ШЕВЧ")).await,
        vec!["Шевченко", "Шевчук"]
    );
    assert_eq!(names(store, by_name("шевч тарас")).await, vec!["Шевченко"]);
    assert_eq!(
        names(store, by_name("Тарас Шевченко")).await,
        vec!["Шевченко"],
        "word order does not matter"
    );
    assert_eq!(names(store, by_name("федоров")).await, vec!["Фёдоров"]);
    assert_eq!(names(store, by_name("DVORAK jiri")).await, vec!["Dvořák"]);
    assert_eq!(names(store, by_name("김")).await, vec!["김"]);
    assert_eq!(names(store, by_name("Мар'яна")).await, vec!["Шевчук"]);
    assert!(
        names(store, by_name("ченко")).await.is_empty(),
        "search is by word prefix, not any substring"
    );
    assert!(names(store, by_name("Petrenko")).await.is_empty());
}

/// The ids a search pages through: the same captives as the list, in the same order,
/// without their records; and the engine's candidates narrowed by status and parties in
/// the order given.
async fn ids_of_a_search_are_those_of_the_list_and_candidates_keep_their_order(store: &SqlStore) {
    with_parties(store).await;
    let mut made = Vec::new();
    for i in 0..12 {
        let origin = if i % 3 == 0 { "RU" } else { "KP" };
        made.push(create(store, origin, &format!("Шевч{i:02}"), "Тарас").await);
    }
    create(store, "KP", "Other", "Name").await;
    let by_name_from = |origin: Option<&str>| CaptiveQuery {
        name: Some("шевч".into()),
        power_of_origin: origin.map(|o| PartyCode::parse(o).unwrap()),
        limit: 500,
        ..Default::default()
    };
    // A second claim of one of them, so that one word beginning matches two of his words.
    store
        .change_captive(
            &actor(),
            made[4].id,
            CaptiveChange::AddIdentityClaim(Box::new(claim("Шевчук", "Тарас"))),
            now(),
        )
        .await
        .unwrap();
    let queries = [None, Some("RU"), Some("KP")]
        .into_iter()
        .flat_map(|origin| {
            ["шевч", "Тарас ШЕВЧ", "шевч04", "шевчук", "nobody"].map(|name| CaptiveQuery {
                name: Some(name.into()),
                ..by_name_from(origin)
            })
        });
    for query in queries {
        let listed: Vec<CaptiveId> = store
            .list_captives(&query)
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            store.find_captive_ids(&query, 500).await.unwrap(),
            listed,
            "{query:?}"
        );
        assert_eq!(
            store.find_captive_ids(&query, 3).await.unwrap(),
            listed[..listed.len().min(3)],
            "at most the limit, the first in id order"
        );
        if listed.len() > 2 {
            let after = CaptiveQuery {
                cursor: Some(listed[1].to_string()),
                ..query.clone()
            };
            assert_eq!(
                store.find_captive_ids(&after, 500).await.unwrap(),
                listed[2..]
            );
        }
    }
    assert_eq!(
        store
            .find_captive_ids(&by_name_from(None), 500)
            .await
            .unwrap()
            .len(),
        12
    );

    // Candidates in the engine's order (here: newest first), narrowed by the filters
    // but not by the name words.
    let mut candidates: Vec<CaptiveId> = made.iter().rev().map(|c| c.id).collect();
    let other = create(store, "RU", "Іванов", "Петро").await;
    candidates.insert(3, other.id);
    let no_filter = CaptiveQuery {
        name: Some("nothing like it".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .filter_captive_ids(&candidates, &no_filter)
            .await
            .unwrap(),
        candidates
    );
    let from_ru = CaptiveQuery {
        power_of_origin: Some(PartyCode::parse("RU").unwrap()),
        ..no_filter.clone()
    };
    let expected: Vec<CaptiveId> = candidates
        .iter()
        .copied()
        .filter(|id| {
            *id == other.id
                || made
                    .iter()
                    .any(|c| c.id == *id && c.power_of_origin.as_str() == "RU")
        })
        .collect();
    assert_eq!(expected.len(), 5);
    assert_eq!(
        store
            .filter_captive_ids(&candidates, &from_ru)
            .await
            .unwrap(),
        expected
    );
    let in_hospital = CaptiveQuery {
        status: Some(CustodyStatus::InHospital),
        ..no_filter
    };
    assert!(store
        .filter_captive_ids(&candidates, &in_hospital)
        .await
        .unwrap()
        .is_empty());
}

/// The captives changed after an event, as the audit log names them: created, changed
/// and imported ones, each once, not those only read; and up to which event.
async fn the_captives_changed_after_an_event_are_those_written_not_those_read(store: &SqlStore) {
    with_parties(store).await;
    let first = create(store, "RU", "Петренко", "Іван").await;
    let start = store.audit_head().await.unwrap();
    assert_eq!(
        store.captives_changed(start).await.unwrap().captives,
        [],
        "nothing since the head"
    );
    let second = create(store, "RU", "Коваленко", "Іван").await;
    store
        .change_captive(
            &actor(),
            first.id,
            CaptiveChange::AddCustodyEvent(event(
                CustodyEventKind::AdmittedToHospital,
                12,
                FacilityKind::Hospital,
            )),
            now(),
        )
        .await
        .unwrap();
    store
        .change_captive(
            &actor(),
            first.id,
            CaptiveChange::SetLanguages {
                languages: vec!["uk".into()],
                interpreter_required: false,
            },
            now(),
        )
        .await
        .unwrap();
    let read_only = create(store, "RU", "Шевченко", "Тарас").await;
    let after_creation = store.audit_head().await.unwrap();
    store
        .record_read(
            &actor(),
            repatria_store::AuditAction::CaptiveRead,
            "captive",
            &read_only.id.to_string(),
            serde_json::json!({}),
            now(),
        )
        .await
        .unwrap();
    let imported = repatria_core::Captive::open(
        CaptiveId(id()),
        new_captive("RU", "Бондаренко", "Петро"),
        EventId(id()),
        "registrar-1",
        now(),
    )
    .unwrap();
    store
        .import_captives(&actor(), vec![imported.clone()], now())
        .await
        .unwrap();
    let changes = store.captives_changed(start).await.unwrap();
    let mut expected = vec![first.id, second.id, read_only.id, imported.id];
    expected.sort();
    assert_eq!(changes.captives, expected);
    assert_eq!(changes.upto, store.audit_head().await.unwrap());
    let later = store.captives_changed(after_creation).await.unwrap();
    assert_eq!(later.captives, [imported.id], "a read is no change");
    assert!(store
        .captives_changed(changes.upto)
        .await
        .unwrap()
        .captives
        .is_empty());
}

async fn filters_and_pages_cover_every_matching_captive_exactly_once(store: &SqlStore) {
    with_parties(store).await;
    for i in 0..23 {
        create(
            store,
            if i % 3 == 0 { "RU" } else { "KP" },
            &format!("Family{i:02}"),
            "Given",
        )
        .await;
    }
    let query = |origin: &str, limit: u32| CaptiveQuery {
        power_of_origin: Some(PartyCode::parse(origin).unwrap()),
        limit,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_captives(&CaptiveQuery {
                cursor: cursor.clone(),
                ..query("KP", 5)
            })
            .await
            .unwrap();
        assert_eq!(page.total, 15);
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 15);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 15, "a captive appeared on two pages");
    assert_eq!(
        store.list_captives(&query("RU", 50)).await.unwrap().total,
        8
    );
    let hospital = CaptiveQuery {
        status: Some(CustodyStatus::InHospital),
        ..Default::default()
    };
    assert_eq!(store.list_captives(&hospital).await.unwrap().total, 0);
    let in_ua = CaptiveQuery {
        detaining_power: Some(PartyCode::parse("UA").unwrap()),
        limit: 1,
        ..Default::default()
    };
    let page = store.list_captives(&in_ua).await.unwrap();
    assert_eq!(
        (page.total, page.items.len(), page.next.is_some()),
        (23, 1, true)
    );
}

fn event(kind: CustodyEventKind, day: u32, facility: FacilityKind) -> CustodyEvent {
    CustodyEvent {
        id: EventId(id()),
        kind,
        at: t(day, 12),
        place: Some("Hospital No. 3".into()),
        facility: Some(facility),
        note: None,
        recorded_by: "registrar-1".into(),
    }
}

async fn changes_are_applied_audited_and_searchable(store: &SqlStore) {
    with_parties(store).await;
    let c = create(store, "KP", "Kim", "Chol-su").await;
    let second = claim("Ри", "Чол Су");
    let second_id = second.id;
    store
        .change_captive(
            &actor(),
            c.id,
            CaptiveChange::AddIdentityClaim(Box::new(second)),
            now(),
        )
        .await
        .unwrap();
    store
        .change_captive(
            &actor(),
            c.id,
            CaptiveChange::SetAssessedIdentity(second_id),
            now(),
        )
        .await
        .unwrap();
    let admitted = CaptiveChange::AddCustodyEvent(event(
        CustodyEventKind::AdmittedToHospital,
        10,
        FacilityKind::Hospital,
    ));
    store
        .change_captive(&actor(), c.id, admitted, now())
        .await
        .unwrap();

    let loaded = store.get_captive(c.id).await.unwrap();
    assert_eq!(loaded.claims.len(), 2);
    assert_eq!(loaded.assessed_identity().unwrap().id, second_id);
    assert_eq!(loaded.status(), CustodyStatus::InHospital);
    assert_eq!(
        names(store, by_name("ри")).await,
        vec!["Ри"],
        "found by the new claim's name"
    );
    let hospital = CaptiveQuery {
        status: Some(CustodyStatus::InHospital),
        ..Default::default()
    };
    assert_eq!(
        store.list_captives(&hospital).await.unwrap().total,
        1,
        "status column follows the timeline"
    );

    let actions: Vec<String> = store
        .audit_events(&AuditFilter::entity("captive", &c.id.to_string()))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        vec![
            "captive.create",
            "captive.identity_claim.add",
            "captive.assessed_identity.set",
            "captive.custody_event.add"
        ]
    );
    assert!(store.verify_audit().await.unwrap().broken.is_none());
}

async fn a_refused_change_leaves_the_record_and_the_audit_log_untouched(store: &SqlStore) {
    with_parties(store).await;
    let c = create(store, "KP", "Kim", "Il").await;
    let before = audit_count(store).await;
    let discharge = CaptiveChange::AddCustodyEvent(event(
        CustodyEventKind::Discharged,
        10,
        FacilityKind::Hospital,
    ));
    let error = store
        .change_captive(&actor(), c.id, discharge, now())
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Domain(_)), "{error:?}");
    assert_eq!(store.get_captive(c.id).await.unwrap(), c);
    assert_eq!(audit_count(store).await, before);
}

async fn the_audit_log_refuses_updates_and_deletes(store: &SqlStore) {
    with_parties(store).await;
    for sql in [
        "UPDATE audit_events SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
    ] {
        let error = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(audit_count(store).await, 3);
}

/// A registry of three parties and one captive (four audit events), then `statements`
/// run past the log's triggers: where verification finds the chain broken, and why.
async fn tampered(store: &SqlStore, statements: &[&str]) -> (u64, String) {
    with_parties(store).await;
    create(store, "KP", "Kim", "Il").await;
    tamper(store, statements).await;
    store
        .verify_audit()
        .await
        .unwrap()
        .broken
        .expect("tampering went unnoticed")
}

async fn a_changed_audit_event_is_detected(store: &SqlStore) {
    let (seq, reason) = tampered(
        store,
        &["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2"],
    )
    .await;
    assert_eq!(seq, 2, "{reason}");
    assert!(reason.contains("changed"), "{reason}");
}

async fn a_deleted_audit_event_is_detected(store: &SqlStore) {
    let broken = tampered(store, &["DELETE FROM audit_events WHERE seq = 2"]).await;
    assert_eq!(broken.0, 3);
}

async fn reordered_audit_events_are_detected(store: &SqlStore) {
    // Swap the numbers of events 2 and 3, keeping each one's content and hashes.
    let broken = tampered(
        store,
        &[
            "UPDATE audit_events SET seq = 1000 WHERE seq = 2",
            "UPDATE audit_events SET seq = 2 WHERE seq = 3",
            "UPDATE audit_events SET seq = 3 WHERE seq = 1000",
        ],
    )
    .await;
    assert_eq!(broken.0, 2);
}

async fn an_inserted_audit_event_is_detected(store: &SqlStore) {
    // Make room after event 1 and insert a forged event that copies event 2's link.
    let broken = tampered(store, &[
            "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 2",
            "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 102",
            "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash) \
             SELECT 2, at, 'forger', action, entity_type, 'forged', request_id, detail, prev_hash, hash FROM audit_events WHERE seq = 3",
        ]).await;
    assert_eq!(broken.0, 2);
}

async fn deleting_the_newest_audit_events_is_detected(store: &SqlStore) {
    let (_, reason) = tampered(store, &["DELETE FROM audit_events WHERE seq = 4"]).await;
    assert!(reason.contains("newest events were deleted"), "{reason}");
}

async fn concurrent_writes_keep_the_chain_intact(store: &SqlStore) {
    with_parties(store).await;
    let c = create(store, "KP", "Kim", "Il").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let change =
            CaptiveChange::AddIdentityClaim(Box::new(claim(&format!("Family{i}"), "Given")));
        let other = new_captive("RU", &format!("Other{i}"), "Given");
        tasks.push(async move {
            store
                .change_captive(&actor(), c.id, change, now())
                .await
                .unwrap();
            store
                .create_captive(&actor(), CaptiveId(id()), EventId(id()), other, now())
                .await
                .unwrap();
        });
    }
    futures_join_all(tasks).await;
    assert_eq!(
        store.get_captive(c.id).await.unwrap().claims.len(),
        13,
        "an update was lost"
    );
    let report = store.verify_audit().await.unwrap();
    assert_eq!((report.events_checked, report.broken), (3 + 1 + 24, None));
}

async fn futures_join_all<F: std::future::Future<Output = ()>>(tasks: Vec<F>) {
    // Polls all tasks together on this task; enough to interleave their awaits.
    let mut set = Vec::new();
    for task in tasks {
        set.push(Box::pin(task));
    }
    std::future::poll_fn(|cx| {
        set.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if set.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

async fn a_bulk_creation_is_all_or_nothing(store: &SqlStore) {
    with_parties(store).await;
    let open = |origin: &str, family: &str| {
        repatria_core::Captive::open(
            CaptiveId(id()),
            new_captive(origin, family, "Given"),
            EventId(id()),
            "importer",
            now(),
        )
        .unwrap()
    };
    let mut captives: Vec<_> = (0..5).map(|i| open("RU", &format!("Bulk{i}"))).collect();
    captives.insert(3, open("XX", "Stranger"));
    let before = audit_count(store).await;
    let error = store
        .import_captives(&actor(), captives.clone(), now())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("records[3].power_of_origin"),
        "{error}"
    );
    assert_eq!(captive_count(store).await, 0);
    assert_eq!(audit_count(store).await, before);

    captives.remove(3);
    assert_eq!(
        store
            .import_captives(&actor(), captives, now())
            .await
            .unwrap(),
        5
    );
    assert_eq!(captive_count(store).await, 5);
    assert_eq!(names(store, by_name("bulk3")).await, vec!["Bulk3"]);
    assert_eq!(audit_count(store).await, before + 5);
}

async fn an_unknown_captive_is_not_found(store: &SqlStore) {
    with_parties(store).await;
    let unknown = CaptiveId(id());
    // Many at once: in the order asked, unknown ids left out.
    let (a, b) = (
        create(store, "KP", "A", "A").await,
        create(store, "KP", "B", "B").await,
    );
    let found: Vec<CaptiveId> = store
        .get_captives(&[b.id, unknown, a.id])
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(found, vec![b.id, a.id]);
    assert!(matches!(
        store.get_captive(unknown).await,
        Err(StoreError::NotFound)
    ));
    let change = CaptiveChange::SetAssessedIdentity(ClaimId(id()));
    assert!(matches!(
        store.change_captive(&actor(), unknown, change, now()).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_sqlite_file_is_created_on_first_start_and_reopened_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.db");
    let url = path.to_str().unwrap().to_string();
    {
        let store = SqlStore::connect(&url).await.unwrap();
        with_parties(&store).await;
        store.close().await;
    }
    assert!(path.exists());
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.list_parties().await.unwrap().len(), 3);
    assert_eq!(store.verify_audit().await.unwrap().events_checked, 3);
}

fn tracing_request(family: &str, given: &str) -> repatria_core::TracingRequest {
    fixtures::tracing_request(family, given)
}

fn proposal(
    subject: repatria_core::LinkSubject,
    captive: CaptiveId,
    score: f64,
) -> repatria_core::MatchLink {
    let target = repatria_core::LinkTarget::Captive { id: captive };
    let mut link = fixtures::match_link(subject, target, score);
    link.explanation = format!("names agree ({score})");
    link.created_at = now();
    link
}

/// What matching proposes for `subject` now: a link to each captive with its score
/// (replacing the undecided links it no longer proposes).
async fn recompute(
    store: &SqlStore,
    subject: repatria_core::LinkSubject,
    scores: &[(CaptiveId, f64)],
) -> Vec<repatria_core::MatchLink> {
    let proposals = scores
        .iter()
        .map(|&(captive, score)| proposal(subject, captive, score))
        .collect();
    store
        .propose_links(&actor(), Some(subject), proposals, now())
        .await
        .unwrap()
}

/// The links of `subject`, in the store's order.
async fn links_of(
    store: &SqlStore,
    subject: repatria_core::LinkSubject,
) -> Vec<repatria_core::MatchLink> {
    store
        .match_links(&repatria_store::LinkFilter {
            subject: Some(subject),
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn tracing_requests_are_stored_answered_and_closed_only_once_answered(store: &SqlStore) {
    use repatria_core::{TracingAnswer, TracingStatus};
    use repatria_store::TracingChange;
    let request = tracing_request("Шевченко", "Тарас");
    let before = audit_count(store).await;
    store
        .create_tracing_request(&actor(), request.clone(), now())
        .await
        .unwrap();
    assert_eq!(
        store.get_tracing_request(request.id).await.unwrap(),
        request
    );
    let closing = store
        .change_tracing_request(&actor(), request.id, TracingChange::Close, now())
        .await;
    assert!(matches!(closing, Err(StoreError::Domain(_))), "{closing:?}");
    let answer = TracingAnswer {
        at: now(),
        by: "tracer-1".into(),
        text: "No record so far; we will write again.".into(),
    };
    store
        .change_tracing_request(
            &actor(),
            request.id,
            TracingChange::RecordAnswer(answer),
            now(),
        )
        .await
        .unwrap();
    let closed = store
        .change_tracing_request(&actor(), request.id, TracingChange::Close, now())
        .await
        .unwrap();
    assert_eq!(closed.status, TracingStatus::Closed);
    assert_eq!(closed.answers.len(), 1);
    assert_eq!(
        store
            .tracing_requests(Some(TracingStatus::Closed))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .tracing_requests(Some(TracingStatus::Open))
        .await
        .unwrap()
        .is_empty());
    // create, answer, close: three events; the refused close wrote none.
    assert_eq!(audit_count(store).await, before + 3);
    let events = store
        .audit_events(&AuditFilter::entity(
            "tracing_request",
            &request.id.0.to_string(),
        ))
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "tracing_request.create",
            "tracing_request.answer",
            "tracing_request.close"
        ]
    );
    assert!(events
        .iter()
        .all(|e| !e.detail.contains("Шевченко") && !e.detail.contains("+000")));
}

async fn links_drive_the_request_and_a_rejected_pair_is_never_proposed_again(store: &SqlStore) {
    use repatria_core::{Decision, LinkState, LinkSubject, TracingStatus};
    use repatria_store::LinkFilter;
    with_parties(store).await;
    let a = create(store, "KP", "Kim", "Chol").await;
    let b = create(store, "KP", "Kim", "Chul").await;
    let request = tracing_request("Kim", "Chol");
    store
        .create_tracing_request(&actor(), request.clone(), now())
        .await
        .unwrap();
    let subject = LinkSubject::Request { id: request.id };
    let stored = recompute(store, subject, &[(a.id, 0.97), (b.id, 0.6)]).await;
    assert_eq!(stored[0].state, LinkState::Linked);
    assert_eq!(stored[1].state, LinkState::Review);
    let found = store.get_tracing_request(request.id).await.unwrap();
    assert_eq!(found.status, TracingStatus::CandidatesFound);
    assert_eq!(found.candidates, vec![a.id, b.id]);

    // The review queue holds the one in the band.
    let queue = store
        .match_links(&LinkFilter {
            state: Some(LinkState::Review),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].id, stored[1].id);

    // Reject b; confirm a; the request follows.
    let rejected = store
        .decide_link(&actor(), stored[1].id, Decision::Reject, t(28, 5))
        .await
        .unwrap();
    assert_eq!(rejected.decided_by.as_deref(), Some("registrar-1"));
    assert_eq!(rejected.decided_at, Some(t(28, 5)));
    store
        .decide_link(&actor(), stored[0].id, Decision::Confirm, t(28, 6))
        .await
        .unwrap();
    let found = store.get_tracing_request(request.id).await.unwrap();
    assert_eq!(found.status, TracingStatus::Confirmed);
    assert_eq!(found.linked_captive, Some(a.id));
    assert_eq!(found.candidates, vec![a.id]);
    // Confirming twice is refused, and so is a second confirmed candidate.
    assert!(store
        .decide_link(&actor(), stored[0].id, Decision::Confirm, now())
        .await
        .is_err());
    let d = create(store, "KP", "Kim", "Cheol").await;
    let other = store
        .propose_links(&actor(), None, vec![proposal(subject, d.id, 0.6)], now())
        .await
        .unwrap();
    let second = store
        .decide_link(&actor(), other[0].id, Decision::Confirm, now())
        .await;
    assert!(matches!(second, Err(StoreError::Domain(_))), "{second:?}");
    store
        .decide_link(&actor(), other[0].id, Decision::Reject, now())
        .await
        .unwrap();

    // Proposing both again: the rejected pair stays rejected, the confirmed one confirmed.
    let again = recompute(store, subject, &[(a.id, 0.99), (b.id, 0.99)]).await;
    assert_eq!(again[0].state, LinkState::Confirmed);
    assert_eq!(again[1].state, LinkState::Rejected);
    assert_eq!(again[1].id, stored[1].id);
    let all = links_of(store, subject).await;
    assert_eq!(all.len(), 3, "a, b and the rejected second candidate d");

    // Undo the confirmation: back to candidates, and recorded.
    store
        .decide_link(&actor(), stored[0].id, Decision::Undo, t(28, 7))
        .await
        .unwrap();
    let found = store.get_tracing_request(request.id).await.unwrap();
    assert_eq!(found.status, TracingStatus::CandidatesFound);
    assert_eq!(found.linked_captive, None);
    let actions: Vec<String> = store
        .audit_events(&AuditFilter::entity(
            "match_link",
            &stored[0].id.to_string(),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} by {}", e.action, e.actor))
        .collect();
    assert_eq!(
        actions,
        ["match.confirm by registrar-1", "match.undo by registrar-1"]
    );

    // The link undone stays in review when the engine proposes it again.
    let again = recompute(store, subject, &[(a.id, 0.99)]).await;
    assert_eq!(again[0].state, LinkState::Review);
    assert_eq!(again[0].decided_by.as_deref(), Some("registrar-1"));

    // Recomputing with nothing above the band removes only links nobody touched:
    // here none, since a person undid the one and rejected the other.
    recompute(store, subject, &[]).await;
    let left: Vec<LinkState> = links_of(store, subject)
        .await
        .into_iter()
        .map(|l| l.state)
        .collect();
    assert_eq!(
        left,
        vec![LinkState::Review, LinkState::Rejected, LinkState::Rejected]
    );
    let found = store.get_tracing_request(request.id).await.unwrap();
    assert_eq!(found.status, TracingStatus::CandidatesFound);
    // A proposal nobody touched is removed when no longer proposed.
    let c = create(store, "KP", "Kim", "Chan").await;
    recompute(store, subject, &[(c.id, 0.5)]).await;
    recompute(store, subject, &[]).await;
    let targets: Vec<repatria_core::LinkTarget> = links_of(store, subject)
        .await
        .into_iter()
        .map(|l| l.target)
        .collect();
    assert!(!targets.contains(&repatria_core::LinkTarget::Captive { id: c.id }));
    assert_eq!(targets.len(), 3);
    assert!(store.verify_audit().await.unwrap().broken.is_none());
}

async fn an_import_is_atomic_and_recognised_by_its_content(store: &SqlStore) {
    use repatria_core::{ImportId, ImportKind, LinkSubject, ListEntry, ListImport};
    use repatria_store::{LinkFilter, NewImport};
    with_parties(store).await;
    let held = create(store, "RU", "Иванов", "Иван").await;
    let import = ListImport {
        exchange: None,
        id: ImportId(id()),
        content_hash: "ab".repeat(32),
        kind: ImportKind::List,
        format: "csv".into(),
        source: Some(PartyCode::parse("RU").unwrap()),
        file_name: "list.csv".into(),
        rows: 450,
        created_at: now(),
        created_by: "registrar-1".into(),
    };
    let entries: Vec<ListEntry> = (0..450)
        .map(|i| ListEntry {
            line: i + 2,
            full_name: Some(format!("Person {i}")),
            ..ListEntry::default()
        })
        .collect();
    let subject = LinkSubject::Entry {
        import: import.id,
        line: 2,
    };
    let new = NewImport {
        import: import.clone(),
        entries: entries.clone(),
        requests: vec![],
        links: vec![proposal(subject, held.id, 0.99)],
    };
    let before = audit_count(store).await;
    store
        .import_list(&actor(), new.clone(), now())
        .await
        .unwrap();
    assert_eq!(store.list_entries(import.id).await.unwrap(), entries);
    assert_eq!(
        store.find_import(&import.content_hash).await.unwrap(),
        Some(import.clone())
    );
    assert_eq!(store.imports().await.unwrap(), vec![import.clone()]);
    let links = store
        .match_links(&LinkFilter {
            import: Some(import.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    // One list.import event, which counts the links.
    assert_eq!(audit_count(store).await, before + 1);
    let event = store
        .audit_events(&AuditFilter::entity("list_import", &import.id.to_string()))
        .await
        .unwrap();
    assert!(
        event[0].detail.contains("\"links\":1"),
        "{}",
        event[0].detail
    );

    // The same content again is a conflict and changes nothing.
    let mut again = new.clone();
    again.import.id = ImportId(id());
    let result = store.import_list(&actor(), again.clone(), now()).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(store.imports().await.unwrap().len(), 1);

    // A failure half-way (a link to a duplicate line breaks nothing: use a duplicate
    // entry line, which the primary key refuses) leaves nothing behind.
    let mut broken = new;
    broken.import.id = ImportId(id());
    broken.import.content_hash = "cd".repeat(32);
    broken.entries.push(broken.entries[0].clone());
    assert!(store
        .import_list(&actor(), broken.clone(), now())
        .await
        .is_err());
    assert!(store
        .find_import(&broken.import.content_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .list_entries(broken.import.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(audit_count(store).await, before + 1);
}

async fn accounts_are_listed_and_disabled_with_their_audit_and_their_sessions_stop(
    store: &SqlStore,
) {
    use repatria_core::Role;
    use repatria_store::{Credential, User};
    let admin = Actor::new("admin-1");
    for (name, role) in [("zed", Role::Auditor), ("amy", Role::Registrar)] {
        let user = User {
            username: name.into(),
            role,
            password_hash: format!("$argon2id$hash-of-{name}"),
            disabled: false,
            must_change_password: false,
        };
        store.create_user(&admin, user, now()).await.unwrap();
    }
    let users = store.list_users().await.unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["amy", "zed"], "by name");
    assert_eq!(users[0].role, Role::Registrar);
    assert!(users.iter().all(|u| !u.disabled));

    let credential = Credential {
        token_hash: "f".repeat(64),
        username: "amy".into(),
        kind: "session".into(),
        name: None,
        csrf_token: Some("c".repeat(64)),
        expires_at: None,
        created_at: None,
        last_used_at: None,
    };
    store
        .create_credential(&admin, credential, now())
        .await
        .unwrap();
    let before = audit_count(store).await;
    let amy = store
        .set_user_disabled(&admin, "amy", true, now())
        .await
        .unwrap();
    assert!(amy.disabled);
    assert_eq!(audit_count(store).await, before + 1);
    let events = store
        .audit_events(&AuditFilter::entity("user", "amy"))
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("user.disable", "admin-1")
    );
    // Disabling revoked the session in the same transaction.
    assert!(store
        .find_credential(&"f".repeat(64), now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        last.detail,
        r#"{"credentials_revoked":1,"was_disabled":false}"#
    );
    assert!(store.get_user("amy").await.unwrap().unwrap().disabled);
    assert!(!store.get_user("zed").await.unwrap().unwrap().disabled);

    let amy = store
        .set_user_disabled(&admin, "amy", false, now())
        .await
        .unwrap();
    assert!(!amy.disabled);
    let events = store
        .audit_events(&AuditFilter::entity("user", "amy"))
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().action, "user.enable");
    assert!(
        store
            .find_credential(&"f".repeat(64), now())
            .await
            .unwrap()
            .is_none(),
        "enabling the account again does not revive its old session"
    );

    let unknown = store
        .set_user_disabled(&admin, "nobody", true, now())
        .await
        .unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound), "{unknown:?}");
    assert_eq!(
        audit_count(store).await,
        before + 2,
        "nothing audited for nobody"
    );
    store.verify_audit().await.unwrap();
}

/// Every parallel attempt gets a count of its own (1, 2, … 40), so that no more than
/// the limit can be let through to the password check; an old window starts afresh.
async fn parallel_login_attempts_are_each_counted_once(store: &SqlStore) {
    let window = chrono::Duration::minutes(15);
    let at = now();
    let seen = std::sync::Mutex::new(Vec::new());
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let seen = &seen;
        tasks.push(async move {
            let counts = store
                .count_login_attempt(
                    &["account:amy".into(), "address:10.0.0.1".into()],
                    window,
                    at,
                )
                .await
                .unwrap();
            assert_eq!(counts[0].bucket, "account:amy");
            seen.lock().unwrap().push(counts[0].attempts);
        });
    }
    futures_join_all(tasks).await;
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    assert_eq!(seen, (1..=40).collect::<Vec<u32>>());
    // A success clears the account and gives the address its attempt back.
    store
        .login_succeeded(&["account:amy".into()], &["address:10.0.0.1".into()])
        .await
        .unwrap();
    let counts = store
        .count_login_attempt(
            &["account:amy".into(), "address:10.0.0.1".into()],
            window,
            at,
        )
        .await
        .unwrap();
    assert_eq!((counts[0].attempts, counts[1].attempts), (1, 40));
    // After the window, a bucket starts again at 1; purging forgets old buckets.
    let later = at + window + chrono::Duration::seconds(1);
    let counts = store
        .count_login_attempt(&["account:amy".into()], window, later)
        .await
        .unwrap();
    assert_eq!(counts[0].attempts, 1);
    assert_eq!(counts[0].window_start.timestamp(), later.timestamp());
    assert_eq!(store.purge_login_attempts(later - window).await.unwrap(), 1);
    assert_eq!(store.account_login_attempts(at).await.unwrap().len(), 1);
}

/// A one-time code's step is accepted once: of parallel uses exactly one wins, and an
/// earlier step is refused after a later one.
async fn a_totp_step_is_accepted_once_even_in_parallel(store: &SqlStore) {
    use repatria_store::{TotpChange, User};
    let admin = Actor::new("admin-1");
    let user = User {
        username: "amy".into(),
        role: repatria_core::Role::Registrar,
        password_hash: "$argon2id$x".into(),
        disabled: false,
        must_change_password: false,
    };
    store.create_user(&admin, user, now()).await.unwrap();
    assert_eq!(store.totp("amy").await.unwrap(), None);
    let enrol = TotpChange::Enrol {
        secret: "ab".repeat(20),
    };
    store
        .change_totp(&admin, "amy", enrol, now())
        .await
        .unwrap();
    assert!(!store.totp("amy").await.unwrap().unwrap().enabled);
    assert!(
        !store.use_totp_step("amy", 5).await.unwrap(),
        "not yet enabled"
    );
    store
        .change_totp(&admin, "amy", TotpChange::Enable { step: 10 }, now())
        .await
        .unwrap();
    assert!(store.totp("amy").await.unwrap().unwrap().enabled);
    assert!(
        !store.use_totp_step("amy", 10).await.unwrap(),
        "the confirming step"
    );
    let wins = std::sync::Mutex::new(0);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let wins = &wins;
        tasks.push(async move {
            if store.use_totp_step("amy", 11).await.unwrap() {
                *wins.lock().unwrap() += 1;
            }
        });
    }
    futures_join_all(tasks).await;
    assert_eq!(wins.into_inner().unwrap(), 1);
    assert!(!store.use_totp_step("amy", 9).await.unwrap());
    store
        .change_totp(&admin, "amy", TotpChange::Disable, now())
        .await
        .unwrap();
    assert_eq!(store.totp("amy").await.unwrap(), None);
    let unknown = store
        .change_totp(&admin, "nobody", TotpChange::Disable, now())
        .await
        .unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound), "{unknown:?}");
    let events = store
        .audit_events(&AuditFilter::entity("user", "amy"))
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.totp_enrol",
            "user.totp_enable",
            "user.totp_disable"
        ]
    );
    assert!(
        !events.iter().any(|e| e.detail.contains("abab")),
        "a secret in the audit log"
    );
}

/// Writers of every kind at once, on threads of their own: two changing the same
/// captive, one another captive, one an account (which locks the user's row), one only
/// appending events. Every audited write takes the audit head before any other row, so
/// on PostgreSQL none of them can hold a row another waits for while waiting for the
/// head: all succeed (no deadlock error), no change is lost and the chain is intact.
async fn parallel_writers_of_every_kind_all_succeed(db: &TestStore) {
    use repatria_core::Role;
    use repatria_store::User;
    use std::sync::Arc;
    const ROUNDS: usize = 8;
    let store = Arc::clone(&db.store);
    with_parties(&store).await;
    let a = create(&store, "KP", "Kim", "Il").await;
    let b = create(&store, "RU", "Ivanov", "Ivan").await;
    let user = User {
        username: "amy".into(),
        role: Role::Registrar,
        password_hash: "$argon2id$hash".into(),
        disabled: false,
        must_change_password: false,
    };
    store.create_user(&actor(), user, now()).await.unwrap();
    let before = audit_count(&store).await;

    let start = Arc::new(tokio::sync::Barrier::new(5));
    let mut tasks = tokio::task::JoinSet::new();
    for (task, captive) in [(0, a.id), (1, a.id), (2, b.id)] {
        let (store, start) = (store.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            for round in 0..ROUNDS {
                let claim = claim(&format!("Family{task}x{round}"), "Given");
                let change = CaptiveChange::AddIdentityClaim(Box::new(claim));
                store
                    .change_captive(&actor(), captive, change, now())
                    .await
                    .unwrap_or_else(|e| panic!("task {task}, round {round}: {e}"));
            }
        });
    }
    {
        let (store, start) = (store.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            for round in 0..ROUNDS {
                store
                    .set_user_disabled(&actor(), "amy", round % 2 == 0, now())
                    .await
                    .unwrap_or_else(|e| panic!("account, round {round}: {e}"));
            }
        });
    }
    {
        let (store, start) = (store.clone(), start.clone());
        let id = a.id.to_string();
        tasks.spawn(async move {
            start.wait().await;
            for round in 0..ROUNDS {
                store
                    .record_read(
                        &actor(),
                        repatria_store::AuditAction::CaptiveRead,
                        "captive",
                        &id,
                        serde_json::json!({}),
                        now(),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("read, round {round}: {e}"));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(
        store.get_captive(a.id).await.unwrap().claims.len(),
        1 + 2 * ROUNDS,
        "an update was lost"
    );
    assert_eq!(
        store.get_captive(b.id).await.unwrap().claims.len(),
        1 + ROUNDS
    );
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events_checked, before + 5 * ROUNDS as u64);
    // Every change is searchable: the tokens were written in the same transactions.
    assert_eq!(names(&store, by_name("family1x7")).await, vec!["Kim"]);
}
