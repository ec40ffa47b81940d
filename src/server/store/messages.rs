//! Messages: stored once per client_id, listed newest page first.

use sqlx::FromRow;
use uuid::Uuid;

use super::*;
use crate::model::{
    ConversationStatus, ConversationView, Direction, EventType, Message, MessageKind, MessagePage,
    MessageStatus, ReplyWindow, Scope, Sender, SenderType,
};

/// `MessageRow`'s columns in its fields' order (rows read as JSON arrays).
const MESSAGE_ROW_COLUMNS: [&str; 16] = [
    "id",
    "conversation_id",
    "direction",
    "kind",
    "content",
    "media_json",
    "interactive_json",
    "location_json",
    "template_json",
    "sender_type",
    "sender_name",
    "sender_external_id",
    "status",
    "client_id",
    "error",
    "created_at",
];

/// Newest first, as a thread's pages are read.
const MESSAGE_ORDER: &str = "created_at DESC, id DESC";

#[derive(FromRow, serde::Deserialize)]
struct MessageRow {
    id: DbId,
    conversation_id: DbId,
    direction: String,
    kind: String,
    content: String,
    media_json: Option<String>,
    interactive_json: Option<String>,
    location_json: Option<String>,
    template_json: Option<String>,
    sender_type: String,
    sender_name: String,
    sender_external_id: Option<String>,
    status: String,
    client_id: Option<String>,
    error: Option<String>,
    created_at: i64,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        Self {
            id: r.id.0,
            conversation_id: r.conversation_id.0,
            direction: Direction::parse(&r.direction).unwrap_or(Direction::Incoming),
            kind: MessageKind::parse(&r.kind).unwrap_or(MessageKind::Text),
            content: r.content,
            media: json_col(r.media_json),
            interactive: json_col(r.interactive_json),
            location: json_col(r.location_json),
            template: json_col(r.template_json),
            sender: Sender {
                sender_type: SenderType::parse(&r.sender_type).unwrap_or(SenderType::Contact),
                name: r.sender_name,
                external_id: r.sender_external_id,
            },
            status: MessageStatus::parse(&r.status).unwrap_or(MessageStatus::Sent),
            client_id: r.client_id,
            error: r.error,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

/// The outcome of storing a message: new, or the copy stored earlier with the same client_id.
#[derive(Debug)]
pub enum Stored {
    Created(Message),
    Existing(Message),
}

/// Inserts a message row; false when its client_id is already taken in the conversation.
pub(super) async fn insert_message<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    m: &Message,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO messages (id, conversation_id, direction, kind, content, media_json, interactive_json, location_json,
            template_json, sender_type, sender_name, sender_external_id, status, client_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT DO NOTHING",
    )
    .bind(m.id.to_string())
    .bind(m.conversation_id.to_string())
    .bind(m.direction.as_str())
    .bind(m.kind.as_str())
    .bind(&m.content)
    .bind(to_json_col(&m.media))
    .bind(to_json_col(&m.interactive))
    .bind(to_json_col(&m.location))
    .bind(to_json_col(&m.template))
    .bind(m.sender.sender_type.as_str())
    .bind(&m.sender.name)
    .bind(&m.sender.external_id)
    .bind(m.status.as_str())
    .bind(&m.client_id)
    .bind(ms(m.created_at))
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn message_cursor(m: &Message) -> Cursor {
    Cursor {
        at_ms: ms(m.created_at),
        id: m.id,
    }
}

impl Store {
    /// The message stored with this `client_id` in a conversation, if any.
    pub async fn message_by_client_id(
        &self,
        conversation_id: Uuid,
        client_id: &str,
    ) -> Result<Option<Message>> {
        let row: Option<MessageRow> =
            sqlx::query_as("SELECT * FROM messages WHERE conversation_id = $1 AND client_id = $2")
                .bind(conversation_id.to_string())
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Into::into))
    }

