//! The server functions the embed calls. Each one re-resolves the token (revocation and
//! expiry take effect at once) and re-checks every id inside the token's scope.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::model::Message;
#[cfg(feature = "ssr")]
use crate::model::Reason;
use crate::model::{ConversationPage, Filters, MessagePage, SessionView, ThreadPage};

/// Page sizes: a screenful and a half of list rows; a few screens of messages.
pub const LIST_PAGE: i64 = 40;
pub const THREAD_PAGE: i64 = 50;
/// WhatsApp's limit on a text message, and the API's limit on names.
pub const MAX_TEXT_CHARS: usize = 4096;
pub const MAX_NAME_CHARS: usize = 200;
/// WhatsApp's limit on the text of buttons and lists.
pub const MAX_INTERACTIVE_BODY_CHARS: usize = 1024;

/// What a send answers: the stored message (as the API writes it) and its bubble's HTML in
/// the page's language.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    #[serde(flatten)]
    pub message: Message,
    pub html: String,
}

/// The same, as the browser reads it: what places the bubble (the message's other
/// fields are left unread), and the bubble.
#[cfg(not(feature = "ssr"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub id: Uuid,
    #[serde(default)]
    pub client_id: Option<String>,
    pub status: crate::model::MessageStatus,
    pub created_at: String,
    pub html: String,
}

/// A template the composer offers: what it says, and in which language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateChoice {
    pub id: Uuid,
    pub name: String,
    pub language: String,
    pub body: String,
}

impl TemplateChoice {
    pub fn parameter_count(&self) -> usize {
        crate::model::parameter_count(&self.body).unwrap_or(0)
    }

    pub fn render(&self, parameters: &[String]) -> String {
        crate::model::render(&self.body, parameters)
    }
}

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
    /// A request this server cannot read (a server function's arguments).
    #[error("The request was not understood: {0}")]
    Malformed(String),
    #[error("{0}")]
    Rejected(String),
    #[error("{0}")]
    Refused(crate::model::Reason),
    #[error("The inbox could not be reached: {0}")]
    Unavailable(String),
}

impl EmbedError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidToken | Self::ExpiredToken | Self::RevokedToken => 401,
            Self::NotFound => 404,
            Self::ForeignOrigin => 403,
            Self::TooManyAttempts(_) => 429,
            Self::TooLarge => 413,
            Self::Malformed(_) => 400,
            Self::Rejected(_) | Self::Refused(_) => 422,
            Self::Unavailable(_) => 500,
        }
    }
}

impl FromServerFnError for EmbedError {
    type Encoder = JsonEncoding;

