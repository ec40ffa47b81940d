//! The open conversation. The server renders it whole (header, messages, composer); in
//! the browser a chunk of its own (`client`) makes it work when the page opens on it or
//! the first conversation is opened from the list: the header's buttons, the composer,
//! and the messages as they are sent and as the socket brings them.

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "ssr")]
mod footer;
#[cfg(feature = "ssr")]
mod header;
pub mod outgoing;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{text, ChannelType, ConversationStatus, Handoff, Lang, ReplyWindow};

/// What the browser's thread needs beyond the HTML: the conversation's state, and where
/// the thread was read. The server puts it on the thread's element (`data-head`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadHead {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub name: String,
    pub phone_number: Option<String>,
    pub inbox_name: String,
    pub channel: ChannelType,
    pub handoff: Handoff,
    pub status: ConversationStatus,
    pub assigned_user_id: Option<Uuid>,
    pub unread_count: i64,
    pub window: ReplyWindow,
    pub older_cursor: Option<String>,
    /// The live log's position when the thread was read.
    pub last_event_id: i64,
    /// Whether the signed-in agent watches it.
    pub watched: bool,
}

impl ThreadHead {
    pub fn of(page: &crate::model::ThreadPage) -> Self {
        let c = &page.conversation;
        Self {
            id: c.id,
            contact_id: c.contact.id,
            name: c.contact.display_name.clone(),
            phone_number: c.contact.phone_number.clone(),
            inbox_name: c.inbox_name.clone(),
            channel: c.channel_type,
            handoff: c.handoff,
            status: c.status,
            assigned_user_id: c.assigned_user_id,
            unread_count: c.unread_count,
            window: page.window,
            older_cursor: page.older_cursor.clone(),
            last_event_id: page.last_event_id,
            watched: page.watched,
        }
    }
}

/// The words of a handoff state: the badge, its class, the button.
pub fn handoff_words(lang: Lang, handoff: Handoff) -> (&'static str, &'static str, &'static str) {
    let t = text(lang);
    match handoff {
        Handoff::Bot => (t.handoff_bot, "badge-bot", t.take_over),
        Handoff::Waiting => (t.handoff_waiting, "badge-waiting", t.take_over),
        Handoff::Human => (t.handoff_human, "badge-human", t.return_to_bot),
    }
}

#[cfg(feature = "ssr")]
pub use pane::{Messages, NoThread, ThreadError, ThreadPane};

#[cfg(feature = "ssr")]
mod pane {
    use leptos::prelude::*;

    use super::footer::ThreadFooter;
    use super::header::ThreadHeader;
    use super::ThreadHead;
    use crate::actions::EmbedError;
    use crate::app::icons::{Icon, StatusTicks, INBOX};
    use crate::app::message::{starts_group, MessageBubble};
    use crate::app::render::RenderContext;
    use crate::model::{day_label, same_day, text, LocalTime, MessageStatus, ThreadPage};

    /// The thread as the server renders it, with its head for the browser.
    #[component]
    pub fn ThreadPane(page: ThreadPage) -> impl IntoView {
        let context = RenderContext::get();
        let t = text(context.lang);
        let head = ThreadHead::of(&page);
        let data = serde_json::to_string(&head).expect("plain data serialises");
        view! {
            <section class="thread" data-testid="thread" data-conversation-id=head.id.to_string() data-head=data>
                <ThreadHeader head=head.clone() />
                <div class="thread-scroll">
                    <div class="thread-start">
                        <span class="older-hint">
                            {if head.older_cursor.is_some() { t.older_hint } else { t.thread_start }}
                        </span>
                    </div>
                    <Messages page />
                </div>
                <ThreadFooter window=head.window handoff=head.handoff />
                <PendingBubble />
            </section>
        }
    }

    /// What a message the agent sends shows until the server has stored it: the browser
    /// fills in its text and time, and makes it a message (`data-testid`) of the thread.
    #[component]
    fn PendingBubble() -> impl IntoView {
        let lang = RenderContext::get().lang;
        view! {
            <template class="pending-bubble">
                <div class="message outgoing" data-pending="" data-kind="text" data-direction="outgoing">
                    <div class="bubble">
                        <span class="sender"></span>
                        <p class="text" dir="auto"></p>
                        <span class="meta">
                            <time data-format="clock"></time>
                            <StatusTicks status=MessageStatus::Pending lang />
                        </span>
                    </div>
                </div>
            </template>
        }
    }

    /// Messages with their day separators, grouped by sender, in UTC until the browser
    /// lays them out in its zone.
    #[component]
    pub fn Messages(page: ThreadPage) -> impl IntoView {
        let context = RenderContext::get();
        let lang = context.lang;
        let now = LocalTime::utc(context.now_ms);
        let mut previous: Option<crate::model::Message> = None;
        let mut out = Vec::with_capacity(page.messages.len() + 4);
        for message in page.messages {
            let at = LocalTime::utc(message.created_at.timestamp_millis());
            let new_day = previous
                .as_ref()
                .is_none_or(|p| !same_day(LocalTime::utc(p.created_at.timestamp_millis()), at));
            if new_day {
                out.push(
                    view! {
                        <div class="day-separator" role="separator"><span>{day_label(at, now, lang)}</span></div>
                    }
                    .into_any(),
                );
            }
            let first_in_group = new_day || starts_group(previous.as_ref(), &message);
            out.push(view! { <MessageBubble message=message.clone() first_in_group /> }.into_any());
            previous = Some(message);
        }
        out
    }

    /// The pane for a conversation that cannot be shown.
    #[component]
    pub fn ThreadError(error: EmbedError) -> impl IntoView {
        let context = RenderContext::get();
        let t = text(context.lang);
        let (title, detail) = match &error {
            EmbedError::NotFound => (
                t.conversation_not_found,
                t.conversation_not_found_detail.to_string(),
            ),
            other => (
                t.cannot_open_conversation,
                crate::app::i18n::error_text(context.lang, other),
            ),
        };
        view! {
            <div class="thread-empty" data-testid="thread-error" role="alert">
                <h2>{title}</h2>
                <p>{detail}</p>
                <a class="link-button" href=context.href(None, &context.filters) data-back-link="">{t.back_to_conversations}</a>
            </div>
        }
    }

    /// The thread pane when no conversation is open (wide layouts only).
    #[component]
    pub fn NoThread() -> impl IntoView {
        let t = text(RenderContext::get().lang);
        view! {
            <div class="thread-empty" data-testid="no-thread">
                <Icon d=INBOX size=48 />
                <h2>{t.select_conversation}</h2>
                <p>{t.select_conversation_hint}</p>
            </div>
        }
    }
}
