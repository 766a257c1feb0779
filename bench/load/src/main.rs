//! Load test: a bureau's working day. A registry of 100,000 captives (loaded through the
//! store), one or two servers on it, and for minutes at once: registrars opening records
//! (`POST /api/captives`) and adding custody events, medical staff recording health,
//! tracing officers searching in any script (Cyrillic, Latin for a Cyrillic or Korean
//! name, Hangul, Latin), lists imported now and then (a CSV upload, followed to its end),
//! and dashboards polled. Every kind of request is reported apart: throughput, p50, p99,
//! max latency and errors.
//!
//! Each server runs on a runtime of its own (as a process of its own would); the clients
//! run on the program's runtime and are split between the servers. Each client sends at
//! its pace (its kind's rate divided among its clients) and never has two requests out.
//!
//! ```sh
//! cargo build --release -p repatria-bench-load
//! target/release/repatria-bench-load --backend sqlite
//! REPATRIA_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!   target/release/repatria-bench-load --backend postgres --servers 2
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, NewCaptive,
    PartialDate, PartyCode, PersonName, Role,
};
use repatria_server::AppState;
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend, SqlStore};
use serde_json::json;

#[derive(Parser, Clone)]
struct Args {
    /// `sqlite` or `postgres` (PostgreSQL needs REPATRIA_TEST_PG_URL).
    #[arg(long, default_value = "sqlite")]
    backend: Backend,
    /// Servers on the one database (more than one needs PostgreSQL).
    #[arg(long, default_value_t = 1)]
    servers: usize,
    /// Captives loaded through the store before the servers start.
    #[arg(long, default_value_t = 100_000)]
    captives: usize,
    /// How long the load is held, in seconds.
    #[arg(long, default_value_t = 180)]
    duration: u64,
    /// Registrars opening records (each sends one after the other).
    #[arg(long, default_value_t = 4)]
    registrars: usize,
    /// Records opened per second, all registrars together.
    #[arg(long, default_value_t = 20.0)]
    create_rate: f64,
    /// Registrars and medical staff adding custody events and health records.
    #[arg(long, default_value_t = 4)]
    recorders: usize,
    /// Events and health records added per second, all together.
    #[arg(long, default_value_t = 20.0)]
    event_rate: f64,
    /// Tracing officers searching.
    #[arg(long, default_value_t = 8)]
    officers: usize,
    /// Searches per second, all officers together.
    #[arg(long, default_value_t = 20.0)]
    search_rate: f64,
    /// Dashboards polled.
    #[arg(long, default_value_t = 4)]
    dashboards: usize,
    /// Seconds between two polls of one dashboard.
    #[arg(long, default_value_t = 5.0)]
    dashboard_every: f64,
    /// Seconds between two list imports (one importer).
    #[arg(long, default_value_t = 60.0)]
    import_every: f64,
    /// Rows of each imported list.
    #[arg(long, default_value_t = 1_000)]
    import_rows: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

// Names: Ukrainian and Russian family names built from stems and endings, each with a
// Latin spelling (a transliteration an officer might type); Korean names in Hangul with
// their romanisation; a few Latin names of foreign volunteers.
const STEMS: &[(&str, &str)] = &[
    ("Шевч", "Shevch"),
    ("Ковал", "Koval"),
    ("Бондар", "Bondar"),
    ("Ткач", "Tkach"),
    ("Кравч", "Kravch"),
    ("Мельн", "Meln"),
    ("Бойк", "Boik"),
    ("Лис", "Lys"),
    ("Савч", "Savch"),
    ("Руд", "Rud"),
    ("Марч", "March"),
    ("Петр", "Petr"),
    ("Кузьм", "Kuzm"),
    ("Павл", "Pavl"),
    ("Гонч", "Honch"),
    ("Левч", "Levch"),
    ("Клим", "Klym"),
    ("Роман", "Roman"),
    ("Сидор", "Sydor"),
    ("Гаврил", "Havryl"),
    ("Федор", "Fedor"),
    ("Присяж", "Prysiazh"),
    ("Дяч", "Diach"),
    ("Верб", "Verb"),
    ("Иван", "Ivan"),
    ("Смирн", "Smirn"),
    ("Кузнец", "Kuznets"),
    ("Поп", "Pop"),
    ("Васил", "Vasil"),
    ("Сокол", "Sokol"),
    ("Михайл", "Mikhail"),
    ("Новик", "Novik"),
    ("Мороз", "Moroz"),
    ("Волк", "Volk"),
];
const ENDINGS: &[(&str, &str)] = &[
    ("енко", "enko"),
    ("ук", "uk"),
    ("ов", "ov"),
    ("ев", "ev"),
    ("ин", "in"),
    ("ський", "skyi"),
    ("ич", "ych"),
    ("ко", "ko"),
];
const GIVEN: &[(&str, &str)] = &[
    ("Олександр", "Oleksandr"),
    ("Андрій", "Andrii"),
    ("Микола", "Mykola"),
    ("Сергій", "Serhii"),
    ("Іван", "Ivan"),
    ("Василь", "Vasyl"),
    ("Дмитро", "Dmytro"),
    ("Тарас", "Taras"),
    ("Александр", "Aleksandr"),
    ("Сергей", "Sergei"),
    ("Дмитрий", "Dmitrii"),
    ("Алексей", "Aleksei"),
    ("Николай", "Nikolai"),
    ("Артём", "Artem"),
    ("Владимир", "Vladimir"),
];
const KOREAN_FAMILY: &[(&str, &str)] = &[
    ("김", "Kim"),
    ("리", "Ri"),
    ("박", "Pak"),
    ("최", "Choe"),
    ("정", "Jong"),
    ("강", "Kang"),
    ("조", "Jo"),
    ("윤", "Yun"),
    ("장", "Jang"),
    ("한", "Han"),
];
const KOREAN_GIVEN: &[(&str, &str)] = &[
    ("철수", "Chol Su"),
    ("영호", "Yong Ho"),
    ("명철", "Myong Chol"),
    ("광혁", "Kwang Hyok"),
    ("성진", "Song Jin"),
    ("정남", "Jong Nam"),
    ("혁철", "Hyok Chol"),
];
const LATIN_FAMILY: &[&str] = &[
    "Smith",
    "Müller",
    "Kowalski",
    "Novak",
    "García",
    "Jensen",
    "Andersson",
    "Horváth",
    "Popescu",
    "Dubois",
];
const LATIN_GIVEN: &[&str] = &[
    "John", "Thomas", "Piotr", "Jan", "José", "Lars", "Erik", "Gábor", "Andrei", "Pierre",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Cyrillic,
    Hangul,
    Latin,
}

/// A fictional person: the name as written in his documents and as an officer might
/// spell it in Latin letters, and who holds whom.
struct Person {
    script: Script,
    family: String,
    given: String,
    family_latin: String,
    given_latin: String,
    origin: &'static str,
    detaining: &'static str,
}

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    from[rng.gen_range(0..from.len())]
}

