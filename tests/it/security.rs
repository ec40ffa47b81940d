//! §4 over real HTTP: headers per route class, the origin gate and CORS, body limits,
//! failed-credential limits, secrets kept out of logs, and hostile content kept inert.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `load_session` for `token`, called from a page of `origin`.
async fn session(server: &TestServer, token: &str, origin: &str) -> Got {
    server
        .rpc("load_session", &[("token", token)], &[("origin", origin)])
        .await
}

/// `GET /api/v1/project` with `key`, from `client`.
async fn get_project(client: &reqwest::Client, base: &str, key: &str) -> Got {
    let auth = format!("Bearer {key}");
    send(
        client,
        Method::GET,
        &format!("{base}/api/v1/project"),
        &[("authorization", &auth)],
        None,
    )
    .await
}

/// A project with one conversation of one message, and the API client.
async fn seeded(server: &TestServer) -> (Api, String) {
    let api = server.project("Sec").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    api.text(&conversation, "incoming", "hola").await;
    (api, conversation)
}

async fn token_with(api: &Api, origins: &[&str]) -> (String, String) {
    let t = api
        .token(json!({ "name": "t", "scope": { "type": "project" }, "allowed_origins": origins }))
        .await;
    (
        t["token"].as_str().expect("token").to_string(),
        t["id"].as_str().expect("id").to_string(),
    )
}

/// The `nonce-…` of a page's script-src, checked against every `<script>` in its HTML. A
/// page that runs the app (`app`) preloads its module, with the nonce too; the others
/// (a link that opens nothing, the home page) load none.
fn assert_scripts_carry_the_nonce(got: &Got, what: &str, app: bool) {
    let script_src = got.directive("script-src").expect("script-src");
    let nonce = script_src
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("{what}: no nonce in {script_src}"));
    assert!(nonce.len() >= 22, "{what}: a 128-bit nonce, got {nonce}");
    assert!(
        script_src.contains("'wasm-unsafe-eval'"),
        "{what}: {script_src}"
    );
    assert!(
        !script_src.contains("unsafe-inline") && !script_src.contains("'self'"),
        "{what}: {script_src}"
    );
    let scripts: Vec<Element> = elements(&got.body)
        .into_iter()
        .filter(|e| e.name == "script")
        .collect();
    assert!(!scripts.is_empty(), "{what}: a page with scripts");
    for s in &scripts {
        assert_eq!(s.attr("nonce"), Some(nonce), "{what}: {s:?}");
    }
    // A module preload is a script fetch too: without the nonce the browser refuses it.
    let preloads: Vec<Element> = elements(&got.body)
        .into_iter()
        .filter(|e| e.name == "link" && e.attr("rel") == Some("modulepreload"))
        .collect();
    assert_eq!(preloads.len(), usize::from(app), "{what}: module preloads");
    for preload in &preloads {
        assert_eq!(preload.attr("nonce"), Some(nonce), "{what}: {preload:?}");
    }
}

/// One row of the header matrix: what a route class sends.
#[derive(Debug)]
struct Row {
    class: &'static str,
    status: u16,
    frame_ancestors: Option<String>,
    x_frame_options: Option<String>,
    referrer: Option<String>,
    nosniff: bool,
    cache: Option<String>,
    scripts: String,
}

