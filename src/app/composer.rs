//! The composer: a text box that sends on Enter (Shift+Enter breaks the line, an IME
//! composition is never sent early), keeps a draft per conversation, previews WhatsApp
//! formatting, and says when WhatsApp's 24-hour window is closed.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::clock::Clock;
use super::embed::EmbedContext;
use super::i18n::{error_text, use_lang};
use super::icons::{Icon, CLIP, LIST, SEND, TEMPLATE};
use super::message::FormattedText;
use super::storage;
use crate::actions::{
    conversation_templates, send_interactive, send_message, send_template, EmbedError,
    MAX_INTERACTIVE_BODY_CHARS, MAX_TEXT_CHARS,
};
use crate::model::{
    text, Catalogue, Direction, Handoff, Interactive, Lang, ListRow, ListSection, Message,
    MessageKind, MessageStatus, ReplyButton, ReplyWindow, Sender, SenderType, Template,
    TemplateRef, MAX_BUTTON_TITLE_CHARS, MAX_LIST_ROWS, MAX_LIST_ROW_TITLE_CHARS,
    MAX_REPLY_BUTTONS,
};

/// What the agent sends from the composer.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Text(String),
    Interactive {
        body: String,
        interactive: Interactive,
    },
    Template {
        template: Template,
        parameters: Vec<String>,
    },
}

