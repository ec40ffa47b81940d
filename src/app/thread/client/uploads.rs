//! Files on their way to the server: progress while they go, the reason and a retry when
//! one fails. The stored message's bubble goes into the thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Weak;

use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, File, FileList, ProgressEvent, XmlHttpRequest};

use super::el::el;
use super::{css_escape, find, Inner, Thread};
use crate::actions::{EmbedError, Sent};
use crate::app::i18n::error_text;
use crate::model::text;

pub struct Uploads {
    thread: Weak<Inner>,
    bar: Option<Element>,
    conversation: Uuid,
    /// The picked files, by client id, for a retry.
    files: RefCell<HashMap<String, (File, String)>>,
}

impl Uploads {
    pub fn new(thread: Weak<Inner>, bar: Option<Element>, conversation: Uuid) -> Self {
        Self {
            thread,
            bar,
            conversation,
            files: RefCell::new(HashMap::new()),
        }
    }

    /// Sends each file; the caption goes with the first, as in WhatsApp.
    pub fn send_all(&self, files: &FileList, caption: String) {
        let mut caption = Some(caption);
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                let client_id = Uuid::new_v4().to_string();
                self.files.borrow_mut().insert(
                    client_id.clone(),
                    (file, caption.take().unwrap_or_default()),
                );
                self.start(&client_id);
            }
        }
    }

    fn row(&self, client_id: &str) -> Option<Element> {
        find(
            self.bar.as_ref()?,
            &format!(
                "[data-testid=upload][data-client-id=\"{}\"]",
                css_escape(client_id)
            ),
        )
    }

    /// The row of an upload: a progress bar while it goes, the reason and what can be
    /// done once it failed.
    fn show(&self, client_id: &str, filename: &str, state: Result<f64, String>) {
        let Some(bar) = &self.bar else { return };
        let Some(thread) = Thread::of(&self.thread) else {
            return;
        };
        let t = text(thread.lang());
        let row = el("div")
            .class("upload")
            .attr("data-testid", "upload")
            .attr("data-client-id", client_id)
            .attr(
                "data-state",
                if state.is_ok() { "sending" } else { "failed" },
            )
            .child(
                el("span")
                    .class("upload-name")
                    .attr("dir", "auto")
                    .text(filename),
            );
        let row = match state {
            Ok(progress) => {
                let percent = (progress * 100.0).round() as u32;
                row.child(
                    el("progress")
                        .attr("data-testid", "upload-progress")
                        .attr("max", "100")
                        .attr("value", &percent.to_string())
                        .text(&format!("{percent}%")),
                )
            }
            Err(reason) => row
                .child(
                    el("span")
                        .class("send-failed")
                        .attr("role", "alert")
                        .text(&reason),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link-button")
                        .attr("data-testid", "retry-upload")
                        .text(t.retry),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link-button")
                        .attr("data-dismiss", "")
                        .text(t.dismiss),
                ),
        };
        let row = row.build();
        let weak = self.thread.clone();
        let id = client_id.to_string();
        crate::app::client::listen(&row, "click", move |event: web_sys::Event| {
            let Some(thread) = Thread::of(&weak) else {
                return;
            };
            let uploads = &thread.0.composer.uploads;
            if crate::app::client::closest(&event, "[data-testid=retry-upload]").is_some() {
                uploads.start(&id);
            } else if crate::app::client::closest(&event, "[data-dismiss]").is_some() {
                uploads.files.borrow_mut().remove(&id);
                if let Some(row) = uploads.row(&id) {
                    row.remove();
                }
            }
        });
        match self.row(client_id) {
            Some(old) => {
                let _ = old.replace_with_with_node_1(&row);
            }
            None => {
                let list = find(bar, ".uploads");
                let _ = list.map(|l| l.append_child(&row));
            }
        }
    }

    fn progress(&self, client_id: &str, done: f64) {
        if let Some(progress) = self.row(client_id).and_then(|row| find(&row, "progress")) {
            let percent = (done * 100.0).round() as u32;
            let _ = progress.set_attribute("value", &percent.to_string());
            progress.set_text_content(Some(&format!("{percent}%")));
        }
    }

    /// Sends (or sends again) one upload; the server stores it once per client id.
    fn start(&self, client_id: &str) {
        let Some((file, caption)) = self.files.borrow().get(client_id).cloned() else {
            return;
        };
        let Some(thread) = Thread::of(&self.thread) else {
            return;
        };
        let (lang, t) = (thread.lang(), text(thread.lang()));
        let filename = file.name();
        self.show(client_id, &filename, Ok(0.0));
        let encode = |v: &str| String::from(js_sys::encode_uri_component(v));
        let url = format!(
            "/embed/{}/conversations/{}/media?client_id={}&filename={}&caption={}&lang={}",
            thread.token(),
            self.conversation,
            encode(client_id),
            encode(&filename),
            encode(&caption),
            lang.tag(),
        );
        let Ok(xhr) = XmlHttpRequest::new() else {
            self.show(client_id, &filename, Err(t.upload_unsupported.into()));
            return;
        };
        if xhr.open("POST", &url).is_err() {
            self.show(client_id, &filename, Err(t.upload_not_started.into()));
            return;
        }
        if let Ok(target) = xhr.upload() {
            let (weak, id) = (self.thread.clone(), client_id.to_string());
            let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    if let Some(thread) = Thread::of(&weak) {
                        thread
                            .0
                            .composer
                            .uploads
                            .progress(&id, e.loaded() / e.total());
                    }
                }
            });
            target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let finished = {
            let (weak, id, xhr) = (self.thread.clone(), client_id.to_string(), xhr.clone());
            Closure::<dyn FnMut()>::new(move || {
                let Some(thread) = Thread::of(&weak) else {
                    return;
                };
                let uploads = &thread.0.composer.uploads;
                let status = xhr.status().unwrap_or(0);
                let body = xhr.response_text().ok().flatten().unwrap_or_default();
                if (200..300).contains(&status) {
                    match serde_json::from_str::<Sent>(&body) {
                        Ok(sent) => {
                            uploads.files.borrow_mut().remove(&id);
                            if let Some(row) = uploads.row(&id) {
                                row.remove();
                            }
                            thread.show_sent(&sent);
                        }
                        Err(_) => {
                            uploads.show(&id, &filename, Err(t.upload_unreadable_answer.into()))
                        }
                    }
                } else {
                    let reason = match serde_json::from_str::<EmbedError>(&body) {
                        Ok(e) => error_text(lang, &e),
                        Err(_) if status == 0 => t.upload_connection_lost.to_string(),
                        Err(_) => (t.upload_server_answered)(status),
                    };
                    uploads.show(&id, &filename, Err(reason));
                }
            })
        };
        xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
        finished.forget();
        if xhr.send_with_opt_blob(Some(&file)).is_err() {
            self.show(client_id, &file.name(), Err(t.upload_not_started.into()));
        }
    }
}
