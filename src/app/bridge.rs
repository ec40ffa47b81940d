//! The embed's side of the host-page protocol (§8, `public/embed.js` is the other): the
//! page framed by a host talks to it by `postMessage`, and only to an origin the session
//! allows (the token's `allowed_origins`, or the project's JWT origins).
//!
//! Every message is `{channel: "inbox-embed", version: 1, type, data}`. The page says
//! `hello` to its parent (nothing in it), the host answers `connect`, and the page accepts
//! it only from its parent window at an allowed origin; from then on events go to that
//! origin alone and commands are taken from it alone.

#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use leptos::prelude::*;
use serde_json::{json, Value};

/// The bridge to a framing host page, on the embed page; renders nothing.
#[component]
pub fn HostBridge() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::install();
}

/// On the page of a link that opens nothing: tells a framing host (`token.expired`).
#[component]
pub fn TokenEnded(reason: &'static str) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::token_ended(reason));
    #[cfg(not(feature = "hydrate"))]
    let _ = reason;
}

/// The protocol's channel name and version.
pub const CHANNEL: &str = "inbox-embed";
pub const VERSION: u64 = 1;

/// How often, and how many times, the page says hello before a host answers.
const HELLO_EVERY_MS: u64 = 500;
const HELLO_TIMES: u32 = 20;

/// A protocol message, as posted.
pub fn envelope(kind: &str, data: Value) -> Value {
    json!({ "channel": CHANNEL, "version": VERSION, "type": kind, "data": data })
}

/// A message from the host, if it is one of ours: its type and data.
pub fn parse(message: &Value) -> Option<(String, Value)> {
    if message.get("channel")?.as_str()? != CHANNEL || message.get("version")?.as_u64()? != VERSION
    {
        return None;
    }
    let kind = message.get("type")?.as_str()?.to_string();
    let data = message.get("data").cloned().unwrap_or(Value::Null);
    Some((kind, data))
}

