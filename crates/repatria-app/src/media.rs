//! Journalists' access to prisoners (GC III Art. 13: protection from public curiosity):
//! what approved media-access decisions release to a journalist, and the listings of
//! requests, each read audited. The decisions themselves are the store's audited changes;
//! the merge of several decisions on one captive is the pure rule
//! [`repatria_core::media::released`].

use repatria_core::{Captive, CaptiveId, MediaRequest, Release, Timestamp};
use repatria_store::{Actor, AuditAction, SqlStore, StoreError};

/// What approved decisions release to this journalist on `now`'s day: captive → the
/// conditions (the stricter ones where two decisions name the same captive).
pub async fn releases(
    store: &SqlStore,
    journalist: &str,
    now: Timestamp,
) -> Result<Vec<(CaptiveId, Release)>, StoreError> {
    let requests = store.media_requests(Some(journalist)).await?;
    Ok(repatria_core::media::released(&requests, now.date_naive()))
}

/// The captives released to the journalist `actor` today, each with its conditions;
/// recorded as a read of those records (their ids).
pub async fn released_captives(
    store: &SqlStore,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<(Captive, Release)>, StoreError> {
    let mut released = Vec::new();
    for (id, release) in releases(store, &actor.user, now).await? {
        released.push((store.get_captive(id).await?, release));
    }
    let shown: Vec<String> = released.iter().map(|(c, _)| c.id.to_string()).collect();
    store
        .record_read(
            actor,
            AuditAction::CaptiveList,
            "registry",
            "captives",
            serde_json::json!({ "shown": shown }),
            now,
        )
        .await?;
    Ok(released)
}

/// Media-access requests: a journalist's own (`Some(name)`) or all of them; recorded as
/// a read with the ids shown.
pub async fn requests(
    store: &SqlStore,
    actor: &Actor,
    journalist: Option<&str>,
    now: Timestamp,
) -> Result<Vec<MediaRequest>, StoreError> {
    let requests = store.media_requests(journalist).await?;
    let shown: Vec<String> = requests.iter().map(|r| r.id.0.to_string()).collect();
    store
        .record_read(
            actor,
            AuditAction::MediaList,
            "registry",
            "media_requests",
            serde_json::json!({ "shown": shown }),
            now,
        )
        .await?;
    Ok(requests)
}
