-- Exchanges as records (docs/exchange-records.md): the exchange, its numbered
-- proposals, the manifest an agreement freezes (one row per person crossing, decided
-- once at the handover), the parties on the GC III Art. 12 list, and demand lists
-- (imported lists tied to an exchange).
ALTER TABLE parties ADD COLUMN transfer_barred TEXT;

ALTER TABLE list_imports ADD COLUMN exchange_id TEXT;
CREATE INDEX list_imports_by_exchange ON list_imports (exchange_id);

CREATE TABLE exchanges (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX exchanges_by_created ON exchanges (created_at, id);

CREATE TABLE exchange_proposals (
    exchange_id TEXT NOT NULL REFERENCES exchanges (id),
    number BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (exchange_id, number)
);

-- `balance_value` is what the entry weighs in the balance: its value, or 0 for the
-- seriously wounded and sick (Arts. 109-110); with `demanded` and `captured_on` it is
-- what the suggestion after a withdrawal reads, without the entries' documents. An entry's status changes once, from
-- `pending`, guarded by the update's own condition: two officers deciding the same
-- person get one decision and one conflict.
CREATE TABLE manifest_entries (
    id TEXT PRIMARY KEY,
    exchange_id TEXT NOT NULL REFERENCES exchanges (id),
    position BIGINT NOT NULL,
    captive_id TEXT NOT NULL,
    from_party TEXT NOT NULL,
    to_party TEXT NOT NULL,
    balance_value BIGINT NOT NULL,
    demanded BIGINT NOT NULL,
    captured_on TEXT,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (exchange_id, position),
    UNIQUE (exchange_id, captive_id)
);
CREATE INDEX manifest_entries_by_status ON manifest_entries (exchange_id, status, position);

-- The manifest summed up per direction and status, kept in the transaction of every
-- agreement and decision: the live counts that every client at the crossing polls are
-- a read of a few rows, however long the manifest (the sums over `manifest_entries`
-- are the same, and the tests compare them).
CREATE TABLE manifest_tallies (
    exchange_id TEXT NOT NULL REFERENCES exchanges (id),
    from_party TEXT NOT NULL,
    to_party TEXT NOT NULL,
    status TEXT NOT NULL,
    persons BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (exchange_id, from_party, to_party, status)
);
