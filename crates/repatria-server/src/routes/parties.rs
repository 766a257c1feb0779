//! Parties to the conflict.

use axum::extract::State;
use axum::http::StatusCode;
use repatria_core::Party;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::AppState;

/// All parties, by code.
#[utoipa::path(get, path = "/api/parties", tag = "parties",
    responses((status = 200, body = Vec<PartyView>)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<Vec<PartyView>>> {
    user.require(repatria_core::Permission::ReadParties)?;
    let parties = state.store.list_parties().await?;
    Ok(axum::Json(parties.iter().map(PartyView::from).collect()))
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
    pub code: String,
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
}

impl From<&Party> for PartyView {
    fn from(p: &Party) -> Self {
        PartyView {
            code: p.code.to_string(),
            name: p.name.clone(),
        }
    }
}
