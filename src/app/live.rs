//! The page's live connection (§5): one WebSocket per page, resumed from the last event
//! seen after any drop, with backoff and jitter; its frames update the list and the open
//! thread.

use std::collections::{HashMap, VecDeque};

use leptos::prelude::*;
use uuid::Uuid;

use crate::actions::EmbedError;
use crate::model::{text, ConversationPage, ConversationView, Lang, LiveFrame, ThreadPage};

/// Message frames kept for a thread that opens after they came.
const RECENT_FRAMES: usize = 300;
/// The live state only changes in the browser. A server render never reads it: on the
/// server, Suspense re-runs parts of a page from spawned tasks that can outlive the
/// page's reactive state, and a read there would panic on a disposed signal.
const IN_BROWSER: bool = cfg!(feature = "hydrate");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum LiveStatus {
    /// Before the first `ready` (and on the server).
    Connecting,
    Live,
    /// Dropped; trying again.
    Reconnecting,
    /// The browser says it has no network; it tries again when it has.
    Offline,
    /// The server ended it for good (revoked or expired link).
    Ended,
}

impl LiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
            Self::Ended => "ended",
        }
    }

    /// The indicator's `data-state` (SPEC §3): live, reconnecting or offline.
    pub fn state(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Connecting | Self::Reconnecting => "reconnecting",
            Self::Offline | Self::Ended => "offline",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let t = text(lang);
        match self {
            Self::Connecting => t.live_connecting,
            Self::Live => t.live_live,
            Self::Reconnecting => t.live_reconnecting,
            Self::Offline => t.live_offline,
            Self::Ended => t.live_ended,
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        let t = text(lang);
        match self {
            Self::Connecting => t.live_connecting_title,
            Self::Live => t.live_live_title,
            Self::Reconnecting => t.live_reconnecting_title,
            Self::Offline => t.live_offline_title,
            Self::Ended => t.live_ended_title,
        }
    }
}

#[derive(Clone, Copy)]
pub struct Live {
    status: RwSignal<LiveStatus>,
    /// The latest view of each conversation an event changed, with that event's id.
    conversations: RwSignal<HashMap<Uuid, (i64, ConversationView)>>,
    recent: StoredValue<VecDeque<LiveFrame>>,
    listeners: StoredValue<Vec<(u64, Callback<LiveFrame>)>>,
    next_listener: StoredValue<u64>,
    /// Reloads what the page shows (the log no longer holds what was missed).
    refetch: Callback<()>,
}

