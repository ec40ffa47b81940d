//! Agents signed in by JWT (§7): the project's JWT settings, the agent's user row, and the
//! conversations each agent watches.

use std::collections::HashMap;

use uuid::Uuid;

use super::tokens::decode_origins;
use super::*;
use crate::model::{ChannelType, OriginPattern, ScopeKind};
use crate::server::secret::{hash_secret, Secret, SecretKind};

/// What verifying a project's JWTs needs.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub project_id: Uuid,
    pub secret: String,
    /// Origins that may frame JWT embeds and talk to them; empty admits any.
    pub allowed_origins: Vec<OriginPattern>,
    /// Names the secret without holding it: a socket remembers which secret admitted it.
    pub secret_tag: String,
}

/// The agent a JWT names, as stored.
#[derive(Debug, Clone)]
pub struct AgentIdentity {
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    pub issuer: Option<String>,
}

/// `last_seen_at` is written at most this often per agent.
const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;

impl Store {
    /// The project that owns a JWT's scope claim, with its JWT settings, or `None` when
    /// the claim names nothing (a `whatsapp_config_id` must be a WhatsApp inbox).
    pub async fn jwt_settings_for(
        &self,
        scope: ScopeKind,
        project_id: Option<Uuid>,
    ) -> Result<Option<JwtSettings>> {
        let project_id = match scope {
            ScopeKind::Project => project_id.map(|id| id.to_string()),
            ScopeKind::WhatsappConfig(inbox_id) => {
                let row: Option<(String, String)> =
                    sqlx::query_as("SELECT project_id, channel_type FROM inboxes WHERE id = $1")
                        .bind(inbox_id.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                row.filter(|(_, channel)| channel == ChannelType::Whatsapp.as_str())
                    .map(|(project, _)| project)
            }
            ScopeKind::Customer(customer_id) => {
                sqlx::query_scalar("SELECT project_id FROM customers WHERE id = $1")
                    .bind(customer_id.to_string())
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        let Some(project_id) = project_id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            return Ok(None);
        };
        Ok(self.jwt_settings(&[project_id]).await?.remove(&project_id))
    }

    /// Each project's JWT settings (for open sockets' rechecks and the API).
    pub async fn jwt_settings(&self, project_ids: &[Uuid]) -> Result<HashMap<Uuid, JwtSettings>> {
        let mut out = HashMap::with_capacity(project_ids.len());
        for chunk in project_ids.chunks(500) {
            let mut q = QueryBuilder::new(
                "SELECT id, jwt_secret, jwt_allowed_origins_json FROM projects WHERE id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(id.to_string());
            }
            q.push(")");
            let rows: Vec<(DbId, String, String)> =
                q.build_query_as().fetch_all(&self.pool).await?;
            for (id, secret, origins) in rows {
                let settings = JwtSettings {
                    project_id: id.0,
                    secret_tag: hash_secret(&secret),
                    secret,
                    allowed_origins: decode_origins(&id.0.to_string(), &origins),
                };
                out.insert(settings.project_id, settings);
            }
        }
        Ok(out)
    }

    /// Replaces the project's JWT secret: JWTs signed with the old one stop working, open
    /// JWT sockets included. Returns the new secret (shown once).
    pub async fn rotate_jwt_secret(&self, project_id: Uuid) -> Result<Secret> {
        let secret = Secret::generate(SecretKind::JwtSecret);
        sqlx::query("UPDATE projects SET jwt_secret = $1 WHERE id = $2")
            .bind(secret.expose())
            .bind(project_id.to_string())
            .execute(&self.pool)
            .await?;
        self.access_changed().await;
        Ok(secret)
    }

    /// Replaces the origins allowed for the project's JWT embeds; open JWT sockets are
    /// checked again at once.
    pub async fn set_jwt_allowed_origins(
        &self,
        project_id: Uuid,
        origins: &[OriginPattern],
    ) -> Result<()> {
        sqlx::query("UPDATE projects SET jwt_allowed_origins_json = $1 WHERE id = $2")
            .bind(serde_json::to_string(origins).expect("patterns serialise"))
            .bind(project_id.to_string())
            .execute(&self.pool)
            .await?;
        self.access_changed().await;
        Ok(())
    }

    /// The project user an agent JWT names (by `external_id`), made on its first visit;
    /// its name, email and issuer follow the latest JWT.
    pub async fn agent_user(&self, project_id: Uuid, agent: &AgentIdentity) -> Result<Uuid> {
        let at = ms(now());
        let email = agent.email.clone().unwrap_or_default();
        let find = "SELECT id, name, email, jwt_issuer, last_seen_at FROM users
             WHERE project_id = $1 AND external_id = $2 ORDER BY created_at, id LIMIT 1";
        type Found = (DbId, String, String, Option<String>, Option<i64>);
        let fresh = |row: &Found| {
            row.1 == agent.name
                && (email.is_empty() || row.2 == email)
                && row.3 == agent.issuer
                && row
                    .4
                    .is_some_and(|seen| at - seen < LAST_SEEN_GRANULARITY_MS)
        };
        let found: Option<Found> = sqlx::query_as(find)
            .bind(project_id.to_string())
            .bind(&agent.external_id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = &found {
            if fresh(row) {
                return Ok(row.0 .0);
            }
        }
        // Under the write lock, so two first visits make one user.
        let mut tx = self.write_transaction().await?;
        let found: Option<Found> = sqlx::query_as(find)
            .bind(project_id.to_string())
            .bind(&agent.external_id)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match found {
            Some((DbId(id), ..)) => {
                sqlx::query(
                    "UPDATE users SET name = $1, email = coalesce(nullif($2, ''), email), jwt_issuer = $3,
                        last_seen_at = $4 WHERE id = $5",
                )
                .bind(&agent.name)
                .bind(&email)
                .bind(&agent.issuer)
                .bind(at)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO users (id, project_id, name, email, external_id, jwt_issuer, last_seen_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.to_string())
                .bind(project_id.to_string())
                .bind(&agent.name)
                .bind(&email)
                .bind(&agent.external_id)
                .bind(&agent.issuer)
                .bind(at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Starts or stops watching a conversation; idempotent.
    pub async fn set_watch(
        &self,
        user_id: Uuid,
        conversation_id: Uuid,
        watched: bool,
    ) -> Result<()> {
        let q = if watched {
            sqlx::query(
                "INSERT INTO watches (user_id, conversation_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, conversation_id) DO NOTHING",
            )
        } else {
            sqlx::query("DELETE FROM watches WHERE user_id = $1 AND conversation_id = $2")
        };
        let q = q
            .bind(user_id.to_string())
            .bind(conversation_id.to_string());
        let q = if watched { q.bind(ms(now())) } else { q };
        q.execute(&self.pool).await?;
        Ok(())
    }
}
