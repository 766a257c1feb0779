//! `repatria match`, `dedupe` and `compare` (docs/cli.md, "Matching lists"): CSV in, CSV out,
//! the work done by `repatria-match`.

use anyhow::{bail, Context};
use repatria_match::{Matcher, PreparedList, Record, Scored, TrainingOptions};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

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
    /// Add a column `explanation` with each feature's contribution.
    #[arg(long)]
    pub explain: bool,
    /// Estimate the model from the two lists (u from random pairs, m by EM) instead
    /// of the built-in parameters. Scores then differ from `compare`'s.
    #[arg(long)]
    pub train: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(clap::Args)]
pub struct DedupeArgs {
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Estimate the model from the list (u from random pairs, m by EM).
    #[arg(long)]
    pub train: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The model's options shared by `match` and `dedupe`, after their `--train`.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// Seed of the random pairs drawn by `--train`.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Prior probability that two records are the same person. Default: one match
    /// per record of the larger list, 1 / max(records, 10000); `compare` uses 1e-4,
    /// so the two give the same scores for lists of up to 10,000 records.
    #[arg(long)]
    pub prior: Option<f64>,
}

impl ModelArgs {
    /// The matcher of `match` and `dedupe`: trained by `train` (given the options with
    /// this seed) when `--train` is set, else the built-in one with the prior of
    /// [`untrained_matcher`]; `--prior`, when given, replaces either's prior.
    fn matcher(
        &self,
        train: Option<impl FnOnce(&TrainingOptions) -> Matcher>,
        largest_list: usize,
    ) -> anyhow::Result<Matcher> {
        let Some(train) = train else {
            return untrained_matcher(self.prior, largest_list);
        };
        let options = TrainingOptions {
            seed: self.seed,
            ..TrainingOptions::default()
        };
        let mut matcher = train(&options);
        set_prior(&mut matcher, self.prior)?;
        Ok(matcher)
    }
}

#[derive(clap::Args)]
pub struct CompareArgs {
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    /// Add a column `explanation` with each feature's contribution.
    #[arg(long)]
    pub explain: bool,
    /// Prior probability that two records are the same person (default 1e-4).
    #[arg(long)]
    pub prior: Option<f64>,
}

/// The record columns of docs/cli.md, "Input CSV" (besides `id`).
const COLUMNS: [&str; 10] = [
    "full_name",
    "family_name",
    "given_name",
    "patronymic",
    "date_of_birth",
    "sex",
    "place_of_birth",
    "nationality",
    "unit",
    "service_number",
];

/// A row that could not be read: its line number and why.
struct BadRow {
    line: u64,
    reason: String,
}

/// Where the record columns are in a table, under one prefix (`""`, `left_`, `right_`):
/// looked up once per table rather than once per row.
struct RecordColumns<'a> {
    prefix: &'a str,
    /// Positions of [`COLUMNS`], in that order.
    positions: [Option<usize>; COLUMNS.len()],
}

impl<'a> RecordColumns<'a> {
    fn new(headers: &HashMap<String, usize>, prefix: &'a str) -> RecordColumns<'a> {
        RecordColumns {
            prefix,
            positions: COLUMNS.map(|name| headers.get(&format!("{prefix}{name}")).copied()),
        }
    }
}

/// Reads a record from `row`.
fn read_record(
    columns: &RecordColumns,
    row: &csv::StringRecord,
    id: String,
) -> Result<Record, String> {
    let field = |column: usize| -> Option<&str> {
        let value = row.get(columns.positions[column]?)?.trim();
        (!value.is_empty()).then_some(value)
    };
    let owned = |column: usize| field(column).map(str::to_owned);
    let mut record = Record {
        id,
        full_name: owned(0),
        family_name: owned(1),
        given_name: owned(2),
        patronymic: owned(3),
        place_of_birth: owned(6),
        nationality: owned(7),
        unit: owned(8),
        service_number: owned(9),
        ..Record::default()
    };
    let side = |e: repatria_match::RecordError| match columns.prefix {
        "" => e.to_string(),
        prefix => format!("{}: {e}", prefix.trim_end_matches('_')),
    };
    if let Some(date) = field(4) {
        record.date_of_birth = Some(repatria_match::parse_date(date).map_err(side)?);
    }
    if let Some(sex) = field(5) {
        record.sex = Some(repatria_match::parse_sex(sex).map_err(side)?);
    }
    Ok(record)
}

/// `convert` applied to every row, on all cores, in row order.
fn map_rows<T: Send>(
    rows: &[(u64, csv::StringRecord)],
    convert: impl Fn(u64, &csv::StringRecord) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                let convert = &convert;
                scope.spawn(move || {
                    part.iter()
                        .map(|(line, row)| convert(*line, row))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a row conversion panicked"))
            .collect()
    })
}

struct Table {
    headers: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(path: &Path) -> anyhow::Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
        .collect();
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("reading {}", path.display()))?;
        let line = row.position().map_or(0, |p| p.line());
        rows.push((line, row));
    }
    Ok(Table { headers, rows })
}

