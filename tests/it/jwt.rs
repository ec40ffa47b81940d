//! Agent JWTs at `/embed/{jwt}` (§7): the vectors a verifier must refuse, the project's
//! JWT origins, the agent on what they send, the tabs, and the `jwt` command.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// A JWT from raw header and claims JSON, HMAC-SHA256-signed with `key` whatever the
/// header says (as an attacker would), or unsigned for `alg: none`.
fn forge(header: &Value, claims: &Value, key: Option<&str>) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let message = format!("{}.{}", part(header), part(claims));
    let signature = match key {
        Some(key) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(message.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{message}.{signature}")
}

fn hs256(claims: &Value, key: &str) -> String {
    forge(&json!({ "alg": "HS256", "typ": "JWT" }), claims, Some(key))
}

/// Claims for agent `id` of a project scope, valid for an hour.
fn claims(project_id: &str, id: &str, name: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": "crm.example.com",
        "iat": now,
        "exp": now + 3600,
        "id": id,
        "name": name,
        "email": format!("{id}@example.com"),
        "project_id": project_id,
    })
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// A project with a WhatsApp inbox and two conversations in it.
struct World {
    server: TestServer,
    api: Api,
    inbox: String,
    conversations: Vec<String>,
}

async fn world() -> World {
    world_on(TestServer::start().await).await
}

async fn world_on(server: TestServer) -> World {
    let api = server.project("Agents").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let mut conversations = Vec::new();
    for name in ["Ana", "Bruno"] {
        let contact = id_of(&api.contact(name, None).await);
        let c = id_of(&api.conversation(&inbox, &contact, json!({})).await);
        api.text(&c, "incoming", &format!("hola, soy {name}")).await;
        conversations.push(c);
    }
    World {
        server,
        api,
        inbox,
        conversations,
    }
}

impl World {
    fn jwt(&self, id: &str, name: &str) -> String {
        hs256(
            &claims(&self.api.project_id, id, name),
            &self.api.jwt_secret,
        )
    }

    async fn session(&self, jwt: &str, origin: Option<&str>) -> Got {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
        self.server
            .rpc("load_session", &[("token", jwt)], &headers)
            .await
    }

    /// The list the page renders for `?tab=`.
    async fn list(&self, jwt: &str, tab: &str) -> Vec<String> {
        let page = self.server.page(&format!("/embed/{jwt}?tab={tab}")).await;
        page.expect(200);
        page.conversation_ids()
    }
}

#[tokio::test]
async fn a_valid_jwt_opens_the_inbox_for_its_agent() {
    let w = world().await;
    let jwt = w.jwt("agent-7", "Marta Ruiz");
    let page = w.server.page(&format!("/embed/{jwt}")).await;
    page.expect(200);
    let mut listed = page.conversation_ids();
    listed.sort();
    let mut expected = w.conversations.clone();
    expected.sort();
    assert_eq!(listed, expected);

    let got = w.session(&jwt, None).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let session: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(session["agent"]["name"], "Marta Ruiz");
    assert_eq!(session["agent"]["external_id"], "agent-7");

    // The agent is a project user, found again by its id, with the JWT's issuer kept.
    let users = w.api.walk("/users", 100).await;
    let agent: Vec<&Value> = users
        .iter()
        .filter(|u| u["external_id"] == "agent-7")
        .collect();
    assert_eq!(agent.len(), 1, "{users:?}");
    assert_eq!(agent[0]["name"], "Marta Ruiz");
    assert_eq!(agent[0]["email"], "agent-7@example.com");
    w.session(&w.jwt("agent-7", "Marta R."), None).await;
    let users = w.api.walk("/users", 100).await;
    let agent: Vec<&Value> = users
        .iter()
        .filter(|u| u["external_id"] == "agent-7")
        .collect();
    assert_eq!(agent.len(), 1);
    assert_eq!(agent[0]["name"], "Marta R.");
    // A JWT without an email keeps the one stored.
    let no_email = hs256(
        &with(
            claims(&w.api.project_id, "agent-7", "Marta Ruiz"),
            json!({ "email": null }),
        ),
        &w.api.jwt_secret,
    );
    w.session(&no_email, None).await;
    let users = w.api.walk("/users", 100).await;
    let agent = users
        .iter()
        .find(|u| u["external_id"] == "agent-7")
        .unwrap();
    assert_eq!(
        (&agent["name"], &agent["email"]),
        (&json!("Marta Ruiz"), &json!("agent-7@example.com"))
    );
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&w.server.db.url).await.unwrap();
    let issuer: Vec<String> =
        sqlx::query_scalar("SELECT jwt_issuer FROM users WHERE external_id = 'agent-7'")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(issuer, vec!["crm.example.com".to_string()]);
}

