//! The pages: the data an embed page shows is loaded first, then the page renders from
//! it in one pass (see `app::embed::PageView`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::provide_context;

use crate::actions::backend;
use crate::app::embed::{InboxView, PageView};
use crate::app::page::PageInit;
use crate::app::urls::parse_embed_path;
use crate::model::{lang_from_query, mode_from_query, Filters, Lang, Theme};
use crate::server::security::embed_token_of;
use crate::server::AppState;

/// `/`, `/embed/{token}` and `/embed/{token}/conversations/{id}`.
pub async fn page(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    // Read leniently: a malformed parameter falls back to its default, never an error.
    let query: HashMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let (parts, body) = req.into_parts();
    let view = if parts.uri.path() == "/" {
        PageView::Home
    } else {
        let get = |key: &str| query.get(key).map(String::as_str);
        load(&state, &parts, &get).await
    };
    let status = StatusCode::from_u16(view.status()).unwrap_or(StatusCode::OK);
    let options = state.leptos.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(view.clone());
        },
        move || crate::app::shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, body)).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

/// What an embed page shows: the session, the list for the URL's filters and, on a
/// conversation's page, its thread.
async fn load<'a>(
    state: &AppState,
    parts: &axum::http::request::Parts,
    query: &impl Fn(&str) -> Option<&'a str>,
) -> PageView {
    let path = parts.uri.path();
    let (Some(token), Some((_, open_id))) = (embed_token_of(path), parse_embed_path(path)) else {
        return PageView::NotFound;
    };
    let filters = Filters::from_query(query);
    let mode = mode_from_query(query);
    let lang_override = lang_from_query(query);
    let req = backend::Request::for_page(state.clone(), parts);
    // The live log's position before anything is read: the socket resumes from it.
    let last_event_id = req.live_cursor();
    let session = match req.session(&token).await {
        Ok(session) => session,
        Err(error) => {
            return PageView::LinkError {
                error,
                lang: lang_override.unwrap_or_default(),
                theme: mode.unwrap_or(Theme::System),
            }
        }
    };
    // The list and the open thread are read at once (two connections).
    let (list, thread) = tokio::join!(req.conversations(&token, &filters, None), async {
        match open_id {
            Some(id) => Some(req.thread(&token, id).await),
            None => None,
        }
    });
    let lang = Lang::choose(lang_override, &session.language);
    PageView::Inbox(Arc::new(InboxView {
        html_lang: lang.html_tag(&session.language),
        inboxes: session.inboxes,
        now_ms: session.server_now_ms,
        init: PageInit {
            token,
            lang,
            mode,
            lang_override,
            theme: session.theme,
            title: session.scope_label,
            agent: session.agent,
            assignee: session.assigned_user_id,
            allowed_origins: session.allowed_origins,
            last_event_id,
        },
        open: open_id.and_then(|id| uuid::Uuid::parse_str(id).ok()),
        filters,
        list,
        thread,
    }))
}
