-- Why a message failed (a delivery receipt with status `failed`).
ALTER TABLE messages ADD COLUMN error TEXT;

-- Webhook deliveries, written in the transaction of the change they report and sent by
-- the worker until the receiver answers 2xx or the retry window ends.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       TEXT NOT NULL REFERENCES projects(id),
    inbox_id         TEXT NOT NULL,
    event            TEXT NOT NULL,
    payload_json     TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  BIGINT,
    last_status      INTEGER,
    last_error       TEXT,
    locked_until     BIGINT,
    delivered_at     BIGINT,
    gave_up_at       BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX outbox_by_project ON outbox (project_id, id);
