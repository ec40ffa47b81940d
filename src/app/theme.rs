//! Theme: `?mode=` beats the user's saved choice, which beats the token's theme. The
//! server renders the first two it knows; a tiny script in <head> applies the saved
//! choice before first paint; the select below changes and saves it.

use leptos::prelude::*;

use crate::model::Theme;

pub const THEME_STORAGE_KEY: &str = "inbox-embed.theme";

/// Runs before the body paints. `data-theme-fixed` marks a `?mode=` override. The saved
/// value is JSON, as gloo-storage writes it.
/// Storage may be blocked in a third-party iframe: then the token's theme stands.
pub fn boot_script() -> String {
    format!(
        r#"(function(){{var d=document.documentElement;try{{if(d.hasAttribute("data-theme-fixed"))return;var t=JSON.parse(localStorage.getItem("{THEME_STORAGE_KEY}"));if(t==="light"||t==="dark"||t==="system")d.setAttribute("data-theme",t)}}catch(e){{}}}})()"#
    )
}

/// The theme currently applied to `<html>`.
#[derive(Clone, Copy)]
pub struct ThemeState(pub RwSignal<Theme>);

impl ThemeState {
    /// Starts from what the server rendered; in the browser, from what the boot script
    /// applied.
    pub fn provide(rendered: Theme) -> Self {
        #[cfg(feature = "hydrate")]
        let rendered = document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .and_then(|t| Theme::parse(&t))
            .unwrap_or(rendered);
        let state = Self(RwSignal::new(rendered));
        provide_context(state);
        state
    }

    /// Applies (`<html data-theme>` follows the signal) and saves the user's choice. A
    /// failing storage (blocked in a cross-site iframe) keeps the choice for this visit.
    pub fn choose(self, theme: Theme) {
        self.0.set(theme);
        super::storage::set(THEME_STORAGE_KEY, theme.as_str());
    }
}

#[component]
pub fn ThemeSelect() -> impl IntoView {
    let state = expect_context::<ThemeState>();
    let t = super::i18n::use_text();
    view! {
        <label class="theme-select" title=t.theme>
            <span class="visually-hidden">{t.theme}</span>
            <select
                data-testid="theme-select"
                aria-label=t.theme
                on:change=move |ev| {
                    if let Some(theme) = Theme::parse(&event_target_value(&ev)) {
                        state.choose(theme);
                    }
                }
                prop:value=move || state.0.get().as_str()
            >
                <option value="system" selected=move || state.0.get() == Theme::System>{t.theme_system}</option>
                <option value="light" selected=move || state.0.get() == Theme::Light>{t.theme_light}</option>
                <option value="dark" selected=move || state.0.get() == Theme::Dark>{t.theme_dark}</option>
            </select>
        </label>
    }
}
