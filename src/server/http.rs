//! The HTTP server: one router for the embed pages, server functions, REST API, health
//! and static files.

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::{shell, App};
use crate::server::config::Config;
use crate::server::store::Store;
use crate::server::{AppError, AppState};

/// Opens the store and prepares the application state.
pub async fn state(config: &Config) -> Result<AppState, AppError> {
    let store = Store::connect(&config.database_url).await?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.leptos.site_addr))
        .trim_end_matches('/')
        .to_string();
    Ok(AppState {
        store,
        leptos: config.leptos.clone(),
        public_url,
    })
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let site_root = leptos.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", leptos.site_pkg_dir);
    // Hashed file names never change content: cache them for a year.
    let pkg_cache = if leptos.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(pkg_cache),
        ));
    let assets = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(get(not_found));

    let context_state = state.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::server::api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(crate::server::access::RequestAccess::default());
            },
            move || shell(leptos.clone()),
        )
        .nest_service(&format!("/{}", state.leptos.site_pkg_dir), pkg)
        .fallback_service(assets)
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ok" })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(NOT_FOUND_PAGE)).into_response()
}

/// Binds `addr` and serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// The 404 page for paths outside the app: small, self-contained, light or dark.
const NOT_FOUND_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>Not found</title><style>body{margin:0;min-height:100vh;display:grid;place-items:center;font:15px/1.5 system-ui,sans-serif;background:light-dark(#f4f5f7,#111315);color:light-dark(#1d2125,#e6e8ea)}main{padding:2rem 2.5rem;border-radius:14px;background:light-dark(#fff,#1b1e21);box-shadow:0 1px 3px #0002}h1{margin:0 0 .4rem;font-size:1.2rem}p{margin:0;opacity:.75}</style></head><body><main><h1>Not found</h1><p>There is nothing at this address.</p></main></body></html>"#;
