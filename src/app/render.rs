//! What the server-rendered parts of the embed read of the page they go into, and how
//! a part is rendered on its own (a fragment the page asks for, a live frame's HTML).

use leptos::prelude::*;
use uuid::Uuid;

use super::urls::embed_href;
use crate::model::{Filters, Lang, Theme};

/// The page's credential and overrides, for the links and media URLs in what is rendered.
#[derive(Debug, Clone)]
pub struct Links {
    pub token: String,
    pub mode: Option<Theme>,
    pub lang_override: Option<Lang>,
}

#[derive(Debug, Clone)]
pub struct RenderContext {
    pub lang: Lang,
    /// `None` for HTML that many pages share (live frames) or fetch (fragments): links and
    /// media in it carry their target in `data-` attributes, and the page points them at
    /// itself when it puts the HTML in.
    pub links: Option<Links>,
    pub filters: Filters,
    /// The conversation open on the page, if any.
    pub open: Option<Uuid>,
    /// Whether an agent JWT opened the page (its tabs and watch toggle show).
    pub agent: bool,
    /// The server's clock. Times render in UTC; the browser shows them in its own zone.
    pub now_ms: i64,
}

impl RenderContext {
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// For HTML many pages share: no links of its own.
    pub fn shared(lang: Lang, now_ms: i64) -> Self {
        Self {
            lang,
            links: None,
            filters: Filters::default(),
            open: None,
            agent: false,
            now_ms,
        }
    }

    /// A conversation's (or the list's) URL with the page's filters, if links are known.
    pub fn href(&self, conversation: Option<Uuid>, filters: &Filters) -> Option<String> {
        self.links
            .as_ref()
            .map(|l| embed_href(&l.token, conversation, filters, l.mode, l.lang_override))
    }

    /// The URL of a file uploaded to the inbox, served through the page's credential.
    pub fn media_url(&self, id: Uuid) -> Option<String> {
        self.links
            .as_ref()
            .map(|l| format!("/embed/{}/media/{id}", l.token))
    }
}

/// Renders a part on its own, as HTML, with `context`.
pub fn fragment<V: IntoView + 'static>(context: RenderContext, part: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| {
        provide_context(context);
        part().to_html()
    })
}
