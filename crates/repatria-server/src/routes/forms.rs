//! The Convention's forms, filled from the record: the capture card (GC III Art. 70,
//! Annex IV B) as a PDF, as a print page and in batches, and the death certificate
//! (Art. 120, Annex IV D). For the roles that read the full record; a journalist learns
//! nothing of a captive (404).

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use repatria_app::forms::{self as app, FormError};
use repatria_core::{CaptiveId, EventId, HealthCategory, Permission};
use repatria_documents::{labels, CaptureCard, CardLabels, Entry};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Auth;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::AppState;

/// The roles that read the full record, after hiding every captive from a journalist.
fn may_print(user: &CurrentUser, id: &str) -> ApiResult<()> {
    if user.role == repatria_core::Role::Journalist {
        return Err(ApiError::not_found("captive", id));
    }
    user.require(Permission::ReadCaptives)?;
    user.require(Permission::ReadParticulars)
}

fn captive_id(raw: &str) -> ApiResult<CaptiveId> {
    raw.parse().map_err(|_| ApiError::not_found("captive", raw))
}

fn failed(id: &str) -> impl Fn(FormError) -> ApiError + '_ {
    move |e| match e {
        FormError::Store(e) => ApiError::store("captive", id, e),
        FormError::Document(e) => ApiError::Internal(format!("the form could not be written: {e}")),
    }
}

fn pdf(file_name: &str, bytes: Vec<u8>) -> Response {
    crate::documents::download("application/pdf", file_name, bytes)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    /// The card's occasion: the custody event it is for (`capture_cards[].event_id` of the
    /// record). Without it, the newest card: his present address.
    pub occasion: Option<Uuid>,
}

