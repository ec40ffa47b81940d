//! The embed UI's languages and every text it shows, in one catalogue per language.
//!
//! A [`Catalogue`] is a struct, so a text missing from one language is a compile error.
//! Plain texts are `&'static str`; texts with values in them are functions, which also
//! carry each language's plural forms. To add a text: add a field to `Catalogue`, then its
//! value to [`EN`] and [`ES`]; read it through `text(lang).field` (in the UI, through the
//! language the page provides). Compiles for both targets.

use serde::{Deserialize, Serialize};

use super::MessageKind;

/// The languages the UI speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The language of a BCP-47-ish tag (`es`, `es-ES`, `ES_mx`); English for anything
    /// the UI does not speak.
    pub fn from_tag(tag: &str) -> Lang {
        Self::parse(tag).unwrap_or_default()
    }

    /// The language of a tag whose primary subtag the UI speaks; `None` otherwise.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("es") {
            Some(Lang::Es)
        } else {
            None
        }
    }

    /// The primary tag: `en`, `es`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The page's language: `?lang=` when it names one the UI speaks, else the token's.
    pub fn choose(query: Option<Lang>, token_language: &str) -> Lang {
        query.unwrap_or_else(|| Lang::from_tag(token_language))
    }

    /// The `<html lang>` for this language: the token's own tag (`es-ES`) when it is this
    /// language, so a regional tag is kept; else the primary tag.
    pub fn html_tag(self, token_language: &str) -> String {
        if Lang::parse(token_language) == Some(self) {
            token_language.trim().to_string()
        } else {
            self.tag().to_string()
        }
    }
}

/// `?lang=`: a language the UI speaks; anything else means none (the token's stands).
pub fn lang_from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Lang> {
    get("lang").and_then(Lang::parse)
}