fn row(class: &'static str, got: &Got) -> Row {
    let scripts = got.directive("script-src").unwrap_or_else(|| {
        got.directive("default-src")
            .map(|d| format!("(default-src {d})"))
            .unwrap_or_default()
    });
    Row {
        class,
        status: got.status,
        frame_ancestors: got.directive("frame-ancestors"),
        x_frame_options: got.header("x-frame-options").map(str::to_string),
        referrer: got.header("referrer-policy").map(str::to_string),
        nosniff: got.header("x-content-type-options") == Some("nosniff"),
        cache: got.header("cache-control").map(str::to_string),
        scripts: scripts
            .split_whitespace()
            .map(|s| {
                if s.starts_with("'nonce-") {
                    "'nonce-…'"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[tokio::test]
async fn every_route_class_sends_its_headers() {
    let server = TestServer::start().await;
    let (api, conversation) = seeded(&server).await;
    let (framed, _) = token_with(&api, &["https://app.example.com", "https://*.Example.org"]).await;
    let (open, _) = token_with(&api, &[]).await;
    let (revoked, revoked_id) = token_with(&api, &["https://app.example.com"]).await;
    api.delete(&format!("/embed_tokens/{revoked_id}"))
        .await
        .expect(200);

    let embed = server.get_with(&format!("/embed/{framed}"), &[]).await;
    let thread = server
        .get_with(
            &format!("/embed/{framed}/conversations/{conversation}"),
            &[],
        )
        .await;
    let open_page = server.get_with(&format!("/embed/{open}"), &[]).await;
    let invalid = server
        .get_with("/embed/iet_0000000000000000000000000000000x", &[])
        .await;
    let revoked_page = server.get_with(&format!("/embed/{revoked}"), &[]).await;
    let rpc = server.rpc("load_session", &[("token", &framed)], &[]).await;
    let api_ok = get_project(&server.http, &server.base, &api.key).await;
    let api_401 = server.get_with("/api/v1/project", &[]).await;
    let health = server.get_with("/healthz", &[]).await;
    let asset = server.get_with("/favicon.svg", &[]).await;
    let home = server.get_with("/", &[]).await;
    let missing = server.get_with("/no/such/file.txt", &[]).await;

    let matrix = [
        row("embed list", &embed),
        row("embed thread", &thread),
        row("embed, no allowed origins", &open_page),
        row("401 page, unknown token", &invalid),
        row("401 page, revoked token", &revoked_page),
        row("server function", &rpc),
        row("API", &api_ok),
        row("API 401", &api_401),
        row("health", &health),
        row("static asset", &asset),
        row("home page", &home),
        row("404 page", &missing),
    ];
    eprintln!("| route | status | frame-ancestors | X-Frame-Options | scripts | Referrer-Policy | nosniff | Cache-Control |");
    for r in &matrix {
        eprintln!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.class,
            r.status,
            r.frame_ancestors.as_deref().unwrap_or("(none: any)"),
            r.x_frame_options.as_deref().unwrap_or("-"),
            r.scripts,
            r.referrer.as_deref().unwrap_or("-"),
            r.nosniff,
            r.cache.as_deref().unwrap_or("-"),
        );
    }

    // Embed pages: framed by the token's origins only, never X-Frame-Options.
    for (what, got, status, frame) in [
        (
            "embed list",
            &embed,
            200,
            Some("https://app.example.com https://*.example.org"),
        ),
        (
            "embed thread",
            &thread,
            200,
            Some("https://app.example.com https://*.example.org"),
        ),
        ("embed, no allowed origins", &open_page, 200, None),
        ("401 page", &invalid, 401, None),
        ("401 page, revoked", &revoked_page, 401, None),
    ] {
        assert_eq!(got.status, status, "{what}: {}", got.body);
        got.expect(
            what,
            &[
                ("frame-ancestors", frame),
                ("default-src", Some("'self'")),
                ("object-src", Some("'none'")),
                ("base-uri", Some("'none'")),
            ],
            &[
                ("x-frame-options", None),
                ("referrer-policy", Some("no-referrer")),
                ("x-content-type-options", Some("nosniff")),
                ("cache-control", Some("no-store")),
            ],
        );
        assert_scripts_carry_the_nonce(got, what, status == 200);
    }
    // Each response its own nonce.
    assert_ne!(
        embed.directive("script-src"),
        thread.directive("script-src")
    );
    assert!(invalid.body.contains("data-error=\"invalid\""));
    assert!(revoked_page.body.contains("data-error=\"revoked\""));

    // Everything else refuses framing both ways.
    for (what, got, status) in [
        ("server function", &rpc, 200),
        ("API", &api_ok, 200),
        ("API 401", &api_401, 401),
        ("health", &health, 200),
        ("static asset", &asset, 200),
        ("home page", &home, 200),
        ("404 page", &missing, 404),
    ] {
        assert_eq!(got.status, status, "{what}: {}", got.body);
        got.expect(
            what,
            &[("frame-ancestors", Some("'none'"))],
            &[
                ("x-frame-options", Some("DENY")),
                ("referrer-policy", Some("no-referrer")),
                ("x-content-type-options", Some("nosniff")),
            ],
        );
    }
    for (what, got) in [
        ("server function", &rpc),
        ("API", &api_ok),
        ("health", &health),
    ] {
        got.expect(
            what,
            &[("default-src", Some("'none'"))],
            &[("cache-control", Some("no-store"))],
        );
    }
    asset.expect("static asset", &[("default-src", Some("'none'"))], &[]);
    assert_scripts_carry_the_nonce(&home, "home page", false);
    // The 404 page's inline style is allowed by its hash, and nothing else inline.
    let style = &missing.body[missing.body.find("<style>").expect("inline style") + 7
        ..missing.body.find("</style>").expect("style end")];
    let hash = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style.as_bytes()))
    );
    let style_src = missing.directive("style-src").expect("style-src");
    assert!(style_src.contains(&hash), "{style_src} allows {hash}");
    assert!(!style_src.contains("unsafe-inline"), "{style_src}");
    assert_eq!(missing.directive("script-src").as_deref(), Some("'none'"));
    // The shell's nonce hand-over header never leaves the server.
    for r in [&embed, &home, &rpc] {
        assert!(r.header("x-inbox-csp-nonce").is_none());
    }
}

#[tokio::test]
async fn the_origin_gate_admits_own_and_allowed_origins_only() {
    let server = TestServer::start().await;
    let (api, _) = seeded(&server).await;
    let (framed, framed_id) =
        token_with(&api, &["https://app.example.com", "https://*.example.org"]).await;
    let (open, _) = token_with(&api, &[]).await;
    let own = server.base.clone();

    for (origin, status) in [
        (None, 200),
        (Some(own.as_str()), 200),
        (Some("https://app.example.com"), 200),
        (Some("https://app.example.com:443"), 200),
        (Some("https://a.b.example.org"), 200),
        (Some("https://evil.example.com"), 403),
        (Some("http://app.example.com"), 403),
        (Some("https://app.example.com:8443"), 403),
        (Some("https://example.org"), 403),
        (Some("https://app.example.com.evil.net"), 403),
        (Some("null"), 403),
        (Some("garbage"), 403),
    ] {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
        let got = server
            .rpc("load_session", &[("token", &framed)], &headers)
            .await;
        assert_eq!(
            got.status, status,
            "server function from {origin:?}: {}",
            got.body
        );
        if status == 403 {
            assert_eq!(got.json(), json!("ForeignOrigin"), "{origin:?}");
        } else {
            assert!(
                got.json().get("theme").is_some(),
                "{origin:?}: {}",
                got.body
            );
        }
        let page = server.get_with(&format!("/embed/{framed}"), &headers).await;
        assert_eq!(page.status, status, "page from {origin:?}");
        if status == 403 {
            assert!(
                page.body.contains("data-testid=\"notice\""),
                "{}",
                page.body
            );
            assert!(
                !page.body.contains("Ana"),
                "a refused page shows no conversation"
            );
            assert_eq!(
                page.directive("frame-ancestors").as_deref(),
                Some("https://app.example.com https://*.example.org")
            );
        }
    }
    // The same token with a letter percent-encoded is the same token: gated and framed alike.
    let encoded = format!(
        "{}%{:02X}{}",
        &framed[..4],
        framed.as_bytes()[4],
        &framed[5..]
    );
    let sneaky = server
        .get_with(
            &format!("/embed/{encoded}"),
            &[("origin", "https://evil.example.com")],
        )
        .await;
    assert_eq!(sneaky.status, 403, "{}", sneaky.body);
    let framed_page = server.get_with(&format!("/embed/{encoded}"), &[]).await;
    assert_eq!(framed_page.status, 200);
    assert_eq!(
        framed_page.directive("frame-ancestors").as_deref(),
        Some("https://app.example.com https://*.example.org")
    );
    // No list: any origin, as any framer.
    for origin in ["https://evil.example.com", "null"] {
        let got = session(&server, &open, origin).await;
        assert_eq!(got.status, 200, "{origin}: {}", got.body);
    }
    // An invalid token is a 401 whatever the origin.
    let got = session(
        &server,
        "iet_0000000000000000000000000000000x",
        "https://evil.example.com",
    )
    .await;
    assert_eq!(got.status, 401);

    // CORS: preflights answered for allowed origins only, with Vary: Origin.
    let preflight = |origin: &'static str| {
        let url = format!("{}/embed/{framed}", server.base);
        let http = server.http.clone();
        async move {
            send(
                &http,
                Method::OPTIONS,
                &url,
                &[("origin", origin), ("access-control-request-method", "GET")],
                None,
            )
            .await
        }
    };
    let allowed = preflight("https://app.example.com").await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    allowed.expect_cors("https://app.example.com");
    let foreign = preflight("https://evil.example.com").await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    let simple = server
        .get_with(
            &format!("/embed/{framed}"),
            &[("origin", "https://x.example.org")],
        )
        .await;
    simple.expect_cors("https://x.example.org");
    // Server functions are the embed's own: no cross-origin preflight is answered.
    let rpc_preflight = send(
        &server.http,
        Method::OPTIONS,
        &format!("{}/rpc/load_session", server.base),
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "POST"),
        ],
        None,
    )
    .await;
    assert_eq!(rpc_preflight.status, 403);
    assert_eq!(rpc_preflight.header("access-control-allow-origin"), None);

    // A changed list applies from the next request.
    let patched = api
        .patch(
            &format!("/embed_tokens/{framed_id}"),
            json!({ "allowed_origins": ["https://evil.example.com"] }),
        )
        .await;
    assert_eq!(
        patched.expect(200)["allowed_origins"],
        json!(["https://evil.example.com"])
    );
    let evil = session(&server, &framed, "https://evil.example.com").await;
    assert_eq!(evil.status, 200, "{}", evil.body);
    let app = session(&server, &framed, "https://app.example.com").await;
    assert_eq!(app.status, 403);
    // A bad entry in an update is refused by name, and changes nothing.
    let refused = api
        .patch(
            &format!("/embed_tokens/{framed_id}"),
            json!({ "allowed_origins": ["https://ok.example.com", "https://*"] }),
        )
        .await;
    let message = refused.expect_error(422);
    assert!(message.contains("\"https://*\""), "{message}");
    let kept = api.get(&format!("/embed_tokens/{framed_id}")).await;
    assert_eq!(
        kept.expect(200)["allowed_origins"],
        json!(["https://evil.example.com"])
    );
}

