//! The registry of captives: create, read, list and search, and the changes to a record.

pub mod dto;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use repatria_app::registry::{self, Reading};
use repatria_core::error::Validator;
use repatria_core::{CaptiveId, CustodyStatus, PartyCode, Permission};
use repatria_store::{CaptiveChange, CaptiveQuery, Order, Page, PageAt};
use serde::Deserialize;
use utoipa::IntoParams;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, Validate};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;
use dto::*;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Name words in any script; each must begin a word of one of the captive's names.
    /// Case and diacritics are ignored.
    #[param(value_type = Option<crate::schema::SearchWords>, inline)]
    pub q: Option<String>,
    /// `in_custody`, `in_hospital`, `escaped`, `released`, `repatriated` or `deceased`.
    #[param(value_type = Option<crate::schema::StatusFilter>, inline)]
    pub status: Option<String>,
    #[param(value_type = Option<crate::schema::PartyFilter>, inline)]
    pub power_of_origin: Option<String>,
    #[param(value_type = Option<crate::schema::PartyFilter>, inline)]
    pub detaining_power: Option<String>,
}

impl ListQuery {
    /// The filters and the page: a cursor is a captive's id, or in a name search (best
    /// first) a position `@N`.
    fn validate(self, page: PageQuery) -> Result<CaptiveQuery, Vec<repatria_core::FieldError>> {
        let mut v = Validator::new();
        let at: PageAt<String> = page.read(&mut v);
        let status = self
            .status
            .filter(|s| !s.is_empty())
            .and_then(|s| v.check(s.parse::<CustodyStatus>().map_err(|e| e.within("status"))));
        let mut party = |raw: Option<String>, field: &str| {
            raw.filter(|s| !s.is_empty())
                .and_then(|s| v.check(PartyCode::parse(&s).map_err(|e| e.within(field))))
        };
        let power_of_origin = party(self.power_of_origin, "power_of_origin");
        let detaining_power = party(self.detaining_power, "detaining_power");
        let name = self.q.filter(|q| !q.trim().is_empty());
        if name.as_ref().is_some_and(|q| q.chars().count() > 200) {
            v.push(repatria_core::FieldError::new(
                "q",
                "must be at most 200 characters",
            ));
        } else if let Some(q) = &name {
            if repatria_core::fold_for_search(q)
                .chars()
                .all(|c| !c.is_alphanumeric())
            {
                v.push(repatria_core::FieldError::new(
                    "q",
                    "contains no letters or digits to search for",
                ));
            }
            if q.chars().count() > 200 {
                v.push(repatria_core::FieldError::new(
                    "q",
                    "must be at most 200 characters",
                ));
            }
        }
        let cursor = at.after;
        if let Some(c) = &cursor {
            // `@N` positions page a name search only.
            let position = name.is_some()
                && c.strip_prefix('@')
                    .is_some_and(|n| n.parse::<usize>().is_ok());
            if c.parse::<CaptiveId>().is_err() && !position {
                v.push(repatria_core::FieldError::new(
                    "cursor",
                    "is not a position in this list: pass the `next` of the previous page",
                ));
            }
        }
        let limit = at.limit;
        let errors = v.into_errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CaptiveQuery {
            name,
            status,
            power_of_origin,
            detaining_power,
            cursor,
            limit,
        })
    }
}

/// Lists and searches captives, a page at a time (50 unless `limit` says otherwise), in
/// id order, or best first for a name search.
#[utoipa::path(get, path = "/api/captives", tag = "captives", params(ListQuery, PageQuery),
    responses((status = 200, body = ListPage<CaptiveListItem>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    Query(page): Query<PageQuery>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<ListPage<CaptiveListItem>>> {
    // A journalist sees only what media-access decisions released (Art. 13); the rest
    // of the registry is absent rather than forbidden, so that nothing about its
    // contents is disclosed.
    if user.role == repatria_core::Role::Journalist {
        let query = query.validate(page)?;
        let released =
            repatria_app::media::released_captives(&state.store, &user.actor(), Utc::now()).await?;
        let at = PageAt {
            after: query.cursor,
            limit: query.limit,
        };
        let page = Page::of(released, &at, Order::Ascending, |(captive, _)| {
            captive.id.to_string()
        });
        return Ok(axum::Json(ListPage::of(page, |(captive, release)| {
            CaptiveListItem::Released(ReleasedCaptive::new(&captive, &release))
        })));
    }
    user.require(repatria_core::Permission::ReadCaptives)?;
    let query = query.validate(page)?;
    let page = registry::list(
        &state.store,
        &state.matching,
        &user.actor(),
        &query,
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(ListPage::of(page, |found| {
        let mut summary = CaptiveSummary::from(&found.captive);
        summary.score = found.score;
        CaptiveListItem::Summary(summary)
    })))
}

/// Opens a captive's record. The capture report becomes the first custody event; the
/// first identity claim is the assessed identity unless `assessed_claim` says otherwise.
#[utoipa::path(post, path = "/api/captives", tag = "captives", request_body = NewCaptiveRequest,
    responses(
        (status = 201, body = CaptiveView),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 422, description = "invalid field", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewCaptiveRequest>,
) -> ApiResult<(StatusCode, axum::Json<CaptiveView>)> {
    user.require(repatria_core::Permission::CreateCaptives)?;
    let actor = user.actor();
    let now = Utc::now();
    let new = body.validate(&actor.user, now)?;
    let captive = registry::register(&state.store, &state.matching, &actor, new, now).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CaptiveView::new(
            &captive,
            state.store.notice_policy(),
            now,
            user.role,
        )),
    ))
}