impl Live {
    /// Makes the page's live state; in the browser, connects once the list's first page
    /// and the open thread are there, from the older of the log positions they were read at.
    pub fn provide(
        token: String,
        list: Resource<Result<ConversationPage, EmbedError>>,
        thread: Resource<Result<Option<ThreadPage>, EmbedError>>,
        refetch: Callback<()>,
    ) -> Self {
        let live = Self {
            status: RwSignal::new(LiveStatus::Connecting),
            conversations: RwSignal::new(HashMap::new()),
            recent: StoredValue::new(VecDeque::new()),
            listeners: StoredValue::new(Vec::new()),
            next_listener: StoredValue::new(0),
            refetch,
        };
        provide_context(live);
        #[cfg(feature = "hydrate")]
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            match (list.get(), thread.get()) {
                // The token opens nothing (its page says why): nothing to keep live.
                (Some(Err(_)), _) => true,
                (Some(Ok(list)), Some(thread)) => {
                    let read_at = [
                        Some(list.last_event_id),
                        thread.ok().flatten().map(|t| t.last_event_id),
                    ];
                    let since = read_at.into_iter().flatten().min();
                    socket::start(live, token.clone(), since);
                    true
                }
                _ => false,
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (token, list, thread);
        live
    }

    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Calls `f` with every frame after event `after`: first those already received, then
    /// each as it comes, until the calling component is dropped.
    pub fn subscribe(&self, after: i64, f: impl Fn(LiveFrame) + Send + Sync + 'static) {
        if !IN_BROWSER {
            return;
        }
        let Some(id) = self.next_listener.try_get_value() else {
            return;
        };
        let callback = Callback::new(f);
        self.next_listener.set_value(id + 1);
        self.listeners.update_value(|l| l.push((id, callback)));
        let earlier: Vec<LiveFrame> = self
            .recent
            .try_with_value(|r| {
                r.iter()
                    .filter(|f| f.event_id().is_some_and(|e| e > after))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for frame in earlier {
            callback.run(frame);
        }
        let listeners = self.listeners;
        on_cleanup(move || {
            listeners.try_update_value(|l| l.retain(|(i, _)| *i != id));
        });
    }

    /// Drops what the loaded pages already show (events up to `through`).
    pub fn forget_through(&self, through: i64) {
        if IN_BROWSER {
            self.conversations
                .try_update_untracked(|m| m.retain(|_, (id, _)| *id > through));
        }
    }

    /// Whether changes reach the page by themselves; if not, a change the page made
    /// itself is shown by reloading.
    pub fn is_live(&self) -> bool {
        IN_BROWSER && self.status.try_get_untracked() == Some(LiveStatus::Live)
    }

    /// The connection's state, tracked (a server render: connecting).
    pub fn status(&self) -> LiveStatus {
        if IN_BROWSER {
            self.status.try_get().unwrap_or(LiveStatus::Connecting)
        } else {
            LiveStatus::Connecting
        }
    }

    /// Calls `f` with the conversations events changed since the pages were read, tracked
    /// (a server render: none).
    pub fn with_changes<R>(
        &self,
        f: impl FnOnce(&HashMap<Uuid, (i64, ConversationView)>) -> R,
    ) -> R {
        let mut f = Some(f);
        let mut call =
            |m: &HashMap<Uuid, (i64, ConversationView)>| f.take().expect("called once")(m);
        if IN_BROWSER {
            if let Some(r) = self.conversations.try_with(&mut call) {
                return r;
            }
        }
        call(&HashMap::new())
    }

    /// The view of `conversation` an event after `after` gave, if any (untracked).
    pub fn changed_after(&self, conversation: Uuid, after: i64) -> Option<ConversationView> {
        if !IN_BROWSER {
            return None;
        }
        self.conversations
            .try_with_untracked(|m| {
                m.get(&conversation)
                    .filter(|(id, _)| *id > after)
                    .map(|(_, v)| v.clone())
            })
            .flatten()
    }

    /// One frame from the server.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn receive(&self, frame: LiveFrame) {
        match &frame {
            LiveFrame::ConversationCreated { id, data, .. }
            | LiveFrame::ConversationUpdated { id, data, .. } => {
                let (id, view) = (*id, data.conversation.clone());
                self.conversations.update(|m| {
                    if m.get(&view.id).is_none_or(|(seen, _)| *seen < id) {
                        m.insert(view.id, (id, view));
                    }
                });
            }
            LiveFrame::MessageCreated { .. } | LiveFrame::MessageUpdated { .. } => {
                self.recent.update_value(|r| {
                    r.push_back(frame.clone());
                    while r.len() > RECENT_FRAMES {
                        r.pop_front();
                    }
                });
            }
            LiveFrame::Ready { .. } => self.status.set(LiveStatus::Live),
            LiveFrame::Refetch { .. } => {
                self.conversations.update(HashMap::clear);
                self.recent.update_value(VecDeque::clear);
                self.refetch.run(());
            }
        }
        let listeners: Vec<Callback<LiveFrame>> = self
            .listeners
            .with_value(|l| l.iter().map(|(_, c)| *c).collect());
        for listener in listeners {
            listener.run(frame.clone());
        }
    }
}

/// The connection indicator in the list's header.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = Live::get();
    let lang = super::i18n::use_lang();
    view! {
        <span
            class=move || format!("live-indicator live-{}", live.status().as_str())
            data-testid="connection-status"
            data-state=move || live.status().state()
            data-phase=move || live.status().as_str()
            title=move || live.status().title(lang)
            role="status"
        >
            <span class="live-dot" aria-hidden="true"></span>
            <span class="live-label">{move || live.status().label(lang)}</span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod socket {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::{Live, LiveStatus};
    use crate::model::{close, LiveFrame};

    const FIRST_RETRY_MS: f64 = 500.0;
    const MAX_RETRY_MS: f64 = 30_000.0;
    /// After this many failed attempts in a row, ask whether the link still works.
    const CHECK_TOKEN_AFTER: u32 = 3;

    struct Conn {
        token: String,
        ws: Option<WebSocket>,
        /// The last event received: where the next connection resumes.
        last_id: Option<i64>,
        /// Failed attempts since the last `ready`.
        failures: u32,
        ended: bool,
        /// The handlers of the current socket (kept alive as long as it is).
        handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    }

    type Shared = Rc<RefCell<Conn>>;

    pub fn start(live: Live, token: String, since: Option<i64>) {
        let conn: Shared = Rc::new(RefCell::new(Conn {
            token,
            ws: None,
            last_id: since,
            failures: 0,
            ended: false,
            handlers: Vec::new(),
        }));
        open(live, conn.clone());
        let online = conn.clone();
        let on = window_event_listener(leptos::ev::online, move |_| {
            let (ended, connected) = {
                let c = online.borrow();
                (c.ended, c.ws.is_some())
            };
            if ended {
                return;
            }
            if connected {
                // The socket outlived the blip.
                live.status.set(LiveStatus::Live);
            } else {
                open(live, online.clone());
            }
        });
        let off = window_event_listener(leptos::ev::offline, move |_| {
            if live.status.get_untracked() != LiveStatus::Ended {
                live.status.set(LiveStatus::Offline);
            }
        });
        // The page lives as long as the app: the listeners stay.
        std::mem::forget((on, off));
    }

    fn url(token: &str, since: Option<i64>) -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss:"
        } else {
            "ws:"
        };
        let host = location.host().ok()?;
        let query = since.map(|s| format!("?since={s}")).unwrap_or_default();
        Some(format!("{scheme}//{host}/embed/{token}/ws{query}"))
    }

    fn open(live: Live, conn: Shared) {
        let (token, since) = {
            let c = conn.borrow();
            if c.ended || c.ws.is_some() {
                return;
            }
            (c.token.clone(), c.last_id)
        };
        let Some(ws) = url(&token, since).and_then(|u| WebSocket::new(&u).ok()) else {
            retry(live, conn);
            return;
        };
        let on_message = {
            let conn = conn.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(text) = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|e| e.data().as_string())
                else {
                    return;
                };
                let frame: LiveFrame = match serde_json::from_str(&text) {
                    Ok(frame) => frame,
                    Err(e) => {
                        leptos::logging::warn!("live frame not understood: {e}");
                        return;
                    }
                };
                {
                    let mut c = conn.borrow_mut();
                    match &frame {
                        LiveFrame::Ready { last_id } => {
                            c.last_id = Some(c.last_id.map_or(*last_id, |l| l.max(*last_id)));
                            c.failures = 0;
                        }
                        // The server's position replaces ours (which may not be its).
                        LiveFrame::Refetch { last_id, .. } => c.last_id = Some(*last_id),
                        other => {
                            if let Some(id) = other.event_id() {
                                c.last_id = Some(c.last_id.map_or(id, |l| l.max(id)));
                            }
                        }
                    }
                }
                live.receive(frame);
            })
        };
        let on_close = {
            let conn = conn.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let code = event.dyn_ref::<CloseEvent>().map_or(1006, |e| e.code());
                {
                    let mut c = conn.borrow_mut();
                    if let Some(ws) = c.ws.take() {
                        ws.set_onmessage(None);
                        ws.set_onclose(None);
                    }
                }
                match code {
                    close::TOKEN => end(live, &conn),
                    // Dropped for falling behind: straight back, from the last event.
                    close::TOO_SLOW => {
                        let conn = conn.clone();
                        set_timeout(move || open(live, conn), jitter(200.0));
                    }
                    _ => retry(live, conn.clone()),
                }
            })
        };
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut c = conn.borrow_mut();
        c.ws = Some(ws);
        // The previous socket's handlers go now that it has none set.
        c.handlers = vec![on_message, on_close];
    }

    fn end(live: Live, conn: &Shared) {
        conn.borrow_mut().ended = true;
        live.status.set(LiveStatus::Ended);
    }

    /// Between half and all of `ms`: reconnecting clients do not arrive together.
    fn jitter(ms: f64) -> Duration {
        Duration::from_millis((ms * (0.5 + js_sys::Math::random() * 0.5)) as u64)
    }

    fn retry(live: Live, conn: Shared) {
        let failures = {
            let mut c = conn.borrow_mut();
            if c.ended {
                return;
            }
            c.failures += 1;
            c.failures
        };
        if !window().navigator().on_line() {
            // The `online` event reconnects.
            live.status.set(LiveStatus::Offline);
            return;
        }
        live.status.set(LiveStatus::Reconnecting);
        let delay = (FIRST_RETRY_MS * 2f64.powi(failures as i32 - 1)).min(MAX_RETRY_MS);
        if failures % CHECK_TOKEN_AFTER == 0 {
            // A refused upgrade looks like any dropped connection: ask whether the link
            // itself still works before trying again.
            let token = conn.borrow().token.clone();
            leptos::task::spawn_local(async move {
                use crate::actions::EmbedError;
                match crate::actions::load_session(token).await {
                    Err(
                        EmbedError::ExpiredToken
                        | EmbedError::RevokedToken
                        | EmbedError::InvalidToken
                        | EmbedError::ForeignOrigin,
                    ) => end(live, &conn),
                    _ => set_timeout(move || open(live, conn), jitter(delay)),
                }
            });
            return;
        }
        set_timeout(move || open(live, conn), jitter(delay));
    }
}