#[tokio::test]
async fn revocation_and_expiry_apply_to_the_next_request() {
    let server = TestServer::start().await;
    let (api, _) = seeded(&server).await;
    let (token, id) = token_with(&api, &[]).await;
    assert_eq!(
        server
            .rpc("load_session", &[("token", &token)], &[])
            .await
            .status,
        200
    );
    api.delete(&format!("/embed_tokens/{id}")).await.expect(200);
    let got = server.rpc("load_session", &[("token", &token)], &[]).await;
    assert_eq!((got.status, got.json()), (401, json!("RevokedToken")));

    let (token, id) = token_with(&api, &[]).await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    api.patch(
        &format!("/embed_tokens/{id}"),
        json!({ "expires_at": soon }),
    )
    .await
    .expect(200);
    assert_eq!(
        server
            .rpc("load_session", &[("token", &token)], &[])
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let got = server.rpc("load_session", &[("token", &token)], &[]).await;
    assert_eq!((got.status, got.json()), (401, json!("ExpiredToken")));
    let page = server.get_with(&format!("/embed/{token}"), &[]).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("data-error=\"expired\""));
}

#[tokio::test]
async fn bodies_over_the_limits_get_413_in_their_own_format() {
    let server = TestServer::start().await;
    let (api, conversation) = seeded(&server).await;
    let (token, _) = token_with(&api, &[]).await;
    let before = api.walk("/contacts", 100).await.len();

    let huge = format!(r#"{{"display_name":"{}"}}"#, "x".repeat(2 << 20));
    let got = api
        .post_raw("/contacts", Some("application/json"), &huge)
        .await;
    got.expect_error(413);
    assert_eq!(
        api.walk("/contacts", 100).await.len(),
        before,
        "nothing half-stored"
    );

    let filler = "x".repeat(100 << 10);
    let got = server
        .rpc("load_session", &[("token", &token), ("pad", &filler)], &[])
        .await;
    assert_eq!(got.status, 413, "{}", got.body);
    assert_eq!(got.json(), json!("TooLarge"));

    let got = send(
        &server.http,
        Method::POST,
        &format!("{}/embed/{token}", server.base),
        &[],
        Some(("text/plain", filler)),
    )
    .await;
    assert_eq!(got.status, 413);
    assert!(
        got.body.contains("data-testid=\"notice\""),
        "a themed page: {}",
        got.body
    );

    // Text longer than a WhatsApp message is refused by name.
    let got = api
        .post(
            &format!("/conversations/{conversation}/messages"),
            json!({ "direction": "incoming", "kind": "text", "content": "y".repeat(4097) }),
        )
        .await;
    let message = got.expect_error(422);
    assert!(message.contains("4096"), "{message}");
}

#[tokio::test]
async fn failed_credentials_are_limited_per_client_address() {
    let server = TestServer::start().await;
    let (api, _) = seeded(&server).await;
    let (token, _) = token_with(&api, &[]).await;
    let bad = server.api_with_header(Some("Bearer iek_not-a-key"));
    // The default budget: 20 failures a minute, refilled one every 3 s.
    for i in 0..20 {
        let got = bad.get("/project").await;
        assert_eq!(got.status, 401, "failure {i}");
    }
    let got = bad.get("/project").await;
    assert_eq!(got.status, 429, "{}", got.text);
    assert_eq!(got.body["error"], "Too Many Requests");
    // Even a good key or token waits now, from this address.
    let limited = get_project(&server.http, &server.base, &api.key).await;
    assert_eq!(limited.status, 429);
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    let page = server.get_with(&format!("/embed/{token}"), &[]).await;
    assert_eq!(page.status, 429);
    assert!(page.header("retry-after").is_some());
    assert!(page.body.contains("Too many attempts"), "{}", page.body);
    let rpc = server.rpc("load_session", &[("token", &token)], &[]).await;
    assert_eq!(
        (rpc.status, rpc.json()["TooManyAttempts"].is_u64()),
        (429, true),
        "{}",
        rpc.body
    );
    // What needs no credential is not limited.
    assert_eq!(server.get_with("/healthz", &[]).await.status, 200);
    // Another address is not affected.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().ok())
        .build()
        .expect("client");
    let got = get_project(&other, &server.base, &api.key).await;
    assert_eq!(got.status, 200, "{}", got.body);
    // After the wait, one more attempt is allowed.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let got = api.get("/project").await;
    assert_eq!(got.status, 200, "{}", got.text);
}

/// The release binary's logs at the most verbose level, through a session that presents
/// tokens and keys every way: no secret appears, the requests do.
#[test]
fn secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::new(dir.path());
    let database_url = db.url.clone();
    let bin = env!("CARGO_BIN_EXE_inbox-embed");
    let envs = [
        ("DATABASE_URL", database_url.as_str()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ("LEPTOS_SITE_ROOT", "public"),
        // The site may not be built yet: no hashed file names to read.
        ("LEPTOS_HASH_FILES", "false"),
        ("RUST_LOG", "trace"),
    ];
    let created = Command::new(bin)
        .args(["project", "create", "--name", "logs"])
        .envs(envs)
        .output()
        .expect("project create");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let project: Value = serde_json::from_slice(
        created
            .stdout
            .split(|b| *b == b'\n')
            .find(|l| l.starts_with(b"{"))
            .expect("a JSON line"),
    )
    .expect("JSON");
    let key = project["api_key"].as_str().expect("api_key").to_string();
    let jwt_secret = project["jwt_secret"]
        .as_str()
        .expect("jwt_secret")
        .to_string();

    let mut child = Command::new(bin)
        .arg("serve")
        .envs(envs)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let log = Arc::new(Mutex::new(String::new()));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let reader = {
        let log = log.clone();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let _ = addr_tx.send(line[at + "listening on ".len()..].trim().to_string());
                }
                let mut log = log.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        })
    };
    let base = addr_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let secrets = runtime.block_on(async {
        let http = reqwest::Client::new();
        let auth = [("authorization", format!("Bearer {key}"))];
        let api_post = |path: &str, body: Value| {
            let http = http.clone();
            let url = format!("{base}/api/v1{path}");
            let key = key.clone();
            async move {
                let res = http
                    .post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .expect("POST");
                assert!(res.status().is_success(), "{}", res.status());
                res.json::<Value>().await.expect("JSON")
            }
        };
        let inbox = api_post(
            "/inboxes",
            json!({ "name": "WA", "channel_type": "whatsapp" }),
        )
        .await;
        let contact = api_post("/contacts", json!({ "display_name": "Ana" })).await;
        let conversation = api_post(
            "/conversations",
            json!({ "inbox_id": inbox["id"], "contact_id": contact["id"] }),
        )
        .await;
        let conversation = conversation["id"].as_str().expect("id").to_string();
        let webhook_secret = inbox["webhook_secret"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let created = api_post(
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "project" } }),
        )
        .await;
        let token = created["token"].as_str().expect("token").to_string();
        let now = chrono::Utc::now().timestamp();
        let jwt = inbox_embed::server::agent_jwt::sign(
            &serde_json::from_value(json!({
                "iat": now, "exp": now + 600, "id": "a", "name": "A",
                "project_id": project["id"],
            }))
            .expect("claims"),
            &jwt_secret,
        )
        .expect("sign");
        for path in [
            format!("/embed/{jwt}"),
            format!("/embed/{jwt}/conversations/{conversation}"),
            format!("/embed/{token}"),
            format!("/embed/{token}/conversations/{conversation}"),
            format!("/embed/{token}/conversations/not-an-id"),
            format!("/embed/{token}?search=x&status=all"),
            format!("/embed/{token}x"),
            format!("/embed/{}", &token[..20]),
        ] {
            let res = http.get(format!("{base}{path}")).send().await.expect("GET");
            res.text().await.expect("body");
        }
        let res = http
            .post(format!("{base}/rpc/load_session"))
            .header("origin", "https://evil.example.com")
            .form(&[("token", token.as_str())])
            .send()
            .await
            .expect("rpc");
        res.text().await.expect("body");
        let res = http
            .get(format!("{base}/api/v1/project"))
            .header(auth[0].0, &auth[0].1)
            .send()
            .await
            .expect("GET");
        res.text().await.expect("body");
        let res = http
            .get(format!("{base}/api/v1/project"))
            .bearer_auth(format!("{key}x"))
            .send()
            .await
            .expect("GET");
        res.text().await.expect("body");
        (
            vec![token, key.clone(), jwt_secret.clone(), webhook_secret],
            jwt,
        )
    });
    let (secrets, jwt) = secrets;
    // SIGTERM: the server shuts down gracefully and flushes its log.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    reader.join().expect("reader");
    let log = log.lock().expect("log").clone();
    assert!(
        log.contains("/embed/iet_…/conversations/"),
        "the requests are logged, redacted: {}",
        &log[..log.len().min(3000)]
    );
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        // The secret part after the kind prefix, whole or in its first 12 characters.
        let body = &secret[4..];
        assert!(!log.contains(body), "a secret in the log");
        assert!(!log.contains(&body[..12]), "part of a secret in the log");
    }
    assert!(
        log.contains("/embed/eyJ…"),
        "JWT paths are logged, redacted"
    );
    for part in jwt.split('.') {
        assert!(!log.contains(&part[3..]), "part of an agent JWT in the log");
    }
    eprintln!("{} log lines checked", log.lines().count());
}

