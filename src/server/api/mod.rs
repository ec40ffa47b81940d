//! The project REST API, `/api/v1` (§6): one file per resource, sharing the extractors
//! and checks here.

mod conversations;
mod directory;
mod templates;
mod tokens;
mod webhooks;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use uuid::Uuid;

use crate::server::store::{page_size, Cursor, Project, MAX_PAGE};
use crate::server::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/project", get(project).patch(update_project))
        .route("/project/rotate_jwt_secret", post(rotate_jwt_secret))
        .route("/openapi.json", get(openapi))
        .route("/media/{id}", get(crate::server::media::serve_to_api))
        .merge(directory::router())
        .merge(conversations::router())
        .merge(templates::router())
        .merge(tokens::router())
        .merge(webhooks::router())
        .fallback(|| async { AppError::NotFound("route") })
}

/// The OpenAPI 3.1 description of this API, kept by hand beside the routes (a test
/// holds the two to each other).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// The project and its settings for agent JWTs.
#[derive(serde::Serialize)]
struct ProjectView {
    #[serde(flatten)]
    project: Project,
    /// Origins that may frame JWT embeds and talk to them; empty admits any.
    jwt_allowed_origins: Vec<crate::model::OriginPattern>,
}

async fn project_view(state: &AppState, project: Project) -> ApiResult<Json<ProjectView>> {
    let jwt_allowed_origins = state
        .store
        .jwt_settings(&[project.id])
        .await?
        .remove(&project.id)
        .map(|s| s.allowed_origins)
        .unwrap_or_default();
    Ok(Json(ProjectView {
        project,
        jwt_allowed_origins,
    }))
}

async fn project(
    State(s): State<AppState>,
    ApiProject(project): ApiProject,
) -> ApiResult<Json<ProjectView>> {
    project_view(&s, project).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectPatch {
    jwt_allowed_origins: Option<Vec<String>>,
}

/// A new `jwt_secret`, shown once: JWTs signed with the old one stop opening anything,
/// and open JWT embeds close.
async fn rotate_jwt_secret(
    State(s): State<AppState>,
    ApiProject(project): ApiProject,
) -> ApiResult<Json<serde_json::Value>> {
    let secret = s.store.rotate_jwt_secret(project.id).await?;
    Ok(Json(serde_json::json!({ "jwt_secret": secret.expose() })))
}

/// Changes the project's settings; open JWT embeds follow at once.
async fn update_project(
    State(s): State<AppState>,
    ApiProject(project): ApiProject,
    ApiJson(patch): ApiJson<ProjectPatch>,
) -> ApiResult<Json<ProjectView>> {
    if let Some(origins) = patch.jwt_allowed_origins {
        let origins = tokens::check_origins(origins)?;
        s.store
            .set_jwt_allowed_origins(project.id, &origins)
            .await?;
    }
    project_view(&s, project).await
}

/// The project whose API key is in `Authorization: Bearer …`.
pub struct ApiProject(pub Project);

impl FromRequestParts<AppState> for ApiProject {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                AppError::Unauthorized("missing Authorization: Bearer <api key> header".into())
            })?;
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized("Authorization header must be \"Bearer <api key>\"".into())
            })?;
        let project = state
            .store
            .project_by_api_key(key)
            .await?
            .ok_or_else(|| AppError::Unauthorized("invalid API key".into()))?;
        Ok(Self(project))
    }
}

/// A JSON body whose failures are API errors: a body that is not JSON (or not declared as
/// JSON) is 400; well-formed JSON with a missing, unknown or wrongly typed field is 422
/// naming it.
pub struct ApiJson<T>(pub T);

