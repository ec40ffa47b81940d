//! The webhook outbox: deliveries written in the transaction of the change they report,
//! claimed by the worker with a lease, and kept with their attempts and last error.

use serde::Serialize;
use sqlx::FromRow;
use uuid::Uuid;

use super::*;

/// Which deliveries a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet, still being tried.
    Pending,
    /// Delivered (a 2xx answer).
    Delivered,
    /// Given up after the retry window.
    Failed,
}

impl DeliveryState {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A webhook delivery as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub inbox_id: Uuid,
    pub event: String,
    pub state: &'static str,
    pub attempts: i64,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status on the last attempt, if it answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    inbox_id: DbId,
    event: String,
    payload_json: String,
    created_at: i64,
    next_attempt_at: i64,
    attempts: i64,
    last_attempt_at: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
    delivered_at: Option<i64>,
    gave_up_at: Option<i64>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let at = crate::model::from_millis;
        let state = if r.delivered_at.is_some() {
            "delivered"
        } else if r.gave_up_at.is_some() {
            "failed"
        } else {
            "pending"
        };
        Self {
            id: r.id,
            inbox_id: r.inbox_id.0,
            event: r.event,
            state,
            attempts: r.attempts,
            last_attempt_at: r.last_attempt_at.map(at),
            last_status: r.last_status,
            last_error: r.last_error,
            next_attempt_at: (state == "pending").then(|| at(r.next_attempt_at)),
            delivered_at: r.delivered_at.map(at),
            gave_up_at: r.gave_up_at.map(at),
            created_at: at(r.created_at),
            payload: serde_json::from_str(&r.payload_json).unwrap_or_default(),
        }
    }
}

/// A delivery the worker has claimed: what to send and where.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub event: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    /// The inbox's webhook now (it may have changed since the event).
    pub url: Option<String>,
    pub secret: String,
}

#[derive(FromRow)]
struct DueRow {
    id: i64,
    event: String,
    payload_json: String,
    created_at: i64,
    attempts: i64,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
}

