-- Accounts and their credentials. Passwords are stored as Argon2id hashes; session and
-- API tokens as the SHA-256 of the token, so that a copy of the database lets nobody in.

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE credentials (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username),
    -- 'session' (browser cookie) or 'api' (personal token for scripts)
    kind TEXT NOT NULL,
    name TEXT,
    csrf_token TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE INDEX credentials_by_user ON credentials (username);
