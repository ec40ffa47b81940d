//! The reply-buttons and list builder: a Leptos view in a chunk of its own, loaded the
//! first time an agent opens it.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::Thread;
use crate::actions::MAX_INTERACTIVE_BODY_CHARS;
use crate::app::thread::outgoing::{interactive_problem, Outgoing};
use crate::model::{
    text, Interactive, Lang, ListRow, ListSection, ReplyButton, MAX_BUTTON_TITLE_CHARS,
    MAX_LIST_ROWS, MAX_LIST_ROW_TITLE_CHARS, MAX_REPLY_BUTTONS,
};

/// The open builder: its slot, and the view once its code has loaded.
pub struct Builder {
    slot: Element,
    view: Rc<RefCell<Option<Box<dyn Any>>>>,
}

impl Builder {
    /// Opens it in `slot`; what it sends goes out through the thread.
    pub fn open(thread: Thread, slot: Element) -> Self {
        let view = Rc::new(RefCell::new(None));
        let (lang, weak) = (thread.lang(), thread.weak());
        let target = slot.clone();
        let mounted = view.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(target) = target.dyn_into::<HtmlElement>() else {
                return;
            };
            let on_send: Rc<dyn Fn(Outgoing)> = {
                let weak = weak.clone();
                Rc::new(move |outgoing| {
                    if let Some(thread) = Thread::of(&weak) {
                        thread.send(outgoing, uuid::Uuid::new_v4().to_string());
                    }
                })
            };
            let on_close: Rc<dyn Fn()> = Rc::new(move || {
                if let Some(thread) = Thread::of(&weak) {
                    thread.0.composer.close_builder();
                }
            });
            let handle = mount(target.clone(), lang, on_send, on_close).await;
            // Closed while its code was loading.
            if target.is_connected() {
                *mounted.borrow_mut() = Some(handle);
            }
        });
        Self { slot, view }
    }

    pub fn close(self) {
        self.view.borrow_mut().take();
        self.slot.remove();
    }
}

/// Mounts the builder (its code is this chunk).
#[lazy]
fn mount(
    slot: HtmlElement,
    lang: Lang,
    on_send: Rc<dyn Fn(Outgoing)>,
    on_close: Rc<dyn Fn()>,
) -> Box<dyn Any> {
    // Leptos runs its effects on the browser's tasks.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    Box::new(leptos::mount::mount_to(slot, move || {
        let on_send = StoredValue::new_local(on_send);
        let on_close = StoredValue::new_local(on_close);
        let on_send = Callback::new(move |o: Outgoing| on_send.with_value(|f| f(o)));
        let on_close = Callback::new(move |()| on_close.with_value(|f| f()));
        view! { <InteractiveBuilder lang on_send on_close /> }
    }))
}

