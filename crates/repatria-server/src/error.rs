//! The API's one error type: every failure becomes a status code and a JSON body that
//! says what was wrong. Server faults are logged and reveal nothing.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use repatria_core::{DomainError, FieldError};
use repatria_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request cannot be read at all (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// The request is readable but some fields are invalid.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// The request breaks a rule given the current state of the record (409
    /// `rule_violated`: the same request may succeed once the record has changed).
    #[error("{reason}")]
    Rule { field: String, reason: String },
    /// A field names a record that does not exist, or that this account may not see
    /// (404 `not_found`, with the field named).
    #[error("{}", FieldError::join(.0))]
    Unknown(Vec<FieldError>),
    /// A field holds a secret that is not the account's: its current password, its
    /// authenticator's code (403 `forbidden`, with the field named).
    #[error("{0}")]
    Denied(FieldError),
    /// No credential, or one that is unknown, expired or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Too many login attempts, or too much work of one kind running (import jobs,
    /// exchange plans): try again after `retry_after` seconds (`Retry-After`).
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// The server is too busy to check a password now (`Retry-After`).
    #[error("{message}")]
    Busy { message: String, retry_after: u64 },
    /// The request body is larger than the route takes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The password was right, but the account needs a one-time code too (401
    /// `totp_required`).
    #[error("{0}")]
    TotpRequired(String),
    /// An administrator reset the password: until the user sets one of his own, only
    /// changing it and logging out are allowed.
    #[error("{0}")]
    PasswordChangeRequired(String),
    #[error("{0}")]
    Conflict(String),
    /// A field's value must be unique and is another record's already (409 `conflict`,
    /// with the field named in `fields`).
    #[error("{0}")]
    Taken(FieldError),
    #[error("internal error")]
    Internal(String),
}

/// The error body: `{"error": {"code", "message", "fields"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `bad_request`, `validation_failed`,
    /// `rule_violated`, `unauthorized`, `totp_required`, `forbidden`,
    /// `password_change_required`, `not_found`, `conflict`, `payload_too_large`,
    /// `too_many_requests`, `busy`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// Field path → what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    /// A field that names a record that does not exist (404).
    pub fn unknown(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::Unknown(vec![FieldError::new(field, reason)])
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError::new(field, reason)])
    }

    pub fn not_found(what: &str, id: &str) -> ApiError {
        ApiError::NotFound(format!("no {what} with id {id:?}"))
    }

    /// A store error, where "not found" names what was looked for.
    pub fn store(what: &str, id: &str, error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::not_found(what, id),
            other => other.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                message,
                BTreeMap::new(),
            ),
            ApiError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                message,
                BTreeMap::new(),
            ),
            ApiError::Invalid(errors) => {
                let message = FieldError::join(&errors);
                let mut fields = BTreeMap::new();
                for e in errors {
                    fields.entry(e.field).or_insert(e.reason);
                }
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    message,
                    fields,
                )
            }
            ApiError::Rule { field, reason } => {
                let message = format!("{field}: {reason}");
                (
                    StatusCode::CONFLICT,
                    "rule_violated",
                    message,
                    BTreeMap::from([(field, reason)]),
                )
            }
            ApiError::Unknown(errors) => {
                let message = FieldError::join(&errors);
                let mut fields = BTreeMap::new();
                for e in errors {
                    fields.entry(e.field).or_insert(e.reason);
                }
                (StatusCode::NOT_FOUND, "not_found", message, fields)
            }
            ApiError::Denied(error) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                error.to_string(),
                BTreeMap::from([(error.field, error.reason)]),
            ),
            ApiError::TooManyRequests {
                message,
                retry_after,
            } => {
                return with_retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    message,
                    retry_after,
                )
            }
            ApiError::Busy {
                message,
                retry_after,
            } => {
                return with_retry_after(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    message,
                    retry_after,
                )
            }
            ApiError::TotpRequired(message) => (
                StatusCode::UNAUTHORIZED,
                "totp_required",
                message,
                BTreeMap::new(),
            ),
            ApiError::PasswordChangeRequired(message) => (
                StatusCode::FORBIDDEN,
                "password_change_required",
                message,
                BTreeMap::new(),
            ),
            ApiError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                message,
                BTreeMap::new(),
            ),
            ApiError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "forbidden", message, BTreeMap::new())
            }
            ApiError::NotFound(message) => {
                (StatusCode::NOT_FOUND, "not_found", message, BTreeMap::new())
            }
            ApiError::Conflict(message) => {
                (StatusCode::CONFLICT, "conflict", message, BTreeMap::new())
            }
            ApiError::Taken(error) => (
                StatusCode::CONFLICT,
                "conflict",
                error.to_string(),
                BTreeMap::from([(error.field, error.reason)]),
            ),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log".to_string(),
                    BTreeMap::new(),
                )
            }
        };
        (
            status,
            axum::Json(ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    fields,
                },
            }),
        )
            .into_response()
    }
}

/// An error answer that says when to try again.
fn with_retry_after(
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: u64,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code,
            message,
            fields: BTreeMap::new(),
        },
    };
    (
        status,
        [(
            axum::http::header::RETRY_AFTER,
            retry_after.max(1).to_string(),
        )],
        axum::Json(body),
    )
        .into_response()
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(errors) => errors.into(),
            DomainError::Rule { field, reason } => ApiError::Rule { field, reason },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound("not found".into()),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Taken(error) => ApiError::Taken(error),
            StoreError::Unknown(errors) => ApiError::Unknown(errors),
            StoreError::Domain(error) => error.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    /// 422 naming every field; but a list's `cursor` that is no position of the list,
    /// alone at fault, is 404: like an id that names no record, it names no page.
    fn from(errors: Vec<FieldError>) -> Self {
        if !errors.is_empty() && errors.iter().all(|e| e.field == "cursor") {
            ApiError::Unknown(errors)
        } else {
            ApiError::Invalid(errors)
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A request body or query that is read into what its handler needs: the value, or
/// every bad field at once (a [`Validator`](repatria_core::error::Validator) collects
/// them), which `?` turns into 422 `validation_failed` with `fields.<path>`. Inputs whose
/// checks need the acting user or the time have an inherent `validate(self, actor, now)`
/// of the same form.
pub trait Validate {
    type Valid;
    fn validate(self) -> Result<Self::Valid, Vec<FieldError>>;
}

/// An optional query parameter that is a non-negative integer no greater than `max`.
pub fn parse_number(raw: Option<&str>, field: &str, max: u64) -> Result<Option<u64>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n <= max => Ok(Some(n)),
            Ok(_) => Err(FieldError::new(field, format!("must be at most {max}"))),
            Err(_) => Err(FieldError::new(
                field,
                format!("must be a non-negative integer, got {s:?}"),
            )),
        },
    }
}
