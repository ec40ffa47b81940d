//! The embed page: the token's session, the list beside the open thread.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use std::collections::HashMap;

use uuid::Uuid;

use super::bridge::{HostBridge, TokenEnded};
use super::clock::Clock;
use super::i18n::{provide_lang, use_text};
use super::icons::{Icon, INBOX};
use super::list::ConversationList;
use super::live::{Live, LiveIndicator};
use super::theme::{ThemeSelect, ThemeState};
use crate::actions::{list_conversations, load_session, load_thread, EmbedError};
use crate::model::{
    lang_from_query, mode_from_query, text, ConversationPage, Filters, Lang, SessionView, Theme,
    ThreadPage,
};

/// What every part of the embed page shares.
#[derive(Clone)]
pub struct EmbedContext {
    pub token: String,
    pub session: SessionView,
    pub filters: Memo<Filters>,
    pub mode: Memo<Option<Theme>>,
    /// `?lang=`, when it names a language the UI speaks.
    pub lang: Memo<Option<Lang>>,
    /// The conversation open in the thread pane.
    pub open: Memo<Option<Uuid>>,
    /// The first page of the list for the current filters.
    pub list: Resource<Result<ConversationPage, EmbedError>>,
    /// The open conversation's thread (none on the list page).
    pub thread: Resource<Result<Option<ThreadPage>, EmbedError>>,
    /// Conversations the signed-in agent started (true) or stopped (false) watching on
    /// this page; the server said the rest.
    pub watched: RwSignal<HashMap<Uuid, bool>>,
}

impl EmbedContext {
    /// The signed-in agent's user id (an agent JWT), if any.
    pub fn agent_id(&self) -> Option<Uuid> {
        self.session.agent.as_ref().map(|a| a.user_id)
    }
}

impl EmbedContext {
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// The URL of this page with another conversation and filters, the theme and language
    /// overrides kept.
    pub fn href(&self, conversation: Option<Uuid>, filters: &Filters) -> String {
        super::urls::embed_href(
            &self.token,
            conversation,
            filters,
            self.mode.get_untracked(),
            self.lang.get_untracked(),
        )
    }
}

/// What the page loads, made once per page outside the suspense below: the suspended
/// view may be built more than once, and resources made inside it would load again.
#[derive(Clone, Copy)]
struct PageData {
    filters: Memo<Filters>,
    mode: Memo<Option<Theme>>,
    lang: Memo<Option<Lang>>,
    open: Memo<Option<Uuid>>,
    list: Resource<Result<ConversationPage, EmbedError>>,
    thread: Resource<Result<Option<ThreadPage>, EmbedError>>,
}

