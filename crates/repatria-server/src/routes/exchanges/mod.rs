//! Exchanges as records over HTTP (docs/exchange-records.md): the exchange and its
//! counts, demand lists, proposals, agreement, the manifest (JSON, CSV, XLSX, PDF),
//! reconciliation of the other side's manifest, decisions at the crossing and
//! completion.

pub mod dto;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use repatria_app::exchanges::{self as app, ExchangeAppError, TheirRow};
use repatria_core::error::Validator;
use repatria_core::{CaptiveId, ExchangeId, FieldError, PartyCode, Permission};
use repatria_store::{At, PageAt};
use serde::Deserialize;
use utoipa::IntoParams;

pub use dto::*;

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, Validate};
use crate::extract::{Json, Query};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

/// Largest counterpart manifest uploaded as a file: the list readers' bound.
pub const MAX_MANIFEST_BYTES: usize = crate::routes::imports::MAX_IMPORT_BYTES;
/// Largest list of persons sent as JSON (100,000 persons of about 300 bytes).
pub const MAX_PERSONS_BYTES: usize = 32 * 1024 * 1024;

fn exchange_id(raw: &str) -> ApiResult<ExchangeId> {
    raw.parse::<uuid::Uuid>()
        .map(ExchangeId)
        .map_err(|_| ApiError::not_found("exchange", raw))
}

/// A list's bad rows as 422, each named by its line (the first hundred).
fn rows_refused(rows: Vec<repatria_lists::RowError>) -> ApiError {
    ApiError::Invalid(
        rows.into_iter()
            .take(100)
            .map(|r| FieldError::new(format!("line {}", r.line), r.to_string()))
            .collect(),
    )
}

fn app_error(raw: &str) -> impl Fn(ExchangeAppError) -> ApiError + '_ {
    move |e| match e {
        ExchangeAppError::Store(e) => ApiError::store("exchange", raw, e),
        ExchangeAppError::Import(repatria_app::imports::ImportError::Store(e)) => {
            ApiError::store("exchange", raw, e)
        }
        ExchangeAppError::Import(repatria_app::imports::ImportError::File(message)) => {
            ApiError::invalid("file", message)
        }
        ExchangeAppError::Import(repatria_app::imports::ImportError::Rows(rows)) => {
            rows_refused(rows)
        }
        // The exchange's sides and terms were checked when it was opened: a plan they do
        // not allow is the registry's facts disagreeing with them.
        ExchangeAppError::Plan { field, message } => ApiError::Rule {
            field,
            reason: message,
        },
        ExchangeAppError::NotFound(fields) => ApiError::Unknown(fields),
        ExchangeAppError::Conflict(e) => ApiError::Rule {
            field: e.field,
            reason: e.reason,
        },
        ExchangeAppError::Task(message) => ApiError::Internal(message),
    }
}

/// Opens an exchange, in `negotiating`. The first side is the bureau's own.
#[utoipa::path(post, path = "/api/exchanges", tag = "exchanges", request_body = NewExchangeRequest,
    responses(
        (status = 201, body = ExchangeView),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "a party named is not registered; the field is named", body = ErrorBody),
        (status = 422, description = "a bad field, or a party named on two sides or as a mediator and on a side; the field is named", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(user): Auth,
    Json(body): Json<NewExchangeRequest>,
) -> ApiResult<(StatusCode, axum::Json<ExchangeView>)> {
    user.require(Permission::ManageExchanges)?;
    let new = body.validate()?;
    let summary = app::create(&state.store, &user.actor(), new, Utc::now())
        .await
        .map_err(app_error(""))?;
    Ok((StatusCode::CREATED, axum::Json(ExchangeView::new(&summary))))
}

