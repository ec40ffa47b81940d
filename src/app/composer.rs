//! The composer: a text box that sends on Enter (Shift+Enter breaks the line, an IME
//! composition is never sent early), keeps a draft per conversation, previews WhatsApp
//! formatting, and says when WhatsApp's 24-hour window is closed.

use leptos::prelude::*;
use uuid::Uuid;

use super::clock::Clock;
use super::icons::{Icon, SEND};
use super::message::FormattedText;
use super::storage;
use crate::actions::MAX_TEXT_CHARS;
use crate::model::{Handoff, ReplyWindow};

fn draft_key(conversation: Uuid) -> String {
    format!("inbox-embed.draft.{conversation}")
}

/// Whether the text uses WhatsApp formatting worth previewing.
fn has_formatting(text: &str) -> bool {
    text.contains(['*', '_', '~']) || text.contains("```")
}

#[component]
pub fn Composer(
    conversation: Uuid,
    window: ReplyWindow,
    handoff: RwSignal<Handoff>,
    /// Sends a text (already trimmed, not empty).
    on_send: Callback<String>,
) -> impl IntoView {
    let clock = Clock::get();
    let draft = RwSignal::new(String::new());
    // The draft comes back after hydration (the server cannot know it).
    Effect::new(move |_| {
        if let Some(saved) = storage::get(&draft_key(conversation)) {
            draft.set(saved);
        }
    });
    let open = Memo::new(move |_| window.is_open(clock.now.get()));
    let state = move || match (window, open.get()) {
        (ReplyWindow::Always, _) => "always",
        (_, true) => "open",
        (_, false) => "closed",
    };
    let chars = move || draft.with(|d| d.chars().count());
    let too_long = move || chars() > MAX_TEXT_CHARS;
    let can_send = move || open.get() && !too_long() && draft.with(|d| !d.trim().is_empty());
    let textarea = NodeRef::<leptos::html::Textarea>::new();

    let save = move |text: &str| storage::set(&draft_key(conversation), text);
    let send = move || {
        if !can_send() {
            return;
        }
        let text = draft.get_untracked().trim().to_string();
        draft.set(String::new());
        save("");
        on_send.run(text);
        if let Some(el) = textarea.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // keyCode 229: a key the IME is still composing (Safari ends composition late).
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && ev.key_code() != 229 {
            ev.prevent_default();
            send();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        save(&text);
        draft.set(text);
    };

    view! {
        <footer class="composer" data-testid="composer-bar" data-window=state>
            {move || (!open.get()).then(|| view! {
                <p class="composer-note window-closed" role="status">
                    "The 24-hour window has closed: WhatsApp allows only approved templates until the contact writes again."
                </p>
            })}
            {move || (open.get() && handoff.get() != Handoff::Human).then(|| view! {
                <p class="composer-note" data-testid="handoff-hint">
                    {if handoff.get() == Handoff::Waiting { "The contact is waiting for an agent. Take over to answer." } else { "The assistant is answering. Take over before you reply." }}
                </p>
            })}
            {move || (open.get() && has_formatting(&draft.get())).then(|| view! {
                <div class="composer-preview" aria-label="Preview" data-testid="composer-preview">
                    <FormattedText text=draft.get() />
                </div>
            })}
            <div class="composer-row">
                <textarea
                    node_ref=textarea
                    data-testid="composer"
                    aria-label="Message"
                    placeholder=move || if open.get() { "Type a message" } else { "Free-form messages are closed" }
                    rows="1"
                    dir="auto"
                    prop:value=move || draft.get()
                    prop:disabled=move || !open.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <button
                    type="button"
                    class="send-button"
                    data-testid="send-button"
                    aria-label="Send"
                    prop:disabled=move || !can_send()
                    on:click=move |_| send()
                >
                    <Icon d=SEND size=20 />
                </button>
            </div>
            {move || too_long().then(|| view! {
                <p class="composer-note composer-error" role="alert">
                    {format!("{} of {MAX_TEXT_CHARS} characters: shorten the message to send it.", chars())}
                </p>
            })}
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::has_formatting;

    #[test]
    fn formatting_is_noticed() {
        assert!(has_formatting("*bold*"));
        assert!(has_formatting("```code```"));
        assert!(!has_formatting("plain text, 100%"));
    }
}
