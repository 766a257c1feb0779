//! `repatria plan` (docs/exchange.md).

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Scenario JSON (docs/exchange.md).
    #[arg(long)]
    pub scenario: PathBuf,
    /// Where to write the plan JSON.
    #[arg(long)]
    pub out: PathBuf,
    /// Print a summary a negotiator can read.
    #[arg(long)]
    pub explain: bool,
    /// Time budget in seconds for the integer programs; when it runs out the best plan found is
    /// written with `"optimal": false` and `"why_not_optimal": "time_budget_spent"`.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
}

pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let input = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("cannot read scenario {}", args.scenario.display()))?;
    let scenario = repatria_exchange::parse_scenario(&input)
        .with_context(|| format!("invalid scenario {}", args.scenario.display()))?;
    let options = repatria_exchange::PlanOptions {
        time_limit_seconds: (args.time_limit.is_finite() && args.time_limit > 0.0)
            .then_some(args.time_limit),
        clock: Some(repatria_app::monotonic_seconds),
    };
    // The engine never reads the clock: a scenario without `terms.as_of` is planned as of today.
    let today = chrono::Utc::now().date_naive();
    let plan = repatria_exchange::plan_with(&scenario, &options, Some(today))
        .with_context(|| format!("invalid scenario {}", args.scenario.display()))?;
    let mut json = serde_json::to_string_pretty(&plan).context("cannot encode the plan")?;
    json.push('\n');
    super::files::write_private(&args.out, json)
        .with_context(|| format!("cannot write plan {}", args.out.display()))?;
    if let Some(why) = plan.why_not_optimal {
        eprintln!(
            "warning: the plan is not proven optimal: {} ({why})",
            why.description()
        );
    }
    if args.explain {
        print!("{}", repatria_exchange::explain(&scenario, &plan));
    }
    Ok(())
}
