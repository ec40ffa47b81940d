//! The thread pane in the browser: which conversation it shows. Opening one reads its
//! HTML from the server while the thread's chunk loads (the first time), then hands it to
//! that chunk (the `ThreadChunk` the page started with), which keeps it live until another
//! one opens.

use std::cell::{Cell, RefCell};

use futures_util::future::LocalBoxFuture;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::dom;
use super::Page;
use crate::actions::{thread_fragment, EmbedError};
use crate::app::i18n::error_text;
use crate::model::{text, LiveFrame};

/// A thread the chunk keeps live.
pub trait AttachedThread {
    fn receive(&self, frame: &LiveFrame);
    /// Ends it: its views and timers go (its HTML is replaced after).
    fn detach(&self);
}

/// The thread's chunk, as the page is handed it (`lib.rs` wires in `thread::client`, so
/// this side never names it): attaching a thread the server rendered, and loading the
/// chunk ahead.
#[derive(Clone, Copy)]
pub struct ThreadChunk {
    pub attach: fn(HtmlElement) -> LocalBoxFuture<'static, Box<dyn AttachedThread>>,
    pub preload: fn() -> LocalBoxFuture<'static, ()>,
}

pub struct Pane {
    chunk: ThreadChunk,
    attached: RefCell<Option<Box<dyn AttachedThread>>>,
    /// The conversation shown (or on its way).
    showing: Cell<Option<Uuid>>,
    /// Counts the threads asked for: only the latest one's answer is shown.
    requests: Cell<u64>,
}

fn slot() -> Option<Element> {
    dom::find(None, ".thread-pane .thread-slot")
}

impl Pane {
    pub fn new(chunk: ThreadChunk) -> Self {
        Self {
            chunk,
            attached: RefCell::new(None),
            showing: Cell::new(None),
            requests: Cell::new(0),
        }
    }

    /// Takes over the thread the server rendered, if the page opened on one.
    pub async fn start(page: &Page) {
        let Some(section) = dom::find_html(None, ".thread-pane section.thread") else {
            return;
        };
        let pane = &page.0.pane;
        pane.showing.set(page.open());
        let request = pane.requests.get();
        let attached = (pane.chunk.attach)(section).await;
        if pane.requests.get() == request {
            *pane.attached.borrow_mut() = Some(attached);
        } else {
            attached.detach();
        }
    }

    /// Shows `open`, or the hint to open one.
    pub fn show(&self, page: &Page, open: Option<Uuid>) {
        if let Some(inbox) = dom::find(None, ".inbox") {
            dom::toggle_class(&inbox, "has-thread", open.is_some());
        }
        match open {
            None => {
                self.requests.set(self.requests.get() + 1);
                self.showing.set(None);
                self.detach();
                if let Some(slot) = slot() {
                    slot.set_inner_html("");
                }
                if let Some(hint) = dom::find(None, ".thread-empty-slot") {
                    dom::toggle_attr(&hint, "hidden", false);
                }
                dom::document().set_title(&page.init().title);
            }
            Some(id) if self.showing.get() == Some(id) => {}
            Some(id) => self.read(page, id),
        }
    }

    /// Reads the shown thread again.
    pub fn reload(&self, page: &Page) {
        if let Some(id) = self.showing.get() {
            self.read(page, id);
        }
    }

    pub fn receive(&self, frame: &LiveFrame) {
        if let Some(attached) = &*self.attached.borrow() {
            attached.receive(frame);
        }
    }

    fn detach(&self) {
        if let Some(attached) = self.attached.borrow_mut().take() {
            attached.detach();
        }
    }

    /// Reads a thread's HTML (the chunk loads meanwhile), then shows and attaches it; the
    /// one shown stays until then.
    fn read(&self, page: &Page, id: Uuid) {
        let request = self.requests.get() + 1;
        self.requests.set(request);
        self.showing.set(Some(id));
        if let Some(pane) = dom::find(None, ".thread-pane") {
            dom::set_attr(&pane, "aria-busy", "true");
        }
        let (token, lang, chunk) = (page.token(), page.lang(), self.chunk);
        dom::spawn_now(async move {
            let html = thread_fragment(token, id.to_string(), lang);
            let (html, ()) = futures_util::future::join(html, (chunk.preload)()).await;
            let page = Page::get();
            let pane = &page.0.pane;
            if pane.requests.get() != request {
                return;
            }
            if let Some(el) = dom::find(None, ".thread-pane") {
                dom::set_attr(&el, "aria-busy", "false");
            }
            pane.detach();
            let Some(slot) = slot() else { return };
            slot.set_inner_html("");
            if let Some(hint) = dom::find(None, ".thread-empty-slot") {
                dom::toggle_attr(&hint, "hidden", true);
            }
            let html = match html {
                Ok(html) => html,
                Err(error) => failed(lang, &error),
            };
            for el in dom::elements_of(&html) {
                let _ = slot.append_child(&el);
            }
            page.point_links(Some(&slot));
            page.show_times(&slot);
            let Some(section) = dom::find(Some(&slot), "section.thread")
                .and_then(|s| s.dyn_into::<HtmlElement>().ok())
            else {
                return;
            };
            let attached = (chunk.attach)(section).await;
            if pane.requests.get() == request {
                *pane.attached.borrow_mut() = Some(attached);
            } else {
                attached.detach();
            }
        });
    }
}

/// What the pane says when a thread cannot be read (the server says "not found"
/// itself).
fn failed(lang: crate::model::Lang, error: &EmbedError) -> String {
    let t = text(lang);
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<div class=\"thread-empty\" data-testid=\"thread-error\" role=\"alert\"><h2>{}</h2><p>{}</p><a class=\"link-button\" data-back-link=\"\">{}</a></div>",
        escape(t.cannot_open_conversation),
        escape(&error_text(lang, error)),
        escape(t.back_to_conversations),
    )
}
