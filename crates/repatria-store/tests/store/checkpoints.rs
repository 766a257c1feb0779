//! Signed checkpoints against an insider who rewrites the database, on every backend:
//! SQLite always, PostgreSQL when `REPATRIA_TEST_PG_URL` is set.
//!
//! In each case the hash chain alone verifies (the insider recomputed it); the checkpoint
//! a witness kept is what shows the rewrite, the rollback or the fork.

use chrono::{TimeZone, Utc};
use repatria_store::checkpoint::{self, Contradiction};
use repatria_store::testing::{both_backends, rewrite_history, roll_back, tamper, TestDatabase};
use repatria_store::{Actor, Backend, SqlStore};
use repatria_tlog::{Checkpoint, Signer, Verifier};

fn signer() -> Signer {
    Signer::from_seed("bureau.example/audit", [17; 32]).unwrap()
}

fn keys() -> Vec<Verifier> {
    vec![signer().verifier()]
}

/// Appends `n` audit events (reads of captives), tagged with `tag`.
async fn write_events(store: &SqlStore, tag: &str, n: u32) {
    for i in 0..n {
        store
            .record_read(
                &Actor::new("registrar-1"),
                repatria_store::AuditAction::CaptiveRead,
                "captive",
                &format!("{tag}-{i}"),
                serde_json::json!({ "tag": tag }),
                Utc.with_ymd_and_hms(2025, 3, 1, 10, 0, i).unwrap(),
            )
            .await
            .unwrap();
    }
}

async fn check(store: &SqlStore, note: &str) -> Result<Checkpoint, Contradiction> {
    let leaves = checkpoint::leaves(store, None).await.unwrap();
    checkpoint::check(&leaves, note, &keys())
}

/// The chain verifies with `events` events and no break.
async fn chain_intact(store: &SqlStore, events: u64) {
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events_checked, events);
}

async fn rewritten_history_contradicts_its_checkpoint(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    write_events(&store, "a", 6).await;
    let note = checkpoint::sign(&store, &signer()).await.unwrap();
    assert_eq!(check(&store, &note).await.unwrap().size, 6);

    rewrite_history(&store, 3, r#"{"tag":"forged"}"#).await;
    chain_intact(&store, 6).await;
    let err = check(&store, &note).await.unwrap_err();
    assert_eq!(err, Contradiction::RootDiffers { size: 6 });
    assert!(err.to_string().contains("rewritten or forked"), "{err}");
}

async fn shortened_history_contradicts_its_checkpoint(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    write_events(&store, "a", 6).await;
    let note = checkpoint::sign(&store, &signer()).await.unwrap();

    roll_back(&store, 4).await;
    chain_intact(&store, 4).await;
    let err = check(&store, &note).await.unwrap_err();
    assert_eq!(err, Contradiction::Shortened { size: 6, events: 4 });
    assert!(
        err.to_string().contains("shortened or rolled back"),
        "{err}"
    );

    // Appending new events after the rollback, up to the old size and past it, does not
    // restore the checkpoint's root.
    write_events(&store, "b", 3).await;
    chain_intact(&store, 7).await;
    assert_eq!(
        check(&store, &note).await.unwrap_err(),
        Contradiction::RootDiffers { size: 6 }
    );
}

async fn a_fork_contradicts_and_a_grown_log_does_not(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    write_events(&store, "common", 4).await;
    let before = checkpoint::sign(&store, &signer()).await.unwrap();

    let copy_db = db.fork(&store).await;
    let copy = copy_db.store().await;
    chain_intact(&copy, 4).await;
    write_events(&store, "here", 2).await;
    write_events(&copy, "there", 2).await;
    chain_intact(&store, 6).await;
    chain_intact(&copy, 6).await;

    // A checkpoint of one branch contradicts the other, though both have 6 events and an
    // intact chain; the checkpoint from before they diverged holds on both.
    let here = checkpoint::sign(&store, &signer()).await.unwrap();
    assert_eq!(
        check(&copy, &here).await.unwrap_err(),
        Contradiction::RootDiffers { size: 6 }
    );
    assert_eq!(check(&store, &before).await.unwrap().size, 4);
    assert_eq!(check(&copy, &before).await.unwrap().size, 4);

    // The branch that only grew still verifies against its older checkpoint, and a
    // consistency proof between the two checkpoints' sizes connects their roots.
    write_events(&store, "later", 3).await;
    let old = check(&store, &here).await.unwrap();
    let now = checkpoint::sign(&store, &signer()).await.unwrap();
    let new = check(&store, &now).await.unwrap();
    assert_eq!((old.size, new.size), (6, 9));
    let leaves = checkpoint::leaves(&store, None).await.unwrap();
    let proof = checkpoint::consistency(&leaves, old.size, new.size).unwrap();
    assert_eq!((proof.old_root, proof.new_root), (old.root, new.root));
    repatria_tlog::verify_consistency(old.size, new.size, &old.root, &new.root, &proof.proof)
        .unwrap();
    // The same proof does not connect the other branch's checkpoint to this log.
    let copy_leaves = checkpoint::leaves(&copy, None).await.unwrap();
    let copy_root = repatria_tlog::root(&copy_leaves);
    assert!(repatria_tlog::verify_consistency(6, 9, &copy_root, &new.root, &proof.proof).is_err());
}

/// The store gives the leaves of a prefix as cheaply as of the whole log, and refuses a
/// log with a gap in its numbering.
async fn chain_hashes_are_read_in_order(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    assert!(store.audit_chain_hashes(None).await.unwrap().is_empty());
    write_events(&store, "a", 5).await;
    let all = store.audit_chain_hashes(None).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(store.audit_chain_hashes(Some(3)).await.unwrap(), all[..3]);
    assert_eq!(store.audit_chain_hashes(Some(99)).await.unwrap(), all);
    let events = store
        .audit_events(&repatria_store::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hex::encode(all[4]), events[4].hash);

    tamper(&store, &["DELETE FROM audit_events WHERE seq = 2"]).await;
    let err = store.audit_chain_hashes(None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("audit event 3 found where 2 was expected"),
        "{err}"
    );
}

both_backends!(
    rewritten_history_contradicts_its_checkpoint,
    shortened_history_contradicts_its_checkpoint,
    a_fork_contradicts_and_a_grown_log_does_not,
    chain_hashes_are_read_in_order,
);

/// PostgreSQL: TRUNCATE fires no row trigger, so the audit tables have statement
/// triggers that refuse it (migration 0006) — even once the row triggers are disabled.
#[tokio::test]
async fn truncating_the_audit_log_is_refused_postgres() {
    let Some(db) = TestDatabase::create(Backend::Postgres).await else {
        return;
    };
    let store = db.store().await;
    write_events(&store, "a", 2).await;
    tamper(&store, &[]).await;
    for table in ["audit_events", "audit_head", "audit_events, audit_head"] {
        let err = sqlx::query(&format!("TRUNCATE {table}"))
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the audit log cannot be truncated"),
            "{table}: {err}"
        );
    }
    chain_intact(&store, 2).await;
}
