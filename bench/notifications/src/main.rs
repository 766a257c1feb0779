//! What-the-bureau-sends benchmark, on SQLite or PostgreSQL: a registry of N captives
//! (50,000 by default: each opens with two notifications, his capture and his capture
//! card, so 100,000 pending), then one dispatch of every pending notification of their
//! power of origin (the rows kept, the notifications marked, the cards recorded sent),
//! the dispatch's CSV, JSON and PDF cover list, and a batch of capture cards.
//!
//! ```sh
//! cargo run --release -p repatria-bench-notifications -- --backend sqlite
//! REPATRIA_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p repatria-bench-notifications -- --backend postgres
//! ```

use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use repatria_app::notifications::DispatchFile;
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, HealthCategory, HealthRecord,
    IdentityClaim, NewCaptive, PartialDate, PartyCode, PersonName,
};
use repatria_store::testing::TestDatabase;
use repatria_store::{Actor, Backend};

#[derive(Parser)]
struct Args {
    /// `sqlite` or `postgres` (PostgreSQL needs REPATRIA_TEST_PG_URL).
    #[arg(long, default_value = "sqlite")]
    backend: Backend,
    /// Captives in the registry (two pending notifications each).
    #[arg(long, default_value_t = 50_000)]
    captives: usize,
    /// Capture cards in the batch.
    #[arg(long, default_value_t = 10_000)]
    cards: usize,
}

const FAMILY: &[&str] = &["리", "김", "박", "최", "정", "강", "조", "윤", "장", "임"];
const GIVEN: &[&str] = &[
    "정철", "광남", "영호", "성민", "철수", "명수", "현우", "지훈",
];

fn captive(i: usize, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Captive> {
    let captured = now - chrono::Duration::days(30 + (i % 300) as i64);
    let mut claim = IdentityClaim::new(
        ClaimId(uuid::Uuid::now_v7()),
        ClaimSource::SelfDeclared,
        PersonName {
            family: Some(FAMILY[i % FAMILY.len()].into()),
            given: Some(GIVEN[(i / FAMILY.len()) % GIVEN.len()].into()),
            patronymic: None,
        },
        captured,
        "registrar",
    );
    claim.date_of_birth =
        PartialDate::parse(&format!("{}-0{}-1{}", 1980 + i % 25, 1 + i % 9, i % 10)).ok();
    claim.rank = Some("Private".into());
    claim.service_number = Some(format!("KP-{i:07}"));
    let new = NewCaptive {
        power_of_origin: PartyCode::parse("KP").map_err(|e| anyhow::anyhow!("{e}"))?,
        detaining_power: PartyCode::parse("UA").map_err(|e| anyhow::anyhow!("{e}"))?,
        capture: CaptureReport {
            captured_at: captured,
            place: format!("Sector {}", i % 40),
            coordinates: None,
            capturing_unit: None,
            condition: None,
        },
        claims: vec![claim],
        assessed_claim: None,
        languages: vec!["ko".into()],
        interpreter_required: true,
        health: Some(HealthRecord {
            category: HealthCategory::NotWounded,
            eligible_for_direct_repatriation: false,
            note: None,
            assessed_at: captured,
            recorded_by: "medical".into(),
        }),
    };
    Ok(Captive::open(
        CaptiveId(uuid::Uuid::now_v7()),
        new,
        EventId(uuid::Uuid::now_v7()),
        "registrar",
        now,
    )?)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = TestDatabase::create(args.backend)
        .await
        .context("PostgreSQL needs REPATRIA_TEST_PG_URL")?;
    let store = db.store().await;
    let actor = Actor::new("bench");
    let now = chrono::Utc::now();
    for (code, name) in [("UA", "Ukraine"), ("KP", "DPRK")] {
        store
            .create_party(&actor, repatria_core::Party::new(code, name)?, now)
            .await?;
    }
    let started = Instant::now();
    let captives: Vec<Captive> = (0..args.captives)
        .map(|i| captive(i, now))
        .collect::<anyhow::Result<_>>()?;
    let ids: Vec<CaptiveId> = captives.iter().take(args.cards).map(|c| c.id).collect();
    for chunk in captives.chunks(1000) {
        store.import_captives(&actor, chunk.to_vec(), now).await?;
    }
    let loaded = started.elapsed();
    let counts = store.notification_counts(now).await?;
    println!(
        "backend {:?}: {} captives loaded in {:.1} s, {} notifications pending ({} overdue), peak memory so far {:.0} MB",
        args.backend,
        args.captives,
        loaded.as_secs_f64(),
        counts.pending,
        counts.overdue,
        peak_rss_mb()
    );

    let kp = PartyCode::parse("KP").map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let dispatch = repatria_app::notifications::dispatch(
        &store,
        &actor,
        &kp,
        "ICRC Central Tracing Agency",
        now,
    )
    .await?;
    println!(
        "dispatch of {} notifications: {:.2} s (peak memory so far {:.0} MB)",
        dispatch.count,
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    for file in DispatchFile::ALL {
        let started = Instant::now();
        let bytes =
            repatria_app::notifications::file(&store, &actor, true, dispatch.id, *file, now)
                .await?;
        println!(
            "  {}: {:.2} s, {:.1} MB (peak memory so far {:.0} MB)",
            file.as_str(),
            started.elapsed().as_secs_f64(),
            bytes.len() as f64 / 1e6,
            peak_rss_mb()
        );
    }

    let started = Instant::now();
    let pdf = repatria_app::forms::capture_cards_pdf(&store, &actor, &ids, now).await?;
    println!(
        "batch of {} capture cards: {:.2} s, {:.1} MB",
        ids.len(),
        started.elapsed().as_secs_f64(),
        pdf.len() as f64 / 1e6
    );
    println!("peak memory: {:.0} MB", peak_rss_mb());
    Ok(())
}
