//! Records of uploaded files: whose they are and what they are. The bytes are in the
//! media store.

use sqlx::FromRow;
use uuid::Uuid;

use super::*;

#[derive(Debug, Clone)]
pub struct MediaRecord {
    pub id: Uuid,
    pub project_id: Uuid,
    pub conversation_id: Uuid,
    pub mime_type: String,
    pub filename: String,
    pub size: i64,
}

#[derive(FromRow)]
struct MediaRow {
    id: DbId,
    project_id: DbId,
    conversation_id: DbId,
    mime_type: String,
    filename: String,
    size: i64,
}

impl From<MediaRow> for MediaRecord {
    fn from(r: MediaRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            conversation_id: r.conversation_id.0,
            mime_type: r.mime_type,
            filename: r.filename,
            size: r.size,
        }
    }
}

impl Store {
    pub async fn add_media(&self, record: &MediaRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO media (id, project_id, conversation_id, mime_type, filename, size, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(record.id.to_string())
        .bind(record.project_id.to_string())
        .bind(record.conversation_id.to_string())
        .bind(&record.mime_type)
        .bind(&record.filename)
        .bind(record.size)
        .bind(ms(now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_media(&self, id: Uuid) -> Result<()> {
        sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An uploaded file of the project's.
    pub async fn media(&self, project_id: Uuid, id: Uuid) -> Result<MediaRecord> {
        let row: Option<MediaRow> = sqlx::query_as(
            "SELECT id, project_id, conversation_id, mime_type, filename, size FROM media
             WHERE id = $1 AND project_id = $2",
        )
        .bind(id.to_string())
        .bind(project_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Into::into).ok_or(AppError::NotFound("media"))
    }
}
