//! Notifications (GC III Arts. 70, 120, 122): written with the change that causes them,
//! dispatched once per power, corrected by new ones.

use chrono::{TimeZone, Utc};
use repatria_core::{
    CaptiveId, CaptureReport, ClaimId, ClaimSource, CustodyEvent, CustodyEventKind, EventId,
    FacilityKind, IdentityClaim, NewCaptive, NewDeath, NotificationKind, NotificationState, Party,
    PartyCode, PersonName, Timestamp,
};
use repatria_store::testing::{both_backends, TestStore};
use repatria_store::{Actor, CaptiveChange, NotificationFilter, PageAt, SqlStore, StoreError};
use uuid::Uuid;

fn t(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, day, hour, 0, 0).unwrap()
}

fn now() -> Timestamp {
    t(28, 0)
}

fn actor() -> Actor {
    Actor::new("registrar-1")
}

async fn setup(store: &SqlStore) {
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

async fn create(store: &SqlStore, origin: &str, family: &str) -> repatria_core::Captive {
    let name = PersonName {
        family: Some(family.into()),
        given: Some("Test".into()),
        patronymic: None,
    };
    let claim = IdentityClaim::new(
        ClaimId(Uuid::now_v7()),
        ClaimSource::SelfDeclared,
        name,
        t(10, 0),
        "registrar-1",
    );
    let new = NewCaptive {
        power_of_origin: PartyCode::parse(origin).unwrap(),
        detaining_power: PartyCode::parse("UA").unwrap(),
        capture: CaptureReport {
            captured_at: t(9, 6),
            place: "Border region".into(),
            coordinates: None,
            capturing_unit: None,
            condition: None,
        },
        claims: vec![claim],
        assessed_claim: None,
        languages: vec![],
        interpreter_required: false,
        health: None,
    };
    store
        .create_captive(
            &actor(),
            CaptiveId(Uuid::now_v7()),
            EventId(Uuid::now_v7()),
            new,
            now(),
        )
        .await
        .unwrap()
}

fn event(kind: CustodyEventKind, day: u32, facility: FacilityKind) -> CustodyEvent {
    CustodyEvent {
        id: EventId(Uuid::now_v7()),
        kind,
        at: t(day, 12),
        place: Some("Camp 3".into()),
        facility: Some(facility),
        note: None,
        recorded_by: "registrar-1".into(),
    }
}

async fn of(store: &SqlStore, captive: CaptiveId) -> Vec<(NotificationKind, NotificationState)> {
    store
        .notifications(&NotificationFilter {
            captive: Some(captive),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .iter()
        .map(|n| (n.kind, n.state))
        .collect()
}

both_backends!(
    setup = TestStore::open;
    art_122_notifications_are_written_with_the_change_that_causes_them,
    a_dispatch_sends_every_pending_notification_of_one_power_once_and_its_cards,
    a_correction_is_a_new_notification_and_the_corrected_one_stays_as_it_was,
    art_120_a_death_notifies_and_a_later_death_record_adds_the_certificate,
    pages_of_notifications_cover_every_one_exactly_once,
    art_122_a_notification_is_written_in_the_same_transaction_as_its_event,
);

async fn art_122_a_notification_is_written_in_the_same_transaction_as_its_event(store: &SqlStore) {
    setup(store).await;
    let c = create(store, "KP", "Kim").await;
    let audit = store.verify_audit().await.unwrap().events_checked;
    // Notifications that cannot be written: the change that causes them is not stored
    // either, nor its audit event.
    sqlx::query("ALTER TABLE notifications RENAME TO notifications_gone")
        .execute(store.pool())
        .await
        .unwrap();
    let transfer = event(CustodyEventKind::Transferred, 12, FacilityKind::Camp);
    let refused = store
        .change_captive(
            &actor(),
            c.id,
            CaptiveChange::AddCustodyEvent(transfer),
            now(),
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(
        store.get_captive(c.id).await.unwrap().timeline.len(),
        1,
        "no event without its notification"
    );
    assert_eq!(store.verify_audit().await.unwrap().events_checked, audit);
    sqlx::query("ALTER TABLE notifications_gone RENAME TO notifications")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(of(store, c.id).await.len(), 2);
}

async fn art_122_notifications_are_written_with_the_change_that_causes_them(store: &SqlStore) {
    use NotificationKind as K;
    use NotificationState::Pending;
    setup(store).await;
    let c = create(store, "KP", "Kim").await;
    assert_eq!(
        of(store, c.id).await,
        [(K::Capture, Pending), (K::CaptureCard, Pending)]
    );
    let transfer = event(CustodyEventKind::Transferred, 12, FacilityKind::Camp);
    store
        .change_captive(
            &actor(),
            c.id,
            CaptiveChange::AddCustodyEvent(transfer.clone()),
            now(),
        )
        .await
        .unwrap();
    let all = store
        .notifications(&NotificationFilter {
            captive: Some(c.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 4);
    assert_eq!(
        (all[2].kind, all[2].event),
        (K::Transfer, Some(transfer.id))
    );
    assert_eq!(all[3].kind, K::CaptureCard);
    assert_eq!(
        all[3].due_at,
        t(19, 12),
        "a week after arrival at the camp (Art. 70)"
    );
    assert_eq!(
        all[2].due_at,
        now() + chrono::Duration::hours(24),
        "immediately: 24 hours"
    );

    // A refused change causes nothing.
    let before_capture = event(CustodyEventKind::Transferred, 1, FacilityKind::Camp);
    assert!(store
        .change_captive(
            &actor(),
            c.id,
            CaptiveChange::AddCustodyEvent(before_capture),
            now()
        )
        .await
        .is_err());
    assert_eq!(of(store, c.id).await.len(), 4);
    let counts = store.notification_counts(now()).await.unwrap();
    // The capture card (due the day after the capture) and the camp card (due 19 January)
    // are late on the 28th; the rest are due a day after they were written.
    assert_eq!((counts.pending, counts.overdue), (4, 2));
}

async fn a_dispatch_sends_every_pending_notification_of_one_power_once_and_its_cards(
    store: &SqlStore,
) {
    setup(store).await;
    let kim = create(store, "KP", "Kim").await;
    let ri = create(store, "KP", "Ri").await;
    let ivanov = create(store, "RU", "Ivanov").await;
    let kp = PartyCode::parse("KP").unwrap();
    let dispatch = store
        .dispatch_notifications(
            &actor(),
            &kp,
            "ICRC Central Tracing Agency",
            now(),
            |n, c| {
                serde_json::json!({
                    "kind": n.kind.as_str(),
                    "family_name": c.assessed_identity().unwrap().name.family,
                })
            },
        )
        .await
        .unwrap();
    assert_eq!(dispatch.count, 4);
    assert_eq!(dispatch.rows.len(), 4);
    assert_eq!(dispatch.rows[0]["family_name"], "Kim");
    for id in [kim.id, ri.id] {
        assert!(of(store, id)
            .await
            .iter()
            .all(|(_, s)| *s == NotificationState::Dispatched));
        let record = store.get_captive(id).await.unwrap();
        let cards = record.capture_cards(store.notice_policy());
        assert_eq!(
            cards[0].sent_at,
            Some(now()),
            "the card left with the dispatch"
        );
    }
    assert!(of(store, ivanov.id)
        .await
        .iter()
        .all(|(_, s)| *s == NotificationState::Pending));

    let kept = store.dispatch(dispatch.id).await.unwrap();
    assert_eq!(
        (kept.count, kept.rows, kept.created_by),
        (4, dispatch.rows, "registrar-1".to_string())
    );
    let again = store
        .dispatch_notifications(&actor(), &kp, "ICRC", now(), |_, _| serde_json::json!({}))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(m)) if m.contains("KP")));
    let listed = store
        .dispatch_page(Some("KP"), &PageAt::first(10))
        .await
        .unwrap();
    assert_eq!((listed.items.len(), listed.total), (1, 1));
    let sent = store
        .notifications(&NotificationFilter {
            dispatch: Some(dispatch.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(sent.total, 4);
}

async fn a_correction_is_a_new_notification_and_the_corrected_one_stays_as_it_was(
    store: &SqlStore,
) {
    setup(store).await;
    let c = create(store, "KP", "Kim").await;
    let first = store
        .notifications(&NotificationFilter {
            captive: Some(c.id),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let correction = store
        .correct_notification(
            &actor(),
            first.id,
            "The place of capture is Hill 203.".into(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(correction.kind, NotificationKind::Correction);
    assert_eq!(correction.corrects, Some(first.id));
    assert_eq!(store.notification(first.id).await.unwrap(), first);
    assert!(matches!(
        store
            .correct_notification(
                &actor(),
                repatria_core::NotificationId(Uuid::now_v7()),
                "x".into(),
                now()
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

fn death(day: u32) -> NewDeath {
    NewDeath {
        died_at: Some(t(day, 12)),
        place: Some("Camp 3 infirmary".into()),
        cause: Some("wounds".into()),
        certified_by: Some("Camp doctor".into()),
        ..Default::default()
    }
}

async fn art_120_a_death_notifies_and_a_later_death_record_adds_the_certificate(store: &SqlStore) {
    use NotificationKind as K;
    setup(store).await;
    let a = create(store, "KP", "Kim").await;
    let recorded = store
        .change_captive(
            &actor(),
            a.id,
            CaptiveChange::RecordDeath(Box::new(death(20)), EventId(Uuid::now_v7())),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(recorded.status(), repatria_core::CustodyStatus::Deceased);
    let kinds: Vec<K> = of(store, a.id).await.iter().map(|n| n.0).collect();
    assert_eq!(kinds, [K::Capture, K::CaptureCard, K::Death]);

    let b = create(store, "KP", "Ri").await;
    store
        .change_captive(
            &actor(),
            b.id,
            CaptiveChange::AddCustodyEvent(event(CustodyEventKind::Died, 20, FacilityKind::Camp)),
            now(),
        )
        .await
        .unwrap();
    assert!(store.get_captive(b.id).await.unwrap().death_incomplete());
    store
        .change_captive(
            &actor(),
            b.id,
            CaptiveChange::RecordDeath(Box::new(death(20)), EventId(Uuid::now_v7())),
            now(),
        )
        .await
        .unwrap();
    let kinds: Vec<K> = of(store, b.id).await.iter().map(|n| n.0).collect();
    assert_eq!(
        kinds,
        [K::Capture, K::CaptureCard, K::Death, K::DeathCertificate]
    );
}

async fn pages_of_notifications_cover_every_one_exactly_once(store: &SqlStore) {
    setup(store).await;
    for i in 0..7 {
        create(store, "KP", &format!("Kim{i}")).await;
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .notifications(&NotificationFilter {
                after: after.clone(),
                limit: 3,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 14);
        seen.extend(page.items.iter().map(|n| n.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (14, 14));
}
