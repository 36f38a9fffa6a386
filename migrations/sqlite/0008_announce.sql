-- What the caller was told: the callback promise as spoken, in their language and time zone.
-- Keep in step with migrations/postgres/0008_announce.sql.

-- The exact sentence said and shown on the card ("promised: ..."); NULL for callbacks planned
-- before promises were kept, or by channels that promise nothing to the client.
ALTER TABLE callbacks ADD COLUMN promise TEXT;

-- The outbox of events told to configured webhooks (CRM, SMS gateway): one row per event and
-- webhook, written with the change it reports, delivered by a background task with retries, so a
-- restart loses nothing. The body is kept as sent (it is what the signature covers).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event           TEXT NOT NULL,
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
