//! Crash safety (docs/operations.md, "Crash safety"): `repatria serve` is killed with
//! SIGKILL at a random moment while clients register captives (with later claims and
//! custody events), import lists of some hundreds of rows and carry exchanges from their
//! opening to completion; then it is started again on the same database, and so on, on
//! SQLite and on PostgreSQL. The database is checked while the server is down and after
//! each restart:
//!
//! - the server starts again without repair and answers `/healthz`;
//! - `repatria audit verify` passes on the database;
//! - every write answered 2xx is there, as sent: each captive by its id with his claims,
//!   capture and the claims and custody events added later; each import whose job was
//!   answered `done` with all its rows; each exchange step (opening, proposal, agreement,
//!   each decision at the crossing, completion) in the exchange's state and manifest;
//! - nothing is half-written: every list import holds all the rows of its file or does
//!   not exist; a job cut off by a kill is answered `failed`, "nothing was imported",
//!   with no import of its file (or `done` with the whole import, when its transaction
//!   committed just before the kill); a request whose connection the kill cut is
//!   unknown, but what of it is there is whole (a captive with every claim sent, an
//!   exchange whose counts agree with its manifest, a completion that repatriated every
//!   person who crossed and nobody else); the registry holds nobody no client sent; every
//!   capture, transfer and repatriation has its notification (written in its transaction).
//!
//! The kills' moments and the workload's choices come from a seeded RNG: the seed is
//! printed, `REPATRIA_CRASH_SEED` replays it (the timing of the requests still varies
//! from run to run), `REPATRIA_CRASH_KILLS` sets the number of kills per backend.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use repatria_store::testing::{both_backends, TestDatabase};
use repatria_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{repatria, run, user_add};

/// Kills per backend unless `REPATRIA_CRASH_KILLS` says otherwise.
const DEFAULT_KILLS: usize = 55;
/// The server's `--job-stale-seconds`: a job cut off by a kill is answered failed this
/// long after its last heartbeat.
const STALE_SECONDS: u64 = 2;
/// Each kill comes this long after the clients started, at a random moment within.
const KILL_WINDOW_MS: (u64, u64) = (20, 800);
/// One cycle in this many gets a longer window, so that imports also finish.
const LONG_WINDOW_EVERY: u32 = 5;
const LONG_WINDOW_MS: (u64, u64) = (800, 2000);
const PASSWORD: &str = "a long crash test password";

both_backends!(every_answered_write_survives_sigkill_and_nothing_is_half_written);

async fn every_answered_write_survives_sigkill_and_nothing_is_half_written(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let seed = std::env::var("REPATRIA_CRASH_SEED")
        .ok()
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .expect("REPATRIA_CRASH_SEED is a number")
        })
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        });
    let kills = std::env::var("REPATRIA_CRASH_KILLS")
        .ok()
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .expect("REPATRIA_CRASH_KILLS is a number")
        })
        .unwrap_or(DEFAULT_KILLS);
    let name = backend.as_str();
    println!("crash ({name}): seed {seed}, {kills} kills (replay with REPATRIA_CRASH_SEED={seed})");
    let harness = Harness::set_up(db, seed).await;
    harness.run(kills).await;
}

// ---------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------

/// `repatria serve` on the test's database; killed with SIGKILL.
struct Server {
    child: Option<Child>,
    base: String,
}

impl Server {
    /// Starts the server and waits until it answers `/healthz`; `Err` says why it did not.
    async fn start(db: &str, log: &Path) -> Result<Server, String> {
        let (db, log) = (db.to_string(), log.to_path_buf());
        let server = tokio::task::spawn_blocking(move || -> Result<Server, String> {
            let log_file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(|e| e.to_string())?;
            let mut child = repatria()
                .args(["serve", "--db", &db, "--addr", "127.0.0.1:0"])
                .args(["--job-stale-seconds", &STALE_SECONDS.to_string()])
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log_file)
                .spawn()
                .map_err(|e| e.to_string())?;
            let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let status = child.wait().map_err(|e| e.to_string())?;
                return Err(format!("exited ({status}) before listening"));
            };
            let base = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .ok_or_else(|| format!("no address in {line:?}"))?
                .trim_end_matches('/')
                .to_string();
            // Drain stdout so that the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            Ok(Server {
                child: Some(child),
                base,
            })
        })
        .await
        .map_err(|e| e.to_string())??;
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match client.get(format!("{}/healthz", server.base)).send().await {
                Ok(answer) if answer.status() == StatusCode::OK => return Ok(server),
                _ if Instant::now() > deadline => {
                    return Err("listening, but /healthz did not answer 200 within 30 s".into())
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reaps the process.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last lines of the servers' log, for a failure's message.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

// ---------------------------------------------------------------------------------------
// The HTTP client
// ---------------------------------------------------------------------------------------

/// What came back: an answer, or nothing (the kill cut the connection, or the server
/// was already gone): the request's outcome is unknown.
enum Reply {
    Answer(StatusCode, Value),
    Lost,
}

#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn send(&self, token: &str, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        Self::read(request.send().await).await
    }

    async fn upload(&self, token: &str, path: &str, file: String) -> Reply {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(file);
        Self::read(request.send().await).await
    }

    async fn read(sent: reqwest::Result<reqwest::Response>) -> Reply {
        let Ok(response) = sent else {
            return Reply::Lost;
        };
        let status = response.status();
        match response.bytes().await {
            Ok(bytes) => Reply::Answer(
                status,
                serde_json::from_slice(&bytes)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into())),
            ),
            Err(_) => Reply::Lost,
        }
    }

    async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(token, Method::GET, path, None).await
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(token, Method::POST, path, Some(body)).await
    }

    /// [`Api::read_ok`] of each path, a few at a time, in order.
    async fn read_all(&self, token: &str, paths: Vec<String>) -> Vec<Result<Value, String>> {
        let mut out = Vec::with_capacity(paths.len());
        for chunk in paths.chunks(6) {
            let reads: Vec<_> = chunk
                .iter()
                .map(|path| {
                    let (api, token, path) = (self.clone(), token.to_string(), path.clone());
                    tokio::spawn(async move { api.read_ok(&token, &path).await })
                })
                .collect();
            for read in reads {
                out.push(read.await.expect("a read panicked"));
            }
        }
        out
    }

    /// A read after a restart, when the server must answer: the body of a 200.
    async fn read_ok(&self, token: &str, path: &str) -> Result<Value, String> {
        match self.get(token, path).await {
            Reply::Answer(StatusCode::OK, body) => Ok(body),
            Reply::Answer(status, body) => Err(format!("GET {path}: {status} {body}")),
            Reply::Lost => Err(format!("GET {path}: no answer from a running server")),
        }
    }
}

