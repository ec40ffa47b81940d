//! Webhook deliveries: what was sent to the inboxes' webhooks, what is still being tried,
//! and what was given up, with attempts and the last error.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::*;
use crate::server::store::{Delivery, DeliveryState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhook_deliveries", get(list))
        .route("/webhook_deliveries/{id}", get(show))
        .route("/webhook_deliveries/{id}/retry", post(retry))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct DeliveryPage {
    data: Vec<Delivery>,
    next_cursor: Option<String>,
}

fn delivery_id(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound("webhook delivery"))
}

/// Newest first; `?state=pending|delivered|failed`.
async fn list(
    State(s): Api,
    ApiProject(p): ApiProject,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let state = q
        .state
        .as_deref()
        .map(|v| {
            DeliveryState::parse(v)
                .ok_or_else(|| AppError::invalid("state must be one of pending, delivered, failed"))
        })
        .transpose()?;
    let (_, limit) = ListQuery {
        limit: q.limit,
        cursor: None,
    }
    .page()?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| AppError::BadRequest("cursor is not one this API returned".into()))
        })
        .transpose()?;
    let (data, next) = s.store.deliveries(p.id, state, before, limit).await?;
    Ok(Json(DeliveryPage {
        data,
        next_cursor: next.map(|id| id.to_string()),
    }))
}

async fn show(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(s.store.delivery(p.id, delivery_id(&id)?).await?))
}

/// Queues a given-up delivery again.
async fn retry(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(s.store.retry_delivery(p.id, delivery_id(&id)?).await?))
}
