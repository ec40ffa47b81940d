//! The embed UI. The server renders every page whole ([`shell`]). In the browser,
//! `client` keeps the page live without rendering it again, and the open thread's chunk
//! (`thread::client`) mounts its header and composer as Leptos views.

#[cfg(feature = "hydrate")]
pub mod client;
mod composer;
#[cfg(feature = "ssr")]
pub mod embed;
pub mod host;
pub(crate) mod i18n;
#[cfg(feature = "ssr")]
mod icons;
#[cfg(feature = "ssr")]
pub mod message;
pub mod page;
pub mod render;
#[cfg(feature = "ssr")]
pub mod rows;
#[cfg(feature = "ssr")]
pub mod sidebar;
#[cfg(feature = "hydrate")]
mod storage;
#[cfg(feature = "ssr")]
mod text;
mod theme;
pub mod thread;
pub(crate) mod urls;

#[cfg(feature = "ssr")]
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use embed::{PageBody, PageView};

/// The HTML document of the page the server loaded (`PageView` in context).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let view = expect_context::<PageView>();
    // Leptos makes a nonce per response and puts it on its own inline scripts; the
    // security layer writes the same nonce into the Content-Security-Policy.
    let nonce = use_nonce();
    if let (Some(nonce), Some(response)) = (&nonce, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = axum::http::HeaderValue::from_str(nonce) {
            response.insert_header(
                axum::http::HeaderName::from_static(crate::server::security::NONCE_HEADER),
                value,
            );
        }
    }
    let (lang, theme, fixed, title) = view.head();
    let files = PkgFiles::of(&options);
    let hydration = view
        .is_interactive()
        .then(|| view! { <Hydration files=files.clone() nonce=nonce.clone() /> });
    view! {
        <!DOCTYPE html>
        <html lang=lang data-theme=theme.as_str() data-theme-fixed=fixed.then_some("")>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="referrer" content="no-referrer" />
                <title>{title}</title>
                // Before first paint: the saved theme, unless `?mode=` fixed it.
                <script nonce=nonce>{theme::boot_script()}</script>
                <link rel="stylesheet" href=files.css />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {hydration}
            </head>
            <body>
                <PageBody view />
            </body>
        </html>
    }
}

/// The site's hashed bundle files, as cargo-leptos names them.
#[cfg(feature = "ssr")]
#[derive(Clone)]
struct PkgFiles {
    js: String,
    wasm: String,
    css: String,
}

#[cfg(feature = "ssr")]
impl PkgFiles {
    /// With hashes from the hash file cargo-leptos writes next to the binary, or plain (a
    /// plain `cargo build` names the wasm `<name>_bg`).
    fn of(options: &LeptosOptions) -> Self {
        let name = options.output_name.to_string();
        let pkg = format!("/{}", options.site_pkg_dir);
        let hashes = if options.hash_files {
            std::env::current_exe()
                .ok()
                .and_then(|exe| {
                    std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
                })
                .unwrap_or_default()
        } else {
            String::new()
        };
        let hash = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| format!(".{}", hash.trim()))
            })
        };
        if options.hash_files && hash("wasm").is_none() {
            leptos::logging::error!("file hashing is on but the hash file is missing");
        }
        let plain_wasm = if options.hash_files || option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        Self {
            js: format!("{pkg}/{name}{}.js", hash("js").unwrap_or_default()),
            wasm: format!(
                "{pkg}/{name}{}.wasm",
                hash("wasm").unwrap_or_else(|| plain_wasm.to_string())
            ),
            css: format!("{pkg}/{name}{}.css", hash("css").unwrap_or_default()),
        }
    }
}

/// Loads the wasm bundle, which takes the page over (`client::start`), then marks the page
/// interactive (`body[data-hydrated]`, for tests and styles). The nonce is on the module
/// preload too: leptos 0.8's own scripts put it in the preload's `crossorigin` attribute,
/// where a nonce-only `script-src` refuses the preload. The wasm is not preloaded: it
/// is fetched once the page has painted, so on a slow link it does not take the bandwidth
/// and the time the page's own HTML and CSS need to paint (the page works without it
/// meanwhile: its links are real links).
#[cfg(feature = "ssr")]
#[component]
fn Hydration(files: PkgFiles, nonce: Option<Nonce>) -> impl IntoView {
    // Nothing of the page is hydrated: no state is serialized for the browser.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let PkgFiles { js, wasm, .. } = files;
    // After the first paint (a frame, then a task), or after 100 ms where frames do not
    // come (a hidden tab or iframe).
    let boot = format!(
        "let s=0;const go=()=>{{if(s)return;s=1;import({js:?}).then(async m=>{{\
         await m.default({{module_or_path:{wasm:?}}});await m.hydrate();\
         document.body.setAttribute(\"data-hydrated\",\"true\")}})}};\
         requestAnimationFrame(()=>setTimeout(go));setTimeout(go,100)"
    );
    view! {
        <link rel="modulepreload" href=js nonce=nonce.clone() />
        <script type="module" nonce=nonce>{boot}</script>
    }
}
