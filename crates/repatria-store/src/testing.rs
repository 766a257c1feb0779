//! Fresh databases for tests: a SQLite file in a temporary folder, or a PostgreSQL
//! schema of its own (from `REPATRIA_TEST_PG_URL`), so that tests run in parallel.

use crate::{Backend, SqlStore};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "REPATRIA_TEST_PG_URL";
/// Set to `1` to make a test fail, not skip, when [`PG_URL_VAR`] is missing.
pub const PG_REQUIRED_VAR: &str = "REPATRIA_PG_REQUIRED";

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
                    // CI sets this, so that a PostgreSQL run is never skipped unseen.
                    if std::env::var(PG_REQUIRED_VAR).is_ok_and(|v| v == "1") {
                        panic!("{PG_REQUIRED_VAR}=1 but {PG_URL_VAR} is not set");
                    }
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

/// A fresh database and a store connected to it, for tests that take `&SqlStore` (it
/// dereferences to the store) and those that share it with tasks of their own (clone
/// `store`). The database lives as long as this.
pub struct TestStore {
    pub store: std::sync::Arc<SqlStore>,
    pub db: TestDatabase,
}

impl TestStore {
    /// A store on an empty database of `backend`; `None` as [`TestDatabase::create`].
    pub async fn open(backend: Backend) -> Option<TestStore> {
        let db = TestDatabase::create(backend).await?;
        Some(TestStore {
            store: std::sync::Arc::new(db.store().await),
            db,
        })
    }
}

impl std::ops::Deref for TestStore {
    type Target = SqlStore;

    fn deref(&self) -> &SqlStore {
        &self.store
    }
}