/// Reply buttons (1–3) or a list (up to 10 rows) with their text, checked against
/// WhatsApp's limits as they are typed (the server checks them again).
#[component]
fn InteractiveBuilder(
    lang: Lang,
    on_send: Callback<Outgoing>,
    on_close: Callback<()>,
) -> impl IntoView {
    let t = text(lang);
    let list_mode = RwSignal::new(false);
    let body = RwSignal::new(String::new());
    let buttons = RwSignal::new(vec![String::new()]);
    let list_button = RwSignal::new(String::from(t.default_list_button));
    let rows = RwSignal::new(vec![(String::new(), String::new())]);
    let built = Memo::new(move |_| {
        if list_mode.get() {
            Interactive::List {
                header: None,
                footer: None,
                button: list_button.get().trim().to_string(),
                sections: vec![ListSection {
                    title: None,
                    rows: rows
                        .get()
                        .iter()
                        .enumerate()
                        .map(|(i, (title, description))| ListRow {
                            id: format!("row-{}", i + 1),
                            title: title.trim().to_string(),
                            description: Some(description.trim().to_string())
                                .filter(|d| !d.is_empty()),
                        })
                        .collect(),
                }],
            }
        } else {
            Interactive::Button {
                header: None,
                footer: None,
                buttons: buttons
                    .get()
                    .iter()
                    .enumerate()
                    .map(|(i, title)| ReplyButton {
                        id: format!("button-{}", i + 1),
                        title: title.trim().to_string(),
                    })
                    .collect(),
            }
        }
    });
    let problem = move || {
        let body = body.get();
        if body.trim().is_empty() {
            Some(t.write_message_text.to_string())
        } else if body.chars().count() > MAX_INTERACTIVE_BODY_CHARS {
            Some((t.body_too_long)(MAX_INTERACTIVE_BODY_CHARS))
        } else {
            built.with(|i| interactive_problem(t, i))
        }
    };
    let send = move |_| {
        if problem().is_some() {
            return;
        }
        on_send.run(Outgoing::Interactive {
            body: body.get_untracked().trim().to_string(),
            interactive: built.get_untracked(),
        });
        on_close.run(());
    };
    let button_fields = move || {
        let count = buttons.with(Vec::len);
        (0..count)
            .map(|i| view! {
                <div class="builder-line">
                    <input data-testid="button-title" aria-label=(t.button_n)(i + 1)
                        placeholder=(t.button_n)(i + 1) maxlength=MAX_BUTTON_TITLE_CHARS.to_string() dir="auto"
                        prop:value=move || buttons.with(|b| b.get(i).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            buttons.update(|b| if let Some(slot) = b.get_mut(i) { *slot = v });
                        } />
                    <button type="button" class="builder-remove" aria-label=t.remove_button
                        disabled=move || buttons.with(|b| b.len() <= 1)
                        on:click=move |_| buttons.update(|b| { b.remove(i); })>"×"</button>
                </div>
            })
            .collect_view()
    };
    let row_fields = move || {
        let count = rows.with(Vec::len);
        (0..count)
            .map(|i| view! {
                <div class="builder-line">
                    <input data-testid="row-title" aria-label=(t.row_title_n)(i + 1)
                        placeholder=(t.row_n)(i + 1) maxlength=MAX_LIST_ROW_TITLE_CHARS.to_string() dir="auto"
                        prop:value=move || rows.with(|r| r.get(i).map(|x| x.0.clone()).unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            rows.update(|r| if let Some(slot) = r.get_mut(i) { slot.0 = v });
                        } />
                    <input data-testid="row-description" aria-label=(t.row_description_n)(i + 1)
                        placeholder=t.description_optional maxlength="72" dir="auto"
                        prop:value=move || rows.with(|r| r.get(i).map(|x| x.1.clone()).unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            rows.update(|r| if let Some(slot) = r.get_mut(i) { slot.1 = v });
                        } />
                    <button type="button" class="builder-remove" aria-label=t.remove_row
                        disabled=move || rows.with(|r| r.len() <= 1)
                        on:click=move |_| rows.update(|r| { r.remove(i); })>"×"</button>
                </div>
            })
            .collect_view()
    };
    view! {
        <div class="interactive-builder" data-testid="interactive-builder">
            <div class="builder-tabs" role="tablist">
                <button type="button" role="tab" data-testid="builder-buttons" aria-selected=move || (!list_mode.get()).to_string()
                    on:click=move |_| list_mode.set(false)>{t.reply_buttons}</button>
                <button type="button" role="tab" data-testid="builder-list" aria-selected=move || list_mode.get().to_string()
                    on:click=move |_| list_mode.set(true)>{t.list}</button>
            </div>
            <textarea class="builder-body" data-testid="interactive-body" aria-label=t.message_text
                placeholder=t.message_text rows="2" dir="auto"
                prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            <Show when=move || !list_mode.get() fallback=move || view! {
                <input data-testid="list-button" aria-label=t.list_button placeholder=t.list_button_placeholder
                    maxlength=MAX_BUTTON_TITLE_CHARS.to_string() dir="auto"
                    prop:value=move || list_button.get() on:input=move |ev| list_button.set(event_target_value(&ev)) />
                {row_fields}
                <button type="button" class="link-button" data-testid="add-row"
                    disabled=move || rows.with(|r| r.len() >= MAX_LIST_ROWS)
                    on:click=move |_| rows.update(|r| r.push((String::new(), String::new())))>{t.add_row}</button>
            }>
                {button_fields}
                <button type="button" class="link-button" data-testid="add-button"
                    disabled=move || buttons.with(|b| b.len() >= MAX_REPLY_BUTTONS)
                    on:click=move |_| buttons.update(|b| b.push(String::new()))>{t.add_button}</button>
            </Show>
            <div class="builder-actions">
                <span class="composer-error" data-testid="builder-problem">{move || problem().unwrap_or_default()}</span>
                <button type="button" class="link-button" on:click=move |_| on_close.run(())>{t.cancel}</button>
                <button type="button" class="link-button" data-testid="interactive-send"
                    disabled=move || problem().is_some() on:click=send>{t.send}</button>
            </div>
        </div>
    }
}
