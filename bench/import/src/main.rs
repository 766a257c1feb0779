//! Benchmark of `repatria import` against a large registry.
//!
//! `populate` loads a generated list (bench/matching's `generate-link` right side) into
//! a registry as captives, one identity claim each, and writes which captive each row
//! became; `evaluate` scores a reconciliation report against the generator's truth.
//! The import itself is timed from the outside (bench/import/run.sh).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, EventId, IdentityClaim, NewCaptive,
    PartialDate, Party, PartyCode, PersonName,
};
use repatria_store::{Actor, SqlStore};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Loads `--registry` (id,family_name,given_name,patronymic,date_of_birth,sex,true_id)
    /// into `--db` as captives; writes `--ids` (captive_id,row_id).
    Populate {
        #[arg(long)]
        db: String,
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        ids: PathBuf,
    },
    /// Precision and recall of the rows reported as matched to a captive.
    Evaluate {
        /// The imported list, with its `true_id` column.
        #[arg(long)]
        list: PathBuf,
        /// The registry list that was populated (its `true_id` column).
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        ids: PathBuf,
        #[arg(long)]
        report: PathBuf,
    },
}

fn text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

async fn populate(db: &str, registry: &PathBuf, ids: &PathBuf) -> anyhow::Result<()> {
    let store = SqlStore::connect(db).await?;
    let actor = Actor::new("bench");
    let now = chrono::Utc::now();
    for code in ["UA", "RU"] {
        store
            .create_party(&actor, Party::new(code, "Party")?, now)
            .await?;
    }
    let mut reader = csv::Reader::from_path(registry)?;
    let mut out = csv::Writer::from_path(ids)?;
    out.write_record(["captive_id", "row_id"])?;
    let (ru, ua) = (
        PartyCode::parse("RU").map_err(|e| anyhow::anyhow!(e.reason))?,
        PartyCode::parse("UA").map_err(|e| anyhow::anyhow!(e.reason))?,
    );
    let mut batch: Vec<Captive> = Vec::new();
    let mut total = 0usize;
    let started = std::time::Instant::now();
    for row in reader.records() {
        let row = row?;
        let mut claim = IdentityClaim::new(
            ClaimId(uuid::Uuid::now_v7()),
            ClaimSource::SelfDeclared,
            PersonName {
                family: text(&row[1]),
                given: text(&row[2]),
                patronymic: text(&row[3]),
            },
            now,
            "bench",
        );
        claim.date_of_birth = text(&row[4]).and_then(|d| PartialDate::parse(&d).ok());
        let id = CaptiveId(uuid::Uuid::now_v7());
        let new = NewCaptive {
            power_of_origin: ru.clone(),
            detaining_power: ua.clone(),
            capture: CaptureReport {
                captured_at: now,
                place: "Sector".into(),
                coordinates: None,
                capturing_unit: None,
                condition: None,
            },
            claims: vec![claim],
            assessed_claim: None,
            languages: vec![],
            interpreter_required: false,
            health: None,
        };
        let captive = Captive::open(id, new, EventId(uuid::Uuid::now_v7()), "bench", now)?;
        out.write_record([id.to_string(), row[0].to_string()])?;
        batch.push(captive);
        if batch.len() == 5000 {
            total += store
                .import_captives(&actor, std::mem::take(&mut batch), now)
                .await?;
            eprintln!(
                "{total} captives ({:.0}/s)",
                total as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    total += store.import_captives(&actor, batch, now).await?;
    out.flush()?;
    eprintln!(
        "{total} captives in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn column(headers: &csv::StringRecord, name: &str) -> anyhow::Result<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .with_context(|| format!("no column {name}"))
}

fn evaluate(
    list: &PathBuf,
    registry: &PathBuf,
    ids: &PathBuf,
    report: &PathBuf,
) -> anyhow::Result<()> {
    // true person of each registry row, and of each captive.
    let mut truth_of_row: HashMap<String, String> = HashMap::new();
    let mut r = csv::Reader::from_path(registry)?;
    let h = r.headers()?.clone();
    let (id, truth) = (column(&h, "id")?, column(&h, "true_id")?);
    for row in r.records() {
        let row = row?;
        truth_of_row.insert(row[id].to_string(), row[truth].to_string());
    }
    let mut truth_of_captive: HashMap<String, String> = HashMap::new();
    for row in csv::Reader::from_path(ids)?.records() {
        let row = row?;
        if let Some(t) = truth_of_row.get(&row[1]) {
            truth_of_captive.insert(row[0].to_string(), t.clone());
        }
    }
    let held: std::collections::HashSet<&String> = truth_of_captive.values().collect();
    // the list's rows by external id; whether each is someone held.
    let mut l = csv::Reader::from_path(list)?;
    let h = l.headers()?.clone();
    let (id, truth) = (column(&h, "id")?, column(&h, "true_id")?);
    let mut list_truth: HashMap<String, String> = HashMap::new();
    let mut should = 0u64;
    for row in l.records() {
        let row = row?;
        if held.contains(&row[truth].to_string()) {
            should += 1;
        }
        list_truth.insert(row[id].to_string(), row[truth].to_string());
    }
    let mut rep = csv::Reader::from_path(report)?;
    let h = rep.headers()?.clone();
    let (ext, cat, best) = (
        column(&h, "external_id")?,
        column(&h, "category")?,
        column(&h, "best_id")?,
    );
    let (mut reported, mut right) = (0u64, 0u64);
    let mut categories: HashMap<String, u64> = HashMap::new();
    for row in rep.records() {
        let row = row?;
        *categories.entry(row[cat].to_string()).or_default() += 1;
        if &row[cat] == "captive" {
            reported += 1;
            if truth_of_captive.get(&row[best]) == list_truth.get(&row[ext]) {
                right += 1;
            }
        }
    }
    let precision = right as f64 / reported.max(1) as f64;
    let recall = right as f64 / should.max(1) as f64;
    println!(
        "categories {categories:?}; matched to a captive: {reported}, correct {right}, held on the list {should}; precision {precision:.3}, recall {recall:.3}"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Populate { db, registry, ids } => populate(&db, &registry, &ids).await,
        Cmd::Evaluate {
            list,
            registry,
            ids,
            report,
        } => evaluate(&list, &registry, &ids, &report),
    }
}
