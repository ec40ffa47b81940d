//! Embed tokens: minted once, stored hashed, resolved to a scope on every request.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::*;
use crate::model::{OriginPattern, Scope, ScopeKind, ScopeType, Theme};
use crate::server::secret::{
    hash_secret, hashes_match, looks_like_embed_token, Secret, SecretKind,
};

#[derive(FromRow)]
struct TokenRow {
    id: DbId,
    project_id: DbId,
    name: String,
    token_hash: String,
    scope_type: String,
    scope_id: Option<DbId>,
    assigned_user_id: Option<DbId>,
    allowed_origins_json: String,
    theme: String,
    language: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for EmbedToken {
    fn from(r: TokenRow) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            name: r.name,
            scope: TokenScope {
                scope_type: ScopeType::parse(&r.scope_type).unwrap_or(ScopeType::Project),
                id: r.scope_id.map(|i| i.0),
            },
            assigned_user_id: r.assigned_user_id.map(|i| i.0),
            allowed_origins: decode_origins(&r.id.0.to_string(), &r.allowed_origins_json),
            theme: Theme::parse(&r.theme).unwrap_or(Theme::System),
            language: r.language,
            expires_at: r.expires_at.map(crate::model::from_millis),
            revoked_at: r.revoked_at.map(crate::model::from_millis),
            created_at: crate::model::from_millis(r.created_at),
            last_used_at: r.last_used_at.map(crate::model::from_millis),
        }
    }
}

/// The stored list, each entry parsed again. An entry that no longer parses becomes a
/// pattern that matches nothing, so a damaged list never widens to "any origin".
pub(super) fn decode_origins(token_id: &str, json: &str) -> Vec<OriginPattern> {
    let entries: Vec<String> = serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::error!(token_id, error = %e, "unreadable allowed_origins");
        vec![String::new()]
    });
    entries
        .iter()
        .map(|entry| {
            OriginPattern::parse(entry).unwrap_or_else(|e| {
                tracing::error!(token_id, error = %e, "stored allowed origin refused");
                OriginPattern::parse("https://refused.invalid").expect("a valid pattern")
            })
        })
        .collect()
}

/// Why a presented token opens nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Unknown or malformed.
    Invalid,
    Expired,
    Revoked,
}

impl EmbedToken {
    /// The scope this token grants.
    pub fn scope(&self) -> Scope {
        let kind = match (self.scope.scope_type, self.scope.id) {
            (ScopeType::WhatsappConfig, Some(id)) => ScopeKind::WhatsappConfig(id),
            (ScopeType::Customer, Some(id)) => ScopeKind::Customer(id),
            _ => ScopeKind::Project,
        };
        Scope {
            project_id: self.project_id,
            kind,
            assigned_user_id: self.assigned_user_id,
        }
    }

    pub fn check_usable(&self, at: DateTime<Utc>) -> std::result::Result<(), TokenRejection> {
        if self.revoked_at.is_some() {
            Err(TokenRejection::Revoked)
        } else if self.expires_at.is_some_and(|e| e <= at) {
            Err(TokenRejection::Expired)
        } else {
            Ok(())
        }
    }
}

/// `last_used_at` is written at most this often per token, to keep reads cheap.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

fn token_cursor(t: &EmbedToken) -> Cursor {
    Cursor {
        at_ms: ms(t.created_at),
        id: t.id,
    }
}

impl Store {
    /// Mints a token; the secret is returned once and only its hash is kept.
    pub async fn create_embed_token(
        &self,
        project_id: Uuid,
        new: NewEmbedToken,
    ) -> Result<(EmbedToken, Secret)> {
        let secret = Secret::generate(SecretKind::EmbedToken);
        let token = EmbedToken {
            id: new_id(),
            project_id,
            name: new.name,
            scope: new.scope,
            assigned_user_id: new.assigned_user_id,
            allowed_origins: new.allowed_origins,
            theme: new.theme,
            language: new.language,
            expires_at: new.expires_at.map(|at| crate::model::from_millis(ms(at))),
            revoked_at: None,
            created_at: now(),
            last_used_at: None,
        };
        sqlx::query(
            "INSERT INTO embed_tokens (id, project_id, name, token_hash, scope_type, scope_id, assigned_user_id,
                allowed_origins_json, theme, language, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(token.id.to_string())
        .bind(project_id.to_string())
        .bind(&token.name)
        .bind(secret.hash())
        .bind(token.scope.scope_type.as_str())
        .bind(token.scope.id.map(|id| id.to_string()))
        .bind(token.assigned_user_id.map(|id| id.to_string()))
        .bind(serde_json::to_string(&token.allowed_origins).expect("strings serialise"))
        .bind(token.theme.as_str())
        .bind(&token.language)
        .bind(token.expires_at.map(ms))
        .bind(ms(token.created_at))
        .execute(&self.pool)
        .await?;
        Ok((token, secret))
    }

    pub async fn embed_tokens(
        &self,
        project_id: Uuid,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<EmbedToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT * FROM embed_tokens WHERE project_id = $1 AND ($2 IS NULL OR (created_at, id) > ($3, $4))
             ORDER BY created_at, id LIMIT $5",
        )
        .bind(project_id.to_string())
        .bind(cursor.map(|c| c.at_ms))
        .bind(cursor.map(|c| c.at_ms))
        .bind(cursor.map(|c| c.id.to_string()))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        Ok(paginate(
            rows.into_iter().map(Into::into).collect(),
            limit,
            token_cursor,
        ))
    }