/// Queues a webhook for the inbox's `webhook_url`, inside the caller's transaction, if the
/// inbox has one. `payload` gets `event`, `delivery_id` and `occurred_at` added.
pub(super) async fn enqueue(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    project_id: Uuid,
    inbox_id: Uuid,
    event: &str,
    mut payload: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let url: Option<Option<String>> =
        sqlx::query_scalar("SELECT webhook_url FROM inboxes WHERE id = $1")
            .bind(inbox_id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    if url.flatten().is_none_or(|u| u.trim().is_empty()) {
        return Ok(());
    }
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (project_id, inbox_id, event, payload_json, created_at, next_attempt_at)
         VALUES ($1, $2, $3, '{}', $4, $5) RETURNING id",
    )
    .bind(project_id.to_string())
    .bind(inbox_id.to_string())
    .bind(event)
    .bind(ms(at))
    .bind(ms(at))
    .fetch_one(&mut **tx)
    .await?;
    payload.insert("event".into(), event.into());
    payload.insert("delivery_id".into(), id.into());
    payload.insert("occurred_at".into(), at.to_rfc3339().into());
    sqlx::query("UPDATE outbox SET payload_json = $1 WHERE id = $2")
        .bind(serde_json::Value::Object(payload).to_string())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Claims up to `limit` due deliveries for `lease_ms`: another worker skips them until
    /// the lease ends (a worker that dies mid-delivery leaves them to be tried again).
    pub async fn claim_due_deliveries(
        &self,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<DueDelivery>> {
        let at = ms(now());
        // On PostgreSQL the workers of every instance claim at once: each skips the rows
        // another is claiming, and waits for no writer.
        let (mut tx, skip_locked) = match self.backend {
            Backend::Sqlite => (self.write_transaction().await?, ""),
            Backend::Postgres => (self.pool.begin().await?, " FOR UPDATE OF o SKIP LOCKED"),
        };
        let rows: Vec<DueRow> = sqlx::query_as(&format!(
            "SELECT o.id, o.event, o.payload_json, o.created_at, o.attempts, i.webhook_url, i.webhook_secret
             FROM outbox o LEFT JOIN inboxes i ON i.id = o.inbox_id
             WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= $1
               AND (o.locked_until IS NULL OR o.locked_until <= $2)
             ORDER BY o.next_attempt_at, o.id LIMIT $3{skip_locked}"
        ))
        .bind(at)
        .bind(at)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            sqlx::query("UPDATE outbox SET locked_until = $1 WHERE id = $2")
                .bind(at + lease_ms)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| DueDelivery {
                id: r.id,
                event: r.event,
                body: r.payload_json,
                created_at: crate::model::from_millis(r.created_at),
                attempts: r.attempts,
                url: r.webhook_url.filter(|u| !u.trim().is_empty()),
                secret: r.webhook_secret.unwrap_or_default(),
            })
            .collect())
    }

    pub async fn delivery_succeeded(&self, id: i64, status: u16) -> Result<()> {
        let at = ms(now());
        sqlx::query(
            "UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_attempt_at = $2,
                last_status = $3, last_error = NULL, locked_until = NULL WHERE id = $4",
        )
        .bind(at)
        .bind(at)
        .bind(i64::from(status))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up when `None`.
    pub async fn delivery_failed(
        &self,
        id: i64,
        status: Option<u16>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let at = ms(now());
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = $1, last_status = $2,
                last_error = $3, locked_until = NULL,
                next_attempt_at = coalesce($4, next_attempt_at),
                gave_up_at = CASE WHEN $5 IS NULL THEN $6 ELSE NULL END
             WHERE id = $7 AND gave_up_at IS NULL",
        )
        .bind(at)
        .bind(status.map(i64::from))
        .bind(error.chars().take(1000).collect::<String>())
        .bind(retry_at.map(ms))
        .bind(retry_at.map(ms))
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Queues a given-up delivery again, from now.
    pub async fn retry_delivery(&self, project_id: Uuid, id: i64) -> Result<Delivery> {
        let at = ms(now());
        let done = sqlx::query(
            "UPDATE outbox SET gave_up_at = NULL, next_attempt_at = $1, created_at = $2
             WHERE id = $3 AND project_id = $4 AND gave_up_at IS NOT NULL",
        )
        .bind(at)
        .bind(at)
        .bind(id)
        .bind(project_id.to_string())
        .execute(&self.pool)
        .await?;
        let delivery = self.delivery(project_id, id).await?;
        if done.rows_affected() == 0 {
            return Err(AppError::Conflict(format!(
                "delivery {id} is {}; only a failed delivery can be retried",
                delivery.state
            )));
        }
        Ok(delivery)
    }

    pub async fn delivery(&self, project_id: Uuid, id: i64) -> Result<Delivery> {
        let row: Option<DeliveryRow> =
            sqlx::query_as("SELECT * FROM outbox WHERE id = $1 AND project_id = $2")
                .bind(id)
                .bind(project_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Into::into)
            .ok_or(AppError::NotFound("webhook delivery"))
    }

    /// The project's deliveries, newest first, in pages of `limit` after the id `before`.
    pub async fn deliveries(
        &self,
        project_id: Uuid,
        state: Option<DeliveryState>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<Delivery>, Option<i64>)> {
        let condition = match state {
            None => "TRUE",
            Some(DeliveryState::Pending) => "delivered_at IS NULL AND gave_up_at IS NULL",
            Some(DeliveryState::Delivered) => "delivered_at IS NOT NULL",
            Some(DeliveryState::Failed) => "gave_up_at IS NOT NULL",
        };
        let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
            "SELECT * FROM outbox WHERE project_id = $1 AND ($2 IS NULL OR id < $3) AND {condition}
             ORDER BY id DESC LIMIT $4"
        ))
        .bind(project_id.to_string())
        .bind(before)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<Delivery> = rows.into_iter().map(Into::into).collect();
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|d| d.id)
        } else {
            None
        };
        Ok((items, next))
    }
}
