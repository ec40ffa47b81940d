//! Files agents send (§3 media): uploaded to `/embed/{token}/conversations/{id}/media`,
//! typed by their content (never by name or declared type) against WhatsApp's allow-list
//! and size limits, kept in the media store, and served only to tokens whose scope holds
//! the conversation (and to the project's API key, so the host can deliver them).

use std::path::{Path as FsPath, PathBuf};

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use uuid::Uuid;

use crate::actions::EmbedError;
use crate::model::{Lang, Media, MessageKind, Reason};
use crate::server::access::{Access, RequestAccess};
use crate::server::api::ApiProject;
use crate::server::store::{now, MediaRecord, NewMessage, Stored, TokenRejection};
use crate::server::{AppError, AppState};

/// The largest file any kind may have (a document); the body limit of the upload route.
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;
/// WhatsApp's limit on a media caption.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// Where uploaded files live: one file per id, under a root directory. Kept behind this
/// type so an object store can take its place.
#[derive(Debug, Clone)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn path(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root.join(&name[name.len() - 2..]).join(name)
    }

    /// Writes the bytes durably: to a temporary file, synced, then renamed into place.
    pub async fn put(&self, id: Uuid, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(id);
        let dir = path.parent().expect("a file in a directory");
        tokio::fs::create_dir_all(dir).await?;
        let tmp = path.with_extension("part");
        let mut file = tokio::fs::File::create(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&tmp, &path).await
    }

    pub async fn remove(&self, id: Uuid) {
        let _ = tokio::fs::remove_file(self.path(id)).await;
    }
}

/// What a file is, from its first bytes: its kind and type, when WhatsApp takes it.
pub fn sniff(bytes: &[u8], filename: &str) -> Result<(MessageKind, &'static str), String> {
    let detected = infer::get(bytes).map(|t| t.mime_type());
    let allowed: &[(&str, MessageKind)] = &[
        ("image/jpeg", MessageKind::Image),
        ("image/png", MessageKind::Image),
        ("image/webp", MessageKind::Image),
        ("video/mp4", MessageKind::Video),
        ("video/3gpp", MessageKind::Video),
        ("audio/aac", MessageKind::Audio),
        ("audio/m4a", MessageKind::Audio),
        ("audio/mpeg", MessageKind::Audio),
        ("audio/amr", MessageKind::Audio),
        ("audio/ogg", MessageKind::Audio),
        ("audio/opus", MessageKind::Audio),
        ("application/pdf", MessageKind::Document),
        ("application/msword", MessageKind::Document),
        ("application/vnd.ms-excel", MessageKind::Document),
        ("application/vnd.ms-powerpoint", MessageKind::Document),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            MessageKind::Document,
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MessageKind::Document,
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            MessageKind::Document,
        ),
    ];
    match detected {
        Some(mime) => allowed
            .iter()
            .find(|(m, _)| *m == mime)
            .map(|(m, kind)| (*kind, *m))
            .ok_or_else(|| format!("{mime} files cannot be sent on WhatsApp")),
        // Text has no signature: plain UTF-8 named .txt or .csv, without NULs or markup.
        None => {
            let lower = filename.to_ascii_lowercase();
            let text = std::str::from_utf8(bytes)
                .ok()
                .filter(|t| !t.contains('\0') && !t.trim_start().starts_with('<'));
            match (text, lower.rsplit_once('.').map(|(_, ext)| ext)) {
                (Some(_), Some("txt")) => Ok((MessageKind::Document, "text/plain")),
                (Some(_), Some("csv")) => Ok((MessageKind::Document, "text/csv")),
                _ => Err("this file type cannot be sent on WhatsApp".into()),
            }
        }
    }
}

/// §3's size limits per kind.
pub fn size_limit(kind: MessageKind) -> usize {
    match kind {
        MessageKind::Image => 5 * 1024 * 1024,
        MessageKind::Video | MessageKind::Audio => 16 * 1024 * 1024,
        _ => MAX_UPLOAD_BYTES,
    }
}

