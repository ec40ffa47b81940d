//! The sidebar as the server renders it: the inbox's name, the live indicator and theme,
//! the agent's tabs, the filters and the list. The browser keeps it up to date (see
//! `client::list`): the filters' state, the rows as live events and pages come, the
//! indicator.

use leptos::prelude::*;

use super::i18n::error_text;
use super::icons::{Icon, INBOX, SEARCH};
use super::render::RenderContext;
use super::rows::Rows;
use crate::actions::EmbedError;
use crate::model::{
    text, ConversationPage, Filters, InboxCard, Lang, StatusFilter, Tab, Theme, MAX_SEARCH_CHARS,
};

/// What the sidebar shows of the session.
pub struct SidebarSession {
    pub title: String,
    pub agent_name: Option<String>,
    pub inboxes: Vec<InboxCard>,
    pub theme: Theme,
}

#[component]
pub fn Sidebar(
    session: SidebarSession,
    first: Result<ConversationPage, EmbedError>,
) -> impl IntoView {
    let context = RenderContext::get();
    let lang = context.lang;
    let t = text(lang);
    let SidebarSession {
        title,
        agent_name,
        inboxes,
        theme,
    } = session;
    let single_inbox = inboxes.len() <= 1;
    let is_agent = agent_name.is_some();
    let (items, cursor, error) = match first {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(error) => (Vec::new(), None, Some(error)),
    };
    let empty = items.is_empty() && error.is_none();
    view! {
        <aside class="sidebar" aria-label=t.conversations data-single-inbox=single_inbox.then_some("")>
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
                <span
                    class="live-indicator live-connecting"
                    data-testid="connection-status"
                    data-state="reconnecting"
                    data-phase="connecting"
                    title=t.live_connecting_title
                    role="status"
                >
                    <span class="live-dot" aria-hidden="true"></span>
                    <span class="live-label">{t.live_connecting}</span>
                </span>
                <ThemeSelect theme lang />
            </header>
            {is_agent.then(|| view! { <TabBar /> })}
            <FilterBar inboxes />
            <div class="conversation-scroll" aria-busy="false">
                {error.map(|e| view! { <p class="list-error" role="alert">{error_text(lang, &e)}</p> })}
                <div class="empty-list-slot">
                    {empty.then(|| view! { <EmptyList filters=context.filters.clone() agent=is_agent /> })}
                </div>
                <ul class="conversation-list" role="list">
                    <Rows items />
                </ul>
                <div class="list-more" hidden=cursor.is_none() data-cursor=cursor>
                    <button type="button" class="load-more">{t.load_more}</button>
                </div>
            </div>
        </aside>
    }
}

#[component]
fn ThemeSelect(theme: Theme, lang: Lang) -> impl IntoView {
    let t = text(lang);
    let option = move |value: Theme, label: &'static str| {
        view! { <option value=value.as_str() selected=theme == value>{label}</option> }
    };
    view! {
        <label class="theme-select" title=t.theme>
            <span class="visually-hidden">{t.theme}</span>
            <select data-testid="theme-select" aria-label=t.theme>
                {option(Theme::System, t.theme_system)}
                {option(Theme::Light, t.theme_light)}
                {option(Theme::Dark, t.theme_dark)}
            </select>
        </label>
    }
}

/// The agent's tabs (agent JWT sessions): all, mine, new, watched. Links, so they work
/// before the page is interactive and open in a new tab.
#[component]
fn TabBar() -> impl IntoView {
    let context = RenderContext::get();
    let t = text(context.lang);
    let tabs = [
        (Tab::All, t.tab_all),
        (Tab::Mine, t.tab_mine),
        (Tab::New, t.tab_new),
        (Tab::Watched, t.tab_watched),
    ];
    view! {
        <nav class="agent-tabs" aria-label=t.tabs data-testid="agent-tabs">
            {tabs.into_iter().map(|(tab, label)| {
                let next = Filters { tab, ..context.filters.clone() };
                let current = context.filters.tab == tab;
                view! {
                    <a
                        class="agent-tab"
                        class:active=current
                        data-testid="agent-tab"
                        data-tab=tab.as_str()
                        href=context.href(context.open, &next)
                        aria-current=current.then_some("page")
                    >
                        {label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// Search, status, unread, waiting and inbox filters. Each change goes into the URL.
#[component]
fn FilterBar(inboxes: Vec<InboxCard>) -> impl IntoView {
    let context = RenderContext::get();
    let t = text(context.lang);
    let filters = context.filters.clone();
    let status_button = |status: StatusFilter, label: &'static str| {
        view! {
            <button type="button" data-value=status.as_str() aria-pressed=(filters.status == status).to_string()>
                {label}
            </button>
        }
    };
    let toggle = |testid: &'static str, label: &'static str, on: bool| {
        view! {
            <button type="button" class="chip" data-testid=testid aria-pressed=on.to_string()>{label}</button>
        }
    };
    let inbox_select = (inboxes.len() > 1).then(|| {
        let chosen = filters.whatsapp_config_id;
        view! {
            <select class="inbox-select" data-testid="filter-inbox" aria-label=t.inbox>
                <option value="all" selected=chosen.is_none()>{t.all_inboxes}</option>
                {inboxes.into_iter().map(|inbox| view! {
                    <option value=inbox.id.to_string() selected=chosen == Some(inbox.id)>{inbox.name}</option>
                }).collect_view()}
            </select>
        }
    });
    view! {
        <div class="filter-bar">
            <label class="search">
                <Icon d=SEARCH size=16 />
                <span class="visually-hidden">{t.search}</span>
                <input
                    type="search"
                    data-testid="filter-search"
                    placeholder=t.search_placeholder
                    maxlength=MAX_SEARCH_CHARS
                    value=filters.search.clone()
                />
            </label>
            <div class="filter-row">
                <div class="segmented" role="group" aria-label=t.status data-testid="filter-status">
                    {status_button(StatusFilter::Active, t.status_active)}
                    {status_button(StatusFilter::Ended, t.status_ended)}
                    {status_button(StatusFilter::All, t.status_all)}
                </div>
                <div class="filter-toggles">
                    {toggle("filter-unread", t.filter_unread, filters.unread)}
                    {toggle("filter-handoff", t.filter_waiting, filters.handoff)}
                </div>
            </div>
            {inbox_select}
        </div>
    }
}

/// What the list says when it has no rows for these filters.
#[component]
pub fn EmptyList(filters: Filters, agent: bool) -> impl IntoView {
    let context = RenderContext::get();
    let t = text(context.lang);
    let tab = if agent { filters.tab } else { Tab::All };
    // Clearing the filters keeps the tab.
    let only_tab = Filters {
        tab,
        ..Default::default()
    };
    let filtered = Filters { tab, ..filters } != only_tab;
    let tab_empty = match tab {
        Tab::All => None,
        Tab::Mine => Some(t.empty_mine),
        Tab::New => Some(t.empty_new),
        Tab::Watched => Some(t.empty_watched),
    };
    let clear = context.href(context.open, &only_tab);
    view! {
        <div class="empty-list" data-testid="empty-list">
            {match (filtered, tab_empty) {
                (false, Some(message)) => view! { <p>{message}</p> }.into_any(),
                (true, _) => view! {
                    <p>{t.no_matches}</p>
                    <a href=clear class="link-button" data-clear-filters="">{t.clear_filters}</a>
                }.into_any(),
                (false, None) => view! { <p>{t.no_conversations}</p> }.into_any(),
            }}
        </div>
    }
}
