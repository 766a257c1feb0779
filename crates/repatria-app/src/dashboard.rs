//! The bureau's overview: the registry by status and detaining power, captures per month,
//! overdue GC III deadlines, nationality disagreements, and the tracing pipeline. The
//! summary of a large registry takes seconds; it is kept while the registry is unchanged,
//! as every server sees it in the store (its count and latest change), so several servers
//! over one database agree.

use std::sync::Arc;

use repatria_core::stats::{summarize, RegistryStats};
use repatria_core::{CaptiveId, Timestamp};
use repatria_store::{Actor, AuditAction, SqlStore, StoreError};

use crate::matching::heavy;

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct Count {
    /// A status word, party code or month (`YYYY-MM`).
    pub key: String,
    pub count: usize,
}

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct OverdueView {
    pub captive_id: String,
    /// The assessed identity's name as recorded.
    pub name: String,
    /// `capture_card` or `health_report`.
    pub kind: String,
    /// For a capture card, its occasion (one card is due per occasion).
    pub occasion: Option<repatria_core::CardOccasion>,
    /// `GC III Art. 70` …
    pub article: String,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

/// A captive named in a list of the dashboard.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct CaptiveRef {
    pub captive_id: String,
    /// The assessed identity's name as recorded.
    pub name: String,
}

/// Notifications to the powers of origin that wait (Arts. 122–123).
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct NotificationSummary {
    pub pending: u64,
    /// Pending past their due time.
    pub overdue: u64,
}

/// A page of overdue deadlines, the most overdue first.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct OverduePage {
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub items: Vec<OverdueView>,
    /// How many in all (of the kind asked for).
    pub total: usize,
    /// The `offset` of the next page; absent on the last.
    pub next_offset: Option<usize>,
}

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct DisagreementView {
    pub captive_id: String,
    pub name: String,
    /// The assessed identity's nationality.
    pub assessed: String,
    /// Other nationalities found documents claim.
    pub documents: Vec<String>,
}

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct TracingPipeline {
    /// Requests by status: open, candidates_found, confirmed, closed.
    pub by_status: Vec<Count>,
    /// Proposed links waiting for a person's decision.
    pub review_queue: usize,
}

#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "api",
    derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)
)]
pub struct DashboardView {
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub total: usize,
    pub by_status: Vec<Count>,
    pub by_detaining_power: Vec<Count>,
    /// Every month from the first capture to the last.
    pub captures_by_month: Vec<Count>,
    pub overdue_count: usize,
    /// The most overdue first (at most 50; `/api/dashboard/overdue` pages through all).
    pub overdue: Vec<OverdueView>,
    pub nationality_disagreements: usize,
    /// At most 50.
    pub disagreements: Vec<DisagreementView>,
    /// A `died` event without a death record: the certificate's particulars are missing
    /// (Art. 120).
    pub deaths_incomplete: Vec<CaptiveRef>,
    /// Deaths under an official enquiry not yet closed (Art. 121).
    pub enquiries_open: Vec<CaptiveRef>,
    /// Present for roles that may read tracing requests.
    pub tracing: Option<TracingPipeline>,
    /// Present for roles that may dispatch notifications.
    pub notifications: Option<NotificationSummary>,
}

fn counts<K: ToString>(items: impl IntoIterator<Item = (K, usize)>) -> Vec<Count> {
    items
        .into_iter()
        .map(|(key, count)| Count {
            key: key.to_string(),
            count,
        })
        .collect()
}

/// The registry's summary as last computed, kept while the registry is unchanged (same
/// number of captives, same latest change) and for at most [`KEEP_FOR`], since deadlines
/// fall due with time alone. Summing up a million records takes seconds; asking whether
/// anything changed takes one query.
#[derive(Default)]
pub struct DashboardCache(tokio::sync::Mutex<Option<Arc<Summary>>>);

/// How long a summary is shown at most before it is computed again.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(60);

struct Summary {
    version: (u64, Option<String>),
    computed: std::time::Instant,
    as_of: Timestamp,
    total: usize,
    by_status: Vec<Count>,
    by_detaining_power: Vec<Count>,
    captures_by_month: Vec<Count>,
    overdue_count: usize,
    /// Every overdue deadline, the most overdue first.
    overdue: Vec<OverdueView>,
    nationality_disagreements: usize,
    disagreements: Vec<DisagreementView>,
    deaths_incomplete: Vec<CaptiveRef>,
    enquiries_open: Vec<CaptiveRef>,
}

