//! List imports over HTTP: preview of a file's columns, the import as a background job,
//! the jobs, the lists imported and each list's reconciliation report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use repatria_core::error::Validator;
use repatria_core::{FieldError, ImportId, ImportKind, PartyCode, Permission};
use repatria_store::{At, PageAt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Query;
use crate::imports::{self, ImportError, ImportInput, Report};
use crate::page::{ListPage, PageQuery};
use crate::AppState;

/// The import jobs running in this process, by id, with their progress. Every job is
/// also in the store ([`repatria_store::SqlStore::put_job`]), written at its start, every
/// few seconds while it runs and at its end, so that any server answers for it.
#[derive(Debug, Default)]
pub struct Jobs(Mutex<HashMap<String, JobView>>);

/// Where an import job stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// The account that started the import; only it (and admins) can follow the job.
    pub started_by: String,
    pub state: imports::JobState,
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RejectedRow {
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    fn set(&self, job: JobView) {
        let mut jobs = self.0.lock().unwrap_or_else(|e| e.into_inner());
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

    /// Whether any job is running here.
    pub fn running(&self) -> bool {
        !self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    fn forget(&self, id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    /// Writes the job as it stands to the store, where every server reads it.
    async fn save(
        &self,
        store: &repatria_store::SqlStore,
        id: &str,
    ) -> Result<(), repatria_store::StoreError> {
        let Some(job) = self.get(id) else {
            return Ok(());
        };
        let record = serde_json::to_string(&job)
            .map_err(|e| repatria_store::StoreError::Corrupt(format!("job {id}: {e}")))?;
        store
            .put_job(id, &job.started_by, job.state.as_str(), &record, Utc::now())
            .await
    }
}

/// A job read from the store. One whose server stopped (no heartbeat within the store's
/// stale window, `repatria_store::STALE_AFTER` unless configured) is answered from what
/// the store holds: the import a job creates has the job's id, and the import is one
/// transaction, so either it committed before the server stopped (the job is done) or
/// nothing of it was written (the job failed).
async fn stored_job(
    store: &repatria_store::SqlStore,
    job: &repatria_store::StoredJob,
) -> Result<JobView, repatria_store::StoreError> {
    let mut view: JobView = serde_json::from_str(&job.record)
        .map_err(|e| repatria_store::StoreError::Corrupt(format!("job {}: {e}", job.id)))?;
    if !job.lost {
        return Ok(view);
    }
    let committed = match job.id.parse::<uuid::Uuid>() {
        Ok(id) => match store.get_import(ImportId(id)).await {
            Ok(import) => Some(import),
            Err(repatria_store::StoreError::NotFound) => None,
            Err(e) => return Err(e),
        },
        Err(_) => None,
    };
    match committed {
        Some(import) => {
            view.state = imports::JobState::Done;
            view.rows_done = import.rows;
            view.rows_total = import.rows;
            view.import = Some(import_view(&import, true, None));
            view.error = None;
        }
        None => {
            view.state = imports::JobState::Failed;
            view.error = Some(
                "the server running this import stopped before it finished; nothing was imported: start it again".into(),
            );
        }
    }
    Ok(view)
}

/// A file sent as the request's body: its bytes, whatever they are (what they must hold
/// is the route's to say).
pub struct File;

impl utoipa::PartialSchema for File {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes."))
            .into()
    }
}

impl ToSchema for File {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("File")
    }
}

/// A query parameter's value, or empty: an empty value is the parameter left out.
fn or_empty(
    schema: utoipa::openapi::RefOr<utoipa::openapi::Schema>,
) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaType, Type};
    AnyOfBuilder::new()
        .item(schema)
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .max_length(Some(0)),
        )
        .into()
}

/// Declares schema types for query parameters whose value may also be empty (the
/// parameter left out): `Name = the schema of a value`.
macro_rules! or_empty {
    ($($(#[$doc:meta])* $name:ident = $schema:expr;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                    or_empty($schema)
                }
            }

            impl ToSchema for $name {}
        )*
    };
}

