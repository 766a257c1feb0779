//! Connecting to a database: choosing the backend from the URL, the per-backend
//! connection settings and migrations, and how writers are serialised on each.

use std::str::FromStr;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyConnection;
use sqlx::{AnyPool, Executor};

use crate::{Result, StoreError};

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file: the default, for a bureau on one machine.
    Sqlite,
    /// A PostgreSQL server, for larger deployments with replication and backups.
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The store over either database: its methods are the domain operations on stored data.
/// The SQL it runs is written once, in the dialect both backends share (`$1` parameters,
/// text instants); the differences live here.
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// The writers' turn and the batch of writes open under it (group commit, see
    /// `write.rs`). SQLite allows one writer at a time, and taking turns here rather than
    /// in SQLite's busy handler keeps concurrent requests from failing with "database is
    /// locked"; on PostgreSQL, where audited writers queue on the audit head's row lock
    /// anyway, it lets the writes of one server share their commits.
    pub(crate) writer: crate::write::Writers,
    /// What "immediately" means for the notifications a change causes.
    pub(crate) notice_policy: repatria_core::NoticePolicy,
    /// How long a running import job may go without a heartbeat before it is read as
    /// lost (`jobs.rs`).
    pub(crate) job_stale_after: chrono::Duration,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Where a database URL points.
fn parse_url(url: &str) -> Result<(Backend, String)> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        if path.is_empty() {
            return Err(StoreError::Corrupt("the sqlite URL names no file".into()));
        }
        return Ok((Backend::Sqlite, sqlite_url(path)));
    }
    if url.contains("://") {
        return Err(StoreError::Database(sqlx::Error::Configuration(
            format!(
                "unsupported database URL {:?}: use a file path, sqlite://FILE or postgres://...",
                redact_url(url)
            )
            .into(),
        )));
    }
    // A bare path is a SQLite file.
    Ok((Backend::Sqlite, sqlite_url(url)))
}

/// A database URL fit for messages and logs: the password of its user part and of a
/// `password=` parameter replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut redacted = url.to_string();
    if let Some(scheme) = redacted.find("://") {
        let authority_end = redacted[scheme + 3..]
            .find(['/', '?', '#'])
            .map_or(redacted.len(), |end| scheme + 3 + end);
        // The user part ends at the last `@` of the authority (a password may hold `@`).
        if let Some(at) = redacted[scheme + 3..authority_end].rfind('@') {
            let at = scheme + 3 + at;
            if let Some(colon) = redacted[scheme + 3..at].find(':') {
                redacted.replace_range(scheme + 3 + colon + 1..at, "***");
            }
        }
    }
    if let Some(query) = redacted.find('?') {
        let (head, tail) = redacted.split_at(query + 1);
        let parameters: Vec<String> = tail
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => parameter.to_string(),
            })
            .collect();
        redacted = format!("{head}{}", parameters.join("&"));
    }
    redacted
}

/// Creates a new SQLite database file readable by its owner only: it holds the registry.
/// SQLite gives its `-wal` and `-shm` files the database file's permissions. An existing
/// file is left as it is.
fn create_private_file(path: &str) -> std::io::Result<()> {
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

fn sqlite_url(path: &str) -> String {
    if path.contains('?') {
        format!("sqlite://{path}")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

impl SqlStore {
    /// The same store with `policy` for the notifications changes cause (every server of
    /// one database must be given the same).
    pub fn with_notice_policy(mut self, policy: repatria_core::NoticePolicy) -> SqlStore {
        self.notice_policy = policy;
        self
    }

    /// What "immediately" means for this store's notifications.
    pub fn notice_policy(&self) -> &repatria_core::NoticePolicy {
        &self.notice_policy
    }

    /// Connects to `url` (a SQLite file path, `sqlite://FILE` or `postgres://...`),
    /// creating a SQLite file if needed, and applies pending migrations.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let (backend, url) = parse_url(url)?;
        if backend == Backend::Sqlite && !url.contains("mode=memory") {
            let path = url.trim_start_matches("sqlite://");
            create_private_file(path).map_err(|error| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot create the database file {path}: {error}").into(),
                ))
            })?;
        }
        let options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlite_settings(conn).await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(10),
        };
        // One plain connection first: a server that is down or a wrong password fails
        // here at once, where the pool would keep retrying until its timeout.
        {
            use sqlx::Connection;
            AnyConnection::connect(&url).await?.close().await?;
        }
        let pool = options
            .acquire_timeout(std::time::Duration::from_secs(15))
            .connect(&url)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        Ok(SqlStore {
            pool,
            backend,
            writer: crate::write::Writers::default(),
            notice_policy: repatria_core::NoticePolicy::default(),
            job_stale_after: crate::STALE_AFTER,
        })
    }

    /// The underlying pool, for tests that need to reach past the store (to tamper
    /// with the audit log, for example). Only with the feature `testing`: nothing else
    /// may write past the store's audited methods.
    #[cfg(feature = "testing")]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `FOR UPDATE` where the database has row locks.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

/// WAL lets readers proceed while one writer commits; `synchronous = FULL` makes every
/// commit durable before it is acknowledged, which the audit log needs.
async fn sqlite_settings(conn: &mut AnyConnection) -> std::result::Result<(), sqlx::Error> {
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = FULL").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(())
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            other => Err(format!("unknown backend {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_selects_the_backend() {
        let check = |url: &str, backend: Backend, expect: &str| {
            let (b, u) = parse_url(url).unwrap();
            assert_eq!((b, u.as_str()), (backend, expect), "{url}");
        };
        check(
            "repatria.db",
            Backend::Sqlite,
            "sqlite://repatria.db?mode=rwc",
        );
        check(
            "sqlite:///var/lib/r.db",
            Backend::Sqlite,
            "sqlite:///var/lib/r.db?mode=rwc",
        );
        check("sqlite://r.db", Backend::Sqlite, "sqlite://r.db?mode=rwc");
        check(
            "postgres://postgres@127.0.0.1/test",
            Backend::Postgres,
            "postgres://postgres@127.0.0.1/test",
        );
        assert!(parse_url("mysql://x").is_err());
    }

    #[test]
    fn passwords_are_hidden_from_messages() {
        for (url, expect) in [
            ("postgres://app:secret@db/r", "postgres://app:***@db/r"),
            (
                "postgres://app:p@ss:w@db:5432/r",
                "postgres://app:***@db:5432/r",
            ),
            ("postgres://app@db/r", "postgres://app@db/r"),
            (
                "postgres://db/r?user=app&password=secret&sslmode=require",
                "postgres://db/r?user=app&password=***&sslmode=require",
            ),
            ("postgres://db/r?x=a@b:c", "postgres://db/r?x=a@b:c"),
            ("repatria.db", "repatria.db"),
        ] {
            assert_eq!(redact_url(url), expect, "{url}");
        }
        let error = parse_url("mysql://root:hunter2@db/x")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_sqlite_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.db");
        let store = SqlStore::connect(path.to_str().unwrap()).await.unwrap();
        store.close().await;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        for companion in ["registry.db-wal", "registry.db-shm"] {
            if let Ok(metadata) = std::fs::metadata(dir.path().join(companion)) {
                assert_eq!(metadata.permissions().mode() & 0o077, 0, "{companion}");
            }
        }
    }
}
