//! The real server on 127.0.0.1:0 with a fresh database per test (SQLite, or PostgreSQL
//! when `TEST_BACKEND=postgres`), and the HTTP helpers the integration tests share: a host
//! backend's REST calls and a browser's GETs.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use inbox_embed::server::config::Config;
use inbox_embed::server::http::{router, state};
use inbox_embed::server::AppState;
use leptos::config::LeptosOptions;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use tempfile::TempDir;

/// One running server. It stops when the test's runtime ends; its database goes when
/// this is dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`, also the server's `public_url`.
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    _dir: TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server that lets one address fail credential checks many times: for tests that
    /// try many bad tokens or keys on purpose.
    pub async fn start_lenient() -> Self {
        Self::start_with(|c| {
            c.auth_failures_per_minute = std::num::NonZeroU32::new(10_000).expect("above 0")
        })
        .await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = TestDatabase::new(dir.path());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let base = format!("http://{addr}");
        let mut config = Config {
            database_url: db.url.clone(),
            database_pool_size: 5,
            public_url: Some(base.clone()),
            trust_proxy: false,
            auth_failures_per_minute: inbox_embed::server::config::DEFAULT_AUTH_FAILURES_PER_MINUTE,
            // Fast retries, so tests see a receiver fail and recover in moments.
            webhooks: inbox_embed::server::webhooks::WebhookSettings {
                timeout: Duration::from_millis(700),
                first_retry: Duration::from_millis(100),
                max_retry: Duration::from_millis(400),
                retry_window: Duration::from_secs(60),
                poll: Duration::from_millis(50),
            },
            media_dir: dir.path().join("media"),
            jwt_max_lifetime: inbox_embed::server::agent_jwt::DEFAULT_MAX_LIFETIME,
            // Quick token rechecks and pings, so tests see sockets close in moments.
            live: inbox_embed::server::live::LiveSettings {
                recheck: Duration::from_millis(300),
                ping: Duration::from_secs(2),
                idle: Duration::from_secs(6),
                ..Default::default()
            },
            leptos: LeptosOptions::builder()
                .output_name("inbox-embed")
                // Static files straight from public/: the same on a machine that has not
                // built the site yet.
                .site_root("public")
                .hash_files(false)
                .site_addr(addr)
                .build(),
        };
        adjust(&mut config);
        let app_state = state(&config).await.expect("server state");
        let app = router(app_state.clone());
        inbox_embed::server::webhooks::spawn(app_state.store.clone(), config.webhooks.clone());
        inbox_embed::server::live::spawn(&app_state);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("server runs");
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        Self {
            addr,
            base,
            state: app_state,
            http,
            db,
            _dir: dir,
        }
    }

    /// Makes a project in the store (as `inbox-embed project create` does) and returns a
    /// client holding its API key.
    pub async fn project(&self, name: &str) -> Api {
        let created = self
            .state
            .store
            .create_project(name, false)
            .await
            .expect("create project");
        Api {
            http: self.http.clone(),
            base: self.base.clone(),
            key: created.api_key.expose().to_string(),
            project_id: created.project.id.to_string(),
            jwt_secret: created.jwt_secret.expose().to_string(),
        }
    }

    /// A client with an arbitrary Authorization header value (or none).
    pub fn api_with_header(&self, authorization: Option<&str>) -> RawApi {
        RawApi {
            http: self.http.clone(),
            base: self.base.clone(),
            authorization: authorization.map(str::to_string),
        }
    }

    /// GETs a path as a browser would: status and body text.
    pub async fn page(&self, path: &str) -> Page {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let html = res.text().await.expect("body");
        Page {
            path: path.to_string(),
            status,
            content_type,
            html,
        }
    }
}

/// A response from the REST API: status, the body as JSON (Null when it is not JSON) and
/// the raw text.
#[derive(Debug, Clone)]
pub struct Resp {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "{} {} answered {} (expected {status}): {}",
            self.method, self.path, self.status, self.text
        );
        &self.body
    }

    /// Asserts an API error: its status, `{"error": <title>, "message": <non-empty>}` and
    /// nothing else; returns the message.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> String {
        let body = self.expect(status);
        let title = match status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            413 => "Payload Too Large",
            422 => "Unprocessable Entity",
            429 => "Too Many Requests",
            other => panic!("no error title known for {other}"),
        };
        assert_eq!(
            body["error"], title,
            "{} {}: wrong error title in {}",
            self.method, self.path, self.text
        );
        let message = body["message"].as_str().unwrap_or_else(|| {
            panic!("{} {}: no message in {}", self.method, self.path, self.text)
        });
        assert!(!message.trim().is_empty(), "empty message: {}", self.text);
        assert_eq!(
            body.as_object().map(|o| o.len()),
            Some(2),
            "an error body has exactly error and message: {}",
            self.text
        );
        message.to_string()
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{} {}: no id in {}", self.method, self.path, self.text))
            .to_string()
    }
}