    /// Arguments the server cannot read answer 400 (not 500); what else fails in the
    /// framework is the inbox being unavailable.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::Deserialization(detail)
            | ServerFnErrorErr::MissingArg(detail) => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(axum::http::StatusCode::BAD_REQUEST);
                }
                Self::Malformed(detail)
            }
            other => Self::Unavailable(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
pub mod backend {
    use super::EmbedError;
    use crate::model::{
        ConversationPage, ConversationView, Filters, Interactive, Message, MessageKind, Reason,
        Scope, ScopeKind, SessionView, TemplateRef, ThreadPage,
    };
    use crate::server::access::{Access, RequestAccess, ScopeFacts};
    use crate::server::store::{now, NewMessage, Stored};
    use crate::server::store::{Store, TokenRejection};
    use crate::server::{AppError, AppState};
    use axum::http::request::Parts;
    use axum::http::{HeaderMap, StatusCode};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use std::sync::Arc;
    use uuid::Uuid;

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

        /// For a page the server renders: the request's head, read before rendering.
        pub fn for_page(state: AppState, parts: &Parts) -> Self {
            Self {
                state,
                response: None,
                cache: parts
                    .extensions
                    .get::<RequestAccess>()
                    .cloned()
                    .unwrap_or_default(),
                headers: parts.headers.clone(),
            }
        }

        /// Answers 200 after all: the error was shown as part of what was asked for.
        pub fn answer_ok(&self) {
            if let Some(response) = &self.response {
                response.set_status(StatusCode::OK);
            }
        }

        pub fn store(&self) -> &Store {
            &self.state.store
        }

        /// The last live event this server has dispatched, read before a page's data: the
        /// page's socket resumes from it, so no change made meanwhile is missed.
        pub fn live_cursor(&self) -> i64 {
            self.state.live.last_id()
        }

        /// Records the error's status on the response (the page's, during server rendering).
        pub fn fail(&self, error: EmbedError) -> EmbedError {
            if let (Some(response), Ok(status)) =
                (&self.response, StatusCode::from_u16(error.status()))
            {
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
                    let resolution = self
                        .state
                        .resolve(token)
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
                        .admits(&self.headers, &access.allowed_origins)
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

        /// The session a page starts from: theme, language, the inboxes it covers.
        pub async fn session(&self, token: &str) -> Result<SessionView, EmbedError> {
            let access = self.access(token).await?;
            let facts = self
                .scope_facts(&access.scope)
                .await
                .map_err(|e| self.internal(e))?;
            Ok(SessionView {
                project_name: facts.project_name.clone(),
                scope_label: facts.scope_label.clone(),
                theme: access.theme(),
                language: access.language.clone(),
                inboxes: facts.inboxes.clone(),
                assigned_user_id: access.scope.assigned_user_id,
                server_now_ms: now().timestamp_millis(),
                agent: access.agent().map(|a| crate::model::AgentView {
                    user_id: a.user_id,
                    external_id: a.external_id.clone(),
                    name: a.name.clone(),
                }),
                allowed_origins: access.allowed_origins.clone(),
            })
        }

        /// The project's name, the scope's label and its inboxes, from what an earlier
        /// request read while none of them has changed (`AccessCache`).
        async fn scope_facts(&self, scope: &Scope) -> Result<Arc<ScopeFacts>, AppError> {
            let cache = &self.state.access_cache;
            let epoch = self.store().access_epoch();
            if let Some(facts) = cache.scope(scope, epoch) {
                return Ok(facts);
            }
            let project = self.store().project(scope.project_id).await?;
            let inboxes = self.store().inboxes_in_scope(scope).await?;
            let label = match scope.kind {
                ScopeKind::WhatsappConfig(_) => inboxes.first().map(|i| i.name.clone()),
                ScopeKind::Customer(id) => self
                    .store()
                    .customer(scope.project_id, id)
                    .await
                    .ok()
                    .map(|c| c.name),
                ScopeKind::Project => None,
            };
            let facts = Arc::new(ScopeFacts {
                scope_label: label.unwrap_or_else(|| project.name.clone()),
                project_name: project.name,
                inboxes,
            });
            cache.keep_scope(scope, epoch, facts.clone());
            Ok(facts)
        }

        /// A page of the conversations the token may see, filtered.
        pub async fn conversations(
            &self,
            token: &str,
            filters: &Filters,
            cursor: Option<&str>,
        ) -> Result<ConversationPage, EmbedError> {
            use crate::server::store::Cursor;
            let access = self.access(token).await?;
            let cursor = Cursor::decode_opt(cursor).map_err(|e| self.internal(e))?;
            let last_event_id = self.live_cursor();
            let page = self
                .store()
                .conversation_views(
                    &access.scope,
                    filters,
                    access.agent().map(|a| a.user_id),
                    cursor,
                    super::LIST_PAGE,
                )
                .await
                .map_err(|e| self.internal(e))?;
            Ok(ConversationPage {
                items: page.data,
                next_cursor: page.next_cursor,
                last_event_id,
            })
        }

        /// A conversation in scope with its newest messages. The id as the path has it: a
        /// malformed one is a 404 like one outside the scope.
        pub async fn thread(
            &self,
            token: &str,
            conversation_id: &str,
        ) -> Result<ThreadPage, EmbedError> {
            // The token first: a bad token is a 401 whatever the id.
            let access = self.access(token).await?;
            let conversation_id =
                Uuid::parse_str(conversation_id).map_err(|_| self.fail(EmbedError::NotFound))?;
            let last_event_id = self.live_cursor();
            let thread = self
                .store()
                .thread(
                    &access.scope,
                    conversation_id,
                    access.agent().map(|a| a.user_id),
                    super::THREAD_PAGE,
                )
                .await
                .map_err(|e| self.internal(e))?;
            Ok(ThreadPage {
                window: thread.window,
                conversation: thread.conversation,
                messages: thread.messages.messages,
                older_cursor: thread.messages.older_cursor,
                last_event_id,
                watched: thread.watched,
            })
        }

        /// A send's answer: the message, and its bubble in `lang` (the credential's
        /// language without one).
        pub async fn sent(
            &self,
            token: &str,
            message: Message,
            lang: Option<crate::model::Lang>,
        ) -> Result<super::Sent, EmbedError> {
            let access = self.access(token).await?;
            let lang = lang.unwrap_or_else(|| crate::model::Lang::from_tag(&access.language));
            let context = crate::app::render::RenderContext::shared(lang, now().timestamp_millis());
            Ok(super::Sent {
                html: crate::app::message::bubble_html(context, message.clone()),
                message,
            })
        }

        fn reject(&self, reason: Reason) -> EmbedError {
            self.fail(EmbedError::Refused(reason))
        }

        /// The token's access and one conversation inside its scope (a 404 outside it).
        pub async fn conversation(
            &self,
            token: &str,
            conversation_id: Uuid,
        ) -> Result<(Access, ConversationView), EmbedError> {
            let access = self.access(token).await?;
            let view = self
                .store()
                .conversation_view(&access.scope, conversation_id)
                .await
                .map_err(|e| self.internal(e))?;
            Ok((access, view))
        }

        /// Stores what an agent sends in a conversation of the token's scope, once per
        /// `client_id`, and queues its webhook. Free-form messages (`free_form`) wait for
        /// WhatsApp's 24-hour window; templates do not.
        pub async fn agent_send(
            &self,
            token: &str,
            conversation_id: Uuid,
            client_id: String,
            free_form: bool,
            build: impl FnOnce(&ConversationView) -> Result<Outbound, EmbedError>,
        ) -> Result<Message, EmbedError> {
            let (access, view) = self.conversation(token, conversation_id).await?;
            let client_id = client_id.trim().to_string();
            if client_id.is_empty() || client_id.chars().count() > 128 {
                return Err(self.reject(Reason::NoClientId));
            }
            // A retry of a message already stored gets that message, whatever has changed
            // since (the window may have closed meanwhile).
            if let Some(stored) = self
                .store()
                .message_by_client_id(view.id, &client_id)
                .await
                .map_err(|e| self.internal(e))?
            {
                return Ok(stored);
            }
            let outbound = build(&view).map_err(|e| self.fail(e))?;
            if free_form {
                let window = self
                    .store()
                    .reply_window(&view)
                    .await
                    .map_err(|e| self.internal(e))?;
                if !window.is_open(now().timestamp_millis()) {
                    return Err(self.reject(Reason::WindowClosed));
                }
            }
            let conversation = self
                .store()
                .conversation(access.scope.project_id, view.id)
                .await
                .map_err(|e| self.internal(e))?;
            let mut new =
                NewMessage::from_agent(outbound.kind, outbound.content, client_id, access.sender());
            new.interactive = outbound.interactive;
            new.template = outbound.template;
            match self
                .store()
                .create_message(&conversation, new)
                .await
                .map_err(|e| self.internal(e))?
            {
                Stored::Created(m) | Stored::Existing(m) => Ok(m),
            }
        }
    }

    /// A message an agent sends, checked.
    pub struct Outbound {
        pub kind: MessageKind,
        pub content: String,
        pub interactive: Option<Interactive>,
        pub template: Option<TemplateRef>,
    }
}

/// The token's session: theme, language, which inboxes it covers.
#[server(prefix = "/rpc", endpoint = "load_session")]
pub async fn load_session(token: String) -> Result<SessionView, EmbedError> {
    backend::Request::new()?.session(&token).await
}

/// Whether the link still opens its inbox (its token or JWT, and the page's origin).
#[server(prefix = "/rpc", endpoint = "link_state")]
pub async fn link_state(token: String) -> Result<(), EmbedError> {
    backend::Request::new()?.access(&token).await.map(|_| ())
}

/// A page of the list, as the embed shows it: its rows' HTML, and what the list says
/// when it has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRows {
    pub rows: String,
    pub empty: String,
    pub next_cursor: Option<String>,
    /// The live log's position when the page was read.
    pub read_at: i64,
}

/// A page of the conversations the token may see, filtered, as the list's HTML in
/// `lang`. Links in it are the page's to set.
#[server(prefix = "/rpc", endpoint = "list_fragment", input = server_fn::codec::Json)]
pub async fn list_fragment(
    token: String,
    filters: Filters,
    cursor: Option<String>,
    lang: crate::model::Lang,
) -> Result<ListRows, EmbedError> {
    use crate::app::render::{fragment, RenderContext};
    use crate::app::rows::Rows;
    use crate::app::sidebar::EmptyList;
    let req = backend::Request::new()?;
    let agent = req.access(&token).await?.agent().is_some();
    let page = req
        .conversations(&token, &filters, cursor.as_deref())
        .await?;
    let context = RenderContext {
        filters: filters.clone(),
        agent,
        ..RenderContext::shared(lang, crate::server::store::now().timestamp_millis())
    };
    let items = page.items;
    Ok(ListRows {
        rows: fragment(context.clone(), move || view! { <Rows items /> }),
        empty: fragment(context, move || view! { <EmptyList filters agent /> }),
        next_cursor: page.next_cursor,
        read_at: page.last_event_id,
    })
}

/// A conversation in scope as the thread pane shows it, in `lang` (or the pane that says
/// it is not there). Links in it are the page's to set.
#[server(prefix = "/rpc", endpoint = "thread_fragment", input = server_fn::codec::Json)]
pub async fn thread_fragment(
    token: String,
    conversation_id: String,
    lang: crate::model::Lang,
) -> Result<String, EmbedError> {
    use crate::app::render::{fragment, RenderContext};
    use crate::app::thread::{ThreadError, ThreadPane};
    let req = backend::Request::new()?;
    let agent = req.access(&token).await?.agent().is_some();
    let context = RenderContext {
        agent,
        ..RenderContext::shared(lang, crate::server::store::now().timestamp_millis())
    };
    match req.thread(&token, &conversation_id).await {
        Ok(page) => Ok(fragment(context, move || view! { <ThreadPane page /> })),
        Err(EmbedError::NotFound) => {
            req.answer_ok();
            let error = EmbedError::NotFound;
            Ok(fragment(context, move || view! { <ThreadError error /> }))
        }
        Err(e) => Err(e),
    }
}

/// The bubbles of a page of older messages, in `lang`, with the cursor of the page
/// before them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlderBubbles {
    pub html: Vec<String>,
    pub older_cursor: Option<String>,
}

