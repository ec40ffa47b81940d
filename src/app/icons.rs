//! Inline SVG icons (stroke icons drawn in currentColor).

use leptos::prelude::*;

use crate::model::{text, ChannelType, Lang, MessageStatus};

/// One icon from its path data.
#[component]
pub fn Icon(
    #[prop(into)] d: String,
    #[prop(default = 18)] size: u32,
    #[prop(optional, into)] class: String,
) -> impl IntoView {
    view! {
        <svg
            class=format!("icon {class}")
            width=size
            height=size
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=d />
        </svg>
    }
}

#[cfg(feature = "ssr")]
pub const SEARCH: &str = "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-4.3-4.3";
pub const BACK: &str = "M15 18l-6-6 6-6";
pub const SEND: &str = "M4 12l16-8-6 16-3-6.5zM11 13.5L20 4";
pub const CLIP: &str = "M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9";
pub const EDIT: &str = "M4 20h4L19 9l-4-4L4 16zM13 7l4 4";
pub const CHECK: &str = "M4 12.5l5 5L20 6.5";
pub const DOUBLE_CHECK: &str = "M2 12.5l5 5L18 6.5M11 16.5l1 1L23 6.5";
pub const CLOCK: &str = "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2";
pub const ALERT: &str = "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 8v5M12 16.5v.01";
pub const FILE: &str =
    "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5M9 13h6M9 17h4";
pub const PIN: &str = "M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 12a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z";
#[cfg(feature = "ssr")]
pub const INBOX: &str = "M3 13h5l2 3h4l2-3h5M5 5h14l2 8v6H3v-6z";
pub const BOT: &str = "M12 3v3M6 9h12a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2zM9 14v.01M15 14v.01";
pub const EYE: &str =
    "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z";
#[cfg(feature = "ssr")]
pub const PERSON: &str = "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0";
#[cfg(feature = "ssr")]
pub const HAND: &str = "M8 13V5.5a1.5 1.5 0 0 1 3 0V12M11 11V4.5a1.5 1.5 0 0 1 3 0V12M14 11.5V6a1.5 1.5 0 0 1 3 0v8a7 7 0 0 1-7 7h-.5a6 6 0 0 1-5-2.7L2.6 15a1.5 1.5 0 0 1 2.4-1.8L8 16";
pub const TEMPLATE: &str = "M4 4h16v12H8l-4 4zM8 9h8M8 12h5";
pub const LIST: &str = "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01";
pub const REPLY: &str = "M9 14l-5-5 5-5M4 9h10a6 6 0 0 1 6 6v5";
pub const EXTERNAL: &str =
    "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5";

/// The channel's icon: chat bubble for WhatsApp, phone for SMS, and so on.
pub fn channel_path(channel: ChannelType) -> &'static str {
    match channel {
        ChannelType::Whatsapp => "M3.5 20.5l1.3-4.1A8.5 8.5 0 1 1 8 19.4zM9 9.5c0 3 2.5 5.5 5.5 5.5l1.3-1.3-2-1-1 .8a4 4 0 0 1-2.3-2.3l.8-1-1-2z",
        ChannelType::Sms => "M4 5h16v11H9l-5 4zM8 10h.01M12 10h.01M16 10h.01",
        ChannelType::Api => "M8 7l-5 5 5 5M16 7l5 5-5 5M13.5 4l-3 16",
        ChannelType::Email => "M3 6h18v12H3zM3 7l9 6 9-6",
        ChannelType::WebWidget => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18",
        ChannelType::Telegram => "M21 4L3 11l6 2.5L18 7l-7 8 7 5z",
        ChannelType::Line => "M12 4c5 0 9 3.1 9 7s-4 7-9 7c-.8 0-1.5-.1-2.2-.2L5 20l.9-3.5C4.1 15.2 3 13.2 3 11c0-3.9 4-7 9-7z",
    }
}

pub fn channel_label(lang: Lang, channel: ChannelType) -> &'static str {
    let t = text(lang);
    match channel {
        ChannelType::Whatsapp => "WhatsApp",
        ChannelType::Sms => "SMS",
        ChannelType::Api => "API",
        ChannelType::Email => t.channel_email,
        ChannelType::WebWidget => t.channel_web_chat,
        ChannelType::Telegram => "Telegram",
        ChannelType::Line => "LINE",
    }
}

/// Delivery ticks for an outgoing message.
#[component]
pub fn StatusTicks(status: MessageStatus, lang: Lang) -> impl IntoView {
    let t = text(lang);
    let (path, label) = match status {
        MessageStatus::Pending => (CLOCK, t.tick_sending),
        MessageStatus::Sent => (CHECK, t.tick_sent),
        MessageStatus::Delivered => (DOUBLE_CHECK, t.tick_delivered),
        MessageStatus::Read => (DOUBLE_CHECK, t.tick_read),
        MessageStatus::Failed => (ALERT, t.tick_not_delivered),
    };
    view! {
        <span class=format!("ticks ticks-{}", status.as_str()) title=label data-status=status.as_str()>
            <Icon d=path size=16 />
            <span class="visually-hidden">{label}</span>
        </span>
    }
}

/// A stable colour for a contact's avatar.
pub fn avatar_class(id: uuid::Uuid) -> String {
    format!(
        "avatar avatar-c{}",
        id.as_bytes()
            .iter()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(*b as u32))
            % 8
    )
}