    /// Stores a message in a conversation the caller has checked, and moves the
    /// conversation's activity, preview and unread count with it, in one transaction.
    /// A repeated `client_id` returns the first copy instead of storing a second.
    pub async fn create_message(
        &self,
        conversation: &Conversation,
        new: NewMessage,
    ) -> Result<Stored> {
        if let Some(client_id) = &new.client_id {
            if let Some(existing) = self
                .message_by_client_id(conversation.id, client_id)
                .await?
            {
                return Ok(Stored::Existing(existing));
            }
        }
        let notify = new.notify;
        let message = Message {
            id: new_id(),
            conversation_id: conversation.id,
            direction: new.direction,
            kind: new.kind,
            content: new.content,
            media: new.media,
            interactive: new.interactive,
            location: new.location,
            template: new.template,
            sender: new.sender,
            status: new.status,
            client_id: new.client_id,
            error: None,
            created_at: new
                .created_at
                .map(|at| crate::model::from_millis(ms(at)))
                .unwrap_or_else(now),
        };
        let mut tx = self.write_transaction().await?;
        let inserted = insert_message(&mut *tx, &message).await?;
        if !inserted {
            // A concurrent request with the same client_id won the race.
            tx.rollback().await?;
            let client_id = message.client_id.as_deref().unwrap_or_default();
            return self
                .message_by_client_id(conversation.id, client_id)
                .await?
                .map(Stored::Existing)
                .ok_or_else(|| AppError::Conflict("message could not be stored".into()));
        }
        let unread = i64::from(message.direction == Direction::Incoming);
        // The newest message moves the conversation; an imported older one only counts.
        // A contact writing again reopens an ended conversation.
        let reopen = if message.direction == Direction::Incoming {
            ConversationStatus::Active.as_str()
        } else {
            ""
        };
        sqlx::query(
            "UPDATE conversations SET
                unread_count = unread_count + $1,
                last_preview = CASE WHEN $2 >= last_message_at OR last_message_id IS NULL THEN $3 ELSE last_preview END,
                last_message_id = CASE WHEN $4 >= last_message_at OR last_message_id IS NULL THEN $5 ELSE last_message_id END,
                status = CASE WHEN $6 >= last_message_at AND $7 <> '' THEN $8 ELSE status END,
                last_message_at = CASE WHEN $9 >= last_message_at OR last_message_id IS NULL THEN $10 ELSE last_message_at END
             WHERE id = $11",
        )
        .bind(unread)
        .bind(ms(message.created_at))
        .bind(message.preview_text())
        .bind(ms(message.created_at))
        .bind(message.id.to_string())
        .bind(ms(message.created_at))
        .bind(reopen)
        .bind(reopen)
        .bind(ms(message.created_at))
        .bind(ms(message.created_at))
        .bind(conversation.id.to_string())
        .execute(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            conversation.id,
            &[
                events::Change::Message(EventType::MessageCreated, &message),
                events::Change::Conversation(EventType::ConversationUpdated, None),
            ],
        )
        .await?;
        if notify {
            let contact: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT id, display_name, phone_number, identifier FROM contacts WHERE id = $1",
            )
            .bind(conversation.contact_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let mut payload = serde_json::Map::new();
            payload.insert("conversation_id".into(), conversation.id.to_string().into());
            payload.insert("inbox_id".into(), conversation.inbox_id.to_string().into());
            if let Some((id, name, phone, identifier)) = contact {
                payload.insert(
                    "contact".into(),
                    serde_json::json!({ "id": id, "display_name": name, "phone_number": phone, "identifier": identifier }),
                );
            }
            payload.insert("message".into(), serde_json::json!(message));
            outbox::enqueue(
                &mut tx,
                conversation.project_id,
                conversation.inbox_id,
                "message.created",
                payload,
            )
            .await?;
        }
        tx.commit().await?;
        self.events_appended();
        if notify {
            self.outbox_wake.notify_one();
        }
        Ok(Stored::Created(message))
    }

