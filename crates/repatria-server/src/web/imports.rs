//! Pages: list imports and their reconciliation reports.
//!
//! - `/imports`: the imports (newest first) and the upload form (`multipart/form-data`:
//!   the file, list or tracing requests, the sending party, the inquirers' consent).
//! - `POST /imports/preview`: the file's header read by `POST /api/imports/preview`, with
//!   the proposed column mapping and a select per column to correct it (a PFIF document,
//!   which names its own fields, goes straight to "start"); "check again"
//!   asks the API with the corrections (`map=HEADER=field;…`), "start" posts the file to
//!   `POST /api/imports` (202 with a job).
//! - `/imports/jobs/{id}`: the job, polled every second with htmx (and a plain refresh
//!   link without JavaScript): rows done of total, then the import or every rejected row.
//! - `/imports/{id}/report`: the reconciliation report, counts per category and the rows
//!   with their candidates and evidence, a hundred rows a page; `/imports/{id}/report.csv`
//!   proxies the API's CSV (its content type and file name kept).
//!
//! **The uploaded file between preview and start** is kept on the server, not sent back
//! to the browser: a small in-memory map ([`Uploads`]) keyed by a random id, owned by the
//! account that uploaded it (another account's id finds nothing), forgotten after 30
//! minutes, when the import starts, or when more than [`Uploads::KEPT`] files or
//! [`Uploads::BYTES`] bytes are held (the oldest goes first; each file is bounded by the
//! API's own upload limit). A file
//! that was forgotten is asked for again. A restart forgets them all, which only costs a
//! new upload.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use repatria_core::{ImportKind, Permission};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::session::{self, url_escape, Fields, Ui};
use super::tracing::Feature;
use super::Failure;
use crate::imports::{Category, Counts, Report, ReportCandidate, ReportRow};
use crate::routes::imports::{ImportView, JobView, MappingPreview, MAX_IMPORT_BYTES};
use crate::AppState;

/// Imports shown on a page of the list.
const IMPORTS_PAGE: u32 = 50;
/// Rows of a report shown on a page.
const REPORT_PAGE: usize = 100;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list))
        .route(
            "/imports/preview",
            post(preview).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route("/imports/start", post(start))
        .route("/imports/jobs/{id}", get(job))
        .route("/imports/{id}/report", get(report))
        .route("/imports/{id}/report.csv", get(report_csv))
}

/// A file uploaded for preview, waiting to be imported.
#[derive(Clone)]
struct Upload {
    owner: String,
    file_name: String,
    bytes: Bytes,
    kind: String,
    source: String,
    consent: bool,
    /// The API's last preview of it (headers and fields).
    preview: Preview,
    at: Instant,
}

/// What the page shows of the API's preview of a file ([`MappingPreview`]); a PFIF
/// document has no columns and no count of rows before its import.
#[derive(Clone, Default)]
struct Preview {
    format: String,
    headers: Vec<String>,
    /// The field proposed for each header, `ignore` where none is.
    fields: Vec<String>,
    rows: Option<u64>,
}

impl From<MappingPreview> for Preview {
    fn from(preview: MappingPreview) -> Self {
        Preview {
            format: preview.format,
            headers: preview.headers,
            fields: preview
                .fields
                .into_iter()
                .map(|f| f.unwrap_or_else(|| "ignore".to_string()))
                .collect(),
            rows: Some(preview.rows),
        }
    }
}

/// The files between preview and start (see the module's doc).
struct Uploads(Mutex<HashMap<String, Upload>>);

impl Uploads {
    /// Files kept at most, all accounts together.
    const KEPT: usize = 8;
    /// Bytes kept at most, all files together (one file may be as large as the API takes).
    const BYTES: usize = 512 * 1024 * 1024;
    /// How long a file waits for its import to start.
    const FOR: Duration = Duration::from_secs(30 * 60);

    fn get() -> &'static Uploads {
        static UPLOADS: OnceLock<Uploads> = OnceLock::new();
        UPLOADS.get_or_init(|| Uploads(Mutex::new(HashMap::new())))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Upload>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, u| u.at.elapsed() < Self::FOR);
        map
    }

    fn put(&self, upload: Upload) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut map = self.lock();
        let held =
            |map: &HashMap<String, Upload>| map.values().map(|u| u.bytes.len()).sum::<usize>();
        while map.len() >= Self::KEPT
            || (!map.is_empty() && held(&map) + upload.bytes.len() > Self::BYTES)
        {
            let Some(oldest) = map.iter().min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone()) else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(id.clone(), upload);
        id
    }

    /// The upload `id` if `owner` uploaded it.
    fn find(&self, id: &str, owner: &str) -> Option<Upload> {
        self.lock().get(id).filter(|u| u.owner == owner).cloned()
    }

    fn set_preview(&self, id: &str, preview: Preview) {
        if let Some(u) = self.lock().get_mut(id) {
            u.preview = preview;
        }
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}

