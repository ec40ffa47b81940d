//! localStorage that never throws: where storage is blocked (a third-party frame in a
//! strict browser) nothing is kept, and the page works on. Values are JSON strings, as
//! gloo-storage writes them. On the server every read is empty and every write is dropped.

/// The saved value of `key`.
pub fn get(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::{LocalStorage, Storage};
        if available() {
            return LocalStorage::get::<String>(key).ok();
        }
    }
    let _ = key;
    None
}

/// Saves `value` under `key`; an empty value removes the key.
pub fn set(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::{LocalStorage, Storage};
        if !available() {
            leptos::logging::warn!("not saved ({key}): storage is not available here");
        } else if value.is_empty() {
            LocalStorage::delete(key);
        } else if let Err(e) = LocalStorage::set(key, value) {
            leptos::logging::warn!("not saved ({key}): {e}");
        }
    }
    let _ = (key, value);
}

/// gloo-storage panics when touching `localStorage` throws: ask first.
#[cfg(feature = "hydrate")]
fn available() -> bool {
    matches!(leptos::prelude::window().local_storage(), Ok(Some(_)))
}
