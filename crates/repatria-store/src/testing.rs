//! Fresh databases for tests: a SQLite file in a temporary folder, or a PostgreSQL
//! schema of its own (from `REPATRIA_TEST_PG_URL`), so that tests run in parallel.

use crate::{Backend, SqlStore};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "REPATRIA_TEST_PG_URL";

/// A database that exists for one test. The PostgreSQL schema is dropped when this is.
pub struct TestDatabase {
    /// The URL to connect to this database (with its own `search_path`).
    pub url: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates an empty database of `backend`, or returns `None` after printing a
    /// notice when PostgreSQL is asked for and `REPATRIA_TEST_PG_URL` is not set.
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary folder");
                let url = dir
                    .path()
                    .join("repatria.db")
                    .to_str()
                    .expect("utf-8 path")
                    .to_string();
                Some(TestDatabase {
                    url,
                    backend,
                    _dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let Ok(server) = std::env::var(PG_URL_VAR) else {
                    eprintln!(
                        "notice: {PG_URL_VAR} is not set; skipping the PostgreSQL run of this test"
                    );
                    return None;
                };
                use sqlx::Connection;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&server)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {PG_URL_VAR}={server}: {e}"));
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut admin)
                    .await
                    .expect("create schema");
                let separator = if server.contains('?') { '&' } else { '?' };
                let url = format!("{server}{separator}options=-c%20search_path%3D{schema}");
                Some(TestDatabase {
                    url,
                    backend,
                    _dir: None,
                    pg: Some((server, schema)),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connects a store to this database (migrating it on first use).
    pub async fn store(&self) -> SqlStore {
        SqlStore::connect(&self.url)
            .await
            .expect("connect the test store")
    }
}

/// Runs `statements` as an attacker with direct database access would: past the
/// append-only triggers of the audit log. For tests that prove tampering is detected.
pub async fn tamper(store: &SqlStore, statements: &[&str]) {
    let disable: &[&str] = match store.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ],
        Backend::Postgres => &["ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"],
    };
    for sql in disable.iter().chain(statements) {
        sqlx::query(sql)
            .execute(store.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, schema)) = self.pg.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the
        // clean-up without disturbing the test's runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                use sqlx::Connection;
                let mut admin = sqlx::PgConnection::connect(&server).await.ok()?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}
