-- The data's life: retention runs and their log, erasures, and the one way old audit rows may go.
-- Keep in step with migrations/postgres/0007_data_life.sql.

-- What each retention run removed, per kind (recordings, calls, callbacks, complaints, audit):
-- how many rows, the time range they spanned, and the files deleted from disk.
CREATE TABLE retention_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id         TEXT NOT NULL,
    at             INTEGER NOT NULL,
    node           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    cutoff         INTEGER NOT NULL,
    removed        INTEGER NOT NULL,
    oldest         INTEGER,
    newest         INTEGER,
    files_deleted  INTEGER NOT NULL DEFAULT 0,
    files_missing  INTEGER NOT NULL DEFAULT 0,
    files_failed   INTEGER NOT NULL DEFAULT 0
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
    lease_until  INTEGER,
    last_run_at  INTEGER
);
INSERT INTO job_leases (name) VALUES ('retention');

-- Recordings removed by retention or erasure: the call row stays and says when its file went.
ALTER TABLE calls ADD COLUMN recording_removed_at INTEGER;
ALTER TABLE complaints ADD COLUMN message_removed_at INTEGER;

-- An explicit erasure of a client: who, when, why, and what was removed (JSON counts). The number
-- itself is not kept here: its remaining rows carry `pseudonym` instead.
CREATE TABLE erasures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pseudonym    TEXT NOT NULL UNIQUE,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    include_dnc  INTEGER NOT NULL CHECK (include_dnc IN (0, 1)),
    removed      TEXT NOT NULL
);

-- The audit log stays append-only except for retention: a DELETE passes only for rows older than
-- a cutoff registered in audit_purge. The retention job inserts that permit, deletes one batch and
-- deletes the permit in one transaction, so no other connection ever sees it. A permit's cutoff
-- must be at least a day in the past, and a permit cannot be edited; UPDATE stays refused.
CREATE TABLE audit_purge (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cutoff      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TRIGGER audit_purge_cutoff_past BEFORE INSERT ON audit_purge
WHEN NEW.cutoff > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000
BEGIN SELECT RAISE(ABORT, 'an audit purge cutoff must be at least a day old'); END;
CREATE TRIGGER audit_purge_no_update BEFORE UPDATE ON audit_purge
BEGIN SELECT RAISE(ABORT, 'audit_purge permits cannot be changed'); END;
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge WHERE OLD.at < audit_purge.cutoff)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
