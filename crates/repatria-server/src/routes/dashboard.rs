//! The bureau's overview: the registry by status and detaining power, captures per month,
//! overdue GC III deadlines, nationality disagreements, and the tracing pipeline.

use axum::extract::State;
use chrono::Utc;
use repatria_core::stats::{summarize, RegistryStats};
use repatria_core::{CaptiveId, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::ApiResult;
use crate::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Count {
    /// A status word, party code or month (`YYYY-MM`).
    pub key: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueView {
    pub captive_id: String,
    /// The assessed identity's name as recorded.
    pub name: String,
    /// `capture_card` or `health_report`.
    pub kind: String,
    /// `GC III Art. 70` …
    pub article: String,
    pub due_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DisagreementView {
    pub captive_id: String,
    pub name: String,
    /// The assessed identity's nationality.
    pub assessed: String,
    /// Other nationalities found documents claim.
    pub documents: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TracingPipeline {
    /// Requests by status: open, candidates_found, confirmed, closed.
    pub by_status: Vec<Count>,
    /// Proposed links waiting for a person's decision.
    pub review_queue: usize,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DashboardView {
    pub as_of: chrono::DateTime<Utc>,
    pub total: usize,
    pub by_status: Vec<Count>,
    pub by_detaining_power: Vec<Count>,
    /// Every month from the first capture to the last.
    pub captures_by_month: Vec<Count>,
    pub overdue_count: usize,
    /// The most overdue first (at most 50).
    pub overdue: Vec<OverdueView>,
    pub nationality_disagreements: usize,
    /// At most 50.
    pub disagreements: Vec<DisagreementView>,
    /// Present for roles that may read tracing requests.
    pub tracing: Option<TracingPipeline>,
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
pub struct DashboardCache(tokio::sync::Mutex<Option<Summary>>);

/// How long a summary is shown at most before it is computed again.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
struct Summary {
    version: (u64, Option<String>),
    computed: std::time::Instant,
    as_of: chrono::DateTime<Utc>,
    total: usize,
    by_status: Vec<Count>,
    by_detaining_power: Vec<Count>,
    captures_by_month: Vec<Count>,
    overdue_count: usize,
    overdue: Vec<OverdueView>,
    nationality_disagreements: usize,
    disagreements: Vec<DisagreementView>,
}

/// The summary of the registry now: the kept one if nothing changed, else a new one.
async fn summary(state: &AppState) -> ApiResult<Summary> {
    // One computation at a time: a second visitor waits for the first one's result.
    let mut kept = state.dashboard.0.lock().await;
    let version = state.store.registry_version().await?;
    if let Some(summary) = kept.as_ref() {
        if summary.version == version && summary.computed.elapsed() < KEEP_FOR {
            return Ok(summary.clone());
        }
    }
    let now = Utc::now();
    let captives = state.store.all_captives().await?;
    let stats: RegistryStats = crate::matching::heavy(|| summarize(&captives, now));
    let name_of = |id: CaptiveId| {
        captives
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .and_then(|i| captives[i].assessed_identity())
            .map(|claim| claim.name.display())
            .unwrap_or_default()
    };
    let summary = Summary {
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
        by_status: counts(stats.by_status),
        by_detaining_power: counts(stats.by_detaining_power),
        captures_by_month: counts(stats.captures_by_month),
        overdue_count: stats.overdue_count,
        nationality_disagreements: stats.nationality_disagreements,
    };
    *kept = Some(summary.clone());
    Ok(summary)
}

/// Computes the summary ahead of the first visit (at server start).
pub async fn warm(state: &AppState) -> Result<(), crate::ApiError> {
    summary(state).await.map(|_| ())
}

/// The overview of the registry.
#[utoipa::path(get, path = "/api/dashboard", tag = "captives",
    responses((status = 200, body = DashboardView), (status = 403, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<DashboardView>> {
    user.require(Permission::ReadCaptives)?;
    let summary = summary(&state).await?;
    let tracing = if user.role.can(Permission::ReadTracing) {
        let requests = state.store.tracing_requests(None).await?;
        let by_status = repatria_core::TracingStatus::ALL.iter().map(|s| {
            (
                s.as_str(),
                requests.iter().filter(|r| r.status == *s).count(),
            )
        });
        let review = state
            .store
            .match_links(&repatria_store::LinkFilter {
                state: Some(repatria_core::LinkState::Review),
                ..Default::default()
            })
            .await?;
        Some(TracingPipeline {
            by_status: counts(by_status),
            review_queue: review.len(),
        })
    } else {
        None
    };
    // The names shown are a read of those records.
    let shown: Vec<&str> = summary
        .overdue
        .iter()
        .map(|o| o.captive_id.as_str())
        .chain(summary.disagreements.iter().map(|d| d.captive_id.as_str()))
        .collect();
    state
        .store
        .record_read(
            &user.actor(),
            repatria_store::AuditAction::CaptiveList,
            "registry",
            "dashboard",
            serde_json::json!({ "shown": shown }),
            Utc::now(),
        )
        .await?;
    let Summary {
        as_of,
        total,
        by_status,
        by_detaining_power,
        captures_by_month,
        overdue_count,
        overdue,
        nationality_disagreements,
        disagreements,
        ..
    } = summary;
    Ok(axum::Json(DashboardView {
        as_of,
        total,
        by_status,
        by_detaining_power,
        captures_by_month,
        overdue_count,
        overdue,
        nationality_disagreements,
        disagreements,
        tracing,
    }))
}
