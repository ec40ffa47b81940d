//! What the server tells the page's script about the page, in one JSON block.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{AgentView, Lang, OriginPattern, Theme};

/// The id of the `<script type="application/json">` that carries [`PageInit`].
pub const PAGE_INIT_ID: &str = "inbox-page";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageInit {
    /// The credential in the page's path: an embed token or an agent JWT.
    pub token: String,
    /// The UI's language: `?lang=` when it names one the UI speaks, else the token's.
    pub lang: Lang,
    /// `?mode=` and `?lang=` as the URL gave them; every link keeps them.
    pub mode: Option<Theme>,
    pub lang_override: Option<Lang>,
    /// The token's theme (`?mode=` and the user's saved choice come first).
    pub theme: Theme,
    /// The scope's name: the tab's title on the list.
    pub title: String,
    /// The agent an agent JWT signed in.
    pub agent: Option<AgentView>,
    /// A token for one agent's conversations: theirs.
    pub assignee: Option<Uuid>,
    /// Origins the page may talk to when framed (`postMessage`); empty admits any.
    pub allowed_origins: Vec<OriginPattern>,
    /// The live log's position the page's data was read at: the socket resumes from it.
    pub last_event_id: i64,
}

impl PageInit {
    /// The JSON for the page's data block. `<` is escaped so that no text in it can end
    /// the script element.
    pub fn to_script_json(&self) -> String {
        serde_json::to_string(self)
            .expect("plain data serialises")
            .replace('<', "\\u003c")
    }
}