// ---------------------------------------------------------------------------------------
// What the clients sent and what the server answered
// ---------------------------------------------------------------------------------------

/// A change sent after a captive's registration.
#[derive(Clone)]
enum Change {
    Claim(Value),
    Event(Value),
}

/// A captive whose registration was answered 201.
struct Captive {
    id: String,
    body: Value,
    /// Changes answered 200, in order.
    changes: Vec<Change>,
    /// A change whose answer was lost; no change is sent after it.
    unknown: Option<Change>,
    /// Checked against the server since his last acknowledged change.
    checked: bool,
}

/// A list uploaded for import.
struct Upload {
    file_name: String,
    rows: u64,
    /// The job, once the upload was answered 202.
    job: Option<String>,
    /// The import, once the job was answered `done`.
    import: Option<String>,
    /// How its rows came out (matched, new, …), as the job answered them.
    counts: Option<Value>,
    /// When the server running the job was killed (the job not seen finished).
    lost_at: Option<Instant>,
    /// The job's end was read (after its server stopped: failed or done).
    resolved: bool,
    /// The import of this file was found and checked whole.
    found: Option<String>,
}

/// An exchange carried from its opening to its completion, one request at a time.
#[derive(Default)]
struct Flow {
    title: String,
    /// Its captives, registered for it: (id, from, to).
    captives: Vec<(String, &'static str, &'static str)>,
    id: Option<String>,
    /// An opening whose answer was lost: the exchange may exist under its title.
    create_lost: bool,
    proposals_sent: u32,
    /// The proposal answered 201 (or found after a lost answer).
    proposal: Option<u32>,
    proposal_acked: bool,
    agreement_sent: bool,
    agreed_acked: bool,
    /// Decisions at the crossing answered 200: entry → outcome.
    decided: HashMap<String, String>,
    /// Decisions sent whose answer was lost: entry → outcome.
    decided_lost: HashMap<String, String>,
    complete_sent: bool,
    completed_acked: bool,
    /// Its completion was seen and its captives checked.
    completion_checked: bool,
    /// Seen completed: the next flow begins.
    done: bool,
}

#[derive(Default)]
struct Stats {
    captives: u64,
    captives_lost: u64,
    changes: u64,
    changes_lost: u64,
    uploads_lost: u64,
    imports_done: u64,
    jobs_cut: u64,
    jobs_cut_committed: u64,
    exchange_steps: u64,
    exchange_steps_lost: u64,
    exchanges_completed: u64,
}

#[derive(Default)]
struct Model {
    serial: u64,
    captives: Vec<Captive>,
    /// Registrations whose answer was lost, by their service number.
    captives_lost: HashMap<String, Value>,
    uploads: Vec<Upload>,
    flows: Vec<Flow>,
    /// Answers no kill explains (a 4xx or 5xx to a request that was valid).
    surprises: Vec<String>,
    stats: Stats,
}

impl Model {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

type Shared = Arc<Mutex<Model>>;

fn lock(model: &Shared) -> std::sync::MutexGuard<'_, Model> {
    model.lock().unwrap_or_else(|e| e.into_inner())
}

// Fictional names: common Ukrainian, Russian and Korean family and given names, combined
// at random.
const FAMILY: [&str; 12] = [
    "Hrytsenko",
    "Bilous",
    "Danyliuk",
    "Zhuravel",
    "Кравець",
    "Мірошник",
    "Соколов",
    "Орлов",
    "Pak",
    "Choe",
    "Yaremchuk",
    "Лысенко",
];
const GIVEN: [&str; 10] = [
    "Andrii",
    "Bohdan",
    "Петро",
    "Ілля",
    "Дмитрий",
    "Roman",
    "Chol-su",
    "Yurii",
    "Максим",
    "Oleh",
];

fn claim(rng: &mut StdRng, source: &str, serial: u64) -> Value {
    json!({
        "source": source,
        "family_name": FAMILY[rng.gen_range(0..FAMILY.len())],
        "given_name": GIVEN[rng.gen_range(0..GIVEN.len())],
        "date_of_birth": format!("{}-{:02}-{:02}", rng.gen_range(1970..2005), rng.gen_range(1..13), rng.gen_range(1..29)),
        "rank": "private",
        "service_number": format!("CR-{serial:07}"),
    })
}

fn captive_body(rng: &mut StdRng, serial: u64, origin: &str, held_by: &str) -> Value {
    json!({
        "power_of_origin": origin,
        "detaining_power": held_by,
        "capture": {
            "captured_at": format!("2025-{:02}-{:02}T06:{:02}:00Z", rng.gen_range(1..13), rng.gen_range(1..29), serial % 60),
            "place": format!("Sector {}", serial % 97),
            "capturing_unit": "Unit 7"
        },
        "identity_claims": [claim(rng, "document_found", serial)],
        "languages": [],
        "interpreter_required": false
    })
}