/// The exchanges with their state and counts, newest first, a page at a time.
#[utoipa::path(get, path = "/api/exchanges", tag = "exchanges", params(PageQuery),
    responses((status = 200, body = ListPage<ExchangeView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<ExchangeView>>> {
    user.require(Permission::ReadExchanges)?;
    let at: PageAt<At> = page.page()?;
    let page = app::list(&state.store, &at).await.map_err(app_error(""))?;
    Ok(axum::Json(ListPage::of(page, |x| ExchangeView::new(&x))))
}

/// One exchange, with its counts per direction and side and, after a withdrawal, the
/// planner's suggestion of what restores the balance.
#[utoipa::path(get, path = "/api/exchanges/{id}", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 200, body = ExchangeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ExchangeView>> {
    user.require(Permission::ReadExchanges)?;
    let id = exchange_id(&raw)?;
    let summary = app::read(&state.store, id).await.map_err(app_error(&raw))?;
    Ok(axum::Json(ExchangeView::new(&summary)))
}

/// Calls an exchange off, with the reason: from `negotiating` or `agreed` (once persons
/// have crossed, each is decided and the exchange completed instead).
#[utoipa::path(post, path = "/api/exchanges/{id}/cancel", tag = "exchanges",
    request_body = CancelRequest,
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 200, body = ExchangeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the state does not allow it; the state is named", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<CancelRequest>,
) -> ApiResult<axum::Json<ExchangeView>> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    let summary = app::cancel(&state.store, &user.actor(), id, &body.reason, Utc::now())
        .await
        .map_err(app_error(&raw))?;
    Ok(axum::Json(ExchangeView::new(&summary)))
}

/// Records the persons a side demands, in any script. Each is matched against the
/// registry by the matching engine; the answer lists each with its candidates and the
/// evidence. A person confirms a candidate (`POST /api/matches/{id}/decision`), which
/// makes the captive `demanded` for the planner. The same list sent again for this
/// exchange is recognised (`created: false`). A list may also be uploaded as a file:
/// `POST /api/imports?as=demand&exchange=ID&source=XX`.
#[utoipa::path(post, path = "/api/exchanges/{id}/demands", tag = "exchanges",
    request_body = PersonsRequest,
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 201, body = DemandAnswer), (status = 200, description = "sent before", body = DemandAnswer),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`by` is on no side of the exchange", body = ErrorBody),
        (status = 413, description = "the body is larger than 32 MiB", body = ErrorBody),
        (status = 422, description = "a bad person or field; the field is named", body = ErrorBody)))]
pub async fn demand(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<DemandAnswer>)> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    let bytes = crate::extract::body_bytes(body, MAX_PERSONS_BYTES).await?;
    let request: PersonsRequest = crate::extract::parse_json(&bytes)?;
    let mut v = Validator::new();
    let by = v.check(PartyCode::parse(&request.by).map_err(|e| e.within("by")));
    let persons = dto::persons(request.persons, &mut v);
    v.finish()?;
    let entries = persons.into_iter().map(|p| p.entry).collect();
    let summary = app::demand(
        &state.store,
        &state.matching,
        &user.actor(),
        id,
        by.expect("checked"),
        entries,
        bytes.to_vec(),
        Utc::now(),
    )
    .await
    .map_err(app_error(&raw))?;
    let report = repatria_app::imports::report(&state.store, &summary.import).await?;
    let status = if summary.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(DemandAnswer {
            created: summary.created,
            report,
        }),
    ))
}

