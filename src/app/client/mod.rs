//! The embed page in the browser. The server rendered the page whole; this keeps it live
//! without rendering it again: it follows the page's own links in place, reads new list
//! pages and threads from the server as HTML, lays live changes into the list, and hands
//! the open conversation to the thread's own chunk (`thread::client`, handed in as a
//! `ThreadChunk`), loaded when one is first shown. No reactive runtime runs here: it comes
//! with the reply-buttons builder's chunk.

mod bridge;
mod dom;
mod list;
mod live;
mod nav;
mod pane;
mod times;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use uuid::Uuid;
use web_sys::Element;

use super::page::{PageInit, PAGE_INIT_ID};
use super::theme::THEME_STORAGE_KEY;
use super::urls::embed_href;
use crate::model::{Filters, Lang, LiveFrame, Theme};
use live::{Live, LiveSink, LiveStatus};

pub use dom::{
    closest, document, elements_of, find_all, listen, listen_capture, next_frame, now_ms,
    offset_minutes_at,
};
pub use live::LiveStatus as Status;
pub use pane::{AttachedThread, ThreadChunk};

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

/// The page: what the server said of it, where it is, and its parts.
#[derive(Clone)]
pub struct Page(Rc<Inner>);

pub struct Inner {
    pub init: PageInit,
    filters: RefCell<Filters>,
    open: Cell<Option<Uuid>>,
    /// Conversations the agent started (true) or stopped (false) watching on this page.
    watched: RefCell<HashMap<Uuid, bool>>,
    live: RefCell<Option<Live>>,
    list: list::List,
    pane: pane::Pane,
    bridge: RefCell<Option<bridge::Bridge>>,
}

impl Page {
    /// The document's page (on a page that has one).
    pub fn get() -> Self {
        PAGE.with(|p| p.borrow().clone())
            .expect("the page has started")
    }

    pub fn lang(&self) -> Lang {
        self.0.init.lang
    }

    pub fn token(&self) -> String {
        self.0.init.token.clone()
    }

    pub fn init(&self) -> &PageInit {
        &self.0.init
    }

    pub fn filters(&self) -> Filters {
        self.0.filters.borrow().clone()
    }

    pub fn open(&self) -> Option<Uuid> {
        self.0.open.get()
    }

    /// The URL of a conversation (or the list) with these filters, `?mode=` and `?lang=`
    /// kept.
    pub fn href(&self, conversation: Option<Uuid>, filters: &Filters) -> String {
        let i = &self.0.init;
        embed_href(&i.token, conversation, filters, i.mode, i.lang_override)
    }

    pub fn is_live(&self) -> bool {
        self.0.live.borrow().as_ref().is_some_and(Live::is_live)
    }

    pub fn live_status(&self) -> LiveStatus {
        self.0
            .live
            .borrow()
            .as_ref()
            .map_or(LiveStatus::Connecting, Live::status)
    }

    /// Message frames that came after `after` (for a thread read then).
    pub fn recent_frames(&self, after: i64) -> Vec<LiveFrame> {
        self.0
            .live
            .borrow()
            .as_ref()
            .map(|l| l.recent_after(after))
            .unwrap_or_default()
    }

    /// Whether the agent watches a conversation, as far as this page changed it.
    pub fn watched(&self, id: Uuid) -> Option<bool> {
        self.0.watched.borrow().get(&id).copied()
    }

    /// The thread's watch toggle changed: the watched tab follows.
    pub fn watched_changed(&self, id: Uuid, watched: bool) {
        self.0.watched.borrow_mut().insert(id, watched);
        self.0.list.watched_changed(self, id, watched);
    }

    /// The open thread changed something itself. Live, the change comes back as an
    /// event; otherwise the list reads it again.
    pub fn changed_here(&self) {
        if !self.is_live() {
            self.0.list.reload(self);
        }
    }

    /// Moves the page to a conversation (or the list) and filters (see `nav`).
    pub fn go(&self, open: Option<Uuid>, filters: Filters, replace: bool) {
        nav::push(&self.href(open, &filters), replace);
        self.arrive(open, filters);
    }

    /// The page is at `open` with `filters` (a link followed, Back or Forward).
    fn arrive(&self, open: Option<Uuid>, filters: Filters) {
        let filters_changed = *self.0.filters.borrow() != filters;
        if filters_changed {
            *self.0.filters.borrow_mut() = filters;
        }
        let open_changed = self.0.open.get() != open;
        self.0.open.set(open);
        if filters_changed {
            self.0.list.follow_filters(self);
        }
        if open_changed {
            self.0.list.mark_open(open);
            self.0.pane.show(self, open);
            let bridge = self.0.bridge.borrow().clone();
            if let Some(bridge) = bridge {
                bridge.opened(open);
            }
        }
        if filters_changed || open_changed {
            self.point_links(None);
        }
    }

