//! WhatsApp message templates per inbox (§6): what an agent may send once the 24-hour
//! window has closed. The host's backend keeps them in step with Meta's approvals.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::*;
use crate::model::{
    parameter_count, Template, TemplateCategory, TemplateStatus, MAX_TEMPLATE_BODY_CHARS,
    MAX_TEMPLATE_BUTTONS, MAX_TEMPLATE_BUTTON_CHARS,
};
use crate::server::store::{NewTemplate, Page, TemplateUpdate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inboxes/{id}/templates", get(list).post(create))
        .route("/templates/{id}", get(show).patch(update).delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateInput {
    name: String,
    #[serde(default)]
    language: Option<String>,
    category: TemplateCategory,
    body: String,
    #[serde(default)]
    buttons: Option<Vec<String>>,
    #[serde(default)]
    status: Option<TemplateStatus>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplatePatch {
    #[serde(default)]
    category: Option<TemplateCategory>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    buttons: Option<Vec<String>>,
    #[serde(default)]
    status: Option<TemplateStatus>,
}

/// WhatsApp's template names: lowercase letters, digits and underscores.
fn check_name(name: &str) -> ApiResult<String> {
    let name = required_text("name", name, 512)?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(AppError::invalid(
            "name may hold only lowercase letters, digits and underscores, like order_update",
        ));
    }
    Ok(name)
}

fn check_body(body: &str) -> ApiResult<String> {
    let body = required_text("body", body, MAX_TEMPLATE_BODY_CHARS)?;
    parameter_count(&body).map_err(|e| AppError::invalid(format!("body: {e}")))?;
    Ok(body)
}

fn check_buttons(buttons: Vec<String>) -> ApiResult<Vec<String>> {
    if buttons.len() > MAX_TEMPLATE_BUTTONS {
        return Err(AppError::invalid(format!(
            "at most {MAX_TEMPLATE_BUTTONS} buttons"
        )));
    }
    buttons
        .iter()
        .map(|b| required_text("buttons[]", b, MAX_TEMPLATE_BUTTON_CHARS))
        .collect()
}

async fn create(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(inbox): Path<String>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> ApiResult<(StatusCode, Json<Template>)> {
    let inbox = path_id(&inbox, "inbox")?;
    let new = NewTemplate {
        name: check_name(&input.name)?,
        language: check_language(input.language.as_deref())?,
        category: input.category,
        body: check_body(&input.body)?,
        buttons: check_buttons(input.buttons.unwrap_or_default())?,
        status: input.status.unwrap_or(TemplateStatus::Pending),
    };
    Ok(created(s.store.create_template(p.id, inbox, new).await?))
}

async fn list(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(inbox): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Template>>> {
    let inbox = s.store.inbox(p.id, path_id(&inbox, "inbox")?).await?;
    let (cursor, limit) = q.page()?;
    Ok(Json(
        s.store.templates(inbox.id, false, cursor, limit).await?,
    ))
}

async fn show(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Template>> {
    Ok(Json(
        s.store.template(p.id, path_id(&id, "template")?).await?,
    ))
}

async fn update(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<TemplatePatch>,
) -> ApiResult<Json<Template>> {
    let update = TemplateUpdate {
        category: patch.category,
        body: patch.body.as_deref().map(check_body).transpose()?,
        buttons: patch.buttons.map(check_buttons).transpose()?,
        status: patch.status,
    };
    Ok(Json(
        s.store
            .update_template(p.id, path_id(&id, "template")?, update)
            .await?,
    ))
}

async fn remove(
    State(s): Api,
    ApiProject(p): ApiProject,
    Path(id): Path<String>,
) -> ApiResult<Json<Template>> {
    Ok(Json(
        s.store
            .delete_template(p.id, path_id(&id, "template")?)
            .await?,
    ))
}
