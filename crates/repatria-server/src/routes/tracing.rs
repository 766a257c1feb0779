//! Tracing requests (GC III Art. 122), the match review queue, and list imports with
//! their reconciliation reports.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use repatria_core::error::Validator;
use repatria_core::{
    Decision, FieldError, ImportId, ImportKind, Inquirer, LinkId, LinkState, LinkSubject,
    MatchLink, PartialDate, PartyCode, Permission, PersonName, SoughtPerson, TracingAnswer,
    TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_store::{LinkFilter, TracingChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Auth;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::imports::{self, ImportError, ImportInput, Report};
use crate::AppState;

fn optional(v: &mut Validator, input: &Option<String>, field: &str, max: usize) -> Option<String> {
    let text = input.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if text.chars().count() > max {
        v.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    Some(text.to_string())
}

fn partial_date(v: &mut Validator, input: &Option<String>, field: &str) -> Option<PartialDate> {
    let text = input.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    v.check(PartialDate::parse(text).map_err(|e| e.within(field)))
}

/// A tracing request as a family gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTracingRequest {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub unit: Option<String>,
    pub last_seen_place: Option<String>,
    pub last_seen_on: Option<String>,
    pub inquirer_name: String,
    /// mother, wife, brother, …
    pub inquirer_relation: String,
    /// Restricted: shown to tracing officers only.
    pub inquirer_contact: String,
    /// The inquirer agreed that the description be matched against the registry.
    pub consent_to_matching: bool,
}

/// A candidate proposed for a request or a list row, with the evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub id: String,
    /// `request` or `entry`.
    pub subject_kind: String,
    /// The request id, or `IMPORT:LINE` for a list row.
    pub subject_id: String,
    /// `captive` or `request`.
    pub target_kind: String,
    pub target_id: String,
    pub score: f64,
    pub explanation: String,
    /// `linked` (made automatically, reversible), `review`, `confirmed` or `rejected`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<Utc>>,
}

impl From<&MatchLink> for LinkView {
    fn from(l: &MatchLink) -> Self {
        LinkView {
            id: l.id.to_string(),
            subject_kind: l.subject.kind().to_string(),
            subject_id: l.subject.key(),
            target_kind: l.target.kind().to_string(),
            target_id: l.target.key(),
            score: l.score,
            explanation: l.explanation.clone(),
            state: l.state.as_str().to_string(),
            decided_by: l.decided_by.clone(),
            decided_at: l.decided_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub at: chrono::DateTime<Utc>,
    pub by: String,
    pub text: String,
}

/// A tracing request; the inquirer's contact only for roles that may read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TracingRequestView {
    pub id: String,
    pub status: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub date_of_birth: Option<String>,
    pub unit: Option<String>,
    pub last_seen_place: Option<String>,
    pub last_seen_on: Option<String>,
    pub inquirer_name: String,
    pub inquirer_relation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquirer_contact: Option<String>,
    pub consent_to_matching: bool,
    pub linked_captive: Option<String>,
    pub answers: Vec<AnswerView>,
    pub created_at: chrono::DateTime<Utc>,
    pub created_by: String,
    /// The candidates (links not rejected), best first; on a single request only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<LinkView>,
}

impl TracingRequestView {
    fn new(r: &TracingRequest, user: &CurrentUser, links: &[MatchLink]) -> Self {
        TracingRequestView {
            id: r.id.0.to_string(),
            status: r.status.as_str().to_string(),
            family_name: r.sought.name.family.clone(),
            given_name: r.sought.name.given.clone(),
            patronymic: r.sought.name.patronymic.clone(),
            date_of_birth: r.sought.date_of_birth.map(|d| d.to_string()),
            unit: r.sought.unit.clone(),
            last_seen_place: r.sought.last_seen_place.clone(),
            last_seen_on: r.sought.last_seen_on.map(|d| d.to_string()),
            inquirer_name: r.inquirer.name.clone(),
            inquirer_relation: r.inquirer.relation.clone(),
            inquirer_contact: user
                .role
                .can(Permission::ReadTracingContact)
                .then(|| r.inquirer.contact.clone()),
            consent_to_matching: r.consent_to_matching,
            linked_captive: r.linked_captive.map(|c| c.to_string()),
            answers: r
                .answers
                .iter()
                .map(|a| AnswerView {
                    at: a.at,
                    by: a.by.clone(),
                    text: a.text.clone(),
                })
                .collect(),
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            candidates: links
                .iter()
                .filter(|l| l.state != LinkState::Rejected)
                .map(LinkView::from)
                .collect(),
        }
    }
}

fn request_id(raw: &str) -> ApiResult<TracingRequestId> {
    raw.parse::<uuid::Uuid>()
        .map(TracingRequestId)
        .map_err(|_| ApiError::not_found("tracing request", raw))
}

fn request_not_found(e: repatria_store::StoreError, raw: &str) -> ApiError {
    ApiError::store("tracing request", raw, e)
}

/// Records a tracing request; its candidates are found at once when the inquirer
/// consented to matching.
#[utoipa::path(post, path = "/api/tracing/requests", tag = "tracing", request_body = NewTracingRequest,
    responses((status = 201, body = TracingRequestView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewTracingRequest>,
) -> ApiResult<(StatusCode, axum::Json<TracingRequestView>)> {
    user.require(Permission::ManageTracing)?;
    let mut v = Validator::new();
    let name = match PersonName::new(
        body.family_name.as_deref(),
        body.given_name.as_deref(),
        body.patronymic.as_deref(),
    ) {
        Ok(name) => Some(name),
        Err(errors) => {
            errors.into_iter().for_each(|e| v.push(e));
            None
        }
    };
    let date_of_birth = partial_date(&mut v, &body.date_of_birth, "date_of_birth");
    let last_seen_on = partial_date(&mut v, &body.last_seen_on, "last_seen_on");
    let unit = optional(&mut v, &body.unit, "unit", 200);
    let last_seen_place = optional(&mut v, &body.last_seen_place, "last_seen_place", 200);
    let mut required = |value: &str, field: &str| -> String {
        let text = value.trim();
        if text.is_empty() {
            v.push(FieldError::new(field, "is required"));
        } else if text.chars().count() > 200 {
            v.push(FieldError::new(field, "must be at most 200 characters"));
        }
        text.to_string()
    };
    let inquirer = Inquirer {
        name: required(&body.inquirer_name, "inquirer_name"),
        relation: required(&body.inquirer_relation, "inquirer_relation"),
        contact: required(&body.inquirer_contact, "inquirer_contact"),
    };
    if let Some(name) = &name {
        if name.family.is_none() && name.given.is_none() {
            v.push(FieldError::new(
                "family_name",
                "give the family name or the given name of the person sought",
            ));
        }
    }
    v.finish()?;
    let now = Utc::now();
    let request = TracingRequest::open(
        TracingRequestId(crate::dto::new_id()),
        SoughtPerson {
            name: name.unwrap_or_default(),
            date_of_birth,
            unit,
            last_seen_place,
            last_seen_on,
        },
        inquirer,
        body.consent_to_matching,
        user.username.clone(),
        now,
    );
    let actor = user.actor();
    state
        .store
        .create_tracing_request(&actor, request.clone(), now)
        .await?;
    // The request is stored; a failure to match it now is logged (without names) and
    // does not undo it: its candidates are found at the next recomputation.
    let links = match state
        .matching
        .request_changed(&*state.store, &actor, &request, now)
        .await
    {
        Ok(links) => links,
        Err(error) => {
            tracing::warn!(request = %request.id.0, %error, "matching a new tracing request failed");
            Vec::new()
        }
    };
    let stored = state.store.get_tracing_request(request.id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TracingRequestView::new(&stored, &user, &links)),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestListQuery {
    /// `open`, `candidates_found`, `confirmed` or `closed`.
    pub status: Option<String>,
}

fn parse_status(raw: Option<&str>) -> ApiResult<Option<TracingStatus>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    [
        TracingStatus::Open,
        TracingStatus::CandidatesFound,
        TracingStatus::Confirmed,
        TracingStatus::Closed,
    ]
    .into_iter()
    .find(|s| s.as_str() == raw)
    .map(Some)
    .ok_or_else(|| {
        ApiError::invalid(
            "status",
            "expected open, candidates_found, confirmed or closed",
        )
    })
}

/// Tracing requests, oldest first.
#[utoipa::path(get, path = "/api/tracing/requests", tag = "tracing", params(RequestListQuery),
    responses((status = 200, body = Vec<TracingRequestView>), (status = 403, body = ErrorBody),
        (status = 422, description = "an unknown status", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<RequestListQuery>,
) -> ApiResult<axum::Json<Vec<TracingRequestView>>> {
    user.require(Permission::ReadTracing)?;
    let status = parse_status(query.status.as_deref())?;
    let requests = state.store.tracing_requests(status).await?;
    state
        .store
        .record_read(
            &user.actor(),
            "tracing_request.list",
            "tracing",
            "requests",
            serde_json::json!({ "shown": requests.len() }),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(
        requests
            .iter()
            .map(|r| TracingRequestView::new(r, &user, &[]))
            .collect(),
    ))
}

/// One request with its candidates and the evidence for each.
#[utoipa::path(get, path = "/api/tracing/requests/{id}", tag = "tracing",
    params(("id" = String, Path, description = "request id")),
    responses((status = 200, body = TracingRequestView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TracingRequestView>> {
    user.require(Permission::ReadTracing)?;
    let id = request_id(&raw)?;
    let request = state
        .store
        .get_tracing_request(id)
        .await
        .map_err(|e| request_not_found(e, &raw))?;
    let links = state
        .store
        .match_links(&LinkFilter {
            subject: Some(LinkSubject::Request { id }),
            ..Default::default()
        })
        .await?;
    state
        .store
        .record_read(
            &user.actor(),
            "tracing_request.read",
            "tracing_request",
            &raw,
            serde_json::json!({}),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(TracingRequestView::new(&request, &user, &links)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// What the family was told.
    pub text: String,
}

/// Records the answer given to the family (when, by whom, what).
#[utoipa::path(post, path = "/api/tracing/requests/{id}/answers", tag = "tracing", request_body = AnswerRequest,
    params(("id" = String, Path, description = "request id")),
    responses((status = 200, body = TracingRequestView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<AnswerRequest>,
) -> ApiResult<axum::Json<TracingRequestView>> {
    user.require(Permission::ManageTracing)?;
    let id = request_id(&raw)?;
    if body.text.chars().count() > 4000 {
        return Err(ApiError::invalid("text", "must be at most 4000 characters"));
    }
    let now = Utc::now();
    let answer = TracingAnswer {
        at: now,
        by: user.username.clone(),
        text: body.text.trim().to_string(),
    };
    let request = state
        .store
        .change_tracing_request(&user.actor(), id, TracingChange::RecordAnswer(answer), now)
        .await
        .map_err(|e| request_not_found(e, &raw))?;
    Ok(axum::Json(TracingRequestView::new(&request, &user, &[])))
}

/// Closes a request; refused until an answer was recorded (Art. 122).
#[utoipa::path(post, path = "/api/tracing/requests/{id}/close", tag = "tracing",
    params(("id" = String, Path, description = "request id")),
    responses((status = 200, body = TracingRequestView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TracingRequestView>> {
    user.require(Permission::ManageTracing)?;
    let id = request_id(&raw)?;
    let request = state
        .store
        .change_tracing_request(&user.actor(), id, TracingChange::Close, Utc::now())
        .await
        .map_err(|e| request_not_found(e, &raw))?;
    Ok(axum::Json(TracingRequestView::new(&request, &user, &[])))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// `linked`, `review` (the review queue), `confirmed` or `rejected`.
    pub state: Option<String>,
    /// Links of the rows of one imported list.
    pub import: Option<String>,
    /// At most this many, best score first (default 100, at most 1000).
    pub limit: Option<String>,
}

/// The review queue and other links found by matching, best score first.
#[utoipa::path(get, path = "/api/matches", tag = "tracing", params(LinkQuery),
    responses((status = 200, body = Vec<LinkView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn links(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<LinkQuery>,
) -> ApiResult<axum::Json<Vec<LinkView>>> {
    user.require(Permission::ReviewMatches)?;
    let mut v = Validator::new();
    let link_state = match query
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => {
            let parsed = LinkState::parse(raw);
            if parsed.is_none() {
                v.push(FieldError::new(
                    "state",
                    "expected linked, review, confirmed or rejected",
                ));
            }
            parsed
        }
        None => None,
    };
    let import = match query.import.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            let parsed = raw.parse::<uuid::Uuid>().ok().map(ImportId);
            if parsed.is_none() {
                v.push(FieldError::new("import", "is not an import id"));
            }
            parsed
        }
        None => None,
    };
    v.finish()?;
    let limit = super::audit::parse_number(query.limit.as_deref(), "limit", 1000)?
        .unwrap_or(100)
        .max(1) as u32;
    let links = state
        .store
        .match_links(&LinkFilter {
            state: link_state,
            import,
            limit,
            ..Default::default()
        })
        .await?;
    Ok(axum::Json(links.iter().map(LinkView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `confirm`, `reject` or `undo`.
    pub decision: String,
}

/// A person's decision on a link: confirm, reject (never proposed again) or undo.
#[utoipa::path(post, path = "/api/matches/{id}/decision", tag = "tracing", request_body = DecisionRequest,
    params(("id" = String, Path, description = "link id")),
    responses((status = 200, body = LinkView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<DecisionRequest>,
) -> ApiResult<axum::Json<LinkView>> {
    user.require(Permission::ReviewMatches)?;
    let decision = match body.decision.trim() {
        "confirm" => Decision::Confirm,
        "reject" => Decision::Reject,
        "undo" => Decision::Undo,
        _ => {
            return Err(ApiError::invalid(
                "decision",
                "expected confirm, reject or undo",
            ))
        }
    };
    let id = raw
        .parse::<uuid::Uuid>()
        .map(LinkId)
        .map_err(|_| ApiError::not_found("match", &raw))?;
    let link = state
        .store
        .decide_link(&user.actor(), id, decision, Utc::now())
        .await
        .map_err(|e| ApiError::store("match", &raw, e))?;
    Ok(axum::Json(LinkView::from(&link)))
}

/// Background imports, by job id.
#[derive(Debug, Default)]
pub struct Jobs(Mutex<HashMap<String, JobView>>);

/// Where an import job stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// The account that started the import; only it (and admins) can follow the job.
    pub started_by: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub rows_done: u64,
    pub rows_total: u64,
    /// When done.
    pub import: Option<ImportView>,
    /// When failed: why (with the number of rejected rows), and the rejected rows
    /// (`line N: field: reason`), the first 1,000 of them: a job is kept in memory, and
    /// a list of half a million bad rows would keep a hundred megabytes per job.
    pub error: Option<String>,
    pub rejected_rows: Vec<RejectedRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRow {
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportView {
    pub id: String,
    pub file_name: String,
    /// `list` or `tracing`.
    pub kind: String,
    pub format: String,
    pub source: Option<String>,
    pub rows: u64,
    pub created_at: chrono::DateTime<Utc>,
    pub created_by: String,
    /// False when the same file had been imported before (nothing new was created).
    pub created: bool,
    /// How the rows came out (on a finished job; the report has them for every list).
    pub counts: Option<imports::Counts>,
}

impl Jobs {
    /// Jobs kept at most; finished ones are forgotten first when the limit is reached.
    const KEPT: usize = 1000;

    fn set(&self, job: JobView) {
        let mut jobs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if jobs.len() >= Self::KEPT {
            jobs.retain(|_, j| j.state == "running");
        }
        jobs.insert(job.id.clone(), job);
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut JobView)) {
        if let Some(job) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get_mut(id) {
            f(job);
        }
    }

    fn get(&self, id: &str) -> Option<JobView> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name; its extension tells the format unless `format` is given.
    pub file_name: String,
    /// `csv`, `xlsx` or `pfif`.
    pub format: Option<String>,
    /// `list` (default) or `tracing`.
    #[serde(rename = "as")]
    pub kind: Option<String>,
    /// The party that sent the list.
    pub source: Option<String>,
    /// Column mapping corrections, `HEADER=field`, separated by `;`.
    pub map: Option<String>,
    /// For tracing requests: the inquirers consented to matching.
    pub consent: Option<bool>,
}

/// The query of an upload, read after the body (so that a bad query still lets the
/// client finish sending the file).
fn import_query(uri: &axum::http::Uri) -> ApiResult<ImportQuery> {
    axum::extract::Query::<ImportQuery>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn import_input(query: ImportQuery, bytes: Bytes) -> ApiResult<ImportInput> {
    let mut v = Validator::new();
    let format = match query.format.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            let f = repatria_lists::Format::parse(raw);
            if f.is_none() {
                v.push(FieldError::new("format", "expected csv, xlsx or pfif"));
            }
            f
        }
        None => {
            if repatria_lists::Format::from_file_name(&query.file_name).is_none() {
                v.push(FieldError::new(
                    "file_name",
                    "its extension tells no format (.csv, .xlsx, .xml); give format",
                ));
            }
            None
        }
    };
    let kind = match query.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => ImportKind::parse(raw).unwrap_or_else(|| {
            v.push(FieldError::new("as", "expected list or tracing"));
            ImportKind::List
        }),
        None => ImportKind::List,
    };
    let source = query
        .source
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.check(PartyCode::parse(s).map_err(|e| e.within("source"))));
    if bytes.is_empty() {
        v.push(FieldError::new("body", "the file is empty"));
    }
    v.finish()?;
    Ok(ImportInput {
        file_name: query.file_name,
        bytes,
        format,
        kind,
        source,
        overrides: query
            .map
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        consent_to_matching: query.consent.unwrap_or(false),
    })
}

/// Upper bound of an uploaded list: the file size the list readers take
/// ([`repatria_lists::Limits::file_bytes`], 64 MiB); a larger body is 413 before it is read
/// whole.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Rejected rows a failed job keeps (its error message gives their number).
pub const MAX_REJECTED_ROWS_KEPT: usize = 1_000;

/// A file's error as the API answers it: 422 on `body`, with the reader's message (for a
/// file beyond a limit, `the list is too large: more than 256 columns`).
fn file_error(message: String) -> ApiError {
    ApiError::invalid("body", message)
}

/// The column mapping proposed for a CSV or XLSX list (headers in English, Ukrainian or
/// Russian), to check before importing.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingPreview {
    pub format: String,
    pub headers: Vec<String>,
    /// For each header, the field it is mapped to (`null`: ignored).
    pub fields: Vec<Option<String>>,
    pub rows: u64,
}

/// Reads the header of a list and proposes a mapping of its columns (the `map`
/// parameter of the import corrects it). The body is the file, at most 64 MiB; a file
/// beyond one of the list readers' limits (rows, columns, cell length, unpacked size of a
/// workbook, …) is 422 naming the limit. An account reads at most 2 files at once, the
/// server 4: beyond, 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/imports/preview", tag = "tracing", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = MappingPreview), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, description = "the body is larger than 64 MiB", body = ErrorBody),
        (status = 422, description = "a bad query, or a file that cannot be read or exceeds a limit (`fields.body`)", body = ErrorBody),
        (status = 429, description = "too many previews running, for this account or in all", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again")))))]
pub async fn preview(
    State(state): State<AppState>,
    Auth(user): Auth,
    uri: axum::http::Uri,
    body: Body,
) -> ApiResult<axum::Json<MappingPreview>> {
    user.require(Permission::ImportLists)?;
    let body = crate::extract::body_bytes(body, MAX_IMPORT_BYTES).await?;
    let query = import_query(&uri)?;
    let input = import_input(query, body)?;
    let _permit = state
        .work
        .start(crate::work::Kind::Preview, &user.username)?;
    let format = input
        .format
        .or_else(|| repatria_lists::Format::from_file_name(&input.file_name))
        .ok_or_else(|| ApiError::invalid("format", "expected csv, xlsx or pfif"))?;
    if format == repatria_lists::Format::Pfif {
        return Err(ApiError::invalid(
            "format",
            "a PFIF document names its own fields; there is no mapping to check",
        ));
    }
    let table = crate::matching::heavy(|| repatria_lists::read_table(format, &input.bytes))
        .map_err(|e| file_error(e.to_string()))?;
    let mapping = repatria_lists::propose_mapping(&table.headers)
        .with_overrides(&table.headers, &input.overrides)
        .map_err(|e| ApiError::invalid("map", e.to_string()))?;
    let names = [
        repatria_lists::Field::FullName,
        repatria_lists::Field::FamilyName,
        repatria_lists::Field::GivenName,
    ];
    if names.iter().all(|f| mapping.column_of(*f).is_none()) {
        return Err(ApiError::invalid(
            "map",
            format!(
                "no column is mapped to a name (full_name, family_name or given_name); the header row read is: {}",
                table.headers.join(", ")
            ),
        ));
    }
    Ok(axum::Json(MappingPreview {
        format: format.as_str().to_string(),
        fields: (0..table.headers.len())
            .map(|i| mapping.field_of(i).map(|f| f.as_str().to_string()))
            .collect(),
        headers: table.headers,
        rows: table.rows.len() as u64,
    }))
}

/// An import as listed; `created` and `counts` are known on a finished job only.
fn import_view(
    i: &repatria_core::ListImport,
    created: bool,
    counts: Option<imports::Counts>,
) -> ImportView {
    ImportView {
        id: i.id.to_string(),
        file_name: i.file_name.clone(),
        kind: i.kind.as_str().to_string(),
        format: i.format.clone(),
        source: i.source.as_ref().map(|s| s.to_string()),
        rows: i.rows,
        created_at: i.created_at,
        created_by: i.created_by.clone(),
        created,
        counts,
    }
}

/// Starts importing a list (or tracing requests): 202 with a job to follow at
/// `/api/imports/jobs/{id}`. The body is the file, at most 64 MiB. The file is read
/// before the answer: one that cannot be used, or exceeds one of the list readers' limits,
/// is 422 naming it, and nothing is started. Atomic: one bad row and nothing is imported,
/// every bad row reported in the job; the same file again creates nothing new. An
/// account runs at most 2 imports at once, the server 4: beyond, 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/imports", tag = "tracing", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = JobView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "the body is larger than 64 MiB", body = ErrorBody),
        (status = 422, description = "a bad query, or a file that cannot be read or exceeds a limit (`fields.body`)", body = ErrorBody),
        (status = 429, description = "too many imports running, for this account or in all", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again")))))]
pub async fn start(
    State(state): State<AppState>,
    Auth(user): Auth,
    uri: axum::http::Uri,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<JobView>)> {
    user.require(Permission::ImportLists)?;
    // The query says whether tracing requests are imported, which needs more permission:
    // read it before the body, but answer a bad query only once the client could send it.
    let query = import_query(&uri);
    if query.as_ref().is_ok_and(|q| {
        q.kind
            .as_deref()
            .is_some_and(|k| ImportKind::parse(k) == Some(ImportKind::Tracing))
    }) {
        user.require(Permission::ManageTracing)?;
    }
    let body = crate::extract::body_bytes(body, MAX_IMPORT_BYTES).await?;
    let input = import_input(query?, body)?;
    if input.kind == ImportKind::Tracing {
        user.require(Permission::ManageTracing)?;
    }
    let permit = state
        .work
        .start(crate::work::Kind::Import, &user.username)?;
    // Read now, off the request threads: a file too large or unreadable is refused here.
    let (input, read) = tokio::task::spawn_blocking(move || {
        let read = imports::read(&input);
        (input, read)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading the file failed: {e}")))?;
    let read = match read {
        Err(ImportError::File(message)) => return Err(file_error(message)),
        other => other,
    };
    let id = crate::dto::new_id().to_string();
    let job = JobView {
        id: id.clone(),
        started_by: user.username.clone(),
        state: "running".into(),
        rows_done: 0,
        rows_total: 0,
        import: None,
        error: None,
        rejected_rows: Vec::new(),
    };
    state.jobs.set(job.clone());
    let jobs: Arc<Jobs> = state.jobs.clone();
    let actor = user.actor();
    tokio::spawn(async move {
        // The job's place is given back when it ends.
        let _permit = permit;
        let progress = |done: u64, total: u64| {
            jobs.update(&id, |job| {
                job.rows_done = done;
                job.rows_total = total;
            })
        };
        let result = imports::import_read(
            &*state.store,
            &state.matching,
            &actor,
            input,
            read,
            Utc::now(),
            &progress,
        )
        .await;
        jobs.update(&id, |job| match result {
            Ok(summary) => {
                job.state = "done".into();
                job.rows_done = summary.rows;
                job.rows_total = summary.rows;
                let counts = (summary.import.kind == ImportKind::List).then_some(summary.counts);
                job.import = Some(import_view(&summary.import, summary.created, counts));
            }
            Err(error) => {
                job.state = "failed".into();
                job.error = Some(match &error {
                    ImportError::Store(e) => {
                        tracing::error!(%e, "import failed in the store");
                        "the import could not be stored; nothing was imported".to_string()
                    }
                    other => other.to_string(),
                });
                if let ImportError::Rows(rows) = error {
                    job.rejected_rows = rows
                        .into_iter()
                        .take(MAX_REJECTED_ROWS_KEPT)
                        .map(|r| RejectedRow {
                            line: r.line,
                            field: r.field,
                            reason: r.reason,
                        })
                        .collect();
                }
            }
        });
    });
    Ok((StatusCode::ACCEPTED, axum::Json(job)))
}

/// Where an import job stands: progress, then the import or every rejected row. Only
/// the account that started it (and admins) can see it; to others it does not exist.
#[utoipa::path(get, path = "/api/imports/jobs/{id}", tag = "tracing",
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
pub async fn job(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobView>> {
    user.require(Permission::ImportLists)?;
    state
        .jobs
        .get(&id)
        .filter(|job| job.started_by == user.username || user.role == repatria_core::Role::Admin)
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found("import job", &id))
}

/// Every import, oldest first.
#[utoipa::path(get, path = "/api/imports", tag = "tracing",
    responses((status = 200, body = Vec<ImportView>), (status = 403, body = ErrorBody)))]
pub async fn list_imports(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<Vec<ImportView>>> {
    user.require(Permission::ImportLists)?;
    let imports = state.store.imports().await?;
    Ok(axum::Json(
        imports
            .into_iter()
            .map(|import| import_view(&import, true, None))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The reconciliation report of an imported list: for every row, matched to a captive
/// we hold, to an open tracing request, new, or ambiguous, with the evidence.
#[utoipa::path(get, path = "/api/imports/{id}/report", tag = "tracing", params(ReportQuery,
        ("id" = String, Path, description = "import id")),
    responses((status = 200, description = "the report: JSON, or CSV with `format=csv`",
            content((Report = "application/json"), (String = "text/csv"))),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`format` is neither json nor csv", body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    user.require(Permission::ImportLists)?;
    let csv = match query.format.as_deref().unwrap_or("json") {
        "json" | "" => false,
        "csv" => true,
        _ => return Err(ApiError::invalid("format", "expected json or csv")),
    };
    let id = raw
        .parse::<uuid::Uuid>()
        .map(ImportId)
        .map_err(|_| ApiError::not_found("import", &raw))?;
    let import = state
        .store
        .get_import(id)
        .await
        .map_err(|e| ApiError::store("import", &raw, e))?;
    let report: Report = imports::report(&*state.store, &import).await?;
    state
        .store
        .record_read(
            &user.actor(),
            "list.report",
            "list_import",
            &raw,
            serde_json::json!({ "rows": report.rows }),
            Utc::now(),
        )
        .await?;
    Ok(if csv {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"reconciliation-{id}.csv\""),
                ),
            ],
            imports::report_csv(&report),
        )
            .into_response()
    } else {
        axum::Json(report).into_response()
    })
}
