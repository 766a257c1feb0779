//! Backups: a consistent copy of every table that restores into either backend, into an
//! empty database only, refused whole when cut short, its audit log verified.

use chrono::{TimeZone, Utc};
use repatria_core::{
    CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, NewCaptive, Party,
    PartyCode, PersonName, Timestamp,
};
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend, NotificationFilter, SqlStore, StoreError};
use uuid::Uuid;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, 28, 0, 0, 0).unwrap()
}

async fn fill(store: &SqlStore) -> Vec<CaptiveId> {
    let actor = Actor::new("registrar-1");
    for (code, name) in [("UA", "Ukraine"), ("KP", "DPRK")] {
        store
            .create_party(&actor, Party::new(code, name).unwrap(), now())
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for (i, family) in ["리", "Петренко", "O'Neil"].iter().enumerate() {
        let mut claim = IdentityClaim::new(
            ClaimId(Uuid::now_v7()),
            ClaimSource::SelfDeclared,
            PersonName {
                family: Some((*family).into()),
                given: Some("Test \"quoted\"\nline".into()),
                patronymic: None,
            },
            now(),
            "registrar-1",
        );
        claim.confidence = 0.25 + i as f64 / 10.0;
        let new = NewCaptive {
            power_of_origin: PartyCode::parse("KP").unwrap(),
            detaining_power: PartyCode::parse("UA").unwrap(),
            capture: CaptureReport {
                captured_at: Utc.with_ymd_and_hms(2025, 1, 9, 6, 0, 0).unwrap(),
                place: "Border region".into(),
                coordinates: None,
                capturing_unit: None,
                condition: None,
            },
            claims: vec![claim],
            assessed_claim: None,
            languages: vec!["ko".into()],
            interpreter_required: true,
            health: None,
        };
        let c = store
            .create_captive(
                &actor,
                CaptiveId(Uuid::now_v7()),
                EventId(Uuid::now_v7()),
                new,
                now(),
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    let notification = store
        .notifications(&NotificationFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    store
        .correct_notification(&actor, notification.id, "A correction.".into(), now())
        .await
        .unwrap();
    ids
}

async fn round_trip(from: Backend, to: Backend) {
    let (Some(source_db), Some(target_db)) = (
        TestDatabase::create(from).await,
        TestDatabase::create(to).await,
    ) else {
        return;
    };
    let (source, target) = (source_db.store().await, target_db.store().await);
    let ids = fill(&source).await;
    let mut bytes = Vec::new();
    let taken = source.backup(&mut bytes).await.unwrap();
    assert_eq!(taken.captives, 3);
    assert_eq!(
        taken.audit_events,
        source.verify_audit().await.unwrap().events_checked
    );

    let restored = target.restore(&mut bytes.as_slice()).await.unwrap();
    assert_eq!(restored, taken);
    for id in &ids {
        assert_eq!(
            target.get_captive(*id).await.unwrap(),
            source.get_captive(*id).await.unwrap()
        );
    }
    let all = NotificationFilter {
        limit: 1000,
        ..Default::default()
    };
    assert_eq!(
        target.notifications(&all).await.unwrap().items,
        source.notifications(&all).await.unwrap().items
    );
    let report = target.verify_audit().await.unwrap();
    assert!(report.broken.is_none());
    // The restored database goes on: a new write extends the same chain.
    target
        .create_party(
            &Actor::new("admin"),
            Party::new("RU", "Russia").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert!(target.verify_audit().await.unwrap().broken.is_none());
    // Not into a database that holds anything.
    assert!(matches!(
        target.restore(&mut bytes.as_slice()).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn a_sqlite_backup_restores_into_postgres() {
    round_trip(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test]
async fn a_postgres_backup_restores_into_sqlite() {
    round_trip(Backend::Postgres, Backend::Sqlite).await;
}

#[tokio::test]
async fn a_backup_cut_short_or_tampered_restores_nothing() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (Some(source_db), Some(target_db)) = (
            TestDatabase::create(backend).await,
            TestDatabase::create(backend).await,
        ) else {
            continue;
        };
        let (source, target) = (source_db.store().await, target_db.store().await);
        fill(&source).await;
        let mut bytes = Vec::new();
        source.backup(&mut bytes).await.unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let cut: String = text
            .lines()
            .take(text.lines().count() - 3)
            .map(|l| format!("{l}\n"))
            .collect();
        let refused = target.restore(&mut cut.as_bytes()).await.unwrap_err();
        assert!(refused.to_string().contains("cut short"), "{refused}");
        assert_eq!(
            target.list_parties().await.unwrap().len(),
            0,
            "nothing of it stays"
        );
        // An audit event changed in the file: restored, but reported as not verifying.
        let tampered = text.replacen("captive.create", "captive.import", 1);
        let refused = target.restore(&mut tampered.as_bytes()).await.unwrap_err();
        assert!(refused.to_string().contains("does not verify"), "{refused}");
    }
}

#[tokio::test]
async fn the_backup_covers_every_table_of_the_schema() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDatabase::create(backend).await else {
            continue;
        };
        let store = db.store().await;
        let mut listed: Vec<String> = repatria_store::backup::TABLES
            .iter()
            .map(|t| t.to_string())
            .collect();
        listed.sort();
        assert_eq!(
            store.tables().await.unwrap(),
            listed,
            "{backend:?}: a table the backup would leave out"
        );
    }
}
