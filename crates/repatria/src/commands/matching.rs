//! `repatria match`, `dedupe` and `compare` (contracts/CLI.md, Matching).

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct MatchArgs {
    #[arg(long)]
    pub left: PathBuf,
    #[arg(long)]
    pub right: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    #[arg(long)]
    pub explain: bool,
}

#[derive(clap::Args)]
pub struct DedupeArgs {
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub explain: bool,
}

pub fn run_match(_args: MatchArgs) -> anyhow::Result<()> {
    anyhow::bail!("matching is not available in this build yet")
}

pub fn run_dedupe(_args: DedupeArgs) -> anyhow::Result<()> {
    anyhow::bail!("matching is not available in this build yet")
}

pub fn run_compare(_args: CompareArgs) -> anyhow::Result<()> {
    anyhow::bail!("matching is not available in this build yet")
}
