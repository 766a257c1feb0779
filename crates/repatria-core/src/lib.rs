//! Domain types and Geneva Convention III rules of Repatria.
//!
//! This crate is pure: it does no I/O, never reads the clock (callers pass the current
//! time in) and does not know about HTTP, JSON or SQL. Raw input is validated once, at the
//! edge, into the types here; inside the system those types are trusted.

pub mod access;
pub mod captive;
pub mod date;
pub mod deadlines;
pub mod death;
pub mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod ids;
pub mod lists;
pub mod matching;
pub mod media;
pub mod names;
pub mod notices;
pub mod particulars;
pub mod party;
pub mod sex;
pub mod stats;
pub mod tracing_request;
pub mod words;

/// What the macros of this crate name from other crates.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "serde")]
    pub use serde;
}

pub use access::{check_new_password, parse_username, Permission, Role};
pub use captive::{
    Captive, CaptureReport, ClaimSource, Coordinates, CustodyEvent, CustodyEventKind,
    CustodyStatus, Document, FacilityKind, HealthCategory, HealthRecord, IdentityClaim, Interview,
    NewCaptive, Proceedings, RepatriationWish, WishRecord,
};
pub use date::PartialDate;
pub use deadlines::{deadlines, Deadline, DeadlineKind, DeadlineState};
pub use death::{Burial, DeathRecord, Enquiry, NewDeath};
pub use error::{DomainError, FieldError};
pub use ids::{
    CaptiveId, ClaimId, DispatchId, EntryId, EventId, ExchangeId, ImportId, InterviewId, LinkId,
    NotificationId,
};
pub use lists::{ImportKind, ListEntry, ListImport};
pub use matching::{
    Contribution, Decision, LinkPolicy, LinkState, LinkSubject, LinkTarget, MatchLink,
};
pub use media::{MediaDecision, MediaRequest, MediaRequestId, MediaVisit, Release};
pub use names::{fold_for_search, search_tokens, PersonName};
pub use notices::{
    notices, CaptureCard, CardOccasion, CardSent, Notice, NoticePolicy, NotificationKind,
    NotificationState,
};
pub use particulars::{
    parse_prisoner_number, Answer, ParticularField, Particulars, ParticularsText, PersonToInform,
};
pub use party::{parse_transfer_bar, Party, PartyCode};
pub use sex::Sex;
pub use tracing_request::{
    Inquirer, SoughtPerson, TracingAnswer, TracingRequest, TracingRequestId, TracingStatus,
};

/// Instants are UTC throughout; local times are a presentation concern.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
