//! The particulars of GC III Art. 122 and Annex IV in the store: recorded with their
//! audit event (fields, never values), and a prisoner number that no two captives of
//! one detaining power share, checked in the writing transaction and kept by the
//! database's unique index.

use repatria_core::{
    fixtures, CaptiveId, EventId, ParticularField, Particulars, ParticularsText, Party,
};
use repatria_store::testing::{both_backends, TestStore};
use repatria_store::{Actor, AuditFilter, CaptiveChange, SqlStore, StoreError};

fn actor() -> Actor {
    Actor::new("registrar-1").with_request("req-1")
}

fn now() -> repatria_core::Timestamp {
    fixtures::at(28, 0)
}

async fn with_parties(store: &SqlStore) {
    for (code, name) in [("UA", "Ukraine"), ("RU", "Russian Federation")] {
        store
            .create_party(&actor(), Party::new(code, name).unwrap(), now())
            .await
            .unwrap();
    }
}

/// A captive of Russia held by `detaining`.
async fn create(store: &SqlStore, detaining: &str) -> repatria_core::Captive {
    let mut new = fixtures::new_captive("RU", "Петров", "Іван");
    new.detaining_power = fixtures::party(detaining);
    store
        .create_captive(
            &actor(),
            CaptiveId(fixtures::next_uuid()),
            EventId(fixtures::next_uuid()),
            new,
            now(),
        )
        .await
        .unwrap()
}

fn with_number(number: &str) -> Particulars {
    let text = ParticularsText {
        father_first_name: Some("FATHER-SECRET".into()),
        person_to_inform_name: Some("INFORM-SECRET".into()),
        prisoner_number: Some(number.into()),
        refused: vec![ParticularField::FamilyAddress],
        ..Default::default()
    };
    Particulars::new(text, fixtures::at(20, 0), "registrar-1").unwrap()
}

async fn set(
    store: &SqlStore,
    captive: &repatria_core::Captive,
    particulars: Particulars,
) -> Result<repatria_core::Captive, StoreError> {
    store
        .change_captive(
            &actor(),
            captive.id,
            CaptiveChange::SetParticulars(particulars),
            now(),
        )
        .await
}

async fn particulars_are_stored_and_audited_without_their_values(store: &SqlStore) {
    with_parties(store).await;
    let c = create(store, "UA").await;
    let changed = set(store, &c, with_number("UA-PW 1")).await.unwrap();
    let stored = store.get_captive(c.id).await.unwrap();
    assert_eq!(stored, changed);
    let p = stored.particulars.unwrap();
    assert_eq!(p.prisoner_number.as_deref(), Some("UA-PW 1"));
    assert_eq!(p.refused, [ParticularField::FamilyAddress]);
    let events = store
        .audit_events(&AuditFilter {
            action_prefix: Some("captive.particulars.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity_id, c.id.to_string());
    assert_eq!(events[0].request_id.as_deref(), Some("req-1"));
    let detail: serde_json::Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!(
        detail,
        serde_json::json!({
            "set": ["father_first_name", "person_to_inform", "prisoner_number"],
            "refused": ["family_address"]
        })
    );
    for secret in ["SECRET", "UA-PW"] {
        assert!(!events[0].detail.contains(secret), "{}", events[0].detail);
    }
    assert!(store.verify_audit().await.unwrap().broken.is_none());
}

async fn a_prisoner_number_is_one_captives_per_detaining_power(store: &SqlStore) {
    with_parties(store).await;
    let first = create(store, "UA").await;
    let second = create(store, "UA").await;
    let theirs = create(store, "RU").await;
    set(store, &first, with_number("UA-PW 1")).await.unwrap();
    // His own number again, spaced otherwise, is his own.
    set(store, &first, with_number("  UA-PW   1 "))
        .await
        .unwrap();
    let before = store.verify_audit().await.unwrap().events_checked;
    let error = set(store, &second, with_number("UA-PW  1"))
        .await
        .unwrap_err();
    match &error {
        StoreError::Taken(field) => {
            assert_eq!(field.field, "prisoner_number");
            assert!(field.reason.contains(&first.id.to_string()), "{field}");
        }
        other => panic!("expected Taken, got {other:?}"),
    }
    assert_eq!(store.get_captive(second.id).await.unwrap(), second);
    assert_eq!(
        store.verify_audit().await.unwrap().events_checked,
        before,
        "a refused change is not audited"
    );
    // Another detaining power's numbers are its own.
    set(store, &theirs, with_number("UA-PW 1")).await.unwrap();
    // Cleared, the number is free for another.
    store
        .change_captive(
            &actor(),
            first.id,
            CaptiveChange::SetParticulars(
                Particulars::new(ParticularsText::default(), now(), "registrar-1").unwrap(),
            ),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(store.get_captive(first.id).await.unwrap().particulars, None);
    set(store, &second, with_number("UA-PW 1")).await.unwrap();
}

async fn a_bulk_creation_with_a_prisoner_number_taken_writes_nothing(store: &SqlStore) {
    with_parties(store).await;
    let held = create(store, "UA").await;
    set(store, &held, with_number("UA-PW 9")).await.unwrap();
    let record = |number: &str| {
        let mut c = repatria_core::Captive::open(
            CaptiveId(fixtures::next_uuid()),
            fixtures::new_captive("RU", "Іванов", "Петро"),
            EventId(fixtures::next_uuid()),
            "registrar-1",
            now(),
        )
        .unwrap();
        c.set_particulars(with_number(number), now()).unwrap();
        c
    };
    // Two new records with one number, and a new record with a number stored already.
    for batch in [
        vec![record("UA-PW 10"), record("UA-PW 10")],
        vec![record("UA-PW 11"), record("UA-PW 9")],
    ] {
        let error = store
            .import_captives(&actor(), batch, now())
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Taken(f) if f.field == "prisoner_number"),
            "{error:?}"
        );
        assert_eq!(
            store.all_captives().await.unwrap().len(),
            1,
            "all or nothing"
        );
    }
    store
        .import_captives(
            &actor(),
            vec![record("UA-PW 10"), record("UA-PW 11")],
            now(),
        )
        .await
        .unwrap();
    assert_eq!(store.all_captives().await.unwrap().len(), 3);
}

async fn the_database_itself_refuses_a_second_captive_with_the_number(store: &SqlStore) {
    with_parties(store).await;
    let first = create(store, "UA").await;
    let second = create(store, "UA").await;
    set(store, &first, with_number("UA-PW 5")).await.unwrap();
    // A write that went around the store's check still meets the unique index.
    let result = sqlx::query("UPDATE captives SET prisoner_number = $1 WHERE id = $2")
        .bind("UA-PW 5")
        .bind(second.id.to_string())
        .execute(store.pool())
        .await;
    assert!(result.is_err(), "the unique index let a second number in");
    // Captives without a number are many.
    let third = create(store, "UA").await;
    assert!(store
        .get_captive(third.id)
        .await
        .unwrap()
        .particulars
        .is_none());
}

both_backends!(
    setup = TestStore::open;
    particulars_are_stored_and_audited_without_their_values,
    a_prisoner_number_is_one_captives_per_detaining_power,
    a_bulk_creation_with_a_prisoner_number_taken_writes_nothing,
    the_database_itself_refuses_a_second_captive_with_the_number,
);
