//! The bureau's overview: the registry by status and detaining power, captures per month,
//! overdue GC III deadlines, nationality disagreements, and the tracing pipeline. Reading
//! a large registry takes seconds, so each record is read once and what it adds to the
//! summary kept; after that only the records the store's change feed names as written
//! are read again (see [`DashboardCache`]), the same feed for every server of one
//! database, so that they agree.

use std::sync::Arc;

use std::collections::BTreeMap;

use repatria_core::stats::{aggregate, facts, CaptiveFacts, Overdue, RegistryStats};
use repatria_core::{Captive, CaptiveId, NoticePolicy, Timestamp};
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

/// The registry's summary, kept up to date from the store's change feed. The first
/// summary reads every record once and keeps what each adds to the summary
/// ([`CaptiveFacts`], with the name to show); after that, each summary reads only the
/// records that changed since the last one, as the audit log names them
/// ([`SqlStore::captives_changed`], the same feed every server reads, so several
/// servers agree), and sums the kept facts up again. Reading and decoding a large
/// registry takes seconds; summing up kept facts, milliseconds. A summary is kept while
/// nothing changed and for at most [`KEEP_FOR`], since deadlines fall due with time alone.
#[derive(Default)]
pub struct DashboardCache(tokio::sync::Mutex<Option<Kept>>);

/// How long a summary is shown at most before it is summed up again.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// What the cache keeps: every captive's facts and name, as of audit event `seen`, and
/// the summary last made of them.
struct Kept {
    records: BTreeMap<CaptiveId, (CaptiveFacts, Arc<str>)>,
    seen: u64,
    summary: Arc<Summary>,
}

struct Summary {
    computed: std::time::Instant,
    as_of: Timestamp,
    total: usize,
    by_status: Vec<Count>,
    by_detaining_power: Vec<Count>,
    captures_by_month: Vec<Count>,
    overdue_count: usize,
    /// Every overdue deadline, the most overdue first, with the captive's name.
    overdue: Vec<(Overdue, Arc<str>)>,
    nationality_disagreements: usize,
    disagreements: Vec<DisagreementView>,
    deaths_incomplete: Vec<CaptiveRef>,
    enquiries_open: Vec<CaptiveRef>,
}

impl Summary {
    /// Sums up `records` (in id order) as of `now`.
    fn of(records: &BTreeMap<CaptiveId, (CaptiveFacts, Arc<str>)>, now: Timestamp) -> Summary {
        let stats: RegistryStats = aggregate(records.values().map(|(facts, _)| facts), now);
        let name_of = |id: CaptiveId| -> Arc<str> {
            records
                .get(&id)
                .map(|(_, name)| Arc::clone(name))
                .unwrap_or_else(|| Arc::from(""))
        };
        let reference = |id: &CaptiveId| CaptiveRef {
            captive_id: id.to_string(),
            name: name_of(*id).to_string(),
        };
        Summary {
            computed: std::time::Instant::now(),
            as_of: now,
            total: stats.total,
            overdue: stats
                .overdue
                .into_iter()
                .map(|o| {
                    let name = name_of(o.captive);
                    (o, name)
                })
                .collect(),
            disagreements: stats
                .disagreements
                .iter()
                .map(|d| DisagreementView {
                    captive_id: d.captive.to_string(),
                    name: name_of(d.captive).to_string(),
                    assessed: d.assessed.clone(),
                    documents: d.documents.clone(),
                })
                .collect(),
            deaths_incomplete: stats.deaths_incomplete.iter().map(reference).collect(),
            enquiries_open: stats.enquiries_open.iter().map(reference).collect(),
            by_status: counts(stats.by_status),
            by_detaining_power: counts(stats.by_detaining_power),
            captures_by_month: counts(stats.captures_by_month),
            overdue_count: stats.overdue_count,
            nationality_disagreements: stats.nationality_disagreements,
        }
    }
}

/// An overdue deadline as shown.
fn overdue_view((o, name): &(Overdue, Arc<str>)) -> OverdueView {
    OverdueView {
        captive_id: o.captive.to_string(),
        name: name.to_string(),
        kind: o.kind.as_str().into(),
        occasion: o.occasion,
        article: o.kind.article().into(),
        due_at: o.due_at,
    }
}

/// A captive's facts and the name shown for him.
fn record_of(captive: &Captive, policy: &NoticePolicy) -> (CaptiveFacts, Arc<str>) {
    let name = captive
        .assessed_identity()
        .map(|claim| claim.name.display())
        .unwrap_or_default();
    (facts(captive, policy), Arc::from(name))
}

/// The summary of the registry now: the kept one if nothing changed (and it is recent),
/// else one summed up from the kept facts brought up to date.
async fn summary(
    cache: &DashboardCache,
    store: &SqlStore,
    now: Timestamp,
) -> Result<Arc<Summary>, StoreError> {
    // One at a time: a second visitor waits for the first one's result.
    let mut kept = cache.0.lock().await;
    let policy = store.notice_policy();
    let Some(current) = kept.as_mut() else {
        // The head first: whatever changes after it is read again next time.
        let seen = store.audit_head().await?;
        let captives = store.all_captives().await?;
        let records = heavy(|| {
            captives
                .iter()
                .map(|captive| (captive.id, record_of(captive, policy)))
                .collect::<BTreeMap<_, _>>()
        });
        let summary = Arc::new(heavy(|| Summary::of(&records, now)));
        *kept = Some(Kept {
            records,
            seen,
            summary: Arc::clone(&summary),
        });
        return Ok(summary);
    };
    let changes = store.captives_changed(current.seen).await?;
    if changes.captives.is_empty() && current.summary.computed.elapsed() < KEEP_FOR {
        current.seen = changes.upto;
        return Ok(Arc::clone(&current.summary));
    }
    for captive in store.get_captives(&changes.captives).await? {
        let record = record_of(&captive, policy);
        current.records.insert(captive.id, record);
    }
    current.seen = changes.upto;
    let summary = Arc::new(heavy(|| Summary::of(&current.records, now)));
    current.summary = Arc::clone(&summary);
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
    let overdue: Vec<OverdueView> = summary
        .overdue
        .iter()
        .take(LISTED)
        .map(overdue_view)
        .collect();
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
    let matching: Vec<&(Overdue, Arc<str>)> = summary
        .overdue
        .iter()
        .filter(|(o, _)| kind.is_none_or(|k| o.kind == k))
        .collect();
    let limit = limit.clamp(1, MAX_PAGE);
    let items: Vec<OverdueView> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| overdue_view(o))
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
