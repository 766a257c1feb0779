-- Accounts, sessions and tokens (docs/security.md): a password the user must change at
-- next login, when a session was last used (for the idle timeout), expiring API tokens,
-- and login attempts counted in the database so that every server on one database
-- shares the same limit.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

ALTER TABLE credentials ADD COLUMN last_used_at TEXT;

-- Personal API tokens made before tokens had an expiry: 90 days from their creation.
UPDATE credentials
   SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+90 days')
 WHERE kind = 'api' AND expires_at IS NULL;

-- Credentials of accounts disabled before disabling revoked them: revoked now, so that
-- enabling the account again does not bring them back.
UPDATE credentials
   SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
 WHERE revoked_at IS NULL
   AND username IN (SELECT username FROM users WHERE disabled <> 0);

-- Login attempts per bucket (`account:NAME` or `address:IP`) in a fixed window that
-- starts with the bucket's first attempt. Rows whose window has passed are purged.
CREATE TABLE login_attempts (
    bucket TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_window ON login_attempts (window_start);

-- A second factor (TOTP, RFC 6238): the shared secret (hex), whether it is confirmed, and
-- the last time step accepted, so that a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
