//! Logical backups (docs/operations.md): every table of the database, the audit log
//! included, read in one snapshot while the server runs, as JSON lines that restore into
//! either backend. Encryption is the caller's (the command line wraps the lines in age).
//!
//! The format, one JSON value a line:
//! 1. `{"repatria_backup": 1, "backend": "sqlite", "schema": 11}`
//! 2. for each table, `{"table": NAME, "columns": [...]}`, then one array of values a row;
//! 3. `{"end": true, "rows": N, "captives": N, "audit_events": N, "audit_head": [SEQ, HASH]}`.
//!
//! A restore goes into an empty database only, in one transaction that is refused whole
//! (nothing of it stays) when a line does not read, a table or column is unknown, or the
//! counts differ from the end line (a backup cut short); after it commits, the audit
//! chain is recomputed and a restore whose log does not verify is reported as failed.

use std::io::{BufRead, Write};

use futures_util::TryStreamExt;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, SqlStore, StoreError};

/// The backup format's version.
pub const FORMAT: u64 = 1;

/// Every table, parents before children. `audit_head` is written last, as the row a
/// restore updates. A test checks that the list names every table of the schema.
pub const TABLES: &[&str] = &[
    "parties",
    "users",
    "credentials",
    "login_attempts",
    "captives",
    "captive_name_tokens",
    "list_imports",
    "list_entries",
    "tracing_requests",
    "match_links",
    "media_requests",
    "exchanges",
    "exchange_proposals",
    "manifest_entries",
    "manifest_tallies",
    "notifications",
    "notification_dispatches",
    "import_jobs",
    "audit_events",
    "audit_head",
];

/// What a backup holds, or a restore restored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    pub rows: u64,
    pub captives: u64,
    pub audit_events: u64,
}

/// How a column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Real,
}

fn kind_of(declared: &str) -> Kind {
    let declared = declared.to_ascii_uppercase();
    if declared.contains("INT") {
        Kind::Integer
    } else if declared.contains("REAL") || declared.contains("DOUBLE") || declared.contains("FLOAT")
    {
        Kind::Real
    } else {
        Kind::Text
    }
}

fn bad(line: u64, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("backup line {line}: {what}"))
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("the backup could not be written or read: {e}"))
}

/// A table's columns and how each is stored, as the schema declares them.
async fn columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, Kind)>> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query(&format!("SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"))
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("name")?,
                kind_of(&r.try_get::<String, _>("type")?),
            ))
        })
        .collect()
}

/// The tables the schema has (migrations' own table aside).
async fn schema_tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'")
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query("SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'")
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut names = rows
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    names.sort();
    Ok(names)
}

async fn schema_version(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM _sqlx_migrations")
            .fetch_one(&mut *conn)
            .await?
            .try_get::<i64, _>("v")?,
    )
}

impl SqlStore {
    /// The tables of this database's schema, sorted (to check [`TABLES`] against).
    pub async fn tables(&self) -> Result<Vec<String>> {
        let mut conn = self.pool.acquire().await?;
        schema_tables(&mut conn, self.backend).await
    }

