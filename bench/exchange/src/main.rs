//! Benchmark of the exchange planner: `gen` writes a reproducible random scenario, `run` times
//! `repatria_exchange::plan` on a scenario file and prints one JSON line of figures.
//!
//! The per-prisoner HiGHS baseline (`highs_baseline.py`) reads the same files.

use std::time::Instant;

use anyhow::{bail, Context};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use repatria_exchange::{Balance, Party, PlanOptions, Prisoner, Scenario, Terms};

const RANKS: [(&str, u64, f64); 7] = [
    ("private", 1, 0.70),
    ("nco", 2, 0.15),
    ("lieutenant", 4, 0.06),
    ("captain", 6, 0.04),
    ("major", 8, 0.03),
    ("colonel", 15, 0.015),
    ("general", 40, 0.005),
];

struct GenArgs {
    prisoners: usize,
    parties: usize,
    sides: usize,
    balance: Balance,
    tolerance: u64,
    max_total: Option<u64>,
    seed: u64,
    out: String,
}

fn usage() -> &'static str {
    "usage:\n  repatria-bench-exchange gen --prisoners N --parties P --sides S --balance count|value \
     [--tolerance T] [--max-total M] [--seed X] --out FILE\n  repatria-bench-exchange run --scenario FILE [--repeat K] [--time-limit SECONDS]"
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value_of = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    match args.first().map(String::as_str) {
        Some("gen") => {
            let number = |name: &str, default: Option<u64>| -> anyhow::Result<u64> {
                match value_of(name) {
                    Some(v) => v.parse().with_context(|| format!("{name}: not a number")),
                    None => default.with_context(|| format!("{name} is required\n{}", usage())),
                }
            };
            let gen = GenArgs {
                prisoners: number("--prisoners", None)? as usize,
                parties: number("--parties", None)? as usize,
                sides: number("--sides", Some(2))? as usize,
                balance: match value_of("--balance") {
                    Some("value") => Balance::Value,
                    Some("count") | None => Balance::Count,
                    Some(other) => bail!("--balance: {other:?} is neither count nor value"),
                },
                tolerance: number("--tolerance", Some(0))?,
                max_total: value_of("--max-total")
                    .map(str::parse)
                    .transpose()
                    .context("--max-total")?,
                seed: number("--seed", Some(1))?,
                out: value_of("--out").context("--out is required")?.to_string(),
            };
            if gen.parties < 2 || gen.sides < 2 || gen.sides > gen.parties {
                bail!("need 2 <= sides <= parties");
            }
            let scenario = generate(&gen);
            let file = std::io::BufWriter::new(std::fs::File::create(&gen.out).context("--out")?);
            serde_json::to_writer(file, &scenario)?;
            Ok(())
        }
        Some("run") => {
            let path = value_of("--scenario").context("--scenario is required")?;
            let repeat: usize = value_of("--repeat")
                .unwrap_or("3")
                .parse()
                .context("--repeat")?;
            let started = Instant::now();
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
            let scenario = repatria_exchange::parse_scenario(&text)?;
            let parse_seconds = started.elapsed().as_secs_f64();
            let time_limit: f64 = value_of("--time-limit")
                .unwrap_or("600")
                .parse()
                .context("--time-limit")?;
            let options = PlanOptions {
                time_limit_seconds: Some(time_limit),
                clock: Some(monotonic_seconds),
            };
            let mut times = Vec::new();
            let mut plan = None;
            for _ in 0..repeat.max(1) {
                // Free the previous run's plan outside the timing.
                drop(plan.take());
                let started = Instant::now();
                plan = Some(repatria_exchange::plan_with(&scenario, &options, None)?);
                times.push(started.elapsed().as_secs_f64());
                // A plan that takes seconds is timed once: repeating it tells nothing new.
                if started.elapsed().as_secs_f64() > 5.0 {
                    break;
                }
            }
            let plan = plan.expect("at least one run");
            if let Err(problems) = repatria_exchange::check_plan(&scenario, &plan) {
                bail!(
                    "plan breaks the rules: {:?}",
                    &problems[..problems.len().min(5)]
                );
            }
            times.sort_by(f64::total_cmp);
            let counted = plan
                .transfers
                .iter()
                .filter(|t| t.counts_toward_balance)
                .count();
            println!(
                "{}",
                serde_json::json!({
                    "scenario": path,
                    "prisoners": scenario.prisoners.len(),
                    "parties": scenario.parties.len(),
                    "sides": scenario.sides.len(),
                    "parse_seconds": parse_seconds,
                    "plan_seconds_median": times[times.len() / 2],
                    "plan_seconds_min": times[0],
                    "optimal": plan.optimal,
                    "objective": [plan.objective.demanded, plan.objective.value, plan.objective.days_in_captivity],
                    "counted_moves": counted,
                })
            );
            Ok(())
        }
        _ => bail!("{}", usage()),
    }
}