    /// WhatsApp's 24-hour window of a conversation now: from when the contact last wrote.
    pub async fn reply_window(&self, conversation: &ConversationView) -> Result<ReplyWindow> {
        let last_incoming: Option<i64> = sqlx::query_scalar(
            "SELECT max(created_at) FROM messages WHERE conversation_id = $1 AND direction = 'incoming'",
        )
        .bind(conversation.id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(ReplyWindow::of(
            conversation.channel_type,
            last_incoming,
            now().timestamp_millis(),
        ))
    }

    /// An agent read the conversation: nothing unread.
    pub async fn mark_read(&self, conversation_id: Uuid) -> Result<()> {
        let mut tx = self.write_transaction().await?;
        let done = sqlx::query(
            "UPDATE conversations SET unread_count = 0 WHERE id = $1 AND unread_count <> 0",
        )
        .bind(conversation_id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(());
        }
        events::append(
            &mut tx,
            conversation_id,
            &[events::Change::Conversation(
                EventType::ConversationUpdated,
                None,
            )],
        )
        .await?;
        tx.commit().await?;
        self.events_appended();
        Ok(())
    }

    /// A message of the project's, by id.
    pub async fn message(&self, project_id: Uuid, id: Uuid) -> Result<Message> {
        let row: Option<MessageRow> = sqlx::query_as(
            "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = $1 AND c.project_id = $2",
        )
        .bind(id.to_string())
        .bind(project_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Into::into).ok_or(AppError::NotFound("message"))
    }

    /// Applies a delivery receipt if it moves the status forward; a late or repeated one
    /// leaves the message as it is. Returns the message and whether it changed.
    pub async fn apply_receipt(
        &self,
        project_id: Uuid,
        id: Uuid,
        status: MessageStatus,
        error: Option<String>,
    ) -> Result<(Message, bool)> {
        // Compare-and-set on the status read: a concurrent receipt makes it read again.
        for _ in 0..5 {
            let message = self.message(project_id, id).await?;
            if !message.status.advances_to(status) {
                return Ok((message, false));
            }
            let mut tx = self.write_transaction().await?;
            let done = sqlx::query(
                "UPDATE messages SET status = $1, error = $2 WHERE id = $3 AND status = $4",
            )
            .bind(status.as_str())
            .bind(error.as_deref().filter(|_| status == MessageStatus::Failed))
            .bind(id.to_string())
            .bind(message.status.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                let row: MessageRow = sqlx::query_as("SELECT * FROM messages WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let updated = Message::from(row);
                // The list's preview shows the last message's ticks.
                let last: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM conversations WHERE id = $1 AND last_message_id = $2",
                )
                .bind(updated.conversation_id.to_string())
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
                let is_last = last > 0;
                let mut changes =
                    vec![events::Change::Message(EventType::MessageUpdated, &updated)];
                if is_last {
                    changes.push(events::Change::Conversation(
                        EventType::ConversationUpdated,
                        None,
                    ));
                }
                events::append(&mut tx, updated.conversation_id, &changes).await?;
                tx.commit().await?;
                self.events_appended();
                return Ok((updated, true));
            }
            tx.rollback().await?;
        }
        Err(AppError::Conflict(
            "the message changed too often; try again".into(),
        ))
    }

    /// A page of a conversation's messages before `before`, returned oldest first.
    pub async fn messages(
        &self,
        conversation_id: Uuid,
        before: Option<Cursor>,
        limit: i64,
    ) -> Result<MessagePage> {
        let mut q = QueryBuilder::new(format!(
            "SELECT {} FROM messages WHERE conversation_id = ",
            MESSAGE_ROW_COLUMNS.join(", ")
        ));
        q.push_bind(conversation_id.to_string());
        if let Some(c) = before {
            q.push(" AND (created_at, id) < (")
                .push_bind(c.at_ms)
                .push(", ")
                .push_bind(c.id.to_string())
                .push(")");
        }
        q.push(format_args!(" ORDER BY {MESSAGE_ORDER} LIMIT "))
            .push_bind(limit + 1);
        let rows: Vec<MessageRow> = match self.backend {
            Backend::Sqlite => {
                read_in_one(&self.pool, &mut q, &MESSAGE_ROW_COLUMNS, MESSAGE_ORDER).await?
            }
            Backend::Postgres => q.build_query_as().fetch_all(&self.pool).await?,
        };
        Ok(message_page(rows, limit))
    }

    /// A thread as the embed opens it, in one query: the conversation if `scope` covers it
    /// (else `NotFound`), whether `watcher` watches it, its newest `limit` messages and its
    /// reply window. Its parts read as JSON, so the database hands over one row.
    pub async fn thread(
        &self,
        scope: &Scope,
        conversation_id: Uuid,
        watcher: Option<Uuid>,
        limit: i64,
    ) -> Result<Thread> {
        use super::conversations::{
            push_scope, ViewRow, VIEW_COLUMNS, VIEW_JOINS, VIEW_ROW_COLUMNS,
        };
        // A JSON array, an aggregate of them, and how a JSON value becomes text.
        let (array, group, as_text) = match self.backend {
            Backend::Sqlite => ("json_array", "json_group_array", ""),
            Backend::Postgres => ("json_build_array", "json_agg", "::text"),
        };
        let id = conversation_id.to_string();
        let mut q = QueryBuilder::new(format!(
            "SELECT (SELECT {array}({}){as_text} FROM (",
            VIEW_ROW_COLUMNS.join(", ")
        ));
        q.push(VIEW_COLUMNS)
            .push(" FROM conversations c")
            .push(VIEW_JOINS);
        push_scope(&mut q, scope);
        q.push(" AND c.id = ").push_bind(id.clone()).push(") v), ");
        match watcher {
            Some(user_id) => q
                .push("(SELECT count(*) FROM watches WHERE user_id = ")
                .push_bind(user_id.to_string())
                .push(" AND conversation_id = ")
                .push_bind(id.clone())
                .push("), "),
            None => q.push("CAST(0 AS BIGINT), "),
        };
        q.push("(SELECT max(created_at) FROM messages WHERE direction = 'incoming' AND conversation_id = ")
            .push_bind(id.clone())
            .push("), ");
        let columns = MESSAGE_ROW_COLUMNS.join(", ");
        q.push(format_args!(
            "(SELECT {group}({array}({columns}) ORDER BY {MESSAGE_ORDER}){as_text} \
             FROM (SELECT {columns} FROM messages WHERE conversation_id = "
        ))
        .push_bind(id)
        .push(format_args!(" ORDER BY {MESSAGE_ORDER} LIMIT "))
        .push_bind(limit + 1)
        .push(") p)");
        let (view, watches, last_incoming, rows): (
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
        ) = q.build_query_as().fetch_one(&self.pool).await?;
        let read = |e: serde_json::Error| AppError::Internal(format!("reading a thread: {e}"));
        let view: ViewRow =
            serde_json::from_str(&view.ok_or(AppError::NotFound("conversation"))?).map_err(read)?;
        let rows: Vec<MessageRow> = match rows {
            Some(rows) => serde_json::from_str(&rows).map_err(read)?,
            None => Vec::new(),
        };
        let conversation = ConversationView::from(view);
        let window = ReplyWindow::of(
            conversation.channel_type,
            last_incoming,
            now().timestamp_millis(),
        );
        Ok(Thread {
            conversation,
            watched: watches > 0,
            messages: message_page(rows, limit),
            window,
        })
    }
}

/// What `Store::thread` reads.
#[derive(Debug)]
pub struct Thread {
    pub conversation: ConversationView,
    pub watched: bool,
    pub messages: MessagePage,
    pub window: ReplyWindow,
}

/// `limit + 1` rows read newest first as a page shown oldest first.
fn message_page(rows: Vec<MessageRow>, limit: i64) -> MessagePage {
    let page = paginate(
        rows.into_iter().map(Message::from).collect(),
        limit,
        message_cursor,
    );
    let mut messages = page.data;
    messages.reverse();
    MessagePage {
        messages,
        older_cursor: page.next_cursor,
    }
}
