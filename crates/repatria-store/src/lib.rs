//! Persistence for Repatria.
//!
//! [`SqlStore`] is the store, and its methods are the domain operations the rest of the
//! system may perform on stored data, one module per area (`registry.rs`, `accounts.rs`,
//! `logins.rs`, `media.rs`, `tracing.rs`, `links.rs`, `audit.rs`). It runs on SQLite (the
//! embedded default, created and migrated on first start) or PostgreSQL (selected by a
//! `postgres://` URL). Each backend owns its migrations under `migrations/<backend>/`;
//! both share the statements, which keep to the SQL the two have in common, and differ
//! where they must (connection setup, locking) in `backend.rs`.
//!
//! Every write runs through `write.rs`: one transaction together with the audit events
//! that record it, refused if it has none; the audit log is append-only and hash-chained
//! (see `audit.rs`).

mod accounts;
mod audit;
mod backend;
pub mod backup;
pub mod checkpoint;
mod document;
mod exchanges;
mod jobs;
mod links;
mod logins;
mod media;
mod notifications;
mod page;
mod registry;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod tracing;
mod write;

use repatria_core::{
    Captive, ClaimId, CustodyEvent, CustodyStatus, DomainError, FieldError, HealthRecord,
    IdentityClaim, Interview, Particulars, PartyCode, Proceedings, Timestamp, WishRecord,
};

pub use accounts::{Credential, PasswordChange, User};
pub use audit::{AuditAction, AuditEvent, IndexChanges, VerifyReport};
pub use backend::{redact_url, Backend, SqlStore};
pub use backup::BackupSummary;
pub use exchanges::{Completion, PendingWeight};
pub use jobs::{JobCounts, StoredJob, STALE_AFTER};
pub use links::LinkFilter;
pub use logins::{AttemptCount, TotpChange, TotpState};
pub use media::MediaChange;
pub use notifications::{Dispatch, Notification, NotificationCounts, NotificationFilter};
pub use page::{At, Cursor, Order, Page, PageAt, Score, DEFAULT_LIMIT, MAX_LIMIT};
pub use tracing::TracingChange;
pub use write::CommitCounts;

/// Who performs an operation, recorded in its audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account name (or `system` for the server's own work, `cli` for the command line).
    pub user: String,
    /// The request that caused the operation, to correlate the audit log with server logs.
    pub request_id: Option<String>,
}

impl Actor {
    pub fn new(user: impl Into<String>) -> Actor {
        Actor {
            user: user.into(),
            request_id: None,
        }
    }

    pub fn with_request(mut self, request_id: impl Into<String>) -> Actor {
        self.request_id = Some(request_id.into());
        self
    }
}

/// Filters and paging for the captive list.
#[derive(Debug, Clone, Default)]
pub struct CaptiveQuery {
    /// Words of a name in any script; each must begin a word of one of the captive's
    /// names (case and diacritics ignored).
    pub name: Option<String>,
    pub status: Option<CustodyStatus>,
    pub power_of_origin: Option<PartyCode>,
    pub detaining_power: Option<PartyCode>,
    /// Opaque position returned as `next` by the previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Which audit events to list; every field narrows the selection.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `(entity_type, entity_id)`.
    pub entity: Option<(String, String)>,
    pub actor: Option<String>,
    /// An action or the start of one: `captive.` selects every captive action.
    pub action_prefix: Option<String>,
    /// Events after this sequence number (for paging).
    pub after_seq: u64,
    pub limit: u32,
}

impl AuditFilter {
    pub fn entity(kind: &str, id: &str) -> AuditFilter {
        AuditFilter {
            entity: Some((kind.into(), id.into())),
            limit: 1000,
            ..Default::default()
        }
    }
}

/// A change to one captive's record; each is one audited operation.
#[derive(Debug, Clone)]
pub enum CaptiveChange {
    AddIdentityClaim(Box<IdentityClaim>),
    SetAssessedIdentity(ClaimId),
    /// Records the particulars of Art. 122 and Annex IV (or clears them when nothing is
    /// given or refused); the prisoner number must be no other captive's of the same
    /// detaining power.
    SetParticulars(Particulars),
    AddCustodyEvent(CustodyEvent),
    RecordHealth(HealthRecord),
    RecordInterview(Interview),
    RecordRepatriationWish(WishRecord),
    SetLanguages {
        languages: Vec<String>,
        interpreter_required: bool,
    },
    /// A capture card sent: the card of `occasion` (its custody event), or without one
    /// the oldest card not yet sent (Art. 70).
    RecordCaptureCardSent {
        occasion: Option<repatria_core::EventId>,
        sent_at: Timestamp,
    },
    /// His death (Art. 120); `event` is the id of the `died` event it adds when the
    /// timeline has none.
    RecordDeath(Box<repatria_core::NewDeath>, repatria_core::EventId),
    /// Closes the Art. 121 enquiry into his death.
    CloseDeathEnquiry {
        findings: String,
    },
    /// Records the proceedings he is held for (Art. 115), or with `None` their end.
    SetProceedings(Option<Proceedings>),
}