/// A scenario with uneven holdings (so that balance binds), coalitions (parties share sides
/// round-robin), a few parties outside the agreement when there are enough parties, and the
/// usual share of sick, refusing, prosecuted and demanded prisoners.
fn generate(args: &GenArgs) -> Scenario {
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let ids: Vec<String> = (0..args.parties).map(|i| format!("P{i:02}")).collect();
    let outsiders = if args.parties >= 6 { 1 } else { 0 };
    let members = args.parties - outsiders;
    let mut sides: Vec<Vec<String>> = vec![Vec::new(); args.sides];
    for (i, id) in ids.iter().take(members).enumerate() {
        sides[i % args.sides].push(id.clone());
    }
    sides.retain(|s| !s.is_empty());
    let side_of: Vec<Option<usize>> = (0..args.parties)
        .map(|i| (i < members).then_some(i % args.sides))
        .collect();
    // Uneven sizes of armies and of their captures.
    let weight: Vec<f64> = (0..args.parties)
        .map(|_| rng.gen_range(1.0..10.0))
        .collect();
    let total_weight: f64 = weight.iter().sum();
    let pick = |rng: &mut SmallRng| -> usize {
        let mut x = rng.gen_range(0.0..total_weight);
        for (i, w) in weight.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weight.len() - 1
    };
    let as_of = repatria_exchange::parse_date("2026-11-27").expect("valid date");
    let prisoners = (0..args.prisoners)
        .map(|i| {
            let held_by = pick(&mut rng);
            // Mostly enemies of the holder; now and then a prisoner of no side or of an ally.
            let mut belongs_to = pick(&mut rng);
            for _ in 0..20 {
                if side_of[belongs_to] != side_of[held_by] || rng.gen_bool(0.02) {
                    break;
                }
                belongs_to = pick(&mut rng);
            }
            let mut r = rng.gen_range(0.0..1.0);
            let mut rank = RANKS[0].0;
            for (name, _, share) in RANKS {
                if r < share {
                    rank = name;
                    break;
                }
                r -= share;
            }
            let days = rng.gen_range(0..1500u64);
            Prisoner {
                id: format!("p{i:07}"),
                held_by: ids[held_by].clone(),
                belongs_to: ids[belongs_to].clone(),
                rank: Some(rank.to_string()),
                seriously_wounded_or_sick: rng.gen_bool(0.03),
                refuses_repatriation: rng.gen_bool(0.02),
                // Left unset: the generated scenarios stay those measured in RESULTS.md.
                transfer_barred: false,
                held_for_proceedings: rng.gen_bool(0.03),
                demanded: rng.gen_bool(0.10),
                captured_on: (as_of - chrono::Days::new(days))
                    .format("%Y-%m-%d")
                    .to_string(),
            }
        })
        .collect();
    Scenario {
        parties: ids
            .iter()
            .map(|id| Party {
                id: id.clone(),
                name: format!("Party {id}"),
            })
            .collect(),
        sides,
        prisoners,
        terms: Terms {
            balance: args.balance,
            values: RANKS
                .iter()
                .map(|(name, value, _)| (name.to_string(), *value))
                .collect(),
            tolerance: args.tolerance,
            max_total: args.max_total,
            as_of: Some("2026-11-27".to_string()),
        },
    }
}

/// The planner's clock for its time budget (the engine reads none of its own).
fn monotonic_seconds() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}
