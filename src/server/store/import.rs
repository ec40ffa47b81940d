//! Bulk import of whole conversations (demo data, history migrations): one transaction
//! per batch, the conversation's counters computed from its messages.

use uuid::Uuid;

use super::*;
use crate::model::{ConversationStatus, Direction, Handoff, Message};

/// A conversation with its contact and full history, to store at once.
#[derive(Debug, Clone)]
pub struct ImportedConversation {
    pub inbox_id: Uuid,
    pub contact: NewContact,
    pub status: ConversationStatus,
    pub handoff: Handoff,
    pub assigned_user_id: Option<Uuid>,
    /// Incoming messages at the end of the history that no agent has read.
    pub unread_count: i64,
    /// Oldest first; each one's `created_at` must be set.
    pub messages: Vec<NewMessage>,
}

impl Store {
    /// Stores a batch of conversations in one transaction; returns their ids.
    pub async fn import_conversations(
        &self,
        project_id: Uuid,
        batch: Vec<ImportedConversation>,
    ) -> Result<Vec<Uuid>> {
        let mut tx = self.write_transaction().await?;
        let mut ids = Vec::with_capacity(batch.len());
        for conv in batch {
            let contact_id = new_id();
            let created = conv
                .messages
                .first()
                .and_then(|m| m.created_at)
                .unwrap_or_else(now);
            sqlx::query(
                "INSERT INTO contacts (id, project_id, display_name, phone_number, email, identifier, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(contact_id.to_string())
            .bind(project_id.to_string())
            .bind(&conv.contact.display_name)
            .bind(&conv.contact.phone_number)
            .bind(&conv.contact.email)
            .bind(&conv.contact.identifier)
            .bind(ms(created))
            .execute(&mut *tx)
            .await?;
            let conversation_id = new_id();
            let messages: Vec<Message> = conv
                .messages
                .into_iter()
                .map(|m| Message {
                    id: new_id(),
                    conversation_id,
                    direction: m.direction,
                    kind: m.kind,
                    content: m.content,
                    media: m.media,
                    interactive: m.interactive,
                    location: m.location,
                    template: m.template,
                    sender: m.sender,
                    status: m.status,
                    client_id: m.client_id,
                    error: None,
                    created_at: m
                        .created_at
                        .map(|at| crate::model::from_millis(ms(at)))
                        .unwrap_or(created),
                })
                .collect();
            let last = messages.last();
            sqlx::query(
                "INSERT INTO conversations (id, project_id, inbox_id, contact_id, status, handoff, assigned_user_id,
                    unread_count, last_message_id, last_preview, last_message_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(conversation_id.to_string())
            .bind(project_id.to_string())
            .bind(conv.inbox_id.to_string())
            .bind(contact_id.to_string())
            .bind(conv.status.as_str())
            .bind(conv.handoff.as_str())
            .bind(conv.assigned_user_id.map(|id| id.to_string()))
            .bind(conv.unread_count)
            .bind(last.map(|m| m.id.to_string()))
            .bind(last.map(Message::preview_text))
            .bind(ms(last.map_or(created, |m| m.created_at)))
            .bind(ms(created))
            .execute(&mut *tx)
            .await?;
            for m in &messages {
                insert_message(&mut *tx, m).await?;
            }
            debug_assert!(
                messages
                    .iter()
                    .filter(|m| m.direction == Direction::Incoming)
                    .count() as i64
                    >= conv.unread_count
            );
            events::append(
                &mut tx,
                conversation_id,
                &[events::Change::Conversation(
                    crate::model::EventType::ConversationCreated,
                    None,
                )],
            )
            .await?;
            ids.push(conversation_id);
        }
        tx.commit().await?;
        self.events_appended();
        Ok(ids)
    }
}
