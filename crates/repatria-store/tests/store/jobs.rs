//! Import jobs in the store: any server reads them; a running job whose server stopped
//! is read as lost.

use chrono::{TimeZone, Utc};
use repatria_store::testing::{both_backends, TestStore};
use repatria_store::{JobCounts, SqlStore, StoreError, STALE_AFTER};

both_backends!(
    setup = TestStore::open;
    a_running_job_without_a_heartbeat_is_lost_and_a_finished_one_never,
    job_counts_agree_with_each_job_read_alone,
    the_stale_window_can_be_shortened_and_the_heartbeat_follows_it,
);

async fn the_stale_window_can_be_shortened_and_the_heartbeat_follows_it(store: &SqlStore) {
    assert_eq!(store.job_stale_after(), STALE_AFTER);
    assert_eq!(
        store.job_heartbeat_every(),
        std::time::Duration::from_secs(5)
    );
    let t0 = Utc.with_ymd_and_hms(2025, 1, 10, 8, 0, 0).unwrap();
    let db = repatria_store::testing::TestDatabase::create(store.backend())
        .await
        .unwrap();
    let short = db
        .store()
        .await
        .with_job_stale_after(chrono::Duration::seconds(3));
    assert_eq!(
        short.job_heartbeat_every(),
        std::time::Duration::from_millis(500)
    );
    short
        .put_job("job-1", "registrar-1", "running", "{}", t0)
        .await
        .unwrap();
    let at = |s: i64| t0 + chrono::Duration::seconds(s);
    assert!(!short.get_job("job-1", at(3)).await.unwrap().lost);
    assert!(short.get_job("job-1", at(4)).await.unwrap().lost);
    // Never below two seconds.
    let tiny = short.with_job_stale_after(chrono::Duration::milliseconds(10));
    assert_eq!(tiny.job_stale_after(), chrono::Duration::seconds(2));
}

async fn a_running_job_without_a_heartbeat_is_lost_and_a_finished_one_never(store: &SqlStore) {
    let t0 = Utc.with_ymd_and_hms(2025, 1, 10, 8, 0, 0).unwrap();
    store
        .put_job("job-1", "registrar-1", "running", "{\"n\":1}", t0)
        .await
        .unwrap();
    let fresh = store.get_job("job-1", t0 + STALE_AFTER).await.unwrap();
    assert_eq!(
        (fresh.state.as_str(), fresh.lost, fresh.record.as_str()),
        ("running", false, "{\"n\":1}")
    );
    let late = t0 + STALE_AFTER + chrono::Duration::seconds(1);
    assert!(
        store.get_job("job-1", late).await.unwrap().lost,
        "no heartbeat: its server stopped"
    );
    // A heartbeat keeps it alive; the end is never lost.
    store
        .put_job("job-1", "registrar-1", "running", "{\"n\":2}", late)
        .await
        .unwrap();
    assert!(!store.get_job("job-1", late).await.unwrap().lost);
    store
        .put_job("job-1", "registrar-1", "done", "{\"n\":3}", late)
        .await
        .unwrap();
    let done = store
        .get_job("job-1", late + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        (done.state.as_str(), done.lost, done.started_by.as_str()),
        ("done", false, "registrar-1")
    );
    // A late heartbeat of its server (written after the end) does not revive it.
    store
        .put_job("job-1", "registrar-1", "running", "{\"n\":4}", late)
        .await
        .unwrap();
    let kept = store.get_job("job-1", late).await.unwrap();
    assert_eq!(
        (kept.state.as_str(), kept.record.as_str()),
        ("done", "{\"n\":3}")
    );
    assert!(matches!(
        store.get_job("job-2", late).await,
        Err(StoreError::NotFound)
    ));
}

/// The counts monitoring reads are what reading each job alone says: a running job is
/// counted running until its heartbeat is older than [`STALE_AFTER`], then failed and
/// lost.
async fn job_counts_agree_with_each_job_read_alone(store: &SqlStore) {
    let t0 = Utc.with_ymd_and_hms(2025, 1, 10, 8, 0, 0).unwrap();
    assert_eq!(store.job_counts(t0).await.unwrap(), JobCounts::default());
    for (id, state, at) in [
        ("a", "running", t0),
        ("b", "running", t0 + chrono::Duration::seconds(20)),
        ("c", "done", t0),
        ("d", "done", t0),
        ("e", "failed", t0),
    ] {
        store
            .put_job(id, "registrar-1", state, "{}", at)
            .await
            .unwrap();
    }
    let fresh = t0 + STALE_AFTER;
    assert_eq!(
        store.job_counts(fresh).await.unwrap(),
        JobCounts {
            running: 2,
            done: 2,
            failed: 1,
            lost: 0
        }
    );
    // "a" has had no heartbeat for longer than STALE_AFTER, "b" has.
    let later = t0 + STALE_AFTER + chrono::Duration::seconds(1);
    assert!(store.get_job("a", later).await.unwrap().lost);
    assert!(!store.get_job("b", later).await.unwrap().lost);
    assert_eq!(
        store.job_counts(later).await.unwrap(),
        JobCounts {
            running: 1,
            done: 2,
            failed: 2,
            lost: 1
        }
    );
}
