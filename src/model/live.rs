//! The live socket's frames (§5), as the browser reads them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConversationView, Message};

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

/// One frame from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LiveFrame {
    #[serde(rename = "message.created")]
    MessageCreated {
        id: i64,
        conversation_id: Uuid,
        data: MessageData,
    },
    #[serde(rename = "message.updated")]
    MessageUpdated {
        id: i64,
        conversation_id: Uuid,
        data: MessageData,
    },
    #[serde(rename = "conversation.created")]
    ConversationCreated {
        id: i64,
        conversation_id: Uuid,
        data: ConversationData,
    },
    #[serde(rename = "conversation.updated")]
    ConversationUpdated {
        id: i64,
        conversation_id: Uuid,
        data: ConversationData,
    },
    /// Everything up to `last_id` has been sent: the socket is live.
    #[serde(rename = "ready")]
    Ready { last_id: i64 },
    /// The events after the client's `since` are no longer all kept (or `since` is not
    /// this server's): reload what is shown, then carry on from `last_id`.
    #[serde(rename = "refetch")]
    Refetch { last_id: i64, reason: String },
}

impl LiveFrame {
    /// The event's number, for frames that are events.
    pub fn event_id(&self) -> Option<i64> {
        match self {
            Self::MessageCreated { id, .. }
            | Self::MessageUpdated { id, .. }
            | Self::ConversationCreated { id, .. }
            | Self::ConversationUpdated { id, .. } => Some(*id),
            Self::Ready { .. } | Self::Refetch { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageData {
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationData {
    pub conversation: ConversationView,
}

/// The list as the user should see it: the loaded pages (each with the log position it
/// was read at), with every conversation changed by a later event replaced, added where
/// the filters admit it, and dropped where they certainly do not; newest activity first.
///
/// `in_scope` says whether a changed conversation still belongs: the token's assignee
/// narrowing, or the agent's tab.
pub fn merge_live(
    pages: &[(i64, &[ConversationView])],
    live: &std::collections::HashMap<Uuid, (i64, ConversationView)>,
    filters: &super::Filters,
    in_scope: &dyn Fn(&ConversationView) -> bool,
) -> Vec<ConversationView> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (read_at, items) in pages {
        for item in items.iter() {
            if !seen.insert(item.id) {
                continue;
            }
            match live.get(&item.id) {
                Some((event_id, view)) if event_id > read_at => {
                    if filters.admits(view) != Some(false) && in_scope(view) {
                        out.push(view.clone());
                    }
                }
                _ => out.push(item.clone()),
            }
        }
    }
    let oldest_read = pages.iter().map(|(at, _)| *at).min().unwrap_or(0);
    for (id, (event_id, view)) in live {
        if !seen.contains(id)
            && *event_id > oldest_read
            && filters.admits(view) == Some(true)
            && in_scope(view)
        {
            out.push(view.clone());
        }
    }
    out.sort_by(|a, b| {
        b.last_message_at
            .cmp(&a.last_message_at)
            .then_with(|| b.id.cmp(&a.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ChannelType, ContactCard, ConversationStatus, Filters, Handoff, StatusFilter,
    };
    use std::collections::HashMap;

    fn view(n: u128, at: i64, unread: i64) -> ConversationView {
        ConversationView {
            id: Uuid::from_u128(n),
            inbox_id: Uuid::from_u128(100),
            inbox_name: "Inbox".into(),
            channel_type: ChannelType::Whatsapp,
            contact: ContactCard {
                id: Uuid::from_u128(1000 + n),
                display_name: format!("Contact {n}"),
                phone_number: None,
            },
            status: ConversationStatus::Active,
            handoff: Handoff::Bot,
            assigned_user_id: None,
            unread_count: unread,
            last_message_at: crate::model::from_millis(at),
            created_at: crate::model::from_millis(0),
            preview: None,
        }
    }

    fn ids(list: &[ConversationView]) -> Vec<u128> {
        list.iter().map(|c| c.id.as_u128()).collect()
    }

    #[test]
    fn later_events_replace_resort_add_and_remove() {
        let page = vec![view(1, 300, 0), view(2, 200, 0), view(3, 100, 0)];
        let mut live = HashMap::new();
        // 3 gets a message: to the top. 4 is new. 2 ended: gone from "active".
        live.insert(Uuid::from_u128(3), (11, view(3, 400, 1)));
        live.insert(Uuid::from_u128(4), (12, view(4, 350, 1)));
        let mut ended = view(2, 200, 0);
        ended.status = ConversationStatus::Ended;
        live.insert(Uuid::from_u128(2), (13, ended));
        let filters = Filters::default();
        let merged = merge_live(&[(10, &page)], &live, &filters, &|_| true);
        assert_eq!(ids(&merged), vec![3, 4, 1]);
        assert_eq!(merged[0].unread_count, 1);
        // Under "all", the ended one stays.
        let all = Filters {
            status: StatusFilter::All,
            ..Default::default()
        };
        assert_eq!(
            ids(&merge_live(&[(10, &page)], &live, &all, &|_| true)),
            vec![3, 4, 1, 2]
        );
    }

    #[test]
    fn events_older_than_the_page_are_ignored() {
        let page = vec![view(1, 300, 0)];
        let mut live = HashMap::new();
        live.insert(Uuid::from_u128(1), (5, view(1, 100, 7)));
        live.insert(Uuid::from_u128(9), (6, view(9, 900, 0)));
        let merged = merge_live(&[(10, &page)], &live, &Filters::default(), &|_| true);
        assert_eq!(ids(&merged), vec![1]);
        assert_eq!(merged[0].unread_count, 0);
    }

    #[test]
    fn a_search_adds_only_what_it_can_see_and_keeps_what_the_server_matched() {
        let page = vec![view(1, 300, 0)];
        let mut live = HashMap::new();
        live.insert(Uuid::from_u128(1), (11, view(1, 500, 1)));
        live.insert(Uuid::from_u128(2), (12, view(2, 400, 0)));
        live.insert(Uuid::from_u128(3), (13, view(3, 450, 0)));
        let filters = Filters {
            search: "contact 2".into(),
            ..Default::default()
        };
        // 1 was matched by the server (perhaps by a message): kept. 2's name matches:
        // added. 3 may or may not match: not added.
        assert_eq!(
            ids(&merge_live(&[(10, &page)], &live, &filters, &|_| true)),
            vec![1, 2]
        );
        let unread = Filters {
            unread: true,
            ..Default::default()
        };
        assert_eq!(
            ids(&merge_live(&[(10, &page)], &live, &unread, &|_| true)),
            vec![1]
        );
    }

    #[test]
    fn an_assignee_scope_drops_what_is_reassigned_away() {
        let mine = Uuid::from_u128(7);
        let mut a = view(1, 300, 0);
        a.assigned_user_id = Some(mine);
        let page = vec![a.clone()];
        let mut live = HashMap::new();
        let mut moved = a.clone();
        moved.assigned_user_id = Some(Uuid::from_u128(8));
        moved.last_message_at = crate::model::from_millis(400);
        live.insert(a.id, (11, moved));
        let mut came = view(2, 500, 0);
        came.assigned_user_id = Some(mine);
        live.insert(came.id, (12, came));
        let merged = merge_live(&[(10, &page)], &live, &Filters::default(), &|v| {
            v.assigned_user_id == Some(mine)
        });
        assert_eq!(ids(&merged), vec![2]);
        assert_eq!(
            ids(&merge_live(
                &[(10, &page)],
                &live,
                &Filters::default(),
                &|_| true
            )),
            vec![2, 1]
        );
    }

    #[test]
    fn frames_parse_as_the_server_writes_them() {
        let ready: LiveFrame = serde_json::from_str(r#"{"type":"ready","last_id":7}"#).unwrap();
        assert_eq!(ready, LiveFrame::Ready { last_id: 7 });
        let c = view(1, 300, 2);
        let text = format!(
            r#"{{"id":9,"type":"conversation.updated","conversation_id":"{}","data":{{"conversation":{}}}}}"#,
            c.id,
            serde_json::to_string(&c).unwrap()
        );
        let frame: LiveFrame = serde_json::from_str(&text).unwrap();
        assert_eq!(frame.event_id(), Some(9));
    }
}
