//! Where the page is: the open conversation (the path) and the list's filters (the
//! query). Links stay real links: they work before the page is interactive and open in a
//! new tab. Here a click on one of the page's own links moves the page in place
//! (`Page::go`), and Back and Forward move it back.

use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::dom;
use super::Page;
use crate::app::urls::parse_embed_path;
use crate::model::Filters;

/// What an embed URL opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub token: String,
    pub open: Option<Uuid>,
    pub filters: Filters,
}

impl Location {
    /// From a path and its query string. A malformed conversation id opens none (the
    /// server has said 404 for it).
    pub fn of(path: &str, search: &str) -> Option<Self> {
        let (token, id) = parse_embed_path(path)?;
        let params = web_sys::UrlSearchParams::new_with_str(search).ok()?;
        let values: Vec<(&str, String)> = [
            "status",
            "search",
            "whatsapp_config_id",
            "unread",
            "handoff",
            "tab",
        ]
        .into_iter()
        .filter_map(|key| params.get(key).map(|v| (key, v)))
        .collect();
        Some(Self {
            token: token.to_string(),
            open: id.and_then(|id| Uuid::parse_str(id).ok()),
            filters: Filters::from_query(|key| {
                values
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.as_str())
            }),
        })
    }

    /// The document's.
    pub fn current() -> Self {
        let location = web_sys::window().expect("a window").location();
        let path = location.pathname().unwrap_or_default();
        let search = location.search().unwrap_or_default();
        Self::of(&path, &search).unwrap_or_else(|| Self {
            token: String::new(),
            open: None,
            filters: Filters::default(),
        })
    }
}

/// Puts `href` in the history: a new entry, or in place of the current one.
pub fn push(href: &str, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let here = window.location().href().unwrap_or_default();
    let same = web_sys::Url::new_with_base(href, &here).is_ok_and(|there| there.href() == here);
    if same {
        return;
    }
    let _ = if replace {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
    } else {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
    };
}

/// Follows the page's own links in place, and the history.
pub fn start(page: &Page) {
    let token = page.token();
    let document: web_sys::EventTarget = dom::document().into();
    dom::listen(&document, "click", move |event: web_sys::MouseEvent| {
        if event.default_prevented()
            || event.button() != 0
            || event.meta_key()
            || event.ctrl_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let Some(link) = dom::closest(&event, "a[href]")
            .and_then(|el| el.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        else {
            return;
        };
        if !link.target().is_empty() || link.has_attribute("download") {
            return;
        }
        let same_origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .is_some_and(|origin| origin == link.origin());
        let Some(location) = same_origin
            .then(|| Location::of(&link.pathname(), &link.search()))
            .flatten()
            .filter(|l| l.token == token)
        else {
            return;
        };
        event.prevent_default();
        Page::get().go(location.open, location.filters, false);
    });
    let window: web_sys::EventTarget = web_sys::window().expect("a window").into();
    dom::listen(&window, "popstate", |_: web_sys::Event| {
        let location = Location::current();
        Page::get().arrive(location.open, location.filters);
    });
}
