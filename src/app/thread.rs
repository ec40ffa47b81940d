//! The open conversation: header, messages with day separators, older pages on scroll.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::clock::Clock;
use super::embed::EmbedContext;
use super::icons::{channel_label, channel_path, Icon, BACK};
use super::list::avatar_class;
use super::message::{starts_group, MessageBubble};
use crate::actions::{older_messages, EmbedError};
use crate::model::{
    day_label, initials, same_day, ConversationStatus, ConversationView, Handoff, Message,
    ThreadPage,
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
    let back = ctx.href(None, &ctx.filters.get_untracked());
    let (title, detail) = match &error {
        EmbedError::NotFound => (
            "Conversation not found",
            "It may have been deleted, or it is not part of this inbox.".to_string(),
        ),
        other => ("Could not open this conversation", other.to_string()),
    };
    view! {
        <div class="thread-empty" data-testid="thread-error" role="alert">
            <h2>{title}</h2>
            <p>{detail}</p>
            <a class="link-button" href=back>"Back to conversations"</a>
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
            Entry::Message {
                message,
                first_in_group,
            } => format!("{}-{first_in_group}", message.id),
        }
    }
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

    let rows = move || entries(&messages.get(), clock.offset.get());
    view! {
        <Title text=super::title_text(&conversation.contact.display_name) />
        <section class="thread" data-testid="thread" data-conversation-id=conversation_id.to_string()>
            <ThreadHeader conversation=conversation.clone() />
            <div class="thread-scroll" node_ref=scroller on:scroll=on_scroll on:load:capture=on_media_load>
                <div class="thread-start">
                    {move || if loading_older.get() {
                        Either::Left(view! { <span class="spinner" aria-label="Loading older messages"></span> })
                    } else if older_cursor.with(Option::is_some) {
                        Either::Right(Either::Left(view! { <span class="older-hint">"Scroll up for older messages"</span> }))
                    } else {
                        Either::Right(Either::Right(view! { <span class="older-hint">"Start of the conversation"</span> }))
                    }}
                </div>
                <For each=rows key=Entry::key let:entry>
                    {match entry {
                        Entry::Day(at) => Either::Left(view! {
                            <div class="day-separator" role="separator">
                                <span>{move || day_label(at, clock.now.get(), clock.offset.get())}</span>
                            </div>
                        }),
                        Entry::Message { message, first_in_group } => Either::Right(view! {
                            <MessageBubble message first_in_group />
                        }),
                    }}
                </For>
            </div>
            <ThreadFooter conversation />
        </section>
    }
}

#[component]
fn ThreadHeader(conversation: ConversationView) -> impl IntoView {
    let ctx = EmbedContext::get();
    let back = move || ctx.href(None, &ctx.filters.get());
    let subtitle = [
        conversation.contact.phone_number.clone(),
        Some(conversation.inbox_name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let (handoff_label, handoff_class) = match conversation.handoff {
        Handoff::Bot => ("Bot", "badge-bot"),
        Handoff::Waiting => ("Waiting for agent", "badge-waiting"),
        Handoff::Human => ("Agent", "badge-human"),
    };
    view! {
        <header class="thread-header">
            <a class="back-button" href=back data-testid="back-button" aria-label="Back to conversations">
                <Icon d=BACK size=22 />
            </a>
            <span class=avatar_class(conversation.contact.id) aria-hidden="true">
                {initials(&conversation.contact.display_name)}
            </span>
            <div class="thread-title">
                <h2 dir="auto">{conversation.contact.display_name.clone()}</h2>
                <p>
                    <Icon d=channel_path(conversation.channel_type) size=12 />
                    <span class="visually-hidden">{channel_label(conversation.channel_type)}</span>
                    {subtitle}
                </p>
            </div>
            <div class="thread-badges">
                {(conversation.status == ConversationStatus::Ended).then(|| view! { <span class="badge badge-ended">"Ended"</span> })}
                <span class=format!("badge {handoff_class}") data-handoff=conversation.handoff.as_str()>{handoff_label}</span>
            </div>
        </header>
    }
}

/// Where the composer will sit: for now, who is answering this conversation.
#[component]
fn ThreadFooter(conversation: ConversationView) -> impl IntoView {
    let text = match (conversation.status, conversation.handoff) {
        (ConversationStatus::Ended, _) => "This conversation has ended.",
        (_, Handoff::Bot) => "The assistant is answering this conversation.",
        (_, Handoff::Waiting) => "The contact is waiting for an agent.",
        (_, Handoff::Human) => "An agent has taken over this conversation.",
    };
    view! { <footer class="thread-footer"><p>{text}</p></footer> }
}
