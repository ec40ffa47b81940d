-- PostgreSQL twin of migrations/sqlite/0001_initial.sql: the same tables, columns and
-- indexes (tests/schema.rs compares them). Ids are hyphenated lowercase UUID text;
-- instants are Unix milliseconds (BIGINT); whole numbers are BIGINT, as SQLite reads them.

CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    api_key_hash  TEXT NOT NULL UNIQUE,
    jwt_secret    TEXT NOT NULL,
    is_demo       BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects(id),
    name         TEXT NOT NULL,
    external_id  TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX customers_by_project ON customers (project_id, created_at, id);

CREATE TABLE inboxes (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id),
    customer_id     TEXT REFERENCES customers(id),
    name            TEXT NOT NULL,
    channel_type    TEXT NOT NULL,
    phone_number    TEXT,
    webhook_url     TEXT,
    webhook_secret  TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX inboxes_by_project ON inboxes (project_id, created_at, id);
CREATE INDEX inboxes_by_customer ON inboxes (customer_id);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects(id),
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    external_id  TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX users_by_project ON users (project_id, created_at, id);

CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id),
    display_name  TEXT NOT NULL,
    phone_number  TEXT,
    email         TEXT,
    identifier    TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX contacts_by_project ON contacts (project_id, created_at, id);

CREATE TABLE conversations (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL REFERENCES projects(id),
    inbox_id           TEXT NOT NULL REFERENCES inboxes(id),
    contact_id         TEXT NOT NULL REFERENCES contacts(id),
    status             TEXT NOT NULL,
    handoff            TEXT NOT NULL,
    assigned_user_id   TEXT REFERENCES users(id),
    unread_count       BIGINT NOT NULL DEFAULT 0,
    last_message_id    TEXT,
    last_preview       TEXT,
    last_message_at    BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);
-- The list query: scope, status, newest activity first (keyset on last_message_at, id).
CREATE INDEX conversations_by_project ON conversations (project_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_by_inbox ON conversations (inbox_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_by_assignee ON conversations (assigned_user_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_by_contact ON conversations (contact_id);
CREATE INDEX conversations_by_created ON conversations (project_id, created_at, id);

CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    conversation_id     TEXT NOT NULL REFERENCES conversations(id),
    direction           TEXT NOT NULL,
    kind                TEXT NOT NULL,
    content             TEXT NOT NULL,
    media_json          TEXT,
    interactive_json    TEXT,
    location_json       TEXT,
    template_json       TEXT,
    sender_type         TEXT NOT NULL,
    sender_name         TEXT NOT NULL,
    sender_external_id  TEXT,
    status              TEXT NOT NULL,
    client_id           TEXT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE templates (
    id            TEXT PRIMARY KEY,
    inbox_id      TEXT NOT NULL REFERENCES inboxes(id),
    name          TEXT NOT NULL,
    language      TEXT NOT NULL,
    category      TEXT NOT NULL,
    body          TEXT NOT NULL,
    buttons_json  TEXT,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX templates_by_inbox ON templates (inbox_id, name, language);

CREATE TABLE embed_tokens (
    id                    TEXT PRIMARY KEY,
    project_id            TEXT NOT NULL REFERENCES projects(id),
    name                  TEXT NOT NULL,
    token_hash            TEXT NOT NULL UNIQUE,
    scope_type            TEXT NOT NULL,
    scope_id              TEXT,
    assigned_user_id      TEXT REFERENCES users(id),
    allowed_origins_json  TEXT NOT NULL,
    theme                 TEXT NOT NULL,
    language              TEXT NOT NULL,
    expires_at            BIGINT,
    revoked_at            BIGINT,
    created_at            BIGINT NOT NULL,
    last_used_at          BIGINT
);
CREATE INDEX embed_tokens_by_project ON embed_tokens (project_id, created_at, id);

-- Search: case-insensitive substring match on message text and contact names and phones
-- (ILIKE), served by trigram indexes when the pg_trgm extension can be installed. Without
-- it, search still works, by scanning.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%); search will scan', SQLERRM;
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX messages_content_trgm ON messages USING gin (content gin_trgm_ops);
        CREATE INDEX contacts_name_trgm ON contacts USING gin (display_name gin_trgm_ops);
        CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone_number gin_trgm_ops);
    END IF;
END
$$;