impl Outgoing {
    /// The message as it shows while the server stores it.
    pub fn pending(
        &self,
        conversation_id: Uuid,
        client_id: &str,
        at: DateTime<Utc>,
        sender_name: &str,
    ) -> Message {
        let mut buttons = None;
        let (kind, content, template) = match self {
            Self::Text(text) => (MessageKind::Text, text.clone(), None),
            Self::Interactive { body, interactive } => {
                buttons = Some(interactive.clone());
                (MessageKind::Interactive, body.clone(), None)
            }
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
            interactive: buttons,
            location: None,
            template,
            sender: Sender {
                sender_type: SenderType::Agent,
                name: sender_name.to_string(),
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
            Self::Interactive { body, interactive } => {
                send_interactive(token, conversation_id, body, interactive, client_id).await
            }
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
    /// WhatsApp's 24-hour window; it opens when the contact writes.
    #[prop(into)]
    window: Signal<ReplyWindow>,
    handoff: RwSignal<Handoff>,
    /// Sends a text (already trimmed, not empty) or a template.
    on_send: Callback<Outgoing>,
    /// A file the server stored as a message.
    on_uploaded: Callback<Message>,
) -> impl IntoView {
    let clock = Clock::get();
    let lang = use_lang();
    let t = text(lang);
    let draft = RwSignal::new(String::new());
    // The draft comes back after hydration (the server cannot know it).
    Effect::new(move |_| {
        if let Some(saved) = storage::get(&draft_key(conversation)) {
            draft.set(saved);
        }
    });
    let open = Memo::new(move |_| window.get().is_open(clock.now.get()));
    let state = move || match (window.get(), open.get()) {
        (ReplyWindow::Always, _) => "always",
        (_, true) => "open",
        (_, false) => "closed",
    };
    let chars = move || draft.with(|d| d.chars().count());
    let too_long = move || chars() > MAX_TEXT_CHARS;
    let can_send = move || open.get() && !too_long() && draft.with(|d| !d.trim().is_empty());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let building = RwSignal::new(false);
    let uploads = Uploads::new(conversation, on_uploaded, lang);
    let file_input = NodeRef::<leptos::html::Input>::new();
    // Files picked, pasted or dropped go out with the draft as their caption.
    let take_caption = move || {
        let caption = draft.get_untracked().trim().to_string();
        draft.set(String::new());
        storage::set(&draft_key(conversation), "");
        caption
    };

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
    #[cfg(not(feature = "hydrate"))]
    let _ = take_caption;
    let on_pick = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = file_input.get_untracked() {
            if let Some(files) = input.files() {
                uploads.send_all(&files, take_caption());
            }
            input.set_value("");
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.clipboard_data().and_then(|d| d.files()) {
            if files.length() > 0 && open.get_untracked() {
                ev.prevent_default();
                uploads.send_all(&files, take_caption());
            }
        }
        let _ = &ev;
    };
    let dragging = RwSignal::new(false);
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if open.get_untracked() {
            ev.prevent_default();
            dragging.set(true);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        dragging.set(false);
        // Dropped text goes into the box as the browser places it; files are sent.
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            if files.length() > 0 && open.get_untracked() {
                ev.prevent_default();
                uploads.send_all(&files, take_caption());
            }
        }
        let _ = &ev;
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        save(&text);
        draft.set(text);
    };

    view! {
        <footer class="composer" class:dragging=move || dragging.get() data-testid="composer-bar" data-window=state
            on:dragover=on_dragover on:dragleave=move |_| dragging.set(false) on:drop=on_drop>
            {uploads.view()}
            {move || (!open.get()).then(|| view! {
                <p class="composer-note window-closed" role="status">{t.window_closed}</p>
                <TemplatePicker conversation on_send />
            })}
            {move || (open.get() && handoff.get() != Handoff::Human).then(|| view! {
                <p class="composer-note" data-testid="handoff-hint">
                    {if handoff.get() == Handoff::Waiting { t.hint_waiting } else { t.hint_bot }}
                </p>
            })}
            {move || (open.get() && has_formatting(&draft.get())).then(|| view! {
                <div class="composer-preview" aria-label=t.preview data-testid="composer-preview">
                    <FormattedText text=draft.get() />
                </div>
            })}
            {move || (open.get() && building.get()).then(|| view! {
                <InteractiveBuilder on_send on_close=Callback::new(move |()| building.set(false)) />
            })}
            <div class="composer-row">
                <input
                    node_ref=file_input
                    type="file"
                    class="visually-hidden"
                    data-testid="attach-input"
                    multiple
                    accept=ACCEPTED_FILES
                    on:change=on_pick
                    tabindex="-1"
                    aria-hidden="true"
                />
                <button
                    type="button"
                    class="composer-tool"
                    data-testid="attach-button"
                    aria-label=t.attach_files
                    title=t.attach_files
                    disabled=move || !open.get()
                    on:click=move |_| {
                        if let Some(input) = file_input.get_untracked() {
                            input.click();
                        }
                    }
                >
                    <Icon d=CLIP size=20 />
                </button>
                <button
                    type="button"
                    class="composer-tool"
                    class:active=move || building.get()
                    data-testid="interactive-toggle"
                    aria-label=t.interactive_toggle
                    title=t.interactive_toggle
                    aria-pressed=move || building.get().to_string()
                    disabled=move || !open.get()
                    on:click=move |_| building.update(|b| *b = !*b)
                >
                    <Icon d=LIST size=20 />
                </button>
                <textarea
                    node_ref=textarea
                    data-testid="composer"
                    aria-label=t.message
                    placeholder=move || if open.get() { t.type_message } else { t.free_form_closed }
                    rows="1"
                    dir="auto"
                    prop:value=move || draft.get()
                    disabled=move || !open.get()
                    on:input=on_input
                    on:keydown=on_keydown
                    on:paste=on_paste
                ></textarea>
                <button
                    type="button"
                    class="send-button"
                    data-testid="send-button"
                    aria-label=t.send
                    disabled=move || !can_send()
                    on:click=move |_| send()
                >
                    <Icon d=SEND size=20 />
                </button>
            </div>
            {move || too_long().then(|| view! {
                <p class="composer-note composer-error" role="alert">
                    {(t.text_too_long)(chars(), MAX_TEXT_CHARS)}
                </p>
            })}
        </footer>
    }
}

/// What the file picker offers: WhatsApp's media types (the server checks the bytes).
const ACCEPTED_FILES: &str = "image/jpeg,image/png,image/webp,video/mp4,video/3gpp,audio/aac,audio/mp4,audio/mpeg,audio/amr,audio/ogg,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt,.csv";

/// A file on its way to the server.
#[derive(Debug, Clone, PartialEq)]
struct Upload {
    client_id: String,
    filename: String,
    caption: String,
    /// 0.0 to 1.0.
    progress: f64,
    error: Option<String>,
}

/// The uploads of one conversation: progress while they go, the reason and a retry when
/// one fails. The stored message goes to the thread.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Uploads {
    conversation: Uuid,
    list: RwSignal<Vec<Upload>>,
    /// The picked files, for a retry (browser objects stay on this thread).
    #[cfg(feature = "hydrate")]
    files: StoredValue<std::collections::HashMap<String, leptos::web_sys::File>, LocalStorage>,
    on_uploaded: Callback<Message>,
    lang: Lang,
}

impl Uploads {
    fn new(conversation: Uuid, on_uploaded: Callback<Message>, lang: Lang) -> Self {
        Self {
            conversation,
            list: RwSignal::new(Vec::new()),
            #[cfg(feature = "hydrate")]
            files: StoredValue::new_local(Default::default()),
            on_uploaded,
            lang,
        }
    }

