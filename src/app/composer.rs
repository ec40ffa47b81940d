//! The composer: a text box that sends on Enter (Shift+Enter breaks the line, an IME
//! composition is never sent early), keeps a draft per conversation, previews WhatsApp
//! formatting, and says when WhatsApp's 24-hour window is closed.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::clock::Clock;
use super::embed::EmbedContext;
use super::icons::{Icon, SEND, TEMPLATE};
use super::message::FormattedText;
use super::storage;
use crate::actions::{
    conversation_templates, send_message, send_template, EmbedError, MAX_TEXT_CHARS,
};
use crate::model::{
    Direction, Handoff, Message, MessageKind, MessageStatus, ReplyWindow, Sender, SenderType,
    Template, TemplateRef,
};

/// What the agent sends from the composer.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Text(String),
    Template {
        template: Template,
        parameters: Vec<String>,
    },
}

impl Outgoing {
    /// The message as it shows while the server stores it.
    pub fn pending(&self, conversation_id: Uuid, client_id: &str, at: DateTime<Utc>) -> Message {
        let (kind, content, template) = match self {
            Self::Text(text) => (MessageKind::Text, text.clone(), None),
            Self::Template {
                template,
                parameters,
            } => (
                MessageKind::Template,
                template.render(parameters),
                Some(TemplateRef {
                    name: template.name.clone(),
                    language: Some(template.language.clone()),
                    parameters: parameters.clone(),
                }),
            ),
        };
        Message {
            id: Uuid::new_v4(),
            conversation_id,
            direction: Direction::Outgoing,
            kind,
            content,
            media: None,
            interactive: None,
            location: None,
            template,
            sender: Sender {
                sender_type: SenderType::Agent,
                name: "Agent".into(),
                external_id: None,
            },
            status: MessageStatus::Pending,
            client_id: Some(client_id.to_string()),
            error: None,
            created_at: at,
        }
    }

    /// Sends it; the same `client_id` again returns the first copy.
    pub async fn send(
        self,
        token: String,
        conversation_id: Uuid,
        client_id: String,
    ) -> Result<Message, EmbedError> {
        match self {
            Self::Text(text) => send_message(token, conversation_id, text, client_id).await,
            Self::Template {
                template,
                parameters,
            } => send_template(token, conversation_id, template.id, parameters, client_id).await,
        }
    }
}

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
    /// Sends a text (already trimmed, not empty) or a template.
    on_send: Callback<Outgoing>,
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
        on_send.run(Outgoing::Text(text));
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
                <TemplatePicker conversation on_send />
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

/// Approved templates with their parameters filled in: what may be sent outside the window.
#[component]
fn TemplatePicker(conversation: Uuid, on_send: Callback<Outgoing>) -> impl IntoView {
    let token = EmbedContext::get().token;
    let templates = LocalResource::new(move || conversation_templates(token.clone(), conversation));
    let chosen = RwSignal::new(None::<Template>);
    let parameters = RwSignal::new(Vec::<String>::new());
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let template = templates
            .get()
            .and_then(|r| r.ok())
            .and_then(|list| list.into_iter().find(|t| t.id.to_string() == id));
        parameters.set(vec![
            String::new();
            template.as_ref().map_or(0, Template::parameter_count)
        ]);
        chosen.set(template);
    };
    let ready = move || {
        chosen.with(Option::is_some) && parameters.with(|p| p.iter().all(|v| !v.trim().is_empty()))
    };
    let send = move |_| {
        let Some(template) = chosen.get_untracked() else {
            return;
        };
        if !ready() {
            return;
        }
        let parameters = parameters
            .get_untracked()
            .iter()
            .map(|p| p.trim().to_string())
            .collect();
        on_send.run(Outgoing::Template {
            template,
            parameters,
        });
        chosen.set(None);
    };
    view! {
        <div class="template-picker" data-testid="template-picker">
            <Suspense fallback=|| view! { <span class="spinner" aria-label="Loading templates"></span> }>
                {move || Suspend::new(async move {
                    match templates.await {
                        Err(e) => view! { <p class="composer-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="composer-note" data-testid="no-templates">"This inbox has no approved templates."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <label class="template-choice">
                                <Icon d=TEMPLATE size=16 />
                                <select data-testid="template-select" aria-label="Template" on:change=choose>
                                    <option value="" selected=move || chosen.with(Option::is_none)>"Choose a template…"</option>
                                    {list.into_iter().map(|t| {
                                        let id = t.id.to_string();
                                        let label = format!("{} ({})", t.name, t.language);
                                        view! { <option value=id>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        }.into_any(),
                    }
                })}
            </Suspense>
            {move || chosen.get().map(|template| {
                let fields = (0..template.parameter_count()).map(|i| view! {
                    <input
                        class="template-param"
                        data-testid="template-param"
                        placeholder=format!("{{{{{}}}}}", i + 1)
                        aria-label=format!("Parameter {}", i + 1)
                        dir="auto"
                        prop:value=move || parameters.with(|p| p.get(i).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            parameters.update(|p| if let Some(slot) = p.get_mut(i) { *slot = value });
                        }
                    />
                }).collect_view();
                let preview = {
                    let template = template.clone();
                    move || template.render(&parameters.get())
                };
                view! {
                    <div class="template-fields">{fields}</div>
                    <div class="composer-preview" data-testid="template-preview">
                        {move || view! { <FormattedText text=preview() /> }}
                    </div>
                    <button type="button" class="link-button" data-testid="template-send"
                        prop:disabled=move || !ready() on:click=send>
                        "Send template"
                    </button>
                }
            })}
        </div>
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
