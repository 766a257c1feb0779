//! The store's tests as one binary, on SQLite and (with `REPATRIA_TEST_PG_URL`)
//! PostgreSQL: store scenarios (`scenarios`), signed checkpoints against an insider
//! (`checkpoints`) and the particulars of Art. 122 with their unique prisoner numbers
//! (`particulars`).

mod backup;
mod checkpoints;
mod jobs;
mod notifications;
mod pages;
mod particulars;
mod scenarios;
