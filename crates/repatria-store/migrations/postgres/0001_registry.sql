-- Registry foundation: parties, captives, name search tokens and the audit hash chain.
-- Instants are stored as RFC 3339 UTC text with microseconds, exactly as on SQLite, so
-- that the audit hash of an event is the same whichever backend wrote it.

CREATE TABLE parties (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One row per captive. `record` holds the whole aggregate as JSON (see the crate docs);
-- the other columns are copies of it kept for filtering, counting and sorting.
CREATE TABLE captives (
    id TEXT COLLATE "C" PRIMARY KEY,
    power_of_origin TEXT NOT NULL REFERENCES parties (code),
    detaining_power TEXT NOT NULL REFERENCES parties (code),
    status TEXT NOT NULL,
    health TEXT,
    captured_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX captives_by_status ON captives (status, id);
CREATE INDEX captives_by_origin ON captives (power_of_origin, id);
CREATE INDEX captives_by_detaining_power ON captives (detaining_power, id);

-- Folded name words of every identity claim, for prefix search in any script. The "C"
-- collation orders by bytes, which makes a prefix a contiguous index range.
CREATE TABLE captive_name_tokens (
    token TEXT COLLATE "C" NOT NULL,
    captive_id TEXT COLLATE "C" NOT NULL REFERENCES captives (id),
    PRIMARY KEY (token, captive_id)
);
CREATE INDEX captive_name_tokens_by_captive ON captive_name_tokens (captive_id);

-- The audit log is append-only: each event carries the SHA-256 of the previous one.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    request_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_by_entity ON audit_events (entity_type, entity_id, seq);

-- The newest event's number and hash, so that deleting the newest events is detected.
-- Its row lock also serialises writers, which the chain needs.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