/// Registers a captive; his id when answered 201.
async fn register(
    api: &Api,
    token: &str,
    model: &Shared,
    rng: &mut StdRng,
    origin: &str,
    held_by: &str,
) -> Option<String> {
    let serial = lock(model).next();
    let body = captive_body(rng, serial, origin, held_by);
    match api.post(token, "/api/captives", &body).await {
        Reply::Answer(StatusCode::CREATED, answer) => {
            let id = answer["id"].as_str().unwrap_or_default().to_string();
            let mut m = lock(model);
            m.stats.captives += 1;
            m.captives.push(Captive {
                id: id.clone(),
                body,
                changes: Vec::new(),
                unknown: None,
                checked: false,
            });
            Some(id)
        }
        Reply::Answer(status, answer) => {
            lock(model)
                .surprises
                .push(format!("POST /api/captives: {status} {answer}"));
            None
        }
        Reply::Lost => {
            let mut m = lock(model);
            m.stats.captives_lost += 1;
            m.captives_lost
                .insert(format!("CR-{serial:07}"), body.clone());
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// The clients
// ---------------------------------------------------------------------------------------

/// A registrar: registers captives, and adds a claim or a custody event to some.
async fn registrar(api: Api, token: String, model: Shared, stop: Arc<AtomicBool>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let (origin, held_by) = match rng.gen_range(0..4) {
            0 => ("UA", "RU"),
            1 => ("KP", "UA"),
            _ => ("RU", "UA"),
        };
        let Some(id) = register(&api, &token, &model, &mut rng, origin, held_by).await else {
            return;
        };
        for _ in 0..rng.gen_range(0..3) {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let (serial, captured_at, done) = {
                let m = lock(&model);
                let c = m.captives.iter().find(|c| c.id == id).expect("registered");
                (
                    m.serial,
                    c.body["capture"]["captured_at"]
                        .as_str()
                        .unwrap()
                        .parse::<DateTime<Utc>>()
                        .unwrap(),
                    c.changes.len() as i64,
                )
            };
            let (path, change) = if rng.gen_bool(0.5) {
                let body = json!({
                    "kind": "transferred",
                    "at": (captured_at + chrono::Duration::days(1 + done)).to_rfc3339(),
                    "place": format!("Camp {}", serial % 13),
                    "facility": "camp"
                });
                ("custody-events", Change::Event(body))
            } else {
                let mut body = claim(&mut rng, "self_declared", serial);
                body["service_number"] = json!(format!("CR-{serial:07}-{done}"));
                ("identity-claims", Change::Claim(body))
            };
            let body = match &change {
                Change::Claim(b) | Change::Event(b) => b.clone(),
            };
            match api
                .post(&token, &format!("/api/captives/{id}/{path}"), &body)
                .await
            {
                Reply::Answer(status, _) if status.is_success() => {
                    let mut m = lock(&model);
                    m.stats.changes += 1;
                    let c = m.captives.iter_mut().find(|c| c.id == id).unwrap();
                    c.changes.push(change);
                    c.checked = false;
                }
                Reply::Answer(status, answer) => {
                    lock(&model)
                        .surprises
                        .push(format!("POST /api/captives/{id}/{path}: {status} {answer}"));
                    return;
                }
                Reply::Lost => {
                    let mut m = lock(&model);
                    m.stats.changes_lost += 1;
                    let c = m.captives.iter_mut().find(|c| c.id == id).unwrap();
                    c.unknown = Some(change);
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(10..80))).await;
    }
}

/// A list of `rows` rows, unique to `serial`.
fn list_file(rng: &mut StdRng, serial: u64, rows: u64) -> String {
    let mut csv = String::from("family_name,given_name,date_of_birth,service_number,unit\n");
    for line in 0..rows {
        csv.push_str(&format!(
            "{},{},{}-{:02}-{:02},L{serial}-{line},Unit {}\n",
            FAMILY[rng.gen_range(0..FAMILY.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())],
            rng.gen_range(1970..2005),
            rng.gen_range(1..13),
            rng.gen_range(1..29),
            line % 9
        ));
    }
    csv
}

/// An officer importing lists one after another, following each job to its end.
async fn importer(api: Api, token: String, model: Shared, stop: Arc<AtomicBool>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let serial = lock(&model).next();
        let rows = rng.gen_range(300..=700);
        let file_name = format!("crash-list-{serial}.csv");
        let file = list_file(&mut rng, serial, rows);
        let index = {
            let mut m = lock(&model);
            m.uploads.push(Upload {
                file_name: file_name.clone(),
                rows,
                job: None,
                import: None,
                counts: None,
                lost_at: None,
                resolved: false,
                found: None,
            });
            m.uploads.len() - 1
        };
        let path = format!("/api/imports?file_name={file_name}&source=RU");
        let job = match api.upload(&token, &path, file).await {
            Reply::Answer(StatusCode::ACCEPTED, answer) => {
                let job = answer["id"].as_str().unwrap_or_default().to_string();
                lock(&model).uploads[index].job = Some(job.clone());
                job
            }
            Reply::Answer(status, answer) => {
                lock(&model)
                    .surprises
                    .push(format!("POST {path}: {status} {answer}"));
                return;
            }
            Reply::Lost => {
                lock(&model).stats.uploads_lost += 1;
                return;
            }
        };
        loop {
            match api.get(&token, &format!("/api/imports/jobs/{job}")).await {
                Reply::Answer(StatusCode::OK, answer) if answer["state"] == "running" => {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                Reply::Answer(StatusCode::OK, answer) if answer["state"] == "done" => {
                    {
                        let mut m = lock(&model);
                        m.stats.imports_done += 1;
                        if answer["import"]["rows"] != json!(rows) {
                            m.surprises.push(format!(
                                "job {job} done with other rows than {rows}: {answer}"
                            ));
                        }
                        m.uploads[index].import = answer["import"]["id"].as_str().map(String::from);
                        m.uploads[index].counts = Some(answer["import"]["counts"].clone());
                        m.uploads[index].resolved = true;
                    }
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(0..200))).await;
                    break;
                }
                Reply::Answer(status, answer) => {
                    lock(&model).surprises.push(format!(
                        "job {job} of {file_name}, the server running: {status} {answer}"
                    ));
                    return;
                }
                Reply::Lost => return,
            }
        }
    }
}

/// The exchange's captives: two we hold (handed over to RU), two RU holds (received).
const FLOW_PARTIES: [(&str, &str); 4] = [("UA", "RU"), ("UA", "RU"), ("RU", "UA"), ("RU", "UA")];

/// A negotiator (an administrator's account) carrying exchanges through, one request at a
/// time, each step after a lost answer first reading where the exchange stands.
async fn negotiator(api: Api, token: String, model: Shared, stop: Arc<AtomicBool>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        match exchange_step(&api, &token, &model, &mut rng).await {
            Ok(true) => {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await;
            }
            Ok(false) => return,
            Err(surprise) => {
                lock(&model).surprises.push(surprise);
                return;
            }
        }
    }
}

/// The current flow (a new one when the last was completed).
fn current_flow(m: &mut Model) -> usize {
    if m.flows.last().is_none_or(|f| f.done) {
        let n = m.flows.len() + 1;
        m.flows.push(Flow {
            title: format!("Crash exchange {n}"),
            ..Flow::default()
        });
    }
    m.flows.len() - 1
}

