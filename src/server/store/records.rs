//! The resources of the REST API (§2), as the API shows them, and the inputs that make
//! and change them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::model::{
    ChannelType, ConversationStatus, Handoff, Interactive, Location, Media, ScopeType, TemplateRef,
    Theme,
};

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    pub id: Uuid,
    pub project_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub name: String,
    pub channel_type: ChannelType,
    pub phone_number: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub email: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: Uuid,
    pub project_id: Uuid,
    pub display_name: String,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub identifier: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub id: Uuid,
    pub project_id: Uuid,
    pub inbox_id: Uuid,
    pub contact_id: Uuid,
    pub status: ConversationStatus,
    pub handoff: Handoff,
    pub assigned_user_id: Option<Uuid>,
    pub unread_count: i64,
    pub last_message_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmbedToken {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub scope: TokenScope,
    pub assigned_user_id: Option<Uuid>,
    pub allowed_origins: Vec<crate::model::OriginPattern>,
    pub theme: Theme,
    pub language: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenScope {
    #[serde(rename = "type")]
    pub scope_type: ScopeType,
    #[serde(default)]
    pub id: Option<Uuid>,
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub external_id: Option<Option<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInbox {
    pub name: String,
    pub channel_type: ChannelType,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub webhook_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    pub webhook_url: Option<Option<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub external_id: Option<Option<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub display_name: String,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub identifier: Option<Option<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    pub inbox_id: Uuid,
    pub contact_id: Uuid,
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    #[serde(default)]
    pub handoff: Option<Handoff>,
    #[serde(default)]
    pub assigned_user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    #[serde(default)]
    pub handoff: Option<Handoff>,
    #[serde(default, deserialize_with = "nullable")]
    pub assigned_user_id: Option<Option<Uuid>>,
    /// Assigns the conversation to this user if nobody has it (read in the write's own
    /// transaction, so two agents taking over at once do not overwrite each other).
    #[serde(skip)]
    pub claim_for: Option<Uuid>,
}

/// A message to store: already validated by its caller.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub direction: crate::model::Direction,
    pub kind: crate::model::MessageKind,
    pub content: String,
    pub media: Option<Media>,
    pub interactive: Option<Interactive>,
    pub location: Option<Location>,
    pub template: Option<TemplateRef>,
    pub sender: crate::model::Sender,
    pub status: crate::model::MessageStatus,
    pub client_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// Whether the inbox's webhook hears of it (a message an agent sent from the embed).
    pub notify: bool,
}

impl NewMessage {
    /// What an agent sends from the embed: outgoing, pending until the host's backend
    /// delivers it, once per `client_id`, and told to the inbox's webhook.
    pub fn from_agent(
        kind: crate::model::MessageKind,
        content: String,
        client_id: String,
        sender: crate::model::Sender,
    ) -> Self {
        Self {
            direction: crate::model::Direction::Outgoing,
            kind,
            content,
            media: None,
            interactive: None,
            location: None,
            template: None,
            sender,
            status: crate::model::MessageStatus::Pending,
            client_id: Some(client_id),
            created_at: None,
            notify: true,
        }
    }
}

/// Who made a change, as webhooks report it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// The host's backend, through the REST API.
    Api,
    /// An agent in the embed.
    Agent {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        external_id: Option<String>,
    },
}

/// Changes to an embed token: already validated by its caller; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EmbedTokenUpdate {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<crate::model::OriginPattern>>,
    pub theme: Option<Theme>,
    pub language: Option<String>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// An embed token to mint: already validated by its caller.
#[derive(Debug, Clone)]
pub struct NewEmbedToken {
    pub name: String,
    pub scope: TokenScope,
    pub assigned_user_id: Option<Uuid>,
    pub allowed_origins: Vec<crate::model::OriginPattern>,
    pub theme: Theme,
    pub language: String,
    pub expires_at: Option<DateTime<Utc>>,
}
