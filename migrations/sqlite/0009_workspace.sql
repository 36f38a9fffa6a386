-- The agent's workspace and the supervisor's wallboard.
-- Keep in step with migrations/postgres/0009_workspace.sql.

-- Why an agent is away (one of [workspace] away_reasons), shown to supervisors.
ALTER TABLE agents ADD COLUMN away_reason TEXT;
-- "More time" is taken once per wrap-up: the line_at of the wrap-up that was extended.
ALTER TABLE agents ADD COLUMN wrap_extended INTEGER NOT NULL DEFAULT 0;

-- Every presence change with its time, reason and who made it: the agent's record.
CREATE TABLE agent_presence_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id  TEXT NOT NULL,
    at        INTEGER NOT NULL,
    presence  TEXT NOT NULL CHECK (presence IN ('available', 'away')),
    reason    TEXT,
    actor     TEXT NOT NULL
);
CREATE INDEX agent_presence_log_agent ON agent_presence_log (agent_id, at);

-- The language a user's console pages are shown in (en, lt, ru, uk); NULL follows the browser.
ALTER TABLE api_users ADD COLUMN language TEXT;

-- A client's special needs (hearing, age, language help...), the first thing the screen pop shows,
-- and their priority in the queue (0-9: ahead of others, behind VIP callers).
ALTER TABLE clients ADD COLUMN needs TEXT;
ALTER TABLE clients ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