/// The list filters a `set_filters` command asks for: every field it leaves out goes back
/// to its default; a value of the wrong kind is ignored as in the URL.
pub fn filters_from(data: &Value) -> crate::model::Filters {
    use crate::model::Filters;
    let text = |key: &str| -> Option<String> {
        match data.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Bool(true) => Some("1".into()),
            _ => None,
        }
    };
    let pairs: Vec<(&str, Option<String>)> = [
        "status",
        "search",
        "whatsapp_config_id",
        "unread",
        "handoff",
        "tab",
    ]
    .into_iter()
    .map(|key| (key, text(key)))
    .collect();
    Filters::from_query(|key| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_deref())
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::time::Duration;

    use leptos::ev;
    use leptos::prelude::*;
    use leptos_router::hooks::use_navigate;
    use leptos_router::NavigateOptions;
    use serde_json::{json, Value};
    use uuid::Uuid;
    use wasm_bindgen::JsCast;

    use super::*;
    use crate::app::embed::EmbedContext;
    use crate::app::live::{Live, LiveStatus};
    use crate::app::theme::ThemeState;
    use crate::model::{Direction, LiveFrame, Origin, Theme};

    /// The parent window, when the page is framed.
    fn parent() -> Option<web_sys::Window> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten()?;
        (!js_sys::Object::is(&parent, &window)).then_some(parent)
    }

    fn post(target: &web_sys::Window, message: &Value, origin: &str) {
        if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
            let _ = target.post_message(&value, origin);
        }
    }

    /// Tells a framing host that the link opens nothing (the token error page): the reason
    /// only, to any origin, since without a session the page cannot tell which hosts are
    /// allowed.
    pub fn token_ended(reason: &str) {
        if let Some(parent) = parent() {
            post(
                &parent,
                &envelope("token.expired", json!({ "reason": reason })),
                "*",
            );
        }
    }

    #[derive(Default)]
    struct State {
        /// The host's origin, once it connected from an allowed one.
        origin: Option<String>,
        last_unread: Option<i64>,
        last_size: Option<(i32, i32)>,
        hellos: u32,
        unread_timer: Option<TimeoutHandle>,
        hello_timer: Option<IntervalHandle>,
    }

    /// The page's side of the protocol; copied into every callback.
    #[derive(Clone, Copy)]
    struct Bridge {
        state: StoredValue<State, LocalStorage>,
        parent: StoredValue<web_sys::Window, LocalStorage>,
        token: StoredValue<String>,
    }

    impl Bridge {
        fn connected(self) -> bool {
            self.state.with_value(|s| s.origin.is_some())
        }

        /// Posts an event to the connected host, if any.
        fn emit(self, kind: &str, data: Value) {
            let Some(origin) = self.state.with_value(|s| s.origin.clone()) else {
                return;
            };
            self.parent
                .with_value(|parent| post(parent, &envelope(kind, data), &origin));
        }

        /// Reads the unread total over the scope and sends it when it changed.
        fn check_unread(self) {
            let token = self.token.get_value();
            leptos::task::spawn_local(async move {
                let Ok(total) = crate::actions::unread_total(token).await else {
                    return;
                };
                if self.connected() && self.state.with_value(|s| s.last_unread != Some(total)) {
                    self.state.update_value(|s| s.last_unread = Some(total));
                    self.emit("unread.changed", json!({ "total": total }));
                }
            });
        }

        /// Live events come in bursts: one check after each quiet moment.
        fn schedule_unread(self) {
            if let Some(timer) = self.state.with_value(|s| s.unread_timer) {
                timer.clear();
            }
            let timer =
                set_timeout_with_handle(move || self.check_unread(), Duration::from_millis(300))
                    .ok();
            self.state.update_value(|s| s.unread_timer = timer);
        }

        fn send_size(self) {
            let Some(html) = document().document_element() else {
                return;
            };
            let size = (html.scroll_width(), html.scroll_height());
            if self.connected() && self.state.with_value(|s| s.last_size != Some(size)) {
                self.state.update_value(|s| s.last_size = Some(size));
                self.emit("resize", json!({ "width": size.0, "height": size.1 }));
            }
        }

        fn hello(self) {
            let done = self
                .state
                .with_value(|s| s.origin.is_some() || s.hellos >= HELLO_TIMES);
            if done {
                if let Some(timer) = self.state.with_value(|s| s.hello_timer) {
                    timer.clear();
                }
                return;
            }
            self.state.update_value(|s| s.hellos += 1);
            self.parent
                .with_value(|parent| post(parent, &envelope("hello", json!({})), "*"));
        }
    }

    /// Installs the bridge on the embed page when it is framed.
    pub fn install() {
        let Some(parent) = parent() else {
            return;
        };
        let ctx = EmbedContext::get();
        let live = Live::get();
        let theme = expect_context::<ThemeState>();
        let lang = crate::app::i18n::use_lang();
        let navigate = use_navigate();
        let bridge = Bridge {
            state: StoredValue::new_local(State::default()),
            parent: StoredValue::new_local(parent),
            token: StoredValue::new(ctx.token.clone()),
        };

        // What the host says.
        let open = ctx.open;
        let allowed = ctx.session.allowed_origins.clone();
        let on_message = move |event: web_sys::MessageEvent| {
            let from_parent = event.source().is_some_and(|source| {
                bridge
                    .parent
                    .with_value(|parent| js_sys::Object::is(&source, parent))
            });
            if !from_parent {
                return;
            }
            let Some(message) = js_sys::JSON::stringify(&event.data())
                .ok()
                .and_then(|s| s.as_string())
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            else {
                return;
            };
            let Some((kind, data)) = parse(&message) else {
                return;
            };
            let origin = event.origin();
            if kind == "connect" {
                let admitted = allowed.is_empty()
                    || Origin::parse(&origin)
                        .is_some_and(|o| allowed.iter().any(|p| p.matches(&o)));
                if !admitted {
                    leptos::logging::warn!(
                        "inbox-embed: ignored a connect from {origin}, which this link does not allow"
                    );
                    return;
                }
                bridge.state.update_value(|s| {
                    s.origin = Some(origin);
                    s.last_unread = None;
                    s.last_size = None;
                });
                let agent = ctx
                    .session
                    .agent
                    .as_ref()
                    .map(|a| json!({ "id": a.external_id, "name": a.name }));
                bridge.emit(
                    "ready",
                    json!({
                        "conversation_id": ctx.open.get_untracked(),
                        "theme": theme.0.get_untracked().as_str(),
                        "language": lang.tag(),
                        "agent": agent,
                    }),
                );
                bridge.check_unread();
                bridge.send_size();
                return;
            }
            if bridge
                .state
                .with_value(|s| s.origin.as_deref() != Some(origin.as_str()))
            {
                return;
            }
            match kind.as_str() {
                "open_conversation" => {
                    let id = data
                        .get("conversation_id")
                        .and_then(Value::as_str)
                        .and_then(|s| Uuid::parse_str(s).ok());
                    if let Some(id) = id {
                        navigate(
                            &ctx.href(Some(id), &ctx.filters.get_untracked()),
                            Default::default(),
                        );
                    }
                }
                "set_theme" => {
                    let mode = data
                        .get("mode")
                        .and_then(Value::as_str)
                        .and_then(Theme::parse);
                    if let Some(mode) = mode {
                        theme.0.set(mode);
                    }
                }
                "set_filters" => {
                    navigate(
                        &ctx.href(ctx.open.get_untracked(), &filters_from(&data)),
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
                _ => {}
            }
        };
        let listener = window_event_listener(ev::message, on_message);
        on_cleanup(move || listener.remove());

        // Hello until a host connects.
        bridge.hello();
        let timer = set_interval_with_handle(
            move || bridge.hello(),
            Duration::from_millis(HELLO_EVERY_MS),
        )
        .ok();
        bridge.state.update_value(|s| s.hello_timer = timer);
        on_cleanup(move || {
            bridge.state.update_value(|s| {
                if let Some(t) = s.hello_timer.take() {
                    t.clear();
                }
                if let Some(t) = s.unread_timer.take() {
                    t.clear();
                }
            })
        });

        // The open conversation.
        Effect::new(move |previous: Option<Option<Uuid>>| {
            let now = open.get();
            if let Some(id) = now {
                if previous.flatten() != Some(id) {
                    bridge.emit("conversation.opened", json!({ "conversation_id": id }));
                }
            }
            now
        });

        // Live events: incoming messages, and changes to the unread total.
        live.subscribe(i64::MAX, move |frame| match frame {
            LiveFrame::MessageCreated {
                conversation_id,
                data,
                ..
            } => {
                if data.message.direction == Direction::Incoming {
                    bridge.emit(
                        "message.received",
                        json!({
                            "conversation_id": conversation_id,
                            "message_id": data.message.id,
                            "kind": data.message.kind.as_str(),
                        }),
                    );
                }
            }
            LiveFrame::ConversationCreated { .. }
            | LiveFrame::ConversationUpdated { .. }
            | LiveFrame::Refetch { .. } => bridge.schedule_unread(),
            _ => {}
        });

        // The link ended while open: the server says why.
        Effect::new(move |_| {
            if live.status() != LiveStatus::Ended {
                return;
            }
            let token = bridge.token.get_value();
            leptos::task::spawn_local(async move {
                use crate::actions::EmbedError;
                let reason = match crate::actions::load_session(token).await {
                    Err(EmbedError::ExpiredToken) => "expired",
                    Err(EmbedError::RevokedToken) => "revoked",
                    Err(EmbedError::InvalidToken) => "invalid",
                    Err(EmbedError::ForeignOrigin) => "origin",
                    _ => "ended",
                };
                bridge.emit("token.expired", json!({ "reason": reason }));
            });
        });

        // The document's size.
        if let Some(body) = document().body() {
            let callback =
                wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || bridge.send_size());
            if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
                observer.observe(&body);
                let observer = StoredValue::new_local(observer);
                on_cleanup(move || observer.with_value(|o| o.disconnect()));
            }
            callback.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StatusFilter, Tab};

    #[test]
    fn only_our_channel_and_version_are_read() {
        let ours = envelope("set_theme", json!({ "mode": "dark" }));
        assert_eq!(
            parse(&ours),
            Some(("set_theme".to_string(), json!({ "mode": "dark" })))
        );
        for other in [
            json!({ "channel": "other", "version": 1, "type": "set_theme" }),
            json!({ "channel": CHANNEL, "version": 2, "type": "set_theme" }),
            json!({ "channel": CHANNEL, "type": "set_theme" }),
            json!({ "channel": CHANNEL, "version": 1 }),
            json!("set_theme"),
            json!(null),
        ] {
            assert_eq!(parse(&other), None, "{other}");
        }
    }

    #[test]
    fn set_filters_replaces_the_filters() {
        let f = filters_from(
            &json!({ "status": "ended", "unread": true, "handoff": false, "tab": "mine" }),
        );
        assert_eq!(f.status, StatusFilter::Ended);
        assert!(f.unread && !f.handoff);
        assert_eq!(f.tab, Tab::Mine);
        assert_eq!(f.search, "");
        // Wrong kinds and unknown values fall back as in the URL.
        let f = filters_from(
            &json!({ "status": 3, "unread": "yes", "tab": "others", "search": "  Ana " }),
        );
        assert_eq!(f.status, StatusFilter::Active);
        assert!(!f.unread);
        assert_eq!(f.tab, Tab::All);
        assert_eq!(f.search, "Ana");
        assert!(filters_from(&json!(null)).is_default());
    }
}
