//! The HTTP server: one router for the embed pages, server functions, REST API, health
//! and static files.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::provide_context;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::server::access::RequestAccess;
use crate::server::config::Config;
use crate::server::media::{self, MediaStore};
use crate::server::pages;
use crate::server::security::{self, Guard, API_BODY_LIMIT, RPC_BODY_LIMIT};
use crate::server::store::Store;
use crate::server::{AppError, AppState};

/// Opens the store and prepares the application state.
pub async fn state(config: &Config) -> Result<AppState, AppError> {
    let store = Store::connect(&config.database_url, config.database_pool_size).await?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.leptos.site_addr))
        .trim_end_matches('/')
        .to_string();
    let guard = Guard::new(
        &public_url,
        config.public_url.is_some(),
        config.trust_proxy,
        config.auth_failures_per_minute,
    );
    let last_event = store.event_log_extent().await?.last_id;
    Ok(AppState {
        live: Arc::new(crate::server::live::Hub::new(
            config.live.clone(),
            last_event,
        )),
        store,
        leptos: config.leptos.clone(),
        public_url,
        guard: Arc::new(guard),
        media: MediaStore::new(&config.media_dir),
        jwt_max_lifetime: config.jwt_max_lifetime,
        access_cache: Default::default(),
    })
}

pub fn router(state: AppState) -> Router {
    // Leptos renders and runs server functions on tokio's tasks.
    let _ = any_spawner::Executor::init_tokio();
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

    let api = Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::server::api::router())
        .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT));
    // Uploads take files up to the largest kind's limit; each kind's own is checked after.
    let uploads = Router::new()
        .route(
            "/embed/{token}/conversations/{id}/media",
            post(media::upload),
        )
        .route("/embed/{token}/media/{id}", get(media::serve_to_embed))
        .route("/embed/{token}/ws", get(crate::server::live::socket))
        .layer(RequestBodyLimitLayer::new(media::MAX_UPLOAD_BYTES));
    // Cross-origin reads are answered only where the security layer has resolved a token
    // in the path and admitted the request's origin; server functions are same-origin.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|_, parts| {
            parts
                .extensions
                .get::<RequestAccess>()
                .is_some_and(RequestAccess::admitted)
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(600));
    let mut app = Router::new()
        .route("/", get(pages::page))
        .route("/embed/{token}", get(pages::page))
        .route("/embed/{token}/conversations/{id}", get(pages::page));
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let context_state = state.clone();
        let handler = move |req: axum::extract::Request| async move {
            leptos_axum::handle_server_fns_with_context(
                move || provide_context(context_state.clone()),
                req,
            )
            .await
        };
        app = match method {
            Method::POST => app.route(path, post(handler)),
            _ => app.route(path, get(handler)),
        };
    }
    let app = app
        .nest_service(&format!("/{}", state.leptos.site_pkg_dir), pkg)
        .fallback_service(assets)
        .layer(RequestBodyLimitLayer::new(RPC_BODY_LIMIT))
        .layer(cors);
    api.merge(uploads)
        .merge(app)
        // A bug answers 500 with the route class's error, not a dropped connection.
        .layer(CatchPanicLayer::custom(|_| {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::layer,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::extract::Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %security::redact(req.uri().path()),
                    )
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                .on_failure(DefaultOnFailure::new().level(Level::ERROR)),
        )
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
    (
        StatusCode::NOT_FOUND,
        Html(security::notice_page(
            crate::model::Lang::En,
            "Not found",
            "There is nothing at this address.",
        )),
    )
        .into_response()
}

const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` and serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    // A deeper accept queue than the default 128: thousands of embeds reconnecting at once
    // (after a restart) would otherwise overflow it and wait a second per retry.
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(LISTEN_BACKLOG)?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // Each response goes out as it is written: with Nagle's algorithm, a response's last
    // segment waited for the client's delayed ACK (40 ms on Linux) on keep-alive
    // connections.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let hub = state.live.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open sockets would hold the shutdown: they are told to reconnect.
        hub.close_all();
    })
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
