//! Parties to the conflict.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use repatria_core::Party;
use repatria_store::{Order, Page, PageAt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

/// The parties by code, a page at a time (the position: a code).
#[utoipa::path(get, path = "/api/parties", tag = "parties", params(PageQuery),
    responses((status = 200, body = ListPage<PartyView>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<PartyView>>> {
    user.require(repatria_core::Permission::ReadParties)?;
    let at: PageAt<String> = page.page()?;
    // The parties to a conflict are few: paged here, by code.
    let parties = state.store.list_parties().await?;
    let page = Page::of(parties, &at, Order::Ascending, |p| p.code.to_string());
    Ok(axum::Json(ListPage::of(page, |p| PartyView::from(&p))))
}

/// Adds a party.
#[utoipa::path(post, path = "/api/parties", tag = "parties", request_body = NewPartyRequest,
    responses(
        (status = 201, body = PartyView),
        (status = 409, description = "the code is taken", body = ErrorBody),
        (status = 422, description = "invalid field", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewPartyRequest>,
) -> ApiResult<(StatusCode, axum::Json<PartyView>)> {
    user.require(repatria_core::Permission::ManageParties)?;
    let actor = user.actor();
    let party = body.validate()?;
    let party = state
        .store
        .create_party(&actor, party, chrono::Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(PartyView::from(&party))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartyRequest {
    /// 2 to 16 characters A-Z, 0-9 or `-`, such as `UA`.
    #[schema(value_type = crate::schema::PartyCode)]
    pub code: String,
    #[schema(value_type = crate::schema::Required200)]
    pub name: String,
}

impl NewPartyRequest {
    pub fn validate(self) -> Result<Party, repatria_core::DomainError> {
        Party::new(&self.code, &self.name)
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartyView {
    pub code: String,
    pub name: String,
    /// Why prisoners may not be transferred to this party (GC III Art. 12); absent when
    /// they may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_barred: Option<String>,
}

impl From<&Party> for PartyView {
    fn from(p: &Party) -> Self {
        PartyView {
            code: p.code.to_string(),
            name: p.name.clone(),
            transfer_barred: p.transfer_barred.clone(),
        }
    }
}

/// Why a party goes on the Art. 12 list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBarRequest {
    /// Such as "not a party to the Convention" (1 to 500 characters).
    #[schema(value_type = crate::schema::Required500)]
    pub reason: String,
}

async fn set_bar(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    raw: &str,
    reason: Option<String>,
) -> ApiResult<axum::Json<PartyView>> {
    user.require(repatria_core::Permission::ManageParties)?;
    let code = repatria_core::PartyCode::parse(raw)
        .map_err(|_| crate::ApiError::not_found("party", raw))?;
    state
        .store
        .set_transfer_bar(&user.actor(), &code, reason, chrono::Utc::now())
        .await
        .map_err(|e| crate::ApiError::store("party", raw, e))?;
    let parties = state.store.list_parties().await?;
    let party = parties
        .iter()
        .find(|p| p.code == code)
        .ok_or_else(|| crate::ApiError::not_found("party", raw))?;
    Ok(axum::Json(PartyView::from(party)))
}

/// Puts a party on the GC III Art. 12 list: prisoners may not be transferred to it.
/// Proposals that transfer anyone to it break the rule; the planner moves nobody to it.
#[utoipa::path(put, path = "/api/parties/{code}/transfer-bar", tag = "parties",
    request_body = TransferBarRequest,
    params(("code" = String, Path, description = "party code")),
    responses(
        (status = 200, body = PartyView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "no reason given", body = ErrorBody),
    ))]
pub async fn set_transfer_bar(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<TransferBarRequest>,
) -> ApiResult<axum::Json<PartyView>> {
    user.require(repatria_core::Permission::ManageParties)?;
    let reason = repatria_core::parse_transfer_bar(&body.reason)
        .map_err(|e| crate::ApiError::Invalid(vec![e]))?;
    set_bar(&state, &user, &raw, Some(reason)).await
}

/// Takes a party off the Art. 12 list.
#[utoipa::path(delete, path = "/api/parties/{code}/transfer-bar", tag = "parties",
    params(("code" = String, Path, description = "party code")),
    responses((status = 200, body = PartyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clear_transfer_bar(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<PartyView>> {
    set_bar(&state, &user, &raw, None).await
}