async fn into_resp(method: &'static str, path: &str, res: reqwest::Response) -> Resp {
    let status = res.status().as_u16();
    let text = res.text().await.expect("response body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        method,
        path: path.to_string(),
        status,
        body,
        text,
    }
}

/// A project's API client: every call carries `Authorization: Bearer <key>`.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
    pub project_id: String,
    /// The secret agent JWTs of this project are signed with.
    pub jwt_secret: String,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.bearer_auth(&self.key)
    }

    pub async fn get(&self, path: &str) -> Resp {
        let res = self
            .auth(self.http.get(self.url(path)))
            .send()
            .await
            .expect("GET");
        into_resp("GET", path, res).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        let res = self
            .auth(self.http.post(self.url(path)))
            .json(&body)
            .send()
            .await
            .expect("POST");
        into_resp("POST", path, res).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        let res = self
            .auth(self.http.patch(self.url(path)))
            .json(&body)
            .send()
            .await
            .expect("PATCH");
        into_resp("PATCH", path, res).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        let res = self
            .auth(self.http.delete(self.url(path)))
            .send()
            .await
            .expect("DELETE");
        into_resp("DELETE", path, res).await
    }

    /// A POST with a raw body and an optional Content-Type.
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: &str) -> Resp {
        let mut rb = self
            .auth(self.http.post(self.url(path)))
            .body(body.to_string());
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        into_resp("POST", path, rb.send().await.expect("POST")).await
    }

    pub async fn patch_raw(&self, path: &str, content_type: Option<&str>, body: &str) -> Resp {
        let mut rb = self
            .auth(self.http.patch(self.url(path)))
            .body(body.to_string());
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        into_resp("PATCH", path, rb.send().await.expect("PATCH")).await
    }

    // Creating things; each asserts 201 and returns the created object.

    pub async fn customer(&self, name: &str) -> Value {
        self.post("/customers", json!({ "name": name }))
            .await
            .expect(201)
            .clone()
    }

    pub async fn user(&self, name: &str) -> Value {
        let email = format!(
            "{}@example.com",
            name.to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), ".")
        );
        self.post("/users", json!({ "name": name, "email": email }))
            .await
            .expect(201)
            .clone()
    }

    /// An inbox of `channel_type`, optionally a customer's.
    pub async fn inbox(&self, name: &str, channel_type: &str, customer_id: Option<&str>) -> Value {
        self.post(
            "/inboxes",
            json!({ "name": name, "channel_type": channel_type, "customer_id": customer_id }),
        )
        .await
        .expect(201)
        .clone()
    }

    pub async fn contact(&self, display_name: &str, phone_number: Option<&str>) -> Value {
        self.post(
            "/contacts",
            json!({ "display_name": display_name, "phone_number": phone_number }),
        )
        .await
        .expect(201)
        .clone()
    }

    /// A conversation; `extra` adds status, handoff or assigned_user_id.
    pub async fn conversation(&self, inbox_id: &str, contact_id: &str, extra: Value) -> Value {
        let mut body = json!({ "inbox_id": inbox_id, "contact_id": contact_id });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.post("/conversations", body).await.expect(201).clone()
    }

    pub async fn message(&self, conversation_id: &str, body: Value) -> Value {
        self.post(&format!("/conversations/{conversation_id}/messages"), body)
            .await
            .expect(201)
            .clone()
    }

    pub async fn text(&self, conversation_id: &str, direction: &str, content: &str) -> Value {
        self.message(
            conversation_id,
            json!({ "direction": direction, "kind": "text", "content": content }),
        )
        .await
    }

    /// An embed token; returns the whole creation answer (id, token, embed_url, …).
    pub async fn token(&self, body: Value) -> Value {
        self.post("/embed_tokens", body).await.expect(201).clone()
    }

    pub async fn project_token(&self) -> String {
        self.token(json!({ "name": "all", "scope": { "type": "project" } }))
            .await["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Every item of a list, walking `next_cursor` with pages of `limit`.
    pub async fn walk(&self, path: &str, limit: u32) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut cursor: Option<String> = None;
        let mut all = Vec::new();
        for _ in 0..1000 {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
                None => format!("{path}{sep}limit={limit}"),
            };
            let page = self.get(&url).await.expect(200).clone();
            let data = page["data"].as_array().expect("data array").clone();
            assert!(
                data.len() <= limit as usize,
                "{url}: page larger than the limit"
            );
            all.extend(data);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => {
                    assert!(
                        page["next_cursor"].is_null(),
                        "{url}: next_cursor is {}",
                        page["next_cursor"]
                    );
                    return all;
                }
            }
        }
        panic!("{path}: pagination never ended");
    }
}