/// Fails with every bad row reported on stderr, or returns the rows read.
fn check_rows<T>(path: &Path, read: Vec<Result<T, BadRow>>) -> anyhow::Result<Vec<T>> {
    let mut good = Vec::with_capacity(read.len());
    let mut bad = 0usize;
    for item in read {
        match item {
            Ok(value) => good.push(value),
            Err(row) => {
                eprintln!("{}:{}: {}", path.display(), row.line, row.reason);
                bad += 1;
            }
        }
    }
    if bad > 0 {
        bail!(
            "{bad} row(s) of {} could not be read; nothing written",
            path.display()
        );
    }
    Ok(good)
}

/// Reads a list of records, requiring a unique non-empty `id`.
fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let table = read_table(path)?;
    let Some(&id_column) = table.headers.get("id") else {
        bail!("{}: missing column id", path.display());
    };
    let columns = RecordColumns::new(&table.headers, "");
    let parsed = map_rows(&table.rows, |_, row| {
        let id = row.get(id_column).unwrap_or("").trim().to_owned();
        read_record(&columns, row, id.clone()).map_err(|reason| (id, reason))
    });
    // Missing and duplicate ids come first, then the fields, as a row is read.
    let mut seen: HashMap<&str, u64> = HashMap::with_capacity(parsed.len());
    let mut read = Vec::with_capacity(parsed.len());
    for ((line, _), record) in table.rows.iter().zip(&parsed) {
        let bad = |reason: String| BadRow {
            line: *line,
            reason,
        };
        let id = match record {
            Ok(record) => record.id.as_str(),
            Err((id, _)) => id.as_str(),
        };
        if id.is_empty() {
            read.push(Err(bad("missing id".into())));
            continue;
        }
        if let Some(first) = seen.get(id) {
            read.push(Err(bad(format!(
                "duplicate id {id:?} (first on line {first})"
            ))));
            continue;
        }
        seen.insert(id, *line);
        read.push(
            record
                .as_ref()
                .map(|_| ())
                .map_err(|(_, reason)| bad(reason.clone())),
        );
    }
    drop(seen);
    check_rows(path, read)?;
    Ok(parsed.into_iter().filter_map(Result::ok).collect())
}

fn check_threshold(threshold: f64) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&threshold) {
        bail!("threshold {threshold} is not a probability in [0, 1]");
    }
    Ok(())
}

fn write_csv(path: &Path, header: &[&str], rows: Vec<Vec<String>>) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(super::files::create_private(path)?);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer
        .flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The prior of an untrained model: about one match per record of the larger list,
/// never above the built-in prior of 1e-4 (lists of 10,000).
fn untrained_matcher(prior: Option<f64>, largest_list: usize) -> anyhow::Result<Matcher> {
    let mut matcher = Matcher::default();
    let default = matcher
        .parameters
        .prior
        .min(1.0 / largest_list.max(1) as f64);
    matcher.parameters.prior = check_prior(prior)?.unwrap_or(default);
    Ok(matcher)
}

fn check_prior(prior: Option<f64>) -> anyhow::Result<Option<f64>> {
    match prior {
        Some(p) if !(p > 0.0 && p < 1.0) => bail!("prior {p} is not a probability in (0, 1)"),
        other => Ok(other),
    }
}

