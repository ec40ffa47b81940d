//! Sending from the thread: the message shows at once from the page's template, pending,
//! until the server's copy takes its place; a failure stays with its reason and a retry.

use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::el::{el, fill_formatted};
use super::{css_escape, find, Thread};
use crate::actions::Sent;
use crate::app::client::now_ms;
use crate::app::i18n::error_text;
use crate::app::thread::outgoing::Outgoing;
use crate::model::text;

impl Thread {
    /// Sends: the message shows at once as pending and is replaced by the server's copy
    /// (matched by client id); a failure keeps it, with the reason and a retry.
    pub fn send(&self, outgoing: Outgoing, client_id: String) {
        let inner = &self.0;
        let selector = format!("[data-client-id=\"{}\"]", css_escape(&client_id));
        if let Some(failure) = find(&inner.scroller, &format!(".send-failed{selector}")) {
            failure.remove();
        }
        inner.failed.borrow_mut().remove(&client_id);
        if find(&inner.scroller, &format!("[data-testid=message]{selector}")).is_none() {
            if let Some(bubble) = self.pending_bubble(&outgoing, &client_id) {
                let _ = inner.scroller.append_child(&bubble);
                self.lay_out();
            }
        }
        self.scroll_to_newest();
        let (token, id, lang) = (self.token(), self.id(), self.lang());
        let weak = self.weak();
        wasm_bindgen_futures::spawn_local(async move {
            let result = outgoing
                .clone()
                .send(token, id, client_id.clone(), lang)
                .await;
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            match result {
                // The live event may have brought the stored copy (and its later ticks)
                // already.
                Ok(sent) => thread.show_sent(&sent),
                Err(e) => thread.failed_send(outgoing, client_id, &error_text(lang, &e)),
            }
        });
    }

    /// The bubble of a message on its way: the page's template, with its text.
    fn pending_bubble(&self, outgoing: &Outgoing, client_id: &str) -> Option<Element> {
        let template = find(&self.0.section, "template.pending-bubble")?
            .dyn_into::<web_sys::HtmlTemplateElement>()
            .ok()?;
        let bubble = template
            .content()
            .first_element_child()?
            .clone_node_with_deep(true)
            .ok()?
            .dyn_into::<Element>()
            .ok()?;
        let t = text(self.lang());
        let at = now_ms();
        let sender = self
            .0
            .page
            .init()
            .agent
            .as_ref()
            .map_or_else(|| "Agent".to_string(), |a| a.name.clone());
        let _ = bubble.set_attribute("data-testid", "message");
        let _ = bubble.set_attribute("data-client-id", client_id);
        let _ = bubble.set_attribute("data-message-id", &Uuid::new_v4().to_string());
        let _ = bubble.set_attribute("data-sender", &sender);
        let _ = bubble.set_attribute("data-at", &at.to_string());
        if let Some(name) = find(&bubble, ".sender") {
            name.set_text_content(Some(&sender));
        }
        if let Some(time) = find(&bubble, "time") {
            let _ = time.set_attribute("data-at", &at.to_string());
        }
        let (body, buttons, template) = outgoing.shown();
        if let Some(text_el) = find(&bubble, ".text") {
            fill_formatted(&text_el, &body);
            if let Some(name) = template {
                let tag = el("span")
                    .class("template-tag")
                    .text(&(t.template_tag)(&name));
                let _ = text_el.before_with_node_1(&tag.build());
            }
            if !buttons.is_empty() {
                let row = el("div").class("reply-buttons");
                let row = buttons.iter().fold(row, |row, b| {
                    row.child(el("span").class("reply-button").attr("dir", "auto").text(b))
                });
                let _ = text_el.after_with_node_1(&row.build());
            }
        }
        Some(bubble)
    }

    fn failed_send(&self, outgoing: Outgoing, client_id: String, reason: &str) {
        let t = text(self.lang());
        let selector = format!(
            "[data-testid=message][data-client-id=\"{}\"]",
            css_escape(&client_id)
        );
        let Some(bubble) = find(&self.0.scroller, &selector) else {
            return;
        };
        let failure = el("div")
            .class("send-failed")
            .attr("data-testid", "send-failed")
            .attr("data-client-id", &client_id)
            .attr("role", "alert")
            .child(el("span").text(&(t.not_sent)(reason)))
            .child(
                el("button")
                    .attr("type", "button")
                    .class("link-button")
                    .attr("data-testid", "retry-send")
                    .text(t.retry),
            );
        let _ = bubble.after_with_node_1(&failure.build());
        self.0.failed.borrow_mut().insert(client_id, outgoing);
    }

    /// The server's answer to a send or an upload: its bubble in place of the pending one.
    pub fn show_sent(&self, sent: &Sent) {
        let at = crate::model::rfc3339_millis(&sent.created_at).unwrap_or_else(now_ms);
        self.show_bubble(
            sent.id,
            sent.client_id.as_deref(),
            sent.status,
            at,
            &sent.html,
            true,
        );
    }
}
