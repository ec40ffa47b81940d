//! localStorage that never throws: where storage is blocked (a third-party frame in a
//! strict browser) nothing is kept, and the page works on. Values are JSON strings, as
//! gloo-storage writes them.

use gloo_storage::{LocalStorage, Storage};

/// The saved value of `key`.
pub fn get(key: &str) -> Option<String> {
    available()
        .then(|| LocalStorage::get::<String>(key).ok())
        .flatten()
}

/// Saves `value` under `key`; an empty value removes the key.
pub fn set(key: &str, value: &str) {
    if !available() {
        warn(&format!("not saved ({key}): storage is not available here"));
    } else if value.is_empty() {
        LocalStorage::delete(key);
    } else if let Err(e) = LocalStorage::set(key, value) {
        warn(&format!("not saved ({key}): {e}"));
    }
}

fn warn(text: &str) {
    web_sys::console::warn_1(&text.into());
}

/// gloo-storage panics when touching `localStorage` throws: ask first.
fn available() -> bool {
    web_sys::window().is_some_and(|w| matches!(w.local_storage(), Ok(Some(_))))
}
