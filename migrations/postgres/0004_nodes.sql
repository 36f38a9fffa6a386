-- Nodes say they are alive every few seconds. A node silent for longer than the sweep allows is
-- dead: the others free the agents its calls held, instead of leaving them stuck until it
-- restarts. Keep in step with the other backend's 0004_nodes.sql.
CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL
);