    pub async fn embed_token(&self, project_id: Uuid, id: Uuid) -> Result<EmbedToken> {
        let row: Option<TokenRow> =
            sqlx::query_as("SELECT * FROM embed_tokens WHERE id = $1 AND project_id = $2")
                .bind(id.to_string())
                .bind(project_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Into::into).ok_or(AppError::NotFound("embed token"))
    }

    /// Changes a token's settings; `None` leaves a field as it is. Takes effect on the
    /// token's next request.
    pub async fn update_embed_token(
        &self,
        project_id: Uuid,
        id: Uuid,
        update: EmbedTokenUpdate,
    ) -> Result<EmbedToken> {
        self.embed_token(project_id, id).await?;
        sqlx::query(
            "UPDATE embed_tokens SET
                name = coalesce($1, name),
                allowed_origins_json = coalesce($2, allowed_origins_json),
                theme = coalesce($3, theme),
                language = coalesce($4, language),
                expires_at = CASE WHEN $5 THEN $6 ELSE expires_at END
             WHERE id = $7",
        )
        .bind(update.name)
        .bind(
            update
                .allowed_origins
                .map(|o| serde_json::to_string(&o).expect("patterns serialise")),
        )
        .bind(update.theme.map(|t| t.as_str()))
        .bind(update.language)
        .bind(update.expires_at.is_some())
        .bind(update.expires_at.flatten().map(ms))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        self.access_changed().await;
        self.embed_token(project_id, id).await
    }

    /// Revokes a token; revoking twice keeps the first instant.
    pub async fn revoke_embed_token(&self, project_id: Uuid, id: Uuid) -> Result<EmbedToken> {
        self.embed_token(project_id, id).await?;
        sqlx::query("UPDATE embed_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2")
            .bind(ms(now()))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        self.access_changed().await;
        self.embed_token(project_id, id).await
    }

    /// Tokens by id, from any project: the live hub checks its open sockets' tokens.
    pub async fn embed_tokens_by_id(&self, ids: &[Uuid]) -> Result<Vec<EmbedToken>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut q = QueryBuilder::new("SELECT * FROM embed_tokens WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(id.to_string());
            }
            q.push(")");
            let rows: Vec<TokenRow> = q.build_query_as().fetch_all(&self.pool).await?;
            out.extend(rows.into_iter().map(EmbedToken::from));
        }
        Ok(out)
    }

    /// The token a presented secret names, if it may be used now.
    pub async fn resolve_embed_token(
        &self,
        presented: &str,
    ) -> Result<std::result::Result<EmbedToken, TokenRejection>> {
        if !looks_like_embed_token(presented) {
            return Ok(Err(TokenRejection::Invalid));
        }
        let hash = hash_secret(presented);
        let row: Option<TokenRow> =
            sqlx::query_as("SELECT * FROM embed_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row.filter(|r| hashes_match(&r.token_hash, &hash)) else {
            return Ok(Err(TokenRejection::Invalid));
        };
        let token = EmbedToken::from(row);
        let at = now();
        if let Err(rejection) = token.check_usable(at) {
            return Ok(Err(rejection));
        }
        if token
            .last_used_at
            .is_none_or(|used| ms(at) - ms(used) >= LAST_USED_GRANULARITY_MS)
        {
            sqlx::query("UPDATE embed_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(ms(at))
                .bind(token.id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(Ok(token))
    }
}