/// The page of messages before `before` in a conversation in scope, as the thread shows
/// them (oldest first).
#[server(prefix = "/rpc", endpoint = "older_fragment", input = server_fn::codec::Json)]
pub async fn older_fragment(
    token: String,
    conversation_id: Uuid,
    before: String,
    lang: crate::model::Lang,
) -> Result<OlderBubbles, EmbedError> {
    use crate::app::render::RenderContext;
    use crate::server::store::Cursor;
    let req = backend::Request::new()?;
    let (_, conversation) = req.conversation(&token, conversation_id).await?;
    let before = Cursor::decode(&before).map_err(|e| req.internal(e))?;
    let page = req
        .store()
        .messages(conversation.id, Some(before), THREAD_PAGE)
        .await
        .map_err(|e| req.internal(e))?;
    let context = RenderContext::shared(lang, crate::server::store::now().timestamp_millis());
    Ok(OlderBubbles {
        html: page
            .messages
            .into_iter()
            .map(|m| crate::app::message::bubble_html(context.clone(), m))
            .collect(),
        older_cursor: page.older_cursor,
    })
}

/// Unread messages over the whole scope: what the host page's badge shows.
#[server(prefix = "/rpc", endpoint = "unread_total")]
pub async fn unread_total(token: String) -> Result<i64, EmbedError> {
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    req.store()
        .unread_total(&access.scope)
        .await
        .map_err(|e| req.internal(e))
}

