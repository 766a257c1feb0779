//! The server's integration tests as one binary, so that the server is linked once: the
//! JSON API (`api`), bounded work (`bounds`), the monitoring figures (`metrics`) and the web interface (`web*`), on SQLite and
//! (with `REPATRIA_TEST_PG_URL`) PostgreSQL. `tests/hostile.rs` stays a binary of its own:
//! it measures the process's peak memory, which other tests in the process would raise.

mod api;
mod bounds;
mod exchanges;
mod jobs;
mod lists;
mod metrics;
mod notifications;
mod particulars;
mod web;
mod web_accounts;
mod web_admin;
mod web_exchanges;
mod web_lists;
mod web_notifications;
mod web_tracing;
