//! The template picker, while WhatsApp's window is closed: the inbox's approved
//! templates (read when the picker shows), their parameters filled in with a preview,
//! then sent.

use std::cell::RefCell;
use std::rc::Weak;

use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::el::{el, fill_formatted};
use super::{find, Inner, Thread};
use crate::actions::{conversation_templates, TemplateChoice};
use crate::app::client::find_all;
use crate::app::i18n::error_text;
use crate::app::thread::outgoing::Outgoing;
use crate::model::text;

pub struct Picker {
    slot: Element,
}

struct Choices {
    templates: Vec<TemplateChoice>,
    chosen: Option<TemplateChoice>,
}

thread_local! {
    /// The open picker's templates (one picker at a time: the open thread's).
    static CHOICES: RefCell<Choices> = const { RefCell::new(Choices { templates: Vec::new(), chosen: None }) };
}

impl Picker {
    /// Reads the templates into `slot` (the server's spinner shows meanwhile).
    pub fn start(thread: Weak<Inner>, slot: Element) -> Self {
        CHOICES.with(|c| {
            *c.borrow_mut() = Choices {
                templates: Vec::new(),
                chosen: None,
            }
        });
        if let Some(thread) = Thread::of(&thread) {
            let t = text(thread.lang());
            slot.set_text_content(None);
            let _ = slot.append_child(
                &el("span")
                    .class("spinner")
                    .attr("aria-label", t.loading_templates)
                    .build(),
            );
            let (token, id, lang) = (thread.token(), thread.id(), thread.lang());
            let (weak, target) = (thread.weak(), slot.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = conversation_templates(token, id).await;
                if Thread::of(&weak).is_none() || !target.is_connected() {
                    return;
                }
                let t = text(lang);
                target.set_text_content(None);
                match result {
                    Err(e) => {
                        let error = el("p")
                            .class("composer-error")
                            .attr("role", "alert")
                            .text(&error_text(lang, &e));
                        let _ = target.append_child(&error.build());
                    }
                    Ok(list) if list.is_empty() => {
                        let none = el("p")
                            .class("composer-note")
                            .attr("data-testid", "no-templates")
                            .text(t.no_templates);
                        let _ = target.append_child(&none.build());
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
                        CHOICES.with(|c| c.borrow_mut().templates = list);
                        let (weak, picker) = (weak.clone(), target.clone());
                        let select = select.on("change", move |event: web_sys::Event| {
                            let id = event
                                .target()
                                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                                .and_then(|s| Uuid::parse_str(&s.value()).ok());
                            if let Some(thread) = Thread::of(&weak) {
                                choose(&thread, &picker, id);
                            }
                        });
                        let label = el("label").class("template-choice").child(select);
                        let _ = slot_append(&target, label.build());
                    }
                }
            });
        }
        Self { slot }
    }
}

fn slot_append(slot: &Element, child: Element) -> Option<()> {
    slot.append_child(&child).ok().map(|_| ())
}

/// A template was chosen: its parameters' boxes, the preview and the send button.
fn choose(thread: &Thread, slot: &Element, id: Option<Uuid>) {
    let t = text(thread.lang());
    for part in find_all(
        slot,
        ".template-fields, [data-testid=template-preview], [data-testid=template-send]",
    ) {
        part.remove();
    }
    let chosen = CHOICES.with(|c| {
        let mut c = c.borrow_mut();
        c.chosen = id.and_then(|id| c.templates.iter().find(|t| t.id == id).cloned());
        c.chosen.clone()
    });
    let Some(template) = chosen else { return };
    let fields =
        (0..template.parameter_count()).fold(el("div").class("template-fields"), |fields, i| {
            fields.child(
                el("input")
                    .class("template-param")
                    .attr("data-testid", "template-param")
                    .attr("placeholder", &format!("{{{{{}}}}}", i + 1))
                    .attr("aria-label", &(t.parameter_n)(i + 1))
                    .attr("dir", "auto"),
            )
        });
    let preview = el("div")
        .class("composer-preview")
        .attr("data-testid", "template-preview")
        .build();
    let weak = thread.weak();
    let send = el("button")
        .attr("type", "button")
        .class("link-button")
        .attr("data-testid", "template-send")
        .attr("disabled", "")
        .text(t.send_template)
        .on("click", move |event: web_sys::Event| {
            let Some(slot) = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|b| b.closest("[data-testid=template-picker]").ok().flatten())
            else {
                return;
            };
            let (ready, parameters) = parameters(&slot);
            let chosen = CHOICES.with(|c| c.borrow().chosen.clone());
            if let (true, Some(template), Some(thread)) = (ready, chosen, Thread::of(&weak)) {
                thread.send(
                    Outgoing::Template {
                        template,
                        parameters,
                    },
                    Uuid::new_v4().to_string(),
                );
                if let Some(select) = find(&slot, "[data-testid=template-select]")
                    .and_then(|s| s.dyn_into::<HtmlSelectElement>().ok())
                {
                    select.set_value("");
                }
                choose(&thread, &slot, None);
            }
        });
    let fields = fields.build();
    let slot_for_input = slot.clone();
    crate::app::client::listen(&fields, "input", move |_: web_sys::Event| {
        refresh(&slot_for_input);
    });
    let _ = slot.append_child(&fields);
    let _ = slot.append_child(&preview);
    let _ = slot.append_child(&send.build());
    refresh(slot);
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

fn refresh(slot: &Element) {
    let Some(template) = CHOICES.with(|c| c.borrow().chosen.clone()) else {
        return;
    };
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

impl Drop for Picker {
    fn drop(&mut self) {
        let _ = &self.slot;
        CHOICES.with(|c| {
            *c.borrow_mut() = Choices {
                templates: Vec::new(),
                chosen: None,
            }
        });
    }
}
