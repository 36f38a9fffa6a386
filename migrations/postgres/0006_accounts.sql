-- Accounts: a user may have a password (the console's sign-in) and several API tokens (machines),
-- each revocable on its own; console sign-ins are server-side sessions. Users are never deleted
-- (audit rows name them): disabled_at suspends one, removed_at retires the name for good.
-- Keep in step with the other backend's 0006_accounts.sql.

ALTER TABLE api_users ADD COLUMN password_hash TEXT;
ALTER TABLE api_users ADD COLUMN removed_at BIGINT;

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The public part of the token (`fd_<key_id>_<secret>`): finds the row before the hash is checked.
    key_id       TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES api_users (id),
    -- argon2id of the whole token.
    token_hash   TEXT NOT NULL,
    label        TEXT,
    created_at   BIGINT NOT NULL,
    -- Written at most once a minute per token.
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
INSERT INTO api_tokens (key_id, user_id, token_hash, label, created_at)
    SELECT key_id, id, token_hash, 'first', created_at FROM api_users;

ALTER TABLE api_users DROP COLUMN key_id;
ALTER TABLE api_users DROP COLUMN token_hash;

CREATE TABLE console_sessions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 (hex) of the random id in the cookie; the id itself is never stored.
    id_hash         TEXT NOT NULL UNIQUE,
    user_id         BIGINT NOT NULL REFERENCES api_users (id),
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    -- logout | disabled | removed | password
    ended_why       TEXT
);
CREATE INDEX console_sessions_user ON console_sessions (user_id) WHERE ended_at IS NULL;
