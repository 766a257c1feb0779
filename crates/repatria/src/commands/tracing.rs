//! `repatria import`, `repatria export pfif`, `repatria tracing list` and
//! `repatria search`: the registry's lists and tracing requests from the command line.
//! The work is done by `repatria_app::imports` and `repatria_app::matching`, the
//! same code the API runs.

use std::path::PathBuf;

use anyhow::{bail, Context};
use repatria_app::imports::{self, ImportError, ImportInput};
use repatria_app::matching::Matching;
use repatria_core::{ImportKind, PartyCode, TracingStatus};
use repatria_store::{Actor, SqlStore};

use crate::DbArgs;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The file: CSV, XLSX or PFIF 1.4 XML.
    pub file: PathBuf,
    /// csv, xlsx or pfif; guessed from the extension when omitted.
    #[arg(long)]
    pub format: Option<String>,
    /// `list` (persons listed by a party or a unit) or `tracing` (tracing requests).
    #[arg(long = "as", default_value = "list")]
    pub kind: String,
    /// The party that sent the list (its code).
    #[arg(long)]
    pub source: Option<String>,
    /// Corrects the proposed column mapping: `--map "Прізвище=family_name"`; a field of
    /// `ignore` drops the column. Repeatable.
    #[arg(long = "map")]
    pub overrides: Vec<String>,
    /// For tracing requests: the inquirers consented to matching (recorded on the forms).
    #[arg(long)]
    pub consent: bool,
    /// Also write the reconciliation report (CSV) of the list here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

async fn open(db: &str) -> anyhow::Result<SqlStore> {
    super::open_store(db).await
}

/// Imports a list or tracing requests; prints the mapping used, a progress bar on a
/// terminal, and the summary. Any bad row: each printed with its line, nothing imported.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    // A file beyond the readers' byte limit is refused before it is read into memory.
    let limit = repatria_lists::Limits::default().file_bytes;
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?
        .len();
    if size > limit as u64 {
        bail!(
            "{}: the list is too large: more than {limit} bytes in the file",
            args.file.display()
        );
    }
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = match &args.format {
        Some(raw) => Some(
            repatria_lists::Format::parse(raw)
                .map_err(|e| anyhow::anyhow!("--format: {}", e.reason))?,
        ),
        None => None,
    };
    let kind = ImportKind::parse(&args.kind).map_err(|e| anyhow::anyhow!("--as: {}", e.reason))?;
    let source = match &args.source {
        Some(code) => {
            Some(PartyCode::parse(code).map_err(|e| anyhow::anyhow!("--source: {}", e.reason))?)
        }
        None => None,
    };
    // Show the mapping a table will be read with, so that a wrong guess is seen.
    let table_format = format
        .or_else(|| repatria_lists::Format::from_file_name(&file_name))
        .unwrap_or_else(|| repatria_lists::Format::of_content(&bytes));
    if let f @ (repatria_lists::Format::Csv | repatria_lists::Format::Xlsx) = table_format {
        if let Ok(table) = repatria_lists::read_table(f, &bytes) {
            if let Ok(mapping) = repatria_lists::propose_mapping(&table.headers)
                .with_overrides(&table.headers, &args.overrides)
            {
                eprintln!("columns:");
                for line in mapping.describe(&table.headers) {
                    eprintln!("  {line}");
                }
            }
        }
    }
    if kind == ImportKind::Demand {
        bail!("a demand list belongs to an exchange: send it with POST /api/exchanges/ID/demands or POST /api/imports?as=demand&exchange=ID");
    }
    let store = open(&args.db.db).await?;
    let matching = Matching::default();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "matching {bar:40} {pos}/{len} rows ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let input = ImportInput {
        exchange: None,
        file_name,
        bytes: bytes.into(),
        format,
        kind,
        source,
        overrides: args.overrides.clone(),
        consent_to_matching: args.consent,
    };
    let result = imports::import(
        &store,
        &matching,
        &Actor::new("cli"),
        input,
        chrono::Utc::now(),
        &progress,
    )
    .await;
    bar.finish_and_clear();
    let summary = match result {
        Ok(summary) => summary,
        Err(ImportError::Rows(rows)) => {
            for row in &rows {
                eprintln!("{row}");
            }
            bail!(
                "{} rows rejected; nothing was imported from {}",
                rows.len(),
                args.file.display()
            );
        }
        Err(ImportError::File(reason)) => bail!("{}: {reason}", args.file.display()),
        Err(ImportError::Store(e)) => return Err(e).context("the import could not be stored"),
    };
    let import = &summary.import;
    if !summary.created {
        println!(
            "already imported on {} as {} ({} rows): nothing new created",
            import.created_at.format("%Y-%m-%d %H:%M UTC"),
            import.id,
            import.rows
        );
    } else {
        match import.kind {
            ImportKind::List | ImportKind::Demand => println!(
                "imported {}: {} rows read, {} created, {} matched (captive {}, tracing request {}), {} new, {} ambiguous, 0 rejected",
                import.id,
                summary.rows,
                summary.rows,
                summary.counts.captive + summary.counts.tracing_request,
                summary.counts.captive,
                summary.counts.tracing_request,
                summary.counts.new,
                summary.counts.ambiguous
            ),
            ImportKind::Tracing => println!(
                "imported {}: {} rows read, {} tracing requests created, 0 rejected",
                import.id, summary.rows, summary.requests
            ),
        }
    }
    if let Some(path) = &args.report {
        if import.kind != ImportKind::List {
            bail!("--report: an import of tracing requests has no reconciliation report");
        }
        let report = imports::report(&store, import).await?;
        super::files::write_private(path, imports::report_csv(&report))?;
        println!("reconciliation report written to {}", path.display());
    }
    store.close().await;
    Ok(())
}

