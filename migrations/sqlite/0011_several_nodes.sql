-- Several nodes. Where a finished recording lives once it has left the node that recorded it (object storage),
-- and the upload's progress: a row is written before the first attempt, so a recording is never
-- forgotten between a failed upload and the next; it is marked stored only after the stored
-- object's SHA-256 matched the call's. Keep in step with the other backend's 0011.
CREATE TABLE recording_uploads (
    call_id TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    local_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    stored_at BIGINT
);
CREATE INDEX recording_uploads_due ON recording_uploads (node, next_attempt_at)
    WHERE stored_at IS NULL;

-- The console's live events, shared by every node (PostgreSQL only; a single SQLite node keeps
-- them in process). Kept in step with the other backend.
CREATE TABLE live_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    at BIGINT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX live_events_at ON live_events (at);

-- Open calls by node: what a node's restart and the survivors of a lost node look for.
CREATE INDEX calls_open_by_node ON calls (node) WHERE ended_at IS NULL;
