//! The texts that need more than a catalogue lookup: the server's errors, list previews.
//! The page's language is [`Page::lang`](super::page::Page) (`?lang=` over the token's).

use crate::actions::EmbedError;
use crate::model::{text, Lang};

/// What to tell the user about an error from the server, in their language.
pub fn error_text(lang: Lang, error: &EmbedError) -> String {
    let t = text(lang);
    match error {
        EmbedError::InvalidToken => t.error_invalid_token.to_string(),
        EmbedError::ExpiredToken => t.error_expired_token.to_string(),
        EmbedError::RevokedToken => t.error_revoked_token.to_string(),
        EmbedError::NotFound => t.error_not_found.to_string(),
        EmbedError::ForeignOrigin => t.error_foreign_origin.to_string(),
        EmbedError::TooManyAttempts(seconds) => (t.error_too_many_attempts)(*seconds),
        EmbedError::TooLarge => t.error_too_large.to_string(),
        EmbedError::Rejected(reason) => (t.error_rejected)(reason),
        EmbedError::Refused(reason) => reason.text(lang),
        EmbedError::Malformed(_) => error.to_string(),
        EmbedError::Unavailable(detail) => (t.error_unavailable)(detail),
    }
}

/// A list row's preview in the UI's language. The server stores previews with English
/// labels for messages without text of their own (`📷 Photo`, `Template: x`); those are
/// told apart by the message's kind and put into the catalogue's words.
#[cfg(feature = "ssr")]
pub fn preview_text(lang: Lang, preview: &crate::model::Preview) -> String {
    use crate::model::MessageKind;
    let text_ = preview.text.as_str();
    if lang == Lang::En {
        return text_.to_string();
    }
    let (en, t) = (text(Lang::En), text(lang));
    let labelled = |icon: &str, en_label: &str, label: &str| {
        (text_.strip_prefix(icon).map(str::trim_start) == Some(en_label))
            .then(|| format!("{icon} {label}"))
    };
    let localised = match preview.kind {
        MessageKind::Image => labelled("📷", en.preview_photo, t.preview_photo),
        MessageKind::Video => labelled("🎥", en.preview_video, t.preview_video),
        MessageKind::Audio => labelled("🎤", en.preview_audio, t.preview_audio),
        MessageKind::Document => labelled("📄", en.document, t.document),
        MessageKind::Location => labelled("📍", en.preview_location, t.preview_location),
        MessageKind::Interactive => {
            (text_ == en.preview_interactive).then(|| t.preview_interactive.to_string())
        }
        MessageKind::Template if text_ == en.preview_template_message => {
            Some(t.preview_template_message.to_string())
        }
        MessageKind::Template => {
            let en_prefix = (en.preview_template)("");
            text_
                .strip_prefix(en_prefix.as_str())
                .map(|name| (t.preview_template)(name))
        }
        MessageKind::Text => None,
    };
    localised.unwrap_or_else(|| text_.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, MessageKind, MessageStatus, Preview};

    fn preview(kind: MessageKind, text: &str) -> Preview {
        Preview {
            direction: Direction::Incoming,
            kind,
            text: text.into(),
            status: MessageStatus::Read,
        }
    }

    #[test]
    fn previews_in_spanish() {
        let es = Lang::Es;
        assert_eq!(
            preview_text(es, &preview(MessageKind::Image, "📷 Photo")),
            "📷 Foto"
        );
        assert_eq!(
            preview_text(es, &preview(MessageKind::Image, "📷 look at this")),
            "📷 look at this"
        );
        assert_eq!(
            preview_text(
                es,
                &preview(MessageKind::Template, "Template: order_update")
            ),
            "Plantilla: order_update"
        );
        assert_eq!(
            preview_text(es, &preview(MessageKind::Text, "Photo")),
            "Photo"
        );
        assert_eq!(
            preview_text(Lang::En, &preview(MessageKind::Image, "📷 Photo")),
            "📷 Photo"
        );
    }

    #[test]
    fn errors_in_both_languages() {
        // English is what the error itself says.
        for error in [
            EmbedError::InvalidToken,
            EmbedError::ExpiredToken,
            EmbedError::RevokedToken,
            EmbedError::NotFound,
            EmbedError::ForeignOrigin,
            EmbedError::TooManyAttempts(30),
            EmbedError::TooLarge,
            EmbedError::Rejected("Write something first.".into()),
            EmbedError::Unavailable("please try again".into()),
        ] {
            assert_eq!(error_text(Lang::En, &error), error.to_string());
            assert_ne!(error_text(Lang::Es, &error), error.to_string());
        }
        assert_eq!(
            error_text(Lang::Es, &EmbedError::ExpiredToken),
            "Este enlace ha expirado."
        );
    }
}