fn person(rng: &mut StdRng) -> Person {
    let roll = rng.gen_range(0..100);
    if roll < 75 {
        let ((stem, stem_l), (end, end_l)) = (pick(rng, STEMS), pick(rng, ENDINGS));
        let (given, given_l) = pick(rng, GIVEN);
        let (origin, detaining) = if rng.gen_bool(0.5) {
            ("RU", "UA")
        } else {
            ("UA", "RU")
        };
        Person {
            script: Script::Cyrillic,
            family: format!("{stem}{end}"),
            given: given.into(),
            family_latin: format!("{stem_l}{end_l}"),
            given_latin: given_l.into(),
            origin,
            detaining,
        }
    } else if roll < 90 {
        let (family, family_l) = pick(rng, KOREAN_FAMILY);
        let (given, given_l) = pick(rng, KOREAN_GIVEN);
        Person {
            script: Script::Hangul,
            family: family.into(),
            given: given.into(),
            family_latin: family_l.into(),
            given_latin: given_l.into(),
            origin: "KP",
            detaining: "UA",
        }
    } else {
        let (family, given) = (pick(rng, LATIN_FAMILY), pick(rng, LATIN_GIVEN));
        Person {
            script: Script::Latin,
            family: family.into(),
            given: given.into(),
            family_latin: family.into(),
            given_latin: given.into(),
            origin: "UA",
            detaining: "RU",
        }
    }
}

fn date_of_birth(rng: &mut StdRng) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.gen_range(1970..2006),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

