//! The page's live connection: one WebSocket per page, resumed from the last event seen
//! after any drop, with backoff and jitter. Its frames go to the page, which hands them to
//! the list, the open thread and the host bridge.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::dom;
use crate::actions::EmbedError;
use crate::model::{close, text, Lang, LiveFrame};

/// Event frames kept for a thread that opens after they came.
const RECENT_FRAMES: usize = 300;
const FIRST_RETRY_MS: f64 = 500.0;
const MAX_RETRY_MS: f64 = 30_000.0;
/// After this many failed attempts in a row, ask whether the link still works.
const CHECK_TOKEN_AFTER: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Before the first `ready`.
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

    /// The indicator's `data-state`: live, reconnecting or offline.
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

/// What the socket tells the page.
pub trait LiveSink {
    fn frame(&self, frame: &LiveFrame);
    fn status(&self, status: LiveStatus);
}

struct Conn {
    token: String,
    lang: Lang,
    ws: Option<WebSocket>,
    /// The last event received: where the next connection resumes.
    last_id: Option<i64>,
    /// Failed attempts since the last `ready`.
    failures: u32,
    status: LiveStatus,
    recent: VecDeque<LiveFrame>,
    /// The handlers of the current socket (kept alive as long as it is).
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

#[derive(Clone)]
pub struct Live {
    conn: Rc<RefCell<Conn>>,
    sink: Rc<dyn LiveSink>,
}

impl Live {
    /// Connects from event `since` (where the page's data was read).
    pub fn start(token: String, lang: Lang, since: i64, sink: Rc<dyn LiveSink>) -> Self {
        let live = Self {
            conn: Rc::new(RefCell::new(Conn {
                token,
                lang,
                ws: None,
                last_id: Some(since),
                failures: 0,
                status: LiveStatus::Connecting,
                recent: VecDeque::new(),
                handlers: Vec::new(),
            })),
            sink,
        };
        live.open();
        let window: web_sys::EventTarget = web_sys::window().expect("a window").into();
        let online = live.clone();
        dom::listen(&window, "online", move |_: web_sys::Event| {
            let connected = online.conn.borrow().ws.is_some();
            match online.status() {
                LiveStatus::Ended => {}
                // The socket outlived the blip.
                _ if connected => online.set_status(LiveStatus::Live),
                _ => online.open(),
            }
        });
        let offline = live.clone();
        dom::listen(&window, "offline", move |_: web_sys::Event| {
            if offline.status() != LiveStatus::Ended {
                offline.set_status(LiveStatus::Offline);
            }
        });
        live
    }

    pub fn status(&self) -> LiveStatus {
        self.conn.borrow().status
    }

    /// Whether changes reach the page by themselves; if not, a change the page made
    /// itself is shown by reading it again.
    pub fn is_live(&self) -> bool {
        self.status() == LiveStatus::Live
    }

    /// The event frames received after event `after` (for a thread read at `after`).
    pub fn recent_after(&self, after: i64) -> Vec<LiveFrame> {
        self.conn
            .borrow()
            .recent
            .iter()
            .filter(|f| f.event_id().is_some_and(|id| id > after))
            .cloned()
            .collect()
    }

    fn set_status(&self, status: LiveStatus) {
        let changed = {
            let mut c = self.conn.borrow_mut();
            let changed = c.status != status;
            c.status = status;
            changed
        };
        if changed {
            self.sink.status(status);
        }
    }

