//! The layer every request passes (§4): response headers per route class, the origin gate
//! on `/embed/{token}` requests, limits on failed credentials per client address, and
//! readable refusals (JSON for the API and server functions, a themed page for pages).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::actions::EmbedError;
use crate::model::{lang_from_query, text, Lang, Origin, OriginPattern};
use crate::server::access::RequestAccess;
use crate::server::{AppError, AppState};

/// Request body limits: API bodies carry one message or record; server functions carry
/// a filter or a short text (pages take no body).
pub const API_BODY_LIMIT: usize = 1 << 20;
pub const RPC_BODY_LIMIT: usize = 64 << 10;

/// How the page shell hands its script nonce to this layer. Removed before sending.
pub const NONCE_HEADER: &str = "x-inbox-csp-nonce";

/// Which rules a response follows, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// `/embed/{token}…`: framed by the token's allowed origins.
    Embed,
    /// `/rpc/…`: the embed's server functions, same-origin only.
    Rpc,
    /// `/api/…`, `/healthz`, `/metrics`.
    Api,
    /// Everything else: the home page, static files, 404s.
    Other,
}

impl RouteClass {
    pub fn of(path: &str) -> Self {
        if path
            .strip_prefix("/embed/")
            .is_some_and(|rest| !rest.is_empty())
        {
            Self::Embed
        } else if path.starts_with("/rpc/") {
            Self::Rpc
        } else if path == "/api"
            || path.starts_with("/api/")
            || path == "/healthz"
            || path == "/metrics"
        {
            Self::Api
        } else {
            Self::Other
        }
    }
}

/// Who may frame a page.
#[derive(Debug, Clone)]
enum Frame {
    /// No `frame-ancestors`: a token without allowed origins, or a page for a token that
    /// does not work (it says only that).
    Anyone,
    /// `frame-ancestors 'none'` and `X-Frame-Options: DENY`.
    Nobody,
    Only(Vec<OriginPattern>),
}

/// The server's own origin and the limits it keeps, shared by every request.
pub struct Guard {
    own_origin: Option<Origin>,
    /// Without an explicit `PUBLIC_URL`, the `Host` a request was sent to names this
    /// server (a development setup); with one, only it does (no DNS-rebinding guesses).
    trust_host: bool,
    trust_proxy: bool,
    failures: FailureLimit,
}

impl Guard {
    /// `public_url` is this server's address as browsers see it. `trust_proxy`: take the
    /// client address from the last `X-Forwarded-For` entry (only behind a proxy that
    /// sets it). `failures_per_minute`: failed credential checks allowed per address.
    pub fn new(
        public_url: &str,
        public_url_is_explicit: bool,
        trust_proxy: bool,
        failures_per_minute: NonZeroU32,
    ) -> Self {
        Self {
            own_origin: Origin::of_url(public_url),
            trust_host: !public_url_is_explicit,
            trust_proxy,
            failures: FailureLimit::per_minute(failures_per_minute),
        }
    }

    /// Whether a request's `Origin` is this server's: `PUBLIC_URL`'s origin, or (without
    /// `PUBLIC_URL`) the origin whose host and port the request was sent to.
    fn is_own(&self, origin: &Origin, headers: &HeaderMap) -> bool {
        self.own_origin.as_ref() == Some(origin)
            || self.trust_host
                && headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .is_some_and(|host| same_authority(origin, host))
    }

    /// The origin gate (§4): a request without `Origin` (a navigation, a non-browser
    /// client), from this server's own origin, or from an allowed origin passes. An empty
    /// list allows every origin, as it allows every framer.
    pub fn admits(&self, headers: &HeaderMap, allowed: &[OriginPattern]) -> bool {
        let Some(value) = headers.get(header::ORIGIN) else {
            return true;
        };
        if allowed.is_empty() {
            return true;
        }
        match value.to_str().ok().and_then(Origin::parse) {
            Some(origin) => {
                self.is_own(&origin, headers) || OriginPattern::any_matches(allowed, &origin)
            }
            // `null` (sandboxed frames, file: pages) or junk matches no pattern.
            None => false,
        }
    }

    fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        if self.trust_proxy {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
                .last();
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    }
}

/// Compares an origin's host and port with a `Host` header's `host[:port]`.
fn same_authority(origin: &Origin, host: &str) -> bool {
    let default = origin.scheme.default_port();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
        _ => (host, None),
    };
    name.eq_ignore_ascii_case(&origin.host) && port.filter(|&p| p != default) == origin.port
}

/// Failed credential checks (401s) per client address. Each failure spends one cell of a
/// per-address budget (governor's GCRA); an address that has spent it is refused with 429
/// and `Retry-After` until a cell is back, whatever it presents.
struct FailureLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl FailureLimit {
    fn per_minute(failures: NonZeroU32) -> Self {
        Self {
            // The failure that spends the last cell blocks: `failures` a minute get 401,
            // the next attempt 429.
            limiter: RateLimiter::keyed(
                Quota::with_period(Duration::from_secs(60) / failures.get())
                    .expect("a positive period")
                    .allow_burst(NonZeroU32::new(failures.get() - 1).unwrap_or(NonZeroU32::MIN)),
            ),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long `ip` must still wait, if it is over its budget.
    fn blocked_for(&self, ip: IpAddr) -> Option<Duration> {
        let mut blocked = self.blocked.lock().expect("not poisoned");
        let until = *blocked.get(&ip)?;
        let now = Instant::now();
        if until > now {
            Some(until - now)
        } else {
            blocked.remove(&ip);
            None
        }
    }

    fn record_failure(&self, ip: IpAddr) {
        let Err(not_until) = self.limiter.check_key(&ip) else {
            return;
        };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let now = Instant::now();
        let mut blocked = self.blocked.lock().expect("not poisoned");
        blocked.insert(ip, now + wait);
        if blocked.len() > 10_000 {
            blocked.retain(|_, until| *until > now);
            self.limiter.retain_recent();
        }
    }
}

/// Why this layer refused a request itself.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    ForeignOrigin,
    TooManyFailures {
        retry_after: u64,
    },
    TooLarge,
    /// A handler failed without an answer of its own (a panic).
    Failed,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Self::ForeignOrigin => StatusCode::FORBIDDEN,
            Self::TooManyFailures { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn embed_error(self) -> EmbedError {
        match self {
            Self::ForeignOrigin => EmbedError::ForeignOrigin,
            Self::TooManyFailures { retry_after } => EmbedError::TooManyAttempts(retry_after),
            Self::TooLarge => EmbedError::TooLarge,
            Self::Failed => EmbedError::Unavailable("please try again".into()),
        }
    }

    /// The refusal in the form its route class speaks.
    fn respond(self, class: RouteClass, lang: Lang) -> Response {
        let mut response = match class {
            RouteClass::Api => match self {
                Self::ForeignOrigin => {
                    AppError::Forbidden("this origin may not call the API".into()).into_response()
                }
                Self::TooManyFailures { retry_after } => {
                    AppError::TooManyRequests { retry_after }.into_response()
                }
                Self::TooLarge => AppError::PayloadTooLarge(format!(
                    "the request body is larger than {} KiB",
                    API_BODY_LIMIT >> 10
                ))
                .into_response(),
                Self::Failed => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(serde_json::json!({
                        "error": "Internal Server Error",
                        "message": "internal error",
                    })),
                )
                    .into_response(),
            },
            RouteClass::Rpc => (
                self.status(),
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_string(&self.embed_error()).expect("plain enum serialises"),
            )
                .into_response(),
            RouteClass::Embed | RouteClass::Other => {
                let t = text(lang);
                let title = match self {
                    Self::ForeignOrigin => t.origin_title,
                    Self::TooManyFailures { .. } => t.rate_limited_title,
                    Self::TooLarge => t.too_large_title,
                    Self::Failed => t.unavailable_title,
                };
                let detail = crate::app::i18n::error_text(lang, &self.embed_error());
                (self.status(), Html(notice_page(lang, title, &detail))).into_response()
            }
        };
        if let Self::TooManyFailures { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}

/// The middleware: runs before and after every request.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let class = RouteClass::of(req.uri().path());
    let guard = &state.guard;
    let ip = guard.client_ip(&req);
    // The language of the notice pages this layer answers with: `?lang=`, else English
    // (the token's, where it is known).
    let query_lang = req.uri().query().and_then(|q| {
        lang_from_query(|key| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        })
    });
    let lang = query_lang.unwrap_or_default();
    let credentialed = matches!(class, RouteClass::Embed | RouteClass::Rpc)
        || req.uri().path().starts_with("/api/");
    if credentialed {
        if let Some(wait) = ip.and_then(|ip| guard.failures.blocked_for(ip)) {
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let refusal = Refusal::TooManyFailures { retry_after };
            return finish(class, refusal.respond(class, lang), Frame::Anyone);
        }
    }
    let mut frame = Frame::Nobody;
    match class {
        RouteClass::Embed => {
            frame = Frame::Anyone;
            // A segment that does not decode opens nothing; the page says "invalid".
            let token = embed_token_of(req.uri().path()).unwrap_or_default();
            match state.resolve(&token).await {
                Ok(resolution) => {
                    if let Ok(access) = &resolution {
                        let allowed = &access.allowed_origins;
                        if !allowed.is_empty() {
                            frame = Frame::Only(allowed.clone());
                        }
                        if !guard.admits(req.headers(), allowed) {
                            let lang = Lang::choose(query_lang, &access.language);
                            let refused = Refusal::ForeignOrigin.respond(class, lang);
                            return finish(class, refused, frame);
                        }
                    }
                    let cache = RequestAccess::default();
                    cache.set(&token, &resolution);
                    req.extensions_mut().insert(cache);
                }
                // Fail closed: without the token's list there is no gate to apply.
                Err(e) => {
                    tracing::error!(error = ?e, "embed token lookup failed");
                    return finish(class, Refusal::Failed.respond(class, lang), Frame::Nobody);
                }
            }
        }
        RouteClass::Rpc if req.method() == Method::OPTIONS => {
            // Server functions carry their token in the body, which a preflight lacks:
            // they are for the embed's own pages, never answered cross-origin.
            let foreign = req
                .headers()
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|o| Origin::parse(o).is_none_or(|o| !guard.is_own(&o, req.headers())));
            if foreign {
                return finish(class, Refusal::ForeignOrigin.respond(class, lang), frame);
            }
        }
        _ => {}
    }
    let mut response = next.run(req).await;
    if response.status() == StatusCode::UNAUTHORIZED && credentialed {
        if let Some(ip) = ip {
            guard.failures.record_failure(ip);
        }
    }
    if !speaks_for_itself(&response) {
        match response.status() {
            StatusCode::PAYLOAD_TOO_LARGE => response = Refusal::TooLarge.respond(class, lang),
            StatusCode::INTERNAL_SERVER_ERROR => response = Refusal::Failed.respond(class, lang),
            _ => {}
        }
    }
    finish(class, response, frame)
}