/// Runs `statements` as an attacker with direct database access would: past the
/// append-only triggers of the audit log. For tests that prove tampering is detected.
pub async fn tamper(store: &SqlStore, statements: &[&str]) {
    let disable: &[&str] = match store.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
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

/// Rewrites history as an insider with full access to the database would: past the
/// triggers, changes the `detail` of event `seq`, then recomputes the hash of that event
/// and of every later one, and the head. The hash chain verifies again afterwards; only
/// a checkpoint kept outside the database shows the rewrite.
pub async fn rewrite_history(store: &SqlStore, seq: u64, detail: &str) {
    tamper(store, &[]).await;
    let mut events = Vec::new();
    loop {
        let page = store
            .audit_events(&crate::AuditFilter {
                after_seq: events.last().map_or(0, |e: &crate::AuditEvent| e.seq),
                limit: 10_000,
                ..Default::default()
            })
            .await
            .expect("read the audit log");
        if page.is_empty() {
            break;
        }
        events.extend(page);
    }
    assert!(seq >= 1 && seq as usize <= events.len(), "no event {seq}");
    let mut prev = match seq {
        1 => crate::audit::GENESIS_HASH.to_string(),
        _ => events[seq as usize - 2].hash.clone(),
    };
    for event in &mut events[seq as usize - 1..] {
        if event.seq == seq {
            event.detail = detail.to_string();
        }
        event.prev_hash = prev;
        event.hash = event.compute_hash();
        sqlx::query(
            "UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
        )
        .bind(&event.detail)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .bind(event.seq as i64)
        .execute(store.pool())
        .await
        .expect("rewrite an event");
        prev = event.hash.clone();
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(store.pool())
        .await
        .expect("rewrite the head");
}

/// Rolls the log back to its first `keep` events, as an insider restoring an old backup
/// of the audit tables would: later events deleted past the triggers, the head set to
/// event `keep`. The chain verifies afterwards.
pub async fn roll_back(store: &SqlStore, keep: u64) {
    tamper(store, &[]).await;
    sqlx::query("DELETE FROM audit_events WHERE seq > $1")
        .bind(keep as i64)
        .execute(store.pool())
        .await
        .expect("delete the newest events");
    let hash: String = if keep == 0 {
        crate::audit::GENESIS_HASH.to_string()
    } else {
        use sqlx::Row;
        sqlx::query("SELECT hash FROM audit_events WHERE seq = $1")
            .bind(keep as i64)
            .fetch_one(store.pool())
            .await
            .expect("read the new last event")
            .get("hash")
    };
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(keep as i64)
        .bind(hash)
        .execute(store.pool())
        .await
        .expect("move the head back");
}

impl TestDatabase {
    /// A second database holding a copy of this one as it is now, as a second site
    /// restored from the same backup would: for SQLite `VACUUM INTO` a new file; for
    /// PostgreSQL a new schema, migrated, then filled with this schema's rows (with
    /// triggers and foreign-key checks off during the copy). `store` is this database's.
    pub async fn fork(&self, store: &SqlStore) -> TestDatabase {
        let copy = TestDatabase::create(self.backend)
            .await
            .expect("the backend is available, since this database exists");
        match self.backend {
            Backend::Sqlite => {
                sqlx::query(&format!("VACUUM INTO '{}'", copy.url.replace('\'', "''")))
                    .execute(store.pool())
                    .await
                    .expect("copy the SQLite database");
            }
            Backend::Postgres => {
                use sqlx::{Connection, Row};
                let (server, from) = self.pg.clone().expect("a PostgreSQL test database");
                let (_, to) = copy.pg.clone().expect("a PostgreSQL test database");
                copy.store().await.close().await;
                let mut conn = sqlx::PgConnection::connect(&server)
                    .await
                    .expect("connect to PostgreSQL");
                let mut tx = conn.begin().await.expect("begin");
                sqlx::query("SET LOCAL session_replication_role = replica")
                    .execute(&mut *tx)
                    .await
                    .expect("turn triggers off for the copy");
                let tables: Vec<String> = sqlx::query(
                    "SELECT tablename::text AS t FROM pg_tables WHERE schemaname = $1 AND tablename <> '_sqlx_migrations'",
                )
                .bind(&from)
                .fetch_all(&mut *tx)
                .await
                .expect("list tables")
                .iter()
                .map(|row| row.get("t"))
                .collect();
                for table in tables {
                    for sql in [
                        format!("DELETE FROM {to}.{table}"),
                        format!("INSERT INTO {to}.{table} SELECT * FROM {from}.{table}"),
                    ] {
                        sqlx::query(&sql)
                            .execute(&mut *tx)
                            .await
                            .unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                }
                tx.commit().await.expect("commit the copy");
            }
        }
        copy
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

/// Runs each named test on SQLite and on PostgreSQL: one test per backend,
/// `sqlite::name` and `postgres::name`, in the module where it is used. The PostgreSQL
/// run is skipped with a notice without `REPATRIA_TEST_PG_URL`, and fails instead when
/// `REPATRIA_PG_REQUIRED=1` ([`TestDatabase::create`] decides both).
///
/// Two forms:
///
/// - `both_backends!(a, b)`: each `async fn a(backend: Backend)` of the module is called
///   with the backend and makes its own database (returning early when
///   [`TestDatabase::create`] gives `None`).
/// - `both_backends!(setup = expr; a, b)`: `expr` is an async function from a `Backend` to
///   `Option<Fixture>` (a [`TestDatabase`], a [`TestStore`], a running server, …), named
///   as the module names it; each `async fn a(fixture: &Fixture)` is called with what it
///   made. `None` skips the run; on SQLite it is a failure.
///
/// The tests run on a multi-threaded runtime with two workers, as the server does; a
/// test written `name with N workers` gets `N` (for tests of truly parallel work).
#[macro_export]
macro_rules! both_backends {
    (setup = $setup:expr; $($name:ident $(with $workers:literal workers)?),+ $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(#[test]
            fn $name() {
                $crate::testing::runtime(&[$($workers)?]).block_on(async {
                    let fixture = ($setup)($crate::Backend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(&fixture).await;
                })
            })+
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(#[test]
            fn $name() {
                $crate::testing::runtime(&[$($workers)?]).block_on(async {
                    if let Some(fixture) = ($setup)($crate::Backend::Postgres).await {
                        super::$name(&fixture).await;
                    }
                })
            })+
        }
    };
    ($($name:ident $(with $workers:literal workers)?),+ $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                $crate::testing::runtime(&[$($workers)?])
                    .block_on(super::$name($crate::Backend::Sqlite));
            })+
        }
        mod postgres {
            $(#[test]
            fn $name() {
                $crate::testing::runtime(&[$($workers)?])
                    .block_on(super::$name($crate::Backend::Postgres));
            })+
        }
    };
}

/// The runtime of a [`both_backends!`] test: multi-threaded, with the workers given
/// (none: two).
pub fn runtime(workers: &[usize]) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.first().copied().unwrap_or(2))
        .enable_all()
        .build()
        .expect("start the test runtime")
}

/// The macro, named from this module.
pub use crate::both_backends;
