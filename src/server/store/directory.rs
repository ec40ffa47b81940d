//! Projects and the things that hang off them: customers, inboxes, users, contacts.

use sqlx::FromRow;
use uuid::Uuid;

use super::*;
use crate::model::ChannelType;
use crate::server::secret::{hash_secret, hashes_match, Secret, SecretKind};

/// A newly made project with its secrets, shown once.
#[derive(Debug)]
pub struct CreatedProject {
    pub project: Project,
    pub api_key: Secret,
    pub jwt_secret: Secret,
}

#[derive(FromRow)]
struct ProjectRow {
    id: DbId,
    name: String,
    api_key_hash: String,
    created_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Self {
            id: r.id.0,
            name: r.name,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

#[derive(FromRow)]
struct CustomerRow {
    id: DbId,
    project_id: DbId,
    name: String,
    external_id: Option<String>,
    created_at: i64,
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            name: r.name,
            external_id: r.external_id,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

#[derive(FromRow)]
struct InboxRow {
    id: DbId,
    project_id: DbId,
    customer_id: Option<DbId>,
    name: String,
    channel_type: String,
    phone_number: Option<String>,
    webhook_url: Option<String>,
    webhook_secret: String,
    created_at: i64,
}

impl From<InboxRow> for Inbox {
    fn from(r: InboxRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            customer_id: r.customer_id.map(|i| i.0),
            name: r.name,
            channel_type: ChannelType::parse(&r.channel_type).unwrap_or(ChannelType::Api),
            phone_number: r.phone_number,
            webhook_url: r.webhook_url,
            webhook_secret: r.webhook_secret,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

#[derive(FromRow)]
struct UserRow {
    id: DbId,
    project_id: DbId,
    name: String,
    email: String,
    external_id: Option<String>,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            name: r.name,
            email: r.email,
            external_id: r.external_id,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

#[derive(FromRow)]
struct ContactRow {
    id: DbId,
    project_id: DbId,
    display_name: String,
    phone_number: Option<String>,
    email: Option<String>,
    identifier: Option<String>,
    created_at: i64,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            display_name: r.display_name,
            phone_number: r.phone_number,
            email: r.email,
            identifier: r.identifier,
            created_at: crate::model::from_millis(r.created_at),
        }
    }
}

/// A table listed and fetched per project, newest last, keyset-paged on (created_at, id).
trait ProjectTable: Sized {
    const TABLE: &'static str;
    const NAME: &'static str;
    type Row: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin + Into<Self>;
    fn cursor(&self) -> Cursor;
}

macro_rules! project_table {
    ($record:ty, $row:ty, $table:literal, $name:literal) => {
        impl ProjectTable for $record {
            const TABLE: &'static str = $table;
            const NAME: &'static str = $name;
            type Row = $row;
            fn cursor(&self) -> Cursor {
                Cursor {
                    at_ms: ms(self.created_at),
                    id: self.id,
                }
            }
        }
    };
}

project_table!(Customer, CustomerRow, "customers", "customer");
project_table!(Inbox, InboxRow, "inboxes", "inbox");
project_table!(User, UserRow, "users", "user");
project_table!(Contact, ContactRow, "contacts", "contact");

/// One record of a project's table, read through `conn` (the pool, or a transaction that
/// is about to change it).
async fn fetch_in_project<'c, T: ProjectTable>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    project_id: Uuid,
    id: Uuid,
) -> Result<T> {
    let sql = format!(
        "SELECT * FROM {} WHERE id = $1 AND project_id = $2",
        T::TABLE
    );
    let row: Option<T::Row> = sqlx::query_as(&sql)
        .bind(id.to_string())
        .bind(project_id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(Into::into).ok_or(AppError::NotFound(T::NAME))
}

impl Store {
    async fn get_in_project<T: ProjectTable>(&self, project_id: Uuid, id: Uuid) -> Result<T> {
        fetch_in_project(&self.pool, project_id, id).await
    }

    async fn list_in_project<T: ProjectTable>(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<T>> {
        let mut q = QueryBuilder::new(format!("SELECT * FROM {} WHERE project_id = ", T::TABLE));
        q.push_bind(project_id.to_string());
        if let Some(c) = cursor {
            q.push(" AND (created_at, id) > (")
                .push_bind(c.at_ms)
                .push(", ")
                .push_bind(c.id.to_string())
                .push(")");
        }
        q.push(" ORDER BY created_at, id LIMIT ")
            .push_bind(limit + 1);
        let rows: Vec<T::Row> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(paginate(
            rows.into_iter().map(Into::into).collect(),
            limit,
            T::cursor,
        ))
    }

    // Projects

    pub async fn create_project(&self, name: &str, is_demo: bool) -> Result<CreatedProject> {
        let api_key = Secret::generate(SecretKind::ApiKey);
        let jwt_secret = Secret::generate(SecretKind::JwtSecret);
        let project = Project {
            id: new_id(),
            name: name.to_string(),
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO projects (id, name, api_key_hash, jwt_secret, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(project.id.to_string())
        .bind(&project.name)
        .bind(api_key.hash())
        .bind(jwt_secret.expose())
        .bind(is_demo as i64)
        .bind(ms(project.created_at))
        .execute(&self.pool)
        .await?;
        Ok(CreatedProject {
            project,
            api_key,
            jwt_secret,
        })
    }

    /// The project whose API key this is, if any.
    pub async fn project_by_api_key(&self, presented: &str) -> Result<Option<Project>> {
        let hash = hash_secret(presented);
        let row: Option<ProjectRow> = sqlx::query_as(
            "SELECT id, name, api_key_hash, created_at FROM projects WHERE api_key_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .filter(|r| hashes_match(&r.api_key_hash, &hash))
            .map(Into::into))
    }

    pub async fn project(&self, id: Uuid) -> Result<Project> {
        let row: Option<ProjectRow> =
            sqlx::query_as("SELECT id, name, api_key_hash, created_at FROM projects WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Into::into).ok_or(AppError::NotFound("project"))
    }

    /// The most recent demo project, if one was seeded.
    pub async fn demo_project(&self) -> Result<Option<Project>> {
        let row: Option<ProjectRow> = sqlx::query_as(
            "SELECT id, name, api_key_hash, created_at FROM projects WHERE is_demo = 1 ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    // Customers

    pub async fn create_customer(&self, project_id: Uuid, new: NewCustomer) -> Result<Customer> {
        let customer = Customer {
            id: new_id(),
            project_id,
            name: new.name,
            external_id: new.external_id,
            created_at: now(),
        };
        sqlx::query("INSERT INTO customers (id, project_id, name, external_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(customer.id.to_string())
            .bind(project_id.to_string())
            .bind(&customer.name)
            .bind(&customer.external_id)
            .bind(ms(customer.created_at))
            .execute(&self.pool)
            .await?;
        Ok(customer)
    }

    pub async fn customer(&self, project_id: Uuid, id: Uuid) -> Result<Customer> {
        self.get_in_project(project_id, id).await
    }

    pub async fn customers(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<Customer>> {
        self.list_in_project(project_id, cursor, limit).await
    }

    pub async fn update_customer(
        &self,
        project_id: Uuid,
        id: Uuid,
        patch: CustomerPatch,
    ) -> Result<Customer> {
        // Read and written under the write lock: a concurrent change to another field is
        // not written back over.
        let mut tx = self.write_transaction().await?;
        let mut c: Customer = fetch_in_project(&mut *tx, project_id, id).await?;
        if let Some(name) = patch.name {
            c.name = name;
        }
        if let Some(external_id) = patch.external_id {
            c.external_id = external_id;
        }
        sqlx::query("UPDATE customers SET name = $1, external_id = $2 WHERE id = $3")
            .bind(&c.name)
            .bind(&c.external_id)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // A customer's name labels the embeds scoped to it.
        self.access_changed().await;
        Ok(c)
    }

    // Inboxes

    pub async fn create_inbox(&self, project_id: Uuid, new: NewInbox) -> Result<Inbox> {
        if let Some(customer_id) = new.customer_id {
            self.customer(project_id, customer_id).await?;
        }
        let inbox = Inbox {
            id: new_id(),
            project_id,
            customer_id: new.customer_id,
            name: new.name,
            channel_type: new.channel_type,
            phone_number: new.phone_number,
            webhook_url: new.webhook_url,
            webhook_secret: Secret::generate(SecretKind::WebhookSecret)
                .expose()
                .to_string(),
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO inboxes (id, project_id, customer_id, name, channel_type, phone_number, webhook_url, webhook_secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(inbox.id.to_string())
        .bind(project_id.to_string())
        .bind(inbox.customer_id.map(|id| id.to_string()))
        .bind(&inbox.name)
        .bind(inbox.channel_type.as_str())
        .bind(&inbox.phone_number)
        .bind(&inbox.webhook_url)
        .bind(&inbox.webhook_secret)
        .bind(ms(inbox.created_at))
        .execute(&self.pool)
        .await?;
        // The embeds whose scope covers it list it.
        self.access_changed().await;
        Ok(inbox)
    }

    pub async fn inbox(&self, project_id: Uuid, id: Uuid) -> Result<Inbox> {
        self.get_in_project(project_id, id).await
    }

    pub async fn inboxes(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<Inbox>> {
        self.list_in_project(project_id, cursor, limit).await
    }

    pub async fn update_inbox(
        &self,
        project_id: Uuid,
        id: Uuid,
        patch: InboxPatch,
    ) -> Result<Inbox> {
        let mut tx = self.write_transaction().await?;
        let mut inbox: Inbox = fetch_in_project(&mut *tx, project_id, id).await?;
        if let Some(Some(customer_id)) = patch.customer_id {
            fetch_in_project::<Customer>(&mut *tx, project_id, customer_id).await?;
        }
        if let Some(name) = patch.name {
            inbox.name = name;
        }
        if let Some(phone) = patch.phone_number {
            inbox.phone_number = phone;
        }
        if let Some(customer_id) = patch.customer_id {
            inbox.customer_id = customer_id;
        }
        if let Some(url) = patch.webhook_url {
            inbox.webhook_url = url;
        }
        sqlx::query("UPDATE inboxes SET name = $1, phone_number = $2, customer_id = $3, webhook_url = $4 WHERE id = $5")
            .bind(&inbox.name)
            .bind(&inbox.phone_number)
            .bind(inbox.customer_id.map(|id| id.to_string()))
            .bind(&inbox.webhook_url)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.access_changed().await;
        Ok(inbox)
    }

    /// Deletes an inbox with its conversations, messages, files and templates, revokes the
    /// embed tokens scoped to it and gives up its pending webhooks, in one transaction.
    /// Returns the uploaded files' ids, whose bytes the caller removes.
    pub async fn delete_inbox(&self, project_id: Uuid, id: Uuid) -> Result<Vec<Uuid>> {
        self.inbox(project_id, id).await?;
        let id = id.to_string();
        let mut tx = self.write_transaction().await?;
        let media: Vec<DbId> = sqlx::query_scalar(
            "SELECT id FROM media WHERE conversation_id IN (SELECT id FROM conversations WHERE inbox_id = $1)",
        )
        .bind(&id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE outbox SET gave_up_at = $1, last_error = 'the inbox was deleted', locked_until = NULL
             WHERE inbox_id = $2 AND delivered_at IS NULL AND gave_up_at IS NULL",
        )
        .bind(ms(now()))
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM watches WHERE conversation_id IN (SELECT id FROM conversations WHERE inbox_id = $1)")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM media WHERE conversation_id IN (SELECT id FROM conversations WHERE inbox_id = $1)")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE inbox_id = $1)")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM conversations WHERE inbox_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM templates WHERE inbox_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE embed_tokens SET revoked_at = $1 WHERE scope_type = 'whatsapp_config' AND scope_id = $2 AND revoked_at IS NULL",
        )
        .bind(ms(now()))
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM inboxes WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Its tokens were revoked: their open sockets close now.
        self.access_changed().await;
        Ok(media.into_iter().map(|m| m.0).collect())
    }

    // Users

    pub async fn create_user(&self, project_id: Uuid, new: NewUser) -> Result<User> {
        let user = User {
            id: new_id(),
            project_id,
            name: new.name,
            email: new.email,
            external_id: new.external_id,
            created_at: now(),
        };
        sqlx::query("INSERT INTO users (id, project_id, name, email, external_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(user.id.to_string())
            .bind(project_id.to_string())
            .bind(&user.name)
            .bind(&user.email)
            .bind(&user.external_id)
            .bind(ms(user.created_at))
            .execute(&self.pool)
            .await?;
        Ok(user)
    }

    pub async fn user(&self, project_id: Uuid, id: Uuid) -> Result<User> {
        self.get_in_project(project_id, id).await
    }

    pub async fn users(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<User>> {
        self.list_in_project(project_id, cursor, limit).await
    }

    pub async fn update_user(&self, project_id: Uuid, id: Uuid, patch: UserPatch) -> Result<User> {
        let mut tx = self.write_transaction().await?;
        let mut user: User = fetch_in_project(&mut *tx, project_id, id).await?;
        if let Some(name) = patch.name {
            user.name = name;
        }
        if let Some(email) = patch.email {
            user.email = email;
        }
        if let Some(external_id) = patch.external_id {
            user.external_id = external_id;
        }
        sqlx::query("UPDATE users SET name = $1, email = $2, external_id = $3 WHERE id = $4")
            .bind(&user.name)
            .bind(&user.email)
            .bind(&user.external_id)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // An agent JWT finds its user by `external_id`.
        self.access_changed().await;
        Ok(user)
    }

    // Contacts

    pub async fn create_contact(&self, project_id: Uuid, new: NewContact) -> Result<Contact> {
        let contact = Contact {
            id: new_id(),
            project_id,
            display_name: new.display_name,
            phone_number: new.phone_number,
            email: new.email,
            identifier: new.identifier,
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO contacts (id, project_id, display_name, phone_number, email, identifier, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(contact.id.to_string())
        .bind(project_id.to_string())
        .bind(&contact.display_name)
        .bind(&contact.phone_number)
        .bind(&contact.email)
        .bind(&contact.identifier)
        .bind(ms(contact.created_at))
        .execute(&self.pool)
        .await?;
        Ok(contact)
    }

    pub async fn contact(&self, project_id: Uuid, id: Uuid) -> Result<Contact> {
        self.get_in_project(project_id, id).await
    }

    pub async fn contacts(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<Contact>> {
        self.list_in_project(project_id, cursor, limit).await
    }

    pub async fn update_contact(
        &self,
        project_id: Uuid,
        id: Uuid,
        patch: ContactPatch,
    ) -> Result<Contact> {
        let mut tx = self.write_transaction().await?;
        let mut c: Contact = fetch_in_project(&mut *tx, project_id, id).await?;
        if let Some(name) = patch.display_name {
            c.display_name = name;
        }
        if let Some(phone) = patch.phone_number {
            c.phone_number = phone;
        }
        if let Some(email) = patch.email {
            c.email = email;
        }
        if let Some(identifier) = patch.identifier {
            c.identifier = identifier;
        }
        sqlx::query("UPDATE contacts SET display_name = $1, phone_number = $2, email = $3, identifier = $4 WHERE id = $5")
            .bind(&c.display_name)
            .bind(&c.phone_number)
            .bind(&c.email)
            .bind(&c.identifier)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        // Every conversation with this contact shows the new name and number.
        let conversations: Vec<DbId> =
            sqlx::query_scalar("SELECT id FROM conversations WHERE contact_id = $1")
                .bind(id.to_string())
                .fetch_all(&mut *tx)
                .await?;
        for conversation_id in &conversations {
            events::append(
                &mut tx,
                conversation_id.0,
                &[events::Change::Conversation(
                    crate::model::EventType::ConversationUpdated,
                    None,
                )],
            )
            .await?;
        }
        tx.commit().await?;
        self.events_appended();
        Ok(c)
    }
}