/// The demand lists of an exchange, oldest first, a page at a time; each person with his
/// candidates as they stand now (confirmations included).
#[utoipa::path(get, path = "/api/exchanges/{id}/demands", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id"), PageQuery),
    responses((status = 200, body = ListPage<repatria_app::imports::Report>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn demands(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<repatria_app::imports::Report>>> {
    user.require(Permission::ReadExchanges)?;
    let id = exchange_id(&raw)?;
    let at: PageAt<At> = page.page()?;
    let reports = app::demands(&state.store, id, &at)
        .await
        .map_err(app_error(&raw))?;
    state
        .store
        .record_read(
            &user.actor(),
            repatria_store::AuditAction::ExchangeRead,
            "exchange",
            &raw,
            serde_json::json!({ "demand_lists": reports.items.len() }),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(ListPage::of(reports, |r| r)))
}

/// Records a proposal: the planner's (`from_plan: true`: the captives held now, the
/// exchange's sides, terms and confirmed demands) or a side's `transfers`. It is
/// numbered, balanced and checked: `violations` names every rule broken with its
/// article; such a proposal is kept but cannot be agreed.
#[utoipa::path(post, path = "/api/exchanges/{id}/proposals", tag = "exchanges",
    request_body = ProposalBody,
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 201, body = ProposalView, links(
            ("get_exchanges_by_id_proposals_by_n" = (operation_id = "get_exchanges_by_id_proposals_by_n",
                parameters(("id" = "$request.path.id"), ("n" = "$response.body#/number")),
                description = "the proposal recorded")),
            ("post_exchanges_by_id_agreement" = (operation_id = "post_exchanges_by_id_agreement",
                parameters(("id" = "$request.path.id")),
                request_body = json!({"proposal": "$response.body#/number"}),
                description = "its agreement")),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "the exchange is no longer negotiating (the state is named), `by` is on no side of it, or the registry's captures come after the exchange's `terms.as_of`", body = ErrorBody),
        (status = 413, description = "the body is larger than 32 MiB", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "plans of this account, or two in all, are running", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again")))))]
pub async fn propose(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<ProposalView>)> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    // A side's proposal of 10,000 persons each way is about 2 MB: read within the
    // bound of a list of persons rather than the 1 MiB of other bodies.
    let bytes = crate::extract::body_bytes(body, MAX_PERSONS_BYTES).await?;
    let body: ProposalRequest = crate::extract::parse_json(&bytes)?;
    let valid = body.validate()?;
    let _permit = match valid.input {
        app::ProposalInput::FromPlan => {
            Some(state.work.start(crate::work::Kind::Plan, &user.username)?)
        }
        app::ProposalInput::Transfers(_) => None,
    };
    let now = Utc::now();
    let proposal = app::propose(
        &state.store,
        &user.actor(),
        id,
        valid.by,
        valid.input,
        valid.note,
        now,
    )
    .await
    .map_err(app_error(&raw))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ProposalView::new(&proposal, None)),
    ))
}