    #[cfg(feature = "hydrate")]
    fn send_all(self, files: &leptos::web_sys::FileList, caption: String) {
        // The caption goes with the first file, as in WhatsApp.
        let mut caption = Some(caption);
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                let client_id = Uuid::new_v4().to_string();
                self.files.update_value(|f| {
                    f.insert(client_id.clone(), file.clone());
                });
                self.list.update(|l| {
                    l.push(Upload {
                        client_id: client_id.clone(),
                        filename: file.name(),
                        caption: caption.take().unwrap_or_default(),
                        progress: 0.0,
                        error: None,
                    })
                });
                self.start(client_id);
            }
        }
    }

    /// Sends (or sends again) one upload; the server stores it once per client id.
    #[cfg(feature = "hydrate")]
    fn start(self, client_id: String) {
        use leptos::wasm_bindgen::closure::Closure;
        use leptos::wasm_bindgen::JsCast;
        let Some(file) = self.files.with_value(|f| f.get(&client_id).cloned()) else {
            return;
        };
        let Some(upload) = self
            .list
            .with_untracked(|l| l.iter().find(|u| u.client_id == client_id).cloned())
        else {
            return;
        };
        let set = move |client_id: &str, change: &dyn Fn(&mut Upload)| {
            self.list.update(|l| {
                if let Some(u) = l.iter_mut().find(|u| u.client_id == client_id) {
                    change(u);
                }
            });
        };
        set(&client_id, &|u| {
            u.error = None;
            u.progress = 0.0;
        });
        let token = EmbedContext::get().token;
        let (lang, t) = (self.lang, text(self.lang));
        let encode = |v: &str| String::from(js_sys::encode_uri_component(v));
        let url = format!(
            "/embed/{token}/conversations/{}/media?client_id={}&filename={}&caption={}",
            self.conversation,
            encode(&client_id),
            encode(&upload.filename),
            encode(&upload.caption),
        );
        let Ok(xhr) = leptos::web_sys::XmlHttpRequest::new() else {
            set(&client_id, &|u| u.error = Some(t.upload_unsupported.into()));
            return;
        };
        if xhr.open("POST", &url).is_err() {
            set(&client_id, &|u| u.error = Some(t.upload_not_started.into()));
            return;
        }
        if let Ok(progress_target) = xhr.upload() {
            let cid = client_id.clone();
            let on_progress = Closure::<dyn FnMut(leptos::web_sys::ProgressEvent)>::new(
                move |e: leptos::web_sys::ProgressEvent| {
                    if e.length_computable() && e.total() > 0.0 {
                        let done = e.loaded() / e.total();
                        set(&cid, &|u| u.progress = done);
                    }
                },
            );
            progress_target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let finished = {
            let xhr = xhr.clone();
            let cid = client_id.clone();
            Closure::<dyn FnMut()>::new(move || {
                let status = xhr.status().unwrap_or(0);
                let body = xhr.response_text().ok().flatten().unwrap_or_default();
                if (200..300).contains(&status) {
                    match serde_json::from_str::<Message>(&body) {
                        Ok(message) => {
                            self.list.update(|l| l.retain(|u| u.client_id != cid));
                            self.files.update_value(|f| {
                                f.remove(&cid);
                            });
                            self.on_uploaded.run(message);
                        }
                        Err(_) => set(&cid, &|u| u.error = Some(t.upload_unreadable_answer.into())),
                    }
                } else {
                    let reason = match serde_json::from_str::<EmbedError>(&body) {
                        Ok(e) => error_text(lang, &e),
                        Err(_) if status == 0 => t.upload_connection_lost.to_string(),
                        Err(_) => (t.upload_server_answered)(status),
                    };
                    set(&cid, &|u| u.error = Some(reason.clone()));
                }
            })
        };
        xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
        finished.forget();
        if xhr.send_with_opt_blob(Some(&file)).is_err() {
            set(&client_id, &|u| u.error = Some(t.upload_not_started.into()));
        }
    }

    fn view(self) -> impl IntoView {
        let t = text(self.lang);
        let retry = move |client_id: String| {
            #[cfg(feature = "hydrate")]
            self.start(client_id);
            #[cfg(not(feature = "hydrate"))]
            let _ = client_id;
        };
        let dismiss = move |client_id: String| {
            self.list.update(|l| l.retain(|u| u.client_id != client_id));
        };
        view! {
            <For each=move || self.list.get() key=|u| (u.client_id.clone(), u.error.clone(), (u.progress * 100.0) as u32) let:upload>
                {
                    let (retry_id, dismiss_id) = (upload.client_id.clone(), upload.client_id.clone());
                    let percent = (upload.progress * 100.0).round() as u32;
                    view! {
                        <div class="upload" data-testid="upload" data-state=if upload.error.is_some() { "failed" } else { "sending" }>
                            <span class="upload-name" dir="auto">{upload.filename.clone()}</span>
                            {match upload.error.clone() {
                                None => view! {
                                    <progress data-testid="upload-progress" max="100" value=percent.to_string()>{format!("{percent}%")}</progress>
                                }.into_any(),
                                Some(reason) => view! {
                                    <span class="send-failed" role="alert">{reason}</span>
                                    <button type="button" class="link-button" data-testid="retry-upload" on:click=move |_| retry(retry_id.clone())>{t.retry}</button>
                                    <button type="button" class="link-button" on:click=move |_| dismiss(dismiss_id.clone())>{t.dismiss}</button>
                                }.into_any(),
                            }}
                        </div>
                    }
                }
            </For>
        }
    }
}

