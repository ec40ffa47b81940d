//! The template picker, while WhatsApp's window is closed: the inbox's approved
//! templates (read when the picker shows), their parameters filled in with a preview,
//! then sent.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::el::{el, fill_formatted};
use super::{find, Inner, Thread};
use crate::actions::{conversation_templates, EmbedError, TemplateChoice};
use crate::app::client::find_all;
use crate::app::i18n::error_text;
use crate::app::thread::outgoing::Outgoing;
use crate::model::{text, Lang};

/// The picker of one thread's composer: its templates and the one chosen. Its controls
/// hold it weakly: once the composer drops it, they do nothing.
pub struct Picker(Rc<PickerInner>);

struct PickerInner {
    slot: Element,
    thread: Weak<Inner>,
    templates: RefCell<Vec<TemplateChoice>>,
    chosen: RefCell<Option<TemplateChoice>>,
}

impl Picker {
    /// Reads the templates into `slot` (a spinner shows meanwhile).
    pub fn start(thread: Weak<Inner>, slot: Element) -> Self {
        let picker = Self(Rc::new(PickerInner {
            slot,
            thread,
            templates: RefCell::new(Vec::new()),
            chosen: RefCell::new(None),
        }));
        picker.read();
        picker
    }

    fn of(weak: &Weak<PickerInner>) -> Option<Self> {
        weak.upgrade().map(Self)
    }

    fn thread(&self) -> Option<Thread> {
        Thread::of(&self.0.thread)
    }

    fn read(&self) {
        let Some(thread) = self.thread() else { return };
        let t = text(thread.lang());
        let slot = &self.0.slot;
        slot.set_text_content(None);
        let _ = slot.append_child(
            &el("span")
                .class("spinner")
                .attr("aria-label", t.loading_templates)
                .build(),
        );
        let (token, id, lang) = (thread.token(), thread.id(), thread.lang());
        let weak = Rc::downgrade(&self.0);
        wasm_bindgen_futures::spawn_local(async move {
            let result = conversation_templates(token, id).await;
            let Some(picker) = Picker::of(&weak).filter(|p| p.thread().is_some()) else {
                return;
            };
            picker.show(lang, result);
        });
    }

    /// The templates read: a select of them, or why there is none.
    fn show(&self, lang: Lang, result: Result<Vec<TemplateChoice>, EmbedError>) {
        let t = text(lang);
        let slot = &self.0.slot;
        slot.set_text_content(None);
        match result {
            Err(e) => {
                let error = el("p")
                    .class("composer-error")
                    .attr("role", "alert")
                    .text(&error_text(lang, &e));
                let _ = slot.append_child(&error.build());
            }
            Ok(list) if list.is_empty() => {
                let none = el("p")
                    .class("composer-note")
                    .attr("data-testid", "no-templates")
                    .text(t.no_templates);
                let _ = slot.append_child(&none.build());
            }
            Ok(list) => {
                let select = el("select")
                    .attr("data-testid", "template-select")
                    .attr("aria-label", t.template)
                    .child(el("option").attr("value", "").text(t.choose_template));
                let select = list.iter().fold(select, |select, template| {
                    select.child(
                        el("option")
                            .attr("value", &template.id.to_string())
                            .text(&format!("{} ({})", template.name, template.language)),
                    )
                });
                *self.0.templates.borrow_mut() = list;
                let weak = Rc::downgrade(&self.0);
                let select = select.on("change", move |event: web_sys::Event| {
                    let id = event
                        .target()
                        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                        .and_then(|s| Uuid::parse_str(&s.value()).ok());
                    if let Some(picker) = Picker::of(&weak) {
                        picker.choose(id);
                    }
                });
                let label = el("label").class("template-choice").child(select);
                let _ = slot.append_child(&label.build());
            }
        }
    }

    /// A template was chosen (or none): its parameters' boxes, the preview and the send
    /// button.
    fn choose(&self, id: Option<Uuid>) {
        let Some(thread) = self.thread() else { return };
        let t = text(thread.lang());
        let slot = &self.0.slot;
        for part in find_all(
            slot,
            ".template-fields, [data-testid=template-preview], [data-testid=template-send]",
        ) {
            part.remove();
        }
        let chosen = id.and_then(|id| {
            self.0
                .templates
                .borrow()
                .iter()
                .find(|t| t.id == id)
                .cloned()
        });
        *self.0.chosen.borrow_mut() = chosen.clone();
        let Some(template) = chosen else { return };
        let fields = (0..template.parameter_count()).fold(
            el("div").class("template-fields"),
            |fields, i| {
                fields.child(
                    el("input")
                        .class("template-param")
                        .attr("data-testid", "template-param")
                        .attr("placeholder", &format!("{{{{{}}}}}", i + 1))
                        .attr("aria-label", &(t.parameter_n)(i + 1))
                        .attr("dir", "auto"),
                )
            },
        );
        let preview = el("div")
            .class("composer-preview")
            .attr("data-testid", "template-preview")
            .build();
        let weak = Rc::downgrade(&self.0);
        let send = el("button")
            .attr("type", "button")
            .class("link-button")
            .attr("data-testid", "template-send")
            .attr("disabled", "")
            .text(t.send_template)
            .on("click", move |_: web_sys::Event| {
                if let Some(picker) = Picker::of(&weak) {
                    picker.send();
                }
            });
        let fields = fields.build();
        let weak = Rc::downgrade(&self.0);
        crate::app::client::listen(&fields, "input", move |_: web_sys::Event| {
            if let Some(picker) = Picker::of(&weak) {
                picker.refresh();
            }
        });
        let _ = slot.append_child(&fields);
        let _ = slot.append_child(&preview);
        let _ = slot.append_child(&send.build());
        self.refresh();
    }

    /// Sends the chosen template with its parameters, then clears the choice.
    fn send(&self) {
        let (ready, parameters) = parameters(&self.0.slot);
        let chosen = self.0.chosen.borrow().clone();
        if let (true, Some(template), Some(thread)) = (ready, chosen, self.thread()) {
            thread.send(
                Outgoing::Template {
                    template,
                    parameters,
                },
                Uuid::new_v4().to_string(),
            );
            if let Some(select) = find(&self.0.slot, "[data-testid=template-select]")
                .and_then(|s| s.dyn_into::<HtmlSelectElement>().ok())
            {
                select.set_value("");
            }
            self.choose(None);
        }
    }

    /// The preview of what the parameters make, and the send button ready when each has
    /// something.
    fn refresh(&self) {
        let Some(template) = self.0.chosen.borrow().clone() else {
            return;
        };
        let slot = &self.0.slot;
        let raw: Vec<String> = find_all(slot, "[data-testid=template-param]")
            .into_iter()
            .filter_map(|i| i.dyn_into::<HtmlInputElement>().ok())
            .map(|i| i.value())
            .collect();
        if let Some(preview) = find(slot, "[data-testid=template-preview]") {
            fill_formatted(&preview, &template.render(&raw));
        }
        let (ready, _) = parameters(slot);
        if let Some(send) = find(slot, "[data-testid=template-send]") {
            let _ = send.toggle_attribute_with_force("disabled", !ready);
        }
    }
}

/// The parameters typed, trimmed, and whether every one has something.
fn parameters(slot: &Element) -> (bool, Vec<String>) {
    let values: Vec<String> = find_all(slot, "[data-testid=template-param]")
        .into_iter()
        .filter_map(|i| i.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .collect();
    let ready = values.iter().all(|v| !v.trim().is_empty());
    (
        ready,
        values.into_iter().map(|v| v.trim().to_string()).collect(),
    )
}
