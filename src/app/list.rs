//! The conversation list: filters, rows, and paging by cursor as the list scrolls.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use uuid::Uuid;

use super::clock::Clock;
use super::embed::EmbedContext;
use super::i18n::{error_text, preview_text, use_lang};
use super::icons::{channel_label, channel_path, Icon, StatusTicks, HAND, PERSON, SEARCH};
use super::live::Live;
use crate::actions::list_conversations;
use crate::model::{
    initials, list_time, merge_live, text, ConversationView, Direction, Filters, Handoff,
    StatusFilter, Tab,
};

/// How close to the bottom (px) the next page starts loading.
const LOAD_AHEAD_PX: i32 = 400;
const SEARCH_DEBOUNCE_MS: u64 = 300;

/// Pages fetched after the first, for one set of filters.
#[derive(Clone, Default)]
struct MorePages {
    filters: Option<Filters>,
    /// Each page with the log position it was read at.
    pages: Vec<(i64, Vec<ConversationView>)>,
    cursor: Option<String>,
    loading: bool,
    error: Option<String>,
}

#[component]
pub fn ConversationList() -> impl IntoView {
    let ctx = EmbedContext::get();
    let lang = use_lang();
    let filters = ctx.filters;
    let list = ctx.list;
    let more = RwSignal::new(MorePages::default());

    // The cursor for the next page: the first page's until more pages came for these filters.
    let next_cursor = move || -> Option<String> {
        let current = filters.get_untracked();
        let more = more.get_untracked();
        if more.filters.as_ref() == Some(&current) {
            more.cursor
        } else {
            list.get_untracked()
                .and_then(|r| r.ok())
                .and_then(|p| p.next_cursor)
        }
    };
    let load_more = {
        let token = ctx.token.clone();
        move || {
            if more.with_untracked(|m| m.loading) {
                return;
            }
            let Some(cursor) = next_cursor() else { return };
            let current = filters.get_untracked();
            more.update(|m| {
                if m.filters.as_ref() != Some(&current) {
                    *m = MorePages {
                        filters: Some(current.clone()),
                        ..Default::default()
                    };
                }
                m.loading = true;
                m.error = None;
            });
            let token = token.clone();
            leptos::task::spawn_local(async move {
                let result = list_conversations(token, current.clone(), Some(cursor)).await;
                more.update(|m| {
                    if m.filters.as_ref() != Some(&current) {
                        return;
                    }
                    m.loading = false;
                    match result {
                        Ok(page) => {
                            m.pages.push((page.last_event_id, page.items));
                            m.cursor = page.next_cursor;
                        }
                        Err(e) => m.error = Some(error_text(lang, &e)),
                    }
                });
            });
        }
    };
    let on_scroll = {
        let load_more = load_more.clone();
        move |ev: leptos::ev::Event| {
            let el = event_target::<leptos::web_sys::HtmlElement>(&ev);
            if el.scroll_top() + el.client_height() >= el.scroll_height() - LOAD_AHEAD_PX {
                load_more();
            }
        }
    };

    view! {
        {ctx.session.agent.is_some().then(|| view! { <TabBar /> })}
        <FilterBar />
        <div class="conversation-scroll" on:scroll=on_scroll>
            <Transition fallback=|| view! { <ListSkeleton /> }>
                {move || {
                    let load_more = load_more.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(first) => Either::Left(view! { <Rows first more load_more /> }),
                            Err(error) => Either::Right(view! {
                                <p class="list-error" role="alert">{error_text(lang, &error)}</p>
                            }),
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

#[component]
fn Rows(
    first: crate::model::ConversationPage,
    more: RwSignal<MorePages>,
    load_more: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = EmbedContext::get();
    let live = Live::get();
    let t = text(use_lang());
    let filters = ctx.filters;
    let first_cursor = first.next_cursor.clone();
    let first_read = first.last_event_id;
    let first_items = first.items;
    let assignee = ctx.session.assigned_user_id;
    let agent = ctx.agent_id();
    let watched = ctx.watched;
    // A new first page (new filters, or a reload): later pages are read again as the list
    // scrolls, and what events said up to this page's position it shows already.
    more.set(MorePages::default());
    live.forget_through(first_read);
    // The loaded pages with what events changed since: re-sorted, joined and left.
    let rows = Memo::new(move |_| {
        let current = filters.get();
        more.with(|m| {
            let mut pages = vec![(first_read, first_items.as_slice())];
            if m.filters.as_ref() == Some(&current) {
                pages.extend(m.pages.iter().map(|(at, items)| (*at, items.as_slice())));
            }
            // Watched: what the server listed, and what was toggled on this page.
            let is_watched = |id: Uuid| {
                watched.with(|w| w.get(&id).copied()).unwrap_or_else(|| {
                    pages
                        .iter()
                        .any(|(_, items)| items.iter().any(|c| c.id == id))
                })
            };
            let in_scope = |v: &ConversationView| {
                assignee.is_none_or(|a| v.assigned_user_id == Some(a))
                    && current.tab.admits(v, agent, is_watched)
            };
            let mut rows = live.with_changes(|l| merge_live(&pages, l, &current, &in_scope));
            // An unwatched conversation leaves the watched tab at once.
            if current.tab == Tab::Watched && agent.is_some() {
                rows.retain(|v| watched.with(|w| w.get(&v.id) != Some(&false)));
            }
            rows
        })
    });
    let has_more = move || {
        let current = filters.get();
        more.with(|m| {
            if m.filters.as_ref() == Some(&current) {
                m.cursor.is_some()
            } else {
                first_cursor.is_some()
            }
        })
    };
    let state = move || more.with(|m| (m.loading, m.error.clone()));
    view! {
        <Show when=move || rows.with(Vec::is_empty)>
            <EmptyList />
        </Show>
        <ul class="conversation-list" role="list" hidden=move || rows.with(Vec::is_empty)>
            <For each=move || rows.get() key=row_key let:conversation>
                <ConversationRow conversation />
            </For>
        </ul>
        <Show when=has_more>
            <div class="list-more">
                {
                    let load_more = load_more.clone();
                    move || match state() {
                        (true, _) => Either::Left(view! { <span class="spinner" aria-label=t.loading_more></span> }),
                        (false, error) => {
                            let load_more = load_more.clone();
                            Either::Right(view! {
                                {error.map(|e| view! { <p class="list-error" role="alert">{e}</p> })}
                                <button class="load-more" on:click=move |_| load_more()>{t.load_more}</button>
                            })
                        }
                    }
                }
            </div>
        </Show>
    }
}

/// A row's key: it changes whenever what the row shows changes, so the row is drawn again.
fn row_key(c: &ConversationView) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{:?}|{}",
        c.id,
        c.last_message_at.timestamp_millis(),
        c.unread_count,
        c.handoff.as_str(),
        c.status.as_str(),
        c.contact.display_name,
        c.preview.as_ref().map(|p| (p.status, p.direction, &p.text)),
        c.inbox_name,
    )
}

#[component]
fn EmptyList() -> impl IntoView {
    let ctx = EmbedContext::get();
    let t = text(use_lang());
    let current = ctx.filters.get_untracked();
    let tab = if ctx.agent_id().is_some() {
        current.tab
    } else {
        Tab::All
    };
    // Clearing the filters keeps the tab.
    let only_tab = Filters {
        tab,
        ..Default::default()
    };
    let filtered = Filters { tab, ..current } != only_tab;
    let clear = ctx.href(ctx.open.get_untracked(), &only_tab);
    let tab_empty = match tab {
        Tab::All => None,
        Tab::Mine => Some(t.empty_mine),
        Tab::New => Some(t.empty_new),
        Tab::Watched => Some(t.empty_watched),
    };
    view! {
        <div class="empty-list" data-testid="empty-list">
            {match (filtered, tab_empty) {
                (false, Some(message)) => EitherOf3::A(view! { <p>{message}</p> }),
                (true, _) => EitherOf3::B(view! {
                    <p>{t.no_matches}</p>
                    <a href=clear class="link-button">{t.clear_filters}</a>
                }),
                (false, None) => EitherOf3::C(view! { <p>{t.no_conversations}</p> }),
            }}
        </div>
    }
}

#[component]
fn ListSkeleton() -> impl IntoView {
    let t = text(use_lang());
    view! {
        <ul class="conversation-list skeleton" aria-busy="true" aria-label=t.loading_conversations>
            {(0..8).map(|_| view! {
                <li class="conversation-item">
                    <span class="avatar"></span>
                    <span class="item-main"><span class="bar"></span><span class="bar short"></span></span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// A stable colour for a contact's avatar.
pub fn avatar_class(id: Uuid) -> String {
    format!(
        "avatar avatar-c{}",
        id.as_bytes()
            .iter()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(*b as u32))
            % 8
    )
}

#[component]
fn ConversationRow(conversation: ConversationView) -> impl IntoView {
    let ctx = EmbedContext::get();
    let clock = Clock::get();
    let lang = use_lang();
    let t = text(lang);
    let id = conversation.id;
    let open = ctx.open;
    let many_inboxes = ctx.session.inboxes.len() > 1;
    let href = move || ctx.href(Some(id), &ctx.filters.get());
    let at = conversation.last_message_at;
    let time = move || list_time(at, clock.now.get(), clock.offset.get(), lang);
    let unread = conversation.unread_count;
    let preview = conversation.preview.clone();
    let outgoing_status = preview
        .as_ref()
        .filter(|p| p.direction == Direction::Outgoing)
        .map(|p| p.status);
    let preview_line = preview.map(|p| preview_text(lang, &p)).unwrap_or_default();
    let handoff = conversation.handoff;
    view! {
        <li>
            <a
                class="conversation-item"
                class:active=move || open.get() == Some(id)
                class:unread={unread > 0}
                data-testid="conversation-item"
                data-conversation-id=id.to_string()
                data-unread=unread
                data-handoff=handoff.as_str()
                data-status=conversation.status.as_str()
                href=href
                aria-current=move || (open.get() == Some(id)).then_some("true")
            >
                <span class=avatar_class(conversation.contact.id) aria-hidden="true">
                    {initials(&conversation.contact.display_name)}
                </span>
                <span class="item-main">
                    <span class="item-top">
                        <span class="item-name" dir="auto">{conversation.contact.display_name.clone()}</span>
                        <time class="item-time" datetime=at.to_rfc3339()>{time}</time>
                    </span>
                    <span class="item-bottom">
                        <span class="item-preview" dir="auto">
                            {outgoing_status.map(|status| view! { <StatusTicks status /> })}
                            {preview_line}
                        </span>
                        {match handoff {
                            Handoff::Waiting => Some(Either::Left(view! {
                                <span class="badge badge-waiting" title=t.waiting_for_an_agent>
                                    <Icon d=HAND size=12 />{t.waiting_badge}
                                </span>
                            })),
                            Handoff::Human => Some(Either::Right(view! {
                                <span class="badge badge-human" title=t.agent_took_over><Icon d=PERSON size=12 /></span>
                            })),
                            Handoff::Bot => None,
                        }}
                        {(unread > 0).then(|| view! {
                            <span class="badge badge-unread" aria-label=(t.unread_count)(unread)>
                                {if unread > 99 { "99+".to_string() } else { unread.to_string() }}
                            </span>
                        })}
                    </span>
                    {many_inboxes.then(|| view! {
                        <span class="item-inbox">
                            <Icon d=channel_path(conversation.channel_type) size=12 />
                            <span class="visually-hidden">{channel_label(lang, conversation.channel_type)}</span>
                            {conversation.inbox_name.clone()}
                        </span>
                    })}
                </span>
            </a>
        </li>
    }
}

/// The agent's tabs (agent JWT sessions): all, mine, new, watched. Links, so they work
/// before the page is interactive; the tab goes into the URL with the other filters.
#[component]
fn TabBar() -> impl IntoView {
    let ctx = EmbedContext::get();
    let t = text(use_lang());
    let filters = ctx.filters;
    let tabs = [
        (Tab::All, t.tab_all),
        (Tab::Mine, t.tab_mine),
        (Tab::New, t.tab_new),
        (Tab::Watched, t.tab_watched),
    ];
    view! {
        <nav class="agent-tabs" aria-label=t.tabs data-testid="agent-tabs">
            {tabs.into_iter().map(|(tab, label)| {
                let ctx = ctx.clone();
                let href = move || {
                    let next = Filters { tab, ..filters.get() };
                    ctx.href(ctx.open.get(), &next)
                };
                let current = move || filters.get().tab == tab;
                view! {
                    <a
                        class="agent-tab"
                        data-testid="agent-tab"
                        data-tab=tab.as_str()
                        href=href
                        aria-current=move || current().then_some("page")
                        class:active=current
                    >
                        {label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// Search, status, unread, waiting and inbox filters; each change goes into the URL.
#[component]
fn FilterBar() -> impl IntoView {
    let ctx = EmbedContext::get();
    let t = text(use_lang());
    let filters = ctx.filters;
    let navigate = use_navigate();
    let go = {
        let ctx = ctx.clone();
        move |next: Filters, replace: bool| {
            navigate(
                &ctx.href(ctx.open.get_untracked(), &next),
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let search_input = NodeRef::<leptos::html::Input>::new();
    let pending_search = StoredValue::new(None::<TimeoutHandle>);
    // Back and forward change the URL: show its search in the box.
    Effect::new(move |_| {
        let search = filters.with(|f| f.search.clone());
        if let Some(input) = search_input.get() {
            if input.value().trim() != search {
                input.set_value(&search);
            }
        }
    });
    let apply_search = {
        let go = go.clone();
        move |text: String| {
            let mut next = filters.get_untracked();
            next.search = text
                .trim()
                .chars()
                .take(crate::model::MAX_SEARCH_CHARS)
                .collect();
            if next != filters.get_untracked() {
                go(next, true);
            }
        }
    };
    let on_search_input = {
        let apply_search = apply_search.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            if let Some(handle) = pending_search.get_value() {
                handle.clear();
            }
            let apply_search = apply_search.clone();
            let handle = set_timeout_with_handle(
                move || apply_search(text),
                std::time::Duration::from_millis(SEARCH_DEBOUNCE_MS),
            )
            .ok();
            pending_search.set_value(handle);
        }
    };
    let on_search_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            if let Some(handle) = pending_search.get_value() {
                handle.clear();
            }
            apply_search(event_target_value(&ev));
        }
    };
    let status_button = {
        let go = go.clone();
        move |status: StatusFilter, label: &'static str| {
            let go = go.clone();
            view! {
                <button
                    type="button"
                    data-value=status.as_str()
                    aria-pressed=move || (filters.get().status == status).to_string()
                    on:click=move |_| {
                        let mut next = filters.get_untracked();
                        next.status = status;
                        go(next, false);
                    }
                >
                    {label}
                </button>
            }
        }
    };
    let toggle = {
        let go = go.clone();
        move |testid: &'static str,
              label: &'static str,
              get: fn(&Filters) -> bool,
              set: fn(&mut Filters, bool)| {
            let go = go.clone();
            view! {
                <button
                    type="button"
                    class="chip"
                    data-testid=testid
                    aria-pressed=move || get(&filters.get()).to_string()
                    on:click=move |_| {
                        let mut next = filters.get_untracked();
                        let value = !get(&next);
                        set(&mut next, value);
                        go(next, false);
                    }
                >
                    {label}
                </button>
            }
        }
    };
    let inboxes = ctx.session.inboxes.clone();
    let inbox_select = (inboxes.len() > 1).then(|| {
        let go = go.clone();
        view! {
            <select
                class="inbox-select"
                data-testid="filter-inbox"
                aria-label=t.inbox
                on:change=move |ev| {
                    let mut next = filters.get_untracked();
                    next.whatsapp_config_id = uuid::Uuid::parse_str(&event_target_value(&ev)).ok();
                    go(next, false);
                }
            >
                <option value="all" selected=move || filters.get().whatsapp_config_id.is_none()>{t.all_inboxes}</option>
                {inboxes.into_iter().map(|inbox| {
                    let id = inbox.id;
                    view! {
                        <option value=id.to_string() selected=move || filters.get().whatsapp_config_id == Some(id)>
                            {inbox.name}
                        </option>
                    }
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
                    maxlength=crate::model::MAX_SEARCH_CHARS
                    value=filters.get_untracked().search
                    node_ref=search_input
                    on:input=on_search_input
                    on:keydown=on_search_key
                />
            </label>
            <div class="filter-row">
                <div class="segmented" role="group" aria-label=t.status data-testid="filter-status">
                    {status_button(StatusFilter::Active, t.status_active)}
                    {status_button(StatusFilter::Ended, t.status_ended)}
                    {status_button(StatusFilter::All, t.status_all)}
                </div>
                <div class="filter-toggles">
                    {toggle("filter-unread", t.filter_unread, |f| f.unread, |f, v| f.unread = v)}
                    {toggle("filter-handoff", t.filter_waiting, |f| f.handoff, |f, v| f.handoff = v)}
                </div>
            </div>
            {inbox_select}
        </div>
    }
}
