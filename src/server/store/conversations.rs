//! Conversations: the list query behind the embed and the API, always inside a `Scope`.

use sqlx::FromRow;
use uuid::Uuid;

use super::*;
use crate::model::{
    ChannelType, ContactCard, ConversationStatus, ConversationView, Direction, EventType, Filters,
    Handoff, InboxCard, MessageKind, MessageStatus, Preview, Scope, ScopeKind, Tab,
};

/// Search strings shorter than a trigram match contact names and phones only.
const MIN_TEXT_SEARCH_CHARS: usize = 3;

#[derive(FromRow)]
struct ConversationRow {
    id: DbId,
    project_id: DbId,
    inbox_id: DbId,
    contact_id: DbId,
    status: String,
    handoff: String,
    assigned_user_id: Option<DbId>,
    unread_count: i64,
    last_message_at: i64,
    created_at: i64,
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            inbox_id: r.inbox_id.0,
            contact_id: r.contact_id.0,
            status: ConversationStatus::parse(&r.status).unwrap_or(ConversationStatus::Active),
            handoff: Handoff::parse(&r.handoff).unwrap_or(Handoff::Bot),
            assigned_user_id: r.assigned_user_id.map(|i| i.0),
            unread_count: r.unread_count,
            last_message_at: crate::model::from_millis(r.last_message_at),
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

/// `ViewRow`'s columns in its fields' order (`read_in_one`).
pub(super) const VIEW_ROW_COLUMNS: [&str; 17] = [
    "id",
    "inbox_id",
    "inbox_name",
    "channel_type",
    "contact_id",
    "display_name",
    "phone_number",
    "status",
    "handoff",
    "assigned_user_id",
    "unread_count",
    "last_message_at",
    "created_at",
    "last_preview",
    "last_direction",
    "last_kind",
    "last_status",
];

#[derive(FromRow, serde::Deserialize)]
pub(super) struct ViewRow {
    id: DbId,
    inbox_id: DbId,
    inbox_name: String,
    channel_type: String,
    contact_id: DbId,
    display_name: String,
    phone_number: Option<String>,
    status: String,
    handoff: String,
    assigned_user_id: Option<DbId>,
    unread_count: i64,
    last_message_at: i64,
    created_at: i64,
    last_preview: Option<String>,
    last_direction: Option<String>,
    last_kind: Option<String>,
    last_status: Option<String>,
}

impl From<ViewRow> for ConversationView {
    fn from(r: ViewRow) -> Self {
        let preview = match (r.last_preview, r.last_direction, r.last_kind, r.last_status) {
            (Some(text), Some(direction), Some(kind), Some(status)) => Some(Preview {
                direction: Direction::parse(&direction).unwrap_or(Direction::Incoming),
                kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
                text,
                status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Sent),
            }),
            _ => None,
        };
        Self {
            id: r.id.0,
            inbox_id: r.inbox_id.0,
            inbox_name: r.inbox_name,
            channel_type: ChannelType::parse(&r.channel_type).unwrap_or(ChannelType::Api),
            contact: ContactCard {
                id: r.contact_id.0,
                display_name: r.display_name,
                phone_number: r.phone_number,
            },
            status: ConversationStatus::parse(&r.status).unwrap_or(ConversationStatus::Active),
            handoff: Handoff::parse(&r.handoff).unwrap_or(Handoff::Bot),
            assigned_user_id: r.assigned_user_id.map(|i| i.0),
            unread_count: r.unread_count,
            last_message_at: crate::model::from_millis(r.last_message_at),
            created_at: crate::model::from_millis(r.created_at),
            preview,
        }
    }
}

pub(super) const VIEW_COLUMNS: &str =
    "SELECT c.id, c.inbox_id, i.name AS inbox_name, i.channel_type, c.contact_id,
        ct.display_name, ct.phone_number, c.status, c.handoff, c.assigned_user_id, c.unread_count,
        c.last_message_at, c.created_at, c.last_preview,
        m.direction AS last_direction, m.kind AS last_kind, m.status AS last_status";
pub(super) const VIEW_JOINS: &str = "
    JOIN inboxes i ON i.id = c.inbox_id
    JOIN contacts ct ON ct.id = c.contact_id
    LEFT JOIN messages m ON m.id = c.last_message_id
    WHERE ";
