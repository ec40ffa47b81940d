//! The pages the server renders, from what it loaded before rendering ([`PageView`]): the
//! inbox (the sidebar beside the thread pane), the page of a link that opens nothing, and
//! the plain notice pages.

use std::sync::Arc;

use leptos::either::{EitherOf3, EitherOf4};
use leptos::prelude::*;
use uuid::Uuid;

use super::host::token_ended_script;
use super::page::{PageInit, PAGE_INIT_ID};
use super::render::{Links, RenderContext};
use super::sidebar::{Sidebar, SidebarSession};
use super::thread::{NoThread, ThreadError, ThreadPane};
use crate::actions::EmbedError;
use crate::model::{text, ConversationPage, Filters, InboxCard, Lang, Theme, ThreadPage};

/// What a page shows, loaded before it renders.
#[derive(Clone)]
pub enum PageView {
    Inbox(Arc<InboxView>),
    /// A link that opens nothing (invalid, expired, revoked, or refused): it says why.
    LinkError {
        error: EmbedError,
        lang: Lang,
        theme: Theme,
    },
    Home,
    NotFound,
}

/// An embed page's data.
pub struct InboxView {
    pub init: PageInit,
    /// `<html lang>`: the token's own tag when it is the UI's language (`es-ES`).
    pub html_lang: String,
    pub inboxes: Vec<InboxCard>,
    pub now_ms: i64,
    /// The conversation in the path, when its id is well formed.
    pub open: Option<Uuid>,
    pub filters: Filters,
    pub list: Result<ConversationPage, EmbedError>,
    /// The thread pane's, on a conversation's page.
    pub thread: Option<Result<ThreadPage, EmbedError>>,
}

impl PageView {
    /// The HTTP status the page answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Inbox(inbox) => match &inbox.thread {
                Some(Err(error)) => error.status(),
                _ => inbox.list.as_ref().map_or_else(EmbedError::status, |_| 200),
            },
            Self::LinkError { error, .. } => error.status(),
            Self::Home => 200,
            Self::NotFound => 404,
        }
    }

    /// `<html lang>`, `data-theme`, whether `?mode=` fixed it, and the title.
    pub fn head(&self) -> (String, Theme, bool, String) {
        match self {
            Self::Inbox(inbox) => {
                let init = &inbox.init;
                let title = match &inbox.thread {
                    Some(Ok(thread)) => thread.conversation.contact.display_name.clone(),
                    _ => init.title.clone(),
                };
                (
                    inbox.html_lang.clone(),
                    init.mode.unwrap_or(init.theme),
                    init.mode.is_some(),
                    title,
                )
            }
            Self::LinkError { error, lang, theme } => (
                lang.tag().to_string(),
                *theme,
                false,
                link_error_text(*lang, error).1.to_string(),
            ),
            Self::Home => ("en".into(), Theme::System, false, "inbox-embed".into()),
            Self::NotFound => (
                "en".into(),
                Theme::System,
                false,
                text(Lang::En).not_found.into(),
            ),
        }
    }

    /// Whether the page has islands to hydrate (and so loads the wasm).
    pub fn is_interactive(&self) -> bool {
        matches!(self, Self::Inbox(_))
    }
}

/// The page's body.
#[component]
pub fn PageBody(view: PageView) -> impl IntoView {
    match view {
        PageView::Inbox(inbox) => EitherOf4::A(view! { <InboxPage inbox /> }),
        PageView::LinkError { error, lang, .. } => EitherOf4::B(view! { <LinkError error lang /> }),
        PageView::Home => {
            let t = text(Lang::En);
            EitherOf4::C(view! { <Notice title="inbox-embed" detail=t.home_text /> })
        }
        PageView::NotFound => {
            let t = text(Lang::En);
            EitherOf4::D(view! { <Notice title=t.not_found detail=t.not_found_text /> })
        }
    }
}

#[component]
fn InboxPage(inbox: Arc<InboxView>) -> impl IntoView {
    let init = &inbox.init;
    provide_context(RenderContext {
        lang: init.lang,
        links: Some(Links {
            token: init.token.clone(),
            mode: init.mode,
            lang_override: init.lang_override,
        }),
        filters: inbox.filters.clone(),
        open: inbox.open,
        agent: init.agent.is_some(),
        now_ms: inbox.now_ms,
    });
    let session = SidebarSession {
        title: init.title.clone(),
        agent_name: init.agent.as_ref().map(|a| a.name.clone()),
        inboxes: inbox.inboxes.clone(),
        theme: init.mode.unwrap_or(init.theme),
    };
    let data = init.to_script_json();
    let has_thread = inbox.thread.is_some();
    view! {
        <main class="inbox" class:has-thread=has_thread>
            <Sidebar session first=inbox.list.clone() />
            <div class="thread-pane">
                <div class="thread-empty-slot" hidden=has_thread><NoThread /></div>
                <div class="thread-slot">
                    {match inbox.thread.clone() {
                        Some(Ok(page)) => EitherOf3::A(view! { <ThreadPane page /> }),
                        Some(Err(error)) => EitherOf3::B(view! { <ThreadError error /> }),
                        None => EitherOf3::C(()),
                    }}
                </div>
            </div>
        </main>
        <script type="application/json" id=PAGE_INIT_ID nonce=use_nonce()>{data}</script>
    }
}

/// The title and detail of a link error's page.
fn link_error_text(lang: Lang, error: &EmbedError) -> (&'static str, &'static str, &'static str) {
    let t = text(lang);
    match error {
        EmbedError::ExpiredToken => ("expired", t.expired_title, t.expired_detail),
        EmbedError::RevokedToken => ("revoked", t.revoked_title, t.revoked_detail),
        EmbedError::InvalidToken => ("invalid", t.invalid_title, t.invalid_detail),
        EmbedError::ForeignOrigin => ("origin", t.origin_title, t.origin_detail),
        EmbedError::TooManyAttempts(_) => {
            ("rate-limited", t.rate_limited_title, t.rate_limited_detail)
        }
        EmbedError::NotFound
        | EmbedError::TooLarge
        | EmbedError::Malformed(_)
        | EmbedError::Rejected(_)
        | EmbedError::Refused(_)
        | EmbedError::Unavailable(_) => ("unavailable", t.unavailable_title, t.unavailable_detail),
    }
}

/// The page for a link that opens nothing: themed, saying why (in the language of
/// `?lang=`, English without it: the token's own is not known). A framing host hears
/// `token.expired` when the link itself is bad.
#[component]
fn LinkError(error: EmbedError, lang: Lang) -> impl IntoView {
    let (kind, title, detail) = link_error_text(lang, &error);
    let tell_host = matches!(kind, "expired" | "revoked" | "invalid").then(|| {
        let nonce = use_nonce();
        view! { <script nonce=nonce>{token_ended_script(kind)}</script> }
    });
    view! {
        {tell_host}
        <main class="notice-page" data-testid="token-error" data-error=kind>
            <div class="notice-card" role="alert">
                <h1>{title}</h1>
                <p>{detail}</p>
            </div>
        </main>
    }
}

#[component]
fn Notice(title: &'static str, detail: &'static str) -> impl IntoView {
    view! {
        <main class="notice-page">
            <div class="notice-card">
                <h1>{title}</h1>
                <p>{detail}</p>
            </div>
        </main>
    }
}
