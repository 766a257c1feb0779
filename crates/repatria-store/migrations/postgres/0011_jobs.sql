-- Import jobs, visible from every server of one database: the job as the API shows it
-- (`record`, JSON), its state, and when the server running it last said it was alive
-- (`heartbeat_at`); a running job whose server stopped saying so is reported failed.
-- Bookkeeping, not records: the import a job makes is audited, the job is not.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    started_by TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX import_jobs_by_created ON import_jobs (created_at);
