//! The open conversation: header, messages with day separators, older pages on scroll.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use std::collections::HashMap;

use super::clock::Clock;
use super::composer::{Composer, Outgoing};
use super::embed::EmbedContext;
use super::i18n::{error_text, use_lang};
use super::icons::{channel_label, channel_path, Icon, BACK, EDIT, EYE};
use super::list::avatar_class;
use super::live::Live;
use super::message::{starts_group, MessageBubble};
use crate::actions::{
    mark_read, older_messages, rename_contact, set_handoff, set_watched, EmbedError, MAX_NAME_CHARS,
};
use crate::model::{
    day_label, initials, same_day, text, ConversationStatus, ConversationView, Direction, Handoff,
    LiveFrame, Message, MessageStatus, ReplyWindow, Tab, ThreadPage,
};

/// How close to the top (px) older messages start loading.
const LOAD_OLDER_PX: i32 = 300;
/// How close to the bottom (px) counts as reading the newest message.
const STICK_TO_BOTTOM_PX: i32 = 48;

#[component]
pub fn ThreadRoute() -> impl IntoView {
    let thread = EmbedContext::get().thread;
    view! {
        <Transition fallback=|| view! { <div class="thread-loading" aria-busy="true"><span class="spinner"></span></div> }>
            {move || Suspend::new(async move {
                match thread.await {
                    Ok(Some(page)) => Some(Either::Left(view! { <Thread page /> })),
                    Ok(None) => None,
                    Err(error) => Some(Either::Right(view! { <ThreadError error /> })),
                }
            })}
        </Transition>
    }
}

#[component]
fn ThreadError(error: EmbedError) -> impl IntoView {
    let ctx = EmbedContext::get();
    let lang = use_lang();
    let t = text(lang);
    let back = ctx.href(None, &ctx.filters.get_untracked());
    let (title, detail) = match &error {
        EmbedError::NotFound => (
            t.conversation_not_found,
            t.conversation_not_found_detail.to_string(),
        ),
        other => (t.cannot_open_conversation, error_text(lang, other)),
    };
    view! {
        <div class="thread-empty" data-testid="thread-error" role="alert">
            <h2>{title}</h2>
            <p>{detail}</p>
            <a class="link-button" href=back>{t.back_to_conversations}</a>
        </div>
    }
}

/// One entry of the rendered thread.
#[derive(Clone, PartialEq)]
enum Entry {
    Day(chrono::DateTime<chrono::Utc>),
    Message {
        message: Message,
        first_in_group: bool,
    },
}

impl Entry {
    fn key(&self) -> String {
        match self {
            Entry::Day(at) => format!("day-{}", at.timestamp_millis()),
            // The status is in the key so a bubble whose status moved is drawn again; the
            // server's copy of an optimistic message has its own id, so it replaces it.
            Entry::Message {
                message,
                first_in_group,
            } => format!("{}-{}-{first_in_group}", message.id, message.status),
        }
    }
}

/// Puts a message from the server into the thread: in place of the copy with its id, or of
/// the pending one with its `client_id`; a new one (`created`) goes in time order unless it
/// is older than what is loaded (`complete` false: older pages are still to come, and will
/// bring it). True when it is new here.
fn upsert(messages: &mut Vec<Message>, message: Message, created: bool, complete: bool) -> bool {
    if let Some(slot) = messages.iter_mut().find(|m| {
        m.id == message.id
            || m.client_id.is_some()
                && m.client_id == message.client_id
                && m.status == MessageStatus::Pending
    }) {
        // A late frame never moves a message's status backwards.
        if slot.id != message.id
            || slot.status.advances_to(message.status)
            || slot.status == message.status
        {
            *slot = message;
        }
        return false;
    }
    let older_than_loaded = messages
        .first()
        .is_some_and(|first| (message.created_at, message.id) < (first.created_at, first.id));
    if !created || older_than_loaded && !complete {
        return false;
    }
    let at = messages
        .iter()
        .rposition(|m| (m.created_at, m.id) <= (message.created_at, message.id))
        .map_or(0, |i| i + 1);
    messages.insert(at, message);
    true
}

fn entries(messages: &[Message], offset: chrono::FixedOffset) -> Vec<Entry> {
    let mut out = Vec::with_capacity(messages.len() + 4);
    let mut previous: Option<&Message> = None;
    for message in messages {
        let new_day = previous.is_none_or(|p| !same_day(p.created_at, message.created_at, offset));
        if new_day {
            out.push(Entry::Day(message.created_at));
        }
        out.push(Entry::Message {
            message: message.clone(),
            first_in_group: new_day || starts_group(previous, message),
        });
        previous = Some(message);
    }
    out
}