/// `page=N` (1-based).
fn page_of(raw: Option<&str>) -> usize {
    raw.and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

#[derive(Deserialize)]
struct ListQuery {
    /// Where the page starts: the API's `next` of the page before.
    after: Option<String>,
}

async fn list(ui: Ui, Query(query): Query<ListQuery>) -> Response {
    render_list(&ui, query.after.as_deref(), None).await
}

/// The imports, newest first, and the upload form; `refused`: the upload's errors and
/// values.
async fn render_list(ui: &Ui, after: Option<&str>, refused: Option<(Failure, Value)>) -> Response {
    let after = after.filter(|a| !a.is_empty());
    let page = match ui
        .page::<ImportView>("/api/imports", IMPORTS_PAGE, after)
        .await
    {
        Ok(page) => page,
        Err(failure) => return ui.fail(failure),
    };
    let (items, total, next) = (page.items, page.total, page.next);
    let (status, errors, values, message) = match refused {
        Some((f, values)) => (f.status, json!(f.fields), values, Some(f.message)),
        None => (
            StatusCode::OK,
            json!({}),
            json!({ "as": "list", "consent": "true" }),
            None,
        ),
    };
    let mut response = ui.render(
        "imports/list.html",
        context! {
            items, total, next, errors, values, message,
            start => after.is_some(),
            kind_options => kind_options(ui),
        },
    );
    *response.status_mut() = status;
    response
}

fn kind_options(ui: &Ui) -> Vec<[String; 2]> {
    ImportKind::ALL
        .iter()
        .map(|k| [k.to_string(), ui.t(&format!("imports.kind.{k}"))])
        .collect()
}

/// The fields a column can be read as, and "ignored".
fn field_options(ui: &Ui) -> Vec<[String; 2]> {
    std::iter::once(["ignore".to_string(), ui.t("imports.field.ignore")])
        .chain(repatria_lists::Field::ALL.iter().map(|f| {
            let name = f.as_str();
            [name.to_string(), ui.t(&format!("imports.field.{name}"))]
        }))
        .collect()
}

/// The API's query for an upload: `file_name`, `as`, `source`, `consent`, `map`.
/// Sends the uploaded file to the API's `path` (a preview or the import), with its
/// query ([`upload_query`]).
async fn send<T: serde::de::DeserializeOwned>(
    ui: &Ui,
    path: &str,
    upload: &Upload,
    map: &str,
    csrf: &str,
) -> Result<T, Failure> {
    let path = format!("{path}?{}", upload_query(upload, map));
    ui.send_bytes::<T>(
        Method::POST,
        &path,
        "application/octet-stream",
        upload.bytes.clone(),
        csrf,
    )
    .await
}

fn upload_query(upload: &Upload, map: &str) -> String {
    let mut q = format!(
        "file_name={}&as={}",
        url_escape(&upload.file_name),
        url_escape(&upload.kind)
    );
    if !upload.source.trim().is_empty() {
        q.push_str(&format!("&source={}", url_escape(upload.source.trim())));
    }
    if upload.kind == "tracing" {
        q.push_str(&format!("&consent={}", upload.consent));
    }
    if !map.is_empty() {
        q.push_str(&format!("&map={}", url_escape(map)));
    }
    q
}

/// Reads the upload form: the fields, then the file. The session's CSRF token (`_csrf`,
/// which the form sends before the file) is checked before a byte of the file is read,
/// so that a page elsewhere cannot make a visitor's browser upload, and the server read,
/// a file the visitor never chose.
pub(super) async fn read_upload(
    ui: &Ui,
    mut multipart: Multipart,
) -> Result<(Fields, String, Bytes), Failure> {
    let unreadable = |message: String| Failure {
        status: StatusCode::BAD_REQUEST,
        message,
        fields: Default::default(),
    };
    let mut fields = Fields::new();
    let mut file = (String::new(), Bytes::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| unreadable(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let sent = session::field(&fields, "_csrf").unwrap_or_default();
            if ui.csrf.is_empty() || !crate::auth::constant_time_eq(sent, &ui.csrf) {
                return Err(Failure {
                    status: StatusCode::FORBIDDEN,
                    message: ui.t("imports.upload.csrf"),
                    fields: Default::default(),
                });
            }
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| unreadable(e.body_text()))?;
            file = (file_name, bytes);
        } else {
            let text = field.text().await.map_err(|e| unreadable(e.body_text()))?;
            fields.push((name, text));
        }
    }
    Ok((fields, file.0, file.1))
}