/// A query reading conversation views, up to its `WHERE `.
fn view_query() -> QueryBuilder {
    let mut q = QueryBuilder::new(VIEW_COLUMNS);
    q.push(" FROM conversations c").push(VIEW_JOINS);
    q
}

/// How a text search on SQLite finds its conversations (FTS5 finds the matching messages
/// and contacts at once; what costs is going from them to conversations, a lookup each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchPlan {
    /// No text search (none, a short one, or PostgreSQL's).
    Plain,
    /// Few matches: the conversations are read from them, then sorted.
    FromMatches,
    /// Many matches: the conversations are read in the list's order, each checked
    /// against its own messages; the read stops at the page's end.
    InListOrder,
}

/// At this many matches, reading in the list's order costs less than one lookup a match.
const DENSE_SEARCH_MATCHES: i64 = 2_500;

/// A search as an FTS5 query: one quoted phrase, the user's text matched literally,
/// never read as query syntax.
fn fts_phrase(search: &str) -> String {
    format!("\"{}\"", search.replace('"', "\"\""))
}

/// The ids of the conversations whose messages or contact match `phrase` (SQLite).
fn push_text_matches(q: &mut QueryBuilder, phrase: &str) {
    q.push("SELECT m2.conversation_id AS id FROM messages m2 WHERE m2.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ")
        .push_bind(phrase.to_string())
        .push(") UNION SELECT c3.id FROM conversations c3 WHERE c3.contact_id IN (SELECT ct2.id FROM contacts ct2 WHERE ct2.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ")
        .push_bind(phrase.to_string())
        .push("))");
}

/// Appends the scope's condition on `c` (a conversation row): the one place a scope
/// becomes SQL.
pub(super) fn push_scope(q: &mut QueryBuilder, scope: &Scope) {
    q.push("c.project_id = ")
        .push_bind(scope.project_id.to_string());
    match scope.kind {
        ScopeKind::Project => {}
        ScopeKind::WhatsappConfig(inbox_id) => {
            q.push(" AND c.inbox_id = ").push_bind(inbox_id.to_string());
        }
        ScopeKind::Customer(customer_id) => {
            q.push(" AND c.inbox_id IN (SELECT id FROM inboxes WHERE customer_id = ")
                .push_bind(customer_id.to_string())
                .push(" AND project_id = ")
                .push_bind(scope.project_id.to_string())
                .push(")");
        }
    }
    if let Some(user_id) = scope.assigned_user_id {
        q.push(" AND c.assigned_user_id = ")
            .push_bind(user_id.to_string());
    }
}

/// Appends an agent tab's condition (`Tab::admits` in SQL).
fn push_tab(q: &mut QueryBuilder, tab: Tab, me: Uuid) {
    match tab {
        Tab::All => {}
        Tab::Mine => {
            q.push(" AND c.assigned_user_id = ")
                .push_bind(me.to_string());
        }
        Tab::New => {
            q.push(" AND c.handoff = 'waiting' AND c.assigned_user_id IS NULL");
        }
        Tab::Watched => {
            q.push(" AND c.id IN (SELECT w.conversation_id FROM watches w WHERE w.user_id = ")
                .push_bind(me.to_string())
                .push(")");
        }
    }
}

