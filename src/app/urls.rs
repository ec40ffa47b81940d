//! Embed URLs: the path, with the filters and the theme and language overrides kept, and
//! the way back from a path to what it opens.

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

/// What an embed path opens: its credential, and the conversation's id as the path has
/// it (`/embed/{token}` or `/embed/{token}/conversations/{id}`, a trailing slash
/// allowed). `None` for any other path.
pub fn parse_embed_path(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix("/embed/")?.trim_end_matches('/');
    let (token, rest) = match rest.split_once('/') {
        Some((token, rest)) => (token, Some(rest)),
        None => (rest, None),
    };
    if token.is_empty() {
        return None;
    }
    match rest {
        None => Some((token, None)),
        Some(rest) => {
            let id = rest.strip_prefix("conversations/")?;
            (!id.is_empty() && !id.contains('/')).then_some((token, Some(id)))
        }
    }
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

    #[test]
    fn paths_back_to_what_they_open() {
        assert_eq!(parse_embed_path("/embed/t"), Some(("t", None)));
        assert_eq!(parse_embed_path("/embed/t/"), Some(("t", None)));
        assert_eq!(
            parse_embed_path("/embed/a.b.c/conversations/x-1"),
            Some(("a.b.c", Some("x-1")))
        );
        assert_eq!(
            parse_embed_path("/embed/t/conversations/x/"),
            Some(("t", Some("x")))
        );
        for other in [
            "/",
            "/embed/",
            "/embed/t/media/x",
            "/embed/t/conversations/",
            "/embed/t/conversations/x/media",
            "/api/v1/embed/t",
        ] {
            assert_eq!(parse_embed_path(other), None, "{other}");
        }
        let id = Uuid::new_v4();
        let href = embed_href("t", Some(id), &Filters::default(), None, None);
        assert_eq!(
            parse_embed_path(&href),
            Some(("t", Some(id.to_string().as_str())))
        );
    }
}
