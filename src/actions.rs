//! The server functions the embed calls. Each one re-resolves the token (revocation and
//! expiry take effect at once) and re-checks every id inside the token's scope.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{ConversationPage, Filters, MessagePage, SessionView, ThreadPage};

/// Page sizes: a screenful and a half of list rows; a few screens of messages.
pub const LIST_PAGE: i64 = 40;
pub const THREAD_PAGE: i64 = 50;

/// What can go wrong for the embed, as the browser learns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum EmbedError {
    #[error("This link is not valid.")]
    InvalidToken,
    #[error("This link has expired.")]
    ExpiredToken,
    #[error("This link has been revoked.")]
    RevokedToken,
    #[error("This conversation does not exist or is not in this inbox.")]
    NotFound,
    #[error("The inbox could not be reached: {0}")]
    Unavailable(String),
}

impl EmbedError {
    pub fn is_token_error(&self) -> bool {
        matches!(
            self,
            Self::InvalidToken | Self::ExpiredToken | Self::RevokedToken
        )
    }
}

impl FromServerFnError for EmbedError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Unavailable(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod backend {
    use super::EmbedError;
    use crate::server::access::{self, Access};
    use crate::server::store::TokenRejection;
    use crate::server::{AppError, AppState};
    use axum::http::StatusCode;
    use leptos::prelude::*;

    pub fn state() -> Result<AppState, EmbedError> {
        use_context::<AppState>()
            .ok_or_else(|| EmbedError::Unavailable("server state missing".into()))
    }

    /// Records the error's status on the response (the page's, during server rendering).
    pub fn fail(error: EmbedError) -> EmbedError {
        let status = match &error {
            EmbedError::InvalidToken | EmbedError::ExpiredToken | EmbedError::RevokedToken => {
                StatusCode::UNAUTHORIZED
            }
            EmbedError::NotFound => StatusCode::NOT_FOUND,
            EmbedError::Unavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        error
    }

    pub fn internal(error: AppError) -> EmbedError {
        match error {
            AppError::NotFound(_) => fail(EmbedError::NotFound),
            other => {
                tracing::error!(error = ?other, "embed request failed");
                fail(EmbedError::Unavailable("please try again".into()))
            }
        }
    }

    pub async fn access(state: &AppState, token: &str) -> Result<Access, EmbedError> {
        let cache = use_context::<access::RequestAccess>();
        if let Some(access) = cache.as_ref().and_then(|c| c.get(token)) {
            return Ok(access);
        }
        match access::resolve(&state.store, token)
            .await
            .map_err(internal)?
        {
            Ok(access) => {
                if let Some(cache) = &cache {
                    cache.set(token, &access);
                }
                Ok(access)
            }
            Err(TokenRejection::Invalid) => Err(fail(EmbedError::InvalidToken)),
            Err(TokenRejection::Expired) => Err(fail(EmbedError::ExpiredToken)),
            Err(TokenRejection::Revoked) => Err(fail(EmbedError::RevokedToken)),
        }
    }
}

/// The token's session: theme, language, which inboxes it covers.
#[server(prefix = "/rpc")]
pub async fn load_session(token: String) -> Result<SessionView, EmbedError> {
    use backend::*;
    let state = state()?;
    let access = access(&state, &token).await?;
    let project = state
        .store
        .project(access.scope.project_id)
        .await
        .map_err(internal)?;
    let inboxes = state
        .store
        .inboxes_in_scope(&access.scope)
        .await
        .map_err(internal)?;
    let scope_label = match access.scope.kind {
        crate::model::ScopeKind::WhatsappConfig(_) => inboxes.first().map(|i| i.name.clone()),
        crate::model::ScopeKind::Customer(id) => state
            .store
            .customer(access.scope.project_id, id)
            .await
            .ok()
            .map(|c| c.name),
        crate::model::ScopeKind::Project => None,
    }
    .unwrap_or_else(|| project.name.clone());
    Ok(SessionView {
        project_name: project.name,
        scope_label,
        theme: access.theme(),
        language: access.token.language.clone(),
        inboxes,
        server_now_ms: crate::server::store::now().timestamp_millis(),
    })
}

/// A page of the conversations the token may see, filtered.
#[server(prefix = "/rpc")]
pub async fn list_conversations(
    token: String,
    filters: Filters,
    cursor: Option<String>,
) -> Result<ConversationPage, EmbedError> {
    use crate::server::store::Cursor;
    use backend::*;
    let state = state()?;
    let access = access(&state, &token).await?;
    let cursor = Cursor::decode_opt(cursor.as_deref()).map_err(internal)?;
    let page = state
        .store
        .conversation_views(&access.scope, &filters, cursor, LIST_PAGE)
        .await
        .map_err(internal)?;
    Ok(ConversationPage {
        items: page.data,
        next_cursor: page.next_cursor,
    })
}

/// A conversation in scope with its newest messages.
#[server(prefix = "/rpc")]
pub async fn load_thread(token: String, conversation_id: String) -> Result<ThreadPage, EmbedError> {
    use backend::*;
    let state = state()?;
    let access = access(&state, &token).await?;
    let conversation_id =
        Uuid::parse_str(&conversation_id).map_err(|_| fail(EmbedError::NotFound))?;
    let conversation = state
        .store
        .conversation_view(&access.scope, conversation_id)
        .await
        .map_err(internal)?;
    let page = state
        .store
        .messages(conversation.id, None, THREAD_PAGE)
        .await
        .map_err(internal)?;
    Ok(ThreadPage {
        conversation,
        messages: page.messages,
        older_cursor: page.older_cursor,
    })
}

/// The page of messages before `before` in a conversation in scope.
#[server(prefix = "/rpc")]
pub async fn older_messages(
    token: String,
    conversation_id: Uuid,
    before: String,
) -> Result<MessagePage, EmbedError> {
    use crate::server::store::Cursor;
    use backend::*;
    let state = state()?;
    let access = access(&state, &token).await?;
    let conversation = state
        .store
        .conversation_view(&access.scope, conversation_id)
        .await
        .map_err(internal)?;
    let before = Cursor::decode(&before).map_err(internal)?;
    state
        .store
        .messages(conversation.id, Some(before), THREAD_PAGE)
        .await
        .map_err(internal)
}
