-- The data's life: retention runs and their log, erasures, and the one way old audit rows may go.
-- Keep in step with migrations/sqlite/0007_data_life.sql.

-- What each retention run removed, per kind (recordings, calls, callbacks, complaints, audit):
-- how many rows, the time range they spanned, and the files deleted from disk.
CREATE TABLE retention_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id         TEXT NOT NULL,
    at             BIGINT NOT NULL,
    node           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    cutoff         BIGINT NOT NULL,
    removed        BIGINT NOT NULL,
    oldest         BIGINT,
    newest         BIGINT,
    files_deleted  BIGINT NOT NULL DEFAULT 0,
    files_missing  BIGINT NOT NULL DEFAULT 0,
    files_failed   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX retention_log_at ON retention_log (at);
-- Retention walks the audit log and closed callbacks by age.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX callbacks_closed ON callbacks (closed_at) WHERE closed_at IS NOT NULL;
-- A call's notes and survey answers go with it.
CREATE INDEX notes_call ON notes (call_id);
CREATE INDEX survey_scores_call ON survey_scores (call_id);

-- One row per job: which node holds it (lease) and when it last completed, so with several nodes
-- on one database a daily job runs once a day on one node.
CREATE TABLE job_leases (
    name         TEXT PRIMARY KEY,
    node         TEXT,
    lease_until  BIGINT,
    last_run_at  BIGINT
);
INSERT INTO job_leases (name) VALUES ('retention');

-- Recordings removed by retention or erasure: the call row stays and says when its file went.
ALTER TABLE calls ADD COLUMN recording_removed_at BIGINT;
ALTER TABLE complaints ADD COLUMN message_removed_at BIGINT;

-- An explicit erasure of a client: who, when, why, and what was removed (JSON counts). The number
-- itself is not kept here: its remaining rows carry `pseudonym` instead.
CREATE TABLE erasures (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pseudonym    TEXT NOT NULL UNIQUE,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    include_dnc  BIGINT NOT NULL CHECK (include_dnc IN (0, 1)),
    removed      TEXT NOT NULL
);

-- The audit log stays append-only except for retention: a DELETE passes only for rows older than
-- a cutoff registered in audit_purge by the same transaction (xact). A permit's cutoff must be at
-- least a day in the past, and a permit cannot be edited; UPDATE stays refused.
CREATE TABLE audit_purge (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cutoff      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    xact        BIGINT NOT NULL DEFAULT txid_current()
);
CREATE FUNCTION audit_purge_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_purge permits cannot be changed';
    END IF;
    IF NEW.cutoff > (extract(epoch FROM now()) * 1000)::BIGINT - 86400000 THEN
        RAISE EXCEPTION 'an audit purge cutoff must be at least a day old';
    END IF;
    NEW.xact := txid_current();
    RETURN NEW;
END; $$;
CREATE TRIGGER audit_purge_guard BEFORE INSERT OR UPDATE ON audit_purge
FOR EACH ROW EXECUTE FUNCTION audit_purge_check();
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_purge WHERE xact = txid_current() AND OLD.at < cutoff
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END; $$;
