-- The live event log (§5): every change the embed shows, numbered in commit order and
-- written in the change's own transaction. Sockets replay it from `?since=`; it is pruned
-- by age, and `pruned_through` says how far, so a client behind that refetches.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    project_id TEXT NOT NULL,
    inbox_id TEXT NOT NULL,
    -- The inbox's customer when the event was raised: customer scopes filter on it.
    customer_id TEXT,
    conversation_id TEXT NOT NULL,
    -- The conversation's assignee after the change, and before it when it changed:
    -- an assignee scope sees the change that takes a conversation away from it.
    assigned_user_id TEXT,
    previous_assigned_user_id TEXT,
    data_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_by_project ON events (project_id, id);
CREATE INDEX events_by_age ON events (created_at);

CREATE TABLE event_log (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    pruned_through INTEGER NOT NULL
);
INSERT INTO event_log (singleton, pruned_through) VALUES (1, 0);
