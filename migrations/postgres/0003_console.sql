-- The calls list filters by any of phone, agent, outcome and time, newest first, in keyset pages
-- of (started_at, id). Each index below answers one shape of filter in that order by itself (id
-- included, so ties need no sort), and agent + outcome has its own, so a pair that rarely occurs
-- is a short probe rather than a walk through all of an agent's calls. Keep in step with
-- migrations/sqlite/0003_console.sql.
DROP INDEX IF EXISTS calls_started;
DROP INDEX IF EXISTS calls_phone_started;
DROP INDEX IF EXISTS calls_agent_started;
DROP INDEX IF EXISTS calls_outcome_started;
CREATE INDEX calls_started_id ON calls (started_at, id);
CREATE INDEX calls_phone_started_id ON calls (phone, started_at, id);
CREATE INDEX calls_agent_started_id ON calls (agent_id, started_at, id);
CREATE INDEX calls_outcome_started_id ON calls (outcome, started_at, id);
CREATE INDEX calls_agent_outcome_started_id ON calls (agent_id, outcome, started_at, id);

-- Survey figures are read by period.
CREATE INDEX survey_scores_at ON survey_scores (at);
