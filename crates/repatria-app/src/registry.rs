//! Listing and searching the registry: one behaviour for the API, the web pages (which
//! call the API) and `repatria search`.
//!
//! A name search returns the matching engine's candidates in any script or spelling,
//! best first, then the captives with a name word beginning with the words typed; the
//! other filters (status, parties) apply to both. Without a name the registry is listed
//! in the store's order. Every listing is a read of personal data and is audited with
//! the ids shown, never the words searched for (they are names).

use std::collections::{HashMap, HashSet};

use repatria_core::{Captive, CaptiveId, EventId, NewCaptive, Timestamp};
use repatria_store::{Actor, CaptiveChange, CaptiveQuery, SqlStore, StoreError};

use crate::matching::Matching;

/// Results of a name search considered at most.
pub const SEARCH_RESULTS: usize = 500;

/// A captive found, with the engine's probability that he is the person searched for
/// (absent for a match on the beginning of a word only, and when listing).
#[derive(Debug, Clone)]
pub struct Found {
    pub captive: Captive,
    pub score: Option<f64>,
}

/// One page of a listing or search; its `next` is the query's `cursor` for the next.
pub type FoundPage = repatria_store::Page<Found>;

/// Lists or searches the registry as `query` says, and records what was shown.
pub async fn list(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    query: &CaptiveQuery,
    now: Timestamp,
) -> Result<FoundPage, StoreError> {
    let page = match query.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => search(store, matching, name, query).await?,
        _ => {
            let page = store.list_captives(query).await?;
            FoundPage {
                items: page
                    .items
                    .into_iter()
                    .map(|captive| Found {
                        captive,
                        score: None,
                    })
                    .collect(),
                total: page.total,
                next: page.next,
            }
        }
    };
    let shown: Vec<String> = page
        .items
        .iter()
        .map(|found| found.captive.id.to_string())
        .collect();
    store
        .record_read(
            actor,
            repatria_store::AuditAction::CaptiveList,
            "registry",
            "captives",
            serde_json::json!({ "shown": shown }),
            now,
        )
        .await?;
    Ok(page)
}

/// A name search; pages by position (`@N` cursors).
/// Registers a new captive (audited by the store), then indexes his names and proposes
/// the tracing requests he may answer. The captive is stored whatever the matching does:
/// a failure there is logged (without names) and made good at his next change.
pub async fn register(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    new: NewCaptive,
    now: Timestamp,
) -> Result<Captive, StoreError> {
    let id = CaptiveId(uuid::Uuid::now_v7());
    let event = EventId(uuid::Uuid::now_v7());
    let captive = store.create_captive(actor, id, event, new, now).await?;
    rematch(store, matching, actor, &captive, now).await;
    Ok(captive)
}

/// Applies one change to a captive's record (audited by the store); a change that adds a
/// name is then matched against the open tracing requests, as [`register`] does.
pub async fn change(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    id: CaptiveId,
    change: CaptiveChange,
    now: Timestamp,
) -> Result<Captive, StoreError> {
    let names_changed = matches!(change, CaptiveChange::AddIdentityClaim(_));
    let captive = store.change_captive(actor, id, change, now).await?;
    if names_changed {
        rematch(store, matching, actor, &captive, now).await;
    }
    Ok(captive)
}

async fn rematch(
    store: &SqlStore,
    matching: &Matching,
    actor: &Actor,
    captive: &Captive,
    now: Timestamp,
) {
    if let Err(error) = matching.captive_changed(store, actor, captive, now).await {
        tracing::warn!(captive = %captive.id, %error, "matching after a change failed");
    }
}

/// How a captive's record is read: in full by the bureau's staff, or as released to a
/// journalist (the audit event says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Full,
    Released,
}

/// Reads one captive's record and records who read it.
pub async fn read(
    store: &SqlStore,
    actor: &Actor,
    id: CaptiveId,
    reading: Reading,
    now: Timestamp,
) -> Result<Captive, StoreError> {
    let captive = store.get_captive(id).await?;
    let detail = match reading {
        Reading::Full => serde_json::json!({}),
        Reading::Released => serde_json::json!({ "media": true }),
    };
    store
        .record_read(
            actor,
            repatria_store::AuditAction::CaptiveRead,
            "captive",
            &id.to_string(),
            detail,
            now,
        )
        .await?;
    Ok(captive)
}

async fn search(
    store: &SqlStore,
    matching: &Matching,
    name: &str,
    query: &CaptiveQuery,
) -> Result<FoundPage, StoreError> {
    matching.ensure(store).await?;
    let ranked = matching
        .read(|index| index.search(name, SEARCH_RESULTS))
        .unwrap_or_default();
    let ids: Vec<CaptiveId> = ranked.iter().map(|(id, _)| *id).collect();
    let scores: HashMap<CaptiveId, f64> = ranked.into_iter().collect();
    // What is found, in order, as ids: the engine's candidates that pass the filters,
    // then the word beginnings. Only the page shown is read.
    let candidates = store.filter_captive_ids(&ids, query).await?;
    let beginnings = store
        .find_captive_ids(
            &CaptiveQuery {
                cursor: None,
                ..query.clone()
            },
            SEARCH_RESULTS as u32,
        )
        .await?;
    let mut seen = HashSet::new();
    let found: Vec<CaptiveId> = candidates
        .into_iter()
        .chain(beginnings)
        .filter(|id| seen.insert(*id))
        .collect();
    let start = query
        .cursor
        .as_deref()
        .and_then(|c| c.strip_prefix('@'))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0)
        .min(found.len());
    let end = (start + query.limit as usize).min(found.len());
    let items = store
        .get_captives(&found[start..end])
        .await?
        .into_iter()
        .map(|captive| Found {
            score: scores.get(&captive.id).copied(),
            captive,
        })
        .collect();
    Ok(FoundPage {
        items,
        total: found.len() as u64,
        next: (end < found.len()).then(|| format!("@{end}")),
    })
}