    /// Points the links of what the page shows (or of `root`) at the page: rows, tabs,
    /// the ways back to the list, media of uploaded files.
    pub fn point_links(&self, root: Option<&Element>) {
        list::point_links(self, root);
    }

    /// Shows the times under `root` in the reader's zone and language.
    pub fn show_times(&self, root: &Element) {
        times::show(root, self.lang());
    }

    /// Reads again what the page shows (the live log no longer holds what was missed).
    fn reload(&self) {
        self.0.list.reload(self);
        self.0.pane.reload(self);
    }
}

/// The socket's frames and state, handed to the page's parts.
struct Sink;

impl LiveSink for Sink {
    fn frame(&self, frame: &LiveFrame) {
        let page = Page::get();
        match frame {
            LiveFrame::Refetch { .. } => page.reload(),
            LiveFrame::Conversation { .. } => page.0.list.receive(&page, frame),
            _ => {}
        }
        page.0.pane.receive(frame);
        let bridge = page.0.bridge.borrow().clone();
        if let Some(bridge) = bridge {
            bridge.receive(frame);
        }
    }

    fn status(&self, status: LiveStatus) {
        let page = Page::get();
        list::show_status(page.lang(), status);
        let bridge = page.0.bridge.borrow().clone();
        if let Some(bridge) = bridge {
            bridge.status(status);
        }
    }
}

/// Starts the page from the server's data block (nothing happens on a page without one,
/// a notice page); returns once a thread the server rendered is live too, `thread`'s
/// chunk attached to it.
pub async fn start(thread: ThreadChunk) {
    let Some(init) = dom::find(None, &format!("#{PAGE_INIT_ID}"))
        .and_then(|el| el.text_content())
        .and_then(|json| serde_json::from_str::<PageInit>(&json).ok())
    else {
        return;
    };
    let location = nav::Location::current();
    let since = init.last_event_id;
    let page = Page(Rc::new(Inner {
        filters: RefCell::new(location.filters),
        open: Cell::new(location.open),
        watched: RefCell::new(HashMap::new()),
        live: RefCell::new(None),
        list: list::List::new(&init),
        pane: pane::Pane::new(thread),
        bridge: RefCell::new(None),
        init,
    }));
    PAGE.with(|p| *p.borrow_mut() = Some(page.clone()));
    start_theme();
    times::start(page.lang());
    nav::start(&page);
    page.0.list.start(&page);
    *page.0.bridge.borrow_mut() = bridge::Bridge::start(&page);
    let live = Live::start(page.token(), page.lang(), since, Rc::new(Sink));
    *page.0.live.borrow_mut() = Some(live);
    pane::Pane::start(&page).await;
}

/// The theme select applies and saves the user's choice (a failing storage keeps it for
/// the visit); a host's `set_theme` applies it without saving.
fn start_theme() {
    let Some(select) = dom::find(None, "[data-testid=theme-select]") else {
        return;
    };
    // What the boot script applied from the saved choice.
    if let Some(applied) = dom::document()
        .document_element()
        .and_then(|html| html.get_attribute("data-theme"))
    {
        if let Ok(select) =
            wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(select.clone())
        {
            select.set_value(&applied);
        }
    }
    dom::listen(&select, "change", |event: web_sys::Event| {
        let value = event
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok())
            .map(|s| s.value());
        if let Some(theme) = value.as_deref().and_then(Theme::parse) {
            apply_theme(theme);
            super::storage::set(THEME_STORAGE_KEY, theme.as_str());
        }
    });
}

/// The tab's title.
pub fn set_title(title: &str) {
    dom::document().set_title(title);
}

pub fn apply_theme(theme: Theme) {
    if let Some(html) = dom::document().document_element() {
        dom::set_attr(&html, "data-theme", theme.as_str());
    }
    if let Some(select) = dom::find(None, "[data-testid=theme-select]")
        .and_then(|s| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(s).ok())
    {
        select.set_value(theme.as_str());
    }
}

pub fn current_theme() -> Theme {
    dom::document()
        .document_element()
        .and_then(|html| html.get_attribute("data-theme"))
        .and_then(|t| Theme::parse(&t))
        .unwrap_or(Theme::System)
}