#[component]
fn Thread(page: ThreadPage) -> impl IntoView {
    let ctx = EmbedContext::get();
    let clock = Clock::get();
    let lang = use_lang();
    let t = text(lang);
    let conversation = page.conversation.clone();
    let conversation_id = conversation.id;
    let messages = RwSignal::new(page.messages);
    let older_cursor = RwSignal::new(page.older_cursor);
    let loading_older = RwSignal::new(false);
    let scroller = NodeRef::<leptos::html::Div>::new();

    // Open at the newest message.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let load_older = {
        let token = ctx.token.clone();
        move || {
            if loading_older.get_untracked() {
                return;
            }
            let Some(before) = older_cursor.get_untracked() else {
                return;
            };
            loading_older.set(true);
            let token = token.clone();
            leptos::task::spawn_local(async move {
                let result = older_messages(token, conversation_id, before).await;
                let Some(el) = scroller.get_untracked() else {
                    return;
                };
                // Keep the message under the reader's eyes where it is.
                let (height, top) = (el.scroll_height(), el.scroll_top());
                match result {
                    Ok(older) => {
                        messages.update(|m| {
                            let mut all = older.messages;
                            all.retain(|o| !m.iter().any(|x| x.id == o.id));
                            all.append(m);
                            *m = all;
                        });
                        older_cursor.set(older.older_cursor);
                        request_animation_frame(move || {
                            el.set_scroll_top(el.scroll_height() - height + top);
                        });
                    }
                    Err(e) => leptos::logging::warn!("older messages: {e}"),
                }
                loading_older.set(false);
            });
        }
    };
    // Whether the reader is at the newest message: then media that loads late keeps them there.
    let at_bottom = StoredValue::new(true);
    let on_scroll = move |ev: leptos::ev::Event| {
        let el = event_target::<leptos::web_sys::HtmlElement>(&ev);
        at_bottom.set_value(
            el.scroll_top() + el.client_height() >= el.scroll_height() - STICK_TO_BOTTOM_PX,
        );
        if el.scroll_top() < LOAD_OLDER_PX {
            load_older();
        }
    };
    let on_media_load = move |_: leptos::ev::Event| {
        if let (true, Some(el)) = (at_bottom.get_value(), scroller.get_untracked()) {
            el.set_scroll_top(el.scroll_height());
        }
    };

    // Sending: the message shows at once as pending and is replaced by the server's copy
    // (matched by client_id); a failure keeps it, with the reason and a retry.
    let failures = RwSignal::new(HashMap::<String, (Outgoing, String)>::new());
    let handoff = RwSignal::new(conversation.handoff);
    // As the server will sign it: the agent's name, or its unnamed agent.
    let sender_name = ctx
        .session
        .agent
        .as_ref()
        .map_or_else(|| "Agent".to_string(), |a| a.name.clone());
    let send = {
        let token = ctx.token.clone();
        move |outgoing: Outgoing, client_id: String| {
            let local = outgoing.pending(
                conversation_id,
                &client_id,
                clock.now.get_untracked(),
                &sender_name,
            );
            messages.update(|m| {
                if !m.iter().any(|x| x.client_id.as_ref() == Some(&client_id)) {
                    m.push(local);
                }
            });
            failures.update(|f| {
                f.remove(&client_id);
            });
            at_bottom.set_value(true);
            if let Some(el) = scroller.get_untracked() {
                request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
            }
            let token = token.clone();
            leptos::task::spawn_local(async move {
                match outgoing
                    .clone()
                    .send(token, conversation_id, client_id.clone())
                    .await
                {
                    // The live event may have brought the stored copy (and its later
                    // ticks) already.
                    Ok(stored) => messages.update(|m| {
                        if let Some(slot) = m
                            .iter_mut()
                            .find(|x| x.client_id.as_ref() == Some(&client_id))
                        {
                            if slot.id != stored.id {
                                *slot = stored;
                            }
                        }
                    }),
                    Err(e) => failures.update(|f| {
                        f.insert(client_id, (outgoing, error_text(lang, &e)));
                    }),
                }
            });
        }
    };
    let on_send = {
        let send = send.clone();
        Callback::new(move |outgoing: Outgoing| send(outgoing, uuid::Uuid::new_v4().to_string()))
    };
    let retry = StoredValue::new(send);
    let on_uploaded = Callback::new(move |stored: Message| {
        messages.update(|m| {
            if !m.iter().any(|x| x.id == stored.id) {
                m.push(stored);
            }
        });
        at_bottom.set_value(true);
        if let Some(el) = scroller.get_untracked() {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    });

    // Opening the thread reads it: the unread badge clears. So does a message that
    // arrives while it is open.
    let read_now = {
        let token = ctx.token.clone();
        let list = ctx.list;
        let live = Live::get();
        move || {
            let token = token.clone();
            leptos::task::spawn_local(async move {
                match mark_read(token, conversation_id).await {
                    // Without a live connection the list learns it by reloading.
                    Ok(()) if !live.is_live() => list.refetch(),
                    Ok(()) => {}
                    Err(e) => leptos::logging::warn!("mark read: {e}"),
                }
            });
        }
    };
    if conversation.unread_count > 0 {
        let read_now = read_now.clone();
        Effect::new(move |_| read_now());
    }

    // Live: messages and ticks as they come, the header and the window with them.
    let window = RwSignal::new(page.window);
    let page_watched = page.watched;
    let name = RwSignal::new(conversation.contact.display_name.clone());
    let status = RwSignal::new(conversation.status);
    let channel = conversation.channel_type;
    let live = Live::get();
    // A token for one agent's conversations: one reassigned to someone else leaves it.
    let my_assignee = ctx.session.assigned_user_id;
    let reassigned = RwSignal::new(false);
    let back_to_list = {
        let ctx = ctx.clone();
        Signal::derive(move || ctx.href(None, &ctx.filters.get()))
    };
    let show_view = move |view: ConversationView| {
        if let Some(me) = my_assignee {
            reassigned.set(view.assigned_user_id != Some(me));
        }
        handoff.set(view.handoff);
        name.set(view.contact.display_name);
        status.set(view.status);
    };
    // A header change that came while this thread was loading.
    if let Some(view) = live.changed_after(conversation_id, page.last_event_id) {
        show_view(view);
    }
    live.subscribe(page.last_event_id, move |frame| {
        let (created, message) = match frame {
            LiveFrame::MessageCreated {
                conversation_id: c,
                data,
                ..
            } if c == conversation_id => (true, data.message),
            LiveFrame::MessageUpdated {
                conversation_id: c,
                data,
                ..
            } if c == conversation_id => (false, data.message),
            LiveFrame::ConversationUpdated {
                conversation_id: c,
                data,
                ..
            } if c == conversation_id => {
                return show_view(data.conversation);
            }
            _ => return,
        };
        let incoming = message.direction == Direction::Incoming;
        let at = message.created_at;
        let complete = older_cursor.with_untracked(Option::is_none);
        let added = messages
            .try_update(|m| upsert(m, message, created, complete))
            .unwrap_or(false);
        if added && incoming {
            // The window only opens further: a late, older message never closes it.
            let opened = ReplyWindow::of(channel, Some(at), clock.now.get_untracked());
            window.update(|w| {
                let later = match (*w, opened) {
                    (ReplyWindow::OpenUntil(old), ReplyWindow::OpenUntil(new)) => new > old,
                    (ReplyWindow::Closed, ReplyWindow::OpenUntil(_)) => true,
                    _ => false,
                };
                if later {
                    *w = opened;
                }
            });
            read_now();
        }
        if added && at_bottom.get_value() {
            if let Some(el) = scroller.get_untracked() {
                request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
            }
        }
    });

    let rows = move || entries(&messages.get(), clock.offset.get());
    view! {
        <Title text=super::title_text(&conversation.contact.display_name) />
        <section class="thread" data-testid="thread" data-conversation-id=conversation_id.to_string()>
            <ThreadHeader conversation=conversation.clone() handoff name status watched=page_watched />
            <div class="thread-scroll" node_ref=scroller on:scroll=on_scroll on:load:capture=on_media_load>
                <div class="thread-start">
                    {move || if loading_older.get() {
                        Either::Left(view! { <span class="spinner" aria-label=t.loading_older></span> })
                    } else if older_cursor.with(Option::is_some) {
                        Either::Right(Either::Left(view! { <span class="older-hint">{t.older_hint}</span> }))
                    } else {
                        Either::Right(Either::Right(view! { <span class="older-hint">{t.thread_start}</span> }))
                    }}
                </div>
                <For each=rows key=Entry::key let:entry>
                    {match entry {
                        Entry::Day(at) => Either::Left(view! {
                            <div class="day-separator" role="separator">
                                <span>{move || day_label(at, clock.now.get(), clock.offset.get(), lang)}</span>
                            </div>
                        }),
                        Entry::Message { message, first_in_group } => {
                            let failed = message.client_id.clone().map(|cid| {
                                move || failures.with(|f| f.get(&cid).cloned()).map(|(outgoing, reason)| {
                                    let cid = cid.clone();
                                    view! {
                                        <div class="send-failed" data-testid="send-failed" role="alert">
                                            <span>{(t.not_sent)(&reason)}</span>
                                            <button type="button" class="link-button" data-testid="retry-send"
                                                on:click=move |_| retry.with_value(|send| send(outgoing.clone(), cid.clone()))>
                                                {t.retry}
                                            </button>
                                        </div>
                                    }
                                })
                            });
                            Either::Right(view! {
                                <MessageBubble message first_in_group />
                                {failed}
                            })
                        }
                    }}
                </For>
            </div>
            <Show when=move || reassigned.get()>
                <footer class="composer reassigned" data-testid="reassigned" role="status">
                    <p class="composer-note">{t.reassigned}</p>
                    <a class="link-button" href=back_to_list>{t.back_to_your_conversations}</a>
                </footer>
            </Show>
            <div class="composer-slot" hidden=move || reassigned.get()>
                <Composer conversation=conversation_id window handoff on_send on_uploaded />
            </div>
        </section>
    }
}