/// `application/json` or `application/<anything>+json`, parameters allowed.
fn declares_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let essence = ct.split(';').next().unwrap_or_default().trim();
            let essence = essence.to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(req.headers()) {
            return Err(AppError::BadRequest(
                "Content-Type must be application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge("request body is too large".into())
            } else {
                AppError::BadRequest(e.body_text())
            }
        })?;
        // Syntax first: serde reports some type mismatches (a number where an enum's string
        // belongs) as syntax errors, and an unknown field can hide a truncated body.
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(AppError::BadRequest(format!(
                "request body is not valid JSON: {e}"
            )));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(AppError::Unprocessable(e.body_text().replace(
                    "Failed to deserialize the JSON body into the target type: ",
                    "",
                )))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::Unprocessable(
                e.body_text()
                    .replace("Failed to parse the request body as JSON: ", "")
                    .replace(": expected value", ": value of the wrong type"),
            )),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}

/// Query parameters whose failures are 400s with a readable message.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e: QueryRejection| {
                AppError::BadRequest(
                    e.body_text()
                        .replace("Failed to deserialize query string: ", "invalid query: "),
                )
            })
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Result<(Option<Cursor>, i64), AppError> {
        if let Some(limit) = self.limit {
            if !(1..=MAX_PAGE).contains(&limit) {
                return Err(AppError::invalid(format!(
                    "limit must be between 1 and {MAX_PAGE}"
                )));
            }
        }
        Ok((
            Cursor::decode_opt(self.cursor.as_deref())?,
            page_size(self.limit),
        ))
    }
}

/// An id from the path; one that is not a UUID names nothing, so it is a 404.
pub fn path_id(raw: &str, entity: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound(entity))
}

/// Checks a required text field: trimmed, non-empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(format!("{field} must not be empty")));
    }
    optional_text(field, Some(value), max).map(|v| v.unwrap_or_default())
}

/// Checks an optional text field; blank becomes absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(AppError::invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::invalid(format!(
            "{field} contains control characters"
        )));
    }
    Ok(Some(value.to_string()))
}

/// A phone number: an optional `+`, then digits with spaces, dots, dashes or parentheses.
pub fn phone(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(value) = optional_text(field, value, 32)? else {
        return Ok(None);
    };
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let shape_ok = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (i == 0 && c == '+'));
    if !shape_ok || !(5..=15).contains(&digits) {
        return Err(AppError::invalid(format!(
            "{field} must be a phone number like +34 600 123 456"
        )));
    }
    Ok(Some(value))
}

pub fn email(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(value) = optional_text(field, value, 254)? else {
        return Ok(None);
    };
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !value.contains(char::is_whitespace)
        && value.matches('@').count() == 1;
    if valid {
        Ok(Some(value))
    } else {
        Err(AppError::invalid(format!(
            "{field} must be an email address"
        )))
    }
}

/// An absolute http(s) URL without spaces.
pub fn http_url(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(value) = optional_text(field, value, 2048)? else {
        return Ok(None);
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !value.contains(char::is_whitespace) =>
        {
            Ok(Some(value))
        }
        _ => Err(AppError::invalid(format!(
            "{field} must be an absolute http(s) URL"
        ))),
    }
}

/// Applies a nullable text patch through a check.
pub fn patch_text(
    value: Option<Option<String>>,
    check: impl Fn(Option<&str>) -> Result<Option<String>, AppError>,
) -> Result<Option<Option<String>>, AppError> {
    value.map(|v| check(v.as_deref())).transpose()
}

pub type ApiResult<T> = Result<T, AppError>;

/// A created resource: 201 with the object.
/// A language tag like `en` or `es-ES`; `en` when absent.
pub fn check_language(language: Option<&str>) -> ApiResult<String> {
    let language = language
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("en");
    let (base, region) = language.split_once('-').unwrap_or((language, ""));
    let ok = (2..=3).contains(&base.len())
        && base.bytes().all(|b| b.is_ascii_lowercase())
        && (region.is_empty()
            || (region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase())));
    if ok {
        Ok(language.to_string())
    } else {
        Err(AppError::invalid(
            "language must be a language tag like en or es-ES",
        ))
    }
}

pub fn created<T: serde::Serialize>(value: T) -> (axum::http::StatusCode, Json<T>) {
    (axum::http::StatusCode::CREATED, Json(value))
}

pub type Api = State<AppState>;
