//! Benchmark harness of the matching engine: generates lists, evaluates links and
//! clusters against the true identities, and measures look-up latency.
//! See bench/RESULTS.md (section "Matching benchmark") for the commands and figures.

mod generate;

use anyhow::{bail, Context};
use repatria_match::{parse_sex, Index, Matcher, Record};
use std::collections::HashMap;
use std::time::Instant;

fn arg(args: &[String], name: &str) -> anyhow::Result<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .with_context(|| format!("missing {name}"))
}

fn number(args: &[String], name: &str) -> anyhow::Result<usize> {
    arg(args, name)?
        .replace('_', "")
        .parse()
        .with_context(|| format!("{name} is not a number"))
}

/// Reads `id` → `true_id` and the records of a generated list.
fn read_list(path: &str) -> anyhow::Result<(Vec<Record>, Vec<usize>)> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("reading {path}"))?;
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for row in reader.records() {
        let row = row?;
        let text = |i: usize| row.get(i).filter(|s| !s.is_empty()).map(str::to_owned);
        records.push(Record {
            id: row[0].to_owned(),
            family_name: text(1),
            given_name: text(2),
            patronymic: text(3),
            date_of_birth: text(4)
                .map(|d| repatria_match::parse_date(&d))
                .transpose()?,
            sex: text(5).map(|s| parse_sex(&s)).transpose()?,
            ..Record::default()
        });
        truth.push(row[6].parse()?);
    }
    Ok((records, truth))
}

fn truth_by_id(path: &str) -> anyhow::Result<HashMap<String, usize>> {
    let (records, truth) = read_list(path)?;
    Ok(records.into_iter().map(|r| r.id).zip(truth).collect())
}

fn report(name: &str, true_positives: u64, predicted: u64, actual: u64) {
    let precision = true_positives as f64 / predicted.max(1) as f64;
    let recall = true_positives as f64 / actual.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-12);
    println!(
        "{name}: pairs predicted {predicted}, true {actual}, correct {true_positives}; precision {precision:.4} recall {recall:.4} F1 {f1:.4}"
    );
}

fn pairs_within(counts: impl Iterator<Item = u64>) -> u64 {
    counts.map(|c| c * (c.saturating_sub(1)) / 2).sum()
}

fn evaluate_dedupe(args: &[String]) -> anyhow::Result<()> {
    let truth = truth_by_id(&arg(args, "--truth")?)?;
    let path = arg(args, "--clusters")?;
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {path}"))?;
    let mut by_cluster: HashMap<String, u64> = HashMap::new();
    let mut by_both: HashMap<(String, usize), u64> = HashMap::new();
    let mut by_truth: HashMap<usize, u64> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let Some(&t) = truth.get(&row[0]) else {
            bail!("unknown id {}", &row[0])
        };
        *by_cluster.entry(row[1].to_owned()).or_default() += 1;
        *by_both.entry((row[1].to_owned(), t)).or_default() += 1;
        *by_truth.entry(t).or_default() += 1;
    }
    report(
        &path,
        pairs_within(by_both.into_values()),
        pairs_within(by_cluster.into_values()),
        pairs_within(by_truth.into_values()),
    );
    Ok(())
}

fn evaluate_link(args: &[String]) -> anyhow::Result<()> {
    let left = truth_by_id(&arg(args, "--left")?)?;
    let right = truth_by_id(&arg(args, "--right")?)?;
    let threshold: f64 = arg(args, "--threshold")
        .unwrap_or_else(|_| "0.5".into())
        .parse()?;
    let right_people: std::collections::HashSet<usize> = right.values().copied().collect();
    let actual = left.values().filter(|t| right_people.contains(t)).count() as u64;
    let path = arg(args, "--links")?;
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {path}"))?;
    let (mut predicted, mut correct) = (0u64, 0u64);
    for row in reader.records() {
        let row = row?;
        let score: f64 = row[2].parse()?;
        if score < threshold {
            continue;
        }
        predicted += 1;
        if left.get(&row[0]) == right.get(&row[1]) {
            correct += 1;
        }
    }
    report(&path, correct, predicted, actual);
    Ok(())
}

fn lookup(args: &[String]) -> anyhow::Result<()> {
    let (records, _) = read_list(&arg(args, "--index")?)?;
    let (queries, _) = read_list(&arg(args, "--queries")?)?;
    let started = Instant::now();
    let mut index = Index::new(Matcher::default());
    for r in &records {
        index.insert(r);
    }
    println!(
        "indexed {} records in {:.1} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );
    let mut latencies: Vec<f64> = Vec::with_capacity(queries.len());
    let mut cpu: Vec<f64> = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    for q in &queries {
        let c = thread_cpu_ns();
        let t = Instant::now();
        let best = index.query(q, 5);
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push((thread_cpu_ns() - c) as f64 / 1e6);
        found += usize::from(!best.is_empty());
    }
    for (name, values) in [("wall", &mut latencies), ("on-CPU", &mut cpu)] {
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{} queries ({} with a candidate), {name} time: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            values.len(),
            found,
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    Ok(())
}

/// Time this thread has spent on a CPU, to tell the engine's own latency from waiting
/// for a core on a shared machine.
fn thread_cpu_ns() -> u64 {
    cpu_time::ThreadTime::try_now()
        .map(|t| t.as_duration().as_nanos() as u64)
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate-dedupe") => {
            let rows = generate::dedupe_list(number(&args, "--seed")? as u64, number(&args, "--records")?);
            let out = arg(&args, "--out")?;
            std::fs::write(&out, generate::write_rows(&rows)).with_context(|| format!("writing {out}"))?;
        }
        Some("generate-link") => {
            let (left, right) = generate::link_lists(
                number(&args, "--seed")? as u64,
                number(&args, "--left")?,
                number(&args, "--right")?,
                0.6,
            );
            for (rows, name) in [(left, "--out-left"), (right, "--out-right")] {
                let out = arg(&args, name)?;
                std::fs::write(&out, generate::write_rows(&rows)).with_context(|| format!("writing {out}"))?;
            }
        }
        Some("evaluate-dedupe") => evaluate_dedupe(&args)?,
        Some("evaluate-link") => evaluate_link(&args)?,
        Some("lookup") => lookup(&args)?,
        Some("train-link") => {
            let (left, _) = read_list(&arg(&args, "--left")?)?;
            let (right, _) = read_list(&arg(&args, "--right")?)?;
            let matcher = repatria_match::train_link(&left, &right, &Default::default());
            println!("{:#?}", matcher.parameters);
        }
        _ => bail!(
            "tasks: generate-dedupe --seed S --records N --out F | generate-link --seed S --left N --right M --out-left F --out-right G | evaluate-dedupe --truth F --clusters F | evaluate-link --left F --right G --links F [--threshold T] | lookup --index F --queries F"
        ),
    }
    Ok(())
}
