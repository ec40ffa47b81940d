use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares a closed set of lowercase string values: serde, `as_str` and `parse` agree.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(ChannelType {
    Whatsapp = "whatsapp",
    Api = "api",
    Sms = "sms",
    Email = "email",
    WebWidget = "web_widget",
    Telegram = "telegram",
    Line = "line",
});

string_enum!(ConversationStatus { Active = "active", Ended = "ended" });

string_enum!(
    /// What a live event (§5) reports.
    EventType {
        MessageCreated = "message.created",
        MessageUpdated = "message.updated",
        ConversationCreated = "conversation.created",
        ConversationUpdated = "conversation.updated",
    }
);

string_enum!(
    /// `bot`: a workflow answers; `waiting`: it asked for a human; `human`: an agent took over.
    Handoff { Bot = "bot", Waiting = "waiting", Human = "human" }
);

string_enum!(Direction { Incoming = "incoming", Outgoing = "outgoing" });

string_enum!(MessageKind {
    Text = "text",
    Image = "image",
    Video = "video",
    Audio = "audio",
    Document = "document",
    Location = "location",
    Interactive = "interactive",
    Template = "template",
});

string_enum!(MessageStatus {
    Pending = "pending",
    Sent = "sent",
    Delivered = "delivered",
    Read = "read",
    Failed = "failed",
});

impl MessageStatus {
    /// Whether a delivery receipt may move a message from `self` to `next`: only forward
    /// along pending → sent → delivered → read, or to failed before delivery. A late or
    /// repeated receipt is not a move.
    pub fn advances_to(self, next: Self) -> bool {
        let rank = |s: Self| match s {
            Self::Pending => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        };
        match (self, next) {
            (Self::Failed, _) => false,
            (Self::Pending | Self::Sent, Self::Failed) => true,
            (_, Self::Failed) => false,
            _ => rank(next) > rank(self),
        }
    }
}

string_enum!(SenderType { Contact = "contact", Agent = "agent", Bot = "bot" });

string_enum!(Theme { System = "system", Light = "light", Dark = "dark" });

string_enum!(ScopeType {
    Project = "project",
    WhatsappConfig = "whatsapp_config",
    Customer = "customer",
});

string_enum!(TemplateStatus { Approved = "approved", Pending = "pending", Rejected = "rejected" });

string_enum!(TemplateCategory {
    Marketing = "marketing",
    Utility = "utility",
    Authentication = "authentication",
});

impl MessageKind {
    pub fn has_media(self) -> bool {
        matches!(
            self,
            Self::Image | Self::Video | Self::Audio | Self::Document
        )
    }
}

/// What an embed token (or, later, an agent JWT) may see: one project, narrowed to one
/// WhatsApp inbox or one customer's inboxes, and optionally to one assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub project_id: Uuid,
    pub kind: ScopeKind,
    pub assigned_user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScopeKind {
    Project,
    WhatsappConfig(Uuid),
    Customer(Uuid),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// Set for files uploaded to this server: the embed shows them through its token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub url: String,
    pub mime_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// WhatsApp interactive content: reply buttons and lists as sent, and the contact's choice
/// (`button_reply`, `list_reply`) as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Interactive {
    Button {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        buttons: Vec<ReplyButton>,
    },
    List {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        /// The label of the button that opens the list.
        button: String,
        sections: Vec<ListSection>,
    },
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

pub const MAX_REPLY_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE_CHARS: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_LIST_ROW_TITLE_CHARS: usize = 24;

impl Interactive {
    /// WhatsApp's limits on what may be sent; a reason when they are broken.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Button { buttons, .. } => {
                if buttons.is_empty() || buttons.len() > MAX_REPLY_BUTTONS {
                    return Err(format!(
                        "reply buttons: between 1 and {MAX_REPLY_BUTTONS} are allowed, got {}",
                        buttons.len()
                    ));
                }
                for button in buttons {
                    check_title("button title", &button.title, MAX_BUTTON_TITLE_CHARS)?;
                }
                Ok(())
            }
            Self::List {
                button, sections, ..
            } => {
                check_title("list button", button, MAX_BUTTON_TITLE_CHARS)?;
                let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
                if rows == 0 || rows > MAX_LIST_ROWS {
                    return Err(format!(
                        "list rows: between 1 and {MAX_LIST_ROWS} are allowed, got {rows}"
                    ));
                }
                for row in sections.iter().flat_map(|s| &s.rows) {
                    check_title("list row title", &row.title, MAX_LIST_ROW_TITLE_CHARS)?;
                }
                Ok(())
            }
            Self::ButtonReply { .. } | Self::ListReply { .. } => Ok(()),
        }
    }

    /// A one-line description for previews.
    pub fn summary(&self) -> String {
        match self {
            Self::Button { buttons, .. } => buttons
                .iter()
                .map(|b| format!("[{}]", b.title))
                .collect::<Vec<_>>()
                .join(" "),
            Self::List { button, .. } => format!("☰ {button}"),
            Self::ButtonReply { title, .. } | Self::ListReply { title, .. } => title.clone(),
        }
    }
}

fn check_title(what: &str, title: &str, max: usize) -> Result<(), String> {
    let chars = title.trim().chars().count();
    if chars == 0 {
        Err(format!("{what} must not be empty"))
    } else if chars > max {
        Err(format!(
            "{what} \"{title}\" has {chars} characters; at most {max} are allowed"
        ))
    } else {
        Ok(())
    }
}