/// The token segment of an `/embed/{token}/…` path.
/// The token segment of an `/embed/{token}/…` path, percent-decoded as the router decodes
/// it (so `%41` cannot slip a token past this layer); `None` when it does not decode.
pub fn embed_token_of(path: &str) -> Option<String> {
    let raw = path
        .trim_start_matches("/embed/")
        .split('/')
        .next()
        .unwrap_or_default();
    percent_decode(raw)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether a response already carries a JSON or HTML body of ours (tower-http's body
/// limit and a caught panic answer with bare text or nothing).
fn speaks_for_itself(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"))
}

/// Sets the headers of the response's route class.
fn finish(class: RouteClass, mut response: Response, frame: Frame) -> Response {
    let headers = response.headers_mut();
    let nonce = headers
        .remove(NONCE_HEADER)
        .and_then(|v| v.to_str().ok().map(str::to_owned));
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    // A handler that set its own policy (a served file: sandboxed) keeps it.
    let own_policy = headers.contains_key(header::CONTENT_SECURITY_POLICY);
    if !own_policy {
        let policy = match class {
            RouteClass::Embed => page_policy(nonce.as_deref(), &frame),
            _ if html => page_policy(nonce.as_deref(), &Frame::Nobody),
            _ => NO_CONTENT_POLICY.to_string(),
        };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy).expect("patterns and nonces are header-safe"),
        );
    }
    if class == RouteClass::Embed && !own_policy {
        headers.remove(header::X_FRAME_OPTIONS);
    } else {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if class != RouteClass::Other && !own_policy {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// For responses that are not pages: nothing may load, nothing may frame.
const NO_CONTENT_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of an HTML page: its own files, scripts only with this response's nonce
/// (and the wasm they instantiate), pictures and media from https (messages link them),
/// no plugins, no `<base>`.
fn page_policy(nonce: Option<&str>, frame: &Frame) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'none'".to_string(),
    };
    let mut policy = format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' '{}'; \
         img-src 'self' https: data: blob:; media-src 'self' https: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'",
        *NOTICE_STYLE_HASH
    );
    match frame {
        Frame::Anyone => {}
        Frame::Nobody => policy.push_str("; frame-ancestors 'none'"),
        Frame::Only(patterns) => {
            policy.push_str("; frame-ancestors");
            for pattern in patterns {
                policy.push(' ');
                policy.push_str(&pattern.to_string());
            }
        }
    }
    policy
}