/// A file name safe to keep and show: its last path part, without control or
/// direction-changing characters (which can disguise an extension).
fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c))
        .take(240)
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() || name == "." || name == ".." {
        "file".into()
    } else {
        name
    }
}

/// Invisible formatting characters: zero-width, direction marks, embeddings, overrides and
/// isolates, the byte-order mark.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The extensions a checked type may carry; the first is the one it gets.
fn extensions(mime: &str) -> &'static [&'static str] {
    match mime {
        "image/jpeg" => &["jpg", "jpeg"],
        "image/png" => &["png"],
        "image/webp" => &["webp"],
        "video/mp4" => &["mp4"],
        "video/3gpp" => &["3gp"],
        "audio/aac" => &["aac"],
        "audio/m4a" => &["m4a"],
        "audio/mpeg" => &["mp3"],
        "audio/amr" => &["amr"],
        "audio/ogg" | "audio/opus" => &["ogg", "opus", "oga"],
        "application/pdf" => &["pdf"],
        "application/msword" => &["doc"],
        "application/vnd.ms-excel" => &["xls"],
        "application/vnd.ms-powerpoint" => &["ppt"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => &["pptx"],
        "text/csv" => &["csv"],
        _ => &["txt"],
    }
}

/// The name with an extension that matches what the bytes are: a PDF named `x.html` is
/// kept as `x.pdf`, so no one later opens it as a page.
fn name_for_type(name: &str, mime: &str) -> String {
    let allowed = extensions(mime);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext.to_ascii_lowercase())),
        _ => (name, None),
    };
    match ext {
        Some(ext) if allowed.contains(&ext.as_str()) => name.to_string(),
        _ => format!("{stem}.{}", allowed[0]),
    }
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    client_id: String,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    /// The page's language, for the bubble's HTML in the answer.
    #[serde(default)]
    lang: Option<String>,
}

/// An upload's answer: the message, with its bubble's HTML in `lang`.
fn answer(status: StatusCode, message: crate::model::Message, lang: Lang) -> Response {
    let context = crate::app::render::RenderContext::shared(lang, now().timestamp_millis());
    let html = crate::app::message::bubble_html(context, message.clone());
    (status, axum::Json(crate::actions::Sent { message, html })).into_response()
}

fn embed_error(status: StatusCode, error: EmbedError) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&error).expect("plain enum serialises"),
    )
        .into_response()
}

fn rejected(status: StatusCode, reason: Reason) -> Response {
    embed_error(status, EmbedError::Refused(reason))
}

fn internal(e: impl std::fmt::Debug) -> Response {
    tracing::error!(error = ?e, "media request failed");
    embed_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        EmbedError::Unavailable("please try again".into()),
    )
}

/// The token of an `/embed/{token}/…` request (as the security layer resolved it), and
/// the origin gate applied here too: this handler does not rely on the layer alone.
/// What it needs of the request is taken before the lookup, so the future stays `Send`.
fn embed_access<'a>(
    state: &'a AppState,
    token: &'a str,
    req: &Request,
) -> impl std::future::Future<Output = Result<Access, Response>> + Send + 'a {
    let cached = req
        .extensions()
        .get::<RequestAccess>()
        .and_then(|c| c.get(token));
    let headers = req.headers().clone();
    async move {
        let resolution = match cached {
            Some(r) => r,
            None => state.resolve(token).await.map_err(internal)?,
        };
        let access = resolution.map_err(|rejection| {
            let error = match rejection {
                TokenRejection::Invalid => EmbedError::InvalidToken,
                TokenRejection::Expired => EmbedError::ExpiredToken,
                TokenRejection::Revoked => EmbedError::RevokedToken,
            };
            embed_error(StatusCode::UNAUTHORIZED, error)
        })?;
        if !state.guard.admits(&headers, &access.allowed_origins) {
            return Err(embed_error(
                StatusCode::FORBIDDEN,
                EmbedError::ForeignOrigin,
            ));
        }
        Ok(access)
    }
}

