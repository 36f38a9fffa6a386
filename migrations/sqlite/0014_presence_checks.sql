-- Presence set by frontdesk itself: away after unanswered rings, and phones that stop answering
-- SIP OPTIONS. Keep in step with migrations/postgres/0014_presence_checks.sql.

-- Rings in a row the agent did not answer (no answer, busy, declined, unreachable); an answered
-- call and coming back available set it to 0. Kept here because any node may ring the agent.
ALTER TABLE agents ADD COLUMN missed_rings INTEGER NOT NULL DEFAULT 0;
-- Since when the agent's phone has not answered SIP OPTIONS (NULL: reachable). While set the
-- agent is shown away ("phone unreachable") and offered no calls; their own presence is kept
-- underneath and shows again once the phone answers.
ALTER TABLE agents ADD COLUMN phone_unreachable_at INTEGER;