    /// Writes a consistent copy of every table to `out` (one read transaction: writers
    /// go on meanwhile and what they commit later is not in it).
    pub async fn backup(&self, out: &mut (dyn Write + Send)) -> Result<BackupSummary> {
        let backend = self.backend;
        self.snapshot(async |conn| {
            let mut summary = BackupSummary::default();
            let line = |out: &mut (dyn Write + Send), value: &Value| -> Result<()> {
                serde_json::to_writer(&mut *out, value).map_err(|e| io(e.into()))?;
                out.write_all(b"\n").map_err(io)
            };
            line(out, &json!({ "repatria_backup": FORMAT, "backend": backend.as_str(), "schema": schema_version(conn).await? }))?;
            for table in TABLES {
                let cols = columns(conn, backend, table).await?;
                let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
                line(out, &json!({ "table": table, "columns": names }))?;
                // In key order: stable output, and a row never before one it refers to
                // (a correction after the notification it corrects).
                let sql = format!("SELECT {} FROM {table} ORDER BY 1", names.join(", "));
                let mut rows = sqlx::query(&sql).fetch(&mut *conn);
                while let Some(row) = rows.try_next().await? {
                    let mut values = Vec::with_capacity(cols.len());
                    for (i, (_, kind)) in cols.iter().enumerate() {
                        values.push(match kind {
                            Kind::Integer => json!(row.try_get::<Option<i64>, _>(i)?),
                            Kind::Real => json!(row.try_get::<Option<f64>, _>(i)?),
                            Kind::Text => json!(row.try_get::<Option<String>, _>(i)?),
                        });
                    }
                    line(out, &Value::Array(values))?;
                    summary.rows += 1;
                    match *table {
                        "captives" => summary.captives += 1,
                        "audit_events" => summary.audit_events += 1,
                        _ => {}
                    }
                }
            }
            let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *conn)
                .await?;
            line(out, &json!({
                "end": true, "rows": summary.rows, "captives": summary.captives,
                "audit_events": summary.audit_events,
                "audit_head": [head.try_get::<i64, _>("seq")?, head.try_get::<String, _>("hash")?],
            }))?;
            out.flush().map_err(io)?;
            Ok(summary)
        })
        .await
    }

    /// Restores a backup into this database, which must be empty (no party, account,
    /// captive or audit event), in one transaction refused whole on any mismatch of its
    /// lines or counts; then verifies the audit chain (`Corrupt` when it does not).
    pub async fn restore(&self, input: &mut (dyn BufRead + Send)) -> Result<BackupSummary> {
        let backend = self.backend;
        let summary = self
            .bulk_load(async |conn| {
                for table in ["parties", "users", "captives", "audit_events"] {
                    let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("n")?;
                    if n > 0 {
                        return Err(StoreError::Conflict(format!(
                            "the database is not empty ({table} has {n} rows): restore into a new, empty database"
                        )));
                    }
                }
                let mut lines = input.lines();
                let mut number = 0u64;
                let mut next = |number: &mut u64| -> Result<Option<Value>> {
                    let Some(text) = lines.next() else { return Ok(None) };
                    *number += 1;
                    let text = text.map_err(io)?;
                    serde_json::from_str(&text).map(Some).map_err(|e| bad(*number, e))
                };
                let header = next(&mut number)?.ok_or_else(|| bad(1, "the backup is empty"))?;
                if header["repatria_backup"] != json!(FORMAT) {
                    return Err(bad(1, "not a Repatria backup of a format this version reads"));
                }
                let ours = schema_version(conn).await?;
                if header["schema"].as_i64().is_none_or(|s| s > ours) {
                    return Err(bad(1, format!("the backup's schema ({}) is newer than this version's ({ours})", header["schema"])));
                }
                let mut summary = BackupSummary::default();
                let mut current: Option<(String, Vec<(String, Kind)>)> = None;
                let mut end = None;
                while let Some(value) = next(&mut number)? {
                    if let Some(table) = value.get("table").and_then(Value::as_str) {
                        if !TABLES.contains(&table) {
                            return Err(bad(number, format!("unknown table {table:?}")));
                        }
                        let theirs: Vec<String> = value["columns"]
                            .as_array()
                            .ok_or_else(|| bad(number, "no columns"))?
                            .iter()
                            .map(|c| c.as_str().map(String::from).ok_or_else(|| bad(number, "a column is no name")))
                            .collect::<Result<_>>()?;
                        let ours = columns(conn, backend, table).await?;
                        let mut cols = Vec::with_capacity(theirs.len());
                        for name in theirs {
                            let kind = ours
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, k)| *k)
                                .ok_or_else(|| bad(number, format!("{table} has no column {name:?}")))?;
                            cols.push((name, kind));
                        }
                        current = Some((table.to_string(), cols));
                        continue;
                    }
                    if value.get("end").is_some() {
                        end = Some(value);
                        break;
                    }
                    let (table, cols) = current.as_ref().ok_or_else(|| bad(number, "a row before its table"))?;
                    let values = value.as_array().filter(|v| v.len() == cols.len()).ok_or_else(|| {
                        bad(number, format!("a row of {table} must have {} values", cols.len()))
                    })?;
                    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
                    let sql = if table == "audit_head" {
                        let sets: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n} = ${}", i + 1)).collect();
                        format!("UPDATE audit_head SET {} WHERE id = 1", sets.join(", "))
                    } else {
                        let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
                        format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), params.join(", "))
                    };
                    let mut query = sqlx::query(&sql);
                    for ((name, kind), value) in cols.iter().zip(values) {
                        let wrong = || bad(number, format!("{table}.{name}: {value} is not what the column holds"));
                        query = match kind {
                            Kind::Integer => query.bind(match value {
                                Value::Null => None,
                                v => Some(v.as_i64().ok_or_else(wrong)?),
                            }),
                            Kind::Real => query.bind(match value {
                                Value::Null => None,
                                v => Some(v.as_f64().ok_or_else(wrong)?),
                            }),
                            Kind::Text => query.bind(match value {
                                Value::Null => None,
                                v => Some(v.as_str().ok_or_else(wrong)?.to_string()),
                            }),
                        };
                    }
                    query.execute(&mut *conn).await?;
                    summary.rows += 1;
                    match table.as_str() {
                        "captives" => summary.captives += 1,
                        "audit_events" => summary.audit_events += 1,
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| bad(number, "the backup ends before its last line: it was cut short"))?;
                let expected = BackupSummary {
                    rows: end["rows"].as_u64().unwrap_or(u64::MAX),
                    captives: end["captives"].as_u64().unwrap_or(u64::MAX),
                    audit_events: end["audit_events"].as_u64().unwrap_or(u64::MAX),
                };
                if expected != summary {
                    return Err(bad(number, format!("the backup says {expected:?} but holds {summary:?}")));
                }
                Ok(summary)
            })
            .await?;
        let report = self.verify_audit().await?;
        if report.broken.is_some() || report.events_checked != summary.audit_events {
            return Err(StoreError::Corrupt(format!(
                "the restored audit log does not verify: {:?} ({} events checked, {} restored)",
                report.broken, report.events_checked, summary.audit_events
            )));
        }
        Ok(summary)
    }
}
