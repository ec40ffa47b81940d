//! One message bubble, for every kind, as the server renders it (in the page, in the
//! older pages a thread fetches, in live frames); content is always text nodes, never
//! markup. The browser orders bubbles by `data-at`, groups them by `data-direction` and
//! `data-sender`, and points media with `data-media-id` at the page.

use leptos::either::EitherOf3;
use leptos::prelude::*;

use super::icons::{Icon, StatusTicks, BOT, EXTERNAL, FILE, LIST, PIN, REPLY, TEMPLATE};
use super::render::RenderContext;
use super::text::FormattedText;
use crate::model::{
    clock_time, human_size, text, Direction, Interactive, LocalTime, Message, MessageKind,
    SenderType,
};

/// A URL safe to put in `src`/`href`: http(s) or same-origin paths only.
fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://")
        || lower.starts_with("http://")
        || (lower.starts_with('/') && !lower.starts_with("//")))
    .then(|| url.trim().to_string())
}

fn caption(text: &str) -> Option<impl IntoView> {
    (!text.trim().is_empty()).then(
        || view! { <p class="caption" dir="auto"><FormattedText text=text.to_string() /></p> },
    )
}

/// A bubble's HTML on its own (a live frame's, a send's answer, an older page's).
pub fn bubble_html(context: RenderContext, message: Message) -> String {
    super::render::fragment(context, move || view! { <MessageBubble message /> })
}

#[component]
pub fn MessageBubble(message: Message, #[prop(optional)] first_in_group: bool) -> impl IntoView {
    let lang = RenderContext::get().lang;
    let at = message.created_at;
    let at_ms = at.timestamp_millis();
    let time = clock_time(LocalTime::utc(at_ms), lang);
    let outgoing = message.direction == Direction::Outgoing;
    // Every outgoing bubble names its sender; only the first of a run shows it (the
    // browser regroups bubbles as they come).
    let sender = outgoing.then(|| {
        let bot = message.sender.sender_type == SenderType::Bot;
        view! {
            <span class="sender" class:bot=bot>
                {bot.then(|| view! { <Icon d=BOT size=12 /> })}
                {message.sender.name.clone()}
            </span>
        }
    });
    let status = message.status;
    view! {
        <div
            class="message"
            class:incoming=!outgoing
            class:outgoing=outgoing
            class:first-in-group=first_in_group
            data-testid="message"
            data-message-id=message.id.to_string()
            data-client-id=message.client_id.clone()
            data-kind=message.kind.as_str()
            data-direction=message.direction.as_str()
            data-sender=message.sender.name.clone()
            data-at=at_ms
        >
            <div class="bubble">
                {sender}
                <MessageBody message=message.clone() />
                <span class="meta">
                    <time datetime=at.to_rfc3339() data-at=at_ms data-format="clock">{time}</time>
                    {outgoing.then(|| view! { <StatusTicks status lang /> })}
                </span>
            </div>
        </div>
    }
}

/// Where a message's file is: its URL, and for a file uploaded to the inbox its id
/// (`data-media-id`), which HTML without the page's credential carries instead of a URL.
struct Source {
    url: Option<String>,
    media_id: Option<String>,
}

