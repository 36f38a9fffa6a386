-- The client card and everything written about calls. Instants are milliseconds since the Unix
-- epoch (UTC); flags are 0/1 integers; phone numbers are E.164. Keep in step with
-- migrations/postgres/0001_init.sql.

CREATE TABLE clients (
    phone       TEXT PRIMARY KEY,
    name        TEXT,
    language    TEXT CHECK (language IN ('en', 'ru', 'uk', 'lt')),
    time_zone   TEXT,
    hours       TEXT,
    email       TEXT,
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE agents (
    id          TEXT PRIMARY KEY,
    uri         TEXT NOT NULL,
    name        TEXT,
    languages   TEXT NOT NULL DEFAULT '',
    presence    TEXT NOT NULL DEFAULT 'available' CHECK (presence IN ('available', 'away')),
    presence_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER
);

-- A DNC entry is never deleted: removal closes it (removed_at) so the history stays on the card.
CREATE TABLE dnc_entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    phone          TEXT NOT NULL,
    since          INTEGER NOT NULL,
    reason         TEXT,
    source         TEXT NOT NULL,
    requested_by   TEXT,
    removed_at     INTEGER,
    removed_by     TEXT
);
CREATE UNIQUE INDEX dnc_active_phone ON dnc_entries (phone) WHERE removed_at IS NULL;

CREATE TABLE vip_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    phone       TEXT NOT NULL,
    agent_id    TEXT NOT NULL REFERENCES agents (id),
    since       INTEGER NOT NULL,
    added_by    TEXT,
    removed_at  INTEGER,
    removed_by  TEXT
);
CREATE UNIQUE INDEX vip_active_phone ON vip_entries (phone) WHERE removed_at IS NULL;

CREATE TABLE api_users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    key_id      TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL,
    agent_id    TEXT REFERENCES agents (id),
    created_at  INTEGER NOT NULL,
    disabled_at INTEGER
);

CREATE TABLE calls (
    id                TEXT PRIMARY KEY,
    sip_call_id       TEXT,
    direction         TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
    phone             TEXT,
    caller_raw        TEXT,
    started_at        INTEGER NOT NULL,
    answered_at       INTEGER,
    ended_at          INTEGER,
    hangup_by         TEXT,
    outcome           TEXT,
    agent_id          TEXT,
    language          TEXT,
    digits            TEXT NOT NULL DEFAULT '',
    recording_path    TEXT,
    recording_sha256  TEXT,
    node              TEXT,
    callback_id       INTEGER
);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_phone_started ON calls (phone, started_at);
CREATE INDEX calls_agent_started ON calls (agent_id, started_at);
CREATE INDEX calls_outcome_started ON calls (outcome, started_at);
CREATE INDEX calls_open ON calls (ended_at) WHERE ended_at IS NULL;

CREATE TABLE call_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id  TEXT NOT NULL REFERENCES calls (id),
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT
);
CREATE INDEX call_events_call ON call_events (call_id, at);

CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    phone           TEXT NOT NULL,
    source          TEXT NOT NULL,
    reason          TEXT,
    requested_at    INTEGER NOT NULL,
    requested_by    TEXT,
    agent_id        TEXT,
    call_id         TEXT,
    queue_position  INTEGER,
    dnc_consent     INTEGER NOT NULL DEFAULT 0 CHECK (dnc_consent IN (0, 1)),
    slot_start      INTEGER NOT NULL,
    slot_end        INTEGER NOT NULL,
    sla_deadline    INTEGER NOT NULL,
    at_risk         INTEGER NOT NULL DEFAULT 0 CHECK (at_risk IN (0, 1)),
    client_tz       TEXT NOT NULL,
    plan_reason     TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'planned',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    result          TEXT,
    claimed_by      TEXT,
    lease_until     INTEGER,
    closed_at       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_phone ON callbacks (phone, requested_at);

CREATE TABLE callback_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    callback_id  INTEGER NOT NULL REFERENCES callbacks (id),
    at           INTEGER NOT NULL,
    agent_id     TEXT,
    call_id      TEXT,
    result       TEXT NOT NULL
);
CREATE INDEX callback_attempts_cb ON callback_attempts (callback_id, at);

CREATE TABLE complaints (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    phone         TEXT,
    call_id       TEXT,
    created_at    INTEGER NOT NULL,
    message_path  TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'resolved')),
    assigned_to   TEXT,
    escalated_at  INTEGER,
    escalated_to  TEXT,
    closure_code  TEXT,
    resolved_at   INTEGER,
    resolved_by   TEXT
);
CREATE INDEX complaints_phone ON complaints (phone, created_at);
CREATE INDEX complaints_status ON complaints (status, created_at);

CREATE TABLE survey_scores (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id  TEXT,
    phone    TEXT,
    score    INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    at       INTEGER NOT NULL
);
CREATE INDEX survey_scores_phone ON survey_scores (phone, at);

CREATE TABLE notes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    phone        TEXT,
    call_id      TEXT,
    author       TEXT NOT NULL,
    disposition  TEXT,
    body         TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX notes_phone ON notes (phone, at);

-- Explicit, attributed changes to a card (DNC/VIP added or removed, consent, edits, erasure).
CREATE TABLE card_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    phone   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT,
    actor   TEXT
);
CREATE INDEX card_events_phone ON card_events (phone, at);

-- Who read or played what, and when. Append-only: the triggers refuse edits and deletes.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    object   TEXT NOT NULL,
    detail   TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
