//! Elements made in the browser: text is set as text, never as markup.

use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::app::client::document;
use crate::model::parse_formatting;

/// An element being made.
pub struct El(Element);

pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect("an element"))
}

impl El {
    pub fn attr(self, name: &str, value: &str) -> Self {
        let _ = self.0.set_attribute(name, value);
        self
    }

    pub fn class(self, class: &str) -> Self {
        self.attr("class", class)
    }

    pub fn text(self, text: &str) -> Self {
        self.0.set_text_content(Some(text));
        self
    }

    pub fn child(self, child: impl Into<Element>) -> Self {
        let _ = self.0.append_child(&child.into());
        self
    }

    /// Calls `f` for each `event` on it (for its life).
    pub fn on<E: JsCast + 'static>(self, event: &str, f: impl FnMut(E) + 'static) -> Self {
        crate::app::client::listen(&self.0, event, f);
        self
    }

    pub fn build(self) -> Element {
        self.0
    }
}

impl From<El> for Element {
    fn from(el: El) -> Self {
        el.0
    }
}

/// Replaces what `parent` holds with `text` and WhatsApp's formatting as elements (bold,
/// italic, strike, mono, and http(s)/mailto/tel links).
pub fn fill_formatted(parent: &Element, text: &str) {
    parent.set_text_content(None);
    for segment in parse_formatting(text) {
        let mut node: web_sys::Node = document().create_text_node(&segment.text).into();
        let wrap = |tag: &str, node: &web_sys::Node| -> web_sys::Node {
            let wrapper = el(tag).build();
            let _ = wrapper.append_child(node);
            wrapper.into()
        };
        if let Some(href) = segment.href {
            node = wrap("a", &node);
            let a: &Element = node.unchecked_ref();
            let _ = a.set_attribute("href", &href);
            let _ = a.set_attribute("target", "_blank");
            let _ = a.set_attribute("rel", "noopener noreferrer");
        }
        for (on, tag) in [
            (segment.style.mono, "code"),
            (segment.style.strike, "s"),
            (segment.style.italic, "em"),
            (segment.style.bold, "strong"),
        ] {
            if on {
                node = wrap(tag, &node);
            }
        }
        let _ = parent.append_child(&node);
    }
}

/// Whether the text uses WhatsApp formatting worth previewing.
pub fn has_formatting(text: &str) -> bool {
    text.contains(['*', '_', '~']) || text.contains("```")
}
