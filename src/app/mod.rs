//! The embed UI: shell, routes, and the pages they show.

mod bridge;
mod clock;
mod composer;
mod embed;
pub(crate) mod i18n;
mod icons;
mod list;
mod live;
mod message;
mod storage;
mod theme;
mod thread;
mod urls;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Html, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Leptos makes a nonce per response and puts it on its own inline scripts; the
    // security layer writes the same nonce into the Content-Security-Policy.
    let nonce = use_nonce();
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (&nonce, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = axum::http::HeaderValue::from_str(nonce) {
            response.insert_header(
                axum::http::HeaderName::from_static(crate::server::security::NONCE_HEADER),
                value,
            );
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="referrer" content="no-referrer" />
                // Before first paint: the saved theme, unless `?mode=` fixed it.
                <script nonce=nonce.clone()>{theme::boot_script()}</script>
                <HashedStylesheet options=options.clone() id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <Hydration options=options.clone() nonce=nonce />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads the wasm bundle and hydrates, as Leptos's `HydrationScripts` does, with the
/// nonce on the module preload too: leptos 0.8 puts it in the preload's `crossorigin`
/// attribute, where a nonce-only `script-src` refuses the preload.
#[component]
fn Hydration(options: LeptosOptions, nonce: Option<Nonce>) -> impl IntoView {
    let (js, wasm) = pkg_file_names(&options);
    let pkg = options.site_pkg_dir.to_string();
    let js = format!("/{pkg}/{js}.js");
    let wasm = format!("/{pkg}/{wasm}.wasm");
    let boot = format!(
        "import({js:?}).then(async m=>{{await m.default({{module_or_path:{wasm:?}}});m.hydrate()}})"
    );
    view! {
        <link rel="modulepreload" href=js nonce=nonce.clone() />
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="" />
        <script type="module" nonce=nonce>{boot}</script>
    }
}

/// The bundle's file names: with hashes from the hash file cargo-leptos writes next to the
/// binary, or plain (a plain `cargo build` names the wasm `<name>_bg`).
fn pkg_file_names(options: &LeptosOptions) -> (String, String) {
    let name = options.output_name.to_string();
    if !options.hash_files {
        let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            name.clone()
        } else {
            format!("{name}_bg")
        };
        return (name, wasm);
    }
    let hashes = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
        })
        .unwrap_or_default();
    let hash = |kind: &str| {
        hashes.lines().find_map(|line| {
            let (file, hash) = line.split_once(':')?;
            (file.trim() == kind).then(|| format!("{name}.{}", hash.trim()))
        })
    };
    match (hash("js"), hash("wasm")) {
        (Some(js), Some(wasm)) => (js, wasm),
        _ => {
            leptos::logging::error!("file hashing is on but the hash file is missing");
            (name.clone(), name)
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <ParentRoute path=path!("/embed/:token") view=embed::EmbedLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=embed::NoThread ssr=SsrMode::Async />
                    <Route path=path!("conversations/:id") view=thread::ThreadRoute ssr=SsrMode::Async />
                </ParentRoute>
                <Route path=path!("/") view=Home />
            </Routes>
        </Router>
    }
}

/// A page title from text anyone may have written. leptos_meta puts the server's <title>
/// into the HTML unescaped; in the browser it sets `document.title`, which is text.
pub(crate) fn title_text(text: &str) -> String {
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text.to_string()
    }
}

/// Tells tests (and styles) that the page is interactive.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
fn Home() -> impl IntoView {
    // Outside an embed page there is no token to say the language.
    let lang = crate::model::Lang::En;
    let t = crate::model::text(lang);
    view! {
        <Html {..} lang=lang.tag() />
        <Title text="inbox-embed" />
        <main class="notice-page">
            <div class="notice-card">
                <h1>"inbox-embed"</h1>
                <p>{t.home_text}</p>
            </div>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let lang = crate::model::Lang::En;
    let t = crate::model::text(lang);
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=t.not_found />
        <main class="notice-page">
            <div class="notice-card">
                <h1>{t.not_found}</h1>
                <p>{t.not_found_text}</p>
            </div>
        </main>
    }
}
