//! What the agent sends from the composer, and what keeps reply buttons or a list from
//! being sent (checked as they are typed; the server checks again).

use uuid::Uuid;

use crate::actions::{
    send_interactive, send_message, send_template, EmbedError, Sent, TemplateChoice,
};
use crate::model::{
    Catalogue, Interactive, Lang, MAX_BUTTON_TITLE_CHARS, MAX_LIST_ROWS, MAX_LIST_ROW_TITLE_CHARS,
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
        template: TemplateChoice,
        parameters: Vec<String>,
    },
}

impl Outgoing {
    /// What its pending bubble shows: the text, the reply buttons' titles, the
    /// template's name.
    pub fn shown(&self) -> (String, Vec<String>, Option<String>) {
        match self {
            Self::Text(text) => (text.clone(), Vec::new(), None),
            Self::Interactive { body, interactive } => {
                let titles = match interactive {
                    Interactive::Button { buttons, .. } => {
                        buttons.iter().map(|b| b.title.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                (body.clone(), titles, None)
            }
            Self::Template {
                template,
                parameters,
            } => (
                template.render(parameters),
                Vec::new(),
                Some(template.name.clone()),
            ),
        }
    }

    /// Sends it; the same `client_id` again returns the first copy.
    pub async fn send(
        self,
        token: String,
        conversation_id: Uuid,
        client_id: String,
        lang: Lang,
    ) -> Result<Sent, EmbedError> {
        let lang = Some(lang);
        match self {
            Self::Text(text) => send_message(token, conversation_id, text, client_id, lang).await,
            Self::Interactive { body, interactive } => {
                send_interactive(token, conversation_id, body, interactive, client_id, lang).await
            }
            Self::Template {
                template,
                parameters,
            } => {
                send_template(
                    token,
                    conversation_id,
                    template.id,
                    parameters,
                    client_id,
                    lang,
                )
                .await
            }
        }
    }
}

/// What keeps reply buttons or a list from being sent, in the UI's words: WhatsApp's
/// limits as `Interactive::validate` checks them (the server checks them again).
pub fn interactive_problem(t: &Catalogue, interactive: &Interactive) -> Option<String> {
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
    use super::interactive_problem;
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
}