#[component]
pub fn EmbedLayout() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let location = use_location();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let filters = Memo::new(move |_| query.with(|q| Filters::from_query(|k| q.get_str(k))));
    let mode = Memo::new(move |_| query.with(|q| mode_from_query(|k| q.get_str(k))));
    let lang = Memo::new(move |_| query.with(|q| lang_from_query(|k| q.get_str(k))));
    // The id as the path has it: a malformed one still reaches the server, which says 404.
    let open_id = Memo::new(move |_| {
        location.pathname.with(|path| {
            path.rsplit_once("/conversations/")
                .map(|(_, id)| id.trim_end_matches('/').to_string())
        })
    });
    let open = Memo::new(move |_| open_id.get().and_then(|id| Uuid::parse_str(&id).ok()));
    let session = Resource::new(move || token.get(), load_session);
    let list = Resource::new(
        move || (token.get(), filters.get()),
        |(token, filters)| list_conversations(token, filters, None),
    );
    let thread = Resource::new(
        move || (token.get(), open_id.get()),
        |(token, id)| async move {
            match id {
                Some(id) => load_thread(token, id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    // The live connection lives as long as the page, like the data it updates.
    Live::provide(
        token.get_untracked(),
        list,
        thread,
        Callback::new(move |_| {
            list.refetch();
            thread.refetch();
        }),
    );
    provide_context(PageData {
        filters,
        mode,
        lang,
        open,
        list,
        thread,
    });
    view! {
        <Suspense fallback=|| view! { <div class="page-loading" aria-busy="true"></div> }>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(session) => Either::Left(view! { <Inbox token=token.get_untracked() session /> }),
                    Err(error) => Either::Right(view! { <TokenError error /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Inbox(token: String, session: SessionView) -> impl IntoView {
    let PageData {
        filters,
        mode,
        lang,
        open,
        list,
        thread,
    } = expect_context::<PageData>();
    Clock::provide(session.server_now_ms);
    // The same on the server and in the browser: the URL's `?lang=` and the token's.
    let ui_lang = Lang::choose(lang.get_untracked(), &session.language);
    provide_lang(ui_lang);
    let t = text(ui_lang);
    let html_lang = ui_lang.html_tag(&session.language);
    let rendered_theme = mode.get_untracked().unwrap_or(session.theme);
    let theme = ThemeState::provide(rendered_theme);
    let fixed = mode.get_untracked().map(|_| "");
    let title = session.scope_label.clone();
    let agent_name = session.agent.as_ref().map(|a| a.name.clone());
    let watched = RwSignal::new(HashMap::new());
    provide_context(EmbedContext {
        watched,
        token,
        session: session.clone(),
        filters,
        mode,
        lang,
        open,
        list,
        thread,
    });
    view! {
        <Html {..} lang=html_lang data-theme=move || theme.0.get().as_str() data-theme-fixed=fixed />
        <Title text=super::title_text(&title) />
        <div class="inbox" class:has-thread=move || open.get().is_some()>
            <aside class="sidebar" aria-label=t.conversations>
                <header class="sidebar-header">
                    <div class="sidebar-title">
                        <Icon d=INBOX size=20 />
                        <div class="sidebar-heading">
                            <h1 title=title.clone()>{title.clone()}</h1>
                            {agent_name.map(|name| {
                                let label = (t.signed_in_as)(&name);
                                view! { <span class="agent-name" data-testid="agent-name" title=label>{name}</span> }
                            })}
                        </div>
                    </div>
                    <LiveIndicator />
                    <ThemeSelect />
                </header>
                <ConversationList />
            </aside>
            <main class="thread-pane">
                <Outlet />
            </main>
        </div>
        <HostBridge />
    }
}

/// The thread pane when no conversation is open (wide layouts only).
#[component]
pub fn NoThread() -> impl IntoView {
    let t = use_text();
    view! {
        <div class="thread-empty">
            <Icon d=INBOX size=48 />
            <h2>{t.select_conversation}</h2>
            <p>{t.select_conversation_hint}</p>
        </div>
    }
}

/// The page for a token that opens nothing: 401, themed, saying why (in the language of
/// `?lang=`, English without it: the token's own is not known).
#[component]
fn TokenError(error: EmbedError) -> impl IntoView {
    let query = use_query_map();
    let theme = query
        .with_untracked(|q| mode_from_query(|k| q.get_str(k)))
        .unwrap_or(Theme::System);
    let lang = query
        .with_untracked(|q| lang_from_query(|k| q.get_str(k)))
        .unwrap_or_default();
    provide_lang(lang);
    let t = text(lang);
    let (title, detail) = match &error {
        EmbedError::ExpiredToken => (t.expired_title, t.expired_detail),
        EmbedError::RevokedToken => (t.revoked_title, t.revoked_detail),
        EmbedError::InvalidToken => (t.invalid_title, t.invalid_detail),
        EmbedError::ForeignOrigin => (t.origin_title, t.origin_detail),
        EmbedError::TooManyAttempts(_) => (t.rate_limited_title, t.rate_limited_detail),
        EmbedError::NotFound
        | EmbedError::TooLarge
        | EmbedError::Rejected(_)
        | EmbedError::Refused(_)
        | EmbedError::Unavailable(_) => (t.unavailable_title, t.unavailable_detail),
    };
    let kind = match &error {
        EmbedError::ExpiredToken => "expired",
        EmbedError::RevokedToken => "revoked",
        EmbedError::InvalidToken => "invalid",
        EmbedError::ForeignOrigin => "origin",
        EmbedError::TooManyAttempts(_) => "rate-limited",
        _ => "unavailable",
    };
    view! {
        <Html {..} lang=lang.tag() data-theme=theme.as_str() />
        <Title text=title />
        {matches!(kind, "expired" | "revoked" | "invalid").then(|| view! { <TokenEnded reason=kind /> })}
        <main class="notice-page" data-testid="token-error" data-error=kind>
            <div class="notice-card" role="alert">
                <h1>{title}</h1>
                <p>{detail}</p>
            </div>
        </main>
    }
}