impl CaptiveChange {
    /// The audit action name.
    pub fn action(&self) -> AuditAction {
        match self {
            CaptiveChange::AddIdentityClaim(_) => AuditAction::CaptiveIdentityClaimAdd,
            CaptiveChange::SetAssessedIdentity(_) => AuditAction::CaptiveAssessedIdentitySet,
            CaptiveChange::SetParticulars(_) => AuditAction::CaptiveParticularsSet,
            CaptiveChange::AddCustodyEvent(_) => AuditAction::CaptiveCustodyEventAdd,
            CaptiveChange::RecordHealth(_) => AuditAction::CaptiveHealthRecord,
            CaptiveChange::RecordInterview(_) => AuditAction::CaptiveInterviewRecord,
            CaptiveChange::RecordRepatriationWish(_) => AuditAction::CaptiveRepatriationWishRecord,
            CaptiveChange::SetLanguages { .. } => AuditAction::CaptiveLanguagesSet,
            CaptiveChange::RecordCaptureCardSent { .. } => AuditAction::CaptiveCaptureCardSent,
            CaptiveChange::SetProceedings(_) => AuditAction::CaptiveProceedingsSet,
            CaptiveChange::RecordDeath(..) => AuditAction::CaptiveDeathRecord,
            CaptiveChange::CloseDeathEnquiry { .. } => AuditAction::CaptiveDeathEnquiryClose,
        }
    }

    /// What the audit event says about the change: identifiers and categories, never
    /// names, dates of birth or interview contents, so that the audit log does not become
    /// a second copy of the personal data it protects.
    pub fn audit_detail(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            CaptiveChange::AddIdentityClaim(c) => json!({ "claim_id": c.id, "source": c.source }),
            CaptiveChange::SetAssessedIdentity(id) => json!({ "claim_id": id }),
            // Which fields, never their values (names, addresses, the number).
            CaptiveChange::SetParticulars(p) => json!({ "set": p.given(), "refused": p.refused }),
            CaptiveChange::AddCustodyEvent(e) => json!({ "event_id": e.id, "kind": e.kind }),
            CaptiveChange::RecordHealth(h) => json!({
                "category": h.category,
                "eligible_for_direct_repatriation": h.eligible_for_direct_repatriation,
            }),
            CaptiveChange::RecordInterview(i) => {
                json!({ "interview_id": i.id, "language": i.language })
            }
            CaptiveChange::RecordRepatriationWish(w) => json!({ "wish": w.wish }),
            CaptiveChange::SetLanguages {
                languages,
                interpreter_required,
            } => {
                json!({ "languages": languages, "interpreter_required": interpreter_required })
            }
            CaptiveChange::RecordCaptureCardSent { occasion, sent_at } => {
                json!({ "occasion": occasion, "sent_at": sent_at })
            }
            CaptiveChange::RecordDeath(death, event) => json!({
                "event_id": event,
                "enquiry_required": death.enquiry_required,
                "burial": death.burial.is_some(),
            }),
            CaptiveChange::CloseDeathEnquiry { .. } => json!({ "closed": true }),
            CaptiveChange::SetProceedings(p) => json!({
                "held": p.is_some(),
                "reference": p.as_ref().map(|p| &p.reference),
            }),
        }
    }

    /// Applies the change to the aggregate, enforcing the domain's rules.
    pub fn apply(
        self,
        captive: &mut Captive,
        actor: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        match self {
            CaptiveChange::AddIdentityClaim(c) => captive.add_claim(*c, now),
            CaptiveChange::SetAssessedIdentity(id) => captive.set_assessed_identity(id, now),
            CaptiveChange::SetParticulars(p) => captive.set_particulars(p, now),
            CaptiveChange::AddCustodyEvent(e) => captive.add_custody_event(e, now),
            CaptiveChange::RecordHealth(h) => captive.record_health(h, now),
            CaptiveChange::RecordInterview(i) => captive.record_interview(i, now),
            CaptiveChange::RecordRepatriationWish(w) => {
                captive.record_repatriation_wish(w, now);
                Ok(())
            }
            CaptiveChange::SetLanguages {
                languages,
                interpreter_required,
            } => {
                captive.set_languages(languages, interpreter_required, now);
                Ok(())
            }
            CaptiveChange::RecordCaptureCardSent { occasion, sent_at } => captive
                .record_capture_card_sent(occasion, sent_at, actor, now)
                .map(|_| ()),
            CaptiveChange::RecordDeath(death, event) => {
                captive.record_death(*death, event, actor, now)
            }
            CaptiveChange::CloseDeathEnquiry { findings } => {
                captive.close_death_enquiry(&findings, actor, now)
            }
            CaptiveChange::SetProceedings(p) => captive.set_proceedings(p, now),
        }
    }
}

/// An imported file with everything it creates, stored in one transaction.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub import: repatria_core::ListImport,
    /// The rows of a list (empty for an import of tracing requests).
    pub entries: Vec<repatria_core::ListEntry>,
    /// The requests of an import of tracing requests.
    pub requests: Vec<repatria_core::TracingRequest>,
    /// What matching found for the rows or requests.
    pub links: Vec<repatria_core::MatchLink>,
}

/// Errors of the store: a small set the API maps to status codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The operation collides with stored data (a party code already taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A value that must be unique is another record's already (a prisoner number of
    /// the same detaining power): the field and why.
    #[error("taken: {0}")]
    Taken(FieldError),
    /// The operation breaks a domain rule or refers to something that does not exist.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Fields of the request name records that do not exist (each field and what it
    /// named).
    #[error("unknown: {}", FieldError::join(.0))]
    Unknown(Vec<FieldError>),
    /// The stored data is not what this version expects (for example a record written
    /// by a newer version).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A write appended no audit event, so it was not committed: every change to stored
    /// data is recorded (a defect of the store, never of a request).
    #[error("a write without its audit event was refused")]
    Unaudited,
    /// The write was done, but the transaction it shared with other writes could not
    /// commit (see `write.rs`): nothing of it was kept.
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
