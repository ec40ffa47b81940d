//! The host-page protocol (`public/embed.js` is the host's side; `client::bridge` the
//! page's): the page framed by a host talks to it by `postMessage`, and only to an origin
//! the session allows (the token's `allowed_origins`, or the project's JWT origins).
//!
//! Every message is `{channel: "inbox-embed", version: 1, type, data}`. The page says
//! `hello` to its parent (nothing in it), the host answers `connect`, and the page accepts
//! it only from its parent window at an allowed origin; from then on events go to that
//! origin alone and commands are taken from it alone.

use crate::model::Filters;

/// The protocol's channel name and version.
pub const CHANNEL: &str = "inbox-embed";
pub const VERSION: u32 = 1;

/// How often, and how many times, the page says hello before a host answers.
pub const HELLO_EVERY_MS: u64 = 500;
pub const HELLO_TIMES: u32 = 20;

/// Whether a message's `channel` and `version` are ours.
pub fn is_ours(channel: Option<&str>, version: Option<f64>) -> bool {
    channel == Some(CHANNEL) && version == Some(f64::from(VERSION))
}

/// A field of a command's `data`, as the protocol reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    True,
    /// Absent, or of another kind.
    Other,
}

/// The list filters a `set_filters` command asks for: every field it leaves out goes back
/// to its default; a value of the wrong kind is ignored as in the URL.
pub fn filters_from(field: impl Fn(&str) -> Field) -> Filters {
    let values: Vec<(&str, String)> = [
        "status",
        "search",
        "whatsapp_config_id",
        "unread",
        "handoff",
        "tab",
    ]
    .into_iter()
    .filter_map(|key| match field(key) {
        Field::Text(text) => Some((key, text)),
        Field::True => Some((key, "1".to_string())),
        Field::Other => None,
    })
    .collect();
    Filters::from_query(|key| {
        values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    })
}

/// The script on the page of a link that opens nothing: it tells a framing host
/// (`token.expired`) the reason only, to any origin, since without a session the page
/// cannot tell which hosts are allowed. Plain JavaScript: that page loads no wasm.
pub fn token_ended_script(reason: &'static str) -> String {
    format!(
        "if(window.parent!==window)window.parent.postMessage({{channel:\"{CHANNEL}\",version:{VERSION},type:\"token.expired\",data:{{reason:\"{reason}\"}}}},\"*\")"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StatusFilter, Tab};

    #[test]
    fn only_our_channel_and_version_are_read() {
        assert!(is_ours(Some("inbox-embed"), Some(1.0)));
        assert!(!is_ours(Some("other"), Some(1.0)));
        assert!(!is_ours(Some("inbox-embed"), Some(2.0)));
        assert!(!is_ours(Some("inbox-embed"), None));
        assert!(!is_ours(None, Some(1.0)));
    }

    fn data<'a>(fields: &'a [(&'a str, Field)]) -> impl Fn(&str) -> Field + 'a {
        move |key| {
            fields
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Field::Other, |(_, v)| v.clone())
        }
    }

    #[test]
    fn set_filters_replaces_the_filters() {
        let f = filters_from(data(&[
            ("status", Field::Text("ended".into())),
            ("unread", Field::True),
            ("handoff", Field::Other),
            ("tab", Field::Text("mine".into())),
        ]));
        assert_eq!(f.status, StatusFilter::Ended);
        assert!(f.unread && !f.handoff);
        assert_eq!(f.tab, Tab::Mine);
        assert_eq!(f.search, "");
        // Wrong kinds and unknown values fall back as in the URL.
        let f = filters_from(data(&[
            ("status", Field::Other),
            ("unread", Field::Text("yes".into())),
            ("tab", Field::Text("others".into())),
            ("search", Field::Text("  Ana ".into())),
        ]));
        assert_eq!(f.status, StatusFilter::Active);
        assert!(!f.unread);
        assert_eq!(f.tab, Tab::All);
        assert_eq!(f.search, "Ana");
        assert!(filters_from(data(&[])).is_default());
    }

    #[test]
    fn the_ended_link_script_names_the_reason_only() {
        let script = token_ended_script("expired");
        assert_eq!(
            script,
            "if(window.parent!==window)window.parent.postMessage({channel:\"inbox-embed\",version:1,type:\"token.expired\",data:{reason:\"expired\"}},\"*\")"
        );
    }
}
