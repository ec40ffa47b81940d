//! WhatsApp message templates, per inbox.

use sqlx::FromRow;
use uuid::Uuid;

use super::*;
use crate::model::{Template, TemplateCategory, TemplateStatus};

#[derive(FromRow)]
struct TemplateRow {
    id: DbId,
    inbox_id: DbId,
    name: String,
    language: String,
    category: String,
    body: String,
    buttons_json: Option<String>,
    status: String,
    created_at: i64,
}

impl From<TemplateRow> for Template {
    fn from(r: TemplateRow) -> Self {
        Self {
            id: r.id.0,
            inbox_id: r.inbox_id.0,
            name: r.name,
            language: r.language,
            category: TemplateCategory::parse(&r.category).unwrap_or(TemplateCategory::Utility),
            body: r.body,
            buttons: r
                .buttons_json
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            status: TemplateStatus::parse(&r.status).unwrap_or(TemplateStatus::Pending),
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

/// A template to store: already validated by its caller.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub body: String,
    pub buttons: Vec<String>,
    pub status: TemplateStatus,
}

/// Changes to a template: already validated; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct TemplateUpdate {
    pub category: Option<TemplateCategory>,
    pub body: Option<String>,
    pub buttons: Option<Vec<String>>,
    pub status: Option<TemplateStatus>,
}

fn template_cursor(t: &Template) -> Cursor {
    Cursor {
        at_ms: ms(t.created_at),
        id: t.id,
    }
}

impl Store {
    pub async fn create_template(
        &self,
        project_id: Uuid,
        inbox_id: Uuid,
        new: NewTemplate,
    ) -> Result<Template> {
        self.inbox(project_id, inbox_id).await?;
        let template = Template {
            id: new_id(),
            inbox_id,
            name: new.name,
            language: new.language,
            category: new.category,
            body: new.body,
            buttons: new.buttons,
            status: new.status,
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO templates (id, inbox_id, name, language, category, body, buttons_json, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(template.id.to_string())
        .bind(inbox_id.to_string())
        .bind(&template.name)
        .bind(&template.language)
        .bind(template.category.as_str())
        .bind(&template.body)
        .bind(serde_json::to_string(&template.buttons).expect("strings serialise"))
        .bind(template.status.as_str())
        .bind(ms(template.created_at))
        .execute(&self.pool)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(format!(
                "the inbox already has a template {} in {}",
                template.name, template.language
            )),
            other => other,
        })?;
        Ok(template)
    }

    /// An inbox's templates; `approved_only` for what may be sent.
    pub async fn templates(
        &self,
        inbox_id: Uuid,
        approved_only: bool,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<Template>> {
        let rows: Vec<TemplateRow> = sqlx::query_as(
            "SELECT * FROM templates WHERE inbox_id = $1 AND ($2 = 0 OR status = 'approved')
               AND ($3 IS NULL OR (created_at, id) > ($4, $5))
             ORDER BY created_at, id LIMIT $6",
        )
        .bind(inbox_id.to_string())
        .bind(i64::from(approved_only))
        .bind(cursor.map(|c| c.at_ms))
        .bind(cursor.map(|c| c.at_ms))
        .bind(cursor.map(|c| c.id.to_string()))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        Ok(paginate(
            rows.into_iter().map(Into::into).collect(),
            limit,
            template_cursor,
        ))
    }

    /// A template of the project's, by id.
    pub async fn template(&self, project_id: Uuid, id: Uuid) -> Result<Template> {
        fetch_template(&self.pool, project_id, id).await
    }

    pub async fn update_template(
        &self,
        project_id: Uuid,
        id: Uuid,
        update: TemplateUpdate,
    ) -> Result<Template> {
        // Read and written under the write lock (see `update_customer`).
        let mut tx = self.write_transaction().await?;
        let mut t = fetch_template(&mut *tx, project_id, id).await?;
        if let Some(category) = update.category {
            t.category = category;
        }
        if let Some(body) = update.body {
            t.body = body;
        }
        if let Some(buttons) = update.buttons {
            t.buttons = buttons;
        }
        if let Some(status) = update.status {
            t.status = status;
        }
        sqlx::query("UPDATE templates SET category = $1, body = $2, buttons_json = $3, status = $4 WHERE id = $5")
            .bind(t.category.as_str())
            .bind(&t.body)
            .bind(serde_json::to_string(&t.buttons).expect("strings serialise"))
            .bind(t.status.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(t)
    }

    pub async fn delete_template(&self, project_id: Uuid, id: Uuid) -> Result<Template> {
        let t = self.template(project_id, id).await?;
        sqlx::query("DELETE FROM templates WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(t)
    }
}

async fn fetch_template<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    project_id: Uuid,
    id: Uuid,
) -> Result<Template> {
    let row: Option<TemplateRow> = sqlx::query_as(
        "SELECT t.* FROM templates t JOIN inboxes i ON i.id = t.inbox_id
         WHERE t.id = $1 AND i.project_id = $2",
    )
    .bind(id.to_string())
    .bind(project_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Into::into).ok_or(AppError::NotFound("template"))
}