/// One step of the current exchange: Ok(true) to go on, Ok(false) when an answer was
/// lost, Err for an answer no kill explains.
async fn exchange_step(
    api: &Api,
    token: &str,
    model: &Shared,
    rng: &mut StdRng,
) -> Result<bool, String> {
    let (f, need, id, create_lost) = {
        let mut m = lock(model);
        let f = current_flow(&mut m);
        let flow = &m.flows[f];
        (f, flow.captives.len(), flow.id.clone(), flow.create_lost)
    };
    if need < FLOW_PARTIES.len() {
        let (from, to) = FLOW_PARTIES[need];
        // Of origin `to`, held by `from`.
        let Some(captive) = register(api, token, model, rng, to, from).await else {
            return Ok(false);
        };
        lock(model).flows[f].captives.push((captive, from, to));
        return Ok(true);
    }
    let Some(id) = id else {
        let title = lock(model).flows[f].title.clone();
        if create_lost {
            // Newest first: a run opens fewer exchanges than a page holds.
            let Reply::Answer(StatusCode::OK, list) =
                api.get(token, "/api/exchanges?limit=500").await
            else {
                return Ok(false);
            };
            let found = list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["title"] == title.as_str());
            let mut m = lock(model);
            m.flows[f].id = found.and_then(|x| x["id"].as_str()).map(String::from);
            m.flows[f].create_lost = false;
            return Ok(true);
        }
        let body = json!({
            "title": title,
            "sides": [["UA"], ["RU"]],
            "mediators": ["ICRC"],
            "terms": { "balance": "count", "tolerance": 0 }
        });
        return match api.post(token, "/api/exchanges", &body).await {
            Reply::Answer(StatusCode::CREATED, answer) => {
                let mut m = lock(model);
                m.stats.exchange_steps += 1;
                m.flows[f].id = answer["id"].as_str().map(String::from);
                Ok(true)
            }
            Reply::Answer(status, answer) => Err(format!("POST /api/exchanges: {status} {answer}")),
            Reply::Lost => {
                let mut m = lock(model);
                m.stats.exchange_steps_lost += 1;
                m.flows[f].create_lost = true;
                Ok(false)
            }
        };
    };
    let x = format!("/api/exchanges/{id}");
    let Reply::Answer(StatusCode::OK, exchange) = api.get(token, &x).await else {
        return Ok(false);
    };
    let state = exchange["state"].as_str().unwrap_or_default().to_string();
    let (proposal, proposals_sent) = {
        let m = lock(model);
        (m.flows[f].proposal, m.flows[f].proposals_sent)
    };
    if proposal.is_none() {
        let recorded = exchange["proposals"].as_u64().unwrap_or(0) as u32;
        if recorded > 0 {
            // A proposal whose answer was lost was recorded after all.
            lock(model).flows[f].proposal = Some(recorded);
            return Ok(true);
        }
        let transfers: Vec<Value> = lock(model).flows[f]
            .captives
            .iter()
            .map(|(captive, from, to)| json!({ "captive": captive, "from": from, "to": to }))
            .collect();
        let body = json!({ "by": "UA", "transfers": transfers, "note": "crash test" });
        lock(model).flows[f].proposals_sent = proposals_sent + 1;
        return match api.post(token, &format!("{x}/proposals"), &body).await {
            Reply::Answer(StatusCode::CREATED, answer) => {
                if answer["violations"] != json!([]) {
                    return Err(format!("a proposal with violations: {answer}"));
                }
                let mut m = lock(model);
                m.stats.exchange_steps += 1;
                m.flows[f].proposal = answer["number"].as_u64().map(|n| n as u32);
                m.flows[f].proposal_acked = true;
                Ok(true)
            }
            Reply::Answer(status, answer) => Err(format!("POST {x}/proposals: {status} {answer}")),
            Reply::Lost => {
                lock(model).stats.exchange_steps_lost += 1;
                Ok(false)
            }
        };
    }
    if state == "negotiating" {
        // Also after an agreement whose answer was lost and that was not recorded.
        lock(model).flows[f].agreement_sent = true;
        let body = json!({ "proposal": proposal });
        return match api.post(token, &format!("{x}/agreement"), &body).await {
            Reply::Answer(StatusCode::OK, _) => {
                let mut m = lock(model);
                m.stats.exchange_steps += 1;
                m.flows[f].agreed_acked = true;
                Ok(true)
            }
            Reply::Answer(status, answer) => Err(format!("POST {x}/agreement: {status} {answer}")),
            Reply::Lost => {
                lock(model).stats.exchange_steps_lost += 1;
                Ok(false)
            }
        };
    }
    if state == "completed" {
        let mut m = lock(model);
        m.flows[f].done = true;
        m.stats.exchanges_completed += 1;
        return Ok(true);
    }
    let Reply::Answer(StatusCode::OK, manifest) = api.get(token, &format!("{x}/manifest")).await
    else {
        return Ok(false);
    };
    let pending = manifest["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["status"] == "pending")
        .cloned();
    let Some(entry) = pending else {
        lock(model).flows[f].complete_sent = true;
        return match api.post(token, &format!("{x}/complete"), &json!({})).await {
            Reply::Answer(StatusCode::OK, _) => {
                let mut m = lock(model);
                m.stats.exchange_steps += 1;
                m.flows[f].completed_acked = true;
                Ok(true)
            }
            Reply::Answer(status, answer) => Err(format!("POST {x}/complete: {status} {answer}")),
            Reply::Lost => {
                lock(model).stats.exchange_steps_lost += 1;
                Ok(false)
            }
        };
    };
    let entry_id = entry["entry"].as_str().unwrap_or_default().to_string();
    let outcome = if rng.gen_ratio(1, 8) {
        "withdrawn"
    } else if entry["from"] == "UA" {
        "handed_over"
    } else {
        "received"
    };
    let body = json!({
        "entry": entry_id,
        "outcome": outcome,
        "stage": "bus 1",
        "note": (outcome == "withdrawn").then_some("unfit to travel"),
        "checks": {
            "identity_verified": outcome != "withdrawn",
            "identity_method": "photo and questions",
            "wish_confirmed": outcome == "handed_over",
            "wish_confirmed_by": (outcome == "handed_over").then_some("ICRC delegate on duty"),
            "fit_to_travel": outcome != "withdrawn"
        }
    });
    match api.post(token, &format!("{x}/handover"), &body).await {
        Reply::Answer(StatusCode::OK, _) => {
            let mut m = lock(model);
            m.stats.exchange_steps += 1;
            m.flows[f].decided.insert(entry_id, outcome.to_string());
            Ok(true)
        }
        Reply::Answer(status, answer) => Err(format!("POST {x}/handover: {status} {answer}")),
        Reply::Lost => {
            let mut m = lock(model);
            m.stats.exchange_steps_lost += 1;
            m.flows[f]
                .decided_lost
                .insert(entry_id, outcome.to_string());
            Ok(false)
        }
    }
}

