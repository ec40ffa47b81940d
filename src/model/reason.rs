//! Why the server refused what an agent tried: a code with its details, shown in the
//! agent's language (the words are in the catalogue).

use serde::{Deserialize, Serialize};

use super::i18n::{text, Lang};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// A send or upload without a usable client id.
    NoClientId,
    /// WhatsApp's 24-hour window is closed: templates only.
    WindowClosed,
    /// The same, for a file.
    FileWindowClosed,
    EmptyText,
    TextTooLong {
        max: usize,
    },
    InteractiveNoBody,
    InteractiveBodyTooLong {
        max: usize,
    },
    NotInteractive,
    NameLength {
        max: usize,
    },
    TemplateNotApproved {
        name: String,
        status: String,
    },
    TemplateParameters {
        name: String,
        wanted: usize,
    },
    ParameterTooLong,
    CaptionTooLong {
        max: usize,
    },
    FileEmpty,
    FileTooLarge {
        max_mb: usize,
    },
    FileType {
        filename: String,
    },
    /// `kind` is the message kind: image, video, audio, document.
    KindTooLarge {
        filename: String,
        kind: String,
        max_mb: usize,
    },
    /// Watching needs an agent signed in by JWT.
    NotAnAgent,
}

impl Reason {
    pub fn text(&self, lang: Lang) -> String {
        let t = text(lang);
        match self {
            Self::NoClientId => t.reason_no_client_id.to_string(),
            Self::WindowClosed => t.reason_window_closed.to_string(),
            Self::FileWindowClosed => t.reason_file_window_closed.to_string(),
            Self::EmptyText => t.reason_empty_text.to_string(),
            Self::TextTooLong { max } => (t.reason_text_too_long)(*max),
            Self::InteractiveNoBody => t.reason_interactive_no_body.to_string(),
            Self::InteractiveBodyTooLong { max } => (t.reason_interactive_body_too_long)(*max),
            Self::NotInteractive => t.reason_not_interactive.to_string(),
            Self::NameLength { max } => (t.reason_name_length)(*max),
            Self::TemplateNotApproved { name, status } => {
                (t.reason_template_not_approved)(name, status)
            }
            Self::TemplateParameters { name, wanted } => {
                (t.reason_template_parameters)(name, *wanted)
            }
            Self::ParameterTooLong => t.reason_parameter_too_long.to_string(),
            Self::CaptionTooLong { max } => (t.reason_caption_too_long)(*max),
            Self::FileEmpty => t.reason_file_empty.to_string(),
            Self::FileTooLarge { max_mb } => (t.reason_file_too_large)(*max_mb),
            Self::FileType { filename } => (t.reason_file_type)(filename),
            Self::KindTooLarge {
                filename,
                kind,
                max_mb,
            } => (t.reason_kind_too_large)(filename, kind, *max_mb),
            Self::NotAnAgent => t.reason_not_an_agent.to_string(),
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_on_the_wire_and_words_in_each_language() {
        let r = Reason::TextTooLong { max: 4096 };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({ "code": "text_too_long", "max": 4096 })
        );
        assert!(r.text(Lang::En).contains("4096"));
        assert!(r.text(Lang::Es).contains("4096"));
        assert_ne!(r.text(Lang::En), r.text(Lang::Es));
        assert!(Reason::WindowClosed.to_string().contains("24 hours"));
        assert!(Reason::WindowClosed.text(Lang::Es).contains("24 horas"));
    }
}