#[component]
fn MessageBody(message: Message) -> impl IntoView {
    let context = RenderContext::get();
    let t = text(context.lang);
    // A file uploaded here is shown through the page's credential; others by their own URL.
    let media = message.media.clone().and_then(|m| {
        let source = match m.id {
            Some(id) => Source {
                url: context.media_url(id),
                media_id: Some(id.to_string()),
            },
            None => Source {
                url: Some(safe_url(&m.url)?),
                media_id: None,
            },
        };
        Some((source, m))
    });
    match (message.kind, media) {
        (MessageKind::Text, _) => view! { <p class="text" dir="auto"><FormattedText text=message.content.clone() /></p> }.into_any(),
        (MessageKind::Image, Some((Source { url, media_id }, media))) => {
            let alt = media.filename.clone().unwrap_or_else(|| t.image.into());
            let (href, link_media) = (url.clone(), media_id.clone());
            view! {
                <a class="media image" href=href data-media-id=link_media target="_blank" rel="noopener noreferrer">
                    <img src=url alt=alt data-media-id=media_id loading="lazy" decoding="async" />
                </a>
                {caption(&message.content)}
            }
            .into_any()
        }
        (MessageKind::Video, Some((Source { url, media_id }, _))) => view! {
            <video class="media video" src=url data-media-id=media_id controls=true preload="metadata" playsinline=true></video>
            {caption(&message.content)}
        }
        .into_any(),
        (MessageKind::Audio, Some((Source { url, media_id }, _))) => view! {
            <audio class="media audio" src=url data-media-id=media_id controls=true preload="metadata"></audio>
            {caption(&message.content)}
        }
        .into_any(),
        (MessageKind::Document, Some((Source { url, media_id }, media))) => {
            let name = media.filename.clone().unwrap_or_else(|| t.document.into());
            let download = name.clone();
            let details = [Some(media.mime_type.clone()), media.size.map(human_size)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <a class="document" href=url data-media-id=media_id target="_blank" rel="noopener noreferrer" download=download>
                    <Icon d=FILE size=28 />
                    <span class="document-text">
                        <span class="document-name" dir="auto">{name}</span>
                        <span class="document-details">{details}</span>
                    </span>
                </a>
                {caption(&message.content)}
            }
            .into_any()
        }
        (MessageKind::Location, _) if message.location.is_some() => {
            let location = message.location.clone().expect("checked");
            let (lat, lon) = (location.latitude, location.longitude);
            let map = format!("https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=16/{lat:.6}/{lon:.6}");
            view! {
                <a class="location" href=map target="_blank" rel="noopener noreferrer">
                    <Icon d=PIN size=28 />
                    <span class="location-text">
                        <span class="location-name" dir="auto">{location.name.clone().unwrap_or_else(|| t.shared_location.into())}</span>
                        {location.address.clone().map(|a| view! { <span class="location-address" dir="auto">{a}</span> })}
                        <span class="location-coords">{format!("{lat:.5}, {lon:.5}")}</span>
                    </span>
                    <Icon d=EXTERNAL size=14 class="external" />
                </a>
            }
            .into_any()
        }
        (MessageKind::Interactive, _) if message.interactive.is_some() => {
            let interactive = message.interactive.clone().expect("checked");
            view! { <InteractiveBody interactive body=message.content.clone() /> }.into_any()
        }
        (MessageKind::Template, _) => {
            let name = message.template.as_ref().map(|t| t.name.clone()).unwrap_or_else(|| t.template_fallback_name.into());
            let body = if message.content.trim().is_empty() {
                message.template.as_ref().map(|t| t.parameters.join(" · ")).unwrap_or_default()
            } else {
                message.content.clone()
            };
            view! {
                <span class="template-tag"><Icon d=TEMPLATE size=12 />{(t.template_tag)(&name)}</span>
                <p class="text" dir="auto"><FormattedText text=body /></p>
            }
            .into_any()
        }
        (kind, _) => view! { <Fallback kind content=message.content.clone() /> }.into_any(),
    }
}

/// A message the inbox cannot show as such: say what it is, keep any text.
#[component]
fn Fallback(kind: MessageKind, content: String) -> impl IntoView {
    let t = text(RenderContext::get().lang);
    view! {
        <p class="fallback">{(t.unsupported_message)(kind)}</p>
        {caption(&content)}
    }
}

#[component]
fn InteractiveBody(interactive: Interactive, body: String) -> impl IntoView {
    match interactive {
        Interactive::Button {
            header,
            footer,
            buttons,
        } => EitherOf3::A(view! {
            {header.map(|h| view! { <p class="interactive-header" dir="auto">{h}</p> })}
            {caption(&body)}
            {footer.map(|f| view! { <p class="interactive-footer" dir="auto">{f}</p> })}
            <div class="reply-buttons">
                {buttons.into_iter().map(|b| view! { <span class="reply-button" dir="auto">{b.title}</span> }).collect_view()}
            </div>
        }),
        Interactive::List {
            header,
            footer,
            button,
            sections,
        } => EitherOf3::B(view! {
            {header.map(|h| view! { <p class="interactive-header" dir="auto">{h}</p> })}
            {caption(&body)}
            {footer.map(|f| view! { <p class="interactive-footer" dir="auto">{f}</p> })}
            <details class="list-message">
                <summary><Icon d=LIST size=14 />{button}</summary>
                {sections.into_iter().map(|section| view! {
                    {section.title.map(|t| view! { <p class="list-section" dir="auto">{t}</p> })}
                    <ul>
                        {section.rows.into_iter().map(|row| view! {
                            <li>
                                <span class="row-title" dir="auto">{row.title}</span>
                                {row.description.map(|d| view! { <span class="row-description" dir="auto">{d}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }).collect_view()}
            </details>
        }),
        Interactive::ButtonReply { title, .. } | Interactive::ListReply { title, .. } => {
            EitherOf3::C(view! {
                <p class="choice" dir="auto"><Icon d=REPLY size=14 /><span>{title}</span></p>
                {caption(&body)}
            })
        }
    }
}

/// Whether a message starts a new run of bubbles from one side.
#[cfg(feature = "ssr")]
pub fn starts_group(previous: Option<&Message>, message: &Message) -> bool {
    previous
        .is_none_or(|p| p.direction != message.direction || p.sender.name != message.sender.name)
}
