//! Media access (GC III Art. 13): requests, decisions with conditions, visits.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use repatria_core::error::Validator;
use repatria_core::{
    CaptiveId, FieldError, MediaDecision, MediaRequest, MediaRequestId, MediaVisit, Permission,
    Role,
};
use repatria_store::{At, MediaChange, PageAt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::routes::new_id;
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMediaRequest {
    #[schema(value_type = crate::schema::Required200)]
    pub outlet: String,
    /// The journalist's account name.
    #[schema(value_type = crate::schema::Username)]
    pub journalist: String,
    #[schema(value_type = crate::schema::Required2000)]
    pub purpose: String,
    /// Ids of the captives the journalist asks to see.
    #[schema(value_type = Vec<String>, format = Uuid, min_items = 1)]
    pub captives: Vec<String>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub wanted_from: String,
    #[schema(format = Date)]
    pub wanted_until: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub approved: bool,
    #[serde(default)]
    pub faces_blurred: bool,
    #[serde(default)]
    pub names_withheld: bool,
    /// Ids of the captives whose own consent was recorded; only they are released.
    #[serde(default)]
    #[schema(value_type = Vec<String>, format = Uuid)]
    pub consent_recorded: Vec<String>,
    /// `YYYY-MM-DD`; the window in which the decision releases anything.
    #[schema(format = Date)]
    pub valid_from: String,
    #[schema(format = Date)]
    pub valid_until: String,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    #[schema(format = Uuid)]
    pub captive: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub approved: bool,
    pub faces_blurred: bool,
    pub names_withheld: bool,
    pub consent_recorded: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    pub note: Option<String>,
    pub decided_by: String,
    pub decided_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisitView {
    pub captive: String,
    pub at: chrono::DateTime<Utc>,
    pub note: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MediaRequestView {
    pub id: String,
    pub outlet: String,
    pub journalist: String,
    pub purpose: String,
    pub captives: Vec<String>,
    pub wanted_from: String,
    pub wanted_until: String,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<Utc>,
    pub decision: Option<DecisionView>,
    pub visits: Vec<VisitView>,
}

impl From<&MediaRequest> for MediaRequestView {
    fn from(r: &MediaRequest) -> Self {
        MediaRequestView {
            id: r.id.0.to_string(),
            outlet: r.outlet.clone(),
            journalist: r.journalist.clone(),
            purpose: r.purpose.clone(),
            captives: r.captives.iter().map(ToString::to_string).collect(),
            wanted_from: r.wanted_from.to_string(),
            wanted_until: r.wanted_until.to_string(),
            requested_by: r.requested_by.clone(),
            requested_at: r.requested_at,
            decision: r.decision.as_ref().map(|d| DecisionView {
                approved: d.approved,
                faces_blurred: d.faces_blurred,
                names_withheld: d.names_withheld,
                consent_recorded: d.consent_recorded.iter().map(ToString::to_string).collect(),
                valid_from: d.valid_from.to_string(),
                valid_until: d.valid_until.to_string(),
                note: d.note.clone(),
                decided_by: d.decided_by.clone(),
                decided_at: d.decided_at,
            }),
            visits: r
                .visits
                .iter()
                .map(|v| VisitView {
                    captive: v.captive.to_string(),
                    at: v.at,
                    note: v.note.clone(),
                    recorded_by: v.recorded_by.clone(),
                })
                .collect(),
        }
    }
}

/// A media-access request as its journalist sees it (Art. 13), built from an allow-list:
/// the request, the decision's verdict and conditions, the captives it released (only
/// those whose own consent was recorded) and when he visited them. Never the captives
/// who did not consent, the consent list, the bureau's notes or who decided.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasedMediaRequestView {
    pub id: String,
    pub outlet: String,
    pub journalist: String,
    pub purpose: String,
    pub wanted_from: String,
    pub wanted_until: String,
    pub requested_at: chrono::DateTime<Utc>,
    /// Absent until decided.
    pub decision: Option<ReleasedDecisionView>,
    /// The captives the approval released; empty before an approval.
    pub captives: Vec<String>,
    /// Visits to released captives, without the bureau's notes.
    pub visits: Vec<ReleasedVisitView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasedDecisionView {
    pub approved: bool,
    pub faces_blurred: bool,
    pub names_withheld: bool,
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasedVisitView {
    pub captive: String,
    pub at: chrono::DateTime<Utc>,
}

impl ReleasedMediaRequestView {
    pub fn new(r: &MediaRequest) -> Self {
        let released: Vec<CaptiveId> = match &r.decision {
            Some(d) if d.approved => r
                .captives
                .iter()
                .filter(|c| d.consent_recorded.contains(c))
                .copied()
                .collect(),
            _ => Vec::new(),
        };
        ReleasedMediaRequestView {
            id: r.id.0.to_string(),
            outlet: r.outlet.clone(),
            journalist: r.journalist.clone(),
            purpose: r.purpose.clone(),
            wanted_from: r.wanted_from.to_string(),
            wanted_until: r.wanted_until.to_string(),
            requested_at: r.requested_at,
            decision: r.decision.as_ref().map(|d| ReleasedDecisionView {
                approved: d.approved,
                faces_blurred: d.faces_blurred,
                names_withheld: d.names_withheld,
                valid_from: d.valid_from.to_string(),
                valid_until: d.valid_until.to_string(),
            }),
            captives: released.iter().map(ToString::to_string).collect(),
            visits: r
                .visits
                .iter()
                .filter(|v| released.contains(&v.captive))
                .map(|v| ReleasedVisitView {
                    captive: v.captive.to_string(),
                    at: v.at,
                })
                .collect(),
        }
    }
}

impl MediaRequestAnswer {
    pub fn id(&self) -> &str {
        match self {
            MediaRequestAnswer::Whole(r) => &r.id,
            MediaRequestAnswer::Released(r) => &r.id,
        }
    }

    /// The captives the request names.
    pub fn captives(&self) -> &[String] {
        match self {
            MediaRequestAnswer::Whole(r) => &r.captives,
            MediaRequestAnswer::Released(r) => &r.captives,
        }
    }
}

/// A media-access request: whole for media officers, as released for its journalist.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MediaRequestAnswer {
    Whole(MediaRequestView),
    Released(ReleasedMediaRequestView),
}

fn date(input: &str, field: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("expected a date YYYY-MM-DD, got {input:?}")))
}

fn captive_ids(v: &mut Validator, ids: &[String], field: &str) -> Vec<CaptiveId> {
    ids.iter()
        .enumerate()
        .filter_map(|(i, id)| {
            v.check(
                id.trim()
                    .parse::<CaptiveId>()
                    .map_err(|_| FieldError::new(format!("{field}[{i}]"), "is not a captive id")),
            )
        })
        .collect()
}

fn text(v: &mut Validator, input: &str, field: &str, max: usize) -> Option<String> {
    v.check(repatria_core::captive::required(input, max).map_err(|e| e.within(field)))
}

/// Records a media-access request for a journalist's account.
#[utoipa::path(post, path = "/api/media/requests", tag = "media", request_body = NewMediaRequest,
    responses((status = 201, body = MediaRequestView), (status = 403, body = ErrorBody),
        (status = 404, description = "no journalist account has the name in `journalist`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewMediaRequest>,
) -> ApiResult<(StatusCode, axum::Json<MediaRequestView>)> {
    user.require(Permission::ManageMedia)?;
    let mut v = Validator::new();
    let outlet = text(&mut v, &body.outlet, "outlet", 200);
    let purpose = text(&mut v, &body.purpose, "purpose", 2000);
    let captives = captive_ids(&mut v, &body.captives, "captives");
    let wanted_from = v.check(date(&body.wanted_from, "wanted_from"));
    let wanted_until = v.check(date(&body.wanted_until, "wanted_until"));
    let journalist = body.journalist.trim().to_string();
    v.finish()?;
    match state.store.get_user(&journalist).await? {
        Some(account) if account.role == Role::Journalist => {}
        _ => {
            return Err(ApiError::unknown(
                "journalist",
                "no journalist account has this name",
            ))
        }
    }
    let now = Utc::now();
    let request = MediaRequest {
        id: MediaRequestId(new_id()),
        outlet: outlet.expect("checked"),
        journalist,
        purpose: purpose.expect("checked"),
        captives,
        wanted_from: wanted_from.expect("checked"),
        wanted_until: wanted_until.expect("checked"),
        requested_by: user.username.clone(),
        requested_at: now,
        decision: None,
        visits: Vec::new(),
    };
    state
        .store
        .create_media_request(&user.actor(), request.clone(), now)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MediaRequestView::from(&request)),
    ))
}

