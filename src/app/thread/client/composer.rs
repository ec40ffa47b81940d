//! The composer in the browser: a text box that sends on Enter (Shift+Enter breaks the
//! line, an IME composition is never sent early), keeps a draft per conversation,
//! previews WhatsApp formatting, sends files picked, pasted or dropped (with the draft as
//! their caption), and follows WhatsApp's 24-hour window: closed, only an approved
//! template can go out (`templates`).

use std::cell::{Cell, RefCell};
use std::rc::Weak;

use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use super::builder::Builder;
use super::el::{el, fill_formatted, has_formatting};
use super::templates::Picker;
use super::uploads::Uploads;
use super::{find, Inner, State, Thread};
use crate::actions::MAX_TEXT_CHARS;
use crate::app::client::now_ms;
use crate::app::composer::{handoff_hint, window_state};
use crate::app::storage;
use crate::app::thread::outgoing::Outgoing;
use crate::model::text;

fn draft_key(conversation: Uuid) -> String {
    format!("inbox-embed.draft.{conversation}")
}

pub struct Composer {
    thread: Weak<Inner>,
    conversation: Uuid,
    bar: Option<Element>,
    pub(super) uploads: Uploads,
    picker: RefCell<Option<Picker>>,
    builder: RefCell<Option<Builder>>,
    /// Whether free-form messages may go out, as last shown.
    open: Cell<bool>,
}

impl Composer {
    pub fn new(thread: Weak<Inner>, section: &Element, conversation: Uuid) -> Self {
        let bar = find(section, "[data-testid=composer-bar]");
        Self {
            uploads: Uploads::new(thread.clone(), bar.clone(), conversation),
            thread,
            conversation,
            bar,
            picker: RefCell::new(None),
            builder: RefCell::new(None),
            open: Cell::new(true),
        }
    }

    fn part<T: JsCast>(&self, selector: &str) -> Option<T> {
        find(self.bar.as_ref()?, selector)?.dyn_into().ok()
    }

    fn textarea(&self) -> Option<HtmlTextAreaElement> {
        self.part("[data-testid=composer]")
    }

    fn draft(&self) -> String {
        self.textarea().map(|t| t.value()).unwrap_or_default()
    }

    pub fn start(&self) {
        let Some(bar) = self.bar.clone() else { return };
        // The draft comes back (the server cannot know it); text typed before this took
        // over stays.
        if let Some(textarea) = self.textarea() {
            if textarea.value().is_empty() {
                if let Some(saved) = storage::get(&draft_key(self.conversation)) {
                    textarea.set_value(&saved);
                }
            }
        }
        let weak = self.thread.clone();
        let with = move |f: &dyn Fn(&Thread, &Composer)| {
            if let Some(thread) = Thread::of(&weak) {
                f(&thread, &thread.0.composer);
            }
        };
        if let Some(textarea) = self.textarea() {
            let on = with.clone();
            crate::app::client::listen(&textarea, "input", move |_: web_sys::Event| {
                on(&|_, c| {
                    storage::set(&draft_key(c.conversation), &c.draft());
                    c.refresh();
                })
            });
            let on = with.clone();
            crate::app::client::listen(
                &textarea,
                "keydown",
                move |event: web_sys::KeyboardEvent| {
                    // keyCode 229: a key the IME is still composing (Safari ends composition late).
                    if event.key() == "Enter"
                        && !event.shift_key()
                        && !event.is_composing()
                        && event.key_code() != 229
                    {
                        event.prevent_default();
                        on(&|thread, c| c.send(thread));
                    }
                },
            );
            let on = with.clone();
            crate::app::client::listen(
                &textarea,
                "paste",
                move |event: web_sys::ClipboardEvent| {
                    let files = event.clipboard_data().and_then(|d| d.files());
                    on(&|_, c| {
                        if let Some(files) = &files {
                            if files.length() > 0 && c.open.get() {
                                event.prevent_default();
                                c.uploads.send_all(files, c.take_caption());
                            }
                        }
                    })
                },
            );
        }
        let on = with.clone();
        crate::app::client::listen(&bar, "dragover", move |event: web_sys::DragEvent| {
            on(&|_, c| {
                if c.open.get() {
                    event.prevent_default();
                    c.dragging(true);
                }
            })
        });
        let on = with.clone();
        crate::app::client::listen(&bar, "dragleave", move |_: web_sys::Event| {
            on(&|_, c| c.dragging(false))
        });
        let on = with.clone();
        crate::app::client::listen(&bar, "drop", move |event: web_sys::DragEvent| {
            // Dropped text goes into the box as the browser places it; files are sent.
            let files = event.data_transfer().and_then(|d| d.files());
            on(&|_, c| {
                c.dragging(false);
                if let Some(files) = &files {
                    if files.length() > 0 && c.open.get() {
                        event.prevent_default();
                        c.uploads.send_all(files, c.take_caption());
                    }
                }
            })
        });
        if let Some(input) = self.part::<HtmlInputElement>("[data-testid=attach-input]") {
            let on = with.clone();
            let picked = input.clone();
            crate::app::client::listen(&input, "change", move |_: web_sys::Event| {
                on(&|_, c| {
                    if let Some(files) = picked.files() {
                        c.uploads.send_all(&files, c.take_caption());
                    }
                });
                picked.set_value("");
            });
        }
        let on = with.clone();
        crate::app::client::listen(&bar, "click", move |event: web_sys::Event| {
            let closest = |s: &str| crate::app::client::closest(&event, s).is_some();
            if closest("[data-testid=send-button]") {
                on(&|thread, c| c.send(thread));
            } else if closest("[data-testid=attach-button]") {
                on(&|_, c| {
                    if let Some(input) = c.part::<HtmlElement>("[data-testid=attach-input]") {
                        input.click();
                    }
                });
            } else if closest("[data-testid=interactive-toggle]") {
                on(&|thread, c| c.toggle_builder(thread));
            }
        });
        if let Some(thread) = Thread::of(&self.thread) {
            self.show(&thread.state());
        }
    }

