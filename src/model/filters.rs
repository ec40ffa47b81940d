use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConversationFacts, ConversationStatus, Handoff, Theme};

/// The `status` filter: one status, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StatusFilter {
    #[default]
    Active,
    Ended,
    All,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 3] = [Self::Active, Self::Ended, Self::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Ended => "ended",
            Self::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn status(self) -> Option<ConversationStatus> {
        match self {
            Self::Active => Some(ConversationStatus::Active),
            Self::Ended => Some(ConversationStatus::Ended),
            Self::All => None,
        }
    }
}

/// The agent tabs (§7), for sessions an agent JWT opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Tab {
    /// Everything the other filters admit.
    #[default]
    All,
    /// Assigned to the agent.
    Mine,
    /// Waiting for a human and assigned to nobody.
    New,
    /// Conversations the agent watches.
    Watched,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Self::All, Self::Mine, Self::New, Self::Watched];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mine => "mine",
            Self::New => "new",
            Self::Watched => "watched",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// The embed page's list filters (§3). Parsing never fails: an unknown or malformed value
/// falls back to its default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Filters {
    pub status: StatusFilter,
    pub search: String,
    /// One inbox; `None` means every inbox in scope.
    pub whatsapp_config_id: Option<Uuid>,
    pub unread: bool,
    pub handoff: bool,
    /// The agent tab; ignored without an agent.
    pub tab: Tab,
}

/// The longest search string used; longer input is cut, not refused.
pub const MAX_SEARCH_CHARS: usize = 200;

impl Filters {
    /// Reads the filters from query parameters (`get` returns a parameter's value).
    pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let flag = |name: &str| matches!(get(name), Some("1") | Some("true"));
        Self {
            status: get("status")
                .and_then(StatusFilter::parse)
                .unwrap_or_default(),
            search: get("search")
                .map(|s| s.trim().chars().take(MAX_SEARCH_CHARS).collect())
                .unwrap_or_default(),
            whatsapp_config_id: get("whatsapp_config_id").and_then(|v| Uuid::parse_str(v).ok()),
            unread: flag("unread"),
            handoff: flag("handoff"),
            tab: get("tab").and_then(Tab::parse).unwrap_or_default(),
        }
    }

    /// The query parameters that differ from the defaults, in a stable order.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.status != StatusFilter::Active {
            pairs.push(("status", self.status.as_str().to_string()));
        }
        if !self.search.is_empty() {
            pairs.push(("search", self.search.clone()));
        }
        if let Some(id) = self.whatsapp_config_id {
            pairs.push(("whatsapp_config_id", id.to_string()));
        }
        if self.unread {
            pairs.push(("unread", "1".to_string()));
        }
        if self.handoff {
            pairs.push(("handoff", "1".to_string()));
        }
        if self.tab != Tab::All {
            pairs.push(("tab", self.tab.as_str().to_string()));
        }
        pairs
    }

    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a conversation belongs in the list these filters make: `Some(false)` when
    /// it certainly does not, `None` when only the server can say (a search that may
    /// match a message's text rather than the name, phone or last message).
    pub fn admits(&self, c: &ConversationFacts) -> Option<bool> {
        if self.status.status().is_some_and(|s| s != c.status)
            || self.whatsapp_config_id.is_some_and(|id| id != c.inbox_id)
            || self.unread && c.unread_count == 0
            || self.handoff && c.handoff != Handoff::Waiting
        {
            return Some(false);
        }
        let search = lowercase(self.search.trim());
        if search.is_empty() {
            return Some(true);
        }
        let found = [
            Some(c.contact.display_name.as_str()),
            c.contact.phone_number.as_deref(),
            c.preview.as_ref().map(|p| p.text.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(|text| lowercase(text).contains(&search));
        found.then_some(true)
    }
}

/// Lower case for matching. In the browser the browser's own (its Unicode tables are
/// already there; Rust's would weigh on the bundle).
fn lowercase(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

/// `?mode=`: a theme override; anything else means none.
pub fn mode_from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Theme> {
    get("mode").and_then(Theme::parse)
}

/// Percent-encodes a query string from pairs (RFC 3986 unreserved characters kept).
pub fn encode_query(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        out.push('=');
        for byte in value.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(byte as char)
                }
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(query: &[(&str, &str)]) -> Filters {
        let map: HashMap<&str, &str> = query.iter().copied().collect();
        Filters::from_query(|k| map.get(k).copied())
    }

    #[test]
    fn defaults_when_absent() {
        assert_eq!(parse(&[]), Filters::default());
        assert_eq!(Filters::default().status, StatusFilter::Active);
    }

    #[test]
    fn unknown_or_malformed_values_fall_back() {
        let f = parse(&[
            ("status", "archived"),
            ("whatsapp_config_id", "not-a-uuid"),
            ("unread", "yes"),
            ("handoff", "0"),
            ("tab", "others"),
        ]);
        assert_eq!(f, Filters::default());
        assert_eq!(
            parse(&[("whatsapp_config_id", "all")]).whatsapp_config_id,
            None
        );
    }

    #[test]
    fn recognised_values() {
        let id = Uuid::new_v4();
        let id_text = id.to_string();
        let f = parse(&[
            ("status", "all"),
            ("search", "  Ana  "),
            ("whatsapp_config_id", &id_text),
            ("unread", "1"),
            ("handoff", "true"),
        ]);
        assert_eq!(f.status, StatusFilter::All);
        assert_eq!(f.search, "Ana");
        assert_eq!(f.whatsapp_config_id, Some(id));
        assert!(f.unread && f.handoff);
    }

    #[test]
    fn query_round_trip() {
        let f = Filters {
            status: StatusFilter::Ended,
            search: "café & co/?".into(),
            whatsapp_config_id: Some(Uuid::nil()),
            unread: true,
            handoff: false,
            tab: Tab::Mine,
        };
        let query = encode_query(&f.to_query_pairs());
        assert_eq!(
            query,
            "?status=ended&search=caf%C3%A9%20%26%20co%2F%3F&whatsapp_config_id=00000000-0000-0000-0000-000000000000&unread=1&tab=mine"
        );
        assert_eq!(encode_query(&Filters::default().to_query_pairs()), "");
    }

    #[test]
    fn mode_parameter() {
        assert_eq!(mode_from_query(|_| Some("dark")), Some(Theme::Dark));
        assert_eq!(mode_from_query(|_| Some("neon")), None);
    }
}