const NOTICE_STYLE: &str = "body{margin:0;min-height:100vh;display:grid;place-items:center;font:15px/1.5 system-ui,sans-serif;background:light-dark(#f4f5f7,#111315);color:light-dark(#1d2125,#e6e8ea)}main{max-width:28rem;margin:1rem;padding:2rem 2.5rem;border-radius:14px;background:light-dark(#fff,#1b1e21);box-shadow:0 1px 3px #0002}h1{margin:0 0 .4rem;font-size:1.2rem}p{margin:0;opacity:.75}";

/// `sha256-…` of the notice pages' inline style, for `style-src`.
static NOTICE_STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(NOTICE_STYLE.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// A small self-contained page, light or dark, for answers outside the app: 404s and
/// this layer's refusals.
pub fn notice_page(lang: Lang, title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>{title}</title>\
         <style>{NOTICE_STYLE}</style></head><body><main data-testid=\"notice\">\
         <h1>{title}</h1><p>{text}</p></main></body></html>",
        lang = lang.tag(),
        title = escape(title),
        text = escape(text),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` with each `/embed/<segment>` that does not start with a known prefix replaced
/// by `/embed/…`; `None` when there is none.
fn mask_embed_segments(text: &str, prefixes: &[&str]) -> Option<String> {
    const EMBED: &str = "/embed/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut masked = false;
    while let Some(at) = rest.find(EMBED) {
        out.push_str(&rest[..at + EMBED.len()]);
        let after = &rest[at + EMBED.len()..];
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | ' ' | '"'))
            .unwrap_or(after.len());
        let segment = &after[..end];
        if segment.is_empty() || segment == "…" || prefixes.iter().any(|p| segment.starts_with(p))
        {
            out.push_str(segment);
        } else {
            out.push('…');
            masked = true;
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    masked.then_some(out)
}

/// Replaces every secret in `text` (an embed token, API key, webhook or JWT secret) by
/// its prefix and an ellipsis, for logs.
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    // Our secrets by their prefixes, and agent JWTs (`eyJ`: a base64url `{"`).
    const PREFIXES: [&str; 5] = ["iet_", "iek_", "iej_", "iew_", "eyJ"];
    // Whatever else an embed path holds may be a credential too (an encoded one).
    if let Some(masked) = mask_embed_segments(text, &PREFIXES) {
        return redact(&masked).into_owned().into();
    }
    if !PREFIXES.iter().any(|p| text.contains(p)) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, prefix)) = PREFIXES
        .iter()
        .filter_map(|p| rest.find(p).map(|at| (at, *p)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(prefix);
        out.push('…');
        let after = &rest[at + prefix.len()..];
        let secret_len = after
            .find(|c: char| {
                !(c.is_ascii_alphanumeric()
                    || c == '-'
                    || c == '_'
                    || (prefix == "eyJ" && c == '.'))
            })
            .unwrap_or(after.len());
        rest = &after[secret_len..];
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(RouteClass::of("/embed/iet_x"), RouteClass::Embed);
        assert_eq!(
            RouteClass::of("/embed/iet_x/conversations/1"),
            RouteClass::Embed
        );
        assert_eq!(RouteClass::of("/embed/"), RouteClass::Other);
        assert_eq!(RouteClass::of("/rpc/load_session"), RouteClass::Rpc);
        assert_eq!(RouteClass::of("/api/v1/project"), RouteClass::Api);
        assert_eq!(RouteClass::of("/healthz"), RouteClass::Api);
        assert_eq!(RouteClass::of("/pkg/app.js"), RouteClass::Other);
        assert_eq!(RouteClass::of("/apix"), RouteClass::Other);
    }

    #[test]
    fn secrets_redacted() {
        let token = "iet_AbC-d_0123456789abcdefghijklmnopq";
        assert_eq!(
            redact(&format!("/embed/{token}/conversations/x?k=iek_zz")),
            "/embed/iet_…/conversations/x?k=iek_…"
        );
        assert_eq!(redact("/pkg/app.js"), "/pkg/app.js");
        assert_eq!(redact("iet_"), "iet_…");
        assert_eq!(
            redact("/embed/eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImEifQ.c2ln-_x/ws?since=4"),
            "/embed/eyJ…/ws?since=4"
        );
        assert_eq!(
            redact("GET /embed/%65yJhbGc.eyJ.sig/conversations/1 and /embed/x"),
            "GET /embed/…/conversations/1 and /embed/…"
        );
    }

    #[test]
    fn token_segments_decode_as_the_router_decodes_them() {
        assert_eq!(
            embed_token_of("/embed/iet_%41b/conversations/x").as_deref(),
            Some("iet_Ab")
        );
        assert_eq!(embed_token_of("/embed/iet_Ab").as_deref(), Some("iet_Ab"));
        assert_eq!(embed_token_of("/embed/%ff%fe"), None);
        assert_eq!(embed_token_of("/embed/%4"), None);
    }

    #[test]
    fn own_authority() {
        let o = Origin::parse("http://127.0.0.1:3000").unwrap();
        assert!(same_authority(&o, "127.0.0.1:3000"));
        assert!(!same_authority(&o, "127.0.0.1:3001"));
        let o = Origin::parse("https://inbox.example.com").unwrap();
        assert!(same_authority(&o, "Inbox.Example.com"));
        assert!(same_authority(&o, "inbox.example.com:443"));
        assert!(!same_authority(&o, "inbox.example.com.evil"));
    }

    #[test]
    fn notice_style_is_hashed() {
        assert!(notice_page(Lang::En, "<t>", "a & b").contains("&lt;t&gt;"));
        assert!(NOTICE_STYLE_HASH.starts_with("sha256-"));
        assert_eq!(NOTICE_STYLE_HASH.len(), "sha256-".len() + 44);
    }
}
