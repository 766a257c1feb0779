//! Persistence for Repatria.
//!
//! [`Store`] is the set of domain operations the rest of the system may perform on stored
//! data. Two backends implement it: SQLite (the embedded default, created and migrated on
//! first start) and PostgreSQL (selected by a `postgres://` URL). Each owns its migrations
//! under `migrations/<backend>/`; both share the statement code in `sql.rs`, which keeps
//! to the SQL the two have in common, and differ where they must (connection setup,
//! locking) in `backend.rs`.
//!
//! Every write runs in one transaction together with the audit event that records it;
//! the audit log is append-only and hash-chained (see `audit.rs`).

mod accounts;
mod audit;
mod backend;
pub mod checkpoint;
mod media;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod tracing;

use async_trait::async_trait;
use repatria_core::{
    Captive, CaptiveId, ClaimId, CustodyEvent, CustodyStatus, DomainError, HealthRecord,
    IdentityClaim, Interview, NewCaptive, Party, PartyCode, Timestamp, WishRecord,
};

pub use accounts::{AttemptCount, Credential, PasswordChange, TotpChange, TotpState, User};
pub use audit::{AuditAction, AuditEvent, VerifyReport};
pub use backend::{redact_url, Backend, SqlStore};
pub use media::MediaChange;
pub use tracing::{LinkFilter, TracingChange};

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

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next: Option<String>,
}

/// A change to one captive's record; each is one audited operation.
#[derive(Debug, Clone)]
pub enum CaptiveChange {
    AddIdentityClaim(Box<IdentityClaim>),
    SetAssessedIdentity(ClaimId),
    AddCustodyEvent(CustodyEvent),
    RecordHealth(HealthRecord),
    RecordInterview(Interview),
    RecordRepatriationWish(WishRecord),
    SetLanguages {
        languages: Vec<String>,
        interpreter_required: bool,
    },
    RecordCaptureCardSent {
        sent_at: Timestamp,
    },
}

impl CaptiveChange {
    /// The audit action name.
    pub fn action(&self) -> AuditAction {
        match self {
            CaptiveChange::AddIdentityClaim(_) => AuditAction::CaptiveIdentityClaimAdd,
            CaptiveChange::SetAssessedIdentity(_) => AuditAction::CaptiveAssessedIdentitySet,
            CaptiveChange::AddCustodyEvent(_) => AuditAction::CaptiveCustodyEventAdd,
            CaptiveChange::RecordHealth(_) => AuditAction::CaptiveHealthRecord,
            CaptiveChange::RecordInterview(_) => AuditAction::CaptiveInterviewRecord,
            CaptiveChange::RecordRepatriationWish(_) => AuditAction::CaptiveRepatriationWishRecord,
            CaptiveChange::SetLanguages { .. } => AuditAction::CaptiveLanguagesSet,
            CaptiveChange::RecordCaptureCardSent { .. } => AuditAction::CaptiveCaptureCardSent,
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
            CaptiveChange::RecordCaptureCardSent { sent_at } => json!({ "sent_at": sent_at }),
        }
    }

    /// Applies the change to the aggregate, enforcing the domain's rules.
    pub fn apply(self, captive: &mut Captive, now: Timestamp) -> Result<(), DomainError> {
        match self {
            CaptiveChange::AddIdentityClaim(c) => captive.add_claim(*c, now),
            CaptiveChange::SetAssessedIdentity(id) => captive.set_assessed_identity(id, now),
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
            CaptiveChange::RecordCaptureCardSent { sent_at } => {
                captive.record_capture_card_sent(sent_at, now)
            }
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
    /// The operation breaks a domain rule or refers to something that does not exist.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The stored data is not what this version expects (for example a record written
    /// by a newer version).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The domain operations on stored data. Every method that changes data takes the
/// acting [`Actor`] and the current time, and writes its audit event in the same
/// transaction as the change.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which database this is.
    fn backend(&self) -> Backend;

    async fn create_party(&self, actor: &Actor, party: Party, now: Timestamp) -> Result<Party>;
    async fn list_parties(&self) -> Result<Vec<Party>>;

    /// Opens a captive's record. The ids inside `new` (claims) and `id` are chosen by the
    /// caller; the capture report becomes the first custody event with `capture_event`.
    async fn create_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        capture_event: repatria_core::EventId,
        new: NewCaptive,
        now: Timestamp,
    ) -> Result<Captive>;

    /// Stores many records built by the caller with the domain's operations (an import,
    /// the demo), atomically: all or none, one audit event each.
    async fn import_captives(
        &self,
        actor: &Actor,
        captives: Vec<Captive>,
        now: Timestamp,
    ) -> Result<usize>;

    async fn get_captive(&self, id: CaptiveId) -> Result<Captive>;
    /// The captives with these ids, in the order given; unknown ids are left out.
    async fn get_captives(&self, ids: &[CaptiveId]) -> Result<Vec<Captive>>;
    async fn list_captives(&self, query: &CaptiveQuery) -> Result<Page<Captive>>;

    /// Applies one change to a captive's record under a row lock, with its audit event.
    async fn change_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        change: CaptiveChange,
        now: Timestamp,
    ) -> Result<Captive>;