/// One captive's whole record, with deadlines as of now.
#[utoipa::path(get, path = "/api/captives/{id}", tag = "captives",
    params(("id" = String, Path, description = "captive id")),
    responses((status = 200, body = CaptiveAnswer,
        description = "the record as the role may read it; for a journalist, what a media decision released"),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Auth(user): Auth,
) -> ApiResult<axum::Json<CaptiveAnswer>> {
    if user.role == repatria_core::Role::Journalist {
        return journalist_view(&state, &user, &id).await;
    }
    user.require(repatria_core::Permission::ReadCaptives)?;
    let id = captive_id(&id)?;
    let now = Utc::now();
    let captive = registry::read(&state.store, &user.actor(), id, Reading::Full, now)
        .await
        .map_err(|e| not_found(e, &id))?;
    Ok(axum::Json(CaptiveAnswer::Record(Box::new(
        CaptiveView::new(&captive, state.store.notice_policy(), now, user.role),
    ))))
}

/// A captive's record as released to a journalist, or 404 as for an unknown id.
async fn journalist_view(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    raw: &str,
) -> ApiResult<axum::Json<CaptiveAnswer>> {
    let id = captive_id(raw)?;
    let released = repatria_app::media::releases(&state.store, &user.username, Utc::now()).await?;
    let Some((_, release)) = released.iter().find(|(c, _)| *c == id) else {
        return Err(ApiError::not_found("captive", raw));
    };
    let captive = registry::read(
        &state.store,
        &user.actor(),
        id,
        Reading::Released,
        Utc::now(),
    )
    .await
    .map_err(|e| not_found(e, &id))?;
    Ok(axum::Json(CaptiveAnswer::Released(ReleasedCaptive::new(
        &captive, release,
    ))))
}

/// Recomputes the tracing candidates a new or renamed captive meets. The change itself
/// is stored already; a failure here is logged (without names) and the candidates are
/// recomputed at the next change of the captive or the request.
/// A journalist learns nothing of a captive that no media-access decision released, not
/// even that he exists (Art. 13): 404, as for an unknown id.
fn hide_from_journalists(user: &crate::auth::CurrentUser, id: &str) -> ApiResult<()> {
    if user.role == repatria_core::Role::Journalist {
        return Err(ApiError::not_found("captive", id));
    }
    Ok(())
}

fn not_found(error: repatria_store::StoreError, id: &CaptiveId) -> ApiError {
    ApiError::store("captive", &id.to_string(), error)
}

/// Every change to a captive's record, in one order: hidden from journalists (404),
/// then the role's permission (403), then the body's validation (422, by `make`, which is
/// given the acting user's name), then the store under its rules.
async fn apply(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    permission: Permission,
    id: &str,
    make: impl FnOnce(&str) -> ApiResult<CaptiveChange>,
) -> ApiResult<axum::Json<CaptiveView>> {
    hide_from_journalists(user, id)?;
    user.require(permission)?;
    let actor = user.actor();
    let change = make(&actor.user)?;
    let id = captive_id(id)?;
    let now = Utc::now();
    let captive = registry::change(&state.store, &state.matching, &actor, id, change, now)
        .await
        .map_err(|e| not_found(e, &id))?;
    Ok(axum::Json(CaptiveView::new(
        &captive,
        state.store.notice_policy(),
        now,
        user.role,
    )))
}

/// Declares the operations that change a captive's record, each as
/// `method "path" => handler(Body, Permission) |body, by| change`, documented by the doc
/// comment before it: the handler reads the body as JSON and [`apply`]s the change that
/// the expression makes of it (`by` is the acting user's name). Answers beyond 200, 404
/// and 422 follow in brackets after the permission: `[(status = 409, ...)]`.
macro_rules! changes {
    ($(
        $(#[doc = $doc:tt])*
        $method:ident $path:tt => $name:ident($body_type:ident, $permission:ident)
            $([$($more:tt)*])?
            |$body:ident, $by:pat_param| $make:expr;
    )*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path($method, path = $path, tag = "captives", request_body = $body_type,
            params(("id" = String, Path, description = "captive id")),
            responses((status = 200, body = CaptiveView), (status = 404, body = ErrorBody),
                (status = 422, body = ErrorBody) $(, $($more)*)?))]
        pub async fn $name(
            State(state): State<AppState>,
            Auth(user): Auth,
            Path(id): Path<String>,
            Json($body): Json<$body_type>,
        ) -> ApiResult<axum::Json<CaptiveView>> {
            apply(&state, &user, Permission::$permission, &id, |$by| Ok($make)).await
        }
    )*};
}

