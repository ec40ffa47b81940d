//! The thread's header as the server renders it: who the contact is, the conversation's
//! state, and the buttons that change it (watch for agents, take over or return to the
//! bot). `client::header` makes it work.

use leptos::prelude::*;

use super::{handoff_words, ThreadHead};
use crate::actions::MAX_NAME_CHARS;
use crate::app::icons::{avatar_class, channel_label, channel_path, Icon, BACK, EDIT, EYE};
use crate::app::render::RenderContext;
use crate::model::{initials, text, ConversationStatus, Handoff, Lang};

#[component]
pub fn ThreadHeader(head: ThreadHead) -> impl IntoView {
    let context = RenderContext::get();
    let lang = context.lang;
    let t = text(lang);
    let subtitle = [head.phone_number.clone(), Some(head.inbox_name.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let ended = head.status == ConversationStatus::Ended;
    view! {
        <header class="thread-header">
            <a class="back-button" href=context.href(None, &context.filters) data-back-link="" data-testid="back-button" aria-label=t.back_to_conversations>
                <Icon d=BACK size=22 />
            </a>
            <span class=avatar_class(head.contact_id) aria-hidden="true" data-avatar="">
                {initials(&head.name)}
            </span>
            <div class="thread-title">
                <div class="contact-name-row">
                    <h2 dir="auto" data-testid="contact-name">{head.name.clone()}</h2>
                    <button type="button" class="rename-button" data-testid="rename-button"
                        aria-label=t.edit_contact_name title=t.edit_name data-max=MAX_NAME_CHARS>
                        <Icon d=EDIT size=14 />
                    </button>
                </div>
                <p>
                    <Icon d=channel_path(head.channel) size=12 />
                    <span class="visually-hidden">{channel_label(lang, head.channel)}</span>
                    {subtitle}
                </p>
            </div>
            <div class="thread-badges">
                {ended.then(|| view! { <span class="badge badge-ended" data-testid="ended-badge">{t.ended_badge}</span> })}
                {context.agent.then(|| view! { <WatchButton watched=head.watched lang /> })}
                <HandoffButton handoff=head.handoff lang />
            </div>
        </header>
    }
}

/// Follow the conversation in the agent's Watched tab, or stop (agent JWT sessions).
#[component]
fn WatchButton(watched: bool, lang: Lang) -> impl IntoView {
    let t = text(lang);
    view! {
        <button
            type="button"
            class="watch-button"
            class:watching=watched
            data-testid="watch-toggle"
            aria-pressed=watched.to_string()
            title=if watched { t.unwatch_title } else { t.watch_title }
        >
            <Icon d=EYE size=14 />
            <span>{if watched { t.unwatch } else { t.watch }}</span>
        </button>
    }
}

/// Take over from the bot (or a waiting contact), or return the conversation to the bot.
#[component]
fn HandoffButton(handoff: Handoff, lang: Lang) -> impl IntoView {
    let (badge, class, action) = handoff_words(lang, handoff);
    view! {
        <span class=format!("badge {class}") data-handoff=handoff.as_str() data-handoff-badge="">{badge}</span>
        <button
            type="button"
            class=format!("handoff-button handoff-{}", handoff.as_str())
            data-testid="handoff-button"
            data-handoff=handoff.as_str()
            aria-busy="false"
        >
            {action}
        </button>
    }
}