    /// Creates an account; the name must be new.
    async fn create_user(&self, actor: &Actor, user: User, now: Timestamp) -> Result<()>;
    async fn get_user(&self, username: &str) -> Result<Option<User>>;
    /// Every account, by name.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Disables or re-enables an account, with its audit event (`user.disable`,
    /// `user.enable`); `NotFound` for an unknown name. Disabling revokes every session and
    /// token of the account in the same transaction, so that enabling it again brings
    /// none of them back.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<User>;
    /// Stores a new session or API token (by its hash).
    async fn create_credential(
        &self,
        actor: &Actor,
        credential: Credential,
        now: Timestamp,
    ) -> Result<()>;
    /// The credential with this hash and its user, unless revoked or expired.
    async fn find_credential(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Credential, User)>>;
    /// Revokes a credential; `NotFound` when there is no live one with this hash.
    async fn revoke_credential(
        &self,
        actor: &Actor,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// A user's personal API tokens that are neither revoked nor expired, newest first.
    async fn list_tokens(&self, username: &str, now: Timestamp) -> Result<Vec<Credential>>;
    /// Revokes one of `username`'s API tokens by its [`Credential::id`]
    /// (`credential.api.revoke`); `NotFound` unless it is his and live.
    async fn revoke_token(
        &self,
        actor: &Actor,
        username: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// Records when a credential was last used (for the idle timeout of sessions). Not
    /// audited: it changes no record, and callers do it at most once a minute.
    async fn touch_credential(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    /// Sets a new password hash (`user.password_change` or `user.password_reset`), and
    /// revokes credentials as [`PasswordChange`] says in the same transaction; returns
    /// how many were revoked. `NotFound` for an unknown name.
    async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        change: PasswordChange,
        now: Timestamp,
    ) -> Result<u64>;

    /// Counts a login attempt in each bucket (`account:NAME`, `address:IP`) before the
    /// password is checked: one statement per bucket increments and returns the count
    /// in the bucket's window (a new window starts when the last is older than
    /// `window`). Shared by every server on the database. Not audited: it is a counter;
    /// the refusals are audited by [`Store::audit_login_refusal`].
    async fn count_login_attempt(
        &self,
        buckets: &[String],
        window: chrono::Duration,
        now: Timestamp,
    ) -> Result<Vec<AttemptCount>>;
    /// A login succeeded: the `cleared` buckets start afresh, the `refunded` ones get the
    /// attempt back.
    async fn login_succeeded(&self, cleared: &[String], refunded: &[String]) -> Result<()>;
    /// Deletes the buckets whose window began at or before `before`; returns how many.
    async fn purge_login_attempts(&self, before: Timestamp) -> Result<u64>;
    /// Account buckets with attempts in a window that began after `since`.
    async fn account_login_attempts(&self, since: Timestamp) -> Result<Vec<AttemptCount>>;
    /// Audits a refused login: `login.failure`, or `login.lockout` with the scope
    /// (`account`, `address`) whose attempts have just run out. `attempted` is the user
    /// name as typed (the event's entity); `client` the client address.
    async fn audit_login_refusal(
        &self,
        actor: &Actor,
        attempted: &str,
        lockout: Option<&str>,
        client: Option<&str>,
        now: Timestamp,
    ) -> Result<()>;
    /// An account's second factor, if one was set up (confirmed or not).
    async fn totp(&self, username: &str) -> Result<Option<TotpState>>;
    /// Sets, confirms or removes an account's second factor, audited; `NotFound` for an
    /// unknown name (or, to confirm, an account without a secret).
    async fn change_totp(
        &self,
        actor: &Actor,
        username: &str,
        change: TotpChange,
        now: Timestamp,
    ) -> Result<()>;
    /// Uses the code of time step `step`: true unless a code of this or a later step was
    /// accepted before (replay). Not audited: the login it belongs to is.
    async fn use_totp_step(&self, username: &str, step: i64) -> Result<bool>;
    /// Clears an account's login attempts (`user.unlock`); `NotFound` for an unknown name.
    async fn unlock_user(
        &self,
        actor: &Actor,
        username: &str,
        bucket: &str,
        now: Timestamp,
    ) -> Result<()>;

    /// Records a media-access request; every captive it names must exist.
    async fn create_media_request(
        &self,
        actor: &Actor,
        request: repatria_core::MediaRequest,
        now: Timestamp,
    ) -> Result<()>;
    /// Decides a request or logs a visit, under the domain's rules (Art. 13).
    async fn change_media_request(
        &self,
        actor: &Actor,
        id: repatria_core::MediaRequestId,
        change: MediaChange,
        now: Timestamp,
    ) -> Result<repatria_core::MediaRequest>;
    /// All requests, or those of one journalist, oldest first.
    async fn media_requests(
        &self,
        journalist: Option<&str>,
    ) -> Result<Vec<repatria_core::MediaRequest>>;

    /// Every captive, in id order (to build the matching index).
    async fn all_captives(&self) -> Result<Vec<Captive>>;

    /// How many captives there are and when one last changed (RFC 3339): equal answers
    /// mean an unchanged registry, so that a summary of it can be kept until then.
    async fn registry_version(&self) -> Result<(u64, Option<String>)>;

    /// Records a tracing request.
    async fn create_tracing_request(
        &self,
        actor: &Actor,
        request: repatria_core::TracingRequest,
        now: Timestamp,
    ) -> Result<()>;
    async fn get_tracing_request(
        &self,
        id: repatria_core::TracingRequestId,
    ) -> Result<repatria_core::TracingRequest>;
    /// Requests, oldest first, optionally in one status.
    async fn tracing_requests(
        &self,
        status: Option<repatria_core::TracingStatus>,
    ) -> Result<Vec<repatria_core::TracingRequest>>;
    /// Records an answer or closes a request, under the domain's rules.
    async fn change_tracing_request(
        &self,
        actor: &Actor,
        id: repatria_core::TracingRequestId,
        change: TracingChange,
        now: Timestamp,
    ) -> Result<repatria_core::TracingRequest>;

    /// The import of the file with this content hash, if any.
    async fn find_import(&self, content_hash: &str) -> Result<Option<repatria_core::ListImport>>;
    async fn get_import(&self, id: repatria_core::ImportId) -> Result<repatria_core::ListImport>;
    /// Every import, oldest first.
    async fn imports(&self) -> Result<Vec<repatria_core::ListImport>>;
    /// The rows of one imported list, by line.
    async fn list_entries(
        &self,
        id: repatria_core::ImportId,
    ) -> Result<Vec<repatria_core::ListEntry>>;
    /// Stores an import atomically; `Conflict` when the same file was imported before.
    async fn import_list(&self, actor: &Actor, import: NewImport, now: Timestamp) -> Result<()>;

    /// Records links proposed by matching (see `tracing.rs` for how existing pairs and
    /// decisions are kept), and brings the requests concerned up to date.
    async fn propose_links(
        &self,
        actor: &Actor,
        replace: Option<repatria_core::LinkSubject>,
        links: Vec<repatria_core::MatchLink>,
        now: Timestamp,
    ) -> Result<Vec<repatria_core::MatchLink>>;
    async fn match_links(&self, filter: &LinkFilter) -> Result<Vec<repatria_core::MatchLink>>;
    /// A person's decision on a link: confirm, reject or undo, audited with who and when.
    async fn decide_link(
        &self,
        actor: &Actor,
        id: repatria_core::LinkId,
        decision: repatria_core::Decision,
        now: Timestamp,
    ) -> Result<repatria_core::MatchLink>;

    /// Records a read of personal data (a captive's record, a search of the registry) in
    /// the audit log: every read of a person's record is attributable.
    async fn record_read(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<()>;

    /// Audit events, oldest first, optionally for one entity.
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;

    /// Recomputes the whole hash chain.
    async fn verify_audit(&self) -> Result<VerifyReport>;

    /// The chain hashes of events 1..=`up_to` (all events when `None`), in order: the
    /// leaves of the audit log's Merkle tree (see `checkpoint.rs`). One query that reads
    /// only numbers and hashes; a gap in the numbering or a hash that is not 32 bytes of
    /// hex is [`StoreError::Corrupt`].
    async fn audit_chain_hashes(&self, up_to: Option<u64>) -> Result<Vec<[u8; 32]>>;
}
