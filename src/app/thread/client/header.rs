//! The thread's header in the browser: the contact's name (renamed in place: Enter or
//! leaving the box saves, Escape cancels), the watch toggle, take over / return to the
//! bot, the ended badge; and the notice that takes the composer's place when the
//! conversation was assigned to someone else.

use std::cell::Cell;
use std::rc::Weak;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use super::el::el;
use super::{find, Inner, State, Thread};
use crate::actions::{rename_contact, set_handoff, set_watched, MAX_NAME_CHARS};
use crate::app::i18n::error_text;
use crate::app::thread::handoff_words;
use crate::model::{initials, text, ConversationStatus, Handoff};

pub struct Header {
    thread: Weak<Inner>,
    header: Option<Element>,
    busy_handoff: Cell<bool>,
    busy_watch: Cell<bool>,
}

impl Header {
    pub fn new(thread: Weak<Inner>, section: &Element) -> Self {
        Self {
            thread,
            header: find(section, ".thread-header"),
            busy_handoff: Cell::new(false),
            busy_watch: Cell::new(false),
        }
    }

    fn part(&self, selector: &str) -> Option<Element> {
        find(self.header.as_ref()?, selector)
    }

    pub fn start(&self) {
        let Some(header) = &self.header else { return };
        let thread = self.thread.clone();
        crate::app::client::listen(header, "click", move |event: web_sys::Event| {
            let Some(thread) = Thread::of(&thread) else {
                return;
            };
            let header = &thread.0.header;
            if crate::app::client::closest(&event, "[data-testid=rename-button]").is_some() {
                header.edit_name(&thread);
            } else if crate::app::client::closest(&event, "[data-testid=handoff-button]").is_some()
            {
                header.toggle_handoff(&thread);
            } else if crate::app::client::closest(&event, "[data-testid=watch-toggle]").is_some() {
                header.toggle_watch(&thread);
            }
        });
    }

    /// Shows the conversation's state.
    pub fn show(&self, state: &State) {
        let lang = self
            .thread
            .upgrade()
            .map(|t| Thread(t).lang())
            .unwrap_or_default();
        let t = text(lang);
        if let Some(name) = self.part("[data-testid=contact-name]") {
            if name.text_content().as_deref() != Some(state.name.as_str()) {
                name.set_text_content(Some(&state.name));
            }
        }
        if let Some(avatar) = self.part("[data-avatar]") {
            avatar.set_text_content(Some(&initials(&state.name)));
        }
        let (badge_text, badge_class, action) = handoff_words(lang, state.handoff);
        if let Some(badge) = self.part("[data-handoff-badge]") {
            let _ = badge.set_attribute("class", &format!("badge {badge_class}"));
            let _ = badge.set_attribute("data-handoff", state.handoff.as_str());
            badge.set_text_content(Some(badge_text));
        }
        if let Some(button) = self.part("[data-testid=handoff-button]") {
            let _ = button.set_attribute(
                "class",
                &format!("handoff-button handoff-{}", state.handoff.as_str()),
            );
            let _ = button.set_attribute("data-handoff", state.handoff.as_str());
            button.set_text_content(Some(action));
        }
        if let Some(watch) = self.part("[data-testid=watch-toggle]") {
            let _ = watch
                .class_list()
                .toggle_with_force("watching", state.watched);
            let _ =
                watch.set_attribute("aria-pressed", if state.watched { "true" } else { "false" });
            let _ = watch.set_attribute(
                "title",
                if state.watched {
                    t.unwatch_title
                } else {
                    t.watch_title
                },
            );
            if let Some(label) = find(&watch, "span") {
                label.set_text_content(Some(if state.watched { t.unwatch } else { t.watch }));
            }
        }
        let ended = self.part("[data-testid=ended-badge]");
        match (state.status == ConversationStatus::Ended, ended) {
            (true, None) => {
                if let Some(badges) = self.part(".thread-badges") {
                    let badge = el("span")
                        .class("badge badge-ended")
                        .attr("data-testid", "ended-badge")
                        .text(t.ended_badge);
                    let _ = badges.prepend_with_node_1(&badge.build());
                }
            }
            (false, Some(badge)) => badge.remove(),
            _ => {}
        }
        self.show_reassigned(state.reassigned);
    }

    /// The notice in the composer's place while the conversation is someone else's.
    fn show_reassigned(&self, reassigned: bool) {
        let Some(thread) = Thread::of(&self.thread) else {
            return;
        };
        let section = thread.section();
        let notice = find(section, "[data-testid=reassigned]");
        let slot = find(section, ".composer-slot");
        if let Some(slot) = &slot {
            let _ = slot.toggle_attribute_with_force("hidden", reassigned);
        }
        match (reassigned, notice) {
            (true, None) => {
                let t = text(thread.lang());
                let page = thread.page();
                let back = page.href(None, &page.filters());
                let notice = el("footer")
                    .class("composer reassigned")
                    .attr("data-testid", "reassigned")
                    .attr("role", "status")
                    .child(el("p").class("composer-note").text(t.reassigned))
                    .child(
                        el("a")
                            .class("link-button")
                            .attr("href", &back)
                            .attr("data-back-link", "")
                            .text(t.back_to_your_conversations),
                    );
                if let Some(slot) = slot {
                    let _ = slot.before_with_node_1(&notice.build());
                }
            }
            (false, Some(notice)) => notice.remove(),
            _ => {}
        }
    }

