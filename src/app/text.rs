//! Message text with WhatsApp's formatting, as view nodes (never HTML): in bubbles, the
//! composer's preview and a pending message.

use leptos::prelude::*;

use crate::model::parse_formatting;

/// WhatsApp-style formatted text as nested elements.
#[component]
pub fn FormattedText(#[prop(into)] text: String) -> impl IntoView {
    parse_formatting(&text)
        .into_iter()
        .map(|segment| {
            let mut node: AnyView = segment.text.into_any();
            if let Some(href) = segment.href {
                node = view! { <a href=href target="_blank" rel="noopener noreferrer">{node}</a> }
                    .into_any();
            }
            if segment.style.mono {
                node = view! { <code>{node}</code> }.into_any();
            }
            if segment.style.strike {
                node = view! { <s>{node}</s> }.into_any();
            }
            if segment.style.italic {
                node = view! { <em>{node}</em> }.into_any();
            }
            if segment.style.bold {
                node = view! { <strong>{node}</strong> }.into_any();
            }
            node
        })
        .collect_view()
}