/// Writes the registry as PFIF 1.4: one person per captive (the assessed identity),
/// with a note on where he stands.
pub async fn export_pfif(db: &str, out: &std::path::Path, domain: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let (document, persons) =
        repatria_app::pfif::export(&store, &Actor::new("cli"), domain, chrono::Utc::now()).await?;
    super::files::write_private(out, document)?;
    println!("{persons} persons written to {}", out.display());
    store.close().await;
    Ok(())
}

/// Prints the tracing requests, optionally in one status.
pub async fn list(db: &str, status: Option<&str>) -> anyhow::Result<()> {
    let status = match status {
        None => None,
        Some(raw) => {
            Some(TracingStatus::parse(raw).map_err(|e| anyhow::anyhow!("--status: {}", e.reason))?)
        }
    };
    let store = open(db).await?;
    let requests =
        repatria_app::tracing::list(&store, &Actor::new("cli"), status, chrono::Utc::now()).await?;
    println!("id\tstatus\tcandidates\tanswers\tcreated_at\tperson sought");
    for r in &requests {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            r.id.0,
            r.status.as_str(),
            r.candidates.len(),
            r.answers.len(),
            r.created_at.format("%Y-%m-%d"),
            r.sought.name.display()
        );
    }
    store.close().await;
    Ok(())
}

/// Searches the registry by a name in any spelling, best first.
pub async fn search(db: &str, name: &str, limit: usize) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        bail!("give a name to search for");
    }
    let store = open(db).await?;
    // The same search as the API's and the web's: the engine's candidates in any
    // spelling, best first, then captives with a name word beginning as typed.
    let query = repatria_store::CaptiveQuery {
        name: Some(name.to_string()),
        limit: u32::try_from(limit).unwrap_or(u32::MAX),
        ..Default::default()
    };
    let page = repatria_app::registry::list(
        &store,
        &Matching::default(),
        &Actor::new("cli"),
        &query,
        chrono::Utc::now(),
    )
    .await?;
    println!("score\tid\tname\tdate_of_birth\tstatus");
    for found in &page.items {
        let captive = &found.captive;
        let assessed = captive.assessed_identity();
        println!(
            "{}\t{}\t{}\t{}\t{}",
            found.score.map(|s| format!("{s:.3}")).unwrap_or_default(),
            captive.id,
            assessed.map(|a| a.name.display()).unwrap_or_default(),
            assessed
                .and_then(|a| a.date_of_birth)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            captive.status()
        );
    }
    store.close().await;
    Ok(())
}