/// A client with a hand-made Authorization header, for the 401 cases.
pub struct RawApi {
    http: reqwest::Client,
    base: String,
    authorization: Option<String>,
}

impl RawApi {
    pub async fn get(&self, path: &str) -> Resp {
        let mut rb = self.http.get(format!("{}/api/v1{path}", self.base));
        if let Some(a) = &self.authorization {
            rb = rb.header("authorization", a);
        }
        into_resp("GET", path, rb.send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        let mut rb = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .json(&body);
        if let Some(a) = &self.authorization {
            rb = rb.header("authorization", a);
        }
        into_resp("POST", path, rb.send().await.expect("POST")).await
    }
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_string())
        .collect()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// An embed page as a browser receives it.
#[derive(Debug, Clone)]
pub struct Page {
    pub path: String,
    pub status: u16,
    pub content_type: String,
    pub html: String,
}

impl Page {
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "GET {} answered {} (expected {status}); body starts: {}",
            self.path,
            self.status,
            self.html.chars().take(600).collect::<String>()
        );
        self
    }

    pub fn elements(&self) -> Vec<Element> {
        elements(&self.html)
    }

    /// Elements carrying `data-testid=<testid>`, in document order.
    pub fn by_testid(&self, testid: &str) -> Vec<Element> {
        self.elements()
            .into_iter()
            .filter(|e| e.attr("data-testid") == Some(testid))
            .collect()
    }

    /// The `data-conversation-id`s of the list items, in order.
    pub fn conversation_ids(&self) -> Vec<String> {
        self.by_testid("conversation-item")
            .iter()
            .map(|e| {
                e.attr("data-conversation-id")
                    .expect("conversation id")
                    .to_string()
            })
            .collect()
    }

    /// The `data-message-id`s of the thread's messages, in order.
    pub fn message_ids(&self) -> Vec<String> {
        self.by_testid("message")
            .iter()
            .map(|e| e.attr("data-message-id").expect("message id").to_string())
            .collect()
    }

    /// The `<html>` element's attributes.
    pub fn html_element(&self) -> Element {
        self.elements()
            .into_iter()
            .find(|e| e.name == "html")
            .expect("an <html> element")
    }

    pub fn token_error(&self) -> Option<String> {
        self.by_testid("token-error")
            .first()
            .and_then(|e| e.attr("data-error").map(str::to_string))
    }

    pub fn has_empty_list(&self) -> bool {
        !self.by_testid("empty-list").is_empty()
    }

    /// The thread as a reader sees it, in order: `day:<label>` for each day separator and
    /// `message:<id>` for each message.
    pub fn thread_sequence(&self) -> Vec<String> {
        let elements = self.elements();
        let mut out = Vec::new();
        for (i, e) in elements.iter().enumerate() {
            if e.has_class("day-separator") {
                let label = elements
                    .get(i + 1)
                    .map(|span| text_until_tag(&self.html[span.end..]))
                    .unwrap_or_default();
                out.push(format!("day:{label}"));
            } else if e.attr("data-testid") == Some("message") {
                out.push(format!(
                    "message:{}",
                    e.attr("data-message-id").unwrap_or_default()
                ));
            }
        }
        out
    }

    /// The text right after an element's start tag, up to the next tag.
    pub fn text_after(&self, e: &Element) -> String {
        text_until_tag(&self.html[e.end..])
    }
}

fn text_until_tag(html: &str) -> String {
    decode_entities(&html[..html.find('<').unwrap_or(html.len())])
}

/// A start tag and its attributes (values with entities decoded).
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Byte offset just after the start tag.
    pub end: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }
}

