-- Agents signed in by JWT (§7). The project's settings for JWT embeds: the origins that may
-- frame them and talk to them (the same rule as an embed token's allowed_origins).
ALTER TABLE projects ADD COLUMN jwt_allowed_origins_json TEXT NOT NULL DEFAULT '[]';

-- An agent is a project user found by its `external_id` (the JWT's `id`); what the last
-- JWT said of it is kept: its issuer and when it was last seen.
ALTER TABLE users ADD COLUMN jwt_issuer TEXT;
ALTER TABLE users ADD COLUMN last_seen_at BIGINT;
CREATE INDEX users_by_external_id ON users (project_id, external_id);

-- The conversations an agent follows (the "watched" tab).
CREATE TABLE watches (
    user_id          TEXT NOT NULL REFERENCES users(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX watches_by_conversation ON watches (conversation_id);