fn push_filters(q: &mut QueryBuilder, filters: &Filters, backend: Backend, plan: SearchPlan) {
    if let Some(status) = filters.status.status() {
        q.push(" AND c.status = ").push_bind(status.as_str());
    }
    if let Some(inbox_id) = filters.whatsapp_config_id {
        q.push(" AND c.inbox_id = ").push_bind(inbox_id.to_string());
    }
    if filters.unread {
        q.push(" AND c.unread_count > 0");
    }
    if filters.handoff {
        q.push(" AND c.handoff = 'waiting'");
    }
    let search = filters.search.trim();
    if search.is_empty() {
        return;
    }
    let pattern = |text: &str| {
        format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    if backend == Backend::Postgres {
        // ILIKE folds case in any script; trigram indexes (pg_trgm) serve it. Short
        // searches match names and phones only, as on SQLite.
        q.push(" AND (ct.display_name ILIKE ")
            .push_bind(pattern(search))
            .push(" ESCAPE '\\' OR ct.phone_number LIKE ")
            .push_bind(pattern(search))
            .push(" ESCAPE '\\'");
        if search.chars().count() >= MIN_TEXT_SEARCH_CHARS {
            q.push(
                " OR c.id IN (SELECT m2.conversation_id FROM messages m2 WHERE m2.content ILIKE ",
            )
            .push_bind(pattern(search))
            .push(" ESCAPE '\\')");
        }
        q.push(")");
        return;
    }
    if search.chars().count() < MIN_TEXT_SEARCH_CHARS {
        q.push(" AND (ct.phone_number LIKE ")
            .push_bind(pattern(search))
            .push(" ESCAPE '\\'");
        for variant in case_variants(search) {
            q.push(" OR ct.display_name LIKE ")
                .push_bind(pattern(&variant))
                .push(" ESCAPE '\\'");
        }
        q.push(")");
    } else {
        match plan {
            // The rows come from the matches already (`planned_views`).
            SearchPlan::FromMatches => {}
            SearchPlan::Plain | SearchPlan::InListOrder => {
                let phrase = fts_phrase(search);
                q.push(" AND (c.contact_id IN (SELECT ct2.id FROM contacts ct2 WHERE ct2.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ")
                    .push_bind(phrase.clone())
                    .push(")) OR EXISTS (SELECT 1 FROM messages m2 WHERE m2.conversation_id = c.id AND m2.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ")
                    .push_bind(phrase)
                    .push(")))");
            }
        }
    }
}

/// The spellings of a short search that differ in the case of its non-ASCII letters:
/// SQLite's LIKE folds ASCII letters only, so `él` is also tried as `Él` (at most four
/// spellings for the one or two characters a short search has).
fn case_variants(search: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    for c in search.chars() {
        let mut forms: Vec<String> = if c.is_ascii() {
            vec![c.to_string()]
        } else {
            vec![c.to_lowercase().collect(), c.to_uppercase().collect()]
        };
        forms.dedup();
        variants = variants
            .iter()
            .flat_map(|v| forms.iter().map(move |f| format!("{v}{f}")))
            .collect();
    }
    variants.sort();
    variants.dedup();
    variants
}

/// One conversation as the list shows it, whatever its scope, read on `ex` (the caller's
/// transaction, for events).
pub(super) async fn view_in<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: Uuid,
) -> Result<Option<ConversationView>> {
    let mut q = view_query();
    q.push("c.id = ").push_bind(id.to_string());
    let row: Option<ViewRow> = q.build_query_as().fetch_optional(ex).await?;
    Ok(row.map(Into::into))
}

fn view_cursor(v: &ConversationView) -> Cursor {
    Cursor {
        at_ms: ms(v.last_message_at),
        id: v.id,
    }
}