/// Reply buttons (1–3) or a list (up to 10 rows) with their text, checked against
/// WhatsApp's limits as they are typed (the server checks them again).
#[component]
fn InteractiveBuilder(on_send: Callback<Outgoing>, on_close: Callback<()>) -> impl IntoView {
    let t = text(use_lang());
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

/// Approved templates with their parameters filled in: what may be sent outside the window.
#[component]
fn TemplatePicker(conversation: Uuid, on_send: Callback<Outgoing>) -> impl IntoView {
    let token = EmbedContext::get().token;
    let lang = use_lang();
    let t = text(lang);
    // Fetched in the browser once the picker shows: a resource here would hold up the
    // server's rendering of the whole thread, which cannot load it.
    let templates = RwSignal::new(None::<Result<Vec<Template>, EmbedError>>);
    Effect::new(move |_| {
        let token = token.clone();
        leptos::task::spawn_local(async move {
            templates.set(Some(conversation_templates(token, conversation).await));
        });
    });
    let chosen = RwSignal::new(None::<Template>);
    let parameters = RwSignal::new(Vec::<String>::new());
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let template = templates
            .get_untracked()
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
            // Loaded in the browser only: nothing to wait for in the server's HTML.
            {move || match templates.get() {
                None => view! { <span class="spinner" aria-label=t.loading_templates></span> }.into_any(),
                Some(Err(e)) => view! { <p class="composer-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="composer-note" data-testid="no-templates">{t.no_templates}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <label class="template-choice">
                        <Icon d=TEMPLATE size=16 />
                        <select data-testid="template-select" aria-label=t.template on:change=choose>
                            <option value="" selected=move || chosen.with(Option::is_none)>{t.choose_template}</option>
                            {list.into_iter().map(|t| {
                                let id = t.id.to_string();
                                let label = format!("{} ({})", t.name, t.language);
                                view! { <option value=id>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any(),
            }}
            {move || chosen.get().map(|template| {
                let fields = (0..template.parameter_count()).map(|i| view! {
                    <input
                        class="template-param"
                        data-testid="template-param"
                        placeholder=format!("{{{{{}}}}}", i + 1)
                        aria-label=(t.parameter_n)(i + 1)
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
                        disabled=move || !ready() on:click=send>
                        {t.send_template}
                    </button>
                }
            })}
        </div>
    }
}

/// What keeps reply buttons or a list from being sent, in the UI's words: WhatsApp's
/// limits as `Interactive::validate` checks them (the server checks them again).
fn interactive_problem(t: &Catalogue, interactive: &Interactive) -> Option<String> {
    let title = |what: &str, title: &str, max: usize| {
        let chars = title.trim().chars().count();
        if chars == 0 {
            Some((t.title_empty)(what))
        } else if chars > max {
            Some((t.title_too_long)(what, title, chars, max))
        } else {
            None
        }
    };
    let problem = match interactive {
        Interactive::Button { buttons, .. } => {
            if buttons.is_empty() || buttons.len() > MAX_REPLY_BUTTONS {
                Some((t.buttons_count)(MAX_REPLY_BUTTONS, buttons.len()))
            } else {
                buttons
                    .iter()
                    .find_map(|b| title(t.what_button_title, &b.title, MAX_BUTTON_TITLE_CHARS))
            }
        }
        Interactive::List {
            button, sections, ..
        } => {
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            title(t.what_list_button, button, MAX_BUTTON_TITLE_CHARS).or_else(|| {
                if rows == 0 || rows > MAX_LIST_ROWS {
                    Some((t.rows_count)(MAX_LIST_ROWS, rows))
                } else {
                    sections.iter().flat_map(|s| &s.rows).find_map(|row| {
                        title(t.what_row_title, &row.title, MAX_LIST_ROW_TITLE_CHARS)
                    })
                }
            })
        }
        Interactive::ButtonReply { .. } | Interactive::ListReply { .. } => None,
    };
    // Whatever else the model refuses, in its own words.
    problem.or_else(|| interactive.validate().err())
}

#[cfg(test)]
mod tests {
    use super::{has_formatting, interactive_problem};
    use crate::model::{i18n, Interactive, ListRow, ListSection, ReplyButton};

    fn buttons(titles: &[&str]) -> Interactive {
        Interactive::Button {
            header: None,
            footer: None,
            buttons: titles
                .iter()
                .map(|t| ReplyButton {
                    id: t.to_string(),
                    title: t.to_string(),
                })
                .collect(),
        }
    }

    fn list(button: &str, rows: &[&str]) -> Interactive {
        Interactive::List {
            header: None,
            footer: None,
            button: button.into(),
            sections: vec![ListSection {
                title: None,
                rows: rows
                    .iter()
                    .map(|t| ListRow {
                        id: t.to_string(),
                        title: t.to_string(),
                        description: None,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn english_problems_are_the_models() {
        for interactive in [
            buttons(&[]),
            buttons(&["a", "b", "c", "d"]),
            buttons(&["ok", " "]),
            buttons(&["a title far longer than twenty"]),
            buttons(&["fine"]),
            list("", &["a"]),
            list("Options", &[]),
            list("Options", &["a", ""]),
            list("Options", &["a row title longer than twenty-four"]),
            list("Options", &["fine"]),
        ] {
            assert_eq!(
                interactive_problem(&i18n::EN, &interactive),
                interactive.validate().err()
            );
        }
    }

    #[test]
    fn spanish_problems() {
        assert_eq!(
            interactive_problem(&i18n::ES, &buttons(&["ok", " "])).as_deref(),
            Some("El título del botón no puede estar vacío.")
        );
        assert_eq!(
            interactive_problem(&i18n::ES, &list("Opciones", &[])).as_deref(),
            Some("Se permiten entre 1 y 10 filas en la lista; no hay ninguna.")
        );
        assert_eq!(
            interactive_problem(&i18n::ES, &list("Opciones", &["Sí"])),
            None
        );
    }

    #[test]
    fn formatting_is_noticed() {
        assert!(has_formatting("*bold*"));
        assert!(has_formatting("```code```"));
        assert!(!has_formatting("plain text, 100%"));
    }
}
