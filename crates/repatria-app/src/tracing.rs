//! Reading tracing requests (GC III Art. 122–123: the enquiries of families about
//! prisoners): one behaviour for the API, the web pages and `repatria tracing list`,
//! every read audited. Creating, answering and closing stay with the store's audited
//! changes; importing is [`crate::imports`].

use repatria_core::{
    LinkSubject, MatchLink, Timestamp, TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_store::{Actor, At, AuditAction, LinkFilter, Page, PageAt, SqlStore, StoreError};

/// The tracing requests, oldest first, optionally in one status; the read is recorded
/// with the number shown (never the names sought).
pub async fn list(
    store: &SqlStore,
    actor: &Actor,
    status: Option<TracingStatus>,
    now: Timestamp,
) -> Result<Vec<TracingRequest>, StoreError> {
    let requests = store.tracing_requests(status).await?;
    store
        .record_read(
            actor,
            AuditAction::TracingRequestList,
            "tracing",
            "requests",
            serde_json::json!({ "shown": requests.len() }),
            now,
        )
        .await?;
    Ok(requests)
}

/// A page of the tracing requests, oldest first, optionally in one status; the read is
/// recorded with the number shown (never the names sought).
pub async fn page(
    store: &SqlStore,
    actor: &Actor,
    status: Option<TracingStatus>,
    at: &PageAt<At>,
    now: Timestamp,
) -> Result<Page<TracingRequest>, StoreError> {
    let page = store.tracing_request_page(status, at).await?;
    store
        .record_read(
            actor,
            AuditAction::TracingRequestList,
            "tracing",
            "requests",
            serde_json::json!({ "shown": page.items.len() }),
            now,
        )
        .await?;
    Ok(page)
}

/// One tracing request with its match links (the candidates found and the decisions on
/// them); the read is recorded.
pub async fn read(
    store: &SqlStore,
    actor: &Actor,
    id: TracingRequestId,
    now: Timestamp,
) -> Result<(TracingRequest, Vec<MatchLink>), StoreError> {
    let request = store.get_tracing_request(id).await?;
    let links = store
        .match_links(&LinkFilter {
            subject: Some(LinkSubject::Request { id }),
            ..Default::default()
        })
        .await?;
    store
        .record_read(
            actor,
            AuditAction::TracingRequestRead,
            "tracing_request",
            &id.0.to_string(),
            serde_json::json!({}),
            now,
        )
        .await?;
    Ok((request, links))
}
