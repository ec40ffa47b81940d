//! The two backends' migrations stay in step: after migrating, SQLite and PostgreSQL have
//! the same tables, columns (type, nullability, primary key), unique constraints and
//! indexes (name, table, uniqueness, columns). Search is the one place they differ on
//! purpose: SQLite's FTS5 tables (`*_fts*`) and PostgreSQL's trigram indexes (`*_trgm`).

use std::collections::BTreeSet;

use crate::common::*;
use inbox_embed::server::store::Store;
use sqlx::Connection;

/// One fact about a schema, comparable across the two databases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Table(String),
    /// table, column, type class, nullable, part of the primary key
    Column(String, String, String, bool, bool),
    /// table, columns
    Unique(String, String),
    /// name, table, unique, columns
    Index(String, String, bool, String),
}

/// `integer` for the whole-number types (SQLite reads every one as 64-bit), `text` for text.
fn type_class(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "bigint" | "integer" => "integer".into(),
        "text" => "text".into(),
        other => other.into(),
    }
}

async fn sqlite_facts(url: &str) -> BTreeSet<Fact> {
    let mut conn = sqlx::SqliteConnection::connect(url).await.expect("SQLite");
    let mut facts = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name <> '_sqlx_migrations' AND name NOT LIKE '%\\_fts%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    for table in &tables {
        facts.insert(Fact::Table(table.clone()));
        let columns: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .expect("columns");
        for (name, declared, not_null, pk) in columns {
            facts.insert(Fact::Column(
                table.clone(),
                name,
                type_class(&declared),
                not_null == 0 && pk == 0,
                pk > 0,
            ));
        }
        let indexes: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .expect("indexes");
        for (name, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut conn)
                    .await
                    .expect("index columns");
            let columns = columns.join(",");
            if origin == "u" {
                facts.insert(Fact::Unique(table.clone(), columns));
            } else {
                facts.insert(Fact::Index(name, table.clone(), unique == 1, columns));
            }
        }
    }
    facts
}

async fn postgres_facts(url: &str) -> BTreeSet<Fact> {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("PostgreSQL");
    let mut facts = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
           AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    for table in &tables {
        facts.insert(Fact::Table(table.clone()));
        let columns: Vec<(String, String, bool, bool)> = sqlx::query_as(
            "SELECT c.column_name::text, c.data_type::text, c.is_nullable = 'YES',
                    EXISTS (SELECT 1 FROM information_schema.table_constraints tc
                            JOIN information_schema.key_column_usage k
                              ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
                            WHERE tc.table_schema = c.table_schema AND tc.table_name = c.table_name
                              AND tc.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name)
             FROM information_schema.columns c
             WHERE c.table_schema = current_schema() AND c.table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .expect("columns");
        for (name, declared, nullable, pk) in columns {
            facts.insert(Fact::Column(
                table.clone(),
                name,
                type_class(&declared),
                nullable,
                pk,
            ));
        }
        let indexes: Vec<(String, bool, bool, bool, String)> = sqlx::query_as(
            "SELECT i.relname::text, ix.indisunique, ix.indisprimary,
                    EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.contype = 'u'),
                    (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord)
                       FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum)
             FROM pg_index ix
             JOIN pg_class i ON i.oid = ix.indexrelid
             JOIN pg_class t ON t.oid = ix.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = current_schema() AND t.relname = $1",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .expect("indexes");
        for (name, unique, primary, constraint, columns) in indexes {
            if primary || name.ends_with("_trgm") {
                continue;
            }
            if constraint {
                facts.insert(Fact::Unique(table.clone(), columns));
            } else {
                facts.insert(Fact::Index(name, table.clone(), unique, columns));
            }
        }
    }
    facts
}

#[tokio::test]
async fn both_backends_have_the_same_tables_columns_and_indexes() {
    if !postgres_half_or_skip("both_backends_have_the_same_tables_columns_and_indexes") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}/schema.db", dir.path().display());
    let pg = TestDatabase::new(dir.path());
    Store::connect(&sqlite_url, 2)
        .await
        .expect("SQLite migrates");
    Store::connect(&pg.url, 2)
        .await
        .expect("PostgreSQL migrates");

    let sqlite = sqlite_facts(&sqlite_url).await;
    let postgres = postgres_facts(&pg.url).await;
    assert!(
        sqlite.iter().any(|f| matches!(f, Fact::Index(..))) && sqlite.len() > 50,
        "the SQLite schema was read: {sqlite:#?}"
    );
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migrations differ.\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}"
    );
}

/// The comparison itself notices a difference: a column added on one side only.
#[tokio::test]
async fn a_column_on_one_backend_only_is_reported() {
    if !postgres_half_or_skip("a_column_on_one_backend_only_is_reported") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pg = TestDatabase::new(dir.path());
    Store::connect(&pg.url, 2)
        .await
        .expect("PostgreSQL migrates");
    let before = postgres_facts(&pg.url).await;
    let mut conn = sqlx::PgConnection::connect(&pg.url)
        .await
        .expect("PostgreSQL");
    sqlx::query("ALTER TABLE messages ADD COLUMN extra TEXT")
        .execute(&mut conn)
        .await
        .expect("alter");
    sqlx::query("CREATE INDEX messages_extra ON messages (extra)")
        .execute(&mut conn)
        .await
        .expect("index");
    let after = postgres_facts(&pg.url).await;
    let added: Vec<_> = after.difference(&before).cloned().collect();
    assert_eq!(
        added,
        vec![
            Fact::Column(
                "messages".into(),
                "extra".into(),
                "text".into(),
                true,
                false
            ),
            Fact::Index(
                "messages_extra".into(),
                "messages".into(),
                false,
                "extra".into()
            ),
        ]
    );
}

/// Migrations only add, so a release older than the schema still starts (a rolling
/// deploy, or a rollback): a migration it does not know is left alone.
#[tokio::test]
async fn an_older_release_starts_on_a_newer_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::new(dir.path());
    Store::connect(&db.url, 2).await.expect("migrates");
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("connects");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(99_990_101_000_000_i64)
    .bind("from a newer release")
    .bind(true)
    .bind(vec![0_u8; 48])
    .bind(1_i64)
    .execute(&mut conn)
    .await
    .expect("a newer migration recorded");
    Store::connect(&db.url, 2)
        .await
        .expect("this release starts anyway");
}
