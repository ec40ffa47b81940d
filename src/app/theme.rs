//! Theme: `?mode=` beats the user's saved choice, which beats the token's theme. The
//! server renders what it knows; a tiny script in <head> applies the saved choice before
//! first paint; the theme select (`client`) changes and saves it.

pub const THEME_STORAGE_KEY: &str = "inbox-embed.theme";

/// Runs before the body paints. `data-theme-fixed` marks a `?mode=` override. The saved
/// value is JSON, as gloo-storage writes it.
/// Storage may be blocked in a third-party iframe: then the token's theme stands.
#[cfg(feature = "ssr")]
pub fn boot_script() -> String {
    format!(
        r#"(function(){{var d=document.documentElement;try{{if(d.hasAttribute("data-theme-fixed"))return;var t=JSON.parse(localStorage.getItem("{THEME_STORAGE_KEY}"));if(t==="light"||t==="dark"||t==="system")d.setAttribute("data-theme",t)}}catch(e){{}}}})()"#
    )
}