#[component]
fn ThreadHeader(
    conversation: ConversationView,
    handoff: RwSignal<Handoff>,
    name: RwSignal<String>,
    status: RwSignal<ConversationStatus>,
    /// Whether the agent watched it when the thread was read.
    watched: bool,
) -> impl IntoView {
    let ctx = EmbedContext::get();
    let lang = use_lang();
    let t = text(lang);
    let is_agent = ctx.session.agent.is_some();
    let back = move || ctx.href(None, &ctx.filters.get());
    let subtitle = [
        conversation.contact.phone_number.clone(),
        Some(conversation.inbox_name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <header class="thread-header">
            <a class="back-button" href=back data-testid="back-button" aria-label=t.back_to_conversations>
                <Icon d=BACK size=22 />
            </a>
            <span class=avatar_class(conversation.contact.id) aria-hidden="true">
                {move || initials(&name.get())}
            </span>
            <div class="thread-title">
                <ContactName conversation=conversation.id name />
                <p>
                    <Icon d=channel_path(conversation.channel_type) size=12 />
                    <span class="visually-hidden">{channel_label(lang, conversation.channel_type)}</span>
                    {subtitle}
                </p>
            </div>
            <div class="thread-badges">
                {move || (status.get() == ConversationStatus::Ended).then(|| view! { <span class="badge badge-ended" data-testid="ended-badge">{t.ended_badge}</span> })}
                {is_agent.then(|| view! { <WatchButton conversation=conversation.id initial=watched /> })}
                <HandoffButton conversation=conversation.id handoff />
            </div>
        </header>
    }
}

/// Follow the conversation in the agent's Watched tab, or stop (agent JWT sessions).
#[component]
fn WatchButton(conversation: uuid::Uuid, initial: bool) -> impl IntoView {
    let ctx = EmbedContext::get();
    let lang = use_lang();
    let t = text(lang);
    let watched = ctx.watched;
    let (filters, list) = (ctx.filters, ctx.list);
    let is_watched = move || watched.with(|w| w.get(&conversation).copied().unwrap_or(initial));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let token = StoredValue::new(ctx.token.clone());
    let toggle = move |_| {
        if busy.get_untracked() {
            return;
        }
        let target = !watched
            .with_untracked(|w| w.get(&conversation).copied())
            .unwrap_or(initial);
        busy.set(true);
        error.set(None);
        let token = token.get_value();
        leptos::task::spawn_local(async move {
            match set_watched(token, conversation, target).await {
                Ok(now) => {
                    watched.update(|w| {
                        w.insert(conversation, now);
                    });
                    // The watched tab lists it from the server.
                    if now && filters.get_untracked().tab == Tab::Watched {
                        list.refetch();
                    }
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <button
            type="button"
            class="watch-button"
            class:watching=is_watched
            data-testid="watch-toggle"
            aria-pressed=move || is_watched().to_string()
            title=move || if is_watched() { t.unwatch_title } else { t.watch_title }
            disabled=move || busy.get()
            on:click=toggle
        >
            <Icon d=EYE size=14 />
            <span>{move || if is_watched() { t.unwatch } else { t.watch }}</span>
        </button>
        {move || error.get().map(|e| view! { <span class="inline-error" role="alert">{e}</span> })}
    }
}

/// Take over from the bot (or a waiting contact), or return the conversation to the bot.
#[component]
fn HandoffButton(conversation: uuid::Uuid, handoff: RwSignal<Handoff>) -> impl IntoView {
    let ctx = EmbedContext::get();
    let live = Live::get();
    let lang = use_lang();
    let t = text(lang);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toggle = move |_| {
        if busy.get_untracked() {
            return;
        }
        let target = match handoff.get_untracked() {
            Handoff::Human => Handoff::Bot,
            Handoff::Bot | Handoff::Waiting => Handoff::Human,
        };
        busy.set(true);
        error.set(None);
        let token = ctx.token.clone();
        let list = ctx.list;
        leptos::task::spawn_local(async move {
            match set_handoff(token, conversation, target).await {
                Ok(now) => {
                    handoff.set(now);
                    if !live.is_live() {
                        list.refetch();
                    }
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };
    let state = move || match handoff.get() {
        Handoff::Bot => (t.handoff_bot, "badge-bot", t.take_over),
        Handoff::Waiting => (t.handoff_waiting, "badge-waiting", t.take_over),
        Handoff::Human => (t.handoff_human, "badge-human", t.return_to_bot),
    };
    view! {
        <span class=move || format!("badge {}", state().1) data-handoff=move || handoff.get().as_str()>{move || state().0}</span>
        <button
            type="button"
            class=move || format!("handoff-button handoff-{}", handoff.get().as_str())
            data-testid="handoff-button"
            data-handoff=move || handoff.get().as_str()
            disabled=move || busy.get()
            aria-busy=move || busy.get().to_string()
            on:click=toggle
        >
            {move || state().2}
        </button>
        {move || error.get().map(|e| view! { <span class="inline-error" role="alert">{e}</span> })}
    }
}

/// The contact's name, renamed in place: Enter or leaving the box saves, Escape cancels.
#[component]
fn ContactName(conversation: uuid::Uuid, name: RwSignal<String>) -> impl IntoView {
    let ctx = EmbedContext::get();
    let live = Live::get();
    let lang = use_lang();
    let t = text(lang);
    let token = StoredValue::new(ctx.token.clone());
    let list = ctx.list;
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if editing.get() {
            if let Some(el) = input.get() {
                let _ = el.focus();
                el.select();
            }
        }
    });
    let save = move || {
        // Escape closes the box first; the blur that follows saves nothing.
        if !editing.get_untracked() {
            return;
        }
        let Some(el) = input.get_untracked() else {
            return;
        };
        let wanted = el.value().trim().to_string();
        editing.set(false);
        if wanted.is_empty() || wanted == name.get_untracked() {
            return;
        }
        let previous = name.get_untracked();
        name.set(wanted.clone());
        error.set(None);
        leptos::task::spawn_local(async move {
            match rename_contact(token.get_value(), conversation, wanted).await {
                Ok(stored) => {
                    name.set(stored);
                    if !live.is_live() {
                        list.refetch();
                    }
                }
                Err(e) => {
                    name.set(previous);
                    error.set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.is_composing() => {
            ev.prevent_default();
            save();
        }
        "Escape" => editing.set(false),
        _ => {}
    };
    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! {
                <div class="contact-name-row">
                    <h2 dir="auto" data-testid="contact-name">{move || name.get()}</h2>
                    <button type="button" class="rename-button" data-testid="rename-button"
                        aria-label=t.edit_contact_name title=t.edit_name
                        on:click=move |_| editing.set(true)>
                        <Icon d=EDIT size=14 />
                    </button>
                    {move || error.get().map(|e| view! { <span class="inline-error" role="alert">{e}</span> })}
                </div>
            }
        >
            <input
                node_ref=input
                class="rename-input"
                data-testid="contact-name-input"
                aria-label=t.contact_name
                maxlength=MAX_NAME_CHARS.to_string()
                dir="auto"
                prop:value=move || name.get_untracked()
                on:keydown=on_keydown
                on:blur=move |_| save()
            />
        </Show>
    }
}
