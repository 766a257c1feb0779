//! Registry benchmark: creates captives through the HTTP API (throughput) and then
//! measures name-search latency (p50/p99), on SQLite or PostgreSQL.
//!
//! ```sh
//! cargo run --release -p repatria-bench-registry -- --backend sqlite --captives 100000
//! REPATRIA_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p repatria-bench-registry -- --backend postgres --captives 100000
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use repatria_server::AppState;
use repatria_store::testing::TestDatabase;
use repatria_store::Backend;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// `sqlite` or `postgres` (PostgreSQL needs REPATRIA_TEST_PG_URL).
    #[arg(long, default_value = "sqlite")]
    backend: Backend,
    /// Captives to create through the API.
    #[arg(long, default_value_t = 100_000)]
    captives: usize,
    /// Concurrent HTTP clients creating captives.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Name searches to time.
    #[arg(long, default_value_t = 2_000)]
    searches: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Family names built from stems and endings in Ukrainian and Russian, and Korean
/// family names, so that a search hits a realistic share of the registry.
const STEMS: &[&str] = &[
    "Шевч",
    "Ковал",
    "Бондар",
    "Ткач",
    "Кравч",
    "Мельн",
    "Бойк",
    "Лис",
    "Савч",
    "Руд",
    "Марч",
    "Петр",
    "Кузьм",
    "Павл",
    "Гонч",
    "Левч",
    "Клим",
    "Роман",
    "Сидор",
    "Гаврил",
    "Федор",
    "Присяж",
    "Дяч",
    "Верб",
    "Иван",
    "Смирн",
    "Кузнец",
    "Поп",
    "Васил",
    "Сокол",
    "Михайл",
    "Новик",
    "Мороз",
    "Волк",
];
const ENDINGS: &[&str] = &["енко", "ук", "ов", "ев", "ин", "ський", "ич", "ко"];
const GIVEN: &[&str] = &[
    "Олександр",
    "Андрій",
    "Микола",
    "Сергій",
    "Іван",
    "Василь",
    "Дмитро",
    "Тарас",
    "Александр",
    "Сергей",
    "Дмитрий",
    "Алексей",
    "Николай",
    "Артём",
    "Владимир",
    "철수",
    "영호",
    "명철",
    "광혁",
    "성진",
];
const KOREAN: &[&str] = &["김", "리", "박", "최", "정", "강", "조", "윤", "장", "한"];

fn family(rng: &mut StdRng) -> String {
    if rng.gen_bool(0.1) {
        KOREAN[rng.gen_range(0..KOREAN.len())].to_string()
    } else {
        format!(
            "{}{}",
            STEMS[rng.gen_range(0..STEMS.len())],
            ENDINGS[rng.gen_range(0..ENDINGS.len())]
        )
    }
}

