//! The store's tests as one binary, on SQLite and (with `REPATRIA_TEST_PG_URL`)
//! PostgreSQL: store scenarios (`scenarios`) and signed checkpoints against an insider
//! (`checkpoints`).

mod checkpoints;
mod notifications;
mod scenarios;
