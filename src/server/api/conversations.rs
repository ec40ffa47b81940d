//! Conversations and their messages.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::*;
use crate::model::{
    ConversationView, Direction, Filters, Interactive, Location, Media, Message, MessageKind,
    MessageStatus, Scope, ScopeKind, Sender, SenderType, StatusFilter, TemplateRef,
};
use crate::server::store::{
    now, Actor, Conversation, ConversationPatch, NewConversation, NewMessage, Page, Stored,
};

/// WhatsApp's limit on a text message body.
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// How far in the future a message's `created_at` may be (clock skew).
const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list).post(create))
        .route("/conversations/{id}", get(show).patch(update))
        .route(
            "/conversations/{id}/messages",
            get(list_messages).post(create_message),
        )
        .route("/messages/{id}", get(show_message).patch(receipt))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptInput {
    status: MessageStatus,
    #[serde(default)]
    error: Option<String>,
}

async fn show_message(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Message>> {
    Ok(Json(s.store.message(p.id, path_id(&id, "message")?).await?))
}

/// A delivery receipt from the channel: moves the status forward, ignores a late one.
async fn receipt(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReceiptInput>,
) -> ApiResult<Json<Message>> {
    let id = path_id(&id, "message")?;
    let error = optional_text("error", input.error.as_deref(), 1000)?;
    if error.is_some() && input.status != MessageStatus::Failed {
        return Err(AppError::invalid("error goes only with status failed"));
    }
    let (message, _) = s.store.apply_receipt(p.id, id, input.status, error).await?;
    Ok(Json(message))
}

fn project_scope(project_id: uuid::Uuid) -> Scope {
    Scope {
        project_id,
        kind: ScopeKind::Project,
        assigned_user_id: None,
    }
}

fn from_view(project_id: uuid::Uuid, v: ConversationView) -> Conversation {
    Conversation {
        id: v.id,
        project_id,
        inbox_id: v.inbox_id,
        contact_id: v.contact.id,
        status: v.status,
        handoff: v.handoff,
        assigned_user_id: v.assigned_user_id,
        unread_count: v.unread_count,
        last_message_at: v.last_message_at,
        created_at: v.created_at,
    }
}

async fn create(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiJson(new): ApiJson<NewConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    Ok(created(s.store.create_conversation(p.id, new).await?))
}

/// The §3 filters, strictly: an API caller hears about a value it got wrong.
fn strict_filters(query: &HashMap<String, String>) -> ApiResult<Filters> {
    let get = |k: &str| query.get(k).map(String::as_str);
    if let Some(status) = get("status") {
        if StatusFilter::parse(status).is_none() {
            return Err(AppError::invalid(
                "status must be one of active, ended, all",
            ));
        }
    }
    if let Some(id) = get("whatsapp_config_id") {
        if id != "all" && uuid::Uuid::parse_str(id).is_err() {
            return Err(AppError::invalid(
                "whatsapp_config_id must be an inbox id or \"all\"",
            ));
        }
    }
    for flag in ["unread", "handoff"] {
        if let Some(v) = get(flag) {
            if !["1", "true", "0", "false"].contains(&v) {
                return Err(AppError::invalid(format!(
                    "{flag} must be 1, true, 0 or false"
                )));
            }
        }
    }
    Ok(Filters::from_query(get))
}

async fn list(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(query): ApiQuery<HashMap<String, String>>,
) -> ApiResult<Json<Page<Conversation>>> {
    let filters = strict_filters(&query)?;
    let limit = query
        .get("limit")
        .map(|l| l.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::BadRequest("limit must be a number".into()))?;
    let (cursor, limit) = ListQuery {
        limit,
        cursor: query.get("cursor").cloned(),
    }
    .page()?;
    let page = s
        .store
        .conversation_views(&project_scope(p.id), &filters, None, cursor, limit)
        .await?;
    Ok(Json(Page {
        data: page.data.into_iter().map(|v| from_view(p.id, v)).collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn show(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        s.store
            .conversation(p.id, path_id(&id, "conversation")?)
            .await?,
    ))
}

async fn update(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ConversationPatch>,
) -> ApiResult<Json<Conversation>> {
    let id = path_id(&id, "conversation")?;
    Ok(Json(
        s.store
            .update_conversation(p.id, id, patch, Actor::Api)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SenderInput {
    #[serde(rename = "type")]
    sender_type: Option<SenderType>,
    name: Option<String>,
    external_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageInput {
    direction: Direction,
    #[serde(default)]
    kind: Option<MessageKind>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    media: Option<Media>,
    #[serde(default)]
    interactive: Option<Interactive>,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    template: Option<TemplateRef>,
    #[serde(default)]
    sender: Option<SenderInput>,
    #[serde(default)]
    status: Option<MessageStatus>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

fn media_matches(kind: MessageKind, mime: &str) -> bool {
    match kind {
        MessageKind::Image => mime.starts_with("image/"),
        MessageKind::Video => mime.starts_with("video/"),
        MessageKind::Audio => mime.starts_with("audio/"),
        _ => true,
    }
}

/// Checks a message against its kind: each kind carries the part it needs.
fn validate_message(input: MessageInput, contact_name: &str) -> ApiResult<NewMessage> {
    let kind = input.kind.unwrap_or(MessageKind::Text);
    let content = input.content.unwrap_or_default();
    if content.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(format!(
            "content is longer than {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let content = content.trim().to_string();
    let missing = |part: &str| AppError::invalid(format!("a {kind} message needs \"{part}\""));
    let stray =
        |part: &str| AppError::invalid(format!("\"{part}\" does not belong in a {kind} message"));
    match kind {
        MessageKind::Text if content.is_empty() => {
            return Err(AppError::invalid("a text message needs content"))
        }
        k if k.has_media() => {
            let media = input.media.as_ref().ok_or_else(|| missing("media"))?;
            if media.id.is_some() {
                return Err(AppError::invalid(
                    "media.id names a file uploaded to this server; give media.url instead",
                ));
            }
            http_url("media.url", Some(&media.url))?;
            let mime = media.mime_type.trim();
            if !mime.contains('/') || !media_matches(kind, mime) {
                return Err(AppError::invalid(format!(
                    "media.mime_type \"{mime}\" does not fit a {kind} message"
                )));
            }
            if media.size.is_some_and(|size| size < 0) {
                return Err(AppError::invalid("media.size must not be negative"));
            }
        }
        MessageKind::Location => {
            let l = input.location.as_ref().ok_or_else(|| missing("location"))?;
            if !(-90.0..=90.0).contains(&l.latitude) || !(-180.0..=180.0).contains(&l.longitude) {
                return Err(AppError::invalid(
                    "location latitude must be within ±90 and longitude within ±180",
                ));
            }
        }
        MessageKind::Interactive => {
            let i = input
                .interactive
                .as_ref()
                .ok_or_else(|| missing("interactive"))?;
            i.validate().map_err(AppError::Unprocessable)?;
        }
        MessageKind::Template => {
            let t = input.template.as_ref().ok_or_else(|| missing("template"))?;
            required_text("template.name", &t.name, 512)?;
        }
        _ => {}
    }
    if input.media.is_some() && !kind.has_media() {
        return Err(stray("media"));
    }
    if input.location.is_some() && kind != MessageKind::Location {
        return Err(stray("location"));
    }
    if input.interactive.is_some() && kind != MessageKind::Interactive {
        return Err(stray("interactive"));
    }
    if input.template.is_some() && kind != MessageKind::Template {
        return Err(stray("template"));
    }
    if let Some(at) = input.created_at {
        if at > now() + chrono::Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            return Err(AppError::invalid("created_at must not be in the future"));
        }
    }
    let client_id = optional_text("client_id", input.client_id.as_deref(), 128)?;
    let sender = input.sender.unwrap_or(SenderInput {
        sender_type: None,
        name: None,
        external_id: None,
    });
    let default_type = match input.direction {
        Direction::Incoming => SenderType::Contact,
        Direction::Outgoing => SenderType::Bot,
    };
    let sender_type = sender.sender_type.unwrap_or(default_type);
    let default_name = match sender_type {
        SenderType::Contact => contact_name,
        SenderType::Agent => "Agent",
        SenderType::Bot => "Bot",
    };
    let default_status = match input.direction {
        Direction::Incoming => MessageStatus::Delivered,
        Direction::Outgoing => MessageStatus::Sent,
    };
    Ok(NewMessage {
        direction: input.direction,
        kind,
        content,
        media: input.media,
        interactive: input.interactive,
        location: input.location,
        template: input.template,
        sender: Sender {
            sender_type,
            name: optional_text("sender.name", sender.name.as_deref(), 200)?
                .unwrap_or_else(|| default_name.to_string()),
            external_id: optional_text("sender.external_id", sender.external_id.as_deref(), 255)?,
        },
        status: input.status.unwrap_or(default_status),
        client_id,
        created_at: input.created_at,
        // The host's backend wrote it: it knows already.
        notify: false,
    })
}

async fn create_message(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let conversation = s
        .store
        .conversation(p.id, path_id(&id, "conversation")?)
        .await?;
    let contact = s.store.contact(p.id, conversation.contact_id).await?;
    let new = validate_message(input, &contact.display_name)?;
    Ok(match s.store.create_message(&conversation, new).await? {
        Stored::Created(m) => (StatusCode::CREATED, Json(m)),
        Stored::Existing(m) => (StatusCode::OK, Json(m)),
    })
}

/// A page of the thread, oldest first within the page; `next_cursor` reaches further back.
async fn list_messages(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Message>>> {
    let conversation = s
        .store
        .conversation(p.id, path_id(&id, "conversation")?)
        .await?;
    let (cursor, limit) = q.page()?;
    let page = s.store.messages(conversation.id, cursor, limit).await?;
    Ok(Json(Page {
        data: page.messages,
        next_cursor: page.older_cursor,
    }))
}
