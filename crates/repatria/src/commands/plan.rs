//! `repatria plan` (contracts/EXCHANGE.md).

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Scenario JSON (contracts/EXCHANGE.md).
    #[arg(long)]
    pub scenario: PathBuf,
    /// Where to write the plan JSON.
    #[arg(long)]
    pub out: PathBuf,
    /// Print a summary a negotiator can read.
    #[arg(long)]
    pub explain: bool,
}

pub fn run(_args: PlanArgs) -> anyhow::Result<()> {
    anyhow::bail!("exchange planning is not available in this build yet")
}
