-- Accounts: a user may have a password (the console's sign-in) and several API tokens (machines),
-- each revocable on its own; console sign-ins are server-side sessions. Users are never deleted
-- (audit rows name them): disabled_at suspends one, removed_at retires the name for good.
-- Keep in step with the other backend's 0006_accounts.sql.

-- api_users loses its one token (key_id, token_hash) to api_tokens. SQLite cannot drop a UNIQUE
-- column, so the table is rebuilt: the new one first, its tokens copied out of the old one, then
-- the old one dropped (nothing refers to it) and the new one renamed, which repoints
-- api_tokens' reference.
CREATE TABLE api_users_v6 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    agent_id      TEXT REFERENCES agents (id),
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    removed_at    INTEGER
);
INSERT INTO api_users_v6 (id, name, role, agent_id, created_at, disabled_at)
    SELECT id, name, role, agent_id, created_at, disabled_at FROM api_users;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The public part of the token (`fd_<key_id>_<secret>`): finds the row before the hash is checked.
    key_id       TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES api_users_v6 (id),
    -- argon2id of the whole token.
    token_hash   TEXT NOT NULL,
    label        TEXT,
    created_at   INTEGER NOT NULL,
    -- Written at most once a minute per token.
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
INSERT INTO api_tokens (key_id, user_id, token_hash, label, created_at)
    SELECT key_id, id, token_hash, 'first', created_at FROM api_users;

DROP TABLE api_users;
ALTER TABLE api_users_v6 RENAME TO api_users;

CREATE TABLE console_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- SHA-256 (hex) of the random id in the cookie; the id itself is never stored.
    id_hash         TEXT NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES api_users (id),
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    -- logout | disabled | removed | password
    ended_why       TEXT
);
CREATE INDEX console_sessions_user ON console_sessions (user_id) WHERE ended_at IS NULL;
