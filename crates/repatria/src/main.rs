//! The `repatria` binary: command-line parsing and wiring. The libraries do the work.

mod commands;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Where the data lives: a SQLite file (created on first start) or `postgres://...`.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    #[arg(long, env = "REPATRIA_DB", default_value = "repatria.db")]
    pub db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "REPATRIA_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Signing key file (from `repatria audit keygen`) for the audit checkpoints
        /// served at /api/audit/checkpoint; without it that endpoint answers 404.
        #[arg(long, env = "REPATRIA_AUDIT_KEY")]
        audit_key: Option<PathBuf>,
        /// A reverse proxy (its IP address) whose X-Forwarded-For and X-Forwarded-Proto
        /// are believed; repeat for several. From any other peer they are ignored.
        #[arg(
            long = "trusted-proxy",
            value_name = "ADDR",
            env = "REPATRIA_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Minutes without use after which a login session ends.
        #[arg(long, env = "REPATRIA_SESSION_IDLE_MINUTES", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(1..=720))]
        session_idle_minutes: u32,
        /// Hours the bureau has for what GC III wants sent "immediately" (Arts. 70,
        /// 122): when a notification falls due. Every server of one database must be
        /// given the same.
        #[arg(long, env = "REPATRIA_NOTIFY_WITHIN_HOURS", default_value_t = 24,
              value_parser = clap::value_parser!(u32).range(1..=168))]
        notify_within_hours: u32,
        /// Seconds after which an import job whose server stopped writing its heartbeat
        /// is reported failed (docs/operations.md). Every server of one database must be
        /// given the same.
        #[arg(long, env = "REPATRIA_JOB_STALE_SECONDS", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(2..=3600))]
        job_stale_seconds: u32,
    },
    /// Run the server on a fresh temporary database loaded with a fictional scenario.
    Demo {
        #[arg(long, env = "REPATRIA_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Number of generated captives besides the scenario's own.
        #[arg(long, default_value_t = 2400)]
        captives: usize,
        /// Seed of the generator, for a reproducible demo.
        #[arg(long, default_value_t = 1949)]
        seed: u64,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Link the records of two lists (writes LINKS.csv).
    Match(commands::matching::MatchArgs),
    /// Find duplicates within one list (writes CLUSTERS.csv).
    Dedupe(commands::matching::DedupeArgs),
    /// Score given pairs of records (writes SCORED.csv).
    Compare(commands::matching::CompareArgs),
    /// Compute an exchange plan from a scenario (see docs/exchange.md).
    Plan(commands::plan::PlanArgs),
    /// Import a list (CSV, XLSX, PFIF) or tracing requests, match and reconcile it.
    Import(commands::tracing::ImportArgs),
    /// Export the registry.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Tracing requests.
    Tracing {
        #[command(subcommand)]
        command: TracingCommand,
    },
    /// Write a consistent copy of the whole database while the server runs (every table,
    /// the audit log included), encrypted to each --recipient (age) when given.
    Backup {
        /// The file to write (it must not exist).
        #[arg(long)]
        out: std::path::PathBuf,
        /// An age recipient (`age1…`); repeat for several. Without any, not encrypted.
        #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
        recipients: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Restore a backup into an empty database, then verify its audit log.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// An age identity file, for an encrypted backup.
        #[arg(long, value_name = "AGE_IDENTITY_FILE")]
        identity: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Search the registry by a name in any script or spelling.
    Search {
        /// The name (a year or date of birth may be among the words).
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// PFIF 1.4 XML: one person per captive, with a note on his status.
    Pfif {
        #[arg(long)]
        out: std::path::PathBuf,
        /// The domain of the record ids (`DOMAIN/captive.ID`).
        #[arg(long, default_value = "repatria.example")]
        domain: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum TracingCommand {
    /// List tracing requests.
    List {
        /// open, candidates_found, confirmed or closed.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        /// User name: a-z, 0-9, '.', '_' or '-'.
        name: String,
        /// admin, registrar, investigator, medical, tracing_officer, negotiator,
        /// media_officer, auditor, icrc_delegate or journalist.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain and report the first broken event; with
    /// --checkpoint, also check that the log agrees with each signed checkpoint.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// A signed checkpoint (from `repatria audit checkpoint` or the API) the log must
        /// still agree with; may be repeated.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
        /// A verifier key (`NAME+KEYHASH+BASE64`) trusted to sign checkpoints; may be
        /// repeated.
        #[arg(long = "vkey", value_name = "VKEY")]
        vkeys: Vec<String>,
    },
    /// Write a new Ed25519 key for signing checkpoints (mode 0600) and print its
    /// verifier key.
    Keygen {
        /// The key's name, also the log's name in its checkpoints (e.g.
        /// `bureau.example/audit`): no spaces or '+'.
        #[arg(long)]
        name: String,
        /// The file to write; an existing file is never overwritten.
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
    },
    /// Print a signed checkpoint of the audit log as it is now.
    Checkpoint {
        /// The signing key file (from `repatria audit keygen`).
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result =
        match cli.command {
            Command::Backup {
                out,
                recipients,
                db,
            } => runtime()
                .and_then(|rt| rt.block_on(commands::backup::backup(&db.db, &out, &recipients))),
            Command::Restore { file, identity, db } => runtime().and_then(|rt| {
                rt.block_on(commands::backup::restore(
                    &file,
                    &db.db,
                    identity.as_deref(),
                ))
            }),
            Command::Serve {
                db,
                addr,
                audit_key,
                trusted_proxies,
                session_idle_minutes,
                notify_within_hours,
                job_stale_seconds,
            } => runtime().and_then(|rt| {
                rt.block_on(commands::serve::serve(
                    &db.db,
                    addr,
                    commands::serve::Options {
                        trusted_proxies,
                        session_idle_minutes,
                        notify_within_hours,
                        job_stale_seconds,
                    },
                    audit_key.as_deref(),
                ))
            }),
            Command::Demo {
                addr,
                captives,
                seed,
            } => runtime().and_then(|rt| rt.block_on(commands::serve::demo(addr, captives, seed))),
            Command::User {
                command: UserCommand::Add { name, role, db },
            } => runtime().and_then(|rt| rt.block_on(commands::user::add(&db.db, &name, &role))),
            Command::Audit {
                command:
                    AuditCommand::Verify {
                        db,
                        checkpoints,
                        vkeys,
                    },
            } => runtime()
                .and_then(|rt| rt.block_on(commands::audit::verify(&db.db, &checkpoints, &vkeys))),
            Command::Audit {
                command: AuditCommand::Keygen { name, out },
            } => commands::audit::keygen(&name, &out),
            Command::Audit {
                command: AuditCommand::Checkpoint { key, db },
            } => runtime().and_then(|rt| rt.block_on(commands::audit::checkpoint(&db.db, &key))),
            Command::Match(args) => commands::matching::run_match(args),
            Command::Dedupe(args) => commands::matching::run_dedupe(args),
            Command::Compare(args) => commands::matching::run_compare(args),
            Command::Plan(args) => commands::plan::run(args),
            Command::Import(args) => {
                runtime().and_then(|rt| rt.block_on(commands::tracing::import(args)))
            }
            Command::Export {
                command: ExportCommand::Pfif { out, domain, db },
            } => runtime()
                .and_then(|rt| rt.block_on(commands::tracing::export_pfif(&db.db, &out, &domain))),
            Command::Tracing {
                command: TracingCommand::List { status, db },
            } => runtime()
                .and_then(|rt| rt.block_on(commands::tracing::list(&db.db, status.as_deref()))),
            Command::Search { name, limit, db } => runtime()
                .and_then(|rt| rt.block_on(commands::tracing::search(&db.db, &name, limit))),
        };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, as docs/cli.md promises: the causes joined with ": ".
            eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs go to stderr; `RUST_LOG` overrides the default level. Personal data is never
/// logged at info level or above.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_repeat_or_come_comma_separated_and_the_idle_timeout_is_bounded() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        let Ok(Command::Serve {
            trusted_proxies,
            session_idle_minutes,
            ..
        }) = parse(&[
            "repatria",
            "serve",
            "--trusted-proxy",
            "10.0.0.2",
            "--trusted-proxy",
            "::1,192.0.2.1",
        ])
        else {
            panic!("serve with proxies does not parse");
        };
        let expected: Vec<std::net::IpAddr> = ["10.0.0.2", "::1", "192.0.2.1"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!(trusted_proxies, expected);
        assert_eq!(session_idle_minutes, 30);
        assert!(parse(&["repatria", "serve", "--trusted-proxy", "proxy.example"]).is_err());
        assert!(parse(&["repatria", "serve", "--session-idle-minutes", "0"]).is_err());
    }

    #[test]
    fn the_job_stale_window_defaults_to_30_seconds_and_is_at_least_2() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        let Ok(Command::Serve {
            job_stale_seconds, ..
        }) = parse(&["repatria", "serve"])
        else {
            panic!("serve does not parse");
        };
        assert_eq!(job_stale_seconds, 30);
        let Ok(Command::Serve {
            job_stale_seconds, ..
        }) = parse(&["repatria", "serve", "--job-stale-seconds", "2"])
        else {
            panic!("serve --job-stale-seconds 2 does not parse");
        };
        assert_eq!(job_stale_seconds, 2);
        assert!(parse(&["repatria", "serve", "--job-stale-seconds", "1"]).is_err());
    }
}