or_empty! {
    /// A list's format, or empty.
    ListFormatOrEmpty = <crate::schema::ListFormat as utoipa::PartialSchema>::schema();
    /// What an imported list holds, or empty.
    ImportKindOrEmpty = <crate::schema::ImportKind as utoipa::PartialSchema>::schema();
    /// A party's code, or empty.
    PartyCodeOrEmpty = <crate::schema::PartyCode as utoipa::PartialSchema>::schema();
    /// A format a file is previewed in, or empty.
    PreviewFormatOrEmpty = <PreviewFormat as utoipa::PartialSchema>::schema();
    /// A format a report is given in, or empty.
    ReportFormatOrEmpty = <ReportFormat as utoipa::PartialSchema>::schema();
    /// A match's state, or empty.
    LinkStateOrEmpty = <crate::schema::LinkState as utoipa::PartialSchema>::schema();
    /// An id, or empty.
    UuidOrEmpty = utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Uuid,
        )))
        .into();
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name; its extension (.csv, .xlsx, .xml) tells the format unless
    /// `format` is given, else the file's content tells it.
    pub file_name: String,
    /// `csv`, `xlsx` or `pfif`.
    #[param(value_type = Option<ListFormatOrEmpty>, inline)]
    pub format: Option<String>,
    /// `list` (default), `tracing` or `demand` (which needs `exchange` and `source`).
    #[serde(rename = "as")]
    #[param(value_type = Option<ImportKindOrEmpty>, inline)]
    pub kind: Option<String>,
    /// The party that sent the list; for a demand list, the party demanding (409 when it
    /// is on no side of the exchange).
    #[param(value_type = Option<PartyCodeOrEmpty>, inline)]
    pub source: Option<String>,
    /// Column mapping corrections, `HEADER=field`, separated by `;`: each header must be
    /// one of the file's, each field one of the list fields (or `ignore`).
    pub map: Option<String>,
    /// For tracing requests: the inquirers consented to matching.
    pub consent: Option<bool>,
    /// For a demand list (`as=demand`, which it implies when `as` is left out): the
    /// exchange it belongs to (404 when there is none). Other lists belong to no
    /// exchange: for them it is not read beyond its form.
    #[param(value_type = Option<UuidOrEmpty>, inline)]
    pub exchange: Option<String>,
}

repatria_core::words! {
    /// The formats a file is previewed in: a PFIF document names its own fields.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum PreviewFormat {
        Csv = "csv",
        Xlsx = "xlsx",
    }
}

/// The query of a preview as the document describes it: an import's, with only the
/// formats that have columns to map; what the import's other parameters say is not
/// checked. It is read as an [`ImportQuery`].
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PreviewQuery {
    /// The file's name; its extension (.csv, .xlsx) tells the format unless `format` is
    /// given, else the file's content tells it. A PFIF document (.xml) has no columns to
    /// map: 422 on `format`.
    pub file_name: String,
    /// `csv` or `xlsx`.
    #[param(value_type = Option<PreviewFormatOrEmpty>, inline)]
    pub format: Option<String>,
    /// Column mapping corrections, `HEADER=field`, separated by `;`.
    pub map: Option<String>,
    /// Ignored; accepted so that a preview takes the import's query.
    #[serde(rename = "as")]
    #[param(value_type = Option<ImportKindOrEmpty>, inline)]
    pub kind: Option<String>,
    /// Ignored.
    #[param(value_type = Option<PartyCodeOrEmpty>, inline)]
    pub source: Option<String>,
    /// Ignored.
    pub consent: Option<bool>,
    /// Ignored.
    #[param(value_type = Option<UuidOrEmpty>, inline)]
    pub exchange: Option<String>,
}

