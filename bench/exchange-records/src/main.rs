//! Exchange-records benchmark: an exchange of N persons per direction (10,000 by
//! default) through the HTTP API, on SQLite or PostgreSQL: the planner's proposal, the
//! agreement (the manifest frozen), the manifest exported for a party as CSV, XLSX and
//! PDF, the reconciliation of the other side's N-row list, and the latency of handover
//! decisions while 20 clients read the live counts.
//!
//! ```sh
//! cargo run --release -p repatria-bench-exchange-records -- --backend sqlite
//! REPATRIA_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p repatria-bench-exchange-records -- --backend postgres
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, NewCaptive,
    PartialDate, PartyCode, PersonName,
};
use repatria_server::AppState;
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// `sqlite` or `postgres` (PostgreSQL needs REPATRIA_TEST_PG_URL).
    #[arg(long, default_value = "sqlite")]
    backend: Backend,
    /// Persons per direction.
    #[arg(long, default_value_t = 10_000)]
    per_direction: usize,
    /// Handover decisions to time.
    #[arg(long, default_value_t = 2_000)]
    decisions: usize,
    /// Clients reading the live counts meanwhile.
    #[arg(long, default_value_t = 20)]
    readers: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const RU_STEMS: &[&str] = &[
    "Иван",
    "Петр",
    "Сидор",
    "Кузнец",
    "Смирн",
    "Попов",
    "Волк",
    "Морозов",
    "Лебедев",
    "Козл",
    "Новик",
    "Соколов",
    "Павл",
    "Семен",
    "Голуб",
    "Виноград",
    "Богдан",
    "Воробь",
    "Федор",
    "Михайл",
    "Беляк",
    "Тарас",
    "Белов",
    "Комар",
    "Орлов",
    "Киселёв",
    "Макаров",
];
const RU_ENDINGS: &[&str] = &["ов", "ев", "ин", "ский", "енко", "ых", "ук", ""];
const RU_GIVEN: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Матвей",
    "Роман",
    "Егор",
    "Арсений",
    "Иван",
    "Денис",
    "Евгений",
    "Тимофей",
    "Владислав",
    "Игорь",
    "Павел",
    "Олег",
    "Виктор",
];
const UA_STEMS: &[&str] = &[
    "Shevch", "Koval", "Bondar", "Tkach", "Kravch", "Meln", "Boik", "Lys", "Savch", "Rud",
    "Marchen", "Petr", "Klym", "Pavl", "Honch", "Levch", "Oliin", "Moroz", "Hrytsen", "Kharchen",
    "Ostap", "Symon", "Tymosh", "Fedor", "Yarem",
];
const UA_ENDINGS: &[&str] = &["enko", "uk", "yk", "chuk", "ko", "iak", "ets", ""];
const UA_GIVEN: &[&str] = &[
    "Andrii",
    "Oleksandr",
    "Dmytro",
    "Serhii",
    "Mykola",
    "Taras",
    "Yurii",
    "Vasyl",
    "Ivan",
    "Bohdan",
    "Oleh",
    "Roman",
    "Petro",
    "Volodymyr",
    "Maksym",
    "Denys",
    "Ostap",
];

/// A fictional person: family, given, date of birth.
fn person(rng: &mut StdRng, cyrillic: bool) -> (String, String, PartialDate) {
    let (stems, endings, given) = if cyrillic {
        (RU_STEMS, RU_ENDINGS, RU_GIVEN)
    } else {
        (UA_STEMS, UA_ENDINGS, UA_GIVEN)
    };
    let family = format!(
        "{}{}",
        stems[rng.gen_range(0..stems.len())],
        endings[rng.gen_range(0..endings.len())]
    );
    let born = PartialDate::full(
        rng.gen_range(1970..=2005),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    )
    .expect("a valid date");
    (
        family,
        given[rng.gen_range(0..given.len())].to_string(),
        born,
    )
}

fn party(code: &str) -> PartyCode {
    PartyCode::parse(code).expect("a valid code")
}