fn body(rng: &mut StdRng) -> serde_json::Value {
    let (origin, detaining) = if rng.gen_bool(0.5) {
        ("RU", "UA")
    } else {
        ("UA", "RU")
    };
    json!({
        "power_of_origin": origin,
        "detaining_power": detaining,
        "capture": {
            "captured_at": format!("2025-{:02}-{:02}T06:30:00Z", rng.gen_range(1..=12), rng.gen_range(1..=28)),
            "place": "Sector 1",
        },
        "identity_claims": [{
            "source": "document_found",
            "family_name": family(rng),
            "given_name": GIVEN[rng.gen_range(0..GIVEN.len())],
            "date_of_birth": format!("{}-{:02}-{:02}", rng.gen_range(1970..2006), rng.gen_range(1..=12), rng.gen_range(1..=28)),
            "service_number": format!("{}-{:06}", origin, rng.gen_range(0..1_000_000)),
        }],
        "languages": ["uk"],
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = TestDatabase::create(args.backend)
        .await
        .context("set REPATRIA_TEST_PG_URL for the PostgreSQL run")?;
    let store = db.store().await;
    // The benchmark acts as a registrar with a session token, as a real client would.
    let password = "benchmark password, not a secret";
    let user = repatria_store::User {
        username: "bench".into(),
        role: repatria_core::Role::Admin,
        password_hash: repatria_server::hash_password(password)
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        disabled: false,
        must_change_password: false,
    };
    repatria_store::SqlStore::create_user(
        &store,
        &repatria_store::Actor::new("bench"),
        user,
        chrono::Utc::now(),
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let store = Arc::new(store);
    tokio::spawn(repatria_server::serve(
        listener,
        AppState::new(store.clone()),
        std::future::pending(),
    ));
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": "bench", "password": password }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    for (code, name) in [("UA", "Ukraine"), ("RU", "Russian Federation")] {
        client
            .post(format!("{base}/api/parties"))
            .json(&json!({ "code": code, "name": name }))
            .send()
            .await?
            .error_for_status()?;
    }

    // Creation throughput: `clients` tasks post captives until `captives` exist.
    let next = Arc::new(AtomicUsize::new(0));
    let commits_before = store.commit_counts().await;
    let cpu = cpu_time::ProcessTime::try_now().context("process CPU time")?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.clients {
        let (client, base, next) = (client.clone(), base.clone(), next.clone());
        let total = args.captives;
        let mut rng = StdRng::seed_from_u64(args.seed + worker as u64);
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let response = client
                    .post(format!("{base}/api/captives"))
                    .json(&body(&mut rng))
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status() == 201,
                    "creation failed: {}",
                    response.text().await?
                );
            }
            anyhow::Ok(())
        }));
    }
    let progress = {
        let (next, total) = (next.clone(), args.captives);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(15)).await;
                eprintln!(
                    "created {} of {total} captives",
                    next.load(Ordering::Relaxed).min(total)
                );
            }
        })
    };
    for task in tasks {
        task.await??;
    }
    progress.abort();
    let creation = started.elapsed();
    let cpu = cpu.try_elapsed().context("process CPU time")?;
    let commits = store.commit_counts().await;
    let (writes, commits) = (
        commits.writes - commits_before.writes,
        commits.commits - commits_before.commits,
    );

    // Search latency, one client, queries as a registrar types them: a whole family
    // name, a prefix, family and given name, a Korean family name.
    let mut rng = StdRng::seed_from_u64(args.seed ^ 0x5eed);
    let mut latencies = Vec::with_capacity(args.searches);
    let mut hits = 0u64;
    for i in 0..args.searches {
        let q = match i % 4 {
            0 => family(&mut rng),
            1 => family(&mut rng).chars().take(4).collect(),
            2 => format!(
                "{} {}",
                family(&mut rng),
                GIVEN[rng.gen_range(0..GIVEN.len())]
            ),
            _ => KOREAN[rng.gen_range(0..KOREAN.len())].to_string(),
        };
        let t = Instant::now();
        let page: serde_json::Value = client
            .get(format!("{base}/api/captives"))
            .query(&[("q", q.as_str()), ("limit", "50")])
            .send()
            .await?
            .json()
            .await?;
        latencies.push(t.elapsed());
        hits += page["total"].as_u64().context("no total")?;
    }
    latencies.sort();
    println!("backend: {}", args.backend.as_str());
    println!(
        "creation over the API: {} captives in {:.1} s with {} clients = {:.0} captives/s",
        args.captives,
        creation.as_secs_f64(),
        args.clients,
        args.captives as f64 / creation.as_secs_f64()
    );
    println!(
        "  CPU of the process (server and clients) {:.1} s = {:.2} ms a captive; {} writes in {} commits = {:.1} a commit",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1e3 / args.captives as f64,
        writes,
        commits,
        writes as f64 / commits.max(1) as f64
    );
    println!(
        "name search over {} captives: {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean hits {:.0}",
        args.captives,
        args.searches,
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        hits as f64 / args.searches as f64
    );
    Ok(())
}