/// The query of an upload, read after the body (so that a bad query still lets the
/// client finish sending the file).
fn import_query(uri: &axum::http::Uri) -> ApiResult<ImportQuery> {
    axum::extract::Query::<ImportQuery>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The import's query read into its input. `preview`: only what a preview reads is
/// checked beyond its form (not what a demand list needs).
fn import_input(query: ImportQuery, bytes: Bytes, preview: bool) -> ApiResult<ImportInput> {
    let mut v = Validator::new();
    let format = match query.format.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => v.check(repatria_lists::Format::parse(raw).map_err(|e| e.within("format"))),
        None => None,
    };
    let exchange = match query.exchange.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => match raw.trim().parse::<uuid::Uuid>() {
            Ok(id) => Some(repatria_core::ExchangeId(id)),
            Err(_) => {
                v.push(FieldError::new("exchange", "is not an exchange id"));
                None
            }
        },
        None => None,
    };
    let exchange_given = query.exchange.as_deref().is_some_and(|s| !s.is_empty());
    let kind = match query.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => v
            .check(ImportKind::parse(raw).map_err(|e| e.within("as")))
            .unwrap_or(ImportKind::List),
        // A list given for an exchange is its demand list.
        None if exchange_given => ImportKind::Demand,
        None => ImportKind::List,
    };
    let source = query
        .source
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.check(PartyCode::parse(s).map_err(|e| e.within("source"))));
    if !preview && kind == ImportKind::Demand {
        if source.is_none() {
            v.push(FieldError::new("source", "name the party demanding"));
        }
        if !exchange_given {
            v.push(FieldError::new(
                "exchange",
                "give the id of the exchange the demand list belongs to",
            ));
        }
    }
    if bytes.is_empty() {
        v.push(FieldError::new("body", "the file is empty"));
    }
    v.finish()?;
    let exchange = if kind == ImportKind::Demand {
        exchange
    } else {
        None
    };
    Ok(ImportInput {
        exchange,
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[utoipa::path(post, path = "/api/imports/preview", tag = "tracing",
    params(PreviewQuery),
    request_body(content = File, content_type = "application/octet-stream"),
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
    let input = import_input(query, body, true)?;
    let _permit = state
        .work
        .start(crate::work::Kind::Preview, &user.username)?;
    let format = imports::format_of(&input);
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
#[utoipa::path(post, path = "/api/imports", tag = "tracing",
    params(ImportQuery),
    request_body(content = File, content_type = "application/octet-stream"),
    responses((status = 202, body = JobView, links(
            ("get_imports_jobs_by_id" = (operation_id = "get_imports_jobs_by_id",
                parameters(("id" = "$response.body#/id")), description = "the job to follow")),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`exchange` names no exchange", body = ErrorBody),
        (status = 409, description = "`source` is on no side of the exchange", body = ErrorBody),
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
    // The query says whether tracing requests or a demand list are imported, which
    // need other permissions: read it before the body, but answer a bad query only once
    // the client could send it.
    let query = import_query(&uri);
    let demand = query.as_ref().is_ok_and(|q| match q.kind.as_deref() {
        Some(k) if !k.is_empty() => ImportKind::parse(k) == Ok(ImportKind::Demand),
        _ => q.exchange.as_deref().is_some_and(|e| !e.is_empty()),
    });
    user.require(if demand {
        Permission::ManageExchanges
    } else {
        Permission::ImportLists
    })?;
    if query.as_ref().is_ok_and(|q| {
        q.kind
            .as_deref()
            .is_some_and(|k| ImportKind::parse(k) == Ok(ImportKind::Tracing))
    }) {
        user.require(Permission::ManageTracing)?;
    }
    let body = crate::extract::body_bytes(body, MAX_IMPORT_BYTES).await?;
    let input = import_input(query?, body, false)?;
    if input.kind == ImportKind::Tracing {
        user.require(Permission::ManageTracing)?;
    }
    let input = match (input.exchange, input.source.clone()) {
        (Some(exchange), Some(by)) => {
            repatria_app::exchanges::demand_file_input(&state.store, exchange, by, input)
                .await
                .map_err(|e| match e {
                    repatria_app::exchanges::ExchangeAppError::Store(
                        repatria_store::StoreError::NotFound,
                    ) => ApiError::Unknown(vec![FieldError::new(
                        "exchange",
                        format!("no exchange with id {exchange}"),
                    )]),
                    repatria_app::exchanges::ExchangeAppError::Store(e) => e.into(),
                    repatria_app::exchanges::ExchangeAppError::Conflict(e) => ApiError::Rule {
                        field: e.field,
                        reason: e.reason,
                    },
                    other => ApiError::Internal(other.to_string()),
                })?
        }
        _ => input,
    };
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
    // The job's id is also the id of the import it creates, so that the job's end is
    // known from the store even when its server stops before writing it.
    let import_id = ImportId(crate::routes::new_id());
    let id = import_id.to_string();
    let job = JobView {
        id: id.clone(),
        started_by: user.username.clone(),
        state: imports::JobState::Running,
        rows_done: 0,
        rows_total: 0,
        import: None,
        error: None,
        rejected_rows: Vec::new(),
    };
    state.jobs.set(job.clone());
    state.jobs.save(&state.store, &id).await?;
    let jobs: Arc<Jobs> = state.jobs.clone();
    let actor = user.actor();
    tokio::spawn(async move {
        // The job's place is given back when its work ends, before the end is reported:
        // a client that sees the job done may start another at once.
        let permit = permit;
        // Its state for the other servers, every few seconds while it runs.
        let heartbeat = tokio::spawn({
            let (jobs, store, id) = (jobs.clone(), state.store.clone(), id.clone());
            async move {
                // How often: the store's, a sixth of the window after which the other
                // servers read a silent job as lost.
                let mut beat = tokio::time::interval(store.job_heartbeat_every());
                beat.tick().await;
                loop {
                    beat.tick().await;
                    if let Err(e) = jobs.save(&store, &id).await {
                        tracing::warn!(%e, job = %id, "the job's heartbeat could not be written");
                    }
                }
            }
        });
        let progress = |done: u64, total: u64| {
            jobs.update(&id, |job| {
                job.rows_done = done;
                job.rows_total = total;
            })
        };
        let result = imports::import_read(
            &state.store,
            &state.matching,
            &actor,
            input,
            read,
            import_id,
            Utc::now(),
            &progress,
        )
        .await;
        drop(permit);
        jobs.update(&id, |job| match result {
            Ok(summary) => {
                job.state = imports::JobState::Done;
                job.rows_done = summary.rows;
                job.rows_total = summary.rows;
                let counts = (summary.import.kind == ImportKind::List).then_some(summary.counts);
                job.import = Some(import_view(&summary.import, summary.created, counts));
            }
            Err(error) => {
                job.state = imports::JobState::Failed;
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
        heartbeat.abort();
        // The end, for every server; a failure to write it leaves the job to be read as
        // lost once its heartbeat is stale, which says the same: nothing was imported
        // unless the import's own transaction committed.
        if let Err(e) = jobs.save(&state.store, &id).await {
            tracing::error!(%e, job = %id, "the job's end could not be written");
        }
        jobs.forget(&id);
    });
    Ok((StatusCode::ACCEPTED, axum::Json(job)))
}

/// Where an import job stands: progress, then the import or every rejected row. Only
/// the account that started it (and admins) can see it; to others it does not exist. A
/// job whose server stopped while it ran is answered, once its heartbeat is stale, as
/// done when its import had committed, else as failed with nothing imported.
#[utoipa::path(get, path = "/api/imports/jobs/{id}", tag = "tracing",
    params(("id" = String, Path, format = Uuid, description = "job id")),
    responses((status = 200, body = JobView, links(
            ("get_imports_by_id_report" = (operation_id = "get_imports_by_id_report",
                parameters(("id" = "$response.body#/import/id")),
                description = "the reconciliation report of the list imported, once done")),
        )),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn job(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobView>> {
    user.require(Permission::ImportLists)?;
    let stored = match state.store.get_job(&id, Utc::now()).await {
        Ok(stored) => stored,
        Err(repatria_store::StoreError::NotFound) => {
            return Err(ApiError::not_found("import job", &id))
        }
        Err(e) => return Err(e.into()),
    };
    if stored.started_by != user.username && user.role != repatria_core::Role::Admin {
        return Err(ApiError::not_found("import job", &id));
    }
    // This server's own running job is fresher in memory than in the store.
    let job = match state.jobs.get(&id) {
        Some(running) => running,
        None => stored_job(&state.store, &stored).await?,
    };
    Ok(axum::Json(job))
}

/// The imports, newest first, a page at a time.
#[utoipa::path(get, path = "/api/imports", tag = "tracing", params(PageQuery),
    responses((status = 200, body = ListPage<ImportView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_imports(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<ListPage<ImportView>>> {
    user.require(Permission::ImportLists)?;
    let at: PageAt<At> = page.page()?;
    let page = state.store.import_page(&at).await?;
    Ok(axum::Json(ListPage::of(page, |import| {
        import_view(&import, true, None)
    })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<ReportFormatOrEmpty>, inline)]
    pub format: Option<String>,
}

repatria_core::words! {
    /// The formats a reconciliation report is given in.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ReportFormat {
        Json = "json",
        Csv = "csv",
    }
}

/// The reconciliation report of an imported list: for every row, matched to a captive
/// we hold, to an open tracing request, new, or ambiguous, with the evidence.
#[utoipa::path(get, path = "/api/imports/{id}/report", tag = "tracing",
    params(ReportQuery, ("id" = String, Path, format = Uuid, description = "import id")),
    responses((status = 200, description = "the report: JSON, or CSV with `format=csv`",
            content((Report = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a query parameter given twice", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`format` is neither json nor csv", body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(raw): Path<String>,
    Query(query): Query<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    user.require(Permission::ImportLists)?;
    let csv = match query.format.as_deref().filter(|f| !f.is_empty()) {
        None => false,
        Some(raw) => {
            ReportFormat::parse(raw).map_err(|e| ApiError::from(vec![e.within("format")]))?
                == ReportFormat::Csv
        }
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
    let report: Report = imports::report(&state.store, &import).await?;
    state
        .store
        .record_read(
            &user.actor(),
            repatria_store::AuditAction::ListReport,
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
