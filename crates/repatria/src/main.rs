//! The `repatria` binary: command-line parsing and wiring. The libraries do the work.

mod commands;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "repatria",
    version,
    about = "Prisoner-of-war information bureau and exchange planning"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Link the records of two lists (writes LINKS.csv).
    Match(commands::matching::MatchArgs),
    /// Find duplicates within one list (writes CLUSTERS.csv).
    Dedupe(commands::matching::DedupeArgs),
    /// Score given pairs of records (writes SCORED.csv).
    Compare(commands::matching::CompareArgs),
    /// Compute an exchange plan from a scenario (see contracts/EXCHANGE.md).
    Plan(commands::plan::PlanArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(args) => commands::matching::run_match(args),
        Command::Dedupe(args) => commands::matching::run_dedupe(args),
        Command::Compare(args) => commands::matching::run_compare(args),
        Command::Plan(args) => commands::plan::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
