//! The live event log (§5): appended in the transaction of the change it reports, read in
//! order by the live hub, replayed to sockets that reconnect, pruned by age.

use sqlx::{FromRow, Transaction};
use uuid::Uuid;

use super::*;
use crate::model::{EventType, Message, Scope, ScopeKind};

/// An event as the log keeps it, with what scope filtering needs.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub id: i64,
    pub event_type: EventType,
    pub project_id: Uuid,
    pub inbox_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub conversation_id: Uuid,
    pub assigned_user_id: Option<Uuid>,
    pub previous_assigned_user_id: Option<Uuid>,
    /// The event's `data` object, as JSON text.
    pub data_json: String,
}

impl EventRecord {
    /// Whether a token of `scope` may see this event: the same rule as `push_scope` in
    /// SQL. An assignee scope also sees the change that moved a conversation away from it.
    pub fn visible_to(&self, scope: &Scope) -> bool {
        if self.project_id != scope.project_id {
            return false;
        }
        let in_kind = match scope.kind {
            ScopeKind::Project => true,
            ScopeKind::WhatsappConfig(inbox_id) => self.inbox_id == inbox_id,
            ScopeKind::Customer(customer_id) => self.customer_id == Some(customer_id),
        };
        in_kind
            && scope.assigned_user_id.is_none_or(|user| {
                self.assigned_user_id == Some(user) || self.previous_assigned_user_id == Some(user)
            })
    }

