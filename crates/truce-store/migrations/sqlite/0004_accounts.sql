-- Accounts: users with one role each (a liaison bound to one party), browser sessions,
-- API tokens and failed logins (for throttling). Secrets are never stored: passwords as
-- argon2 hashes, session ids and tokens as SHA-256 hashes. Everything lives in the
-- database so that several server nodes share it.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,        -- login name
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,           -- admin, analyst, monitor, liaison, protection-officer
    party         TEXT,                    -- the party a liaison is bound to
    password_hash TEXT NOT NULL,           -- argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,           -- SHA-256 of the cookie value
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,              -- token a form must echo
    created_s  INTEGER NOT NULL,
    expires_s  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,           -- public part, shown in listings
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of the whole token
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE login_failures (
    user_id TEXT NOT NULL,
    at_s    INTEGER NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures (user_id, at_s);