/// The summary of the registry now: the kept one if nothing changed, else a new one.
async fn summary(
    cache: &DashboardCache,
    store: &SqlStore,
    now: Timestamp,
) -> Result<Arc<Summary>, StoreError> {
    // One computation at a time: a second visitor waits for the first one's result.
    let mut kept = cache.0.lock().await;
    let version = store.registry_version().await?;
    if let Some(summary) = kept.as_ref() {
        if summary.version == version && summary.computed.elapsed() < KEEP_FOR {
            return Ok(Arc::clone(summary));
        }
    }
    let captives = store.all_captives().await?;
    let stats: RegistryStats = heavy(|| summarize(&captives, store.notice_policy(), now));
    let name_of = |id: CaptiveId| {
        captives
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .and_then(|i| captives[i].assessed_identity())
            .map(|claim| claim.name.display())
            .unwrap_or_default()
    };
    let summary = Arc::new(Summary {
        version,
        computed: std::time::Instant::now(),
        as_of: now,
        total: stats.total,
        overdue: stats
            .overdue
            .iter()
            .map(|o| OverdueView {
                captive_id: o.captive.to_string(),
                name: name_of(o.captive),
                kind: o.kind.as_str().into(),
                occasion: o.occasion,
                article: o.kind.article().into(),
                due_at: o.due_at,
            })
            .collect(),
        disagreements: stats
            .disagreements
            .iter()
            .map(|d| DisagreementView {
                captive_id: d.captive.to_string(),
                name: name_of(d.captive),
                assessed: d.assessed.clone(),
                documents: d.documents.clone(),
            })
            .collect(),
        deaths_incomplete: stats
            .deaths_incomplete
            .iter()
            .map(|id| CaptiveRef {
                captive_id: id.to_string(),
                name: name_of(*id),
            })
            .collect(),
        enquiries_open: stats
            .enquiries_open
            .iter()
            .map(|id| CaptiveRef {
                captive_id: id.to_string(),
                name: name_of(*id),
            })
            .collect(),
        by_status: counts(stats.by_status),
        by_detaining_power: counts(stats.by_detaining_power),
        captures_by_month: counts(stats.captures_by_month),
        overdue_count: stats.overdue_count,
        nationality_disagreements: stats.nationality_disagreements,
    });
    *kept = Some(Arc::clone(&summary));
    Ok(summary)
}

/// Computes the summary ahead of the first visit (at server start).
pub async fn warm(
    cache: &DashboardCache,
    store: &SqlStore,
    now: Timestamp,
) -> Result<(), StoreError> {
    summary(cache, store, now).await.map(|_| ())
}

/// How many overdue deadlines the overview lists by name.
pub const LISTED: usize = 50;

/// The overview as `actor` may see it: the tracing pipeline only with
/// `with_tracing` (roles that may read tracing requests), the notifications waiting only
/// with `with_notifications`. The names shown are a read of those records and are
/// audited with their ids.
pub async fn overview(
    cache: &DashboardCache,
    store: &SqlStore,
    actor: &Actor,
    with_tracing: bool,
    with_notifications: bool,
    now: Timestamp,
) -> Result<DashboardView, StoreError> {
    let summary = summary(cache, store, now).await?;
    let tracing = if with_tracing {
        // Counted by the database: the pipeline's figures, not its records.
        let requests = store.tracing_request_counts().await?;
        let by_status = repatria_core::TracingStatus::ALL.iter().map(|s| {
            let n = requests.iter().find(|(status, _)| status == s);
            (s.as_str(), n.map_or(0, |(_, n)| *n as usize))
        });
        let links = store.match_link_counts().await?;
        let review = links
            .iter()
            .find(|(state, _)| *state == repatria_core::LinkState::Review)
            .map_or(0, |(_, n)| *n as usize);
        Some(TracingPipeline {
            by_status: counts(by_status),
            review_queue: review,
        })
    } else {
        None
    };
    let notifications = if with_notifications {
        let counts = store.notification_counts(now).await?;
        Some(NotificationSummary {
            pending: counts.pending,
            overdue: counts.overdue,
        })
    } else {
        None
    };
    let overdue: Vec<OverdueView> = summary.overdue.iter().take(LISTED).cloned().collect();
    let shown: Vec<&str> = overdue
        .iter()
        .map(|o| o.captive_id.as_str())
        .chain(summary.disagreements.iter().map(|d| d.captive_id.as_str()))
        .chain(
            summary
                .deaths_incomplete
                .iter()
                .map(|d| d.captive_id.as_str()),
        )
        .chain(summary.enquiries_open.iter().map(|d| d.captive_id.as_str()))
        .collect();
    store
        .record_read(
            actor,
            AuditAction::CaptiveList,
            "registry",
            "dashboard",
            serde_json::json!({ "shown": shown }),
            now,
        )
        .await?;
    Ok(DashboardView {
        as_of: summary.as_of,
        total: summary.total,
        by_status: summary.by_status.clone(),
        by_detaining_power: summary.by_detaining_power.clone(),
        captures_by_month: summary.captures_by_month.clone(),
        overdue_count: summary.overdue_count,
        overdue,
        nationality_disagreements: summary.nationality_disagreements,
        disagreements: summary.disagreements.clone(),
        deaths_incomplete: summary.deaths_incomplete.clone(),
        enquiries_open: summary.enquiries_open.clone(),
        tracing,
        notifications,
    })
}

/// The most overdue page size.
pub const MAX_PAGE: usize = 500;

/// A page of every overdue deadline (of `kind`, if given), the most overdue first; the
/// names shown are audited with their ids.
pub async fn overdue(
    cache: &DashboardCache,
    store: &SqlStore,
    actor: &Actor,
    kind: Option<repatria_core::DeadlineKind>,
    offset: usize,
    limit: usize,
    now: Timestamp,
) -> Result<OverduePage, StoreError> {
    let summary = summary(cache, store, now).await?;
    let matching: Vec<&OverdueView> = summary
        .overdue
        .iter()
        .filter(|o| kind.is_none_or(|k| o.kind == k.as_str()))
        .collect();
    let limit = limit.clamp(1, MAX_PAGE);
    let items: Vec<OverdueView> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| (*o).clone())
        .collect();
    let next_offset = (offset + items.len() < matching.len()).then_some(offset + items.len());
    store
        .record_read(
            actor,
            AuditAction::CaptiveList,
            "registry",
            "dashboard.overdue",
            serde_json::json!({ "shown": items.iter().map(|o| o.captive_id.as_str()).collect::<Vec<_>>() }),
            now,
        )
        .await?;
    Ok(OverduePage {
        as_of: summary.as_of,
        total: matching.len(),
        items,
        next_offset,
    })
}