/// A template message as sent: which template, and the values of its `{{n}}` parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub parameters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    #[serde(rename = "type")]
    pub sender_type: SenderType,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub direction: Direction,
    pub kind: MessageKind,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<Interactive>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateRef>,
    pub sender: Sender,
    pub status: MessageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Why it failed, when `status` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Message {
    /// The text a list row shows for this message.
    pub fn preview_text(&self) -> String {
        let plain = super::plain_text(self.content.trim());
        let caption = plain.as_str();
        let label = |icon: &str, fallback: &str| {
            let text = if caption.is_empty() {
                fallback
            } else {
                caption
            };
            format!("{icon} {text}")
        };
        match self.kind {
            MessageKind::Text => caption.to_string(),
            MessageKind::Image => label("📷", "Photo"),
            MessageKind::Video => label("🎥", "Video"),
            MessageKind::Audio => label("🎤", "Audio"),
            MessageKind::Document => {
                let name = self.media.as_ref().and_then(|m| m.filename.as_deref());
                label("📄", name.unwrap_or("Document"))
            }
            MessageKind::Location => {
                let name = self.location.as_ref().and_then(|l| l.name.as_deref());
                format!("📍 {}", name.unwrap_or("Location"))
            }
            MessageKind::Interactive => match (&self.interactive, caption.is_empty()) {
                (_, false) => caption.to_string(),
                (Some(i), true) => i.summary(),
                (None, true) => "Interactive message".to_string(),
            },
            MessageKind::Template => match (&self.template, caption.is_empty()) {
                (_, false) => caption.to_string(),
                (Some(t), true) => format!("Template: {}", t.name),
                (None, true) => "Template message".to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactCard {
    pub id: Uuid,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// The last message of a conversation, as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub direction: Direction,
    pub kind: MessageKind,
    pub text: String,
    pub status: MessageStatus,
}

/// A conversation with what the list and the thread header need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: Uuid,
    pub inbox_id: Uuid,
    pub inbox_name: String,
    pub channel_type: ChannelType,
    pub contact: ContactCard,
    pub status: ConversationStatus,
    pub handoff: Handoff,
    pub assigned_user_id: Option<Uuid>,
    pub unread_count: i64,
    pub last_message_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub preview: Option<Preview>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxCard {
    pub id: Uuid,
    pub name: String,
    pub channel_type: ChannelType,
    pub phone_number: Option<String>,
}

/// What the embed page knows about its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub project_name: String,
    pub scope_label: String,
    pub theme: Theme,
    pub language: String,
    pub inboxes: Vec<InboxCard>,
    /// The token's assignee narrowing: conversations assigned to anyone else are outside.
    pub assigned_user_id: Option<Uuid>,
    /// The server's clock when the page was made: relative times render the same on the
    /// server and during hydration.
    pub server_now_ms: i64,
    /// The agent an agent JWT signed in; `None` for an embed token.
    pub agent: Option<AgentView>,
    /// Origins the page may talk to when framed (`postMessage`); empty admits any.
    pub allowed_origins: Vec<crate::model::OriginPattern>,
}

/// The signed-in agent, as the embed shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentView {
    /// The project user the agent is: "mine" means assigned to this id.
    pub user_id: Uuid,
    /// The agent's id in the host system.
    pub external_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    pub next_cursor: Option<String>,
    /// The live event log's position when this page was read: later events change it.
    pub last_event_id: i64,
}

/// A thread's page: messages oldest first; `older_cursor` fetches the page before them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub conversation: ConversationView,
    pub messages: Vec<Message>,
    pub older_cursor: Option<String>,
    /// Until when free-form messages may be sent (WhatsApp's 24-hour window); `None` when
    /// the channel has no such window.
    pub window: ReplyWindow,
    /// The live event log's position when this page was read.
    pub last_event_id: i64,
    /// Whether the signed-in agent watches it (false without an agent).
    pub watched: bool,
}

/// WhatsApp lets a business write freely for 24 hours after the contact's last message.
pub const REPLY_WINDOW_HOURS: i64 = 24;

/// Times are milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "until", rename_all = "snake_case")]
pub enum ReplyWindow {
    /// The channel has no window.
    Always,
    /// Free text may be sent until then.
    OpenUntil(i64),
    /// Closed: only templates, until the contact writes again.
    Closed,
}

impl ReplyWindow {
    /// The window of a conversation on `channel` whose contact last wrote at `last_incoming`.
    pub fn of(channel: ChannelType, last_incoming: Option<i64>, now: i64) -> Self {
        if channel != ChannelType::Whatsapp {
            return Self::Always;
        }
        match last_incoming.map(|at| at + REPLY_WINDOW_HOURS * 3_600_000) {
            Some(until) if until > now => Self::OpenUntil(until),
            _ => Self::Closed,
        }
    }

    pub fn is_open(self, now: i64) -> bool {
        match self {
            Self::Always => true,
            Self::OpenUntil(until) => until > now,
            Self::Closed => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub older_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::{self, *};

    #[test]
    fn receipts_only_move_forward() {
        let all = [Pending, Sent, Delivered, Read, Failed];
        let forward: &[(MessageStatus, &[MessageStatus])] = &[
            (Pending, &[Sent, Delivered, Read, Failed]),
            (Sent, &[Delivered, Read, Failed]),
            (Delivered, &[Read]),
            (Read, &[]),
            (Failed, &[]),
        ];
        for (from, to) in forward {
            for next in all {
                assert_eq!(
                    from.advances_to(next),
                    to.contains(&next),
                    "{from} → {next}"
                );
            }
        }
    }
}
