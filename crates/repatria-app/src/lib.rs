//! The use cases of Repatria: what the bureau does, with the store and the engines
//! together. The HTTP server and the command line are adapters over this crate: they
//! turn requests and arguments into calls here and render the answers. Nothing here
//! knows HTTP, HTML or command-line parsing.
//!
//! - [`accounts`]: hashing and checking passwords (Argon2id).
//! - [`dashboard`]: the bureau's overview (deadlines overdue, disagreements, the
//!   tracing pipeline), kept while the registry is unchanged, audited.
//! - [`demo`]: the fictional demo scenario and its accounts.
//! - [`exchange`]: planning an exchange of the captives held now.
//! - [`exchanges`]: exchanges as records: demands, proposals, agreement, manifests,
//!   reconciliation of the other side's list, the handover and completion.
//! - [`forms`]: the capture card and the death certificate filled from the record.
//! - [`imports`]: importing a list or tracing requests (all or nothing, every bad row
//!   named), and the reconciliation report of a list.
//! - [`matching`]: the matching engine's index of the registry and of open tracing
//!   requests, kept up to date as records change; name search in any spelling.
//! - [`media`]: what media-access decisions release to a journalist, and the listings
//!   of requests, audited.
//! - [`notifications`]: what the bureau sends to the powers of origin: notifications,
//!   their dispatches and documents, corrections.
//! - [`pfif`]: the registry as PFIF 1.4 for tracing services, audited.
//! - [`registry`]: listing and searching the registry, one behaviour for the API, the
//!   web pages and the command line, and reading one captive's record, audited.
//! - [`tracing`]: reading tracing requests and their candidates, audited.
//!
//! With the feature `api`, the answers derive `serde::Serialize` and `utoipa::ToSchema`
//! for the HTTP adapter.

pub mod accounts;
pub mod dashboard;
pub mod demo;
pub mod exchange;
pub mod exchanges;
pub mod forms;
pub mod imports;
pub mod matching;
pub mod media;
pub mod notifications;
pub mod pfif;
pub mod registry;
pub mod tracing;

/// Seconds on a monotonic clock since first asked: the clock that engines with a time
/// budget (the exchange planner) are given, since they read none of their own.
pub fn monotonic_seconds() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}
