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
    #[error("This inbox cannot be opened from this site.")]
    ForeignOrigin,
    #[error("Too many failed attempts from this network. Try again in {0} seconds.")]
    TooManyAttempts(u64),
    #[error("The request was too large.")]
    TooLarge,
    #[error("The inbox could not be reached: {0}")]
    Unavailable(String),
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
    use crate::server::access::{self, Access, RequestAccess};
    use crate::server::store::{Store, TokenRejection};
    use crate::server::{AppError, AppState};
    use axum::http::request::Parts;
    use axum::http::{HeaderMap, StatusCode};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    /// What a server function needs from its request, taken from the reactive context
    /// before its first `.await` (the context may be gone by the time it resumes).
    pub struct Request {
        state: AppState,
        response: Option<ResponseOptions>,
        cache: RequestAccess,
        headers: HeaderMap,
    }

    impl Request {
        pub fn new() -> Result<Self, EmbedError> {
            let parts = use_context::<Parts>();
            Ok(Self {
                state: use_context::<AppState>()
                    .ok_or_else(|| EmbedError::Unavailable("server state missing".into()))?,
                response: use_context::<ResponseOptions>(),
                // Left by the security layer when the page's path held the token.
                cache: parts
                    .as_ref()
                    .and_then(|p| p.extensions.get::<RequestAccess>().cloned())
                    .unwrap_or_default(),
                headers: parts.map(|p| p.headers).unwrap_or_default(),
            })
        }

        pub fn store(&self) -> &Store {
            &self.state.store
        }

        /// Records the error's status on the response (the page's, during server rendering).
        pub fn fail(&self, error: EmbedError) -> EmbedError {
            let status = match &error {
                EmbedError::InvalidToken | EmbedError::ExpiredToken | EmbedError::RevokedToken => {
                    StatusCode::UNAUTHORIZED
                }
                EmbedError::NotFound => StatusCode::NOT_FOUND,
                EmbedError::ForeignOrigin => StatusCode::FORBIDDEN,
                EmbedError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
                EmbedError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                EmbedError::Unavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if let Some(response) = &self.response {
                response.set_status(status);
            }
            error
        }

        pub fn internal(&self, error: AppError) -> EmbedError {
            match error {
                AppError::NotFound(_) => self.fail(EmbedError::NotFound),
                other => {
                    tracing::error!(error = ?other, "embed request failed");
                    self.fail(EmbedError::Unavailable("please try again".into()))
                }
            }
        }

        /// The token's access, resolved once per HTTP request, and the origin gate: a
        /// request from a browser page that is neither this server's nor allowed by the
        /// token is refused.
        pub async fn access(&self, token: &str) -> Result<Access, EmbedError> {
            let resolution = match self.cache.get(token) {
                Some(resolution) => resolution,
                None => {
                    let resolution = access::resolve(self.store(), token)
                        .await
                        .map_err(|e| self.internal(e))?;
                    self.cache.set(token, &resolution);
                    resolution
                }
            };
            match resolution {
                Ok(access) => {
                    if self
                        .state
                        .guard
                        .admits(&self.headers, &access.token.allowed_origins)
                    {
                        Ok(access)
                    } else {
                        Err(self.fail(EmbedError::ForeignOrigin))
                    }
                }
                Err(TokenRejection::Invalid) => Err(self.fail(EmbedError::InvalidToken)),
                Err(TokenRejection::Expired) => Err(self.fail(EmbedError::ExpiredToken)),
                Err(TokenRejection::Revoked) => Err(self.fail(EmbedError::RevokedToken)),
            }
        }
    }
}

/// The token's session: theme, language, which inboxes it covers.
#[server(prefix = "/rpc", endpoint = "load_session")]
pub async fn load_session(token: String) -> Result<SessionView, EmbedError> {
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    let project = req
        .store()
        .project(access.scope.project_id)
        .await
        .map_err(|e| req.internal(e))?;
    let inboxes = req
        .store()
        .inboxes_in_scope(&access.scope)
        .await
        .map_err(|e| req.internal(e))?;
    let scope_label = match access.scope.kind {
        crate::model::ScopeKind::WhatsappConfig(_) => inboxes.first().map(|i| i.name.clone()),
        crate::model::ScopeKind::Customer(id) => req
            .store()
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
#[server(prefix = "/rpc", endpoint = "list_conversations")]
pub async fn list_conversations(
    token: String,
    filters: Filters,
    cursor: Option<String>,
) -> Result<ConversationPage, EmbedError> {
    use crate::server::store::Cursor;
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    let cursor = Cursor::decode_opt(cursor.as_deref()).map_err(|e| req.internal(e))?;
    let page = req
        .store()
        .conversation_views(&access.scope, &filters, cursor, LIST_PAGE)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(ConversationPage {
        items: page.data,
        next_cursor: page.next_cursor,
    })
}

/// A conversation in scope with its newest messages.
#[server(prefix = "/rpc", endpoint = "load_thread")]
pub async fn load_thread(token: String, conversation_id: String) -> Result<ThreadPage, EmbedError> {
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    let conversation_id =
        Uuid::parse_str(&conversation_id).map_err(|_| req.fail(EmbedError::NotFound))?;
    let conversation = req
        .store()
        .conversation_view(&access.scope, conversation_id)
        .await
        .map_err(|e| req.internal(e))?;
    let page = req
        .store()
        .messages(conversation.id, None, THREAD_PAGE)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(ThreadPage {
        conversation,
        messages: page.messages,
        older_cursor: page.older_cursor,
    })
}

/// The page of messages before `before` in a conversation in scope.
#[server(prefix = "/rpc", endpoint = "older_messages")]
pub async fn older_messages(
    token: String,
    conversation_id: Uuid,
    before: String,
) -> Result<MessagePage, EmbedError> {
    use crate::server::store::Cursor;
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    let conversation = req
        .store()
        .conversation_view(&access.scope, conversation_id)
        .await
        .map_err(|e| req.internal(e))?;
    let before = Cursor::decode(&before).map_err(|e| req.internal(e))?;
    req.store()
        .messages(conversation.id, Some(before), THREAD_PAGE)
        .await
        .map_err(|e| req.internal(e))
}