fn captive(
    rng: &mut StdRng,
    origin: &str,
    held_by: &str,
    person: &(String, String, PartialDate),
) -> anyhow::Result<Captive> {
    let now = chrono::Utc::now();
    let captured_at = now - chrono::Duration::days(rng.gen_range(5..700));
    let mut claim = IdentityClaim::new(
        ClaimId(uuid::Uuid::now_v7()),
        ClaimSource::DocumentFound,
        PersonName::new(Some(&person.0), Some(&person.1), None)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        captured_at,
        "bench",
    );
    claim.date_of_birth = Some(person.2);
    claim.rank = Some("private".into());
    Ok(Captive::open(
        CaptiveId(uuid::Uuid::now_v7()),
        NewCaptive {
            power_of_origin: party(origin),
            detaining_power: party(held_by),
            capture: CaptureReport {
                captured_at,
                place: "Sector 7".into(),
                coordinates: None,
                capturing_unit: None,
                condition: None,
            },
            claims: vec![claim],
            assessed_claim: None,
            languages: vec![],
            interpreter_required: false,
            health: None,
        },
        EventId(uuid::Uuid::now_v7()),
        "bench",
        now,
    )?)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A spelling the other side may use: one letter replaced by a neighbour in the
/// alphabet (Сергеев → Сергеов).
fn misspell(rng: &mut StdRng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() > 3 {
        let i = rng.gen_range(1..chars.len() - 1);
        chars[i] = char::from_u32(chars[i] as u32 + 1).unwrap_or(chars[i]);
    }
    chars.into_iter().collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = TestDatabase::create(args.backend)
        .await
        .context("set REPATRIA_TEST_PG_URL for the PostgreSQL run")?;
    let store = db.store().await;
    let actor = Actor::new("bench");
    let now = chrono::Utc::now();
    for (code, name) in [
        ("UA", "Ukraine"),
        ("RU", "Russian Federation"),
        ("ICRC", "ICRC"),
    ] {
        store
            .create_party(&actor, repatria_core::Party::new(code, name)?, now)
            .await?;
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let n = args.per_direction;
    // N Russians held by Ukraine and N Ukrainians held by Russia.
    let russians: Vec<(String, String, PartialDate)> =
        (0..n).map(|_| person(&mut rng, true)).collect();
    let ukrainians: Vec<(String, String, PartialDate)> =
        (0..n).map(|_| person(&mut rng, false)).collect();
    let mut batch = Vec::new();
    for p in &russians {
        batch.push(captive(&mut rng, "RU", "UA", p)?);
    }
    for p in &ukrainians {
        batch.push(captive(&mut rng, "UA", "RU", p)?);
    }
    for chunk in batch.chunks(1000) {
        store.import_captives(&actor, chunk.to_vec(), now).await?;
    }
    let password = "benchmark password, not a secret";
    for (user, role) in [
        ("bench", repatria_core::Role::Admin),
        ("delegate", repatria_core::Role::IcrcDelegate),
    ] {
        store
            .create_user(
                &actor,
                repatria_store::User {
                    username: user.into(),
                    role,
                    password_hash: repatria_server::hash_password(password)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    disabled: false,
                    must_change_password: false,
                },
                now,
            )
            .await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(repatria_server::serve(
        listener,
        AppState::new(Arc::new(store)),
        std::future::pending(),
    ));
    let client_for = |user: &'static str| {
        let base = base.clone();
        async move {
            let login: Value = reqwest::Client::new()
                .post(format!("{base}/api/auth/login"))
                .json(&json!({ "username": user, "password": password }))
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
            anyhow::Ok(
                reqwest::Client::builder()
                    .default_headers(headers)
                    .build()?,
            )
        }
    };
    let client = client_for("bench").await?;
    let delegate = client_for("delegate").await?;
    let exchange: Value = client
        .post(format!("{base}/api/exchanges"))
        .json(&json!({ "title": "Benchmark", "sides": [["UA"], ["RU"]], "mediators": ["ICRC"] }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let x = format!(
        "{base}/api/exchanges/{}",
        exchange["id"].as_str().context("id")?
    );

    let t = Instant::now();
    let proposal: Value = client
        .post(format!("{x}/proposals"))
        .json(&json!({ "by": "UA", "from_plan": true }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let planned = t.elapsed();
    eprintln!("planned in {:.0} ms", ms(planned));
    let transfers = proposal["transfers"].as_array().context("transfers")?.len();
    anyhow::ensure!(
        transfers == 2 * n,
        "the plan moves {transfers}, not {}",
        2 * n
    );

    let t = Instant::now();
    client
        .post(format!("{x}/agreement"))
        .json(&json!({ "proposal": 1 }))
        .send()
        .await?
        .error_for_status()?;
    let agreed = t.elapsed();
    eprintln!("agreed in {:.0} ms", ms(agreed));

    let mut exports = Vec::new();
    for format in ["json", "csv", "xlsx", "pdf"] {
        let t = Instant::now();
        let bytes = client
            .get(format!("{x}/manifest?format={format}&party=RU"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        exports.push((format, t.elapsed(), bytes.len()));
        eprintln!("manifest as {format} in {:.0} ms", ms(t.elapsed()));
    }

    // Their list of the same exchange, both directions, in Cyrillic (our men's names
    // transliterated as they write them): 2% spelled differently, 1% missing, 1% extra.
    let mut csv = String::from("Фамилия,Имя,Дата рождения\n");
    let (mut misspelt, mut missing, mut extra) = (0, 0, 0);
    let cyrillic =
        |name: &str| repatria_match::transliterate(name, repatria_match::Script::Cyrillic);
    let ours_in_cyrillic: Vec<(String, String, PartialDate)> = ukrainians
        .iter()
        .map(|(f, g, b)| (cyrillic(f), cyrillic(g), *b))
        .collect();
    for p in russians.iter().chain(&ours_in_cyrillic) {
        let roll: f64 = rng.gen();
        if roll < 0.01 {
            missing += 1;
            continue;
        }
        let family = if roll < 0.03 {
            misspelt += 1;
            misspell(&mut rng, &p.0)
        } else {
            p.0.clone()
        };
        csv.push_str(&format!("{family},{},{}\n", p.1, p.2));
    }
    for _ in 0..n / 100 {
        let p = person(&mut rng, true);
        csv.push_str(&format!("{},{},{}\n", p.0, p.1, p.2));
        extra += 1;
    }
    let rows = 2 * n - missing + extra;
    let t = Instant::now();
    let reconciled: Value = client
        .post(format!(
            "{x}/counterpart-manifest?by=RU&file_name=theirs.csv"
        ))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let reconciliation = t.elapsed();
    eprintln!("reconciled in {:.0} ms", ms(reconciliation));

    // Handover: one officer decides persons in manifest order while the readers poll.
    let manifest: Value = client
        .get(format!("{x}/manifest"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut entries = manifest["entries"].as_array().context("entries")?.clone();
    // One of ours is withdrawn first (he died): the exchange is unbalanced from then
    // on, and every read of it carries the planner's suggestion of what restores it.
    let withdrawn = entries
        .iter()
        .position(|e| e["from"] == "RU")
        .context("no entry from RU")?;
    let entry = entries.remove(withdrawn);
    delegate
        .post(format!("{x}/handover"))
        .json(&json!({ "entry": entry["entry"], "outcome": "withdrawn", "note": "died before the exchange" }))
        .send()
        .await?
        .error_for_status()?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..args.readers {
        let (client, x, stop) = (client.clone(), x.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                client
                    .get(&x)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut decisions = Vec::with_capacity(args.decisions);
    let started = Instant::now();
    for e in entries.iter().take(args.decisions) {
        let outcome = if e["from"] == "UA" {
            "handed_over"
        } else {
            "received"
        };
        let body = json!({
            "entry": e["entry"], "outcome": outcome, "stage": "bus 1",
            "checks": { "identity_verified": true, "wish_confirmed": outcome == "handed_over" }
        });
        let t = Instant::now();
        delegate
            .post(format!("{x}/handover"))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        decisions.push(t.elapsed());
    }
    let handover_time = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut reads = Vec::new();
    for r in readers {
        reads.extend(r.await??);
    }
    let last: Value = client
        .get(&x)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    anyhow::ensure!(
        last["counts"]["balanced"] == false
            && last["restore"]["withdraw"]
                .as_array()
                .is_some_and(|w| w.len() == 1),
        "the withdrawal's suggestion is missing: {}",
        last["restore"]
    );
    decisions.sort();
    reads.sort();

    println!(
        "backend: {}, {n} persons per direction",
        args.backend.as_str()
    );
    println!(
        "proposal from the planner over {} captives: {:.0} ms",
        2 * n,
        ms(planned)
    );
    println!(
        "agreement (manifest of {} entries frozen): {:.0} ms",
        2 * n,
        ms(agreed)
    );
    for (format, took, size) in &exports {
        println!(
            "manifest for RU as {format}: {:.0} ms, {:.1} MB",
            ms(*took),
            *size as f64 / 1e6
        );
    }
    println!(
        "reconciliation of their {rows}-row list ({misspelt} misspelt, {missing} missing, {extra} extra): {:.0} ms; matched {}, missing_from_theirs {}, ambiguous {}, extra_in_theirs {}",
        ms(reconciliation),
        reconciled["matched"],
        reconciled["missing_from_theirs"],
        reconciled["ambiguous"],
        reconciled["extra_in_theirs"]
    );
    println!(
        "handover: {} decisions in {:.1} s while {} clients read the counts: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        decisions.len(),
        handover_time.as_secs_f64(),
        args.readers,
        ms(percentile(&decisions, 0.5)),
        ms(percentile(&decisions, 0.99)),
        ms(*decisions.last().context("no decision")?)
    );
    if !reads.is_empty() {
        println!(
            "counts read meanwhile (unbalanced by a withdrawal, so each read carries the suggestion): {} reads ({:.0}/s), p50 {:.1} ms, p99 {:.1} ms",
            reads.len(),
            reads.len() as f64 / handover_time.as_secs_f64(),
            ms(percentile(&reads, 0.5)),
            ms(percentile(&reads, 0.99))
        );
    }
    Ok(())
}