changes! {
    /// Adds an identity claim (a document found, the captive's own statement, another
    /// party's list, the family, an investigator's assessment).
    post "/api/captives/{id}/identity-claims" => add_identity_claim(IdentityClaimInput, EditIdentity)
        |body, by| CaptiveChange::AddIdentityClaim(Box::new(body.validate(by, Utc::now())?));

    /// Marks one of the captive's identity claims as the assessed identity.
    put "/api/captives/{id}/assessed-identity" => set_assessed_identity(AssessedIdentityRequest, EditIdentity)
        |body, _| CaptiveChange::SetAssessedIdentity(body.validate()?);

    /// Records the particulars of GC III Art. 122 and the capture card (Annex IV B):
    /// father's first name, mother's maiden name, the person to be informed, the
    /// addresses for correspondence and of the family, the prisoner number the detaining
    /// power gave him, and what he refused to give (Art. 17). They replace those recorded
    /// before; read back by the roles that may read them.
    put "/api/captives/{id}/particulars" => set_particulars(ParticularsInput, EditParticulars)
        [(status = 403, description = "the role may not record particulars", body = ErrorBody),
         (status = 409, description = "the prisoner number is another captive's of the same detaining power (`fields.prisoner_number`)", body = ErrorBody)]
        |body, by| CaptiveChange::SetParticulars(body.validate(by, Utc::now())?);

    /// Adds an event to the custody timeline; the status follows from the timeline.
    post "/api/captives/{id}/custody-events" => add_custody_event(CustodyEventInput, EditCustody)
        |body, by| CaptiveChange::AddCustodyEvent(body.validate(by)?);

    /// Records a health assessment (categories of the GC III Annex IV capture card).
    post "/api/captives/{id}/health" => record_health(HealthInput, RecordHealth)
        |body, by| CaptiveChange::RecordHealth(body.validate(by, Utc::now())?);

    /// Records an interview, in a language the captive understands (GC III Art. 17).
    post "/api/captives/{id}/interviews" => record_interview(InterviewInput, RecordInterview)
        |body, by| CaptiveChange::RecordInterview(body.validate(by)?);

    /// Records the captive's wish about repatriation (GC III Art. 109).
    put "/api/captives/{id}/repatriation-wish" => record_repatriation_wish(RepatriationWishInput, RecordWish)
        |body, by| CaptiveChange::RecordRepatriationWish(body.validate(by, Utc::now())?);

    /// Sets the languages the captive understands and whether he needs an interpreter.
    put "/api/captives/{id}/languages" => set_languages(LanguagesInput, EditLanguages)
        |body, _| {
            let (languages, interpreter_required) = body.validate()?;
            CaptiveChange::SetLanguages { languages, interpreter_required }
        };

    /// Records that a capture card was sent (GC III Art. 70): the card of `occasion`, or
    /// the oldest one not yet sent. A card cannot be marked sent before it exists.
    post "/api/captives/{id}/capture-card" => record_capture_card_sent(CaptureCardInput, EditCustody)
        |body, _| {
            let (occasion, sent_at) = body.validate()?;
            CaptiveChange::RecordCaptureCardSent { occasion, sent_at }
        };

    /// Records his death (GC III Art. 120): the status becomes `deceased` and a death
    /// notification is created; `enquiry_required` opens the official enquiry of
    /// Art. 121, listed on the dashboard until it is closed.
    post "/api/captives/{id}/death" => record_death(DeathInput, RecordDeath)
        |body, _| CaptiveChange::RecordDeath(
            Box::new(body.validate()?),
            repatria_core::EventId(uuid::Uuid::now_v7()),
        );

    /// Closes the official enquiry into his death with its findings (GC III Art. 121).
    post "/api/captives/{id}/death/enquiry/close" => close_death_enquiry(EnquiryClosure, RecordDeath)
        |body, _| CaptiveChange::CloseDeathEnquiry { findings: body.findings };

    /// Records the judicial proceedings the captive is held for (GC III Art. 115), or
    /// with `"reference": null` that they ended. Such a captive is not exchanged unless
    /// seriously wounded or sick.
    put "/api/captives/{id}/proceedings" => set_proceedings(ProceedingsInput, EditCustody)
        |body, by| CaptiveChange::SetProceedings(body.validate(by, Utc::now())?);
}
