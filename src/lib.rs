//! inbox-embed: a self-hosted support inbox that other products embed.

pub mod actions;
pub mod app;
pub mod model;

#[cfg(feature = "ssr")]
pub mod server;

/// Takes the server-rendered page over; resolves once the page is interactive (the open
/// thread's chunk, if any, loaded and attached).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn hydrate() {
    console_error_panic_hook::set_once();
    app::client::start(app::client::ThreadChunk {
        attach: |section| Box::pin(app::thread::client::attach(section)),
        preload: || Box::pin(app::thread::client::__preload_attach()),
    })
    .await;
}