impl Store {
    /// One page of the conversations in `scope` matching `filters`, most recent activity
    /// first, with each one's last message preview: one query. The filters' tab applies
    /// for an agent (`agent`, a user id) only.
    pub async fn conversation_views(
        &self,
        scope: &Scope,
        filters: &Filters,
        agent: Option<Uuid>,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<ConversationView>> {
        let plan = self.search_plan(&filters.search).await?;
        self.planned_views(plan, scope, filters, agent, cursor, limit)
            .await
    }

    /// `conversation_views`, its text search read as `plan` says.
    async fn planned_views(
        &self,
        plan: SearchPlan,
        scope: &Scope,
        filters: &Filters,
        agent: Option<Uuid>,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<ConversationView>> {
        let mut q = if plan == SearchPlan::FromMatches {
            let mut q = QueryBuilder::new(VIEW_COLUMNS);
            q.push(" FROM (");
            push_text_matches(&mut q, &fts_phrase(filters.search.trim()));
            // The matches drive the join (CROSS JOIN keeps SQLite from reading every
            // conversation in order and probing the matches).
            q.push(") hits CROSS JOIN conversations c ON c.id = hits.id");
            q.push(VIEW_JOINS);
            q
        } else {
            view_query()
        };
        push_scope(&mut q, scope);
        push_filters(&mut q, filters, self.backend, plan);
        if let Some(me) = agent {
            push_tab(&mut q, filters.tab, me);
        }
        if let Some(c) = cursor {
            q.push(" AND (c.last_message_at, c.id) < (")
                .push_bind(c.at_ms)
                .push(", ")
                .push_bind(c.id.to_string())
                .push(")");
        }
        q.push(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT ")
            .push_bind(limit + 1);
        let rows: Vec<ViewRow> = match self.backend {
            Backend::Sqlite => {
                let order = "last_message_at DESC, id DESC";
                read_in_one(&self.pool, &mut q, &VIEW_ROW_COLUMNS, order).await?
            }
            Backend::Postgres => q.build_query_as().fetch_all(&self.pool).await?,
        };
        Ok(paginate(
            rows.into_iter().map(Into::into).collect(),
            limit,
            view_cursor,
        ))
    }

    /// How a SQLite text search reads its page: by counting its matches, up to
    /// `DENSE_SEARCH_MATCHES` (FTS5 counts them without reading the rows).
    async fn search_plan(&self, search: &str) -> Result<SearchPlan> {
        let search = search.trim();
        if self.backend != Backend::Sqlite || search.chars().count() < MIN_TEXT_SEARCH_CHARS {
            return Ok(SearchPlan::Plain);
        }
        let phrase = fts_phrase(search);
        let (matches,): (i64,) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH $1 LIMIT $2))
                  + (SELECT count(*) FROM (SELECT 1 FROM contacts_fts WHERE contacts_fts MATCH $1 LIMIT $2))",
        )
        .bind(&phrase)
        .bind(DENSE_SEARCH_MATCHES)
        .fetch_one(&self.pool)
        .await?;
        Ok(if matches >= DENSE_SEARCH_MATCHES {
            SearchPlan::InListOrder
        } else {
            SearchPlan::FromMatches
        })
    }

    /// The unread messages of every conversation in `scope` (the host page's badge).
    pub async fn unread_total(&self, scope: &Scope) -> Result<i64> {
        let mut q = QueryBuilder::new(
            "SELECT CAST(COALESCE(SUM(c.unread_count), 0) AS BIGINT) FROM conversations c WHERE ",
        );
        push_scope(&mut q, scope);
        let (total,): (i64,) = q.build_query_as().fetch_one(&self.pool).await?;
        Ok(total)
    }

    /// One conversation, if it is inside `scope`.
    pub async fn conversation_view(&self, scope: &Scope, id: Uuid) -> Result<ConversationView> {
        let mut q = view_query();
        push_scope(&mut q, scope);
        q.push(" AND c.id = ").push_bind(id.to_string());
        let row: Option<ViewRow> = q.build_query_as().fetch_optional(&self.pool).await?;
        row.map(Into::into)
            .ok_or(AppError::NotFound("conversation"))
    }

