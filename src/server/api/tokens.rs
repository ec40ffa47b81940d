//! Embed tokens: minted with a scope, listed without their secret, revoked by DELETE.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;
use crate::model::{ChannelType, ScopeType, Theme};
use crate::server::store::{now, EmbedToken, NewEmbedToken, Page, TokenScope};

const MAX_ALLOWED_ORIGINS: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/embed_tokens", get(list).post(create))
        .route("/embed_tokens/{id}", delete(revoke).get(show))
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

/// The minted token: its record, the secret (shown this once) and how to embed it.
#[derive(Debug, Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    record: EmbedToken,
    token: String,
    embed_url: String,
    iframe_html: String,
}

/// `scheme://host[:port]`, optionally `*.`-prefixed host: the shape a frame ancestor has.
fn check_origin(raw: &str) -> ApiResult<String> {
    let bad = || {
        AppError::invalid(format!(
            "allowed_origins: \"{}\" is not an origin like https://app.example.com",
            raw.trim()
        ))
    };
    // Schemes and host names are case-insensitive: compare and keep them lowercase.
    let origin = raw.trim().to_ascii_lowercase();
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(origin)
    } else {
        Err(bad())
    }
}

fn check_language(language: Option<&str>) -> ApiResult<String> {
    let language = language
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("en");
    let (base, region) = language.split_once('-').unwrap_or((language, ""));
    let ok = (2..=3).contains(&base.len())
        && base.bytes().all(|b| b.is_ascii_lowercase())
        && (region.is_empty()
            || (region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase())));
    if ok {
        Ok(language.to_string())
    } else {
        Err(AppError::invalid(
            "language must be a language tag like en or es-ES",
        ))
    }
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
    let origins = input.allowed_origins.unwrap_or_default();
    if origins.len() > MAX_ALLOWED_ORIGINS {
        return Err(AppError::invalid(format!(
            "at most {MAX_ALLOWED_ORIGINS} allowed_origins"
        )));
    }
    let mut allowed_origins = origins
        .iter()
        .map(|o| check_origin(o))
        .collect::<ApiResult<Vec<_>>>()?;
    // Each origin once, in the order given.
    let mut seen = std::collections::HashSet::new();
    allowed_origins.retain(|o| seen.insert(o.clone()));
    if input.expires_at.is_some_and(|at| at <= now()) {
        return Err(AppError::invalid("expires_at must be in the future"));
    }
    let new = NewEmbedToken {
        name,
        scope: input.scope,
        assigned_user_id: input.assigned_user_id,
        allowed_origins,
        theme: input.theme.unwrap_or(Theme::System),
        language: check_language(input.language.as_deref())?,
        expires_at: input.expires_at,
    };
    let (record, secret) = s.store.create_embed_token(p.id, new).await?;
    let embed_url = s.embed_url(secret.expose());
    let iframe_html = format!(
        r#"<iframe src="{embed_url}" title="Inbox" style="width:100%;height:100%;border:0" allow="clipboard-write"></iframe>"#
    );
    Ok(created(CreatedToken {
        record,
        token: secret.expose().to_string(),
        embed_url,
        iframe_html,
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
    fn origins() {
        for ok in [
            "https://app.example.com",
            "http://localhost:3000",
            "https://*.example.com",
            "HTTPS://A.B",
        ] {
            assert!(check_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "example.com",
            "https://",
            "https://a.com/path",
            "https://*",
            "ftp://a.com",
            "https://a.*.com",
            "https://a.com:0",
            "https://a b.com",
            "https://a.com;x",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages() {
        assert_eq!(check_language(None).unwrap(), "en");
        assert_eq!(check_language(Some("es-ES")).unwrap(), "es-ES");
        assert!(check_language(Some("english")).is_err());
    }
}
