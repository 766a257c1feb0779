//! Journalists' access to prisoners (GC III Art. 13: protection from public curiosity):
//! what approved media-access decisions release to a journalist, and the listings of
//! requests, each read audited. The decisions themselves are the store's audited changes;
//! the merge of several decisions on one captive is the pure rule
//! [`repatria_core::media::released`].

use repatria_core::{Captive, CaptiveId, MediaRequest, Release, Timestamp};
use repatria_store::{Actor, At, AuditAction, Page, PageAt, SqlStore, StoreError};

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
    let releases = releases(store, &actor.user, now).await?;
    let ids: Vec<CaptiveId> = releases.iter().map(|(id, _)| *id).collect();
    let mut release_of: std::collections::HashMap<CaptiveId, Release> =
        releases.into_iter().collect();
    // One read for all of them, in the order of `ids`.
    let released: Vec<(Captive, Release)> = store
        .get_captives(&ids)
        .await?
        .into_iter()
        .filter_map(|captive| release_of.remove(&captive.id).map(|r| (captive, r)))
        .collect();
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

/// A page of the media-access requests: a journalist's own (`Some(name)`) or all of
/// them, oldest first; recorded as a read with the ids shown.
pub async fn requests(
    store: &SqlStore,
    actor: &Actor,
    journalist: Option<&str>,
    at: &PageAt<At>,
    now: Timestamp,
) -> Result<Page<MediaRequest>, StoreError> {
    let page = store.media_request_page(journalist, at).await?;
    let shown: Vec<String> = page.items.iter().map(|r| r.id.0.to_string()).collect();
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
    Ok(page)
}
