//! The open thread in the browser, in a chunk of its own (loaded when a page opens on a
//! conversation, or the first one is opened from the list). It takes over the thread the
//! server rendered: the header's buttons (`header`), the composer (`composer`, with its
//! `uploads`, `templates` and reply-buttons `builder`), and the messages, as they are sent
//! (`sending`) and as the socket brings them. `Thread` holds what they share: the
//! conversation's `State`, and `update` to change it and what shows it.
//!
//! Bubbles are the server's HTML (in live frames, in a send's answer, in older pages);
//! they go in by their time (`data-at`), and the day separators and sender groups are laid
//! out again in the reader's zone after each change. A message being sent shows at once
//! from the page's template (`template.pending-bubble`) until the server's copy takes
//! its place.

mod builder;
mod composer;
mod el;
mod header;
mod sending;
mod templates;
mod uploads;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use leptos::prelude::lazy;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::outgoing::Outgoing;
use super::ThreadHead;
use crate::actions::{mark_read, older_fragment};
use crate::app::client::{elements_of, find_all, next_frame, now_ms, AttachedThread, Page};
use crate::model::{
    day_label, same_day, text, ConversationFacts, ConversationStatus, Direction, Handoff, Lang,
    LiveFrame, LocalTime, MessageStatus, ReplyWindow,
};
use el::el;

/// How close to the top (px) older messages start loading.
const LOAD_OLDER_PX: i32 = 300;
/// How close to the bottom (px) counts as reading the newest message.
const STICK_TO_BOTTOM_PX: i32 = 48;

/// Takes over the thread the server rendered in `section`.
#[lazy]
pub fn attach(section: HtmlElement) -> Box<dyn AttachedThread> {
    Box::new(Thread::attach(section))
}

/// The conversation's state, as the header and composer show it.
#[derive(Debug, Clone)]
pub struct State {
    pub handoff: Handoff,
    pub name: String,
    pub status: ConversationStatus,
    pub watched: bool,
    pub window: ReplyWindow,
    /// A link for one agent's conversations: this one was assigned to someone else.
    pub reassigned: bool,
}

#[derive(Clone)]
pub struct Thread(Rc<Inner>);

pub struct Inner {
    page: Page,
    section: HtmlElement,
    scroller: HtmlElement,
    head: ThreadHead,
    state: RefCell<State>,
    header: header::Header,
    composer: composer::Composer,
    clock: Cell<Option<i32>>,
    older_cursor: RefCell<Option<String>>,
    loading_older: Cell<bool>,
    /// Whether the reader is at the newest message: then what comes keeps them there.
    at_bottom: Cell<bool>,
    /// Sends that failed, by client id: what was sent, for a retry.
    failed: RefCell<HashMap<String, Outgoing>>,
    detached: Cell<bool>,
}

fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// A value for a `[attr="…"]` selector.
fn css_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Thread {
    fn attach(section: HtmlElement) -> Self {
        let page = Page::get();
        let head: ThreadHead = section
            .get_attribute("data-head")
            .and_then(|json| serde_json::from_str(&json).ok())
            .expect("the server wrote the thread's head");
        let scroller = find(&section, ".thread-scroll")
            .and_then(|el| el.dyn_into::<HtmlElement>().ok())
            .expect("the thread has its messages");
        let state = State {
            handoff: head.handoff,
            name: head.name.clone(),
            status: head.status,
            watched: head.watched,
            window: head.window,
            reassigned: false,
        };
        let thread = Self(Rc::new_cyclic(|weak: &Weak<Inner>| Inner {
            header: header::Header::new(weak.clone(), &section),
            composer: composer::Composer::new(weak.clone(), &section, head.id),
            page,
            section,
            scroller,
            older_cursor: RefCell::new(head.older_cursor.clone()),
            head,
            state: RefCell::new(state),
            clock: Cell::new(None),
            loading_older: Cell::new(false),
            at_bottom: Cell::new(true),
            failed: RefCell::new(HashMap::new()),
            detached: Cell::new(false),
        }));
        thread.0.header.start();
        thread.0.composer.start();
        thread.listen();
        thread.lay_out();
        thread.scroll_to_newest_now();
        crate::app::client::set_title(&thread.0.head.name);
        // What came while it was on its way; each later frame comes through `receive`.
        for frame in thread.0.page.recent_frames(thread.0.head.last_event_id) {
            thread.receive(&frame);
        }
        if thread.0.head.unread_count > 0 {
            thread.read_now();
        }
        thread
    }

    pub fn of(weak: &Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(Self).filter(|t| !t.0.detached.get())
    }

    fn weak(&self) -> Weak<Inner> {
        Rc::downgrade(&self.0)
    }

    pub fn id(&self) -> Uuid {
        self.0.head.id
    }

    pub fn lang(&self) -> Lang {
        self.0.page.lang()
    }

    pub fn token(&self) -> String {
        self.0.page.token()
    }

    pub fn page(&self) -> &Page {
        &self.0.page
    }

    pub fn head(&self) -> &ThreadHead {
        &self.0.head
    }

    pub fn state(&self) -> State {
        self.0.state.borrow().clone()
    }

    pub fn section(&self) -> &HtmlElement {
        &self.0.section
    }

    /// Changes the conversation's state, and what shows it.
    pub fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.0.state.borrow_mut());
        let state = self.state();
        self.0.header.show(&state);
        self.0.composer.show(&state);
        crate::app::client::set_title(&state.name);
    }

    fn listen(&self) {
        let weak = self.weak();
        crate::app::client::listen(&self.0.scroller, "scroll", move |_: web_sys::Event| {
            if let Some(thread) = Thread::of(&weak) {
                thread.on_scroll();
            }
        });
        // Media that loads late keeps a reader at the bottom there (`load` does not bubble).
        let weak = self.weak();
        crate::app::client::listen_capture(&self.0.scroller, "load", move |_: web_sys::Event| {
            if let Some(thread) = Thread::of(&weak) {
                if thread.0.at_bottom.get() {
                    let scroller = &thread.0.scroller;
                    scroller.set_scroll_top(scroller.scroll_height());
                }
            }
        });
        let weak = self.weak();
        crate::app::client::listen(&self.0.scroller, "click", move |event: web_sys::Event| {
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let client_id = crate::app::client::closest(&event, "[data-testid=retry-send]")
                .and_then(|b| b.closest(".send-failed").ok().flatten())
                .and_then(|f| f.get_attribute("data-client-id"));
            if let Some(client_id) = client_id {
                let outgoing = thread.0.failed.borrow().get(&client_id).cloned();
                if let Some(outgoing) = outgoing {
                    thread.send(outgoing, client_id);
                }
            }
        });
        // The composer's window is read against this clock; the day labels too.
        let weak = self.weak();
        let tick = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if let Some(thread) = Thread::of(&weak) {
                thread.0.composer.show(&thread.state());
                thread.lay_out();
            }
        });
        self.0.clock.set(web_sys::window().and_then(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                30_000,
            )
            .ok()
        }));
        tick.forget();
    }

    fn on_scroll(&self) {
        let el = &self.0.scroller;
        self.0
            .at_bottom
            .set(el.scroll_top() + el.client_height() >= el.scroll_height() - STICK_TO_BOTTOM_PX);
        if el.scroll_top() < LOAD_OLDER_PX {
            self.load_older();
        }
    }

    fn scroll_to_newest_now(&self) {
        self.0.at_bottom.set(true);
        self.0
            .scroller
            .set_scroll_top(self.0.scroller.scroll_height());
    }

    /// Shows the newest message, once what changed is laid out.
    fn scroll_to_newest(&self) {
        self.0.at_bottom.set(true);
        let scroller = self.0.scroller.clone();
        next_frame(move || scroller.set_scroll_top(scroller.scroll_height()));
    }

    fn messages(&self) -> Vec<Element> {
        find_all(&self.0.scroller, "[data-testid=message]")
    }

    /// Puts a bubble where its time puts it (after the last one at or before it).
    fn place(&self, bubble: &Element, key: (i64, Uuid)) {
        let after = self
            .messages()
            .into_iter()
            .rev()
            .find(|m| bubble_key(m).is_some_and(|k| k <= key));
        let before = match after {
            Some(previous) => end_of(&previous).next_element_sibling(),
            None => find(&self.0.scroller, ".thread-start").and_then(|s| s.next_element_sibling()),
        };
        let _ = self
            .0
            .scroller
            .insert_before(bubble, before.as_ref().map(AsRef::as_ref));
    }

    /// A bubble from the server (an event, an answer, an upload): in place of the one with
    /// its id, or of the pending one with its client id; a new one (`created`) goes by its
    /// time unless older pages are still to come and will bring it. True when it is new
    /// here.
    pub fn show_bubble(
        &self,
        id: Uuid,
        client_id: Option<&str>,
        status: MessageStatus,
        at: i64,
        html: &str,
        created: bool,
    ) -> bool {
        let Some(bubble) = elements_of(html).into_iter().next() else {
            return false;
        };
        self.0.page.point_links(Some(&bubble));
        let pending = client_id.and_then(|cid| {
            find(
                &self.0.scroller,
                &format!(
                    "[data-testid=message][data-pending][data-client-id=\"{}\"]",
                    css_escape(cid)
                ),
            )
        });
        let existing = find(&self.0.scroller, &format!("[data-message-id=\"{id}\"]")).or(pending);
        if let Some(old) = existing {
            // A late frame never moves a message's status backwards.
            let old_status = find(&old, ".ticks")
                .and_then(|t| t.get_attribute("data-status"))
                .as_deref()
                .and_then(MessageStatus::parse);
            let stored_before = !old.has_attribute("data-pending");
            let backwards = old_status.is_some_and(|s| s != status && !s.advances_to(status));
            if !(stored_before && backwards) {
                let _ = old.replace_with_with_node_1(&bubble);
                self.lay_out();
            }
            return false;
        }
        let older_than_loaded = self
            .messages()
            .first()
            .and_then(bubble_key)
            .is_some_and(|k| (at, id) < k);
        if !created || older_than_loaded && self.0.older_cursor.borrow().is_some() {
            return false;
        }
        self.place(&bubble, (at, id));
        self.lay_out();
        if self.0.at_bottom.get() {
            self.scroll_to_newest();
        }
        true
    }

    /// Reads the page before the loaded messages, keeping the one under the reader's eyes
    /// where it is.
    fn load_older(&self) {
        let inner = &self.0;
        if inner.loading_older.get() {
            return;
        }
        let Some(before) = inner.older_cursor.borrow().clone() else {
            return;
        };
        inner.loading_older.set(true);
        let t = text(self.lang());
        if let Some(hint) = find(&inner.scroller, ".thread-start .older-hint") {
            hint.set_text_content(Some(t.loading_older));
        }
        let (token, id, lang) = (self.token(), self.id(), self.lang());
        let weak = self.weak();
        wasm_bindgen_futures::spawn_local(async move {
            let result = older_fragment(token, id, before, lang).await;
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let inner = &thread.0;
            let (height, top) = (inner.scroller.scroll_height(), inner.scroller.scroll_top());
            match result {
                Ok(older) => {
                    let first = find(&inner.scroller, ".thread-start")
                        .and_then(|s| s.next_element_sibling());
                    for bubble in older.html.iter().flat_map(|html| elements_of(html)) {
                        let known = bubble
                            .get_attribute("data-message-id")
                            .and_then(|id| {
                                find(&inner.scroller, &format!("[data-message-id=\"{id}\"]"))
                            })
                            .is_some();
                        if !known {
                            inner.page.point_links(Some(&bubble));
                            let _ = inner
                                .scroller
                                .insert_before(&bubble, first.as_ref().map(AsRef::as_ref));
                        }
                    }
                    *inner.older_cursor.borrow_mut() = older.older_cursor;
                    thread.lay_out();
                    let scroller = inner.scroller.clone();
                    next_frame(move || {
                        scroller.set_scroll_top(scroller.scroll_height() - height + top);
                    });
                }
                Err(e) => web_sys::console::warn_1(&format!("older messages: {e}").into()),
            }
            let hint = if inner.older_cursor.borrow().is_some() {
                t.older_hint
            } else {
                t.thread_start
            };
            if let Some(el) = find(&inner.scroller, ".thread-start .older-hint") {
                el.set_text_content(Some(hint));
            }
            inner.loading_older.set(false);
        });
    }

    /// Opening the thread reads it: the unread badge clears. So does a message that
    /// arrives while it is open.
    fn read_now(&self) {
        let (token, id) = (self.token(), self.id());
        wasm_bindgen_futures::spawn_local(async move {
            match mark_read(token, id).await {
                Ok(()) => Page::get().changed_here(),
                Err(e) => web_sys::console::warn_1(&format!("mark read: {e}").into()),
            }
        });
    }

    /// The header follows what an event says of the conversation.
    fn show_conversation(&self, c: &ConversationFacts) {
        let assignee = self.0.page.init().assignee;
        self.update(|state| {
            if let Some(me) = assignee {
                state.reassigned = c.assigned_user_id != Some(me);
            }
            state.handoff = c.handoff;
            state.name = c.contact.display_name.clone();
            state.status = c.status;
        });
    }

    /// Day separators in the reader's zone, and the first bubble of each run from one
    /// side marked (it shows the sender).
    fn lay_out(&self) {
        let inner = &self.0;
        let lang = self.lang();
        let now = local(now_ms());
        for separator in find_all(&inner.scroller, ":scope > .day-separator") {
            separator.remove();
        }
        let mut previous: Option<(LocalTime, String, String)> = None;
        for bubble in self.messages() {
            let Some((at, _)) = bubble_key(&bubble) else {
                continue;
            };
            let at = local(at);
            let direction = bubble.get_attribute("data-direction").unwrap_or_default();
            let sender = bubble.get_attribute("data-sender").unwrap_or_default();
            let new_day = previous.as_ref().is_none_or(|(p, _, _)| !same_day(*p, at));
            if new_day {
                let separator = el("div")
                    .class("day-separator")
                    .attr("role", "separator")
                    .child(el("span").text(&day_label(at, now, lang)));
                let _ = bubble.before_with_node_1(&separator.build());
            }
            let first = new_day
                || previous
                    .as_ref()
                    .is_none_or(|(_, d, s)| *d != direction || *s != sender);
            let _ = bubble
                .class_list()
                .toggle_with_force("first-in-group", first);
            previous = Some((at, direction, sender));
        }
        inner.page.show_times(&inner.scroller);
    }
}