// ---------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------

struct Tokens {
    admin: String,
    registrar_a: String,
    registrar_b: String,
}

struct Harness {
    db: TestDatabase,
    _dir: tempfile::TempDir,
    log: PathBuf,
    seed: u64,
    /// The kills' moments and the clients' seeds: the same for a seed, whatever the
    /// timing.
    schedule: StdRng,
    /// Which old records are read again.
    sampling: StdRng,
    tokens: Tokens,
    model: Shared,
    client: reqwest::Client,
}

impl Harness {
    /// Accounts through `repatria user add`, then a first server: log in (sessions live
    /// in the database, so the tokens outlive every restart) and create the parties.
    async fn set_up(db: TestDatabase, seed: u64) -> Harness {
        for (name, role) in [
            ("admin", "admin"),
            ("registrar-a", "registrar"),
            ("registrar-b", "registrar"),
        ] {
            let output = user_add(&db.url, name, role, PASSWORD);
            crate::support::assert_success(&output);
        }
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("servers.log");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut server = Server::start(&db.url, &log)
            .await
            .unwrap_or_else(|e| panic!("the server does not start: {e}\n{}", log_tail(&log)));
        let token = async |name: &str| {
            let answer = client
                .post(format!("{}/api/auth/login", server.base))
                .json(&json!({ "username": name, "password": PASSWORD }))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "login {name}");
            let body: Value = answer.json().await.unwrap();
            body["token"].as_str().unwrap().to_string()
        };
        let tokens = Tokens {
            admin: token("admin").await,
            registrar_a: token("registrar-a").await,
            registrar_b: token("registrar-b").await,
        };
        for (code, name) in [
            ("UA", "Ukraine"),
            ("RU", "Russian Federation"),
            ("KP", "DPRK"),
            ("ICRC", "International Committee of the Red Cross"),
        ] {
            let answer = client
                .post(format!("{}/api/parties", server.base))
                .bearer_auth(&tokens.admin)
                .json(&json!({ "code": code, "name": name }))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::CREATED, "party {code}");
        }
        server.kill();
        Harness {
            db,
            _dir: dir,
            log,
            seed,
            schedule: StdRng::seed_from_u64(seed),
            sampling: StdRng::seed_from_u64(seed ^ 0x5eed_5eed_5eed_5eed),
            tokens,
            model: Arc::new(Mutex::new(Model::default())),
            client,
        }
    }

    fn fail(&self, what: &str, problems: &[String]) -> ! {
        panic!(
            "crash ({}), seed {} (replay with REPATRIA_CRASH_SEED={}): {what}:\n- {}\n\nservers' log, last lines:\n{}",
            self.db.backend().as_str(),
            self.seed,
            self.seed,
            problems.join("\n- "),
            log_tail(&self.log)
        )
    }

    async fn start(&self) -> Server {
        match Server::start(&self.db.url, &self.log).await {
            Ok(server) => server,
            Err(e) => self.fail("the server does not start again on the same database", &[e]),
        }
    }

    /// `repatria audit verify` on the database, the server down.
    fn audit_verifies(&self) {
        let (ok, stdout, stderr) = run(&["audit", "verify", "--db", &self.db.url]);
        if !ok || !stdout.starts_with("audit log intact") {
            self.fail(
                "the audit log does not verify after a kill",
                &[format!("{stdout}{stderr}")],
            );
        }
    }

    async fn run(mut self, kills: usize) {
        let started = Instant::now();
        let mut restarts = Vec::new();
        let mut last_kill = Instant::now();
        let (mut checking, mut verifying) = (Duration::ZERO, Duration::ZERO);
        let mut last_delay = 0;
        for cycle in 0..kills {
            let up = Instant::now();
            let server = self.start().await;
            restarts.push(up.elapsed());
            let api = Api {
                client: self.client.clone(),
                base: server.base.clone(),
            };
            let t = Instant::now();
            let problems = self.check(&api, false).await;
            checking += t.elapsed();
            if !problems.is_empty() {
                self.fail(
                    &format!(
                        "after {cycle} kills, the last {last_delay} ms after the clients began"
                    ),
                    &problems,
                );
            }
            let stop = Arc::new(AtomicBool::new(false));
            let seeds: [u64; 4] = self.schedule.gen();
            let t = &self.tokens;
            let clients = [
                tokio::spawn(registrar(
                    api.clone(),
                    t.registrar_a.clone(),
                    self.model.clone(),
                    stop.clone(),
                    seeds[0],
                )),
                tokio::spawn(registrar(
                    api.clone(),
                    t.registrar_b.clone(),
                    self.model.clone(),
                    stop.clone(),
                    seeds[1],
                )),
                tokio::spawn(importer(
                    api.clone(),
                    t.registrar_b.clone(),
                    self.model.clone(),
                    stop.clone(),
                    seeds[2],
                )),
                tokio::spawn(negotiator(
                    api.clone(),
                    t.admin.clone(),
                    self.model.clone(),
                    stop.clone(),
                    seeds[3],
                )),
            ];
            let (low, high) = if self.schedule.gen_ratio(1, LONG_WINDOW_EVERY) {
                LONG_WINDOW_MS
            } else {
                KILL_WINDOW_MS
            };
            let delay = self.schedule.gen_range(low..=high);
            last_delay = delay;
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let mut server = server;
            server.kill();
            last_kill = Instant::now();
            stop.store(true, Ordering::Relaxed);
            for client in clients {
                client.await.expect("a client panicked");
            }
            {
                let mut m = lock(&self.model);
                let surprises = std::mem::take(&mut m.surprises);
                drop(m);
                if !surprises.is_empty() {
                    self.fail(
                        &format!("answers no kill explains, before kill {}", cycle + 1),
                        &surprises,
                    );
                }
                let mut m = lock(&self.model);
                for upload in m.uploads.iter_mut() {
                    if upload.job.is_some() && !upload.resolved && upload.lost_at.is_none() {
                        upload.lost_at = Some(last_kill);
                    }
                }
            }
            let t = Instant::now();
            self.audit_verifies();
            verifying += t.elapsed();
        }
        // Once more, after every job cut off is past the stale window: everything.
        let server = self.start().await;
        let api = Api {
            client: self.client.clone(),
            base: server.base.clone(),
        };
        let wait = Duration::from_millis(STALE_SECONDS * 1000 + 300);
        if let Some(left) = wait.checked_sub(last_kill.elapsed()) {
            tokio::time::sleep(left).await;
        }
        let problems = self.check(&api, true).await;
        if !problems.is_empty() {
            self.fail(&format!("at the end, after {kills} kills"), &problems);
        }
        drop(server);
        self.audit_verifies();
        let m = lock(&self.model);
        let s = &m.stats;
        let slowest = restarts.iter().max().copied().unwrap_or_default();
        let mean = restarts.iter().sum::<Duration>() / restarts.len().max(1) as u32;
        println!(
            "crash ({}): seed {}: {kills} kills in {:.1} s (checks {:.1} s, audit verify {:.1} s); \
             restarts mean {} ms, slowest {} ms; \
             captives {} answered, {} cut; later changes {} answered, {} cut; \
             imports {} done, {} uploads cut, {} jobs cut ({} of them had committed); \
             exchange steps {} answered, {} cut, {} exchanges completed",
            self.db.backend().as_str(),
            self.seed,
            started.elapsed().as_secs_f64(),
            checking.as_secs_f64(),
            verifying.as_secs_f64(),
            mean.as_millis(),
            slowest.as_millis(),
            s.captives,
            s.captives_lost,
            s.changes,
            s.changes_lost,
            s.imports_done,
            s.uploads_lost,
            s.jobs_cut,
            s.jobs_cut_committed,
            s.exchange_steps,
            s.exchange_steps_lost,
            s.exchanges_completed,
        );
    }

    /// Everything that must hold after a restart; `all`: also what is checked once at the
    /// end (the whole registry, every job cut off, every exchange's captives).
    async fn check(&mut self, api: &Api, all: bool) -> Vec<String> {
        let mut m = std::mem::take(&mut *lock(&self.model));
        let mut problems = Vec::new();
        self.check_captives(api, &mut m, all, &mut problems).await;
        self.check_imports(api, &mut m, all, &mut problems).await;
        self.check_exchanges(api, &mut m, all, &mut problems).await;
        *lock(&self.model) = m;
        problems
    }

    async fn check_captives(
        &mut self,
        api: &Api,
        m: &mut Model,
        all: bool,
        problems: &mut Vec<String>,
    ) {
        let admin = &self.tokens.admin;
        // The new ones and those changed since, and a few old ones again.
        let mut sample: Vec<usize> = (0..m.captives.len())
            .filter(|&i| all || !m.captives[i].checked)
            .collect();
        for _ in 0..3.min(m.captives.len()) {
            sample.push(self.sampling.gen_range(0..m.captives.len()));
        }
        let paths = sample
            .iter()
            .map(|&i| format!("/api/captives/{}", m.captives[i].id))
            .collect();
        // The records read, for the check of their notifications at the end.
        let mut records = Vec::new();
        for (i, read) in sample.into_iter().zip(api.read_all(admin, paths).await) {
            match read {
                Ok(view) => {
                    let before = problems.len();
                    captive_as_sent(&m.captives[i], &view, problems);
                    if problems.len() == before {
                        m.captives[i].checked = true;
                    }
                    if all {
                        records.push(view);
                    }
                }
                Err(e) => problems.push(format!("a captive answered 201 is not there: {e}")),
            }
        }
        // The registry's size: everything answered, and at most what was cut besides.
        let total = match api.read_ok(admin, "/api/captives?limit=1").await {
            Ok(page) => page["total"].as_u64().unwrap_or(0),
            Err(e) => {
                problems.push(e);
                return;
            }
        };
        let (acked, cut) = (m.captives.len() as u64, m.captives_lost.len() as u64);
        if total < acked || total > acked + cut {
            problems.push(format!(
                "the registry holds {total} captives: {acked} were answered 201 and {cut} cut off"
            ));
        }
        if !all {
            return;
        }
        // Every captive there: one answered, or one cut off and then whole.
        let known: HashSet<&str> = m.captives.iter().map(|c| c.id.as_str()).collect();
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/captives?limit=500&cursor={c}"),
                None => "/api/captives?limit=500".to_string(),
            };
            let page = match api.read_ok(admin, &path).await {
                Ok(page) => page,
                Err(e) => {
                    problems.push(e);
                    return;
                }
            };
            for item in page["items"].as_array().into_iter().flatten() {
                let id = item["id"].as_str().unwrap_or_default().to_string();
                if known.contains(id.as_str()) || !seen.insert(id.clone()) {
                    continue;
                }
                let view = match api.read_ok(admin, &format!("/api/captives/{id}")).await {
                    Ok(view) => view,
                    Err(e) => {
                        problems.push(e);
                        continue;
                    }
                };
                let number = view["identity_claims"][0]["service_number"]
                    .as_str()
                    .unwrap_or_default();
                match m.captives_lost.get(number) {
                    Some(body) => {
                        let c = Captive {
                            id,
                            body: body.clone(),
                            changes: Vec::new(),
                            unknown: None,
                            checked: false,
                        };
                        captive_as_sent(&c, &view, problems);
                        records.push(view);
                    }
                    None => problems.push(format!("a captive nobody registered: {view}")),
                }
            }
            cursor = page["next"].as_str().map(String::from);
            if cursor.is_none() {
                break;
            }
        }
        notified(api, admin, &records, problems).await;
    }

    async fn check_imports(
        &mut self,
        api: &Api,
        m: &mut Model,
        all: bool,
        problems: &mut Vec<String>,
    ) {
        let token = &self.tokens.registrar_b;
        // Every import, a page at a time.
        let mut imports = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/imports?limit=500&cursor={c}"),
                None => "/api/imports?limit=500".to_string(),
            };
            match api.read_ok(token, &path).await {
                Ok(page) => {
                    imports.extend(page["items"].as_array().cloned().unwrap_or_default());
                    match page["next"].as_str() {
                        Some(next) => cursor = Some(next.to_string()),
                        None => break,
                    }
                }
                Err(e) => {
                    problems.push(e);
                    return;
                }
            }
        }
        let mut by_file: HashMap<String, Value> = HashMap::new();
        for import in imports {
            let file = import["file_name"].as_str().unwrap_or_default().to_string();
            if let Some(earlier) = by_file.insert(file.clone(), import.clone()) {
                problems.push(format!("{file} imported twice: {earlier} and {import}"));
            }
        }
        for upload in m.uploads.iter_mut() {
            let found = by_file.remove(&upload.file_name);
            if let Some(import) = &upload.import {
                match &found {
                    Some(f) if f["id"] == import.as_str() => {}
                    other => problems.push(format!(
                        "the import of {} answered done ({import}) is not there: {other:?}",
                        upload.file_name
                    )),
                }
            }
            if let Some(found) = &found {
                let id = found["id"].as_str().unwrap_or_default().to_string();
                if found["rows"] != json!(upload.rows) {
                    problems.push(format!(
                        "{} has {} rows, not {}: {found}",
                        upload.file_name, found["rows"], upload.rows
                    ));
                }
                if upload.found.as_deref() != Some(id.as_str()) {
                    // Whole: every row of the file in its report.
                    match api
                        .read_ok(token, &format!("/api/imports/{id}/report"))
                        .await
                    {
                        Ok(report) => {
                            let items = report["items"].as_array().map_or(0, Vec::len) as u64;
                            if items != upload.rows {
                                problems.push(format!(
                                    "half an import: {} holds {items} of its {} rows",
                                    upload.file_name, upload.rows
                                ));
                            }
                            // And its links: the rows come out as the job answered.
                            if let Some(counts) = &upload.counts {
                                if &report["counts"] != counts {
                                    problems.push(format!(
                                        "{}: the job answered {counts}, the report says {}",
                                        upload.file_name, report["counts"]
                                    ));
                                }
                            }
                        }
                        Err(e) => problems.push(e),
                    }
                    upload.found = Some(id);
                }
            }
            // A job whose server was killed, once its heartbeat is stale.
            let due = upload
                .lost_at
                .is_some_and(|at| at.elapsed() > Duration::from_millis(STALE_SECONDS * 1000 + 200));
            if upload.resolved || !due {
                if all && !upload.resolved && upload.job.is_some() {
                    problems.push(format!("the job of {} was not read", upload.file_name));
                }
                continue;
            }
            let job = upload.job.clone().unwrap();
            let answer = match api
                .read_ok(token, &format!("/api/imports/jobs/{job}"))
                .await
            {
                Ok(answer) => answer,
                Err(e) => {
                    problems.push(format!("a job answered 202 is not there: {e}"));
                    continue;
                }
            };
            upload.resolved = true;
            m.stats.jobs_cut += 1;
            match answer["state"].as_str() {
                Some("failed") => {
                    let says = answer["error"].as_str().unwrap_or_default();
                    if !says.contains("nothing was imported") {
                        problems.push(format!("a job cut off says {answer}"));
                    }
                    if let Some(found) = &found {
                        problems.push(format!(
                            "a job cut off says nothing was imported, but {} is: {found}",
                            upload.file_name
                        ));
                    }
                }
                Some("done") => {
                    m.stats.jobs_cut_committed += 1;
                    let import = answer["import"]["id"].as_str().unwrap_or_default();
                    match &found {
                        Some(f) if f["id"] == import => {}
                        other => problems.push(format!(
                            "a job cut off answers done ({answer}), but the import is {other:?}"
                        )),
                    }
                    if answer["import"]["rows"] != json!(upload.rows) {
                        problems.push(format!("a job cut off answers done with {answer}"));
                    }
                }
                _ => problems.push(format!(
                    "a job whose server was killed {:.1} s ago still answers {answer}",
                    upload.lost_at.unwrap().elapsed().as_secs_f64()
                )),
            }
        }
        for (file, import) in by_file {
            problems.push(format!("an import nobody uploaded: {file} {import}"));
        }
    }

    async fn check_exchanges(
        &mut self,
        api: &Api,
        m: &mut Model,
        all: bool,
        problems: &mut Vec<String>,
    ) {
        let admin = &self.tokens.admin;
        let last = m.flows.len().saturating_sub(1);
        for (i, flow) in m.flows.iter_mut().enumerate() {
            if !all && i != last && flow.completion_checked {
                continue;
            }
            let Some(id) = &flow.id else {
                continue;
            };
            let x = format!("/api/exchanges/{id}");
            let exchange = match api.read_ok(admin, &x).await {
                Ok(exchange) => exchange,
                Err(e) => {
                    problems.push(format!("an exchange answered 201 is not there: {e}"));
                    continue;
                }
            };
            let state = exchange["state"].as_str().unwrap_or_default();
            let recorded = exchange["proposals"].as_u64().unwrap_or(0) as u32;
            if flow.proposal_acked && recorded < flow.proposal.unwrap_or(1) {
                problems.push(format!("a proposal answered 201 is not there: {exchange}"));
            }
            if recorded > flow.proposals_sent {
                problems.push(format!(
                    "{recorded} proposals recorded, {} sent: {exchange}",
                    flow.proposals_sent
                ));
            }
            if flow.agreed_acked && !["agreed", "in_progress", "completed"].contains(&state) {
                problems.push(format!(
                    "an agreement answered 200 is not there: {exchange}"
                ));
            }
            if flow.completed_acked && state != "completed" {
                problems.push(format!(
                    "a completion answered 200 is not there: {exchange}"
                ));
            }
            if (state != "negotiating" && !flow.agreement_sent)
                || (state == "completed" && !flow.complete_sent)
            {
                problems.push(format!("a step nobody sent: {exchange}"));
            }
            if state == "negotiating" {
                if !flow.decided.is_empty() {
                    problems.push(format!("decisions answered 200, but {exchange}"));
                }
                continue;
            }
            let manifest = match api.read_ok(admin, &format!("{x}/manifest")).await {
                Ok(manifest) => manifest,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let entries = manifest["entries"].as_array().cloned().unwrap_or_default();
            let pending = entries.iter().filter(|e| e["status"] == "pending").count();
            let counts = &exchange["counts"];
            if counts["planned"] != json!(entries.len()) || counts["pending"] != json!(pending) {
                problems.push(format!(
                    "the counts disagree with the manifest: {counts} and {manifest}"
                ));
            }
            if entries.len() != FLOW_PARTIES.len() {
                problems.push(format!(
                    "a manifest of {} entries: {manifest}",
                    entries.len()
                ));
            }
            for (entry, outcome) in &flow.decided {
                let status = entries
                    .iter()
                    .find(|e| e["entry"] == entry.as_str())
                    .map(|e| e["status"].clone());
                if status != Some(json!(outcome)) {
                    problems.push(format!(
                        "a decision answered 200 ({entry} {outcome}) is not there: {manifest}"
                    ));
                }
            }
            for e in &entries {
                let status = e["status"].as_str().unwrap_or_default();
                let entry = e["entry"].as_str().unwrap_or_default();
                if status != "pending"
                    && flow.decided.get(entry).map(String::as_str) != Some(status)
                    && flow.decided_lost.get(entry).map(String::as_str) != Some(status)
                {
                    problems.push(format!("a decision nobody sent: {e}"));
                }
            }
            let decided = entries.len() - pending;
            match state {
                "agreed" if decided > 0 => {
                    problems.push(format!("agreed with decisions: {exchange}"))
                }
                "in_progress" if decided == 0 => {
                    problems.push(format!("in progress with no decision: {exchange}"))
                }
                "completed" if pending > 0 => {
                    problems.push(format!("completed with persons pending: {exchange}"))
                }
                _ => {}
            }
            // The completion is one transaction: everyone who crossed repatriated, or
            // nobody.
            let completed = state == "completed";
            if completed && flow.completion_checked && !all {
                continue;
            }
            for e in &entries {
                let captive = e["captive"].as_str().unwrap_or_default();
                let crossed = e["status"] == "handed_over" || e["status"] == "received";
                let view = match api
                    .read_ok(admin, &format!("/api/captives/{captive}"))
                    .await
                {
                    Ok(view) => view,
                    Err(err) => {
                        problems.push(err);
                        continue;
                    }
                };
                let repatriated = view["timeline"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| t["kind"] == "repatriated")
                    .count();
                let expected = usize::from(completed && crossed);
                if repatriated != expected || (expected == 1) != (view["status"] == "repatriated") {
                    problems.push(format!(
                        "exchange {state}, entry {}: {repatriated} repatriation events, status {}",
                        e["status"], view["status"]
                    ));
                }
            }
            if completed {
                flow.completion_checked = true;
            }
        }
    }
}

