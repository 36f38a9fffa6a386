-- Stored recordings that retention or an erasure removed: the upload row keeps the object's key
-- until the object is gone from the storage, so a storage outage never leaves one behind
-- unnoticed. Any node with object storage deletes them, retrying with backoff.
ALTER TABLE recording_uploads ADD COLUMN delete_requested_at BIGINT;
ALTER TABLE recording_uploads ADD COLUMN delete_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recording_uploads ADD COLUMN delete_next_at BIGINT;
ALTER TABLE recording_uploads ADD COLUMN delete_error TEXT;
CREATE INDEX recording_uploads_deletions ON recording_uploads (delete_next_at)
    WHERE delete_requested_at IS NOT NULL;