async fn preview(ui: Ui, multipart: Multipart) -> Response {
    // The role first: an account that may not import makes the server read nothing.
    if !ui.user.role.can(Permission::ImportLists) {
        return ui.fail(Failure {
            status: StatusCode::FORBIDDEN,
            message: ui.t("imports.forbidden"),
            fields: Default::default(),
        });
    }
    let (fields, file_name, bytes) = match read_upload(&ui, multipart).await {
        Ok(read) => read,
        Err(failure) => return ui.fail(failure),
    };
    let csrf = session::field(&fields, "_csrf")
        .unwrap_or_default()
        .to_string();
    let upload = Upload {
        owner: ui.user.username.clone(),
        // The name only tells the format; the path a browser may send is dropped.
        file_name: file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string(),
        bytes,
        kind: session::field(&fields, "as").unwrap_or("list").to_string(),
        source: session::field(&fields, "source")
            .unwrap_or_default()
            .to_string(),
        consent: session::field(&fields, "consent:bool") == Some("true"),
        preview: Preview::default(),
        at: Instant::now(),
    };
    let values = json!(session::values(&fields));
    if upload.file_name.is_empty() {
        let failure = Failure::unreadable(vec![("file".into(), ui.t("imports.upload.no_file"))]);
        return render_list(&ui, None, Some((failure, values))).await;
    }
    let answer = send::<MappingPreview>(&ui, "/api/imports/preview", &upload, "", &csrf).await;
    match answer {
        Ok(preview) => {
            let mut upload = upload;
            upload.preview = preview.into();
            let id = Uploads::get().put(upload.clone());
            render_preview(&ui, &id, &upload, &upload.preview.fields, None)
        }
        // A PFIF document names its own fields: nothing to map, ready to start.
        Err(failure) if failure.fields.contains_key("format") && is_pfif(&upload.file_name) => {
            let mut upload = upload;
            upload.preview = Preview {
                format: "pfif".to_string(),
                ..Preview::default()
            };
            let id = Uploads::get().put(upload.clone());
            render_preview(&ui, &id, &upload, &[], None)
        }
        Err(failure) if failure.is_input_error() => {
            render_list(&ui, None, Some((file_errors(failure), values))).await
        }
        Err(failure) => ui.fail(failure),
    }
}

fn is_pfif(file_name: &str) -> bool {
    file_name.to_ascii_lowercase().ends_with(".xml")
}

/// The API names the file `file_name`, `body` or `format`; the form calls it `file`.
fn file_errors(mut failure: Failure) -> Failure {
    for name in ["file_name", "body", "format"] {
        if let Some(message) = failure.fields.remove(name) {
            failure.fields.entry("file".into()).or_insert(message);
        }
    }
    failure
}

/// The preview page: every column with its proposed (or chosen) field.
fn render_preview(
    ui: &Ui,
    id: &str,
    upload: &Upload,
    chosen: &[String],
    refused: Option<Failure>,
) -> Response {
    fn field(fields: &[String], i: usize) -> &str {
        fields.get(i).map_or("ignore", String::as_str)
    }
    let columns: Vec<Value> = upload
        .preview
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            json!({
                "index": i,
                "header": h,
                "field": field(chosen, i),
                "proposed": field(&upload.preview.fields, i),
            })
        })
        .collect();
    let status = refused.as_ref().map(|f| f.status).unwrap_or(StatusCode::OK);
    let mut response = ui.render(
        "imports/preview.html",
        context! {
            upload => id,
            file_name => upload.file_name,
            kind => upload.kind,
            source => upload.source,
            consent => upload.consent,
            format => upload.preview.format,
            rows => upload.preview.rows,
            columns,
            field_options => field_options(ui),
            errors => refused.as_ref().map(|f| f.fields.clone()),
            message => refused.map(|f| f.message),
        },
    );
    *response.status_mut() = status;
    response
}

/// `HEADER=field;…` for the columns chosen on the preview page (every column that has a
/// header the API can find it by).
fn mapping(headers: &[String], chosen: &[String]) -> String {
    headers
        .iter()
        .zip(chosen)
        .filter_map(|(h, f)| {
            let h = h.trim();
            (!h.is_empty() && !h.contains(';')).then(|| format!("{h}={f}"))
        })
        .collect::<Vec<_>>()
        .join(";")
}