    fn url(token: &str, lang: Lang, since: Option<i64>) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss:"
        } else {
            "ws:"
        };
        let host = location.host().ok()?;
        let since = since.map(|s| format!("&since={s}")).unwrap_or_default();
        Some(format!(
            "{scheme}//{host}/embed/{token}/ws?lang={}{since}",
            lang.tag()
        ))
    }

    fn open(&self) {
        let (token, lang, since) = {
            let c = self.conn.borrow();
            if c.status == LiveStatus::Ended || c.ws.is_some() {
                return;
            }
            (c.token.clone(), c.lang, c.last_id)
        };
        let Some(ws) = Self::url(&token, lang, since).and_then(|u| WebSocket::new(&u).ok()) else {
            self.retry();
            return;
        };
        let on_message = {
            let live = self.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(text) = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|e| e.data().as_string())
                else {
                    return;
                };
                match LiveFrame::parse(&text) {
                    Ok(frame) => live.receive(frame),
                    Err(e) => {
                        web_sys::console::warn_1(&format!("live frame not understood: {e}").into())
                    }
                }
            })
        };
        let on_close = {
            let live = self.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let code = event.dyn_ref::<CloseEvent>().map_or(1006, |e| e.code());
                if let Some(ws) = live.conn.borrow_mut().ws.take() {
                    ws.set_onmessage(None);
                    ws.set_onclose(None);
                }
                match code {
                    close::TOKEN => live.set_status(LiveStatus::Ended),
                    // Dropped for falling behind: straight back, from the last event.
                    close::TOO_SLOW => {
                        let live = live.clone();
                        dom::after(jitter(200.0), move || live.open());
                    }
                    _ => live.retry(),
                }
            })
        };
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut c = self.conn.borrow_mut();
        c.ws = Some(ws);
        // The previous socket's handlers go now that it has none set.
        c.handlers = vec![on_message, on_close];
    }

    fn receive(&self, frame: LiveFrame) {
        {
            let mut c = self.conn.borrow_mut();
            match &frame {
                LiveFrame::Ready { last_id } => {
                    c.last_id = Some(c.last_id.map_or(*last_id, |l| l.max(*last_id)));
                    c.failures = 0;
                }
                // The server's position replaces ours (which may not be its).
                LiveFrame::Refetch { last_id } => {
                    c.last_id = Some(*last_id);
                    c.recent.clear();
                }
                LiveFrame::Message { id, .. } | LiveFrame::Conversation { id, .. } => {
                    c.last_id = Some(c.last_id.map_or(*id, |l| l.max(*id)));
                    c.recent.push_back(frame.clone());
                    while c.recent.len() > RECENT_FRAMES {
                        c.recent.pop_front();
                    }
                }
            }
        }
        if matches!(frame, LiveFrame::Ready { .. }) {
            self.set_status(LiveStatus::Live);
        }
        self.sink.frame(&frame);
    }

    fn retry(&self) {
        let failures = {
            let mut c = self.conn.borrow_mut();
            if c.status == LiveStatus::Ended {
                return;
            }
            c.failures += 1;
            c.failures
        };
        let on_line = web_sys::window().is_none_or(|w| w.navigator().on_line());
        if !on_line {
            // The `online` event reconnects.
            self.set_status(LiveStatus::Offline);
            return;
        }
        self.set_status(LiveStatus::Reconnecting);
        let delay = (FIRST_RETRY_MS * 2f64.powi(failures as i32 - 1)).min(MAX_RETRY_MS);
        let live = self.clone();
        if failures % CHECK_TOKEN_AFTER == 0 {
            // A refused upgrade looks like any dropped connection: ask whether the link
            // itself still works before trying again.
            let token = self.conn.borrow().token.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match crate::actions::link_state(token).await {
                    Err(
                        EmbedError::ExpiredToken
                        | EmbedError::RevokedToken
                        | EmbedError::InvalidToken
                        | EmbedError::ForeignOrigin,
                    ) => live.set_status(LiveStatus::Ended),
                    _ => {
                        dom::after(jitter(delay), move || live.open());
                    }
                }
            });
            return;
        }
        dom::after(jitter(delay), move || live.open());
    }
}

/// Between half and all of `ms`: reconnecting clients do not arrive together.
fn jitter(ms: f64) -> i32 {
    (ms * (0.5 + js_sys::Math::random() * 0.5)) as i32
}
