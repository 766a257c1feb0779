//! The match review queue: links the matching engine proposed (for tracing requests and
//! imported list rows), and a person's decision on each (confirm, reject, undo).

use axum::extract::{Path, State};
use chrono::Utc;
use repatria_core::error::Validator;
use repatria_core::{Decision, FieldError, ImportId, LinkId, LinkState, Permission};
use repatria_store::{LinkFilter, PageAt, Score};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, Validate};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

use super::imports::{LinkStateOrEmpty, UuidOrEmpty};
use super::tracing::LinkView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// `linked`, `review` (the review queue), `confirmed` or `rejected`.
    #[param(value_type = Option<LinkStateOrEmpty>, inline)]
    pub state: Option<String>,
    /// Links of the rows of one imported list.
    #[param(value_type = Option<UuidOrEmpty>, inline)]
    pub import: Option<String>,
}

/// The review queue and other links found by matching, best score first (by id among
/// equal scores), a page at a time.
#[utoipa::path(get, path = "/api/matches", tag = "tracing", params(LinkQuery, PageQuery),
    responses((status = 200, body = ListPage<LinkView>),
        (status = 400, description = "a query parameter given twice", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn links(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<LinkQuery>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<LinkView>>> {
    user.require(Permission::ReviewMatches)?;
    let mut v = Validator::new();
    let link_state = match query
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => v.check(LinkState::parse(raw).map_err(|e| e.within("state"))),
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
    let at: PageAt<Score> = page.read(&mut v);
    v.finish()?;
    let filter = LinkFilter {
        state: link_state,
        import,
        ..Default::default()
    };
    let page = state.store.match_link_page(&filter, &at).await?;
    Ok(axum::Json(ListPage::of(page, |link| LinkView::from(&link))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `confirm`, `reject` or `undo`.
    #[schema(value_type = crate::schema::LinkDecision)]
    pub decision: String,
}

impl Validate for DecisionRequest {
    type Valid = Decision;

    fn validate(self) -> Result<Decision, Vec<FieldError>> {
        Decision::parse(&self.decision).map_err(|e| vec![FieldError::new("decision", e.reason)])
    }
}

/// A person's decision on a link: confirm, reject (never proposed again) or undo.
#[utoipa::path(post, path = "/api/matches/{id}/decision", tag = "tracing",
    request_body = DecisionRequest,
    params(("id" = String, Path, format = Uuid, description = "link id")),
    responses((status = 200, body = LinkView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the link's state does not allow the decision (a confirmed link cannot be confirmed, an undecided one undone), or another candidate is confirmed already", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<DecisionRequest>,
) -> ApiResult<axum::Json<LinkView>> {
    user.require(Permission::ReviewMatches)?;
    let decision = body.validate()?;
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
