//! The one storage API. Callers see domain types only; the SQL and its database stay here.

mod agents;
mod conversations;
mod directory;
mod events;
mod import;
mod media;
mod messages;
mod outbox;
mod records;
mod sql;
mod templates;
mod tokens;

pub use agents::*;
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
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor};
use uuid::Uuid;

use crate::server::AppError;
use sql::QueryBuilder;

pub type Result<T> = std::result::Result<T, AppError>;

/// The database behind the store: SQLite (one server) or PostgreSQL (one or many).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// How many connections each server keeps to PostgreSQL (`DATABASE_POOL_SIZE`).
pub const DEFAULT_PG_POOL_SIZE: u32 = 10;
/// The PostgreSQL advisory lock every write transaction holds until it ends: writers take
/// turns, as on SQLite, so event ids are assigned in commit order on every instance.
const PG_WRITE_LOCK: i64 = 0x696e_626f_7865;
/// The channel a commit that appended events notifies, with the last event's id.
pub const PG_EVENTS_CHANNEL: &str = "inbox_events";
/// The channel a token change notifies, so every instance checks its open sockets.
pub const PG_TOKENS_CHANNEL: &str = "inbox_tokens";

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where the database is, for PostgreSQL's LISTEN connection.
    url: std::sync::Arc<str>,
    /// Notified when a webhook delivery is queued, so the worker sends it at once.
    outbox_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Notified when events were committed, so the live hub reads them at once.
    events_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Notified when an embed token changed, so open sockets are checked again.
    tokens_changed: std::sync::Arc<tokio::sync::Notify>,
    /// Counts the changes to what a credential resolves to (`access_changed`): what was
    /// resolved before the last one is not used again (`access::AccessCache`).
    access_epoch: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`: `sqlite://PATH` or
    /// `postgres://…`. `pool_size` bounds the PostgreSQL pool (SQLite keeps 8).
    pub async fn connect(url: &str, pool_size: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url);
        let pool = match backend {
            Backend::Sqlite => connect_sqlite(url).await?,
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(pool_size.max(2))
                // No ping before each use (a round trip per query): a connection that
                // died fails its query, which answers an error, not a wrong result.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| AppError::Internal(format!("cannot open DATABASE_URL: {e}")))?,
        };
        let mut migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        // Migrations only add: during a rolling deploy, the previous release keeps
        // starting on a schema a newer one migrated.
        migrator.set_ignore_missing(true);
        migrator
            .run(&pool)
            .await
            .map_err(|e| AppError::Internal(format!("migration failed: {e}")))?;
        Ok(Self {
            pool,
            backend,
            url: url.into(),
            outbox_wake: Default::default(),
            events_wake: Default::default(),
            tokens_changed: Default::default(),
            access_epoch: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// On PostgreSQL, a connection that hears the events and tokens channels: what other
    /// instances commit. `None` on SQLite, where only this process writes.
    pub async fn listen(&self) -> Result<Option<sqlx::postgres::PgListener>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
        listener
            .listen_all([PG_EVENTS_CHANNEL, PG_TOKENS_CHANNEL])
            .await?;
        Ok(Some(listener))
    }

    /// Says what a credential resolves to changed (a token, a project's JWT settings, the
    /// inboxes or names a scope shows), after the change is committed: what this instance
    /// resolved before is dropped, and open sockets here and, on PostgreSQL, on every
    /// instance are checked again at once (the other instances drop theirs on the notice).
    async fn access_changed(&self) {
        self.access_changed_elsewhere();
        self.tokens_changed.notify_one();
        if self.backend == Backend::Postgres {
            let sent = sqlx::query("SELECT 1 FROM pg_notify($1, '')")
                .bind(PG_TOKENS_CHANNEL)
                .execute(&self.pool)
                .await;
            // The other instances' periodic check closes those sockets anyway, and their
            // resolved credentials age out (`access::AccessCache`).
            if let Err(e) = sent {
                tracing::warn!(error = %e, "notifying other instances of a token change failed");
            }
        }
    }

    /// Another instance changed what a credential resolves to (its notice arrived), or
    /// its notices may have been missed: drops what this instance resolved.
    pub fn access_changed_elsewhere(&self) {
        self.access_epoch
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The count of changes so far: read before resolving, kept with what was resolved.
    pub fn access_epoch(&self) -> u64 {
        self.access_epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A write transaction. SQLite takes its write lock at `BEGIN` (a deferred `BEGIN`
    /// let concurrent writers fail at once with SQLITE_BUSY instead of waiting their
    /// turn); PostgreSQL takes one advisory lock, held until commit or rollback.
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                    .bind(PG_WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
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

/// SQLite through the driver-neutral pool: the file is created when missing, and each
/// connection gets the settings the store relies on (WAL, a busy wait, foreign keys).
async fn connect_sqlite(url: &str) -> Result<AnyPool> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| AppError::Internal(format!("bad DATABASE_URL: {e}")))?;
    if let Some(dir) = options.get_filename().parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let url = if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    };
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        // A file connection does not go stale: no ping before each use.
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    Ok(pool)
}

pub fn now() -> DateTime<Utc> {
    // Millisecond precision: what the database keeps.
    crate::model::from_millis(Utc::now().timestamp_millis())
}

fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// An id column (stored as text): a value that is not a UUID fails the query that read it
/// with the column named, instead of becoming some other id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DbId(Uuid);

impl sqlx::Type<sqlx::Any> for DbId {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for DbId {
    fn decode(
        value: sqlx::any::AnyValueRef<'r>,
    ) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<sqlx::Any>>::decode(value)?;
        Uuid::parse_str(&text)
            .map(DbId)
            .map_err(|e| format!("{text:?} is not an id: {e}").into())
    }
}

/// An id as text in a JSON row (`read_in_one`).
impl<'de> serde::Deserialize<'de> for DbId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Uuid::parse_str(&text)
            .map(DbId)
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not an id: {e}")))
    }
}

/// Reads the rows of `q` (a whole query, its ORDER BY included) on SQLite as one row: a
/// JSON array of `columns` per row, in `order`. sqlx's SQLite driver hands each row over
/// from its connection's thread on its own (a wake-up and a switch of threads each): a
/// page of rows as one text is one hand-over. `T` reads the array in `columns`' order.
async fn read_in_one<T: serde::de::DeserializeOwned>(
    pool: &AnyPool,
    q: &mut QueryBuilder,
    columns: &[&str],
    order: &str,
) -> Result<Vec<T>> {
    let before = format!(
        "SELECT json_group_array(json_array({}) ORDER BY {order}) FROM (",
        columns.join(", ")
    );
    q.wrap(&before, ")");
    let (rows,): (String,) = q.build_query_as().fetch_one(pool).await?;
    serde_json::from_str(&rows).map_err(|e| AppError::Internal(format!("reading rows: {e}")))
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