    /// The frame sent on the socket: `{"id", "type", "conversation_id", "data"}`, and
    /// `html`, what the embed shows for it (see `live::event_html`), when it has some.
    pub fn frame(&self, html: Option<&str>) -> String {
        let html = html
            .map(|h| format!(r#","html":{}"#, serde_json::Value::from(h)))
            .unwrap_or_default();
        format!(
            r#"{{"id":{},"type":"{}","conversation_id":"{}","data":{}{html}}}"#,
            self.id,
            self.event_type.as_str(),
            self.conversation_id,
            self.data_json
        )
    }
}

#[derive(FromRow)]
struct EventRow {
    id: i64,
    #[sqlx(rename = "type")]
    event_type: String,
    project_id: DbId,
    inbox_id: DbId,
    customer_id: Option<DbId>,
    conversation_id: DbId,
    assigned_user_id: Option<DbId>,
    previous_assigned_user_id: Option<DbId>,
    data_json: String,
}

impl From<EventRow> for EventRecord {
    fn from(r: EventRow) -> Self {
        Self {
            id: r.id,
            event_type: EventType::parse(&r.event_type).unwrap_or(EventType::ConversationUpdated),
            project_id: r.project_id.0,
            inbox_id: r.inbox_id.0,
            customer_id: r.customer_id.map(|i| i.0),
            conversation_id: r.conversation_id.0,
            assigned_user_id: r.assigned_user_id.map(|i| i.0),
            previous_assigned_user_id: r.previous_assigned_user_id.map(|i| i.0),
            data_json: r.data_json,
        }
    }
}

const EVENT_COLUMNS: &str = "id, type, project_id, inbox_id, customer_id, conversation_id, assigned_user_id, previous_assigned_user_id, data_json";

/// What an event reports.
pub(super) enum Change<'a> {
    /// `message.created` or `message.updated`: the message as stored now.
    Message(EventType, &'a Message),
    /// `conversation.created` or `conversation.updated`: the conversation as the list
    /// shows it after the change. `previous_assignee` is its assignee before, when that
    /// changed.
    Conversation(EventType, Option<Option<Uuid>>),
}

/// Appends events about `conversation_id`, in order, inside the caller's transaction. The
/// caller calls `Store::events_appended` after committing.
pub(super) async fn append(
    tx: &mut Transaction<'static, sqlx::Any>,
    conversation_id: Uuid,
    changes: &[Change<'_>],
) -> Result<()> {
    let place: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT c.project_id, c.inbox_id, i.customer_id, c.assigned_user_id
         FROM conversations c JOIN inboxes i ON i.id = c.inbox_id WHERE c.id = $1",
    )
    .bind(conversation_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    let Some((project_id, inbox_id, customer_id, assigned_user_id)) = place else {
        return Err(AppError::NotFound("conversation"));
    };
    let mut last_id: i64 = 0;
    for change in changes {
        let (event_type, previous, data) = match *change {
            Change::Message(event_type, message) => {
                (event_type, None, serde_json::json!({ "message": message }))
            }
            Change::Conversation(event_type, previous) => {
                let view = conversations::view_in(&mut **tx, conversation_id)
                    .await?
                    .ok_or(AppError::NotFound("conversation"))?;
                (
                    event_type,
                    previous.flatten(),
                    serde_json::json!({ "conversation": view }),
                )
            }
        };
        last_id = sqlx::query_scalar(
            "INSERT INTO events (type, project_id, inbox_id, customer_id, conversation_id, assigned_user_id,
                previous_assigned_user_id, data_json, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(event_type.as_str())
        .bind(&project_id)
        .bind(&inbox_id)
        .bind(&customer_id)
        .bind(conversation_id.to_string())
        .bind(&assigned_user_id)
        .bind(previous.map(|id| id.to_string()))
        .bind(data.to_string())
        .bind(ms(now()))
        .fetch_one(&mut **tx)
        .await?;
    }
    // Every instance's hub wakes when this commits (PostgreSQL delivers notifications on
    // commit, and drops them on rollback). The log stays the source of truth: a missed
    // notification is made up by the hub's next read.
    if tx.backend_name() == "PostgreSQL" && last_id > 0 {
        sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
            .bind(PG_EVENTS_CHANNEL)
            .bind(last_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// How far the log reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogExtent {
    /// Events up to this id have been pruned (0: none).
    pub pruned_through: i64,
    /// The newest event's id (or `pruned_through` when the log is empty).
    pub last_id: i64,
}

impl Store {
    /// Tells the live hub that events were committed.
    pub(super) fn events_appended(&self) {
        self.events_wake.notify_one();
    }

    /// Notified after every commit that appended events.
    pub fn events_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.events_wake.clone()
    }

    pub async fn event_log_extent(&self) -> Result<LogExtent> {
        let (pruned_through, last_id): (i64, Option<i64>) = sqlx::query_as(
            "SELECT pruned_through, (SELECT max(id) FROM events) FROM event_log WHERE singleton = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(LogExtent {
            pruned_through,
            last_id: last_id.unwrap_or(pruned_through).max(pruned_through),
        })
    }

    /// Up to `limit` events after `after`, oldest first, from every project.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<EventRecord>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A project's events in `(after, through]`, oldest first, at most `limit`.
    pub async fn project_events_between(
        &self,
        project_id: Uuid,
        after: i64,
        through: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE project_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4"
        ))
        .bind(project_id.to_string())
        .bind(after)
        .bind(through)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Deletes the events raised before `before`, oldest first, in batches short enough
    /// not to hold writers up; returns how many went.
    pub async fn prune_events(&self, before: DateTime<Utc>) -> Result<u64> {
        const BATCH: i64 = 5000;
        let through: Option<i64> =
            sqlx::query_scalar("SELECT max(id) FROM events WHERE created_at < $1")
                .bind(ms(before))
                .fetch_one(&self.pool)
                .await?;
        let Some(through) = through else {
            return Ok(0);
        };
        let mut pruned = 0;
        loop {
            let mut tx = self.write_transaction().await?;
            // The horizon moves before the rows go: a reader never misses a hole.
            let upto: Option<i64> = sqlx::query_scalar(
                "SELECT max(id) FROM (SELECT id FROM events WHERE id <= $1 ORDER BY id LIMIT $2) AS batch",
            )
            .bind(through)
            .bind(BATCH)
            .fetch_one(&mut *tx)
            .await?;
            let Some(upto) = upto else {
                tx.rollback().await?;
                return Ok(pruned);
            };
            sqlx::query(
                "UPDATE event_log SET pruned_through = CASE WHEN pruned_through > $1 THEN pruned_through ELSE $1 END
                 WHERE singleton = 1",
            )
            .bind(upto)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query("DELETE FROM events WHERE id <= $1")
                .bind(upto)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            pruned += done.rows_affected();
        }
    }
}