    fn show_error(&self, near: &str, error: Option<String>) {
        let Some(anchor) = self.part(near) else {
            return;
        };
        let existing = anchor
            .next_element_sibling()
            .filter(|e| e.class_list().contains("inline-error"));
        match (error, existing) {
            (Some(message), Some(el)) => el.set_text_content(Some(&message)),
            (Some(message), None) => {
                let error = el("span")
                    .class("inline-error")
                    .attr("role", "alert")
                    .text(&message);
                let _ = anchor.after_with_node_1(&error.build());
            }
            (None, Some(el)) => el.remove(),
            (None, None) => {}
        }
    }

    fn toggle_handoff(&self, thread: &Thread) {
        if self.busy_handoff.replace(true) {
            return;
        }
        let target = match thread.state().handoff {
            Handoff::Human => Handoff::Bot,
            Handoff::Bot | Handoff::Waiting => Handoff::Human,
        };
        if let Some(button) = self.part("[data-testid=handoff-button]") {
            let _ = button.set_attribute("disabled", "");
            let _ = button.set_attribute("aria-busy", "true");
        }
        self.show_error("[data-testid=handoff-button]", None);
        let (token, id, lang, weak) = (
            thread.token(),
            thread.id(),
            thread.lang(),
            self.thread.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let result = set_handoff(token, id, target).await;
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let header = &thread.0.header;
            header.busy_handoff.set(false);
            if let Some(button) = header.part("[data-testid=handoff-button]") {
                let _ = button.remove_attribute("disabled");
                let _ = button.set_attribute("aria-busy", "false");
            }
            match result {
                Ok(now) => {
                    thread.update(|s| s.handoff = now);
                    thread.page().changed_here();
                }
                Err(e) => {
                    header.show_error("[data-testid=handoff-button]", Some(error_text(lang, &e)))
                }
            }
        });
    }

    fn toggle_watch(&self, thread: &Thread) {
        if self.busy_watch.replace(true) {
            return;
        }
        let target = !thread.state().watched;
        if let Some(button) = self.part("[data-testid=watch-toggle]") {
            let _ = button.set_attribute("disabled", "");
        }
        self.show_error("[data-testid=watch-toggle]", None);
        let (token, id, lang, weak) = (
            thread.token(),
            thread.id(),
            thread.lang(),
            self.thread.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let result = set_watched(token, id, target).await;
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let header = &thread.0.header;
            header.busy_watch.set(false);
            if let Some(button) = header.part("[data-testid=watch-toggle]") {
                let _ = button.remove_attribute("disabled");
            }
            match result {
                Ok(now) => {
                    thread.update(|s| s.watched = now);
                    thread.page().watched_changed(id, now);
                }
                Err(e) => {
                    header.show_error("[data-testid=watch-toggle]", Some(error_text(lang, &e)))
                }
            }
        });
    }

    /// The name becomes a text box; Enter or leaving it saves, Escape cancels.
    fn edit_name(&self, thread: &Thread) {
        let Some(row) = self.part(".contact-name-row") else {
            return;
        };
        if find(&row, "[data-testid=contact-name-input]").is_some() {
            return;
        }
        let t = text(thread.lang());
        let name = thread.state().name;
        let input: HtmlInputElement = el("input")
            .class("rename-input")
            .attr("data-testid", "contact-name-input")
            .attr("aria-label", t.contact_name)
            .attr("maxlength", &MAX_NAME_CHARS.to_string())
            .attr("dir", "auto")
            .build()
            .unchecked_into();
        input.set_value(&name);
        let hidden: Vec<Element> = crate::app::client::find_all(&row, ":scope > *");
        for child in &hidden {
            let _ = child.set_attribute("hidden", "");
        }
        let _ = row.append_child(&input);
        let _ = input.focus();
        input.select();
        let weak = self.thread.clone();
        // Escape, Enter and the blur that removing the box may cause end it once.
        let ended = std::rc::Rc::new(Cell::new(false));
        let done = move |save: bool| {
            if ended.replace(true) {
                return;
            }
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let header = &thread.0.header;
            let Some(row) = header.part(".contact-name-row") else {
                return;
            };
            let Some(input) = find(&row, "[data-testid=contact-name-input]")
                .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let wanted = input.value().trim().to_string();
            input.remove();
            for child in crate::app::client::find_all(&row, ":scope > *") {
                let _ = child.remove_attribute("hidden");
            }
            if save {
                header.rename(&thread, wanted);
            }
        };
        let done = std::rc::Rc::new(done);
        let on_key = done.clone();
        crate::app::client::listen(&input, "keydown", move |event: web_sys::KeyboardEvent| {
            match event.key().as_str() {
                "Enter" if !event.is_composing() => {
                    event.prevent_default();
                    on_key(true);
                }
                // Escape closes the box first; the blur that follows saves nothing.
                "Escape" => on_key(false),
                _ => {}
            }
        });
        crate::app::client::listen(&input, "blur", move |_: web_sys::Event| done(true));
    }

    fn rename(&self, thread: &Thread, wanted: String) {
        let previous = thread.state().name;
        if wanted.is_empty() || wanted == previous {
            return;
        }
        thread.update(|s| s.name = wanted.clone());
        self.show_error(".contact-name-row [data-testid=rename-button]", None);
        let (token, id, lang, weak) = (
            thread.token(),
            thread.id(),
            thread.lang(),
            self.thread.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let result = rename_contact(token, id, wanted).await;
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let header = &thread.0.header;
            match result {
                Ok(stored) => {
                    thread.update(|s| s.name = stored);
                    thread.page().changed_here();
                }
                Err(e) => {
                    thread.update(|s| s.name = previous);
                    header.show_error(
                        ".contact-name-row [data-testid=rename-button]",
                        Some(error_text(lang, &e)),
                    );
                }
            }
        });
    }
}