#[tokio::test]
async fn every_bad_vector_is_a_401() {
    // Many refusals from one address: past the failed-credential limit otherwise.
    let w = world_on(TestServer::start_lenient().await).await;
    let other = w.server.project("Other").await;
    let other_inbox = id_of(&other.inbox("Theirs", "whatsapp", None).await);
    let other_customer = id_of(&other.customer("Their customer").await);
    let sms_inbox = id_of(&w.api.inbox("SMS", "sms", None).await);
    let key = w.api.jwt_secret.clone();
    let base = claims(&w.api.project_id, "a1", "Ana Agent");
    let now = Utc::now().timestamp();
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &base,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap();
    let vectors: Vec<(&str, String, &str)> = vec![
        (
            "expired",
            hs256(
                &with(
                    base.clone(),
                    json!({ "iat": now - 7200, "exp": now - 3600 }),
                ),
                &key,
            ),
            "expired",
        ),
        (
            "alg none",
            forge(&json!({ "alg": "none", "typ": "JWT" }), &base, None),
            "invalid",
        ),
        (
            "alg none, signed",
            forge(&json!({ "alg": "none" }), &base, Some(&key)),
            "invalid",
        ),
        ("HS512, same key", hs512, "invalid"),
        (
            "RS256 header",
            forge(&json!({ "alg": "RS256", "typ": "JWT" }), &base, Some(&key)),
            "invalid",
        ),
        (
            "wrong key",
            hs256(&base, "iej_not-the-project-secret"),
            "invalid",
        ),
        (
            "another project's secret",
            hs256(&base, &other.jwt_secret),
            "invalid",
        ),
        (
            "string exp",
            hs256(
                &with(base.clone(), json!({ "exp": (now + 3600).to_string() })),
                &key,
            ),
            "invalid",
        ),
        (
            "string nbf",
            hs256(&with(base.clone(), json!({ "nbf": now.to_string() })), &key),
            "invalid",
        ),
        (
            "string iat",
            hs256(&with(base.clone(), json!({ "iat": now.to_string() })), &key),
            "invalid",
        ),
        (
            "no exp",
            hs256(&with(base.clone(), json!({ "exp": null })), &key),
            "invalid",
        ),
        (
            "no iat",
            hs256(&with(base.clone(), json!({ "iat": null })), &key),
            "invalid",
        ),
        (
            "iat in the future",
            hs256(
                &with(base.clone(), json!({ "iat": now + 600, "exp": now + 3600 })),
                &key,
            ),
            "invalid",
        ),
        (
            "nbf in the future",
            hs256(&with(base.clone(), json!({ "nbf": now + 600 })), &key),
            "invalid",
        ),
        (
            "lifetime over the maximum",
            hs256(
                &with(base.clone(), json!({ "exp": now + 2 * 86_400 })),
                &key,
            ),
            "invalid",
        ),
        (
            "no agent id",
            hs256(&with(base.clone(), json!({ "id": null })), &key),
            "invalid",
        ),
        (
            "empty name",
            hs256(&with(base.clone(), json!({ "name": " " })), &key),
            "invalid",
        ),
        (
            "no scope",
            hs256(&with(base.clone(), json!({ "project_id": null })), &key),
            "invalid",
        ),
        (
            "two scopes",
            hs256(
                &with(base.clone(), json!({ "whatsapp_config_id": w.inbox })),
                &key,
            ),
            "invalid",
        ),
        (
            "another project's inbox, signed with ours",
            hs256(
                &with(
                    base.clone(),
                    json!({ "project_id": null, "whatsapp_config_id": other_inbox }),
                ),
                &key,
            ),
            "invalid",
        ),
        (
            "another project's customer, signed with ours",
            hs256(
                &with(
                    base.clone(),
                    json!({ "project_id": null, "customer_id": other_customer }),
                ),
                &key,
            ),
            "invalid",
        ),
        (
            "another project's id, signed with ours",
            hs256(
                &with(base.clone(), json!({ "project_id": other.project_id })),
                &key,
            ),
            "invalid",
        ),
        (
            "a whatsapp_config that is an SMS inbox",
            hs256(
                &with(
                    base.clone(),
                    json!({ "project_id": null, "whatsapp_config_id": sms_inbox }),
                ),
                &key,
            ),
            "invalid",
        ),
        (
            "oversize",
            hs256(
                &with(base.clone(), json!({ "padding": "x".repeat(5000) })),
                &key,
            ),
            "invalid",
        ),
        (
            "tampered claims",
            {
                let good = hs256(&base, &key);
                let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
                parts[1] = URL_SAFE_NO_PAD.encode(
                    serde_json::to_vec(&with(base.clone(), json!({ "name": "Someone else" })))
                        .unwrap(),
                );
                parts.join(".")
            },
            "invalid",
        ),
        ("not a JWT", "a.b.c".to_string(), "invalid"),
        (
            "negative iat",
            hs256(
                &with(
                    base.clone(),
                    json!({ "iat": i64::MIN + 1, "exp": now + 60 }),
                ),
                &key,
            ),
            "invalid",
        ),
    ];
    // The control: the same claims (another agent id), properly signed, open the inbox.
    let control = hs256(&with(base.clone(), json!({ "id": "control" })), &key);
    w.server
        .page(&format!("/embed/{control}"))
        .await
        .expect(200);
    // Claims of the host's own (an audience, a subject) do not matter.
    let own = hs256(
        &with(
            base.clone(),
            json!({ "id": "control", "aud": "crm", "sub": "x", "jti": "1" }),
        ),
        &key,
    );
    w.server.page(&format!("/embed/{own}")).await.expect(200);
    for (what, jwt, error) in &vectors {
        let page = w.server.page(&format!("/embed/{jwt}")).await;
        assert_eq!(page.status, 401, "{what}: GET answered {}", page.status);
        assert_eq!(page.token_error().as_deref(), Some(*error), "{what}");
        let got = w.session(jwt, None).await;
        assert_eq!(
            got.status, 401,
            "{what}: load_session answered {}",
            got.status
        );
    }
    // Each vector made no agent.
    let users = w.api.walk("/users", 100).await;
    assert!(users.iter().all(|u| u["external_id"] != "a1"), "{users:?}");
}