/// The start tags of an HTML document, in order: a small tokenizer that is enough for
/// server-rendered markup (comments and the contents of script/style are skipped).
pub fn elements(html: &str) -> Vec<Element> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        if html[i..].starts_with("</") || html[i..].starts_with("<!") {
            i = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        if j == start {
            i += 1;
            continue;
        }
        let name = html[start..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let key_start = j;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            let key = html[key_start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                    let quote = bytes[j] as char;
                    let end = html[j + 1..].find(quote).map_or(html.len(), |e| j + 1 + e);
                    value = decode_entities(&html[j + 1..end]);
                    j = (end + 1).min(html.len());
                } else {
                    let v_start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = decode_entities(&html[v_start..j]);
                }
            }
            if key.is_empty() {
                j += 1;
                continue;
            }
            attrs.push((key, value));
        }
        i = (j + 1).min(html.len());
        let end = i;
        if name == "script" || name == "style" || name == "title" || name == "textarea" {
            let close = format!("</{name}");
            i = html[i..].find(&close).map_or(html.len(), |e| i + e);
        }
        out.push(Element { name, attrs, end });
    }
    out
}

pub fn decode_entities(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A well-formed embed token that no server issued.
pub const UNKNOWN_TOKEN: &str = "iet_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Keeps consecutive writes on distinct milliseconds, so time order is creation order.
pub async fn tick() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

/// Project A for the filter tests: the conversations and what they hold, newest last.
pub struct FilterWorld {
    pub api: Api,
    pub w1: String,
    pub w2: String,
    pub sms: String,
    /// Zoe, W1, active, bot, unread (incoming "I need a REFUND please").
    pub c1: String,
    /// Bob, W2, ended, waiting, read (outgoing "Your parcel shipped").
    pub c2: String,
    /// Ana, SMS, active, waiting, unread (incoming "hola").
    pub c3: String,
    /// Li, W1, active, human, no messages; the newest.
    pub c4: String,
}

pub async fn filter_world(server: &TestServer) -> FilterWorld {
    let api = server.project("A").await;
    let w1 = id_of(&api.inbox("WA one", "whatsapp", None).await);
    let w2 = id_of(&api.inbox("WA two", "whatsapp", None).await);
    let sms = id_of(&api.inbox("Texts", "sms", None).await);
    let zoe = id_of(&api.contact("Zoe Martin", Some("+34 611 222 333")).await);
    let bob = id_of(&api.contact("Bob Stone", Some("+44 7700 900123")).await);
    let ana = id_of(&api.contact("Ana Lopez", None).await);
    let li = id_of(&api.contact("Li", None).await);
    let c1 = id_of(&api.conversation(&w1, &zoe, json!({})).await);
    api.text(&c1, "incoming", "I need a REFUND please").await;
    tick().await;
    let c2 = id_of(
        &api.conversation(
            &w2,
            &bob,
            json!({ "status": "ended", "handoff": "waiting" }),
        )
        .await,
    );
    api.text(&c2, "outgoing", "Your parcel shipped").await;
    tick().await;
    let c3 = id_of(
        &api.conversation(&sms, &ana, json!({ "handoff": "waiting" }))
            .await,
    );
    api.text(&c3, "incoming", "hola").await;
    tick().await;
    let c4 = id_of(
        &api.conversation(&w1, &li, json!({ "handoff": "human" }))
            .await,
    );
    FilterWorld {
        api,
        w1,
        w2,
        sms,
        c1,
        c2,
        c3,
        c4,
    }
}

/// A raw answer: status, headers, body.
pub struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn csp(&self) -> &str {
        self.header("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP (status {})", self.status))
    }

    /// The value of one CSP directive, `None` when absent.
    pub fn directive(&self, name: &str) -> Option<String> {
        self.csp().split(';').map(str::trim).find_map(|d| {
            let (key, value) = d.split_once(' ').unwrap_or((d, ""));
            (key == name).then(|| value.trim().to_string())
        })
    }

    /// Asserts CSP directives and headers (`None`: absent).
    #[track_caller]
    pub fn expect(
        &self,
        what: &str,
        directives: &[(&str, Option<&str>)],
        headers: &[(&str, Option<&str>)],
    ) {
        for (name, want) in directives {
            assert_eq!(
                self.directive(name).as_deref(),
                *want,
                "{what}: CSP {name} in {}",
                self.csp()
            );
        }
        for (name, want) in headers {
            assert_eq!(self.header(name), *want, "{what}: {name}");
        }
    }

    /// A CORS answer for `origin`, varying by origin.
    #[track_caller]
    pub fn expect_cors(&self, origin: &str) {
        assert_eq!(self.header("access-control-allow-origin"), Some(origin));
        let vary = self.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(vary.contains("origin"), "Vary: {vary}");
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
}