async fn start(ui: Ui, Form(fields): Form<Fields>) -> Response {
    let csrf = session::field(&fields, "_csrf").unwrap_or_default();
    let id = session::field(&fields, "upload").unwrap_or_default();
    let Some(upload) = Uploads::get().find(id, &ui.user.username) else {
        let failure = Failure::unreadable(vec![("file".into(), ui.t("imports.upload.expired"))]);
        return render_list(&ui, None, Some((failure, json!({ "as": "list" })))).await;
    };
    let headers = &upload.preview.headers;
    let chosen: Vec<String> = (0..headers.len())
        .map(|i| {
            session::field(&fields, &format!("field_{i}"))
                .filter(|f| !f.is_empty())
                .unwrap_or("ignore")
                .to_string()
        })
        .collect();
    let map = mapping(headers, &chosen);
    if session::field(&fields, "action") == Some("preview") {
        let answer = send::<MappingPreview>(&ui, "/api/imports/preview", &upload, &map, csrf).await;
        return match answer {
            Ok(preview) => {
                let preview = Preview::from(preview);
                let now = preview.fields.clone();
                Uploads::get().set_preview(id, preview);
                let upload = Uploads::get().find(id, &ui.user.username).unwrap_or(upload);
                render_preview(&ui, id, &upload, &now, None)
            }
            Err(failure) if failure.is_input_error() => {
                render_preview(&ui, id, &upload, &chosen, Some(failure))
            }
            Err(failure) => ui.fail(failure),
        };
    }
    let answer = send::<JobView>(&ui, "/api/imports", &upload, &map, csrf).await;
    match answer {
        Ok(job) => {
            Uploads::get().remove(id);
            Redirect::to(&format!("/imports/jobs/{}", url_escape(&job.id))).into_response()
        }
        Err(failure) if failure.is_input_error() => {
            render_preview(&ui, id, &upload, &chosen, Some(failure))
        }
        Err(failure) => ui.fail(failure),
    }
}

async fn job(ui: Ui, Path(id): Path<String>) -> Response {
    let job = match ui
        .get::<JobView>(&format!("/api/imports/jobs/{}", url_escape(&id)))
        .await
    {
        Ok(job) => job,
        Err(failure) => return ui.fail(failure),
    };
    ui.render("imports/job.html", context! { job })
}

async fn report(ui: Ui, Path(id): Path<String>, Query(query): Query<PageQuery>) -> Response {
    let page = page_of(query.page.as_deref());
    let report = match ui
        .get::<Report>(&format!("/api/imports/{}/report", url_escape(&id)))
        .await
    {
        Ok(report) => report,
        Err(failure) => return ui.fail(failure),
    };
    let total = report.items.len();
    let items: Vec<ReportItem> = report
        .items
        .iter()
        .skip((page - 1) * REPORT_PAGE)
        .take(REPORT_PAGE)
        .map(ReportItem::new)
        .collect();
    let counts: Vec<CategoryCount> = Category::ALL
        .iter()
        .map(|&category| CategoryCount {
            category,
            count: count_of(&report.counts, category),
        })
        .collect();
    let base = format!("/imports/{}/report", url_escape(&id));
    ui.render(
        "imports/report.html",
        context! {
            report => json!({ "import_id": report.import_id, "file_name": report.file_name, "rows": report.rows }),
            chart => chart(&counts),
            counts, items, total, page,
            csv => format!("/imports/{}/report.csv", url_escape(&id)),
            prev => (page > 1).then(|| format!("{base}?page={}", page - 1)),
            next => (page * REPORT_PAGE < total).then(|| format!("{base}?page={}", page + 1)),
        },
    )
}

/// A row of the report as the page shows it: the API's row, each candidate with its
/// rows of features.
#[derive(Serialize)]
struct ReportItem<'a> {
    #[serde(flatten)]
    row: ReportRowHead<'a>,
    candidates: Vec<CandidateItem<'a>>,
}

/// The row's own fields (its candidates are the page's [`CandidateItem`]s).
#[derive(Serialize)]
struct ReportRowHead<'a> {
    line: u64,
    external_id: &'a Option<String>,
    name: &'a str,
    date_of_birth: &'a Option<String>,
    category: Category,
}

#[derive(Serialize)]
struct CandidateItem<'a> {
    #[serde(flatten)]
    candidate: &'a ReportCandidate,
    features: Vec<Feature>,
}