/// Starts or stops watching a conversation (agents signed in by JWT only).
#[server(prefix = "/rpc", endpoint = "set_watched")]
pub async fn set_watched(
    token: String,
    conversation_id: Uuid,
    watched: bool,
) -> Result<bool, EmbedError> {
    let req = backend::Request::new()?;
    let (access, view) = req.conversation(&token, conversation_id).await?;
    let Some(agent) = access.agent() else {
        return Err(req.fail(EmbedError::Refused(Reason::NotAnAgent)));
    };
    req.store()
        .set_watch(agent.user_id, view.id, watched)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(watched)
}

/// A page of the conversations the token may see, filtered.
#[server(prefix = "/rpc", endpoint = "list_conversations")]
pub async fn list_conversations(
    token: String,
    filters: Filters,
    cursor: Option<String>,
) -> Result<ConversationPage, EmbedError> {
    backend::Request::new()?
        .conversations(&token, &filters, cursor.as_deref())
        .await
}

/// A conversation in scope with its newest messages.
#[server(prefix = "/rpc", endpoint = "load_thread")]
pub async fn load_thread(token: String, conversation_id: String) -> Result<ThreadPage, EmbedError> {
    backend::Request::new()?
        .thread(&token, &conversation_id)
        .await
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
    let (_, conversation) = req.conversation(&token, conversation_id).await?;
    let before = Cursor::decode(&before).map_err(|e| req.internal(e))?;
    req.store()
        .messages(conversation.id, Some(before), THREAD_PAGE)
        .await
        .map_err(|e| req.internal(e))
}