    fn dragging(&self, on: bool) {
        if let Some(bar) = &self.bar {
            let _ = bar.class_list().toggle_with_force("dragging", on);
        }
    }

    /// Files picked, pasted or dropped go out with the draft as their caption.
    fn take_caption(&self) -> String {
        let caption = self.draft().trim().to_string();
        if let Some(textarea) = self.textarea() {
            textarea.set_value("");
        }
        storage::set(&draft_key(self.conversation), "");
        self.refresh();
        caption
    }

    fn can_send(&self) -> bool {
        let draft = self.draft();
        self.open.get() && draft.chars().count() <= MAX_TEXT_CHARS && !draft.trim().is_empty()
    }

    fn send(&self, thread: &Thread) {
        if !self.can_send() {
            return;
        }
        let text = self.draft().trim().to_string();
        if let Some(textarea) = self.textarea() {
            textarea.set_value("");
            let _ = textarea.focus();
        }
        storage::set(&draft_key(self.conversation), "");
        self.refresh();
        thread.send(Outgoing::Text(text), Uuid::new_v4().to_string());
    }

    /// What the draft decides: the preview, the length note, the send button.
    fn refresh(&self) {
        let Some(bar) = &self.bar else { return };
        let Some(thread) = Thread::of(&self.thread) else {
            return;
        };
        let t = text(thread.lang());
        let draft = self.draft();
        let preview = find(bar, "[data-testid=composer-preview]");
        match (self.open.get() && has_formatting(&draft), preview) {
            (true, existing) => {
                let preview = existing.unwrap_or_else(|| {
                    let preview = el("div")
                        .class("composer-preview")
                        .attr("aria-label", t.preview)
                        .attr("data-testid", "composer-preview")
                        .build();
                    if let Some(row) = find(bar, ".composer-row") {
                        let _ = row.before_with_node_1(&preview);
                    }
                    preview
                });
                fill_formatted(&preview, &draft);
            }
            (false, Some(preview)) => preview.remove(),
            (false, None) => {}
        }
        let chars = draft.chars().count();
        let note = find(bar, ".composer-error[data-length]");
        match (chars > MAX_TEXT_CHARS, note) {
            (true, existing) => {
                let note = existing.unwrap_or_else(|| {
                    let note = el("p")
                        .class("composer-note composer-error")
                        .attr("role", "alert")
                        .attr("data-length", "")
                        .build();
                    let _ = bar.append_child(&note);
                    note
                });
                note.set_text_content(Some(&(t.text_too_long)(chars, MAX_TEXT_CHARS)));
            }
            (false, Some(note)) => note.remove(),
            (false, None) => {}
        }
        if let Some(button) = find(bar, "[data-testid=send-button]") {
            let _ = button.toggle_attribute_with_force("disabled", !self.can_send());
        }
    }

