-- Files agents upload: the bytes live in the media store (under the data directory), the
-- record says whose they are and what they are.
CREATE TABLE media (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    mime_type        TEXT NOT NULL,
    filename         TEXT NOT NULL,
    size             BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX media_by_conversation ON media (conversation_id);
