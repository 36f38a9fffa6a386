-- What the caller's request claimed, kept as evidence beside the number we believed (caller_raw):
-- the From user part, the P-Asserted-Identity, and the socket address it came from.
-- Keep in step with the other backend's 0005_caller_identity.sql.
ALTER TABLE calls ADD COLUMN from_number TEXT;
ALTER TABLE calls ADD COLUMN asserted_number TEXT;
ALTER TABLE calls ADD COLUMN source TEXT;
