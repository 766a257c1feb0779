-- Tracing requests (GC III Art. 122), imported lists and the links matching proposes
-- between them and the registry. Documents as JSON, like captives, with the columns
-- that lists filter on beside them.
CREATE TABLE tracing_requests (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX tracing_requests_by_status ON tracing_requests (status, created_at);

-- One row per imported file; the content hash recognises the same file imported again.
CREATE TABLE list_imports (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);

CREATE TABLE list_entries (
    import_id TEXT NOT NULL REFERENCES list_imports (id),
    line BIGINT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);

-- A pair is stored once: a rejected pair keeps its row, so it is never proposed again.
CREATE TABLE match_links (
    id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    import_id TEXT,
    target_kind TEXT NOT NULL,
    target_key TEXT NOT NULL,
    score REAL NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (subject_kind, subject_key, target_kind, target_key)
);
CREATE INDEX match_links_by_state ON match_links (state, score);
CREATE INDEX match_links_by_import ON match_links (import_id);
CREATE INDEX match_links_by_target ON match_links (target_kind, target_key);