pub async fn send(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Got {
    let mut rb = client.request(method.clone(), url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some((content_type, body)) = body {
        rb = rb.header("content-type", content_type).body(body);
    }
    let res = rb
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("body");
    Got {
        status,
        headers,
        body,
    }
}

impl TestServer {
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        send(
            &self.http,
            Method::GET,
            &format!("{}{path}", self.base),
            headers,
            None,
        )
        .await
    }

    /// Calls a server function as the embed does: form-encoded POST to `/rpc/<name>`.
    pub async fn rpc(&self, name: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Got {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        send(
            &self.http,
            Method::POST,
            &format!("{}/rpc/{name}", self.base),
            headers,
            Some(("application/x-www-form-urlencoded", body)),
        )
        .await
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The PostgreSQL server the tests use (`TEST_PG_URL`, without a database name).
pub fn pg_server_url() -> String {
    std::env::var("TEST_PG_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".to_string())
        .trim_end_matches('/')
        .to_string()
}

/// Whether this run is the test command's PostgreSQL half (`TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("TEST_BACKEND").is_ok_and(|v| v == "postgres")
}

/// For tests that need PostgreSQL itself (several instances, the schemas compared): true
/// in the PostgreSQL half; otherwise prints why the test is skipped.
pub fn postgres_half_or_skip(test: &str) -> bool {
    if !on_postgres() {
        println!("skipped {test}: it needs PostgreSQL and runs in the test command's PostgreSQL half (TEST_BACKEND=postgres)");
    }
    on_postgres()
}

/// A fresh, empty database for one test: a file in a temporary directory on SQLite, a
/// new database on the PostgreSQL server otherwise, dropped with this.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub fn new(dir: &std::path::Path) -> Self {
        if !on_postgres() {
            return Self {
                url: format!("sqlite://{}/inbox.db", dir.display()),
                pg_name: None,
            };
        }
        static CLEANED: std::sync::Once = std::sync::Once::new();
        CLEANED.call_once(drop_abandoned_databases);
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "ie_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            uuid::Uuid::now_v7().simple()
        );
        pg_admin(&format!("CREATE DATABASE {name}"));
        Self {
            url: format!("{}/{name}", pg_server_url()),
            pg_name: Some(name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Drops the test databases of earlier test processes that are gone (killed before their
/// databases were dropped).
fn drop_abandoned_databases() {
    let names =
        pg_admin("SELECT datname::text FROM pg_database WHERE datname LIKE 'ie\\_test\\_%'");
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
            pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Runs one statement on the PostgreSQL server's `test` database, from a thread of its
/// own (callers may be inside a runtime or not); returns the first column of its rows.
pub fn pg_admin(statement: &str) -> Vec<String> {
    let statement = statement.to_string();
    let url = format!("{}/test", pg_server_url());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
                let rows: Vec<(String,)> = if statement.starts_with("SELECT") {
                    sqlx::query_as(&statement).fetch_all(&mut conn).await
                } else {
                    sqlx::query(&statement)
                        .execute(&mut conn)
                        .await
                        .map(|_| Vec::new())
                }
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
                rows.into_iter().map(|(v,)| v).collect()
            })
    })
    .join()
    .expect("the PostgreSQL statement ran")
}

/// `inbox-embed project create` with `envs`: the new project's API key.
pub fn create_project_with_cli(envs: &[(&str, String)], name: &str) -> String {
    create_project_json_with_cli(envs, name)["api_key"]
        .as_str()
        .expect("api_key")
        .to_string()
}

/// `inbox-embed project create --name NAME`: its JSON (`id`, `api_key`, `jwt_secret`).
pub fn create_project_json_with_cli(envs: &[(&str, String)], name: &str) -> Value {
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-embed"))
        .args(["project", "create", "--name", name])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("project create");
    assert!(
        created.status.success(),
        "project create: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let line = created
        .stdout
        .split(|b| *b == b'\n')
        .find(|l| l.starts_with(b"{"))
        .expect("a JSON line");
    serde_json::from_slice::<Value>(line).expect("JSON")
}

/// `inbox-embed` serving with `envs` (`LEPTOS_SITE_ADDR=127.0.0.1:0`), once it says where it
/// listens: the process and its base URL.
pub fn spawn_server(envs: &[(&str, String)]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-embed"))
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("inbox-embed starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    (child, base)
}

/// What an embed error body says, in English (a refusal's reason, or the error's text).
pub fn refusal(body: &str) -> String {
    serde_json::from_str::<inbox_embed::actions::EmbedError>(body)
        .map(|e| e.to_string())
        .unwrap_or_else(|e| panic!("not an embed error ({e}): {body}"))
}
