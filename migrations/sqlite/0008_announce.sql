-- What the caller was told: the callback promise as spoken, in their language and time zone.
-- Keep in step with migrations/postgres/0008_announce.sql.

-- The exact sentence said and shown on the card ("promised: ..."); NULL for callbacks planned
-- before promises were kept, or by channels that promise nothing to the client.
ALTER TABLE callbacks ADD COLUMN promise TEXT;
