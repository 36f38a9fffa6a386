-- The client card and everything written about calls. Instants are milliseconds since the Unix
-- epoch (UTC); flags are 0/1 integers; phone numbers are E.164. Keep in step with
-- migrations/sqlite/0001_init.sql.

CREATE TABLE clients (
    phone       TEXT PRIMARY KEY,
    name        TEXT,
    language    TEXT CHECK (language IN ('en', 'ru', 'uk', 'lt')),
    time_zone   TEXT,
    hours       TEXT,
    email       TEXT,
    notes       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE agents (
    id          TEXT PRIMARY KEY,
    uri         TEXT NOT NULL,
    name        TEXT,
    languages   TEXT NOT NULL DEFAULT '',
    presence    TEXT NOT NULL DEFAULT 'available' CHECK (presence IN ('available', 'away')),
    presence_at BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    removed_at  BIGINT
);

-- A DNC entry is never deleted: removal closes it (removed_at) so the history stays on the card.
CREATE TABLE dnc_entries (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone          TEXT NOT NULL,
    since          BIGINT NOT NULL,
    reason         TEXT,
    source         TEXT NOT NULL,
    requested_by   TEXT,
    removed_at     BIGINT,
    removed_by     TEXT
);
CREATE UNIQUE INDEX dnc_active_phone ON dnc_entries (phone) WHERE removed_at IS NULL;

CREATE TABLE vip_entries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone       TEXT NOT NULL,
    agent_id    TEXT NOT NULL REFERENCES agents (id),
    since       BIGINT NOT NULL,
    added_by    TEXT,
    removed_at  BIGINT,
    removed_by  TEXT
);
CREATE UNIQUE INDEX vip_active_phone ON vip_entries (phone) WHERE removed_at IS NULL;

CREATE TABLE api_users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    key_id      TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL,
    agent_id    TEXT REFERENCES agents (id),
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE calls (
    id                TEXT PRIMARY KEY,
    sip_call_id       TEXT,
    direction         TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
    phone             TEXT,
    caller_raw        TEXT,
    started_at        BIGINT NOT NULL,
    answered_at       BIGINT,
    ended_at          BIGINT,
    hangup_by         TEXT,
    outcome           TEXT,
    agent_id          TEXT,
    language          TEXT,
    digits            TEXT NOT NULL DEFAULT '',
    recording_path    TEXT,
    recording_sha256  TEXT,
    node              TEXT,
    callback_id       BIGINT
);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_phone_started ON calls (phone, started_at);
CREATE INDEX calls_agent_started ON calls (agent_id, started_at);
CREATE INDEX calls_outcome_started ON calls (outcome, started_at);
CREATE INDEX calls_open ON calls (ended_at) WHERE ended_at IS NULL;

CREATE TABLE call_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id  TEXT NOT NULL REFERENCES calls (id),
    at       BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT
);
CREATE INDEX call_events_call ON call_events (call_id, at);

CREATE TABLE callbacks (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone           TEXT NOT NULL,
    source          TEXT NOT NULL,
    reason          TEXT,
    requested_at    BIGINT NOT NULL,
    requested_by    TEXT,
    agent_id        TEXT,
    call_id         TEXT,
    queue_position  BIGINT,
    dnc_consent     BIGINT NOT NULL DEFAULT 0 CHECK (dnc_consent IN (0, 1)),
    slot_start      BIGINT NOT NULL,
    slot_end        BIGINT NOT NULL,
    sla_deadline    BIGINT NOT NULL,
    at_risk         BIGINT NOT NULL DEFAULT 0 CHECK (at_risk IN (0, 1)),
    client_tz       TEXT NOT NULL,
    plan_reason     TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'planned',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    result          TEXT,
    claimed_by      TEXT,
    lease_until     BIGINT,
    closed_at       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_phone ON callbacks (phone, requested_at);

CREATE TABLE callback_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    callback_id  BIGINT NOT NULL REFERENCES callbacks (id),
    at           BIGINT NOT NULL,
    agent_id     TEXT,
    call_id      TEXT,
    result       TEXT NOT NULL
);
CREATE INDEX callback_attempts_cb ON callback_attempts (callback_id, at);

CREATE TABLE complaints (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone         TEXT,
    call_id       TEXT,
    created_at    BIGINT NOT NULL,
    message_path  TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'resolved')),
    assigned_to   TEXT,
    escalated_at  BIGINT,
    escalated_to  TEXT,
    closure_code  TEXT,
    resolved_at   BIGINT,
    resolved_by   TEXT
);
CREATE INDEX complaints_phone ON complaints (phone, created_at);
CREATE INDEX complaints_status ON complaints (status, created_at);

CREATE TABLE survey_scores (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id  TEXT,
    phone    TEXT,
    score    BIGINT NOT NULL CHECK (score BETWEEN 0 AND 10),
    at       BIGINT NOT NULL
);
CREATE INDEX survey_scores_phone ON survey_scores (phone, at);

CREATE TABLE notes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone        TEXT,
    call_id      TEXT,
    author       TEXT NOT NULL,
    disposition  TEXT,
    body         TEXT,
    at           BIGINT NOT NULL
);
CREATE INDEX notes_phone ON notes (phone, at);

-- Explicit, attributed changes to a card (DNC/VIP added or removed, consent, edits, erasure).
CREATE TABLE card_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone   TEXT NOT NULL,
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT,
    actor   TEXT
);
CREATE INDEX card_events_phone ON card_events (phone, at);

-- Who read or played what, and when. Append-only: the triggers refuse edits and deletes.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    object   TEXT NOT NULL,
    detail   TEXT
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