#[tokio::test]
async fn the_projects_jwt_origins_gate_and_frame_jwt_pages() {
    let w = world().await;
    let jwt = w.jwt("agent-1", "Ana");
    let got = w.api.get("/project").await;
    assert_eq!(got.expect(200)["jwt_allowed_origins"], json!([]));
    w.api
        .patch("/project", json!({ "jwt_allowed_origins": ["ftp://nope"] }))
        .await
        .expect_error(422);
    let got = w
        .api
        .patch(
            "/project",
            json!({ "jwt_allowed_origins": ["https://crm.example.com", "https://*.example.org"] }),
        )
        .await;
    assert_eq!(
        got.expect(200)["jwt_allowed_origins"],
        json!(["https://crm.example.com", "https://*.example.org"])
    );
    let page = w
        .server
        .get_with(
            &format!("/embed/{jwt}"),
            &[("origin", "https://evil.example.net")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("<html lang=\"en\"") && page.body.contains("Not available here"));
    // The refusal page speaks the JWT's language, or `?lang=`'s.
    let spanish = hs256(
        &with(
            claims(&w.api.project_id, "agent-2", "Eva"),
            json!({ "language": "es" }),
        ),
        &w.api.jwt_secret,
    );
    for path in [format!("/embed/{spanish}"), format!("/embed/{jwt}?lang=es")] {
        let page = w
            .server
            .get_with(&path, &[("origin", "https://evil.example.net")])
            .await;
        assert_eq!(page.status, 403);
        assert!(
            page.body.contains("<html lang=\"es\"") && page.body.contains("No disponible aquí"),
            "{}",
            page.body
        );
    }
    let page = w.server.get_with(&format!("/embed/{jwt}"), &[]).await;
    assert_eq!(page.status, 200);
    let csp = page
        .header("content-security-policy")
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("frame-ancestors https://crm.example.com https://*.example.org"),
        "{csp}"
    );
    assert_eq!(
        w.session(&jwt, Some("https://a.example.org")).await.status,
        200
    );
    assert_eq!(
        w.session(&jwt, Some("https://example.org.evil.net"))
            .await
            .status,
        403
    );
    let session: Value =
        serde_json::from_str(&w.session(&jwt, Some("https://crm.example.com")).await.body).unwrap();
    assert_eq!(
        session["allowed_origins"],
        json!(["https://crm.example.com", "https://*.example.org"])
    );
    // Embed tokens keep their own lists.
    let token = w.api.project_token().await;
    assert_eq!(
        w.server
            .rpc(
                "load_session",
                &[("token", &token)],
                &[("origin", "https://evil.example.net")]
            )
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_new_secret_ends_the_old_ones_jwts() {
    let w = world().await;
    let old = w.jwt("agent-1", "Ana");
    w.server.page(&format!("/embed/{old}")).await.expect(200);
    let rotated = w.api.post("/project/rotate_jwt_secret", json!({})).await;
    let secret = rotated.expect(200)["jwt_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("iej_") && secret != w.api.jwt_secret);
    let page = w.server.page(&format!("/embed/{old}")).await;
    assert_eq!(
        (page.status, page.token_error().as_deref()),
        (401, Some("invalid"))
    );
    let new = hs256(&claims(&w.api.project_id, "agent-1", "Ana"), &secret);
    w.server.page(&format!("/embed/{new}")).await.expect(200);
    // The API key is unchanged.
    w.api.get("/project").await.expect(200);
}

#[tokio::test]
async fn what_an_agent_sends_carries_their_name_and_id() {
    let w = world().await;
    let jwt = w.jwt("agent-42", "Lucía Gómez");
    let conversation = &w.conversations[0];
    let got = w
        .server
        .rpc(
            "send_message",
            &[
                ("token", &jwt),
                ("conversation_id", conversation),
                ("text", "¡Hola! Te ayudo."),
                ("client_id", "c-1"),
            ],
            &[],
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let thread = w
        .api
        .walk(&format!("/conversations/{conversation}/messages"), 100)
        .await;
    let sent = thread.last().unwrap();
    assert_eq!(sent["content"], "¡Hola! Te ayudo.");
    assert_eq!(sent["sender"]["type"], "agent");
    assert_eq!(sent["sender"]["name"], "Lucía Gómez");
    assert_eq!(sent["sender"]["external_id"], "agent-42");
}

#[tokio::test]
async fn tabs_mine_new_and_watched() {
    let w = world().await;
    let (ana, bruno) = (&w.conversations[0], &w.conversations[1]);
    let marta = w.jwt("marta", "Marta");
    let pablo = w.jwt("pablo", "Pablo");
    w.session(&marta, None).await;
    w.session(&pablo, None).await;

    // Both wait for a human; nobody has them: both are new, nobody's.
    for c in [ana, bruno] {
        w.api
            .patch(
                &format!("/conversations/{c}"),
                json!({ "handoff": "waiting" }),
            )
            .await
            .expect(200);
    }
    let mut new = w.list(&marta, "new").await;
    new.sort();
    let mut both = vec![ana.clone(), bruno.clone()];
    both.sort();
    assert_eq!(new, both);
    assert!(w.list(&marta, "mine").await.is_empty());

    // Marta takes Ana over: it becomes hers, and leaves "new".
    let got = w
        .server
        .rpc(
            "set_handoff",
            &[
                ("token", &marta),
                ("conversation_id", ana),
                ("handoff", "human"),
            ],
            &[],
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(w.list(&marta, "mine").await, vec![ana.clone()]);
    assert!(w.list(&pablo, "mine").await.is_empty());
    assert_eq!(w.list(&pablo, "new").await, vec![bruno.clone()]);
    let conversation = w.api.get(&format!("/conversations/{ana}")).await;
    let marta_user = w
        .api
        .walk("/users", 100)
        .await
        .into_iter()
        .find(|u| u["external_id"] == "marta")
        .unwrap();
    assert_eq!(
        conversation.expect(200)["assigned_user_id"],
        marta_user["id"]
    );
    // Taking over a conversation someone has leaves it theirs.
    for handoff in ["bot", "human"] {
        let got = w
            .server
            .rpc(
                "set_handoff",
                &[
                    ("token", &pablo),
                    ("conversation_id", ana),
                    ("handoff", handoff),
                ],
                &[],
            )
            .await;
        assert_eq!(got.status, 200, "{}", got.body);
    }
    let conversation = w.api.get(&format!("/conversations/{ana}")).await;
    assert_eq!(
        conversation.expect(200)["assigned_user_id"],
        marta_user["id"]
    );
    assert!(w.list(&pablo, "mine").await.is_empty());

    // Watching is per agent, and survives a new JWT for the same agent.
    let watch = |jwt: &str, c: &str, on: &str| {
        let (jwt, c, on) = (jwt.to_string(), c.to_string(), on.to_string());
        let server = &w.server;
        async move {
            server
                .rpc(
                    "set_watched",
                    &[("token", &jwt), ("conversation_id", &c), ("watched", &on)],
                    &[],
                )
                .await
        }
    };
    assert_eq!(watch(&pablo, bruno, "true").await.status, 200);
    assert_eq!(watch(&pablo, bruno, "true").await.status, 200);
    assert_eq!(w.list(&pablo, "watched").await, vec![bruno.clone()]);
    assert!(w.list(&marta, "watched").await.is_empty());
    let pablo_again = w.jwt("pablo", "Pablo");
    assert_eq!(w.list(&pablo_again, "watched").await, vec![bruno.clone()]);
    let thread = |jwt: String, c: String| {
        let server = &w.server;
        async move {
            let got = server
                .rpc(
                    "load_thread",
                    &[("token", &jwt), ("conversation_id", &c)],
                    &[],
                )
                .await;
            assert_eq!(got.status, 200, "{}", got.body);
            serde_json::from_str::<Value>(&got.body).unwrap()["watched"].clone()
        }
    };
    assert_eq!(
        thread(pablo_again.clone(), bruno.clone()).await,
        json!(true)
    );
    assert_eq!(thread(pablo_again.clone(), ana.clone()).await, json!(false));
    assert_eq!(thread(marta.clone(), bruno.clone()).await, json!(false));
    assert_eq!(watch(&pablo, bruno, "false").await.status, 200);
    assert!(w.list(&pablo, "watched").await.is_empty());

    // An embed token has no agent: tabs mean "all", and watching is refused.
    let token = w.api.project_token().await;
    assert_eq!(w.list(&token, "mine").await.len(), 2);
    assert_eq!(watch(&token, bruno, "true").await.status, 422);
    // A conversation outside the JWT's scope cannot be watched.
    let scoped = hs256(
        &with(
            claims(&w.api.project_id, "pablo", "Pablo"),
            json!({ "project_id": null, "whatsapp_config_id": id_of(&w.api.inbox("Other", "whatsapp", None).await) }),
        ),
        &w.api.jwt_secret,
    );
    assert_eq!(watch(&scoped, bruno, "true").await.status, 404);
}

#[tokio::test]
async fn the_unread_total_covers_the_scope() {
    let w = world().await;
    let jwt = w.jwt("a", "A");
    let total = |jwt: String| {
        let server = &w.server;
        async move {
            let got = server.rpc("unread_total", &[("token", &jwt)], &[]).await;
            assert_eq!(got.status, 200, "{}", got.body);
            got.body.parse::<i64>().unwrap()
        }
    };
    assert_eq!(total(jwt.clone()).await, 2);
    w.api
        .text(&w.conversations[1], "incoming", "¿sigues ahí?")
        .await;
    assert_eq!(total(jwt.clone()).await, 3);
    let other = id_of(&w.api.inbox("Other", "whatsapp", None).await);
    let contact = id_of(&w.api.contact("Zoe", None).await);
    let c = id_of(&w.api.conversation(&other, &contact, json!({})).await);
    w.api.text(&c, "incoming", "hi").await;
    assert_eq!(total(jwt).await, 4);
    let scoped = hs256(
        &with(
            claims(&w.api.project_id, "a", "A"),
            json!({ "project_id": null, "whatsapp_config_id": w.inbox }),
        ),
        &w.api.jwt_secret,
    );
    assert_eq!(total(scoped).await, 3);
}

#[tokio::test]
async fn the_jwt_command_signs_one_the_server_accepts() {
    let db_dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(db_dir.path());
    let envs = [("DATABASE_URL", db.url.clone())];
    let project = create_project_json_with_cli(&envs, "CLI");
    let project_id = project["id"].as_str().unwrap();
    let jwt = |extra: &[&str]| {
        let mut args = vec![
            "jwt",
            "--project",
            project_id,
            "--agent-id",
            "u-9",
            "--name",
            "Nora",
        ];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_inbox-embed"))
            .args(&args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap()
    };
    let out = jwt(&["--ttl", "600"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(claims["project_id"], project_id);
    assert_eq!(claims["name"], "Nora");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    let (mut child, base) = spawn_server(&[
        ("DATABASE_URL", db.url.clone()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_string()),
    ]);
    let status = reqwest::get(format!("{base}/embed/{token}"))
        .await
        .unwrap()
        .status();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(status, 200);

    for (args, says) in [
        (vec!["--scope", "customer:not-an-id"], "--scope"),
        (
            vec![
                "--scope",
                &format!("whatsapp_config:{}", uuid::Uuid::new_v4()),
            ],
            "no WhatsApp inbox",
        ),
        (vec!["--ttl", "999999999"], "--ttl"),
    ] {
        let out = jwt(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn the_demo_prints_an_agent_url_with_the_agents_conversations() {
    let db_dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(db_dir.path());
    let (mut child, base) = spawn_server(&[
        ("DATABASE_URL", db.url.clone()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_string()),
    ]);
    let demo = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-embed"))
        .args(["demo", "--json"])
        .envs([
            ("DATABASE_URL", db.url.as_str()),
            ("PUBLIC_URL", base.as_str()),
        ])
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let out: Value = serde_json::from_slice(&demo.stdout).unwrap();
    let agent_url = out["agent_url"].as_str().unwrap().to_string();
    assert!(
        agent_url.starts_with(&format!("{base}/embed/eyJ")),
        "{agent_url}"
    );
    let http = reqwest::Client::new();
    let page = |url: String| {
        let http = http.clone();
        async move {
            let res = http.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, all) = page(agent_url.clone()).await;
    let (mine_status, mine) = page(format!("{agent_url}?tab=mine")).await;
    child.kill().ok();
    child.wait().ok();
    assert_eq!((status, mine_status), (200, 200));
    assert!(all.contains("Marta Ruiz"), "the agent's name is shown");
    let rows = |html: &str| html.matches("data-testid=\"conversation-item\"").count();
    // The demo assigns the conversations agents took over; Marta has some of them.
    assert!(
        rows(&mine) > 0 && rows(&mine) < rows(&all),
        "mine {} of {}",
        rows(&mine),
        rows(&all)
    );
}
