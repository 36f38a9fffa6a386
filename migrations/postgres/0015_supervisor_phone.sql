-- The phone a supervisor listens in with: frontdesk rings it when they join a live call. Set by
-- an administrator (`frontdesk users phone NAME URI`), never taken from a request, so nobody can
-- make frontdesk ring a number of their choosing. Keep in step with
-- migrations/sqlite/0015_supervisor_phone.sql.
ALTER TABLE api_users ADD COLUMN phone TEXT;