/// The proposals of an exchange, by number (without names), a page at a time (the
/// position: a proposal's number).
#[utoipa::path(get, path = "/api/exchanges/{id}/proposals", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id"), PageQuery),
    responses((status = 200, body = ListPage<ProposalView>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<ProposalView>>> {
    user.require(Permission::ReadExchanges)?;
    let id = exchange_id(&raw)?;
    let at: PageAt<u64> = page.page()?;
    state
        .store
        .get_exchange(id)
        .await
        .map_err(|e| ApiError::store("exchange", &raw, e))?;
    let page = state.store.proposal_page(id, &at).await?;
    Ok(axum::Json(ListPage::of(page, |p| {
        ProposalView::new(&p, None)
    })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Adds `added` and `removed` relative to this proposal (404 when the exchange has
    /// none of that number).
    pub against: Option<u32>,
    /// `true`: each captive with his name, rank and days in captivity (audited).
    pub names: Option<bool>,
}

/// One proposal; `against=M` adds who it adds to and removes from proposal M, and
/// `names=true` each person's name, rank and days in captivity (a read of personal
/// data, audited).
#[utoipa::path(get, path = "/api/exchanges/{id}/proposals/{n}", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id"), ("n" = u32, Path, description = "proposal number"), ProposalQuery),
    responses((status = 200, body = ProposalView), (status = 400, description = "a query parameter that is not a number or a boolean, or one given twice", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such exchange, or no proposal of that number (`n` or `against`)", body = ErrorBody)))]
pub async fn proposal(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path((raw, n)): Path<(String, String)>,
    Query(query): Query<ProposalQuery>,
) -> ApiResult<axum::Json<ProposalView>> {
    user.require(Permission::ReadExchanges)?;
    let id = exchange_id(&raw)?;
    let number: u32 = n.parse().map_err(|_| ApiError::not_found("proposal", &n))?;
    let (p, diff) = app::proposal(&state.store, id, number, query.against)
        .await
        .map_err(|e| match e {
            ExchangeAppError::Store(repatria_store::StoreError::NotFound) => {
                ApiError::not_found("exchange", &raw)
            }
            e => app_error(&raw)(e),
        })?;
    let persons = if query.names.unwrap_or(false) {
        let mut ids: Vec<CaptiveId> = p.transfers.iter().map(|t| t.captive).collect();
        ids.extend(p.left_out.iter().map(|l| l.captive));
        Some(
            app::persons(&state.store, &user.actor(), id, &ids, None, Utc::now())
                .await
                .map_err(app_error(&raw))?,
        )
    } else {
        None
    };
    let mut view = ProposalView::new(&p, persons.as_ref());
    if let Some(d) = diff {
        view.added = Some(d.added.iter().map(|c| c.0).collect());
        view.removed = Some(d.removed.iter().map(|c| c.0).collect());
    }
    Ok(axum::Json(view))
}

/// Agrees a proposal: the exchange becomes `agreed` and the proposal is frozen into the
/// manifest, one pending entry per transfer.
#[utoipa::path(post, path = "/api/exchanges/{id}/agreement", tag = "exchanges",
    request_body = AgreementRequest,
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 200, body = ExchangeView, links(
            ("get_exchanges_by_id_manifest" = (operation_id = "get_exchanges_by_id_manifest",
                parameters(("id" = "$request.path.id")),
                description = "the manifest frozen from the proposal")),
            ("post_exchanges_by_id_handover" = (operation_id = "post_exchanges_by_id_handover",
                parameters(("id" = "$request.path.id")))),
            ("post_exchanges_by_id_complete" = (operation_id = "post_exchanges_by_id_complete",
                parameters(("id" = "$request.path.id")))),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "no such exchange, or no proposal of that number", body = ErrorBody),
        (status = 409, description = "the exchange is not negotiating (the state is named), or the proposal breaks rules or moves nobody", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn agree(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<AgreementRequest>,
) -> ApiResult<axum::Json<ExchangeView>> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    let summary = app::agree(&state.store, &user.actor(), id, body.proposal, Utc::now())
        .await
        .map_err(app_error(&raw))?;
    Ok(axum::Json(ExchangeView::new(&summary)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManifestQuery {
    /// `json` (default), `csv`, `xlsx` or `pdf`.
    #[param(inline)]
    pub format: Option<ManifestFormat>,
    /// Only the entries this party gives or receives; names in the script its readers
    /// use (Cyrillic for RU, Hangul for KP, Latin otherwise); empty for all. 404 when
    /// it takes no part in the exchange.
    #[param(value_type = Option<crate::schema::PartyFilter>, inline)]
    pub party: Option<String>,
}

repatria_core::words! {
    /// The formats a manifest is downloaded in.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ManifestFormat {
        Json = "json",
        Csv = "csv",
        Xlsx = "xlsx",
        Pdf = "pdf",
    }
}

/// The manifest of an agreed exchange: JSON, or a file for a party to read and sign
/// (CSV, XLSX, PDF) with names in its script. A read of personal data, audited.
#[utoipa::path(get, path = "/api/exchanges/{id}/manifest", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id"), ManifestQuery),
    responses((status = 200, description = "the manifest",
            content((ManifestView = "application/json"), (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (Vec<u8> = "application/pdf"))),
        (status = 400, description = "`format` is not json, csv, xlsx or pdf, or a query parameter is given twice", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such exchange, or `party` takes no part in it", body = ErrorBody),
        (status = 409, description = "there is no manifest before an agreement", body = ErrorBody),
        (status = 422, description = "`party` is not a party code", body = ErrorBody)))]
pub async fn manifest(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<ManifestQuery>,
) -> ApiResult<Response> {
    user.require(Permission::ReadExchanges)?;
    let id = exchange_id(&raw)?;
    let mut v = Validator::new();
    let party = query
        .party
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(|p| v.check(PartyCode::parse(p).map_err(|e| e.within("party"))));
    v.finish()?;
    let format = query.format.unwrap_or(ManifestFormat::Json);
    let (exchange, lines) =
        app::manifest(&state.store, &user.actor(), id, party.as_ref(), Utc::now())
            .await
            .map_err(app_error(&raw))?;
    let stem = format!(
        "manifest-{}{}",
        id,
        party.as_ref().map(|p| format!("-{p}")).unwrap_or_default()
    );
    let sheet = || crate::documents::manifest_table(&exchange, party.as_ref(), &lines);
    Ok(match format {
        ManifestFormat::Json => axum::Json(ManifestView {
            exchange: id.0,
            title: exchange.title.clone(),
            party: party.map(|p| p.to_string()),
            entries: lines.iter().map(EntryView::of_line).collect(),
        })
        .into_response(),
        ManifestFormat::Csv => crate::documents::download(
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
            crate::documents::csv(&sheet()).into_bytes(),
        ),
        ManifestFormat::Xlsx => crate::documents::download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{stem}.xlsx"),
            repatria_documents::xlsx(&sheet()).map_err(crate::documents::failed)?,
        ),
        ManifestFormat::Pdf => crate::documents::download(
            "application/pdf",
            &format!("{stem}.pdf"),
            repatria_documents::pdf(&sheet()).map_err(crate::documents::failed)?,
        ),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounterpartQuery {
    /// For a file upload (required there): the party that sent it. A JSON body names it
    /// in `by` instead.
    #[param(value_type = Option<crate::schema::PartyCode>, inline)]
    pub by: Option<String>,
    /// For a file upload: its name, whose extension (.csv, .xlsx, .xml) tells the
    /// format; without one, the file's content tells it.
    pub file_name: Option<String>,
}

/// Reconciles the other side's manifest of this exchange against ours with the
/// matching engine: each of our entries `matched`, `missing_from_theirs` or
/// `ambiguous`; each of their rows matched to no entry `extra_in_theirs` (or
/// `ambiguous`); and the counts per direction on both lists. The body is JSON persons
/// (`{"by", "persons"}`), or the file itself (CSV, XLSX, PFIF) with `by` and
/// `file_name` in the query. Audited with its counts.
#[utoipa::path(post, path = "/api/exchanges/{id}/counterpart-manifest", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id"), CounterpartQuery),
    request_body(content((PersonsRequest = "application/json"), (crate::routes::imports::File = "application/octet-stream")),
        description = "JSON persons, or the file (CSV, XLSX or PFIF) with `by` in the query"),
    responses((status = 200, body = ReconciliationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "there is no manifest before an agreement, or `by` is on no side of the exchange", body = ErrorBody),
        (status = 413, description = "the file is larger than 64 MiB (JSON: 32 MiB)", body = ErrorBody),
        (status = 422, description = "a bad person, row or file; the field or line is named", body = ErrorBody)))]
pub async fn counterpart(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<CounterpartQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<axum::Json<ReconciliationView>> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (by, rows) = if json {
        let bytes = crate::extract::body_bytes(body, MAX_PERSONS_BYTES).await?;
        let request: PersonsRequest = crate::extract::parse_json(&bytes)?;
        let mut v = Validator::new();
        // The body names the party; a `by` in the query too must still be a party code.
        if let Some(b) = query.by.as_deref() {
            v.check(PartyCode::parse(b).map_err(|e| e.within("by")));
        }
        let by = v.check(PartyCode::parse(&request.by).map_err(|e| e.within("by")));
        let persons = dto::persons(request.persons, &mut v);
        v.finish()?;
        let rows = persons
            .into_iter()
            .map(|p| TheirRow {
                entry: list_entry(p.entry),
                from: p.from,
                to: p.to,
            })
            .collect();
        (by.expect("checked"), rows)
    } else {
        let bytes = crate::extract::body_bytes(body, MAX_MANIFEST_BYTES).await?;
        let mut v = Validator::new();
        let by = match query.by.as_deref() {
            Some(b) => v.check(PartyCode::parse(b).map_err(|e| e.within("by"))),
            None => {
                v.push(FieldError::new("by", "name the party that sent the file"));
                None
            }
        };
        let file_name = query.file_name.unwrap_or_default();
        let format = repatria_lists::Format::from_file_name(&file_name)
            .unwrap_or_else(|| repatria_lists::Format::of_content(&bytes));
        if bytes.is_empty() {
            v.push(FieldError::new("body", "the file is empty"));
        }
        v.finish()?;
        let entries =
            repatria_app::matching::heavy(|| repatria_lists::read_list(format, &bytes, &[]))
                .map_err(|e| match e {
                    // As for an import: the file is the body.
                    repatria_lists::ReadError::List(e) => ApiError::invalid("body", e.to_string()),
                    repatria_lists::ReadError::Rows(rows) => rows_refused(rows),
                })?;
        let rows = entries
            .into_iter()
            .map(|e| TheirRow {
                entry: list_entry(e),
                from: None,
                to: None,
            })
            .collect();
        (by.expect("checked"), rows)
    };
    let result = app::reconcile(&state.store, &user.actor(), id, by, rows, Utc::now())
        .await
        .map_err(app_error(&raw))?;
    Ok(axum::Json(ReconciliationView::from(&result)))
}

fn list_entry(e: repatria_lists::Entry) -> repatria_core::ListEntry {
    repatria_app::imports::list_entry(e)
}

/// Decides one person at the crossing: `handed_over` (a captive we give; his identity
/// verified and his wish to go confirmed by the ICRC delegate, GC III Art. 109),
/// `received` (one of ours; identity verified) or `withdrawn` (the reason in `note`).
/// A person is decided once: a second decision is 409. The first moves the exchange to
/// `in_progress`; the answer carries the live counts and, after a withdrawal, what
/// restores the balance.
#[utoipa::path(post, path = "/api/exchanges/{id}/handover", tag = "exchanges",
    request_body = HandoverSchema,
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 200, body = HandoverAnswer), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "no such exchange or entry", body = ErrorBody),
        (status = 409, description = "decided already (by whom and when is named), the state does not allow it, the entry's direction does not allow the outcome, or the registry records that he refuses repatriation", body = ErrorBody),
        (status = 422, description = "a check missing, a bad field, or `at` more than ten minutes after the server's clock; the field is named", body = ErrorBody)))]
pub async fn handover(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Json(body): Json<HandoverBody>,
) -> ApiResult<axum::Json<HandoverAnswer>> {
    user.require(Permission::RecordHandover)?;
    let id = exchange_id(&raw)?;
    let now = Utc::now();
    let (entry, request) = body.validate(now)?;
    let (entry, summary) = app::handover(
        &state.store,
        &user.actor(),
        user.role,
        id,
        entry,
        request,
        now,
    )
    .await
    .map_err(|e| match e {
        ExchangeAppError::Store(repatria_store::StoreError::NotFound) => {
            ApiError::NotFound(format!("no such entry in exchange {raw:?}"))
        }
        e => app_error(&raw)(e),
    })?;
    Ok(axum::Json(HandoverAnswer {
        entry: EntryView::new(&entry, None),
        exchange: ExchangeView::new(&summary),
    }))
}

/// Completes the exchange, once every entry is decided: in one transaction every
/// captive handed over or received gets the `repatriated` custody event at his handover
/// time, every tracing request about a received person that is not closed gets an
/// answer prepared for the tracing officer, all audited.
#[utoipa::path(post, path = "/api/exchanges/{id}/complete", tag = "exchanges",
    params(("id" = String, Path, format = Uuid, description = "exchange id")),
    responses((status = 200, body = CompletionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "entries are pending (how many is named), or the state does not allow it", body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<CompletionView>> {
    user.require(Permission::ManageExchanges)?;
    let id = exchange_id(&raw)?;
    let (done, summary) = app::complete(&state.store, &user.actor(), id, Utc::now())
        .await
        .map_err(app_error(&raw))?;
    Ok(axum::Json(CompletionView {
        exchange: ExchangeView::new(&summary),
        repatriated: done.repatriated.iter().map(|c| c.0).collect(),
        answers_prepared: done.answers_prepared.iter().map(|r| r.0).collect(),
    }))
}