fn not_found() -> Response {
    embed_error(StatusCode::NOT_FOUND, EmbedError::NotFound)
}

/// `POST /embed/{token}/conversations/{id}/media?client_id=…&filename=…&caption=…[&lang=…]`,
/// the file as the body. Answers the stored message (201), or the one stored earlier with
/// the same `client_id` (200), with its bubble's HTML (`html`, in `lang`).
pub async fn upload(
    State(state): State<AppState>,
    Path((token, conversation)): Path<(String, String)>,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> Response {
    let access = match embed_access(&state, &token, &req).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(conversation) = Uuid::parse_str(&conversation) else {
        return not_found();
    };
    let view = match state
        .store
        .conversation_view(&access.scope, conversation)
        .await
    {
        Ok(v) => v,
        Err(AppError::NotFound(_)) => return not_found(),
        Err(e) => return internal(e),
    };
    let lang = Lang::choose(q.lang.as_deref().and_then(Lang::parse), &access.language);
    let client_id = q.client_id.trim().to_string();
    if client_id.is_empty() || client_id.chars().count() > 128 {
        return rejected(StatusCode::UNPROCESSABLE_ENTITY, Reason::NoClientId);
    }
    match state.store.message_by_client_id(view.id, &client_id).await {
        Ok(Some(existing)) => return answer(StatusCode::OK, existing, lang),
        Ok(None) => {}
        Err(e) => return internal(e),
    }
    let caption = q.caption.unwrap_or_default().trim().to_string();
    if caption.chars().count() > MAX_CAPTION_CHARS {
        return rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            Reason::CaptionTooLong {
                max: MAX_CAPTION_CHARS,
            },
        );
    }
    let window = match state.store.reply_window(&view).await {
        Ok(window) => window,
        Err(e) => return internal(e),
    };
    if !window.is_open(now().timestamp_millis()) {
        return rejected(StatusCode::UNPROCESSABLE_ENTITY, Reason::FileWindowClosed);
    }
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_UPLOAD_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return rejected(
                StatusCode::PAYLOAD_TOO_LARGE,
                Reason::FileTooLarge {
                    max_mb: MAX_UPLOAD_BYTES >> 20,
                },
            )
        }
    };
    store_upload(
        &state,
        &access,
        &view,
        client_id,
        q.filename.as_deref(),
        caption,
        bytes,
        lang,
    )
    .await
}

async fn store_upload(
    state: &AppState,
    access: &Access,
    view: &crate::model::ConversationView,
    client_id: String,
    filename: Option<&str>,
    caption: String,
    bytes: Bytes,
    lang: Lang,
) -> Response {
    if bytes.is_empty() {
        return rejected(StatusCode::UNPROCESSABLE_ENTITY, Reason::FileEmpty);
    }
    let filename = clean_filename(filename.unwrap_or("file"));
    let (kind, mime) = match sniff(&bytes, &filename) {
        Ok(found) => found,
        Err(why) => {
            tracing::debug!(filename, why, "upload of an unsupported type");
            return rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Reason::FileType { filename },
            );
        }
    };
    let filename = name_for_type(&filename, mime);
    let limit = size_limit(kind);
    if bytes.len() > limit {
        return rejected(
            StatusCode::PAYLOAD_TOO_LARGE,
            Reason::KindTooLarge {
                filename,
                kind: kind.to_string(),
                max_mb: limit >> 20,
            },
        );
    }
    let conversation = match state
        .store
        .conversation(access.scope.project_id, view.id)
        .await
    {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let record = MediaRecord {
        id: Uuid::now_v7(),
        project_id: access.scope.project_id,
        conversation_id: view.id,
        mime_type: mime.to_string(),
        filename: filename.clone(),
        size: bytes.len() as i64,
    };
    if let Err(e) = state.media.put(record.id, &bytes).await {
        return internal(e);
    }
    if let Err(e) = state.store.add_media(&record).await {
        state.media.remove(record.id).await;
        return internal(e);
    }
    let media = Media {
        id: Some(record.id),
        url: format!("{}/api/v1/media/{}", state.public_url, record.id),
        mime_type: record.mime_type.clone(),
        filename: Some(filename),
        size: Some(record.size),
    };
    let mut new = NewMessage::from_agent(kind, caption, client_id, access.sender());
    new.media = Some(media);
    let stored = state.store.create_message(&conversation, new).await;
    if !matches!(stored, Ok(Stored::Created(_))) {
        // A concurrent upload with this client id won, or storing failed: this file is
        // nobody's.
        let _ = state.store.remove_media(record.id).await;
        state.media.remove(record.id).await;
    }
    match stored {
        Ok(Stored::Created(m)) => answer(StatusCode::CREATED, m, lang),
        Ok(Stored::Existing(m)) => answer(StatusCode::OK, m, lang),
        Err(e) => internal(e),
    }
}

