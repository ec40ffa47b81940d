//! The one storage API. Callers see domain types only; the SQL and its database stay here.

mod conversations;
mod directory;
mod events;
mod import;
mod media;
mod messages;
mod outbox;
mod records;
mod templates;
mod tokens;

pub use directory::*;
pub use events::*;
pub use import::*;
pub use media::*;
pub use messages::*;
pub use outbox::*;
pub use records::*;
pub use templates::*;
pub use tokens::*;

use std::str::FromStr;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::server::AppError;

pub type Result<T> = std::result::Result<T, AppError>;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Notified when a webhook delivery is queued, so the worker sends it at once.
    outbox_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Notified when events were committed, so the live hub reads them at once.
    events_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Notified when an embed token changed, so open sockets are checked again.
    tokens_changed: std::sync::Arc<tokio::sync::Notify>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| AppError::Internal(format!("bad DATABASE_URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::Internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| AppError::Internal(format!("migration failed: {e}")))?;
        Ok(Self {
            pool,
            outbox_wake: Default::default(),
            events_wake: Default::default(),
            tokens_changed: Default::default(),
        })
    }

    /// A write transaction that takes the write lock at `BEGIN`, waiting out the busy
    /// timeout. A deferred `BEGIN` let concurrent writers fail at once with SQLITE_BUSY
    /// ("database is locked", a 500) instead of waiting their turn.
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub fn outbox_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.outbox_wake.clone()
    }

    pub fn tokens_changed(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.tokens_changed.clone()
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

pub fn now() -> DateTime<Utc> {
    // Millisecond precision: what the database keeps.
    crate::model::from_millis(Utc::now().timestamp_millis())
}

fn new_id() -> Uuid {
    Uuid::now_v7()
}

fn parse_id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_default()
}

fn parse_opt_id(text: Option<String>) -> Option<Uuid> {
    text.as_deref().map(parse_id)
}

fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn json_col<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn to_json_col<T: serde::Serialize>(value: &Option<T>) -> Option<String> {
    value
        .as_ref()
        .map(|v| serde_json::to_string(v).expect("plain data serialises"))
}

pub const MAX_PAGE: i64 = 100;
pub const DEFAULT_PAGE: i64 = 50;

/// A page of a list and the cursor of the next one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A keyset position: an instant and an id, opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at_ms: i64,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.at_ms, self.id))
    }

    pub fn decode(text: &str) -> Result<Self> {
        let bad = || AppError::BadRequest("cursor is not one this server issued".into());
        let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (at, id) = raw.split_once(':').ok_or_else(bad)?;
        Ok(Self {
            at_ms: at.parse().map_err(|_| bad())?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }

    pub fn decode_opt(text: Option<&str>) -> Result<Option<Self>> {
        text.filter(|t| !t.is_empty()).map(Self::decode).transpose()
    }
}

/// Clamps a requested page size into 1..=MAX_PAGE.
pub fn page_size(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// Cuts a fetched `limit + 1` rows to `limit` and makes the next cursor from the last kept.
fn paginate<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| key(r).encode())
    } else {
        None
    };
    Page {
        data: rows,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = Cursor {
            at_ms: 1_700_000_000_123,
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("nope").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("12:x")).is_err());
        assert_eq!(Cursor::decode_opt(Some("")).unwrap(), None);
    }
}