/// Every custody event the power of origin is told of (capture, transfer, repatriation)
/// has its notification: they are written in the change's transaction.
async fn notified(api: &Api, token: &str, records: &[Value], problems: &mut Vec<String>) {
    let mut told = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/notifications?limit=500&cursor={c}"),
            None => "/api/notifications?limit=500".to_string(),
        };
        let page = match api.read_ok(token, &path).await {
            Ok(page) => page,
            Err(e) => {
                problems.push(e);
                return;
            }
        };
        for n in page["items"].as_array().into_iter().flatten() {
            told.insert((n["captive"].clone(), n["event_id"].clone()));
        }
        cursor = page["next"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    for record in records {
        for event in record["timeline"].as_array().into_iter().flatten() {
            let kind = event["kind"].as_str().unwrap_or_default();
            if ["captured", "transferred", "repatriated"].contains(&kind)
                && !told.contains(&(record["id"].clone(), event["id"].clone()))
            {
                problems.push(format!(
                    "captive {}: the {kind} event {} has no notification",
                    record["id"], event["id"]
                ));
            }
        }
    }
}

/// Whether the record read back is the captive as sent: parties, capture, every claim
/// and custody event answered, nothing that was not sent, a change cut off whole or
/// absent.
fn captive_as_sent(c: &Captive, view: &Value, problems: &mut Vec<String>) {
    let mut wrong = |what: &str| {
        problems.push(format!(
            "captive {} differs from what was sent ({what}): sent {} with {} later changes, read {view}",
            c.id,
            c.body,
            c.changes.len()
        ))
    };
    for field in ["power_of_origin", "detaining_power"] {
        if view[field] != c.body[field] {
            wrong(field);
        }
    }
    let instant = |v: &Value| v.as_str().and_then(|s| s.parse::<DateTime<Utc>>().ok());
    let captured_at = instant(&c.body["capture"]["captured_at"]);
    if instant(&view["capture"]["captured_at"]) != captured_at
        || view["capture"]["place"] != c.body["capture"]["place"]
    {
        wrong("capture");
    }
    let same_claim = |sent: &Value, read: &Value| {
        [
            "source",
            "family_name",
            "given_name",
            "date_of_birth",
            "rank",
            "service_number",
        ]
        .iter()
        .all(|k| sent[k] == read[k])
    };
    let same_event = |sent: &Value, read: &Value| {
        sent["kind"] == read["kind"]
            && instant(&sent["at"]) == instant(&read["at"])
            && sent["place"] == read["place"]
    };
    let mut claims: Vec<&Value> = c.body["identity_claims"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let mut events: Vec<&Value> = Vec::new();
    for change in &c.changes {
        match change {
            Change::Claim(b) => claims.push(b),
            Change::Event(b) => events.push(b),
        }
    }
    let read_claims = view["identity_claims"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let read_events = view["timeline"].as_array().cloned().unwrap_or_default();
    if read_claims.len() < claims.len() {
        wrong("a claim answered 200 is missing");
    }
    for (sent, read) in claims.iter().zip(&read_claims) {
        if !same_claim(sent, read) {
            wrong("claims");
        }
    }
    let extra_claims = &read_claims[claims.len().min(read_claims.len())..];
    let cut_claim = match &c.unknown {
        Some(Change::Claim(b)) => Some(b),
        _ => None,
    };
    if extra_claims.len() > 1
        || extra_claims
            .iter()
            .any(|r| !cut_claim.is_some_and(|b| same_claim(b, r)))
    {
        wrong("a claim nobody sent, or half of one");
    }
    for sent in &events {
        if !read_events.iter().any(|r| same_event(sent, r)) {
            wrong("a custody event answered 200 is missing");
        }
    }
    let cut_event = match &c.unknown {
        Some(Change::Event(b)) => Some(b),
        _ => None,
    };
    for read in &read_events {
        let expected = (read["kind"] == "captured" && instant(&read["at"]) == captured_at)
            || read["kind"] == "repatriated"
            || events.iter().any(|sent| same_event(sent, read))
            || cut_event.is_some_and(|b| same_event(b, read));
        if !expected {
            wrong("a custody event nobody sent");
        }
    }
}
