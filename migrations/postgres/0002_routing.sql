-- Routing: the live line state of each agent, shared by every node. A call claims an agent with a
-- conditional UPDATE (idle, or wrap-up over, and present), so two calls racing for one agent cannot
-- both win. line_call and line_node say who holds the agent, so a node's restart, or a call row
-- closed by any node, frees it: an agent is never left "in call" by a failure.
ALTER TABLE agents ADD COLUMN line TEXT NOT NULL DEFAULT 'idle'
    CHECK (line IN ('idle', 'ringing', 'in_call', 'wrap_up'));
ALTER TABLE agents ADD COLUMN line_call TEXT;
ALTER TABLE agents ADD COLUMN line_node TEXT;
ALTER TABLE agents ADD COLUMN line_at BIGINT;
-- End of wrap-up (line = 'wrap_up').
ALTER TABLE agents ADD COLUMN line_until BIGINT;

-- When the agent answered: handle times for the queue's wait estimate, and the card's timeline.
ALTER TABLE calls ADD COLUMN bridged_at BIGINT;
CREATE INDEX calls_bridged ON calls (bridged_at);