/// A captive for the registry loaded before the run.
fn stored_captive(rng: &mut StdRng, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Captive> {
    let p = person(rng);
    let captured = now - chrono::Duration::days(rng.gen_range(30..600));
    let mut claim = IdentityClaim::new(
        ClaimId(uuid::Uuid::now_v7()),
        ClaimSource::DocumentFound,
        PersonName {
            family: Some(p.family),
            given: Some(p.given),
            patronymic: None,
        },
        captured,
        "registrar",
    );
    claim.date_of_birth = PartialDate::parse(&date_of_birth(rng)).ok();
    claim.service_number = Some(format!("{}-{:07}", p.origin, rng.gen_range(0..10_000_000)));
    let party = |code: &str| PartyCode::parse(code).map_err(|e| anyhow::anyhow!("{e}"));
    let new = NewCaptive {
        power_of_origin: party(p.origin)?,
        detaining_power: party(p.detaining)?,
        capture: CaptureReport {
            captured_at: captured,
            place: format!("Sector {}", rng.gen_range(1..60)),
            coordinates: None,
            capturing_unit: None,
            condition: None,
        },
        claims: vec![claim],
        assessed_claim: None,
        languages: vec![match p.script {
            Script::Cyrillic => "uk".into(),
            Script::Hangul => "ko".into(),
            Script::Latin => "en".into(),
        }],
        interpreter_required: p.script != Script::Cyrillic,
        health: None,
    };
    Ok(Captive::open(
        CaptiveId(uuid::Uuid::now_v7()),
        new,
        EventId(uuid::Uuid::now_v7()),
        "registrar",
        now,
    )?)
}

/// The body of `POST /api/captives`.
fn new_captive(rng: &mut StdRng) -> serde_json::Value {
    let p = person(rng);
    json!({
        "power_of_origin": p.origin,
        "detaining_power": p.detaining,
        "capture": {
            "captured_at": (chrono::Utc::now() - chrono::Duration::hours(rng.gen_range(2..72))).to_rfc3339(),
            "place": format!("Sector {}", rng.gen_range(1..60)),
        },
        "identity_claims": [{
            "source": "document_found",
            "family_name": p.family,
            "given_name": p.given,
            "date_of_birth": date_of_birth(rng),
            "service_number": format!("{}-{:07}", p.origin, rng.gen_range(0..10_000_000)),
        }],
        "languages": ["uk"],
    })
}

/// A search as a tracing officer types it: the kind (for the report) and the words.
fn search_query(rng: &mut StdRng) -> (&'static str, String) {
    let roll = rng.gen_range(0..100);
    loop {
        let p = person(rng);
        let wanted = match roll {
            0..35 => Script::Cyrillic,
            35..60 => Script::Cyrillic,
            60..75 => Script::Hangul,
            75..90 => Script::Hangul,
            _ => Script::Latin,
        };
        if p.script != wanted {
            continue;
        }
        return match roll {
            0..35 => (
                "search: Cyrillic",
                match rng.gen_range(0..3) {
                    0 => p.family,
                    1 => p.family.chars().take(4).collect(),
                    _ => format!("{} {}", p.family, p.given),
                },
            ),
            35..60 => (
                "search: Latin for Cyrillic",
                if rng.gen_bool(0.5) {
                    p.family_latin
                } else {
                    format!("{} {}", p.family_latin, p.given_latin)
                },
            ),
            60..75 => ("search: Hangul", format!("{} {}", p.family, p.given)),
            75..90 => (
                "search: Latin for Hangul",
                format!("{} {}", p.family_latin, p.given_latin),
            ),
            _ => ("search: Latin", format!("{} {}", p.family, p.given)),
        };
    }
}

/// A list as another party sends it: most of its people are in the registry under
/// names like theirs, some are not. `n` makes each file new (its content hash).
fn list_csv(rng: &mut StdRng, n: usize, rows: usize) -> Vec<u8> {
    let mut csv = String::from("№,Прізвище,Ім'я,Дата народження\n");
    for row in 0..rows {
        let p = person(rng);
        csv.push_str(&format!(
            "{}-{},{},{},{}\n",
            n,
            row + 1,
            p.family,
            p.given,
            date_of_birth(rng)
        ));
    }
    csv.into_bytes()
}

/// Latencies and errors of one kind of request.
#[derive(Default)]
struct Kind {
    millis: Vec<f64>,
    errors: u64,
    first_errors: Vec<String>,
    /// Search results in all (the answers' `total`).
    hits: u64,
}

#[derive(Default, Clone)]
struct Record(Arc<Mutex<BTreeMap<&'static str, Kind>>>);

impl Record {
    fn add(&self, kind: &'static str, elapsed: Duration, outcome: Result<u64, String>) {
        let mut kinds = self.0.lock().unwrap();
        let entry = kinds.entry(kind).or_default();
        entry.millis.push(elapsed.as_secs_f64() * 1e3);
        match outcome {
            Ok(hits) => entry.hits += hits,
            Err(message) => {
                entry.errors += 1;
                if entry.first_errors.len() < 3 {
                    entry.first_errors.push(message);
                }
            }
        }
    }
}

/// Sends `request` and checks its status; the answer's JSON on success.
async fn send(
    request: reqwest::RequestBuilder,
    expect: u16,
) -> (Duration, Result<serde_json::Value, String>) {
    let started = Instant::now();
    let outcome = async {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status != expect {
            return Err(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
    .await;
    (started.elapsed(), outcome)
}

/// Waits for the next turn of a client sending `rate` requests a second, until `end`;
/// false when the run is over. A request slower than the pace is followed at once.
async fn pace(next: &mut Instant, period: Duration, end: Instant) -> bool {
    if *next >= end {
        return false;
    }
    let now = Instant::now();
    if *next > now {
        tokio::time::sleep_until((*next).into()).await;
    }
    *next = (*next + period).max(Instant::now());
    Instant::now() < end
}

fn period(clients: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(clients as f64 / rate.max(1e-6))
}

/// One server: on a runtime of its own, with the matching index and the dashboard built
/// before it answers (as `repatria serve` does). Returns its address and the seconds
/// the index and the dashboard took.
fn start_server(url: String) -> anyhow::Result<(String, f64, f64)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                let _ = tx.send(Err(anyhow::anyhow!("{e}")));
                return;
            }
        };
        runtime.block_on(async move {
            let started = async {
                let store = Arc::new(SqlStore::connect(&url).await?);
                let state = AppState::new(store);
                let t = Instant::now();
                state.matching.ensure(&state.store).await?;
                let index = t.elapsed().as_secs_f64();
                let t = Instant::now();
                repatria_server::warm_dashboard(&state)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let dashboard = t.elapsed().as_secs_f64();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let base = format!("http://{}", listener.local_addr()?);
                anyhow::Ok((listener, state, base, index, dashboard))
            }
            .await;
            match started {
                Ok((listener, state, base, index, dashboard)) => {
                    let _ = tx.send(Ok((base, index, dashboard)));
                    let _ = repatria_server::serve(listener, state, std::future::pending()).await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    rx.recv()?
}

/// A client that sends as `token` to one server.
fn client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(120))
        .build()?)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.servers == 1 || args.backend == Backend::Postgres,
        "several servers on one database need PostgreSQL"
    );
    let db = TestDatabase::create(args.backend)
        .await
        .context("set REPATRIA_TEST_PG_URL for the PostgreSQL run")?;

    // The registry, loaded through the store, and the accounts.
    let t = Instant::now();
    let store = db.store().await;
    let actor = Actor::new("load");
    let now = chrono::Utc::now();
    for (code, name) in [
        ("UA", "Ukraine"),
        ("RU", "Russian Federation"),
        ("KP", "DPRK"),
    ] {
        store
            .create_party(&actor, repatria_core::Party::new(code, name)?, now)
            .await?;
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut ids = Vec::with_capacity(args.captives);
    let mut loaded = 0;
    while loaded < args.captives {
        let chunk: Vec<Captive> = (0..(args.captives - loaded).min(2_000))
            .map(|_| stored_captive(&mut rng, now))
            .collect::<anyhow::Result<_>>()?;
        loaded += chunk.len();
        ids.extend(chunk.iter().map(|c| c.id.to_string()));
        store.import_captives(&actor, chunk, now).await?;
    }
    let password = "load test password, not a secret";
    let hash = repatria_server::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, role) in [
        ("registrar", Role::Registrar),
        ("medical", Role::Medical),
        ("officer", Role::TracingOfficer),
        ("head", Role::Admin),
    ] {
        let user = repatria_store::User {
            username: name.into(),
            role,
            password_hash: hash.clone(),
            disabled: false,
            must_change_password: false,
        };
        store.create_user(&actor, user, now).await?;
    }
    store.close().await;
    let load_seconds = t.elapsed().as_secs_f64();
    eprintln!("{} captives loaded in {load_seconds:.1} s", args.captives);

    // The servers.
    let mut bases = Vec::new();
    for _ in 0..args.servers {
        let (base, index, dashboard) = start_server(db.url.clone())?;
        eprintln!("server {base}: matching index {index:.1} s, dashboard {dashboard:.1} s");
        bases.push(base);
    }
    // One session per account (sessions live in the database: any server accepts them).
    let mut tokens = BTreeMap::new();
    for name in ["registrar", "medical", "officer", "head"] {
        let login: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/auth/login", bases[0]))
            .json(&json!({ "username": name, "password": password }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = login["token"].as_str().context("no token")?.to_string();
        tokens.insert(name, token);
    }
    let clients: BTreeMap<&str, reqwest::Client> = tokens
        .iter()
        .map(|(name, token)| Ok((*name, client(token)?)))
        .collect::<anyhow::Result<_>>()?;

    let record = Record::default();
    let ids = Arc::new(Mutex::new(ids));
    let created = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs(args.duration);
    let mut tasks = Vec::new();
    let mut n = 0u64;
    let mut server = || {
        n += 1;
        bases[(n as usize) % bases.len()].clone()
    };

    for i in 0..args.registrars {
        let (http, base, record) = (clients["registrar"].clone(), server(), record.clone());
        let (ids, created) = (ids.clone(), created.clone());
        let period = period(args.registrars, args.create_rate);
        let mut rng = StdRng::seed_from_u64(args.seed + 100 + i as u64);
        tasks.push(tokio::spawn(async move {
            let mut next = Instant::now() + period.mul_f64(rng.gen_range(0.0..1.0));
            while pace(&mut next, period, end).await {
                let request = http
                    .post(format!("{base}/api/captives"))
                    .json(&new_captive(&mut rng));
                let (elapsed, outcome) = send(request, 201).await;
                if let Ok(answer) = &outcome {
                    if let Some(id) = answer["id"].as_str() {
                        ids.lock().unwrap().push(id.to_string());
                        created.fetch_add(1, Ordering::Relaxed);
                    }
                }
                record.add("create captive", elapsed, outcome.map(|_| 0));
            }
        }));
    }
    for i in 0..args.recorders {
        let registrar = clients["registrar"].clone();
        let medical = clients["medical"].clone();
        let (base, record, ids) = (server(), record.clone(), ids.clone());
        let period = period(args.recorders, args.event_rate);
        let mut rng = StdRng::seed_from_u64(args.seed + 200 + i as u64);
        tasks.push(tokio::spawn(async move {
            let mut next = Instant::now() + period.mul_f64(rng.gen_range(0.0..1.0));
            while pace(&mut next, period, end).await {
                let id = {
                    let ids = ids.lock().unwrap();
                    ids[rng.gen_range(0..ids.len())].clone()
                };
                let at = (chrono::Utc::now() - chrono::Duration::minutes(rng.gen_range(1..60)))
                    .to_rfc3339();
                let (kind, request) = if rng.gen_bool(0.5) {
                    let event = if rng.gen_bool(0.5) {
                        "visited_by_icrc"
                    } else {
                        "interviewed"
                    };
                    (
                        "add custody event",
                        registrar
                            .post(format!("{base}/api/captives/{id}/custody-events"))
                            .json(&json!({ "kind": event, "at": at, "place": "Camp 3" })),
                    )
                } else {
                    (
                        "record health",
                        medical
                            .post(format!("{base}/api/captives/{id}/health"))
                            .json(&json!({ "category": "good_health", "assessed_at": at })),
                    )
                };
                let (elapsed, outcome) = send(request, 200).await;
                record.add(kind, elapsed, outcome.map(|_| 0));
            }
        }));
    }
    for i in 0..args.officers {
        let (http, base, record) = (clients["officer"].clone(), server(), record.clone());
        let period = period(args.officers, args.search_rate);
        let mut rng = StdRng::seed_from_u64(args.seed + 300 + i as u64);
        tasks.push(tokio::spawn(async move {
            let mut next = Instant::now() + period.mul_f64(rng.gen_range(0.0..1.0));
            while pace(&mut next, period, end).await {
                let (kind, q) = search_query(&mut rng);
                let request = http
                    .get(format!("{base}/api/captives"))
                    .query(&[("q", q.as_str()), ("limit", "50")]);
                let (elapsed, outcome) = send(request, 200).await;
                let outcome = outcome.map(|page| page["total"].as_u64().unwrap_or(0));
                record.add("search (all)", elapsed, outcome.clone());
                record.add(kind, elapsed, outcome);
            }
        }));
    }
    for i in 0..args.dashboards {
        let (http, base, record) = (clients["head"].clone(), server(), record.clone());
        let period = Duration::from_secs_f64(args.dashboard_every);
        let mut rng = StdRng::seed_from_u64(args.seed + 400 + i as u64);
        tasks.push(tokio::spawn(async move {
            let mut next = Instant::now() + period.mul_f64(rng.gen_range(0.0..1.0));
            while pace(&mut next, period, end).await {
                let request = http.get(format!("{base}/api/dashboard"));
                let (elapsed, outcome) = send(request, 200).await;
                record.add("dashboard", elapsed, outcome.map(|_| 0));
            }
        }));
    }
    {
        let (http, base, record) = (clients["registrar"].clone(), server(), record.clone());
        let period = Duration::from_secs_f64(args.import_every);
        let (rows, seed) = (args.import_rows, args.seed);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed + 500);
            let mut next = Instant::now() + period.mul_f64(0.25);
            let mut n = 0;
            while pace(&mut next, period, end).await {
                n += 1;
                let request = http
                    .post(format!("{base}/api/imports"))
                    .query(&[
                        ("file_name", format!("list-{n}.csv")),
                        ("source", "RU".to_string()),
                    ])
                    .header(reqwest::header::CONTENT_TYPE, "text/csv")
                    .body(list_csv(&mut rng, n, rows));
                let job_started = Instant::now();
                let (elapsed, outcome) = send(request, 202).await;
                let job = outcome
                    .as_ref()
                    .ok()
                    .and_then(|j| j["id"].as_str().map(String::from));
                record.add("import: upload", elapsed, outcome.map(|_| 0));
                let Some(job) = job else { continue };
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let request = http.get(format!("{base}/api/imports/jobs/{job}"));
                    let (elapsed, outcome) = send(request, 200).await;
                    let state = outcome
                        .as_ref()
                        .ok()
                        .map(|j| (j["state"].as_str().unwrap_or("").to_string(), j.clone()));
                    record.add("import: job poll", elapsed, outcome.map(|_| 0));
                    match state {
                        Some((state, _)) if state == "running" => continue,
                        Some((state, _)) if state == "done" => {
                            record.add("import: whole job", job_started.elapsed(), Ok(0));
                        }
                        Some((_, job)) => record.add(
                            "import: whole job",
                            job_started.elapsed(),
                            Err(format!("{}", job["error"])),
                        ),
                        None => {}
                    }
                    break;
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    // Rates are over the time the load was held; requests still out at its end (an
    // import being followed) count too.
    let elapsed = args.duration as f64;
    let tail = started.elapsed().as_secs_f64() - elapsed;

    println!(
        "backend {}, {} server(s), {} captives before the run, {:.0} s of load (+{:.1} s for the last requests); {} records opened during it",
        args.backend.as_str(),
        args.servers,
        args.captives,
        elapsed,
        tail.max(0.0),
        created.load(Ordering::Relaxed)
    );
    println!();
    println!("| request | count | per second | errors | p50 ms | p99 ms | max ms | mean hits |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let kinds = record.0.lock().unwrap();
    for (name, kind) in kinds.iter() {
        let mut sorted = kind.millis.clone();
        sorted.sort_by(f64::total_cmp);
        let hits = if name.starts_with("search") {
            format!("{:.0}", kind.hits as f64 / sorted.len() as f64)
        } else {
            String::new()
        };
        println!(
            "| {name} | {} | {:.1} | {} | {:.1} | {:.1} | {:.1} | {hits} |",
            sorted.len(),
            sorted.len() as f64 / elapsed,
            kind.errors,
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99),
            sorted.last().copied().unwrap_or(0.0),
        );
    }
    for (name, kind) in kinds.iter() {
        for message in &kind.first_errors {
            println!("error in {name}: {message}");
        }
    }
    Ok(())
}
