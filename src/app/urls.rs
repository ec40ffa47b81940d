//! Embed URLs: the path, with the filters and the theme and language overrides kept.

use uuid::Uuid;

use crate::model::{encode_query, Filters, Lang, Theme};

pub fn embed_href(
    token: &str,
    conversation: Option<Uuid>,
    filters: &Filters,
    mode: Option<Theme>,
    lang: Option<Lang>,
) -> String {
    let mut pairs = filters.to_query_pairs();
    if let Some(mode) = mode {
        pairs.push(("mode", mode.as_str().to_string()));
    }
    if let Some(lang) = lang {
        pairs.push(("lang", lang.tag().to_string()));
    }
    let path = match conversation {
        Some(id) => format!("/embed/{token}/conversations/{id}"),
        None => format!("/embed/{token}"),
    };
    format!("{path}{}", encode_query(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_kept() {
        let id = Uuid::nil();
        let filters = Filters::default();
        assert_eq!(embed_href("t", None, &filters, None, None), "/embed/t");
        assert_eq!(
            embed_href("t", Some(id), &filters, Some(Theme::Dark), Some(Lang::Es)),
            format!("/embed/t/conversations/{id}?mode=dark&lang=es")
        );
        assert_eq!(
            embed_href("t", None, &filters, None, Some(Lang::En)),
            "/embed/t?lang=en"
        );
    }
}