/// Media-access requests, oldest first, a page at a time: all of them for media
/// officers, his own for a journalist (as released to him). The listing is a read of
/// personal data and is audited.
#[utoipa::path(get, path = "/api/media/requests", tag = "media", params(PageQuery),
    responses((status = 200, body = ListPage<MediaRequestAnswer>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<MediaRequestAnswer>>> {
    let journalist = user.role == Role::Journalist;
    if !journalist {
        user.require(Permission::ManageMedia)?;
    }
    let at: PageAt<At> = page.page()?;
    let own = journalist.then_some(user.username.as_str());
    let page =
        repatria_app::media::requests(&state.store, &user.actor(), own, &at, Utc::now()).await?;
    Ok(axum::Json(ListPage::of(page, |r| {
        if journalist {
            MediaRequestAnswer::Released(ReleasedMediaRequestView::new(&r))
        } else {
            MediaRequestAnswer::Whole(MediaRequestView::from(&r))
        }
    })))
}

fn request_id(raw: &str) -> ApiResult<MediaRequestId> {
    raw.parse::<uuid::Uuid>()
        .map(MediaRequestId)
        .map_err(|_| ApiError::not_found("media request", raw))
}

async fn change(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: &str,
    change: MediaChange,
) -> ApiResult<axum::Json<MediaRequestView>> {
    let id = request_id(id)?;
    let request = state
        .store
        .change_media_request(&user.actor(), id, change, Utc::now())
        .await
        .map_err(|e| ApiError::store("media request", &id.0.to_string(), e))?;
    Ok(axum::Json(MediaRequestView::from(&request)))
}

/// Approves or denies a request, with its conditions.
#[utoipa::path(post, path = "/api/media/requests/{id}/decision", tag = "media", request_body = DecisionInput,
    params(("id" = String, Path, description = "media request id")),
    responses((status = 200, body = MediaRequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(id): Path<String>,
    Json(body): Json<DecisionInput>,
) -> ApiResult<axum::Json<MediaRequestView>> {
    user.require(Permission::ManageMedia)?;
    let mut v = Validator::new();
    let consent_recorded = captive_ids(&mut v, &body.consent_recorded, "consent_recorded");
    let valid_from = v.check(date(&body.valid_from, "valid_from"));
    let valid_until = v.check(date(&body.valid_until, "valid_until"));
    let note = v
        .check(
            repatria_core::captive::text(body.note.as_deref(), 2000).map_err(|e| e.within("note")),
        )
        .flatten();
    v.finish()?;
    let decision = MediaDecision {
        approved: body.approved,
        faces_blurred: body.faces_blurred,
        names_withheld: body.names_withheld,
        consent_recorded,
        valid_from: valid_from.expect("checked"),
        valid_until: valid_until.expect("checked"),
        note,
        decided_by: user.username.clone(),
        decided_at: Utc::now(),
    };
    change(&state, &user, &id, MediaChange::Decide(decision)).await
}

/// Logs a visit made under an approved decision.
#[utoipa::path(post, path = "/api/media/requests/{id}/visits", tag = "media", request_body = VisitInput,
    params(("id" = String, Path, description = "media request id")),
    responses((status = 200, body = MediaRequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(id): Path<String>,
    Json(body): Json<VisitInput>,
) -> ApiResult<axum::Json<MediaRequestView>> {
    user.require(Permission::ManageMedia)?;
    let mut v = Validator::new();
    let captive = v.check(
        body.captive
            .trim()
            .parse::<CaptiveId>()
            .map_err(|_| FieldError::new("captive", "is not a captive id")),
    );
    let at = v.check(
        chrono::DateTime::parse_from_rfc3339(body.at.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| FieldError::new("at", "expected an RFC 3339 time")),
    );
    let note = v
        .check(
            repatria_core::captive::text(body.note.as_deref(), 2000).map_err(|e| e.within("note")),
        )
        .flatten();
    v.finish()?;
    let visit = MediaVisit {
        captive: captive.expect("checked"),
        at: at.expect("checked"),
        note,
        recorded_by: user.username.clone(),
    };
    change(&state, &user, &id, MediaChange::RecordVisit(visit)).await
}