/// `GET /embed/{token}/media/{id}`: a file of a conversation in the token's scope.
pub async fn serve_to_embed(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let access = match embed_access(&state, &token, &req).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found();
    };
    let record = match state.store.media(access.scope.project_id, id).await {
        Ok(r) => r,
        Err(AppError::NotFound(_)) => return not_found(),
        Err(e) => return internal(e),
    };
    match state
        .store
        .conversation_view(&access.scope, record.conversation_id)
        .await
    {
        Ok(_) => serve_file(&state.media.path(id), &record, req).await,
        Err(AppError::NotFound(_)) => not_found(),
        Err(e) => internal(e),
    }
}

/// `GET /api/v1/media/{id}`: the host's backend fetches a file to deliver it.
pub async fn serve_to_api(
    State(state): State<AppState>,
    ApiProject(project): ApiProject,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound("media"))?;
    let record = state.store.media(project.id, id).await?;
    Ok(serve_file(&state.media.path(id), &record, req).await)
}

/// The file with its stored type, never sniffed by the browser, never run: pictures, video
/// and sound inline, everything else as a download.
async fn serve_file(path: &FsPath, record: &MediaRecord, req: Request) -> Response {
    let served = tower_http::services::ServeFile::new(path)
        .oneshot(req)
        .await
        .map(IntoResponse::into_response);
    let mut response = match served {
        Ok(r) if r.status() == StatusCode::NOT_FOUND => {
            tracing::error!(media = %record.id, "a media record without its file");
            return not_found();
        }
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let inline = ["image/", "video/", "audio/"]
        .iter()
        .any(|p| record.mime_type.starts_with(p));
    let encoded: String = record
        .filename
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let disposition = format!(
        "{}; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&record.mime_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_typed_by_their_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png, "cat.pdf"), Ok((MessageKind::Image, "image/png")));
        assert_eq!(
            sniff(b"%PDF-1.7\n", "x"),
            Ok((MessageKind::Document, "application/pdf"))
        );
        assert_eq!(
            sniff(b"name,qty\nA,1\n", "list.csv"),
            Ok((MessageKind::Document, "text/csv"))
        );
        for (bytes, name) in [
            (
                &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
                "a.txt",
            ),
            (b"<!doctype html><script>alert(1)</script>", "page.txt"),
            (b"GIF89a\x01\0\x01\0", "a.gif"),
            (b"plain words", "notes.exe"),
            (b"MZ\x90\0\x03\0\0\0", "setup.pdf"),
        ] {
            assert!(sniff(bytes, name).is_err(), "{name}");
        }
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_filename("C:\\Users\\a\\report\u{0}.pdf"),
            "report.pdf"
        );
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(
            name_for_type("invoice.html", "application/pdf"),
            "invoice.pdf"
        );
        assert_eq!(name_for_type("IMG_1.JPEG", "image/jpeg"), "IMG_1.JPEG");
        assert_eq!(name_for_type("scan", "image/png"), "scan.png");
        assert_eq!(name_for_type(".bashrc", "text/plain"), ".bashrc.txt");
    }
}
