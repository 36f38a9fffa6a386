-- One waiting line for every node: each caller waiting for an agent is a row, written when they
-- join and deleted when they leave (answered, hung up, a callback keeping their place). Every
-- node's distributor reads the whole line, so a free agent goes to the best caller on any node,
-- and the node holding that caller's media rings the agent. Keep in step with the other backend.
CREATE TABLE queue_entries (
    call_id    TEXT PRIMARY KEY,
    -- The node holding the caller's media: the only one that rings agents for them.
    node       TEXT NOT NULL,
    priority   BIGINT NOT NULL,
    -- Arrival (ms since the epoch), kept when the caller is put back so they keep their place.
    ticket     BIGINT NOT NULL,
    language   TEXT,
    vip_agent  TEXT,
    -- Until then (ms) only the VIP's consultant is rung.
    vip_until  BIGINT NOT NULL DEFAULT 0,
    -- The caller's number, to call them back if their node is lost.
    phone      TEXT,
    -- The agent ringing for this caller (claimed in the same transaction as the agent).
    agent      TEXT,
    -- Agents that did not take this caller, comma-separated, most recent last.
    tried      TEXT NOT NULL DEFAULT '',
    -- No new ring before this (ms).
    retry_at   BIGINT NOT NULL DEFAULT 0,
    joined_at  BIGINT NOT NULL
);
CREATE INDEX queue_entries_order ON queue_entries (priority DESC, ticket, call_id);
CREATE INDEX queue_entries_node ON queue_entries (node);
