//! The page's side of the host-page protocol (see `app::host`), when the page is framed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Reflect};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};

use super::dom;
use super::live::LiveStatus;
use super::Page;
use crate::actions::EmbedError;
use crate::app::host::{
    filters_from, is_ours, Field, CHANNEL, HELLO_EVERY_MS, HELLO_TIMES, VERSION,
};
use crate::model::{Direction, LiveFrame, Origin, Theme};

#[derive(Clone)]
pub struct Bridge(Rc<State>);

pub struct State {
    parent: Window,
    /// The host's origin, once it connected from an allowed one.
    origin: RefCell<Option<String>>,
    last_unread: Cell<Option<i64>>,
    last_size: Cell<Option<(i32, i32)>>,
    hellos: Cell<u32>,
    hello_timer: Cell<Option<i32>>,
    unread_timer: Cell<Option<i32>>,
}

/// A plain object with these fields.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

fn field(data: &JsValue, key: &str) -> JsValue {
    Reflect::get(data, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The parent window, when the page is framed.
fn parent() -> Option<Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!Object::is(&parent, &window)).then_some(parent)
}

impl Bridge {
    /// Starts the bridge when the page is framed.
    pub fn start(page: &Page) -> Option<Self> {
        let bridge = Self(Rc::new(State {
            parent: parent()?,
            origin: RefCell::new(None),
            last_unread: Cell::new(None),
            last_size: Cell::new(None),
            hellos: Cell::new(0),
            hello_timer: Cell::new(None),
            unread_timer: Cell::new(None),
        }));
        let window: web_sys::EventTarget = web_sys::window()?.into();
        let receiver = bridge.clone();
        dom::listen(&window, "message", move |event: MessageEvent| {
            receiver.command(event)
        });
        // Hello until a host connects.
        bridge.hello();
        let hello = bridge.clone();
        let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || hello.hello());
        let timer = web_sys::window()?
            .set_interval_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                HELLO_EVERY_MS as i32,
            )
            .ok();
        closure.forget();
        bridge.0.hello_timer.set(timer);
        // The document's size.
        if let Some(body) = dom::document().body() {
            let sizer = bridge.clone();
            let callback =
                wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || sizer.send_size());
            if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
                observer.observe(&body);
                std::mem::forget(observer);
            }
            callback.forget();
        }
        let _ = page;
        Some(bridge)
    }

    fn connected(&self) -> bool {
        self.0.origin.borrow().is_some()
    }

    fn post(&self, kind: &str, data: JsValue, origin: &str) {
        let message = object(&[
            ("channel", CHANNEL.into()),
            ("version", VERSION.into()),
            ("type", kind.into()),
            ("data", data),
        ]);
        let _ = self.0.parent.post_message(&message, origin);
    }

    /// Posts an event to the connected host, if any.
    fn emit(&self, kind: &str, data: JsValue) {
        let origin = self.0.origin.borrow().clone();
        if let Some(origin) = origin {
            self.post(kind, data, &origin);
        }
    }

    fn hello(&self) {
        if self.connected() || self.0.hellos.get() >= HELLO_TIMES {
            if let (Some(timer), Some(window)) = (self.0.hello_timer.take(), web_sys::window()) {
                window.clear_interval_with_handle(timer);
            }
            return;
        }
        self.0.hellos.set(self.0.hellos.get() + 1);
        self.post("hello", Object::new().into(), "*");
    }

    /// Reads the unread total over the scope and sends it when it changed.
    fn check_unread(&self) {
        let bridge = self.clone();
        let token = Page::get().token();
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(total) = crate::actions::unread_total(token).await else {
                return;
            };
            if bridge.connected() && bridge.0.last_unread.get() != Some(total) {
                bridge.0.last_unread.set(Some(total));
                bridge.emit(
                    "unread.changed",
                    object(&[("total", (total as f64).into())]),
                );
            }
        });
    }

    /// Live events come in bursts: one check after each quiet moment.
    fn schedule_unread(&self) {
        dom::clear_after(self.0.unread_timer.take());
        let bridge = self.clone();
        self.0
            .unread_timer
            .set(dom::after(300, move || bridge.check_unread()));
    }

    fn send_size(&self) {
        let Some(html) = dom::document().document_element() else {
            return;
        };
        let size = (html.scroll_width(), html.scroll_height());
        if self.connected() && self.0.last_size.get() != Some(size) {
            self.0.last_size.set(Some(size));
            self.emit(
                "resize",
                object(&[("width", size.0.into()), ("height", size.1.into())]),
            );
        }
    }

    /// A message from the parent window.
    fn command(&self, event: MessageEvent) {
        let from_parent = event
            .source()
            .is_some_and(|source| Object::is(&source, &self.0.parent));
        if !from_parent {
            return;
        }
        let message = event.data();
        if !message.is_object()
            || !is_ours(
                field(&message, "channel").as_string().as_deref(),
                field(&message, "version").as_f64(),
            )
        {
            return;
        }
        let Some(kind) = field(&message, "type").as_string() else {
            return;
        };
        let data = field(&message, "data");
        let origin = event.origin();
        let page = Page::get();
        if kind == "connect" {
            let allowed = &page.init().allowed_origins;
            let admitted = allowed.is_empty()
                || Origin::parse(&origin).is_some_and(|o| allowed.iter().any(|p| p.matches(&o)));
            if !admitted {
                web_sys::console::warn_1(
                    &format!("inbox-embed: ignored a connect from {origin}, which this link does not allow").into(),
                );
                return;
            }
            *self.0.origin.borrow_mut() = Some(origin);
            self.0.last_unread.set(None);
            self.0.last_size.set(None);
            let agent = page.init().agent.as_ref().map_or(JsValue::NULL, |a| {
                object(&[
                    ("id", a.external_id.as_str().into()),
                    ("name", a.name.as_str().into()),
                ])
            });
            let open = page
                .open()
                .map_or(JsValue::NULL, |id| id.to_string().into());
            self.emit(
                "ready",
                object(&[
                    ("conversation_id", open),
                    ("theme", super::current_theme().as_str().into()),
                    ("language", page.lang().tag().into()),
                    ("agent", agent),
                ]),
            );
            self.check_unread();
            self.send_size();
            return;
        }
        if self.0.origin.borrow().as_deref() != Some(origin.as_str()) {
            return;
        }
        match kind.as_str() {
            "open_conversation" => {
                let id = field(&data, "conversation_id")
                    .as_string()
                    .and_then(|s| Uuid::parse_str(&s).ok());
                if let Some(id) = id {
                    page.go(Some(id), page.filters(), false);
                }
            }
            "set_theme" => {
                if let Some(mode) = field(&data, "mode")
                    .as_string()
                    .as_deref()
                    .and_then(Theme::parse)
                {
                    super::apply_theme(mode);
                }
            }
            "set_filters" => {
                let filters = filters_from(|key| {
                    let value = if data.is_object() {
                        field(&data, key)
                    } else {
                        JsValue::UNDEFINED
                    };
                    match (value.as_string(), value.as_bool()) {
                        (Some(text), _) => Field::Text(text),
                        (None, Some(true)) => Field::True,
                        _ => Field::Other,
                    }
                });
                page.go(page.open(), filters, true);
            }
            _ => {}
        }
    }

    /// The open conversation changed.
    pub fn opened(&self, open: Option<Uuid>) {
        if let Some(id) = open {
            self.emit(
                "conversation.opened",
                object(&[("conversation_id", id.to_string().into())]),
            );
        }
    }

    /// Live events: incoming messages, and changes to the unread total.
    pub fn receive(&self, frame: &LiveFrame) {
        match frame {
            LiveFrame::Message {
                conversation_id,
                created: true,
                message,
                ..
            } if message.direction == Direction::Incoming => self.emit(
                "message.received",
                object(&[
                    ("conversation_id", conversation_id.to_string().into()),
                    ("message_id", message.id.to_string().into()),
                    ("kind", message.kind.as_str().into()),
                ]),
            ),
            LiveFrame::Conversation { .. } | LiveFrame::Refetch { .. } => self.schedule_unread(),
            _ => {}
        }
    }

    /// The link ended while open: the server says why.
    pub fn status(&self, status: LiveStatus) {
        if status != LiveStatus::Ended {
            return;
        }
        let bridge = self.clone();
        let token = Page::get().token();
        wasm_bindgen_futures::spawn_local(async move {
            let reason = match crate::actions::link_state(token).await {
                Err(EmbedError::ExpiredToken) => "expired",
                Err(EmbedError::RevokedToken) => "revoked",
                Err(EmbedError::InvalidToken) => "invalid",
                Err(EmbedError::ForeignOrigin) => "origin",
                _ => "ended",
            };
            bridge.emit("token.expired", object(&[("reason", reason.into())]));
        });
    }
}