/// The reader's time at `ms`.
fn local(ms: i64) -> LocalTime {
    LocalTime::new(ms, crate::app::client::offset_minutes_at(ms))
}

/// A bubble's order: its time and id.
fn bubble_key(el: &Element) -> Option<(i64, Uuid)> {
    let at = el.get_attribute("data-at")?.parse().ok()?;
    let id = Uuid::parse_str(&el.get_attribute("data-message-id")?).ok()?;
    Some((at, id))
}

/// A bubble, or the failure notice after it.
fn end_of(bubble: &Element) -> Element {
    match bubble.next_element_sibling() {
        Some(next) if next.class_list().contains("send-failed") => next,
        _ => bubble.clone(),
    }
}

impl AttachedThread for Thread {
    fn receive(&self, frame: &LiveFrame) {
        if self.0.detached.get() {
            return;
        }
        match frame {
            LiveFrame::Conversation {
                conversation_id,
                conversation,
                ..
            } if *conversation_id == self.id() => self.show_conversation(conversation),
            LiveFrame::Message {
                conversation_id,
                created,
                message,
                html,
                ..
            } if *conversation_id == self.id() => {
                let added = self.show_bubble(
                    message.id,
                    message.client_id.as_deref(),
                    message.status,
                    message.created_at,
                    html,
                    *created,
                );
                if added && message.direction == Direction::Incoming {
                    // The window only opens further: a late, older message never closes it.
                    let opened =
                        ReplyWindow::of(self.0.head.channel, Some(message.created_at), now_ms());
                    let later = match (self.state().window, opened) {
                        (ReplyWindow::OpenUntil(old), ReplyWindow::OpenUntil(new)) => new > old,
                        (ReplyWindow::Closed, ReplyWindow::OpenUntil(_)) => true,
                        _ => false,
                    };
                    if later {
                        self.update(|state| state.window = opened);
                    }
                    self.read_now();
                }
            }
            _ => {}
        }
    }

    fn detach(&self) {
        let inner = &self.0;
        inner.detached.set(true);
        if let (Some(timer), Some(window)) = (inner.clock.take(), web_sys::window()) {
            window.clear_interval_with_handle(timer);
        }
        inner.composer.detach();
    }
}