/// What an agent writes in the composer: a text, sent once however often it is retried
/// (`client_id`), refused with the reason when it cannot be sent.
#[server(prefix = "/rpc", endpoint = "send_message")]
pub async fn send_message(
    token: String,
    conversation_id: Uuid,
    text: String,
    client_id: String,
    lang: Option<crate::model::Lang>,
) -> Result<Sent, EmbedError> {
    use crate::model::MessageKind;
    let req = backend::Request::new()?;
    let message = req
        .agent_send(&token, conversation_id, client_id, true, |_| {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Err(EmbedError::Refused(Reason::EmptyText));
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(EmbedError::Refused(Reason::TextTooLong {
                    max: MAX_TEXT_CHARS,
                }));
            }
            Ok(backend::Outbound {
                kind: MessageKind::Text,
                content: text,
                interactive: None,
                template: None,
            })
        })
        .await?;
    req.sent(&token, message, lang).await
}

/// Reply buttons or a list, with their body text, within WhatsApp's limits.
#[server(prefix = "/rpc", endpoint = "send_interactive", input = server_fn::codec::Json)]
pub async fn send_interactive(
    token: String,
    conversation_id: Uuid,
    body: String,
    interactive: crate::model::Interactive,
    client_id: String,
    lang: Option<crate::model::Lang>,
) -> Result<Sent, EmbedError> {
    use crate::model::{Interactive, MessageKind};
    let req = backend::Request::new()?;
    let message = req
        .agent_send(&token, conversation_id, client_id, true, |_| {
            let body = body.trim().to_string();
            if body.is_empty() {
                return Err(EmbedError::Refused(Reason::InteractiveNoBody));
            }
            if body.chars().count() > MAX_INTERACTIVE_BODY_CHARS {
                return Err(EmbedError::Refused(Reason::InteractiveBodyTooLong {
                    max: MAX_INTERACTIVE_BODY_CHARS,
                }));
            }
            if !matches!(
                interactive,
                Interactive::Button { .. } | Interactive::List { .. }
            ) {
                return Err(EmbedError::Refused(Reason::NotInteractive));
            }
            interactive.validate().map_err(EmbedError::Rejected)?;
            Ok(backend::Outbound {
                kind: MessageKind::Interactive,
                content: body,
                interactive: Some(interactive),
                template: None,
            })
        })
        .await?;
    req.sent(&token, message, lang).await
}

/// Take over from the bot, or hand the conversation back to it.
#[server(prefix = "/rpc", endpoint = "set_handoff")]
pub async fn set_handoff(
    token: String,
    conversation_id: Uuid,
    handoff: crate::model::Handoff,
) -> Result<crate::model::Handoff, EmbedError> {
    use crate::server::store::ConversationPatch;
    let req = backend::Request::new()?;
    let (access, view) = req.conversation(&token, conversation_id).await?;
    // An agent who takes over a conversation nobody has becomes its assignee (it moves
    // to their "mine" tab).
    let claim_for = access
        .agent()
        .filter(|_| handoff == crate::model::Handoff::Human)
        .map(|agent| agent.user_id);
    let patch = ConversationPatch {
        handoff: Some(handoff),
        claim_for,
        ..Default::default()
    };
    let updated = req
        .store()
        .update_conversation(access.scope.project_id, view.id, patch, access.actor())
        .await
        .map_err(|e| req.internal(e))?;
    Ok(updated.handoff)
}

