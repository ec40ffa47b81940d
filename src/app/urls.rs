//! Embed URLs: the path, with the filters and the theme override kept.

use uuid::Uuid;

use crate::model::{encode_query, Filters, Theme};

pub fn embed_href(
    token: &str,
    conversation: Option<Uuid>,
    filters: &Filters,
    mode: Option<Theme>,
) -> String {
    let mut pairs = filters.to_query_pairs();
    if let Some(mode) = mode {
        pairs.push(("mode", mode.as_str().to_string()));
    }
    let path = match conversation {
        Some(id) => format!("/embed/{token}/conversations/{id}"),
        None => format!("/embed/{token}"),
    };
    format!("{path}{}", encode_query(&pairs))
}
