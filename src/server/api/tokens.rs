//! Embed tokens: minted with a scope, listed without their secret, revoked by DELETE.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;
use crate::model::OriginPattern;
use crate::model::{ChannelType, ScopeType, Theme};
use crate::server::store::{
    now, nullable, EmbedToken, EmbedTokenUpdate, NewEmbedToken, Page, TokenScope,
};

const MAX_ALLOWED_ORIGINS: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/embed_tokens", get(list).post(create))
        .route("/embed_tokens/{id}", delete(revoke).get(show).patch(update))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenInput {
    name: String,
    scope: TokenScope,
    #[serde(default)]
    assigned_user_id: Option<uuid::Uuid>,
    #[serde(default)]
    allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    theme: Option<Theme>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

/// What a PATCH may change. Scope and assignee are fixed: mint a new token instead.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenPatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    theme: Option<Theme>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    expires_at: Option<Option<DateTime<Utc>>>,
}

/// The minted token: its record, the secret (shown this once) and how to embed it.
#[derive(Debug, Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    record: EmbedToken,
    token: String,
    embed_url: String,
    iframe_html: String,
    /// The same with the host-page SDK (`/embed.js`): events and commands by postMessage.
    sdk_html: String,
}

/// Each entry parsed as an origin pattern (422 naming the first bad one), each once, in
/// the order given.
pub(super) fn check_origins(entries: Vec<String>) -> ApiResult<Vec<OriginPattern>> {
    if entries.len() > MAX_ALLOWED_ORIGINS {
        return Err(AppError::invalid(format!(
            "at most {MAX_ALLOWED_ORIGINS} allowed_origins"
        )));
    }
    let mut patterns: Vec<OriginPattern> = Vec::with_capacity(entries.len());
    for entry in &entries {
        let pattern = OriginPattern::parse(entry)
            .map_err(|e| AppError::invalid(format!("allowed_origins: {e}")))?;
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    Ok(patterns)
}

fn check_expiry(at: Option<DateTime<Utc>>) -> ApiResult<Option<DateTime<Utc>>> {
    if at.is_some_and(|at| at <= now()) {
        return Err(AppError::invalid("expires_at must be in the future"));
    }
    Ok(at)
}

async fn create(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = required_text("name", &input.name, 200)?;
    match (input.scope.scope_type, input.scope.id) {
        (ScopeType::Project, Some(_)) => {
            return Err(AppError::invalid("a project scope takes no id"))
        }
        (ScopeType::Project, None) => {}
        (_, None) => {
            return Err(AppError::invalid(format!(
                "a {} scope needs an id",
                input.scope.scope_type
            )))
        }
        (ScopeType::WhatsappConfig, Some(id)) => {
            let inbox = s.store.inbox(p.id, id).await?;
            if inbox.channel_type != ChannelType::Whatsapp {
                return Err(AppError::invalid(format!(
                    "a whatsapp_config scope needs a whatsapp inbox; this one is {}",
                    inbox.channel_type
                )));
            }
        }
        (ScopeType::Customer, Some(id)) => {
            s.store.customer(p.id, id).await?;
        }
    }
    if let Some(user_id) = input.assigned_user_id {
        s.store.user(p.id, user_id).await?;
    }
    let new = NewEmbedToken {
        name,
        scope: input.scope,
        assigned_user_id: input.assigned_user_id,
        allowed_origins: check_origins(input.allowed_origins.unwrap_or_default())?,
        theme: input.theme.unwrap_or(Theme::System),
        language: check_language(input.language.as_deref())?,
        expires_at: check_expiry(input.expires_at)?,
    };
    let (record, secret) = s.store.create_embed_token(p.id, new).await?;
    let embed_url = s.embed_url(secret.expose());
    let iframe_html = format!(
        r#"<iframe src="{embed_url}" title="Inbox" style="width:100%;height:100%;border:0" allow="clipboard-write"></iframe>"#
    );
    let sdk_html = format!(
        r#"<div id="inbox" style="height:600px"></div>
<script src="{public}/embed.js"></script>
<script>
  InboxEmbed.mount(document.getElementById("inbox"), {{
    url: "{embed_url}",
    onEvent: function (type, data) {{ console.log("inbox", type, data); }}
  }});
</script>"#,
        public = s.public_url,
    );
    Ok(created(CreatedToken {
        record,
        token: secret.expose().to_string(),
        embed_url,
        iframe_html,
        sdk_html,
    }))
}

async fn list(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<EmbedToken>>> {
    let (cursor, limit) = q.page()?;
    Ok(Json(s.store.embed_tokens(p.id, cursor, limit).await?))
}

async fn show(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<EmbedToken>> {
    Ok(Json(
        s.store
            .embed_token(p.id, path_id(&id, "embed token")?)
            .await?,
    ))
}

async fn update(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<TokenPatch>,
) -> ApiResult<Json<EmbedToken>> {
    let id = path_id(&id, "embed token")?;
    let update = EmbedTokenUpdate {
        name: patch
            .name
            .map(|n| required_text("name", &n, 200))
            .transpose()?,
        allowed_origins: patch.allowed_origins.map(check_origins).transpose()?,
        theme: patch.theme,
        language: patch
            .language
            .map(|l| check_language(Some(&l)))
            .transpose()?,
        expires_at: patch.expires_at.map(check_expiry).transpose()?,
    };
    Ok(Json(s.store.update_embed_token(p.id, id, update).await?))
}

async fn revoke(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<EmbedToken>> {
    Ok(Json(
        s.store
            .revoke_embed_token(p.id, path_id(&id, "embed token")?)
            .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(check_language(None).unwrap(), "en");
        assert_eq!(check_language(Some("es-ES")).unwrap(), "es-ES");
        assert!(check_language(Some("english")).is_err());
    }
}
