//! A conversation's row in the list, as the server renders it: in the page, in the pages
//! the list fetches as it scrolls, and in the live frames that change it. The browser
//! orders rows by `data-at` and points their links at the page (`data-conversation-id`).

use leptos::either::Either;
use leptos::prelude::*;

use super::i18n::preview_text;
use super::icons::{avatar_class, channel_label, channel_path, Icon, StatusTicks, HAND, PERSON};
use super::render::RenderContext;
use crate::model::{initials, list_time, text, ConversationView, Direction, Handoff, LocalTime};

/// The rows of a page of the list.
#[component]
pub fn Rows(items: Vec<ConversationView>) -> impl IntoView {
    items
        .into_iter()
        .map(|conversation| view! { <ConversationRow conversation /> })
        .collect_view()
}

#[component]
pub fn ConversationRow(conversation: ConversationView) -> impl IntoView {
    let context = RenderContext::get();
    let lang = context.lang;
    let t = text(lang);
    let id = conversation.id;
    let open = context.open == Some(id);
    let href = context.href(Some(id), &context.filters);
    let at = conversation.last_message_at.timestamp_millis();
    let time = list_time(LocalTime::utc(at), LocalTime::utc(context.now_ms), lang);
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
                class:active=open
                class:unread={unread > 0}
                data-testid="conversation-item"
                data-conversation-id=id.to_string()
                data-at=at
                data-unread=unread
                data-handoff=handoff.as_str()
                data-status=conversation.status.as_str()
                href=href
                aria-current=open.then_some("true")
            >
                <span class=avatar_class(conversation.contact.id) aria-hidden="true">
                    {initials(&conversation.contact.display_name)}
                </span>
                <span class="item-main">
                    <span class="item-top">
                        <span class="item-name" dir="auto">{conversation.contact.display_name.clone()}</span>
                        <time class="item-time" datetime=conversation.last_message_at.to_rfc3339() data-at=at data-format="list">{time}</time>
                    </span>
                    <span class="item-bottom">
                        <span class="item-preview" dir="auto">
                            {outgoing_status.map(|status| view! { <StatusTicks status lang /> })}
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
                    // Shown where the page covers more than one inbox (the sidebar says so).
                    <span class="item-inbox">
                        <Icon d=channel_path(conversation.channel_type) size=12 />
                        <span class="visually-hidden">{channel_label(lang, conversation.channel_type)}</span>
                        {conversation.inbox_name.clone()}
                    </span>
                </span>
            </a>
        </li>
    }
}