/// `--prior`, when given, as the matcher's prior.
fn set_prior(matcher: &mut Matcher, prior: Option<f64>) -> anyhow::Result<()> {
    if let Some(prior) = check_prior(prior)? {
        matcher.parameters.prior = prior;
    }
    Ok(())
}

/// Scored rows as `match` and `compare` write them: the row's ids, then `score` (six
/// decimals), then with `explain` the column `explanation`.
fn write_scored(
    path: &Path,
    ids: &[&str],
    explain: bool,
    rows: impl Iterator<Item = (Vec<String>, Scored)>,
) -> anyhow::Result<()> {
    let mut header = ids.to_vec();
    header.push("score");
    if explain {
        header.push("explanation");
    }
    let rows = rows
        .map(|(mut row, scored)| {
            row.push(format!("{:.6}", scored.probability));
            if explain {
                row.push(scored.explanation());
            }
            row
        })
        .collect();
    write_csv(path, &header, rows)
}

pub fn run_match(args: MatchArgs) -> anyhow::Result<()> {
    check_threshold(args.threshold)?;
    let left = read_records(&args.left)?;
    let right = read_records(&args.right)?;
    // Prepared once: training and linking share the normalised records.
    let (left_list, right_list) = (PreparedList::new(&left), PreparedList::new(&right));
    let train = args.train.then_some(|options: &TrainingOptions| {
        repatria_match::train_link_prepared(&left_list, &right_list, options)
    });
    let matcher = args.model.matcher(train, left.len().max(right.len()))?;
    let links = matcher.link_prepared(&left_list, &right_list, args.threshold);
    let rows = links.into_iter().map(|link| {
        let ids = vec![left[link.left].id.clone(), right[link.right].id.clone()];
        (ids, link.scored)
    });
    write_scored(&args.out, &["left_id", "right_id"], args.explain, rows)
}

pub fn run_dedupe(args: DedupeArgs) -> anyhow::Result<()> {
    check_threshold(args.threshold)?;
    let records = read_records(&args.input)?;
    let list = PreparedList::new(&records);
    let train = args.train.then_some(|options: &TrainingOptions| {
        repatria_match::train_dedupe_prepared(&list, options)
    });
    let matcher = args.model.matcher(train, records.len())?;
    let clusters = matcher.dedupe_prepared(&list, args.threshold);
    let rows = records
        .iter()
        .zip(clusters)
        .map(|(record, first)| vec![record.id.clone(), records[first].id.clone()])
        .collect();
    write_csv(&args.out, &["id", "cluster_id"], rows)
}

pub fn run_compare(args: CompareArgs) -> anyhow::Result<()> {
    let table = read_table(&args.input)?;
    let Some(&pair_column) = table.headers.get("pair_id") else {
        bail!("{}: missing column pair_id", args.input.display());
    };
    let (left_columns, right_columns) = (
        RecordColumns::new(&table.headers, "left_"),
        RecordColumns::new(&table.headers, "right_"),
    );
    let mut seen: HashSet<String> = HashSet::new();
    let read = table
        .rows
        .iter()
        .map(|(line, row)| {
            let bad = |reason: String| BadRow {
                line: *line,
                reason,
            };
            let pair_id = row.get(pair_column).unwrap_or("").trim().to_owned();
            if pair_id.is_empty() {
                return Err(bad("missing pair_id".into()));
            }
            if !seen.insert(pair_id.clone()) {
                return Err(bad(format!("duplicate pair_id {pair_id:?}")));
            }
            let left = read_record(&left_columns, row, format!("{pair_id}/left"));
            let right = read_record(&right_columns, row, format!("{pair_id}/right"));
            Ok((pair_id, left.map_err(bad)?, right.map_err(bad)?))
        })
        .collect();
    let pairs = check_rows(&args.input, read)?;
    let mut matcher = Matcher::default();
    set_prior(&mut matcher, args.prior)?;
    let rows = pairs.into_iter().map(|(pair_id, left, right)| {
        let scored = matcher.score_pair(&left, &right);
        (vec![pair_id], scored)
    });
    write_scored(&args.out, &["pair_id"], args.explain, rows)
}
