//! Small DOM helpers over web-sys, for the page's controllers.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// The first element matching `selector` under `root` (the document without one).
pub fn find(root: Option<&Element>, selector: &str) -> Option<Element> {
    match root {
        Some(root) => root.query_selector(selector).ok().flatten(),
        None => document().query_selector(selector).ok().flatten(),
    }
}

pub fn find_html(root: Option<&Element>, selector: &str) -> Option<HtmlElement> {
    find(root, selector).and_then(|el| el.dyn_into().ok())
}

/// Every element matching `selector` under `root`.
pub fn find_all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

/// The element the event happened on, or its nearest ancestor, matching `selector`.
pub fn closest(event: &web_sys::Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// Sets an attribute, unless it has that value already (a write restyles what it touches,
/// even when nothing changes).
pub fn set_attr(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

pub fn toggle_attr(el: &Element, name: &str, on: bool) {
    let _ = el.toggle_attribute_with_force(name, on);
}

pub fn toggle_class(el: &Element, class: &str, on: bool) {
    let _ = el.class_list().toggle_with_force(class, on);
}

/// Elements from HTML the server (or this page's own renderer) wrote: text in it is
/// escaped, so nothing a contact, agent or host wrote can become markup.
pub fn elements_of(html: &str) -> Vec<Element> {
    let template: web_sys::HtmlTemplateElement = document()
        .create_element("template")
        .expect("a template")
        .unchecked_into();
    template.set_inner_html(html);
    let content = template.content();
    let mut out = Vec::new();
    while let Some(child) = content.first_element_child() {
        let _ = content.remove_child(&child);
        out.push(child);
    }
    out
}

/// Runs `f` on the next animation frame (after what changed is laid out).
pub fn next_frame(f: impl FnOnce() + 'static) {
    let closure = wasm_bindgen::closure::Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(closure.unchecked_ref());
    }
}

/// Runs `f` after `ms` milliseconds; the handle clears it.
pub fn after(ms: i32, f: impl FnOnce() + 'static) -> Option<i32> {
    let closure = wasm_bindgen::closure::Closure::once_into_js(f);
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(closure.unchecked_ref(), ms)
        .ok()
}

pub fn clear_after(handle: Option<i32>) {
    if let (Some(handle), Some(window)) = (handle, web_sys::window()) {
        window.clear_timeout_with_handle(handle);
    }
}

/// Calls `f` for each `event` on `target`, for the page's life.
pub fn listen<E: JsCast + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(E) + 'static,
) {
    let mut f = f;
    let closure = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
        move |event: web_sys::Event| f(event.unchecked_into()),
    );
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// The same, on the way down (for events that do not bubble, such as `load`).
pub fn listen_capture<E: JsCast + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(E) + 'static,
) {
    let mut f = f;
    let closure = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
        move |event: web_sys::Event| f(event.unchecked_into()),
    );
    let _ = target.add_event_listener_with_callback_and_bool(
        event,
        closure.as_ref().unchecked_ref(),
        true,
    );
    closure.forget();
}

/// `now` in milliseconds, and the reader's offset from UTC at `ms` (minutes east).
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub fn offset_minutes_at(ms: i64) -> i32 {
    -(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).get_timezone_offset() as i32)
}

/// Runs `future` as a task, polled once now: a request it makes leaves at once, not after
/// what the current event handler does next.
pub fn spawn_now(future: impl std::future::Future<Output = ()> + 'static) {
    let mut future = Box::pin(future);
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    if future.as_mut().poll(&mut cx).is_pending() {
        // Each poll hands the future the waker to use next; the task's replaces this one.
        wasm_bindgen_futures::spawn_local(future);
    }
}