    /// The inboxes a scope covers, for the embed's inbox filter.
    pub async fn inboxes_in_scope(&self, scope: &Scope) -> Result<Vec<InboxCard>> {
        let mut q = QueryBuilder::new(
            "SELECT id, name, channel_type, phone_number FROM inboxes WHERE project_id = ",
        );
        q.push_bind(scope.project_id.to_string());
        match scope.kind {
            ScopeKind::Project => {}
            ScopeKind::WhatsappConfig(id) => {
                q.push(" AND id = ").push_bind(id.to_string());
            }
            ScopeKind::Customer(id) => {
                q.push(" AND customer_id = ").push_bind(id.to_string());
            }
        }
        q.push(" ORDER BY name, id");
        let rows: Vec<(DbId, String, String, Option<String>)> =
            q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, channel, phone_number)| InboxCard {
                id: id.0,
                name,
                channel_type: ChannelType::parse(&channel).unwrap_or(ChannelType::Api),
                phone_number,
            })
            .collect())
    }

    pub async fn create_conversation(
        &self,
        project_id: Uuid,
        new: NewConversation,
    ) -> Result<Conversation> {
        self.inbox(project_id, new.inbox_id).await?;
        self.contact(project_id, new.contact_id).await?;
        if let Some(user_id) = new.assigned_user_id {
            self.user(project_id, user_id).await?;
        }
        let at = now();
        let conversation = Conversation {
            id: new_id(),
            project_id,
            inbox_id: new.inbox_id,
            contact_id: new.contact_id,
            status: new.status.unwrap_or(ConversationStatus::Active),
            handoff: new.handoff.unwrap_or(Handoff::Bot),
            assigned_user_id: new.assigned_user_id,
            unread_count: 0,
            last_message_at: at,
            created_at: at,
        };
        let mut tx = self.write_transaction().await?;
        sqlx::query(
            "INSERT INTO conversations (id, project_id, inbox_id, contact_id, status, handoff, assigned_user_id, unread_count, last_message_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
        )
        .bind(conversation.id.to_string())
        .bind(project_id.to_string())
        .bind(conversation.inbox_id.to_string())
        .bind(conversation.contact_id.to_string())
        .bind(conversation.status.as_str())
        .bind(conversation.handoff.as_str())
        .bind(conversation.assigned_user_id.map(|id| id.to_string()))
        .bind(ms(at))
        .bind(ms(at))
        .execute(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            conversation.id,
            &[events::Change::Conversation(
                EventType::ConversationCreated,
                None,
            )],
        )
        .await?;
        tx.commit().await?;
        self.events_appended();
        Ok(conversation)
    }

    pub async fn conversation(&self, project_id: Uuid, id: Uuid) -> Result<Conversation> {
        let row: Option<ConversationRow> = sqlx::query_as(
            "SELECT id, project_id, inbox_id, contact_id, status, handoff, assigned_user_id, unread_count, last_message_at, created_at
             FROM conversations WHERE id = $1 AND project_id = $2",
        )
        .bind(id.to_string())
        .bind(project_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Into::into)
            .ok_or(AppError::NotFound("conversation"))
    }

    pub async fn update_conversation(
        &self,
        project_id: Uuid,
        id: Uuid,
        patch: ConversationPatch,
        actor: Actor,
    ) -> Result<Conversation> {
        if let Some(Some(user_id)) = patch.assigned_user_id {
            self.user(project_id, user_id).await?;
        }
        let mut tx = self.write_transaction().await?;
        let row: Option<ConversationRow> = sqlx::query_as(
            "SELECT id, project_id, inbox_id, contact_id, status, handoff, assigned_user_id, unread_count, last_message_at, created_at
             FROM conversations WHERE id = $1 AND project_id = $2",
        )
        .bind(id.to_string())
        .bind(project_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let mut c: Conversation = row.ok_or(AppError::NotFound("conversation"))?.into();
        let previous_handoff = c.handoff;
        let previous_assignee = c.assigned_user_id;
        if let Some(status) = patch.status {
            c.status = status;
        }
        if let Some(handoff) = patch.handoff {
            c.handoff = handoff;
        }
        if let Some(user) = patch.assigned_user_id {
            c.assigned_user_id = user;
        }
        if let (Some(user), None) = (patch.claim_for, c.assigned_user_id) {
            c.assigned_user_id = Some(user);
        }
        sqlx::query(
            "UPDATE conversations SET status = $1, handoff = $2, assigned_user_id = $3 WHERE id = $4",
        )
        .bind(c.status.as_str())
        .bind(c.handoff.as_str())
        .bind(c.assigned_user_id.map(|id| id.to_string()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let reassigned = c.assigned_user_id != previous_assignee;
        events::append(
            &mut tx,
            id,
            &[events::Change::Conversation(
                EventType::ConversationUpdated,
                reassigned.then_some(previous_assignee),
            )],
        )
        .await?;
        if c.handoff != previous_handoff {
            let mut payload = serde_json::Map::new();
            payload.insert("conversation".into(), serde_json::json!(c));
            payload.insert("previous_handoff".into(), previous_handoff.as_str().into());
            payload.insert("handoff".into(), c.handoff.as_str().into());
            payload.insert("changed_by".into(), serde_json::json!(actor));
            outbox::enqueue(
                &mut tx,
                project_id,
                c.inbox_id,
                "conversation.handoff_changed",
                payload,
            )
            .await?;
        }
        tx.commit().await?;
        self.events_appended();
        if c.handoff != previous_handoff {
            self.outbox_wake.notify_one();
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ChannelType, ConversationStatus, Direction, Handoff, MessageKind, MessageStatus, ScopeKind,
        Sender, SenderType, StatusFilter,
    };
    use crate::server::store::{ImportedConversation, NewContact, NewInbox, NewMessage};

    fn message(content: &str, minutes_ago: i64) -> NewMessage {
        NewMessage {
            direction: Direction::Incoming,
            kind: MessageKind::Text,
            content: content.into(),
            media: None,
            interactive: None,
            location: None,
            template: None,
            sender: Sender {
                sender_type: SenderType::Contact,
                name: "c".into(),
                external_id: None,
            },
            status: MessageStatus::Delivered,
            client_id: None,
            created_at: Some(now() - chrono::Duration::minutes(minutes_ago)),
            notify: false,
        }
    }

    /// Both ways of reading a text search on SQLite give the same pages, whatever the
    /// term matches (messages, contact names, both, several messages of one
    /// conversation, nothing) and with the other filters.
    #[tokio::test]
    async fn search_plans_read_the_same_pages() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("search.db").display());
        let store = Store::connect(&url, 2).await.unwrap();
        let project = store.create_project("p", false).await.unwrap().project.id;
        let inbox = store
            .create_inbox(
                project,
                NewInbox {
                    name: "i".into(),
                    channel_type: ChannelType::Api,
                    phone_number: None,
                    customer_id: None,
                    webhook_url: None,
                },
            )
            .await
            .unwrap();
        let words = ["brake", "invoice", "refund", "parcel"];
        let batch = (0..90_i64)
            .map(|i| {
                let word = words[i as usize % words.len()];
                let mut messages = vec![message(&format!("my {word} again"), 1_000 - i)];
                if i % 3 == 0 {
                    messages.push(message("the brake and the invoice", 900 - i));
                }
                ImportedConversation {
                    inbox_id: inbox.id,
                    contact: NewContact {
                        display_name: if i % 7 == 0 {
                            format!("Brake Shop {i}")
                        } else {
                            format!("Ana {i}")
                        },
                        phone_number: None,
                        email: None,
                        identifier: None,
                    },
                    status: if i % 5 == 0 {
                        ConversationStatus::Ended
                    } else {
                        ConversationStatus::Active
                    },
                    handoff: Handoff::Human,
                    assigned_user_id: None,
                    unread_count: i % 2,
                    messages,
                }
            })
            .collect();
        store.import_conversations(project, batch).await.unwrap();
        let scope = Scope {
            project_id: project,
            kind: ScopeKind::Project,
            assigned_user_id: None,
        };
        for search in [
            "brake",
            "invoice",
            "the brake",
            "Shop",
            "parcel",
            "nowhere",
            "a\"b",
        ] {
            for (status, unread) in [(StatusFilter::All, false), (StatusFilter::default(), true)] {
                let filters = Filters {
                    status,
                    search: search.into(),
                    unread,
                    ..Default::default()
                };
                let mut pages = Vec::new();
                for plan in [SearchPlan::FromMatches, SearchPlan::InListOrder] {
                    let (mut ids, mut cursor) = (Vec::new(), None);
                    loop {
                        let page = store
                            .planned_views(plan, &scope, &filters, None, cursor, 7)
                            .await
                            .unwrap();
                        ids.push(page.data.iter().map(|c| c.id).collect::<Vec<_>>());
                        match page.next_cursor {
                            Some(next) => cursor = Some(Cursor::decode(&next).unwrap()),
                            None => break,
                        }
                    }
                    pages.push(ids);
                }
                assert_eq!(
                    pages[0], pages[1],
                    "search {search:?}, {status:?}, unread {unread}"
                );
                let found: usize = pages[0].iter().map(Vec::len).sum();
                match search {
                    "nowhere" | "a\"b" => assert_eq!(found, 0),
                    _ => assert!(found > 0, "{search:?} finds something"),
                }
            }
        }
        // Few matches here: the plan reads from them.
        assert_eq!(
            store.search_plan("brake").await.unwrap(),
            SearchPlan::FromMatches
        );
        assert_eq!(store.search_plan("b").await.unwrap(), SearchPlan::Plain);
    }

    #[test]
    fn short_searches_try_each_letter_case() {
        assert_eq!(case_variants("ab"), vec!["ab"]);
        assert_eq!(case_variants("él"), vec!["Él", "él"]);
        assert_eq!(case_variants("Ñú"), vec!["ÑÚ", "Ñú", "ñÚ", "ñú"]);
        assert_eq!(case_variants("%"), vec!["%"]);
    }
}