/// Renames the conversation's contact; returns the name as stored.
#[server(prefix = "/rpc", endpoint = "rename_contact")]
pub async fn rename_contact(
    token: String,
    conversation_id: Uuid,
    display_name: String,
) -> Result<String, EmbedError> {
    use crate::server::store::ContactPatch;
    let req = backend::Request::new()?;
    let (access, view) = req.conversation(&token, conversation_id).await?;
    let name = display_name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(req.fail(EmbedError::Refused(Reason::NameLength {
            max: MAX_NAME_CHARS,
        })));
    }
    let patch = ContactPatch {
        display_name: Some(name),
        ..Default::default()
    };
    let contact = req
        .store()
        .update_contact(access.scope.project_id, view.contact.id, patch)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(contact.display_name)
}

/// The agent opened the conversation: its unread count drops to zero.
#[server(prefix = "/rpc", endpoint = "mark_read")]
pub async fn mark_read(token: String, conversation_id: Uuid) -> Result<(), EmbedError> {
    let req = backend::Request::new()?;
    let (_, view) = req.conversation(&token, conversation_id).await?;
    req.store()
        .mark_read(view.id)
        .await
        .map_err(|e| req.internal(e))
}

/// The approved templates of the conversation's inbox: what may be sent once WhatsApp's
/// 24-hour window has closed.
#[server(prefix = "/rpc", endpoint = "conversation_templates")]
pub async fn conversation_templates(
    token: String,
    conversation_id: Uuid,
) -> Result<Vec<TemplateChoice>, EmbedError> {
    let req = backend::Request::new()?;
    let (_, view) = req.conversation(&token, conversation_id).await?;
    let page = req
        .store()
        .templates(view.inbox_id, true, None, 100)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(page
        .data
        .into_iter()
        .map(|t| TemplateChoice {
            id: t.id,
            name: t.name,
            language: t.language,
            body: t.body,
        })
        .collect())
}

/// Sends an approved template with its parameters filled in; allowed outside the
/// 24-hour window. Stored once per `client_id`.
#[server(prefix = "/rpc", endpoint = "send_template", input = server_fn::codec::Json)]
pub async fn send_template(
    token: String,
    conversation_id: Uuid,
    template_id: Uuid,
    parameters: Vec<String>,
    client_id: String,
    lang: Option<crate::model::Lang>,
) -> Result<Sent, EmbedError> {
    use crate::model::{MessageKind, TemplateRef, TemplateStatus};
    let req = backend::Request::new()?;
    let access = req.access(&token).await?;
    let template = req
        .store()
        .template(access.scope.project_id, template_id)
        .await
        .map_err(|e| req.internal(e))?;
    let message = req
        .agent_send(&token, conversation_id, client_id, false, |view| {
            if template.inbox_id != view.inbox_id {
                // Another inbox's template is not this conversation's to send.
                return Err(EmbedError::NotFound);
            }
            if template.status != TemplateStatus::Approved {
                return Err(EmbedError::Refused(Reason::TemplateNotApproved {
                    name: template.name.clone(),
                    status: template.status.to_string(),
                }));
            }
            let parameters: Vec<String> = parameters.iter().map(|p| p.trim().to_string()).collect();
            let wanted = template.parameter_count();
            if parameters.len() != wanted || parameters.iter().any(String::is_empty) {
                return Err(EmbedError::Refused(Reason::TemplateParameters {
                    name: template.name.clone(),
                    wanted,
                }));
            }
            if parameters
                .iter()
                .any(|p| p.chars().count() > MAX_TEXT_CHARS)
            {
                return Err(EmbedError::Refused(Reason::ParameterTooLong));
            }
            Ok(backend::Outbound {
                kind: MessageKind::Template,
                content: template.render(&parameters),
                interactive: None,
                template: Some(TemplateRef {
                    name: template.name.clone(),
                    language: Some(template.language.clone()),
                    parameters,
                }),
            })
        })
        .await?;
    req.sent(&token, message, lang).await
}