impl<'a> ReportItem<'a> {
    fn new(row: &'a ReportRow) -> Self {
        ReportItem {
            row: ReportRowHead {
                line: row.line,
                external_id: &row.external_id,
                name: &row.name,
                date_of_birth: &row.date_of_birth,
                category: row.category,
            },
            candidates: row
                .candidates
                .iter()
                .map(|candidate| CandidateItem {
                    candidate,
                    features: candidate.contributions.iter().map(Feature::of).collect(),
                })
                .collect(),
        }
    }
}

fn count_of(counts: &Counts, category: Category) -> u64 {
    match category {
        Category::Captive => counts.captive,
        Category::TracingRequest => counts.tracing_request,
        Category::New => counts.new,
        Category::Ambiguous => counts.ambiguous,
    }
}

#[derive(Serialize)]
struct CategoryCount {
    category: Category,
    count: u64,
}

/// Horizontal bars of the counts, for inline SVG: y, width and the label's x per bar.
fn chart(counts: &[CategoryCount]) -> Vec<Value> {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let n = c.count;
            let width = (n as f64 / max as f64 * 400.0).round() as u64;
            json!({ "category": c.category, "count": n, "y": i * 26, "width": width, "label_x": 150 + width + 6 })
        })
        .collect()
}

/// The API's CSV, with its content type and file name.
async fn report_csv(ui: Ui, Path(id): Path<String>) -> Response {
    let answer = ui
        .get_raw(&format!(
            "/api/imports/{}/report?format=csv",
            url_escape(&id)
        ))
        .await;
    if !answer.status.is_success() {
        let message = serde_json::from_slice::<session::ErrorAnswer>(&answer.body)
            .ok()
            .and_then(|a| a.error.message)
            .unwrap_or_default();
        return ui.fail(Failure {
            status: answer.status,
            message,
            fields: Default::default(),
        });
    }
    let mut response = Response::new(Body::from(answer.body));
    for name in [header::CONTENT_TYPE, header::CONTENT_DISPOSITION] {
        if let Some(value) = answer.headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{tr, Lang};
    use repatria_core::{LinkState, TracingStatus};

    #[test]
    fn the_chosen_columns_make_the_apis_map() {
        let headers = ["№", "Прізвище", "", "a;b"].map(String::from);
        let chosen = ["external_id", "given_name", "unit", "ignore"].map(String::from);
        assert_eq!(
            mapping(&headers, &chosen),
            "№=external_id;Прізвище=given_name"
        );
    }

    #[test]
    fn uploads_belong_to_their_owner_and_the_oldest_go_first() {
        let uploads = Uploads(Mutex::new(HashMap::new()));
        let upload = |owner: &str| Upload {
            owner: owner.into(),
            file_name: "l.csv".into(),
            bytes: Bytes::from_static(b"a\n"),
            kind: "list".into(),
            source: String::new(),
            consent: false,
            preview: Preview::default(),
            at: Instant::now(),
        };
        let first = uploads.put(upload("ann"));
        assert!(uploads.find(&first, "ann").is_some());
        assert!(uploads.find(&first, "bob").is_none());
        for _ in 0..Uploads::KEPT {
            uploads.put(upload("bob"));
        }
        assert!(uploads.find(&first, "ann").is_none());
        assert_eq!(uploads.lock().len(), Uploads::KEPT);
    }

    /// Keys the pages build from the API's words are all in both languages.
    #[test]
    fn every_word_of_the_api_has_its_text() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            Category::ALL
                .iter()
                .map(|c| format!("imports.category.{c}")),
        );
        keys.extend(ImportKind::ALL.iter().map(|k| format!("imports.kind.{k}")));
        keys.extend(
            repatria_lists::Field::ALL
                .iter()
                .map(|f| format!("imports.field.{}", f.as_str())),
        );
        keys.extend(
            TracingStatus::ALL
                .iter()
                .map(|s| format!("tracing.status.{s}")),
        );
        keys.extend(LinkState::ALL.iter().map(|s| format!("match.state.{s}")));
        keys.extend(
            ["captive", "request", "entry"]
                .iter()
                .map(|k| format!("match.kind.{k}")),
        );
        keys.extend(
            crate::imports::JobState::ALL
                .iter()
                .map(|s| format!("imports.job.state.{s}")),
        );
        for key in keys {
            let (en, uk) = (tr(Lang::En, &key), tr(Lang::Uk, &key));
            assert!(en != key && uk != key && en != uk, "{key}: {en} / {uk}");
        }
    }
}
