//! Notifications to the powers of origin (GC III Arts. 70, 120, 122–123) and their
//! dispatches.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use repatria_app::notifications::{self as app, DispatchFile};
use repatria_core::error::Validator;
use repatria_core::{
    CaptiveId, DispatchId, FieldError, NotificationId, NotificationKind, NotificationState,
    PartyCode, Permission,
};
use repatria_store::{At, Dispatch, Notification, NotificationFilter, PageAt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

/// One notification to a power of origin.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    pub captive: Uuid,
    pub power_of_origin: String,
    pub kind: NotificationKind,
    /// The article that asks for it.
    pub article: String,
    /// The custody event it reports (a capture card's occasion).
    pub event_id: Option<Uuid>,
    /// When what it reports happened.
    pub event_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// When the Convention expects it to have left.
    pub due_at: DateTime<Utc>,
    pub state: NotificationState,
    /// Pending and past its due time.
    pub overdue: bool,
    /// The dispatch that sent it.
    pub dispatch: Option<Uuid>,
    /// For a correction: the notification it corrects.
    pub corrects: Option<Uuid>,
    /// For a correction: what it corrects.
    pub note: Option<String>,
    pub created_by: String,
}

impl NotificationView {
    fn new(n: &Notification, now: DateTime<Utc>) -> NotificationView {
        NotificationView {
            id: n.id.as_uuid(),
            captive: n.captive.as_uuid(),
            power_of_origin: n.power_of_origin.clone(),
            kind: n.kind,
            article: n.kind.article().to_string(),
            event_id: n.event.map(|e| e.as_uuid()),
            event_at: n.event_at,
            created_at: n.created_at,
            due_at: n.due_at,
            state: n.state,
            overdue: n.state == NotificationState::Pending && n.due_at < now,
            dispatch: n.dispatch.map(|d| d.as_uuid()),
            corrects: n.corrects.map(|c| c.as_uuid()),
            note: n.note.clone(),
            created_by: n.created_by.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `pending` or `dispatched`; the ICRC's delegate sees dispatched ones only.
    #[param(inline)]
    pub state: Option<NotificationState>,
    /// Only pending ones past their due time.
    pub overdue: Option<bool>,
    /// A party code; empty is no filter.
    #[param(value_type = Option<crate::schema::PartyFilter>, inline)]
    pub power_of_origin: Option<String>,
    #[param(inline)]
    pub kind: Option<NotificationKind>,
    /// Only this captive's.
    pub captive: Option<Uuid>,
    /// Only those this dispatch sent.
    pub dispatch: Option<Uuid>,
}

/// Lists notifications to the powers of origin, oldest first. Without the right to
/// dispatch (the ICRC's delegate), only dispatched ones.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications",
    params(NotificationQuery, PageQuery),
    responses((status = 200, body = ListPage<NotificationView>),
        (status = 400, description = "a word outside the listed ones", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<NotificationQuery>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<NotificationView>>> {
    user.require(Permission::ReadNotifications)?;
    let mut v = Validator::new();
    let power_of_origin = query
        .power_of_origin
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(|p| v.check(PartyCode::parse(p).map_err(|e| e.within("power_of_origin"))))
        .map(|p| p.to_string());
    let at: PageAt<Uuid> = page.read(&mut v);
    v.finish()?;
    let now = Utc::now();
    let page = app::list(
        &state.store,
        &user.actor(),
        user.role.can(Permission::DispatchNotifications),
        NotificationFilter {
            state: query.state,
            power_of_origin,
            kind: query.kind,
            captive: query.captive.map(CaptiveId),
            dispatch: query.dispatch.map(DispatchId),
            overdue_at: query.overdue.unwrap_or(false).then_some(now),
            after: at.after.map(|c| c.to_string()),
            limit: at.limit,
        },
        now,
    )
    .await?;
    Ok(axum::Json(ListPage::of(page, |n| {
        NotificationView::new(&n, now)
    })))
}

fn notification_id(raw: &str) -> ApiResult<NotificationId> {
    raw.parse()
        .map_err(|_| ApiError::not_found("notification", raw))
}

fn dispatch_id(raw: &str) -> ApiResult<DispatchId> {
    raw.parse()
        .map_err(|_| ApiError::not_found("dispatch", raw))
}

/// One notification.
#[utoipa::path(get, path = "/api/notifications/{id}", tag = "notifications",
    params(("id" = String, Path, description = "notification id")),
    responses((status = 200, body = NotificationView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<NotificationView>> {
    user.require(Permission::ReadNotifications)?;
    let id = notification_id(&raw)?;
    let now = Utc::now();
    let n = app::read(
        &state.store,
        &user.actor(),
        user.role.can(Permission::DispatchNotifications),
        id,
        now,
    )
    .await
    .map_err(|e| ApiError::store("notification", &raw, e))?;
    Ok(axum::Json(NotificationView::new(&n, now)))
}

/// A correction of a notification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// What is corrected, in words the receiving bureau can act on.
    #[schema(value_type = crate::schema::Required2000)]
    pub note: String,
}

/// Corrects a notification: a new pending notification of kind `correction` naming the
/// one it corrects. Notifications are never edited.
#[utoipa::path(post, path = "/api/notifications/{id}/corrections", tag = "notifications",
    request_body = CorrectionRequest,
    params(("id" = String, Path, description = "the notification corrected")),
    responses((status = 201, body = NotificationView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<CorrectionRequest>,
) -> ApiResult<(StatusCode, axum::Json<NotificationView>)> {
    user.require(Permission::DispatchNotifications)?;
    let id = notification_id(&raw)?;
    let now = Utc::now();
    let n = app::correct(&state.store, &user.actor(), id, &body.note, now)
        .await
        .map_err(|e| ApiError::store("notification", &raw, e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NotificationView::new(&n, now)),
    ))
}

/// A dispatch of notifications to a power of origin.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DispatchView {
    pub id: Uuid,
    pub power_of_origin: String,
    /// The channel: the protecting power, the ICRC's Central Tracing Agency, ….
    pub via: String,
    pub count: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The documents of the dispatch, fetched at
    /// `/api/notifications/dispatches/{id}/{file}`.
    pub files: Vec<DispatchFile>,
}

impl DispatchView {
    fn new(d: &Dispatch) -> DispatchView {
        DispatchView {
            id: d.id.as_uuid(),
            power_of_origin: d.power_of_origin.clone(),
            via: d.via.clone(),
            count: d.count,
            created_at: d.created_at,
            created_by: d.created_by.clone(),
            files: DispatchFile::ALL.to_vec(),
        }
    }
}

/// What to dispatch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchRequest {
    /// The power of origin whose pending notifications are sent.
    #[schema(value_type = crate::schema::PartyCode)]
    pub power_of_origin: String,
    /// The channel, e.g. "ICRC Central Tracing Agency" (the default).
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub via: Option<String>,
}

/// Sends every pending notification for a power of origin in one dispatch; they become
/// `dispatched`, and the capture cards among them are recorded as sent. A dispatch is
/// recorded with who made it and when, and never edited.
#[utoipa::path(post, path = "/api/notifications/dispatches", tag = "notifications",
    request_body = DispatchRequest,
    responses((status = 201, body = DispatchView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "nothing is pending for that power", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<DispatchRequest>,
) -> ApiResult<(StatusCode, axum::Json<DispatchView>)> {
    user.require(Permission::DispatchNotifications)?;
    let mut v = Validator::new();
    let power =
        v.check(PartyCode::parse(&body.power_of_origin).map_err(|e| e.within("power_of_origin")));
    let via = match repatria_core::captive::text(body.via.as_deref(), app::MAX_VIA) {
        Ok(via) => via.unwrap_or_else(|| "ICRC Central Tracing Agency".to_string()),
        Err(e) => {
            v.push(FieldError::new("via", e.reason));
            String::new()
        }
    };
    v.finish()?;
    let power = power.expect("checked");
    let dispatch = app::dispatch(&state.store, &user.actor(), &power, &via, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DispatchView::new(&dispatch)),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispatchQuery {
    /// A party code; empty is no filter.
    #[param(value_type = Option<crate::schema::PartyFilter>, inline)]
    pub power_of_origin: Option<String>,
}

/// Dispatches, newest first, a page at a time.
#[utoipa::path(get, path = "/api/notifications/dispatches", tag = "notifications",
    params(DispatchQuery, PageQuery),
    responses((status = 200, body = ListPage<DispatchView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn dispatches(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<DispatchQuery>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<DispatchView>>> {
    user.require(Permission::ReadNotifications)?;
    let mut v = Validator::new();
    let power = query
        .power_of_origin
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(|p| v.check(PartyCode::parse(p).map_err(|e| e.within("power_of_origin"))));
    let at: PageAt<At> = page.read(&mut v);
    v.finish()?;
    let page = state
        .store
        .dispatch_page(power.as_ref().map(PartyCode::as_str), &at)
        .await?;
    Ok(axum::Json(ListPage::of(page, |d| DispatchView::new(&d))))
}

/// One dispatch.
#[utoipa::path(get, path = "/api/notifications/dispatches/{id}", tag = "notifications",
    params(("id" = String, Path, description = "dispatch id")),
    responses((status = 200, body = DispatchView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_dispatch(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<DispatchView>> {
    user.require(Permission::ReadNotifications)?;
    let id = dispatch_id(&raw)?;
    let dispatch = state
        .store
        .dispatch(id)
        .await
        .map_err(|e| ApiError::store("dispatch", &raw, e))?;
    Ok(axum::Json(DispatchView::new(&dispatch)))
}

/// A document of a dispatch: the list as CSV or JSON (one row per notification, with the
/// particulars of Art. 122 the reader may see) or the PDF cover list to sign. A read of
/// personal data, audited.
#[utoipa::path(get, path = "/api/notifications/dispatches/{id}/{file}", tag = "notifications",
    params(("id" = String, Path, description = "dispatch id"),
        ("file" = DispatchFile, Path, description = "which document")),
    responses((status = 200, description = "the document",
            content((String = "text/csv"), (Vec<serde_json::Value> = "application/json"),
                (Vec<u8> = "application/pdf"))),
        (status = 400, description = "no such document", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path((raw, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    user.require(Permission::ReadNotifications)?;
    let id = dispatch_id(&raw)?;
    let file: DispatchFile = file
        .parse()
        .map_err(|e: FieldError| ApiError::BadRequest(format!("file: {}", e.reason)))?;
    let bytes = app::file(
        &state.store,
        &user.actor(),
        user.role.can(Permission::ReadParticulars),
        id,
        file,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        app::DispatchFileError::Store(e) => ApiError::store("dispatch", &raw, e),
        app::DispatchFileError::Document(e) => crate::documents::failed(e),
    })?;
    Ok(crate::documents::download(
        file.content_type(),
        &format!("dispatch-{id}-{}", file.as_str()),
        bytes,
    ))
}
