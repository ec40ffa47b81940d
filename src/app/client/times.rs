//! Times as the reader sees them. The server writes every time in UTC with its instant
//! (`data-at`, milliseconds) and kind (`data-format`: `list` or `clock`); the page shows
//! them in the browser's zone, and again every half minute ("Today" becomes "Yesterday").

use web_sys::Element;

use super::dom;
use crate::model::{clock_time, list_time, Lang, LocalTime};

/// The reader's time at `ms`.
pub fn local(ms: i64) -> LocalTime {
    LocalTime::new(ms, dom::offset_minutes_at(ms))
}

pub fn now() -> LocalTime {
    local(dom::now_ms())
}

/// Shows the times under `root`.
pub fn show(root: &Element, lang: Lang) {
    let now = now();
    for el in dom::find_all(root, "time[data-at]") {
        let Some(at) = el
            .get_attribute("data-at")
            .and_then(|a| a.parse::<i64>().ok())
        else {
            continue;
        };
        let text = match el.get_attribute("data-format").as_deref() {
            Some("list") => list_time(local(at), now, lang),
            Some("clock") => clock_time(local(at), lang),
            _ => continue,
        };
        if el.text_content().as_deref() != Some(text.as_str()) {
            el.set_text_content(Some(&text));
        }
    }
}

/// Shows the page's times now and every 30 s.
pub fn start(lang: Lang) {
    let tick = move || {
        if let Some(body) = dom::document().body() {
            show(&body, lang);
        }
    };
    tick();
    let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(tick);
    if let Some(window) = web_sys::window() {
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(closure.as_ref()),
            30_000,
        );
    }
    closure.forget();
}
