//! Tracing requests (GC III Art. 122): a family's enquiry, its candidates, the answer
//! and the closing. The match review queue is in `matches.rs`, list imports in
//! `imports.rs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use repatria_core::error::Validator;
use repatria_core::{
    FieldError, Inquirer, LinkState, MatchLink, PartialDate, Permission, PersonName, SoughtPerson,
    TracingAnswer, TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_store::{At, PageAt, TracingChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Auth;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody, Validate};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

fn optional(v: &mut Validator, input: &Option<String>, field: &str, max: usize) -> Option<String> {
    v.check(repatria_core::captive::text(input.as_deref(), max).map_err(|e| e.within(field)))
        .flatten()
}

fn partial_date(v: &mut Validator, input: &Option<String>, field: &str) -> Option<PartialDate> {
    let text = input.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    v.check(PartialDate::parse(text).map_err(|e| e.within(field)))
}

/// A tracing request as a family gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTracingRequest {
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub family_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub given_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub patronymic: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(value_type = Option<crate::schema::PartialDate>)]
    pub date_of_birth: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub unit: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub last_seen_place: Option<String>,
    #[schema(value_type = Option<crate::schema::PartialDate>)]
    pub last_seen_on: Option<String>,
    #[schema(value_type = crate::schema::Required200)]
    pub inquirer_name: String,
    /// mother, wife, brother, …
    #[schema(value_type = crate::schema::Required200)]
    pub inquirer_relation: String,
    /// Restricted: shown to tracing officers only.
    #[schema(value_type = crate::schema::Required200)]
    pub inquirer_contact: String,
    /// The inquirer agreed that the description be matched against the registry.
    pub consent_to_matching: bool,
}

/// A candidate proposed for a request or a list row, with the evidence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// The contributions as one line of text (`family_name exact +8.6; ...; prior
    /// -13.3`), kept for clients that read it.
    pub explanation: String,
    /// Each feature's part in the score, the prior last.
    pub contributions: Vec<crate::imports::ContributionView>,
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
            contributions: crate::imports::ContributionView::of(l),
            state: l.state.as_str().to_string(),
            decided_by: l.decided_by.clone(),
            decided_at: l.decided_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerView {
    pub at: chrono::DateTime<Utc>,
    pub by: String,
    pub text: String,
}

/// A tracing request; the inquirer's contact only for roles that may read it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
    /// An answer prepared for the tracing officer to review and give (after an
    /// exchange brought the person home); not given to the family yet.
    pub prepared_answer: Option<AnswerView>,
    pub created_at: chrono::DateTime<Utc>,
    pub created_by: String,
    /// The candidates (links not rejected), best first; on a single request only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
            prepared_answer: r.prepared_answer.as_ref().map(|a| AnswerView {
                at: a.at,
                by: a.by.clone(),
                text: a.text.clone(),
            }),
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
        v.check(repatria_core::captive::required(value, 200).map_err(|e| e.within(field)))
            .unwrap_or_default()
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
        TracingRequestId(crate::routes::new_id()),
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
        .request_changed(&state.store, &actor, &request, now)
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
    #[param(value_type = Option<crate::schema::TracingStatusFilter>, inline)]
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

/// Tracing requests, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/tracing/requests", tag = "tracing",
    params(RequestListQuery, PageQuery),
    responses((status = 200, body = ListPage<TracingRequestView>), (status = 403, body = ErrorBody),
        (status = 422, description = "an unknown status, a bad `limit` or `cursor`", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<RequestListQuery>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<TracingRequestView>>> {
    user.require(Permission::ReadTracing)?;
    let status = parse_status(query.status.as_deref())?;
    let at: PageAt<At> = page.page()?;
    let page =
        repatria_app::tracing::page(&state.store, &user.actor(), status, &at, Utc::now()).await?;
    Ok(axum::Json(ListPage::of(page, |r| {
        TracingRequestView::new(&r, &user, &[])
    })))
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
    let (request, links) = repatria_app::tracing::read(&state.store, &user.actor(), id, Utc::now())
        .await
        .map_err(|e| request_not_found(e, &raw))?;
    Ok(axum::Json(TracingRequestView::new(&request, &user, &links)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// What the family was told.
    pub text: String,
}

impl Validate for AnswerRequest {
    /// The text, trimmed.
    type Valid = String;

    fn validate(self) -> Result<String, Vec<FieldError>> {
        if self.text.chars().count() > 4000 {
            return Err(vec![FieldError::new(
                "text",
                "must be at most 4000 characters",
            )]);
        }
        Ok(self.text.trim().to_string())
    }
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
    let text = body.validate()?;
    let now = Utc::now();
    let answer = TracingAnswer {
        at: now,
        by: user.username.clone(),
        text,
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
