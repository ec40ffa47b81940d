//! The composer as the server renders it: the text box, its tools, and what it says about
//! the conversation (WhatsApp's 24-hour window, who is answering). `thread::client`
//! makes it work: drafts, Enter to send, the formatting preview, files, the template
//! picker and the reply-buttons builder.

#[cfg(feature = "ssr")]
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::icons::{Icon, CLIP, LIST, SEND};
#[cfg(feature = "ssr")]
use super::render::RenderContext;
use crate::model::{text, Handoff, Lang, ReplyWindow};

#[cfg(feature = "ssr")]
/// What the file picker offers: WhatsApp's media types (the server checks the bytes).
pub const ACCEPTED_FILES: &str = "image/jpeg,image/png,image/webp,video/mp4,video/3gpp,audio/aac,audio/mp4,audio/mpeg,audio/amr,audio/ogg,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt,.csv";

/// The composer's `data-window`: `always` (no window on the channel), `open`, `closed`.
pub fn window_state(window: ReplyWindow, now_ms: i64) -> &'static str {
    match window {
        ReplyWindow::Always => "always",
        _ if window.is_open(now_ms) => "open",
        _ => "closed",
    }
}

/// The hint under the text box while someone else answers, if anyone does.
pub fn handoff_hint(lang: Lang, handoff: Handoff) -> Option<&'static str> {
    let t = text(lang);
    match handoff {
        Handoff::Human => None,
        Handoff::Waiting => Some(t.hint_waiting),
        Handoff::Bot => Some(t.hint_bot),
    }
}

#[cfg(feature = "ssr")]
#[component]
pub fn Composer(window: ReplyWindow, handoff: Handoff) -> impl IntoView {
    let context = RenderContext::get();
    let t = text(context.lang);
    let state = window_state(window, context.now_ms);
    let open = state != "closed";
    let hint = open.then(|| handoff_hint(context.lang, handoff)).flatten();
    view! {
        <footer class="composer" data-testid="composer-bar" data-window=state>
            <div class="uploads"></div>
            {(!open).then(|| view! {
                <p class="composer-note window-closed" role="status">{t.window_closed}</p>
                <div class="template-picker" data-testid="template-picker">
                    <span class="spinner" aria-label=t.loading_templates></span>
                </div>
            })}
            {hint.map(|hint| view! { <p class="composer-note" data-testid="handoff-hint">{hint}</p> })}
            <div class="composer-row">
                <input
                    type="file"
                    class="visually-hidden"
                    data-testid="attach-input"
                    multiple
                    accept=ACCEPTED_FILES
                    tabindex="-1"
                    aria-hidden="true"
                />
                <button type="button" class="composer-tool" data-testid="attach-button"
                    aria-label=t.attach_files title=t.attach_files disabled=!open>
                    <Icon d=CLIP size=20 />
                </button>
                <button type="button" class="composer-tool" data-testid="interactive-toggle"
                    aria-label=t.interactive_toggle title=t.interactive_toggle aria-pressed="false" disabled=!open>
                    <Icon d=LIST size=20 />
                </button>
                <textarea
                    data-testid="composer"
                    aria-label=t.message
                    placeholder=if open { t.type_message } else { t.free_form_closed }
                    rows="1"
                    dir="auto"
                    disabled=!open
                ></textarea>
                <button type="button" class="send-button" data-testid="send-button" aria-label=t.send disabled=true>
                    <Icon d=SEND size=20 />
                </button>
            </div>
        </footer>
    }
}