/// Strings that must stay text: tests/fixtures/hostile.json, shared with the browser tests.
fn hostile() -> Vec<String> {
    let corpus: Value =
        serde_json::from_str(include_str!("../fixtures/hostile.json")).expect("corpus JSON");
    corpus["strings"]
        .as_array()
        .expect("strings")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// The text a reader sees: tags dropped (outside scripts and styles), entities decoded.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("<body").unwrap_or(0)..];
    let mut out = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_all(&rest[..open]));
        let tag = &rest[open..];
        let skip_to = if tag.starts_with("<script") || tag.starts_with("<style") {
            let close = if tag.starts_with("<script") {
                "</script>"
            } else {
                "</style>"
            };
            tag.find(close).map(|i| i + close.len())
        } else if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else {
            tag.find('>').map(|i| i + 1)
        };
        rest = &tag[skip_to.unwrap_or(tag.len())..];
    }
    out.push_str(&decode_all(rest));
    out
}

fn decode_all(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|e| {
            let entity = &tail[1..e];
            let c = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Nothing in the page is markup that a hostile string made.
#[track_caller]
fn assert_inert(got: &Got, what: &str) {
    let nonce = got
        .directive("script-src")
        .and_then(|s| {
            s.split_whitespace()
                .find_map(|p| Some(p.strip_prefix("'nonce-")?.strip_suffix('\'')?.to_string()))
        })
        .expect("a nonce");
    for e in elements(&got.body) {
        assert!(e.attr("data-injected").is_none(), "{what}: injected {e:?}");
        for (name, value) in &e.attrs {
            assert!(!name.starts_with("on"), "{what}: handler on {e:?}");
            if ["href", "src", "action", "formaction", "data", "srcdoc"].contains(&name.as_str()) {
                let v = value.trim().to_ascii_lowercase();
                let relative = v.starts_with('/') || v.starts_with('?') || v.starts_with('#');
                let scheme_ok = ["https://", "http://", "mailto:", "tel:"]
                    .iter()
                    .any(|s| v.starts_with(s));
                assert!(
                    relative || scheme_ok,
                    "{what}: {name}={value:?} on <{}>",
                    e.name
                );
            }
        }
        // The composer's own text box is the one textarea the page has.
        let ours = e.name == "textarea" && e.attr("data-testid") == Some("composer");
        assert!(
            ours || !["iframe", "object", "embed", "form", "base", "math", "textarea"]
                .contains(&e.name.as_str()),
            "{what}: <{}> in the page",
            e.name
        );
        if e.name == "script" {
            assert_eq!(
                e.attr("nonce"),
                Some(nonce.as_str()),
                "{what}: a script the app did not write"
            );
        }
        if e.name == "meta" {
            assert!(e.attr("http-equiv").is_none(), "{what}: {e:?}");
        }
        if e.name == "link" {
            assert!(
                e.attr("href").is_some_and(|h| h.starts_with('/')),
                "{what}: a foreign <link>: {e:?}"
            );
        }
        if e.name == "a"
            && e.attr("href")
                .is_some_and(|h| !h.starts_with('/') && !h.starts_with('?'))
        {
            assert_eq!(e.attr("target"), Some("_blank"), "{what}: {e:?}");
            let rel = e.attr("rel").unwrap_or_default();
            assert!(
                rel.contains("noopener") && rel.contains("noreferrer"),
                "{what}: {e:?}"
            );
        }
    }
}

/// Where a hostile string goes: the message that carries it, and the texts a reader must
/// then see.
fn placements(s: &str) -> Vec<(&'static str, Value, Vec<String>)> {
    let plain = inbox_embed::model::plain_text(s);
    vec![
        (
            "incoming text",
            json!({ "direction": "incoming", "kind": "text", "content": s }),
            vec![plain.clone()],
        ),
        (
            "agent text and name",
            json!({ "direction": "outgoing", "kind": "text", "content": s, "sender": { "type": "agent", "name": truncate(s, 200) } }),
            vec![plain.clone(), truncate(s, 200)],
        ),
        (
            "file name",
            json!({ "direction": "incoming", "kind": "document", "media": { "url": "https://cdn.example.com/f.pdf", "mime_type": "application/pdf", "filename": truncate(s, 255) } }),
            vec![truncate(s, 255)],
        ),
        (
            "template name and parameter",
            json!({ "direction": "outgoing", "kind": "template", "template": { "name": truncate(s, 200), "parameters": [s] } }),
            vec![truncate(s, 200), plain.clone()],
        ),
        (
            "reply title",
            json!({ "direction": "incoming", "kind": "interactive", "interactive": { "type": "button_reply", "id": "b", "title": s } }),
            vec![s.to_string()],
        ),
        (
            "buttons",
            json!({ "direction": "outgoing", "kind": "interactive", "content": s, "interactive": { "type": "button", "header": truncate(s, 60), "buttons": [{ "id": "1", "title": truncate(s, 20) }] } }),
            vec![plain, truncate(s, 60), truncate(s, 20)],
        ),
        (
            "list",
            json!({ "direction": "outgoing", "kind": "interactive", "content": "pick", "interactive": { "type": "list", "button": truncate(s, 20), "sections": [{ "title": truncate(s, 24), "rows": [{ "id": "r", "title": truncate(s, 24), "description": truncate(s, 72) }] }] } }),
            vec![truncate(s, 20), truncate(s, 24), truncate(s, 72)],
        ),
    ]
}

#[tokio::test]
async fn the_hostile_corpus_renders_as_text() {
    let server = TestServer::start().await;
    let api = server.project("Hostile").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let corpus = hostile();
    let token = api.project_token().await;
    // A contact named by each string, each in a conversation of its own.
    for s in &corpus {
        let contact = id_of(&api.contact(&truncate(s, 200), None).await);
        let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
        api.text(&conversation, "incoming", "hi").await;
    }
    let list = server
        .get_with(&format!("/embed/{token}?status=all"), &[])
        .await;
    assert_eq!(list.status, 200);
    assert_inert(&list, "list");
    let text = visible_text(&list.body);
    for s in &corpus {
        assert!(
            text.contains(&truncate(s, 200)),
            "the name {s:?} shown as text in the list"
        );
    }
    let mut placed = corpus.len();
    // Per field, a conversation holding every string there (fewer than a thread page).
    let kinds = placements("x").len();
    for k in 0..kinds {
        let field = placements("x")[k].0;
        let contact = id_of(&api.contact(&format!("Corpus {field}"), None).await);
        let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
        for s in &corpus {
            let (_, message, _) = placements(s).swap_remove(k);
            let r = api
                .post(
                    &format!("/conversations/{conversation}/messages"),
                    message.clone(),
                )
                .await;
            assert_eq!(r.status, 201, "{message}: {}", r.text);
            placed += 1;
        }
        let thread = server
            .get_with(&format!("/embed/{token}/conversations/{conversation}"), &[])
            .await;
        assert_eq!(thread.status, 200, "{field}");
        assert_inert(&thread, field);
        let text = visible_text(&thread.body);
        for s in &corpus {
            for expected in &placements(s)[k].2 {
                assert!(
                    text.contains(expected.as_str()),
                    "{field}: {expected:?} shown as text"
                );
            }
        }
    }
    eprintln!(
        "{} hostile strings in {placed} places, checked in the server-rendered HTML",
        corpus.len()
    );
}
