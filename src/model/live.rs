//! The live socket's frames, as the browser reads them.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::{ConversationFacts, MessageFacts};

/// Close codes the server uses on `/embed/{token}/ws`, beyond the standard ones.
pub mod close {
    /// The token was revoked, expired, or no longer admits the page's origin: do not
    /// reconnect; the page says why when reloaded.
    pub const TOKEN: u16 = 4401;
    /// The socket fell behind and was dropped: reconnect at once with `?since=`.
    pub const TOO_SLOW: u16 = 4408;
    /// The socket was idle past the server's limit (no pong).
    pub const IDLE: u16 = 4000;
}

/// One frame from the server. An event's `html` is what the embed shows for it (a list
/// row, a message bubble), rendered by the server in the socket's language; links and
/// media in it are left for the page to point at itself.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveFrame {
    /// `message.created` (`created`) or `message.updated`.
    Message {
        id: i64,
        conversation_id: Uuid,
        created: bool,
        message: MessageFacts,
        html: Arc<str>,
    },
    /// `conversation.created` (`created`) or `conversation.updated`.
    Conversation {
        id: i64,
        conversation_id: Uuid,
        created: bool,
        conversation: ConversationFacts,
        html: Arc<str>,
    },
    /// Everything up to `last_id` has been sent: the socket is live.
    Ready { last_id: i64 },
    /// The events after the client's `since` are no longer all kept (or `since` is not
    /// this server's): reload what is shown, then carry on from `last_id`.
    Refetch { last_id: i64 },
}

impl LiveFrame {
    /// Reads a frame as the server writes it (`{"id", "type", "conversation_id", "data",
    /// "html"}`, or `{"type": "ready" | "refetch", "last_id"}`).
    pub fn parse(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Envelope<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            id: Option<i64>,
            conversation_id: Option<Uuid>,
            last_id: Option<i64>,
            #[serde(borrow)]
            data: Option<&'a RawValue>,
            #[serde(default)]
            html: String,
        }
        #[derive(Deserialize)]
        struct MessageData {
            message: MessageFacts,
        }
        #[derive(Deserialize)]
        struct ConversationData {
            conversation: ConversationFacts,
        }
        let frame: Envelope = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let kind = frame.kind;
        let event = || match (frame.id, frame.conversation_id, frame.data) {
            (Some(id), Some(c), Some(data)) => Ok((id, c, data.get())),
            _ => Err(format!("a {kind} frame without its event")),
        };
        let last_id = || {
            frame
                .last_id
                .ok_or_else(|| format!("a {kind} frame without last_id"))
        };
        Ok(match kind {
            "message.created" | "message.updated" => {
                let (id, conversation_id, data) = event()?;
                let data: MessageData = serde_json::from_str(data).map_err(|e| e.to_string())?;
                Self::Message {
                    id,
                    conversation_id,
                    created: kind == "message.created",
                    message: data.message,
                    html: frame.html.into(),
                }
            }
            "conversation.created" | "conversation.updated" => {
                let (id, conversation_id, data) = event()?;
                let data: ConversationData =
                    serde_json::from_str(data).map_err(|e| e.to_string())?;
                Self::Conversation {
                    id,
                    conversation_id,
                    created: kind == "conversation.created",
                    conversation: data.conversation,
                    html: frame.html.into(),
                }
            }
            "ready" => Self::Ready {
                last_id: last_id()?,
            },
            "refetch" => Self::Refetch {
                last_id: last_id()?,
            },
            other => return Err(format!("unknown frame type {other}")),
        })
    }

    /// The event's number, for frames that are events.
    pub fn event_id(&self) -> Option<i64> {
        match self {
            Self::Message { id, .. } | Self::Conversation { id, .. } => Some(*id),
            Self::Ready { .. } | Self::Refetch { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ChannelType, ContactCard, ConversationStatus, ConversationView, Direction, Handoff,
        Message, MessageKind, MessageStatus, Sender, SenderType,
    };

    #[test]
    fn frames_parse_as_the_server_writes_them() {
        let ready = LiveFrame::parse(r#"{"type":"ready","last_id":7}"#).unwrap();
        assert_eq!(ready, LiveFrame::Ready { last_id: 7 });
        let refetch =
            LiveFrame::parse(r#"{"type":"refetch","last_id":8,"reason":"horizon"}"#).unwrap();
        assert_eq!(refetch, LiveFrame::Refetch { last_id: 8 });
        let c = ConversationView {
            id: Uuid::from_u128(1),
            inbox_id: Uuid::from_u128(100),
            inbox_name: "Inbox".into(),
            channel_type: ChannelType::Whatsapp,
            contact: ContactCard {
                id: Uuid::from_u128(1001),
                display_name: "Contact <b>".into(),
                phone_number: None,
            },
            status: ConversationStatus::Active,
            handoff: Handoff::Bot,
            assigned_user_id: None,
            unread_count: 2,
            last_message_at: crate::model::from_millis(300_123),
            created_at: crate::model::from_millis(0),
            preview: None,
        };
        let text = format!(
            r#"{{"id":9,"type":"conversation.updated","conversation_id":"{}","data":{{"conversation":{}}},"html":"<li>x</li>"}}"#,
            c.id,
            serde_json::to_string(&c).unwrap()
        );
        let frame = LiveFrame::parse(&text).unwrap();
        assert_eq!(frame.event_id(), Some(9));
        let LiveFrame::Conversation {
            created,
            conversation,
            html,
            ..
        } = frame
        else {
            panic!("a conversation frame");
        };
        assert!(!created);
        assert_eq!(conversation.last_message_at, 300_123);
        assert_eq!(conversation.contact.display_name, "Contact <b>");
        assert_eq!(&*html, "<li>x</li>");
        assert!(LiveFrame::parse(r#"{"type":"typing"}"#).is_err());
        assert!(LiveFrame::parse(r#"{"type":"message.created","id":1}"#).is_err());
    }

    #[test]
    fn a_message_frame_carries_what_the_thread_needs() {
        let message = Message {
            id: Uuid::from_u128(5),
            conversation_id: Uuid::from_u128(1),
            direction: Direction::Incoming,
            kind: MessageKind::Text,
            content: "hola <b>".into(),
            media: None,
            interactive: None,
            location: None,
            template: None,
            sender: Sender {
                sender_type: SenderType::Contact,
                name: "Ana".into(),
                external_id: None,
            },
            status: MessageStatus::Delivered,
            client_id: Some("c-1".into()),
            error: None,
            created_at: crate::model::from_millis(1_000),
        };
        let text = format!(
            r#"{{"id":3,"type":"message.created","conversation_id":"{}","data":{{"message":{}}},"html":"<div>b</div>"}}"#,
            message.conversation_id,
            serde_json::to_string(&message).unwrap()
        );
        let LiveFrame::Message {
            id,
            created,
            message: facts,
            html,
            ..
        } = LiveFrame::parse(&text).unwrap()
        else {
            panic!("a message frame");
        };
        assert_eq!((id, created), (3, true));
        assert_eq!(facts.id, message.id);
        assert_eq!(facts.direction, Direction::Incoming);
        assert_eq!(facts.status, MessageStatus::Delivered);
        assert_eq!(facts.client_id.as_deref(), Some("c-1"));
        assert_eq!(facts.created_at, 1_000);
        assert_eq!(&*html, "<div>b</div>");
    }
}