/// The capture card (Annex IV B) as a PDF: both sides at the card's size, 15 × 10.5 cm,
/// in the detaining power's language and one he understands, names in their own script,
/// refused fields marked. Audited.
#[utoipa::path(get, path = "/api/captives/{id}/capture-card.pdf", tag = "captives",
    params(("id" = String, Path, description = "captive id"), CardQuery),
    responses((status = 200, description = "the card", content((Vec<u8> = "application/pdf"))),
        (status = 400, description = "an occasion that is no id", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no card is due for that occasion (`rule_violated`, `fields.occasion`)", body = ErrorBody)))]
pub async fn capture_card_pdf(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<CardQuery>,
) -> ApiResult<Response> {
    may_print(&user, &raw)?;
    let id = captive_id(&raw)?;
    let bytes = app::capture_card_pdf(
        &state.store,
        &user.actor(),
        id,
        query.occasion.map(EventId),
        Utc::now(),
    )
    .await
    .map_err(failed(&raw))?;
    Ok(pdf(&format!("capture-card-{id}.pdf"), bytes))
}

/// Captives whose capture cards to print.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardBatch {
    /// Captive ids, in the order the cards are printed.
    #[schema(min_items = 1, max_items = 20000)]
    pub captives: Vec<Uuid>,
}

/// The newest capture card of each captive, in the order given, in one PDF. Audited.
#[utoipa::path(post, path = "/api/capture-cards", tag = "captives", request_body = CardBatch,
    responses((status = 200, description = "the cards, two pages each", content((Vec<u8> = "application/pdf"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 404, description = "ids that are no captive's, each named (`captives[i]`)", body = ErrorBody),
        (status = 422, description = "no captive, or too many", body = ErrorBody)))]
pub async fn capture_cards(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<CardBatch>,
) -> ApiResult<Response> {
    if user.role == repatria_core::Role::Journalist {
        return Err(ApiError::Forbidden(
            "capture cards are printed by the bureau's staff".into(),
        ));
    }
    user.require(Permission::ReadCaptives)?;
    user.require(Permission::ReadParticulars)?;
    let ids: Vec<CaptiveId> = body.captives.into_iter().map(CaptiveId).collect();
    let bytes = app::capture_cards_pdf(&state.store, &user.actor(), &ids, Utc::now())
        .await
        .map_err(failed("batch"))?;
    Ok(pdf("capture-cards.pdf", bytes))
}

/// The death certificate (Annex IV D model) as a PDF, in two languages. Audited.
#[utoipa::path(get, path = "/api/captives/{id}/death-certificate.pdf", tag = "captives",
    params(("id" = String, Path, description = "captive id")),
    responses((status = 200, description = "the certificate", content((Vec<u8> = "application/pdf"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no death is recorded (`rule_violated`)", body = ErrorBody)))]
pub async fn death_certificate_pdf(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    may_print(&user, &raw)?;
    let id = captive_id(&raw)?;
    let bytes = app::death_certificate_pdf(&state.store, &user.actor(), id, Utc::now())
        .await
        .map_err(failed(&raw))?;
    Ok(pdf(&format!("death-certificate-{id}.pdf"), bytes))
}

fn print_page() -> &'static minijinja::Environment<'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        env.add_template(
            "capture-card.html",
            include_str!("../../web/print/capture-card.html"),
        )
        .expect("the card's print page is a valid template");
        env
    })
}

/// The card as the print page shows it: one row per numbered field of Annex IV B.
fn card_page(card: &CaptureCard, pdf: String) -> minijinja::Value {
    let langs: Vec<&'static CardLabels> = std::iter::once(card.languages.0)
        .chain(card.languages.1)
        .map(|l| &labels(l).card)
        .collect();
    let refused = std::iter::once(card.languages.0)
        .chain(card.languages.1)
        .map(|l| labels(l).refused)
        .collect::<Vec<_>>()
        .join(" / ");
    let text = |e: &Entry| match e {
        Entry::Given(t) => t.clone(),
        _ => String::new(),
    };
    let row = |label: fn(&CardLabels) -> &'static str, entry: &Entry| {
        minijinja::context! {
            labels => langs.iter().map(|l| label(l)).collect::<Vec<_>>(),
            value => text(entry),
            refused => matches!(entry, Entry::Refused),
        }
    };
    let health: Vec<minijinja::Value> = HealthCategory::ALL
        .iter()
        .map(|category| {
            minijinja::context! {
                text => langs.iter().map(|l| l.health_category(*category)).collect::<Vec<_>>().join(" / "),
                marked => card.health == Some(*category),
            }
        })
        .collect();
    let taken = match (&card.taken_prisoner_on, &card.coming_from) {
        (Entry::Given(t), Entry::Given(from)) => Entry::Given(format!("{t} — {from}")),
        (t, _) => t.clone(),
    };
    let address = Entry::Given(
        [&card.prisoner_number, &card.camp]
            .iter()
            .filter_map(|e| match e {
                Entry::Given(t) => Some(t.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    let rows = vec![
        row(|l| l.power, &card.power),
        row(|l| l.family_name, &card.family_name),
        row(|l| l.given_names, &card.given_names),
        row(|l| l.father_first_name, &card.father_first_name),
        row(|l| l.date_of_birth, &card.date_of_birth),
        row(|l| l.place_of_birth, &card.place_of_birth),
        row(|l| l.rank, &card.rank),
        row(|l| l.service_number, &card.service_number),
        row(|l| l.family_address, &card.family_address),
        row(|l| l.taken_prisoner_on, &taken),
        minijinja::context! {
            labels => langs.iter().map(|l| l.health).collect::<Vec<_>>(),
            health => health,
        },
        row(|l| l.present_address, &address),
    ];
    minijinja::context! {
        lang => card.languages.0.as_str(),
        labels => langs.iter().map(|l| minijinja::Value::from_serialize(LabelsView::of(l))).collect::<Vec<_>>(),
        rows => rows,
        refused => refused,
        date => card.date.clone(),
        pdf => pdf,
    }
}

#[derive(serde::Serialize)]
struct LabelsView {
    mail: &'static str,
    postage_free: &'static str,
    title: &'static str,
    agency: &'static str,
    committee: &'static str,
    city: &'static str,
    important: &'static str,
    complete_when: &'static str,
    distinct: &'static str,
    date: &'static str,
    signature: &'static str,
}

impl LabelsView {
    fn of(l: &CardLabels) -> LabelsView {
        LabelsView {
            mail: l.mail,
            postage_free: l.postage_free,
            title: l.title,
            agency: l.agency,
            committee: l.committee,
            city: l.city,
            important: l.important,
            complete_when: l.complete_when,
            distinct: l.distinct,
            date: l.date,
            signature: l.signature,
        }
    }
}

/// The capture card as a page to print (the same card as the PDF, with print styles at
/// the card's size). Audited.
#[utoipa::path(get, path = "/api/captives/{id}/capture-card", tag = "captives",
    params(("id" = String, Path, description = "captive id"), CardQuery),
    responses((status = 200, description = "the print page", content((String = "text/html"))),
        (status = 400, description = "an occasion that is no id", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no card is due for that occasion (`rule_violated`, `fields.occasion`)", body = ErrorBody)))]
pub async fn capture_card_page(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<CardQuery>,
) -> ApiResult<Response> {
    may_print(&user, &raw)?;
    let id = captive_id(&raw)?;
    let card = app::read_capture_card(
        &state.store,
        &user.actor(),
        id,
        query.occasion.map(EventId),
        Utc::now(),
    )
    .await
    .map_err(failed(&raw))?;
    let html = print_page()
        .get_template("capture-card.html")
        .and_then(|t| {
            let pdf = match query.occasion {
                Some(o) => format!("/api/captives/{id}/capture-card.pdf?occasion={o}"),
                None => format!("/api/captives/{id}/capture-card.pdf"),
            };
            t.render(card_page(&card, pdf))
        })
        .map_err(|e| ApiError::Internal(format!("the card's page failed: {e}")))?;
    Ok(Html(html).into_response())
}