/// The catalogue of one language.
pub fn text(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

/// Every text of the UI in one language.
pub struct Catalogue {
    // Static pages.
    pub home_text: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,

    // The page and the token's errors.
    pub conversations: &'static str,
    pub select_conversation: &'static str,
    pub select_conversation_hint: &'static str,
    pub expired_title: &'static str,
    pub expired_detail: &'static str,
    pub revoked_title: &'static str,
    pub revoked_detail: &'static str,
    pub invalid_title: &'static str,
    pub invalid_detail: &'static str,
    pub origin_title: &'static str,
    pub origin_detail: &'static str,
    pub rate_limited_title: &'static str,
    pub too_large_title: &'static str,
    pub rate_limited_detail: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_detail: &'static str,

    // What the server said went wrong (`EmbedError`).
    pub error_invalid_token: &'static str,
    pub error_expired_token: &'static str,
    pub error_revoked_token: &'static str,
    pub error_not_found: &'static str,
    pub error_foreign_origin: &'static str,
    /// Seconds to wait.
    pub error_too_many_attempts: fn(u64) -> String,
    pub error_too_large: &'static str,
    /// The server's reason (its own words).
    pub error_rejected: fn(&str) -> String,
    pub reason_no_client_id: &'static str,
    pub reason_window_closed: &'static str,
    pub reason_file_window_closed: &'static str,
    pub reason_empty_text: &'static str,
    pub reason_text_too_long: fn(usize) -> String,
    pub reason_interactive_no_body: &'static str,
    pub reason_interactive_body_too_long: fn(usize) -> String,
    pub reason_not_interactive: &'static str,
    pub reason_name_length: fn(usize) -> String,
    pub reason_template_not_approved: fn(&str, &str) -> String,
    pub reason_template_parameters: fn(&str, usize) -> String,
    pub reason_parameter_too_long: &'static str,
    pub reason_caption_too_long: fn(usize) -> String,
    pub reason_file_empty: &'static str,
    pub reason_file_too_large: fn(usize) -> String,
    pub reason_file_type: fn(&str) -> String,
    pub reason_kind_too_large: fn(&str, &str, usize) -> String,
    pub reason_not_an_agent: &'static str,
    /// The server's detail (its own words).
    pub error_unavailable: fn(&str) -> String,

    // The list and its filters.
    pub loading_conversations: &'static str,
    pub loading_more: &'static str,
    pub load_more: &'static str,
    pub no_matches: &'static str,
    pub clear_filters: &'static str,
    pub tabs: &'static str,
    pub tab_all: &'static str,
    pub tab_mine: &'static str,
    pub tab_new: &'static str,
    pub tab_watched: &'static str,
    pub empty_mine: &'static str,
    pub empty_new: &'static str,
    pub empty_watched: &'static str,
    pub watch: &'static str,
    pub unwatch: &'static str,
    pub watch_title: &'static str,
    pub unwatch_title: &'static str,
    pub signed_in_as: fn(&str) -> String,
    pub no_conversations: &'static str,
    pub waiting_for_an_agent: &'static str,
    pub waiting_badge: &'static str,
    pub agent_took_over: &'static str,
    pub unread_count: fn(i64) -> String,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub status: &'static str,
    pub status_active: &'static str,
    pub status_ended: &'static str,
    pub status_all: &'static str,
    pub filter_unread: &'static str,
    pub filter_waiting: &'static str,
    pub inbox: &'static str,
    pub all_inboxes: &'static str,
    pub channel_email: &'static str,
    pub channel_web_chat: &'static str,

    // The last message in a list row, when it has no text of its own.
    pub preview_photo: &'static str,
    pub preview_video: &'static str,
    pub preview_audio: &'static str,
    pub preview_location: &'static str,
    pub preview_interactive: &'static str,
    /// The template's name.
    pub preview_template: fn(&str) -> String,
    pub preview_template_message: &'static str,

    // The live connection: the indicator's label, and its tooltip.
    pub live_connecting: &'static str,
    pub live_live: &'static str,
    pub live_reconnecting: &'static str,
    pub live_offline: &'static str,
    pub live_ended: &'static str,
    pub live_connecting_title: &'static str,
    pub live_live_title: &'static str,
    pub live_reconnecting_title: &'static str,
    pub live_offline_title: &'static str,
    pub live_ended_title: &'static str,

    // The theme select.
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,

    // The thread.
    pub conversation_not_found: &'static str,
    pub conversation_not_found_detail: &'static str,
    pub cannot_open_conversation: &'static str,
    pub back_to_conversations: &'static str,
    pub loading_older: &'static str,
    pub older_hint: &'static str,
    pub thread_start: &'static str,
    /// Why it was not sent.
    pub not_sent: fn(&str) -> String,
    pub retry: &'static str,
    pub reassigned: &'static str,
    pub back_to_your_conversations: &'static str,
    pub ended_badge: &'static str,
    pub handoff_bot: &'static str,
    pub handoff_waiting: &'static str,
    pub handoff_human: &'static str,
    pub take_over: &'static str,
    pub return_to_bot: &'static str,
    pub edit_contact_name: &'static str,
    pub edit_name: &'static str,
    pub contact_name: &'static str,

    // Delivery ticks.
    pub tick_sending: &'static str,
    pub tick_sent: &'static str,
    pub tick_delivered: &'static str,
    pub tick_read: &'static str,
    pub tick_not_delivered: &'static str,

    // Days and dates.
    pub today: &'static str,
    pub yesterday: &'static str,
    /// Monday first, as labels on their own.
    pub weekdays: [&'static str; 7],
    /// January first, as they read inside a date.
    pub months: [&'static str; 12],
    pub months_short: [&'static str; 12],
    /// Day, short month name, year if not this year: the list's dates.
    pub date_short: fn(u32, &str, Option<i32>) -> String,
    /// Day, month name, year if not this year: the thread's day separators.
    pub date_long: fn(u32, &str, Option<i32>) -> String,

    // Messages.
    pub image: &'static str,
    pub document: &'static str,
    pub shared_location: &'static str,
    pub template_fallback_name: &'static str,
    /// The template's name.
    pub template_tag: fn(&str) -> String,
    /// A message of this kind the inbox cannot show.
    pub unsupported_message: fn(MessageKind) -> String,

    // The composer.
    /// The sender of a message while it is being sent.
    pub agent: &'static str,
    pub window_closed: &'static str,
    pub hint_waiting: &'static str,
    pub hint_bot: &'static str,
    pub preview: &'static str,
    pub attach_files: &'static str,
    pub interactive_toggle: &'static str,
    pub message: &'static str,
    pub type_message: &'static str,
    pub free_form_closed: &'static str,
    pub send: &'static str,
    /// Characters typed, the most allowed.
    pub text_too_long: fn(usize, usize) -> String,

    // Uploads.
    pub upload_unsupported: &'static str,
    pub upload_not_started: &'static str,
    pub upload_unreadable_answer: &'static str,
    pub upload_connection_lost: &'static str,
    /// The HTTP status.
    pub upload_server_answered: fn(u16) -> String,
    pub dismiss: &'static str,

    // Reply buttons and lists.
    pub default_list_button: &'static str,
    pub write_message_text: &'static str,
    /// The most characters allowed.
    pub body_too_long: fn(usize) -> String,
    /// 1-based.
    pub button_n: fn(usize) -> String,
    pub remove_button: &'static str,
    pub row_title_n: fn(usize) -> String,
    pub row_n: fn(usize) -> String,
    pub row_description_n: fn(usize) -> String,
    pub description_optional: &'static str,
    pub remove_row: &'static str,
    pub reply_buttons: &'static str,
    pub list: &'static str,
    pub message_text: &'static str,
    pub list_button: &'static str,
    pub list_button_placeholder: &'static str,
    pub add_row: &'static str,
    pub add_button: &'static str,
    pub cancel: &'static str,
    /// The most allowed, how many there are.
    pub buttons_count: fn(usize, usize) -> String,
    pub rows_count: fn(usize, usize) -> String,
    /// What a title belongs to, as `title_empty` and `title_too_long` begin.
    pub what_button_title: &'static str,
    pub what_list_button: &'static str,
    pub what_row_title: &'static str,
    /// What (one of the above).
    pub title_empty: fn(&str) -> String,
    /// What, the title, its characters, the most allowed.
    pub title_too_long: fn(&str, &str, usize, usize) -> String,

    // Templates.
    pub loading_templates: &'static str,
    pub no_templates: &'static str,
    pub template: &'static str,
    pub choose_template: &'static str,
    pub parameter_n: fn(usize) -> String,
    pub send_template: &'static str,
}

/// `one` for 1, else `many`.
fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub static EN: Catalogue = Catalogue {
    home_text: "This server hosts embeddable support inboxes. Open an embed link that your app gave you.",
    not_found: "Not found",
    not_found_text: "There is nothing at this address.",

    conversations: "Conversations",
    select_conversation: "Select a conversation",
    select_conversation_hint: "Pick a conversation on the left to read it.",
    expired_title: "This link has expired",
    expired_detail: "Embed links are valid for a limited time. Reload the page in your app to get a new one.",
    revoked_title: "This link has been revoked",
    revoked_detail: "Its owner turned this link off. Ask the app that showed you this inbox for a new one.",
    invalid_title: "This link is invalid",
    invalid_detail: "Check that the whole link was copied, or ask the app that showed you this inbox for a new one.",
    origin_title: "Not available here",
    origin_detail: "This inbox may only be opened inside the apps its owner allowed.",
    rate_limited_title: "Too many attempts",
    too_large_title: "Request too large",
    rate_limited_detail: "Too many invalid links were tried from this network. Wait a minute and reload.",
    unavailable_title: "The inbox is unavailable",
    unavailable_detail: "Something went wrong on our side. Please try again in a moment.",

    error_invalid_token: "This link is not valid.",
    error_expired_token: "This link has expired.",
    error_revoked_token: "This link has been revoked.",
    error_not_found: "This conversation does not exist or is not in this inbox.",
    error_foreign_origin: "This inbox cannot be opened from this site.",
    error_too_many_attempts: |s| {
        format!(
            "Too many failed attempts from this network. Try again in {s} {}.",
            plural(s, "second", "seconds")
        )
    },
    error_too_large: "The request was too large.",
    error_rejected: |reason| reason.to_string(),
    reason_no_client_id: "The message has no valid client id.",
    reason_window_closed: "WhatsApp allows free-form messages only within 24 hours of the contact's last message. Send an approved template instead.",
    reason_file_window_closed: "WhatsApp allows files only within 24 hours of the contact's last message.",
    reason_empty_text: "Write something first.",
    reason_text_too_long: |max| format!("A message can have at most {max} characters."),
    reason_interactive_no_body: "Buttons and lists need a message text.",
    reason_interactive_body_too_long: |max| {
        format!("The text of buttons or a list can have at most {max} characters.")
    },
    reason_not_interactive: "Only reply buttons and lists can be sent.",
    reason_name_length: |max| format!("A name has 1 to {max} characters."),
    reason_template_not_approved: |name, status| {
        format!("The template {name} is {status}; only approved templates can be sent.")
    },
    reason_template_parameters: |name, wanted| {
        format!("The template {name} needs {wanted} filled-in parameters.")
    },
    reason_parameter_too_long: "A parameter is too long.",
    reason_caption_too_long: |max| format!("A caption can have at most {max} characters."),
    reason_file_empty: "The file is empty.",
    reason_file_too_large: |mb| format!("Files can be at most {mb} MB."),
    reason_file_type: |name| format!("{name}: this type of file cannot be sent. Send images (JPEG, PNG, WebP), video (MP4, 3GP), audio (AAC, MP3, M4A, AMR, OGG) or documents (PDF, Office, text)."),
    reason_kind_too_large: |name, kind, mb| format!("{name}: a {kind} can be at most {mb} MB."),
    reason_not_an_agent: "Only a signed-in agent can watch conversations.",
    error_unavailable: |detail| format!("The inbox could not be reached: {detail}"),

    loading_conversations: "Loading conversations",
    loading_more: "Loading more",
    load_more: "Load more",
    no_matches: "No conversations match these filters.",
    clear_filters: "Clear filters",
    tabs: "Conversations for you",
    tab_all: "All",
    tab_mine: "Mine",
    tab_new: "New",
    tab_watched: "Watched",
    empty_mine: "Nothing is assigned to you. Conversations you take over appear here.",
    empty_new: "No conversation is waiting for an agent.",
    empty_watched: "You watch no conversation. Watch one from its header to follow it here.",
    watch: "Watch",
    unwatch: "Watching",
    watch_title: "Follow this conversation in your Watched tab",
    unwatch_title: "Stop following this conversation",
    signed_in_as: |name| format!("Signed in as {name}"),
    no_conversations: "No conversations yet. New ones appear here as customers write in.",
    waiting_for_an_agent: "Waiting for an agent",
    waiting_badge: "Waiting",
    agent_took_over: "An agent took over",
    unread_count: |n| format!("{n} unread"),
    search: "Search",
    search_placeholder: "Search name, phone or message",
    status: "Status",
    status_active: "Active",
    status_ended: "Ended",
    status_all: "All",
    filter_unread: "Unread",
    filter_waiting: "Waiting",
    inbox: "Inbox",
    all_inboxes: "All inboxes",
    channel_email: "Email",
    channel_web_chat: "Web chat",

    preview_photo: "Photo",
    preview_video: "Video",
    preview_audio: "Audio",
    preview_location: "Location",
    preview_interactive: "Interactive message",
    preview_template: |name| format!("Template: {name}"),
    preview_template_message: "Template message",

    live_connecting: "Connecting…",
    live_live: "Live",
    live_reconnecting: "Reconnecting…",
    live_offline: "Offline",
    live_ended: "Disconnected",
    live_connecting_title: "Connecting to live updates",
    live_live_title: "New messages appear as they arrive",
    live_reconnecting_title: "The connection dropped; new messages will appear once it is back",
    live_offline_title: "No network; new messages will appear once it is back",
    live_ended_title: "This link no longer works; reload the page",

    theme: "Theme",
    theme_system: "System",
    theme_light: "Light",
    theme_dark: "Dark",

    conversation_not_found: "Conversation not found",
    conversation_not_found_detail: "It may have been deleted, or it is not part of this inbox.",
    cannot_open_conversation: "Could not open this conversation",
    back_to_conversations: "Back to conversations",
    loading_older: "Loading older messages",
    older_hint: "Scroll up for older messages",
    thread_start: "Start of the conversation",
    not_sent: |reason| format!("Not sent: {reason}"),
    retry: "Retry",
    reassigned: "This conversation was assigned to someone else, so it has left your inbox.",
    back_to_your_conversations: "Back to your conversations",
    ended_badge: "Ended",
    handoff_bot: "Bot",
    handoff_waiting: "Waiting for agent",
    handoff_human: "Agent",
    take_over: "Take over",
    return_to_bot: "Return to bot",
    edit_contact_name: "Edit the contact's name",
    edit_name: "Edit name",
    contact_name: "Contact name",

    tick_sending: "Sending",
    tick_sent: "Sent",
    tick_delivered: "Delivered",
    tick_read: "Read",
    tick_not_delivered: "Not delivered",

    today: "Today",
    yesterday: "Yesterday",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    date_short: |day, month, year| match year {
        Some(year) => format!("{day} {month} {year}"),
        None => format!("{day} {month}"),
    },
    date_long: |day, month, year| match year {
        Some(year) => format!("{day} {month} {year}"),
        None => format!("{day} {month}"),
    },

    image: "Image",
    document: "Document",
    shared_location: "Shared location",
    template_fallback_name: "template",
    template_tag: |name| format!("Template · {name}"),
    unsupported_message: |kind| format!("This {kind} message can't be shown here."),

    agent: "Agent",
    window_closed: "The 24-hour window has closed: WhatsApp allows only approved templates until the contact writes again.",
    hint_waiting: "The contact is waiting for an agent. Take over to answer.",
    hint_bot: "The assistant is answering. Take over before you reply.",
    preview: "Preview",
    attach_files: "Attach files",
    interactive_toggle: "Reply buttons or a list",
    message: "Message",
    type_message: "Type a message",
    free_form_closed: "Free-form messages are closed",
    send: "Send",
    text_too_long: |n, max| format!("{n} of {max} characters: shorten the message to send it."),

    upload_unsupported: "This browser cannot upload files.",
    upload_not_started: "The upload could not start.",
    upload_unreadable_answer: "The server's answer was unreadable.",
    upload_connection_lost: "The connection was lost.",
    upload_server_answered: |status| format!("The server answered {status}."),
    dismiss: "Dismiss",

    default_list_button: "Options",
    write_message_text: "Write the message text.",
    body_too_long: |max| format!("The text can have at most {max} characters."),
    button_n: |n| format!("Button {n}"),
    remove_button: "Remove this button",
    row_title_n: |n| format!("Row {n} title"),
    row_n: |n| format!("Row {n}"),
    row_description_n: |n| format!("Row {n} description"),
    description_optional: "Description (optional)",
    remove_row: "Remove this row",
    reply_buttons: "Reply buttons",
    list: "List",
    message_text: "Message text",
    list_button: "List button",
    list_button_placeholder: "Button that opens the list",
    add_row: "Add row",
    add_button: "Add button",
    cancel: "Cancel",
    buttons_count: |max, got| format!("reply buttons: between 1 and {max} are allowed, got {got}"),
    rows_count: |max, got| format!("list rows: between 1 and {max} are allowed, got {got}"),
    what_button_title: "button title",
    what_list_button: "list button",
    what_row_title: "list row title",
    title_empty: |what| format!("{what} must not be empty"),
    title_too_long: |what, title, chars, max| {
        format!("{what} \"{title}\" has {chars} characters; at most {max} are allowed")
    },

    loading_templates: "Loading templates",
    no_templates: "This inbox has no approved templates.",
    template: "Template",
    choose_template: "Choose a template…",
    parameter_n: |n| format!("Parameter {n}"),
    send_template: "Send template",
};

pub static ES: Catalogue = Catalogue {
    home_text: "Este servidor aloja bandejas de entrada de soporte integrables. Abre un enlace que te haya dado tu aplicación.",
    not_found: "No encontrado",
    not_found_text: "No hay nada en esta dirección.",

    conversations: "Conversaciones",
    select_conversation: "Selecciona una conversación",
    select_conversation_hint: "Elige una conversación de la izquierda para leerla.",
    expired_title: "Este enlace ha expirado",
    expired_detail: "Los enlaces de la bandeja de entrada son válidos por un tiempo limitado. Recarga la página en tu aplicación para obtener uno nuevo.",
    revoked_title: "Este enlace ha sido revocado",
    revoked_detail: "Su propietario desactivó este enlace. Pide uno nuevo a la aplicación que te mostró esta bandeja de entrada.",
    invalid_title: "Este enlace no es válido",
    invalid_detail: "Comprueba que se haya copiado el enlace completo o pide uno nuevo a la aplicación que te mostró esta bandeja de entrada.",
    origin_title: "No disponible aquí",
    origin_detail: "Esta bandeja de entrada solo se puede abrir dentro de las aplicaciones que su propietario autorizó.",
    rate_limited_title: "Demasiados intentos",
    too_large_title: "Solicitud demasiado grande",
    rate_limited_detail: "Se probaron demasiados enlaces no válidos desde esta red. Espera un minuto y recarga la página.",
    unavailable_title: "La bandeja de entrada no está disponible",
    unavailable_detail: "Algo salió mal de nuestro lado. Vuelve a intentarlo en un momento.",

    error_invalid_token: "Este enlace no es válido.",
    error_expired_token: "Este enlace ha expirado.",
    error_revoked_token: "Este enlace ha sido revocado.",
    error_not_found: "Esta conversación no existe o no pertenece a esta bandeja de entrada.",
    error_foreign_origin: "Esta bandeja de entrada no se puede abrir desde este sitio.",
    error_too_many_attempts: |s| {
        format!(
            "Demasiados intentos fallidos desde esta red. Vuelve a intentarlo en {s} {}.",
            plural(s, "segundo", "segundos")
        )
    },
    error_too_large: "La solicitud es demasiado grande.",
    error_rejected: |reason| format!("El servidor rechazó la solicitud: {reason}"),
    reason_no_client_id: "El mensaje no tiene un identificador de cliente válido.",
    reason_window_closed: "WhatsApp solo permite mensajes libres durante las 24 horas siguientes al último mensaje del contacto. Envía una plantilla aprobada.",
    reason_file_window_closed: "WhatsApp solo permite enviar archivos durante las 24 horas siguientes al último mensaje del contacto.",
    reason_empty_text: "Escribe algo primero.",
    reason_text_too_long: |max| format!("Un mensaje puede tener como máximo {max} caracteres."),
    reason_interactive_no_body: "Los botones y las listas necesitan un texto.",
    reason_interactive_body_too_long: |max| {
        format!("El texto de los botones o de una lista puede tener como máximo {max} caracteres.")
    },
    reason_not_interactive: "Solo se pueden enviar botones de respuesta y listas.",
    reason_name_length: |max| format!("Un nombre tiene entre 1 y {max} caracteres."),
    reason_template_not_approved: |name, status| {
        let status = match status {
            "pending" => "pendiente",
            "rejected" => "rechazada",
            other => other,
        };
        format!("La plantilla {name} está {status}; solo se pueden enviar plantillas aprobadas.")
    },
    reason_template_parameters: |name, wanted| {
        if wanted == 1 {
            format!("La plantilla {name} necesita 1 parámetro completado.")
        } else {
            format!("La plantilla {name} necesita {wanted} parámetros completados.")
        }
    },
    reason_parameter_too_long: "Un parámetro es demasiado largo.",
    reason_caption_too_long: |max| format!("Un pie de foto puede tener como máximo {max} caracteres."),
    reason_file_empty: "El archivo está vacío.",
    reason_file_too_large: |mb| format!("Los archivos pueden ocupar como máximo {mb} MB."),
    reason_file_type: |name| format!("{name}: este tipo de archivo no se puede enviar. Envía imágenes (JPEG, PNG, WebP), vídeo (MP4, 3GP), audio (AAC, MP3, M4A, AMR, OGG) o documentos (PDF, Office, texto)."),
    reason_kind_too_large: |name, kind, mb| {
        let kind = match kind {
            "image" => "una imagen",
            "video" => "un vídeo",
            "audio" => "un audio",
            "document" => "un documento",
            other => other,
        };
        format!("{name}: {kind} puede ocupar como máximo {mb} MB.")
    },
    reason_not_an_agent: "Solo un agente con sesión iniciada puede seguir conversaciones.",
    error_unavailable: |_| {
        "No se pudo conectar con la bandeja de entrada. Vuelve a intentarlo en un momento."
            .to_string()
    },

    loading_conversations: "Cargando conversaciones",
    loading_more: "Cargando más",
    load_more: "Cargar más",
    no_matches: "Ninguna conversación coincide con estos filtros.",
    clear_filters: "Quitar filtros",
    tabs: "Conversaciones para ti",
    tab_all: "Todas",
    tab_mine: "Mías",
    tab_new: "Nuevas",
    tab_watched: "Seguidas",
    empty_mine: "No tienes nada asignado. Aquí aparecen las conversaciones de las que te encargas.",
    empty_new: "Ninguna conversación espera a un agente.",
    empty_watched: "No sigues ninguna conversación. Síguela desde su cabecera para verla aquí.",
    watch: "Seguir",
    unwatch: "Siguiendo",
    watch_title: "Ver esta conversación en tu pestaña Seguidas",
    unwatch_title: "Dejar de seguir esta conversación",
    signed_in_as: |name| format!("Sesión iniciada como {name}"),
    no_conversations: "Todavía no hay conversaciones. Las nuevas aparecerán aquí cuando escriban los clientes.",
    waiting_for_an_agent: "Esperando a un agente",
    waiting_badge: "En espera",
    agent_took_over: "Un agente tomó el control",
    unread_count: |n| format!("{n} sin leer"),
    search: "Buscar",
    search_placeholder: "Buscar por nombre, teléfono o mensaje",
    status: "Estado",
    status_active: "Activas",
    status_ended: "Finalizadas",
    status_all: "Todas",
    filter_unread: "No leídas",
    filter_waiting: "En espera",
    inbox: "Bandeja de entrada",
    all_inboxes: "Todas las bandejas",
    channel_email: "Correo electrónico",
    channel_web_chat: "Chat web",

    preview_photo: "Foto",
    preview_video: "Video",
    preview_audio: "Audio",
    preview_location: "Ubicación",
    preview_interactive: "Mensaje interactivo",
    preview_template: |name| format!("Plantilla: {name}"),
    preview_template_message: "Mensaje de plantilla",

    live_connecting: "Conectando…",
    live_live: "En vivo",
    live_reconnecting: "Reconectando…",
    live_offline: "Sin conexión",
    live_ended: "Desconectado",
    live_connecting_title: "Conectando con las actualizaciones en vivo",
    live_live_title: "Los mensajes nuevos aparecen en cuanto llegan",
    live_reconnecting_title: "Se perdió la conexión; los mensajes nuevos aparecerán cuando se restablezca",
    live_offline_title: "No hay red; los mensajes nuevos aparecerán cuando vuelva",
    live_ended_title: "Este enlace ya no funciona; recarga la página",

    theme: "Tema",
    theme_system: "Sistema",
    theme_light: "Claro",
    theme_dark: "Oscuro",

    conversation_not_found: "Conversación no encontrada",
    conversation_not_found_detail: "Puede que se haya eliminado o que no forme parte de esta bandeja de entrada.",
    cannot_open_conversation: "No se pudo abrir esta conversación",
    back_to_conversations: "Volver a las conversaciones",
    loading_older: "Cargando mensajes anteriores",
    older_hint: "Desplázate hacia arriba para ver mensajes anteriores",
    thread_start: "Inicio de la conversación",
    not_sent: |reason| format!("No enviado: {reason}"),
    retry: "Reintentar",
    reassigned: "Esta conversación se asignó a otra persona, así que ya no está en tu bandeja de entrada.",
    back_to_your_conversations: "Volver a tus conversaciones",
    ended_badge: "Finalizada",
    handoff_bot: "Bot",
    handoff_waiting: "Esperando a un agente",
    handoff_human: "Agente",
    take_over: "Tomar el control",
    return_to_bot: "Devolver al bot",
    edit_contact_name: "Editar el nombre del contacto",
    edit_name: "Editar nombre",
    contact_name: "Nombre del contacto",

    tick_sending: "Enviando",
    tick_sent: "Enviado",
    tick_delivered: "Entregado",
    tick_read: "Leído",
    tick_not_delivered: "No entregado",

    today: "Hoy",
    yesterday: "Ayer",
    weekdays: [
        "Lunes",
        "Martes",
        "Miércoles",
        "Jueves",
        "Viernes",
        "Sábado",
        "Domingo",
    ],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    months_short: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    date_short: |day, month, year| match year {
        Some(year) => format!("{day} {month} {year}"),
        None => format!("{day} {month}"),
    },
    date_long: |day, month, year| match year {
        Some(year) => format!("{day} de {month} de {year}"),
        None => format!("{day} de {month}"),
    },

    image: "Imagen",
    document: "Documento",
    shared_location: "Ubicación compartida",
    template_fallback_name: "plantilla",
    template_tag: |name| format!("Plantilla · {name}"),
    unsupported_message: |kind| {
        let what = match kind {
            MessageKind::Text => "este mensaje",
            MessageKind::Image => "esta imagen",
            MessageKind::Video => "este video",
            MessageKind::Audio => "este audio",
            MessageKind::Document => "este documento",
            MessageKind::Location => "esta ubicación",
            MessageKind::Interactive => "este mensaje interactivo",
            MessageKind::Template => "esta plantilla",
        };
        format!("No se puede mostrar {what} aquí.")
    },

    agent: "Agente",
    window_closed: "La ventana de 24 horas se cerró: WhatsApp solo permite plantillas aprobadas hasta que el contacto vuelva a escribir.",
    hint_waiting: "El contacto está esperando a un agente. Toma el control para responder.",
    hint_bot: "El asistente está respondiendo. Toma el control antes de contestar.",
    preview: "Vista previa",
    attach_files: "Adjuntar archivos",
    interactive_toggle: "Botones de respuesta o una lista",
    message: "Mensaje",
    type_message: "Escribe un mensaje",
    free_form_closed: "No se pueden enviar mensajes libres",
    send: "Enviar",
    text_too_long: |n, max| format!("{n} de {max} caracteres: acorta el mensaje para enviarlo."),

    upload_unsupported: "Este navegador no puede subir archivos.",
    upload_not_started: "No se pudo iniciar la subida.",
    upload_unreadable_answer: "No se pudo leer la respuesta del servidor.",
    upload_connection_lost: "Se perdió la conexión.",
    upload_server_answered: |status| format!("El servidor respondió {status}."),
    dismiss: "Descartar",

    default_list_button: "Opciones",
    write_message_text: "Escribe el texto del mensaje.",
    body_too_long: |max| format!("El texto puede tener como máximo {max} caracteres."),
    button_n: |n| format!("Botón {n}"),
    remove_button: "Quitar este botón",
    row_title_n: |n| format!("Título de la fila {n}"),
    row_n: |n| format!("Fila {n}"),
    row_description_n: |n| format!("Descripción de la fila {n}"),
    description_optional: "Descripción (opcional)",
    remove_row: "Quitar esta fila",
    reply_buttons: "Botones de respuesta",
    list: "Lista",
    message_text: "Texto del mensaje",
    list_button: "Botón de la lista",
    list_button_placeholder: "Botón que abre la lista",
    add_row: "Agregar fila",
    add_button: "Agregar botón",
    cancel: "Cancelar",
    buttons_count: |max, got| {
        format!(
            "Se permiten entre 1 y {max} botones de respuesta; {}",
            match got {
                0 => "no hay ninguno.".to_string(),
                1 => "hay 1.".to_string(),
                n => format!("hay {n}."),
            }
        )
    },
    rows_count: |max, got| {
        format!(
            "Se permiten entre 1 y {max} filas en la lista; {}",
            match got {
                0 => "no hay ninguna.".to_string(),
                1 => "hay 1.".to_string(),
                n => format!("hay {n}."),
            }
        )
    },
    what_button_title: "El título del botón",
    what_list_button: "El botón de la lista",
    what_row_title: "El título de la fila",
    title_empty: |what| format!("{what} no puede estar vacío."),
    title_too_long: |what, title, chars, max| {
        format!(
            "{what} «{title}» tiene {chars} {}; se permiten como máximo {max}.",
            plural(chars as u64, "carácter", "caracteres")
        )
    },

    loading_templates: "Cargando plantillas",
    no_templates: "Esta bandeja de entrada no tiene plantillas aprobadas.",
    template: "Plantilla",
    choose_template: "Elige una plantilla…",
    parameter_n: |n| format!("Parámetro {n}"),
    send_template: "Enviar plantilla",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(Lang::from_tag("es"), Lang::Es);
        assert_eq!(Lang::from_tag("es-ES"), Lang::Es);
        assert_eq!(Lang::from_tag("ES-mx"), Lang::Es);
        assert_eq!(Lang::from_tag("es_AR"), Lang::Es);
        assert_eq!(Lang::from_tag(" es-419 "), Lang::Es);
        assert_eq!(Lang::from_tag("en"), Lang::En);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
        assert_eq!(Lang::from_tag("est"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::Es.tag(), "es");
        assert_eq!(Lang::En.tag(), "en");
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), lang);
        }
    }

    #[test]
    fn the_query_beats_the_token() {
        let query = |value: &'static str| lang_from_query(move |k| (k == "lang").then_some(value));
        assert_eq!(Lang::choose(query("es"), "en"), Lang::Es);
        assert_eq!(Lang::choose(query("en-US"), "es-ES"), Lang::En);
        // An unknown value leaves the token's.
        assert_eq!(Lang::choose(query("xx"), "es-ES"), Lang::Es);
        assert_eq!(Lang::choose(lang_from_query(|_| None), "es-MX"), Lang::Es);
        assert_eq!(Lang::choose(None, "de"), Lang::En);
    }

    #[test]
    fn html_tag_keeps_the_tokens_region() {
        assert_eq!(Lang::Es.html_tag("es-ES"), "es-ES");
        assert_eq!(Lang::En.html_tag("es-ES"), "en");
        assert_eq!(Lang::En.html_tag("fr"), "en");
        assert_eq!(Lang::Es.html_tag("en"), "es");
    }

    #[test]
    fn parameters_and_plurals() {
        assert_eq!(
            (EN.error_too_many_attempts)(30),
            "Too many failed attempts from this network. Try again in 30 seconds."
        );
        assert!((ES.error_too_many_attempts)(1).ends_with("en 1 segundo."));
        assert!((ES.error_too_many_attempts)(5).ends_with("en 5 segundos."));
        assert_eq!((ES.unread_count)(3), "3 sin leer");
        assert_eq!(
            (ES.title_too_long)(ES.what_button_title, "Sí", 1, 20),
            "El título del botón «Sí» tiene 1 carácter; se permiten como máximo 20."
        );
        assert_eq!(
            (ES.buttons_count)(3, 0),
            "Se permiten entre 1 y 3 botones de respuesta; no hay ninguno."
        );
        assert_eq!(
            (ES.unsupported_message)(MessageKind::Image),
            "No se puede mostrar esta imagen aquí."
        );
        assert_eq!(
            (EN.unsupported_message)(MessageKind::Image),
            "This image message can't be shown here."
        );
        assert_eq!(
            (ES.date_long)(2, ES.months[2], Some(2025)),
            "2 de marzo de 2025"
        );
    }
}