    /// Shows the conversation's state: WhatsApp's window (read against the clock now),
    /// and who answers.
    pub fn show(&self, state: &State) {
        let Some(bar) = self.bar.clone() else { return };
        let Some(thread) = Thread::of(&self.thread) else {
            return;
        };
        let t = text(thread.lang());
        let window = window_state(state.window, now_ms());
        let open = window != "closed";
        self.open.set(open);
        let _ = bar.set_attribute("data-window", window);
        if let Some(textarea) = self.textarea() {
            textarea.set_disabled(!open);
            textarea.set_placeholder(if open {
                t.type_message
            } else {
                t.free_form_closed
            });
        }
        for tool in [
            "[data-testid=attach-button]",
            "[data-testid=interactive-toggle]",
        ] {
            if let Some(tool) = find(&bar, tool) {
                let _ = tool.toggle_attribute_with_force("disabled", !open);
            }
        }
        // Closed: the reason, and the approved templates instead.
        let note = find(&bar, ".window-closed");
        match (open, note) {
            (false, None) => {
                let note = el("p")
                    .class("composer-note window-closed")
                    .attr("role", "status")
                    .text(t.window_closed)
                    .build();
                let _ = bar.prepend_with_node_1(&note);
                let picker = el("div")
                    .class("template-picker")
                    .attr("data-testid", "template-picker")
                    .build();
                let _ = note.after_with_node_1(&picker);
            }
            (true, Some(note)) => {
                note.remove();
                if let Some(picker) = find(&bar, "[data-testid=template-picker]") {
                    picker.remove();
                }
                self.picker.borrow_mut().take();
            }
            _ => {}
        }
        if !open && self.picker.borrow().is_none() {
            if let Some(slot) = find(&bar, "[data-testid=template-picker]") {
                *self.picker.borrow_mut() = Some(Picker::start(self.thread.clone(), slot));
            }
        }
        if !open {
            self.close_builder();
        }
        // Who answers while the agent has not taken over.
        let hint = open
            .then(|| handoff_hint(thread.lang(), state.handoff))
            .flatten();
        let existing = find(&bar, "[data-testid=handoff-hint]");
        match (hint, existing) {
            (Some(hint), Some(el)) => el.set_text_content(Some(hint)),
            (Some(hint), None) => {
                let el = el("p")
                    .class("composer-note")
                    .attr("data-testid", "handoff-hint")
                    .text(hint)
                    .build();
                let before = find(&bar, ".composer-row");
                let _ = bar.insert_before(&el, before.as_ref().map(AsRef::as_ref));
            }
            (None, Some(el)) => el.remove(),
            (None, None) => {}
        }
        self.refresh();
    }

    /// Opens or closes the reply-buttons builder (its code loads the first time).
    fn toggle_builder(&self, thread: &Thread) {
        if self.builder.borrow().is_some() {
            self.close_builder();
            return;
        }
        if !self.open.get() {
            return;
        }
        let Some(bar) = &self.bar else { return };
        let slot = el("div").class("builder-slot").build();
        let before = find(bar, ".composer-row");
        let _ = bar.insert_before(&slot, before.as_ref().map(AsRef::as_ref));
        self.set_building(true);
        *self.builder.borrow_mut() = Some(Builder::open(thread.clone(), slot));
    }

    pub fn close_builder(&self) {
        if let Some(builder) = self.builder.borrow_mut().take() {
            builder.close();
        }
        self.set_building(false);
    }

    fn set_building(&self, on: bool) {
        if let Some(toggle) = self.part::<Element>("[data-testid=interactive-toggle]") {
            let _ = toggle.class_list().toggle_with_force("active", on);
            let _ = toggle.set_attribute("aria-pressed", if on { "true" } else { "false" });
        }
    }

    pub fn detach(&self) {
        self.close_builder();
    }
}
