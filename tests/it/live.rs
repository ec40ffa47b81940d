//! The live socket (§5) with a real WebSocket client against a real server: scoped
//! delivery (a property over random worlds), the origin gate, catch-up with no gap and no
//! duplicate, the log's horizon, revocation and expiry, and a slow consumer.

use std::time::Duration;

use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What the socket said next.
#[derive(Debug, Clone, PartialEq)]
enum Frame {
    Json(Value),
    Closed(u16),
    /// Nothing within the wait.
    Quiet,
}

struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Opens `/embed/{token}/ws[?since=]` with an optional `Origin`; the HTTP status on refusal.
async fn connect(
    server: &TestServer,
    token: &str,
    since: Option<i64>,
    origin: Option<&str>,
) -> Result<Socket, u16> {
    let query = since.map(|s| format!("?since={s}")).unwrap_or_default();
    let url = format!("ws://{}/embed/{token}/ws{query}", server.addr);
    let mut request = url.into_client_request().expect("request");
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(Socket { ws }),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

impl Socket {
    async fn next(&mut self, wait: Duration) -> Frame {
        // One deadline for the whole wait: pings do not extend it.
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return Frame::Quiet,
                Ok(None) => return Frame::Closed(1006),
                Ok(Some(Err(_))) => return Frame::Closed(1006),
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Frame::Json(serde_json::from_str(&text).expect("frames are JSON"))
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Frame::Closed(frame.map_or(1005, |f| u16::from(f.code)))
                }
                // A ping: tungstenite queues the pong; flushing sends it, as a browser does.
                Ok(Some(Ok(_))) => {
                    let _ = self.ws.flush().await;
                }
            }
        }
    }

    /// The next frame, which must be JSON.
    async fn json(&mut self) -> Value {
        match self.next(Duration::from_secs(10)).await {
            Frame::Json(v) => v,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// Reads up to the `ready` frame; returns the events before it.
    async fn until_ready(&mut self) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        loop {
            let frame = self.json().await;
            if frame["type"] == "ready" {
                return (events, frame);
            }
            events.push(frame);
        }
    }

    /// Reads `n` events, failing after 10 s of silence.
    async fn events(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next(Duration::from_secs(10)).await {
                Frame::Json(v) => out.push(v),
                other => panic!("after {} of {n} events: {other:?}", out.len()),
            }
        }
        out
    }

    async fn quiet_for(&mut self, wait: Duration) {
        match self.next(wait).await {
            Frame::Quiet => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    /// Waits for the server to close the socket; returns the close code.
    async fn closed(&mut self, within: Duration) -> u16 {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Frame::Closed(code) => return code,
                Frame::Json(_) => continue,
                Frame::Quiet => panic!("not closed within {within:?}"),
            }
        }
    }
}

fn ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect()
}

fn assert_increasing(ids: &[i64]) {
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event ids not strictly increasing: {ids:?}"
    );
}

/// A project with one inbox and `n` conversations; returns the API, the inbox and the
/// conversation ids.
async fn small_world(server: &TestServer, n: usize) -> (Api, String, Vec<String>) {
    let api = server.project("Live").await;
    let inbox = api.inbox("Support", "api", None).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut conversations = Vec::new();
    for i in 0..n {
        let contact = api.contact(&format!("Contact {i}"), None).await;
        let c = api
            .conversation(&inbox, contact["id"].as_str().unwrap(), json!({}))
            .await;
        conversations.push(c["id"].as_str().unwrap().to_string());
    }
    (api, inbox, conversations)
}

#[tokio::test]
async fn events_have_the_spec_shape_and_follow_each_change() {
    let server = TestServer::start().await;
    let (api, _, conversations) = small_world(&server, 1).await;
    let c = &conversations[0];
    let token = api.project_token().await;
    let mut ws = connect(&server, &token, None, None).await.expect("upgrade");
    let (replayed, ready) = ws.until_ready().await;
    assert!(replayed.is_empty());
    assert!(ready["last_id"].as_i64().unwrap() >= 1);

    let m = api.text(c, "incoming", "Hola").await;
    let events = ws.events(2).await;
    assert_eq!(events[0]["type"], "message.created");
    assert_eq!(events[0]["conversation_id"], c.as_str());
    assert_eq!(events[0]["data"]["message"]["id"], m["id"]);
    assert_eq!(events[0]["data"]["message"]["content"], "Hola");
    assert_eq!(events[1]["type"], "conversation.updated");
    let view = &events[1]["data"]["conversation"];
    assert_eq!(view["unread_count"], 1);
    assert_eq!(view["preview"]["text"], "Hola");
    assert_increasing(&ids(&events));
    assert!(ids(&events)[0] > ready["last_id"].as_i64().unwrap());

    // A receipt on the last message: the message and the list's ticks.
    let out = api.text(c, "outgoing", "Hi!").await;
    ws.events(2).await;
    api.patch(
        &format!("/messages/{}", out["id"].as_str().unwrap()),
        json!({ "status": "delivered" }),
    )
    .await
    .expect(200);
    let events = ws.events(2).await;
    assert_eq!(events[0]["type"], "message.updated");
    assert_eq!(events[0]["data"]["message"]["status"], "delivered");
    assert_eq!(
        events[1]["data"]["conversation"]["preview"]["status"],
        "delivered"
    );

    // Handoff, status and the contact's name.
    api.patch(
        &format!("/conversations/{c}"),
        json!({ "handoff": "waiting" }),
    )
    .await
    .expect(200);
    let e = ws.events(1).await.remove(0);
    assert_eq!(e["type"], "conversation.updated");
    assert_eq!(e["data"]["conversation"]["handoff"], "waiting");
    let contact_id = e["data"]["conversation"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.patch(
        &format!("/contacts/{contact_id}"),
        json!({ "display_name": "Ana" }),
    )
    .await
    .expect(200);
    let e = ws.events(1).await.remove(0);
    assert_eq!(e["data"]["conversation"]["contact"]["display_name"], "Ana");

    // A new conversation.
    let contact = api.contact("Bea", None).await;
    let inbox = e["data"]["conversation"]["inbox_id"]
        .as_str()
        .unwrap()
        .to_string();
    let created = api
        .conversation(&inbox, contact["id"].as_str().unwrap(), json!({}))
        .await;
    let e = ws.events(1).await.remove(0);
    assert_eq!(e["type"], "conversation.created");
    assert_eq!(e["conversation_id"], created["id"]);

    // A receipt that changes nothing raises nothing.
    api.patch(
        &format!("/messages/{}", out["id"].as_str().unwrap()),
        json!({ "status": "sent" }),
    )
    .await
    .expect(200);
    ws.quiet_for(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn the_origin_gate_and_bad_requests() {
    let server = TestServer::start_lenient().await;
    let (api, _, _) = small_world(&server, 1).await;
    let token = api
        .token(json!({ "name": "crm", "scope": { "type": "project" }, "allowed_origins": ["https://crm.example.com"] }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        connect(&server, &token, None, Some("https://evil.example.com"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        connect(&server, &token, None, Some("null")).await.err(),
        Some(403)
    );
    for origin in [
        Some("https://crm.example.com"),
        Some(server.base.as_str()),
        None,
    ] {
        let mut ws = connect(&server, &token, None, origin)
            .await
            .unwrap_or_else(|s| panic!("{origin:?} refused with {s}"));
        ws.until_ready().await;
    }
    assert_eq!(
        connect(&server, "iet_nope", None, None).await.err(),
        Some(401)
    );
    assert_eq!(
        connect(&server, &token, Some(-1), None).await.err(),
        Some(400)
    );
    let res = server
        .http
        .get(format!("{}/embed/{token}/ws?since=abc", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Not an upgrade: refused, never a page.
    let res = server
        .http
        .get(format!("{}/embed/{token}/ws", server.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    // Revoked: 401.
    let id = api.get("/embed_tokens").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.delete(&format!("/embed_tokens/{id}")).await.expect(200);
    assert_eq!(
        connect(&server, &token, None, Some("https://crm.example.com"))
            .await
            .err(),
        Some(401)
    );
}

#[tokio::test]
async fn reconnecting_with_since_misses_nothing_and_repeats_nothing() {
    let server = TestServer::start().await;
    let (api, _, conversations) = small_world(&server, 3).await;
    let token = api.project_token().await;
    let mut ws = connect(&server, &token, None, None).await.unwrap();
    let (_, ready) = ws.until_ready().await;
    let start = ready["last_id"].as_i64().unwrap();

    // A writer keeps writing while the client drops and resumes several times.
    let writer = {
        let api = api.clone();
        let conversations = conversations.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let c = &conversations[i % conversations.len()];
                api.text(
                    c,
                    if i % 2 == 0 { "incoming" } else { "outgoing" },
                    &format!("m{i}"),
                )
                .await;
                if i % 7 == 0 {
                    tokio::time::sleep(Duration::from_millis(15)).await;
                }
            }
        })
    };
    let mut seen: Vec<i64> = Vec::new();
    let mut last = start;
    for round in 0..6 {
        // Read a little, then drop the socket without a close.
        for _ in 0..(3 + round) {
            match ws.next(Duration::from_secs(3)).await {
                Frame::Json(e) if e["id"].is_i64() => {
                    last = e["id"].as_i64().unwrap();
                    seen.push(last);
                }
                Frame::Json(_) => {}
                Frame::Quiet => break,
                Frame::Closed(code) => panic!("closed {code}"),
            }
        }
        drop(ws);
        tokio::time::sleep(Duration::from_millis(40)).await;
        ws = connect(&server, &token, Some(last), None).await.unwrap();
        let (replayed, ready) = ws.until_ready().await;
        for e in &replayed {
            last = e["id"].as_i64().unwrap();
            seen.push(last);
        }
        assert_eq!(
            ready["last_id"].as_i64().unwrap(),
            last.max(ready["last_id"].as_i64().unwrap())
        );
    }
    writer.await.unwrap();
    // 60 messages: a message.created and a conversation.updated each.
    let expected = 120;
    while seen.len() < expected {
        match ws.next(Duration::from_secs(5)).await {
            Frame::Json(e) => seen.push(e["id"].as_i64().unwrap()),
            other => panic!("after {} of {expected}: {other:?}", seen.len()),
        }
    }
    assert_increasing(&seen);
    let all: Vec<i64> = (start + 1..=start + expected as i64).collect();
    assert_eq!(seen, all, "every event once, in order");
    ws.quiet_for(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_since_past_the_horizon_or_unknown_asks_for_a_refetch() {
    let server = TestServer::start().await;
    let (api, _, conversations) = small_world(&server, 1).await;
    let token = api.project_token().await;
    for i in 0..3 {
        api.text(&conversations[0], "incoming", &format!("old {i}"))
            .await;
    }
    // Within the log: replayed.
    let mut ws = connect(&server, &token, Some(1), None).await.unwrap();
    let (replayed, _) = ws.until_ready().await;
    assert_eq!(
        replayed.len(),
        6 + 1 - 1,
        "2 per message after event 1 (the creation)"
    );
    drop(ws);

    let pruned = server
        .state
        .store
        .prune_events(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned, 7);
    let mut ws = connect(&server, &token, Some(1), None).await.unwrap();
    let frame = ws.json().await;
    assert_eq!(frame["type"], "refetch");
    assert_eq!(frame["reason"], "horizon");
    let (after, _) = ws.until_ready().await;
    assert!(after.is_empty());
    // Live again after the refetch.
    api.text(&conversations[0], "incoming", "new").await;
    assert_eq!(ws.events(2).await[0]["data"]["message"]["content"], "new");

    // At the horizon exactly: nothing missed.
    let mut ws = connect(&server, &token, Some(7), None).await.unwrap();
    let (replayed, _) = ws.until_ready().await;
    assert_eq!(replayed.len(), 2);

    let mut ws = connect(&server, &token, Some(1_000_000), None)
        .await
        .unwrap();
    let frame = ws.json().await;
    assert_eq!(frame["type"], "refetch");
    assert_eq!(frame["reason"], "unknown");
}

#[tokio::test]
async fn revoking_expiring_or_disallowing_closes_open_sockets() {
    let server = TestServer::start().await;
    let (api, _, _) = small_world(&server, 1).await;
    let mint = |body: Value| {
        let api = api.clone();
        async move {
            let t = api.token(body).await;
            (
                t["id"].as_str().unwrap().to_string(),
                t["token"].as_str().unwrap().to_string(),
            )
        }
    };
    let (revoked_id, revoked) = mint(json!({ "name": "r", "scope": { "type": "project" } })).await;
    let (_, kept) = mint(json!({ "name": "k", "scope": { "type": "project" } })).await;
    let expires = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (_, expiring) =
        mint(json!({ "name": "e", "scope": { "type": "project" }, "expires_at": expires })).await;
    let (narrowed_id, narrowed) = mint(json!({ "name": "n", "scope": { "type": "project" }, "allowed_origins": ["https://a.example.com"] })).await;

    let mut ws_revoked = connect(&server, &revoked, None, None).await.unwrap();
    let mut ws_kept = connect(&server, &kept, None, None).await.unwrap();
    let mut ws_expiring = connect(&server, &expiring, None, None).await.unwrap();
    let mut ws_narrowed = connect(&server, &narrowed, None, Some("https://a.example.com"))
        .await
        .unwrap();
    for ws in [
        &mut ws_revoked,
        &mut ws_kept,
        &mut ws_expiring,
        &mut ws_narrowed,
    ] {
        ws.until_ready().await;
    }

    api.delete(&format!("/embed_tokens/{revoked_id}"))
        .await
        .expect(200);
    assert_eq!(ws_revoked.closed(Duration::from_secs(3)).await, 4401);

    api.patch(
        &format!("/embed_tokens/{narrowed_id}"),
        json!({ "allowed_origins": ["https://b.example.com"] }),
    )
    .await
    .expect(200);
    assert_eq!(ws_narrowed.closed(Duration::from_secs(3)).await, 4401);

    assert_eq!(ws_expiring.closed(Duration::from_secs(6)).await, 4401);
    ws_kept.quiet_for(Duration::from_millis(300)).await;
    assert_eq!(server.state.live.sockets(), 1);
}

/// An agent JWT for a project scope, expiring in `ttl` seconds.
fn agent_jwt(api: &Api, id: &str, ttl: i64) -> String {
    use inbox_embed::server::agent_jwt::{sign, AgentClaims, AgentId};
    let now = chrono::Utc::now().timestamp();
    let claims = AgentClaims {
        iss: Some("tests".into()),
        iat: now,
        exp: now + ttl,
        nbf: None,
        id: AgentId::Text(id.into()),
        name: format!("Agent {id}"),
        email: None,
        project_id: Some(api.project_id.parse().unwrap()),
        whatsapp_config_id: None,
        customer_id: None,
        language: None,
    };
    sign(&claims, &api.jwt_secret).unwrap()
}

#[tokio::test]
async fn agent_jwt_sockets_follow_the_projects_origins_and_their_expiry() {
    let server = TestServer::start().await;
    let (api, _, conversations) = small_world(&server, 1).await;
    api.patch(
        "/project",
        json!({ "jwt_allowed_origins": ["https://a.example.com", "https://b.example.com"] }),
    )
    .await
    .expect(200);
    let long = agent_jwt(&api, "long", 3600);
    let short = agent_jwt(&api, "short", 3);
    assert_eq!(
        connect(&server, &long, None, Some("https://evil.example.com"))
            .await
            .err(),
        Some(403)
    );
    let mut ws_a = connect(&server, &long, None, Some("https://a.example.com"))
        .await
        .unwrap();
    let mut ws_b = connect(&server, &long, None, Some("https://b.example.com"))
        .await
        .unwrap();
    let mut ws_short = connect(&server, &short, None, Some("https://b.example.com"))
        .await
        .unwrap();
    for ws in [&mut ws_a, &mut ws_b, &mut ws_short] {
        ws.until_ready().await;
    }
    // Events reach JWT sockets as they reach token sockets.
    api.text(&conversations[0], "incoming", "hola").await;
    for ws in [&mut ws_a, &mut ws_b] {
        let events = ws.events(2).await;
        assert_eq!(events[0]["type"], "message.created");
    }
    // The project drops an origin: its JWT sockets close, the others stay.
    api.patch(
        "/project",
        json!({ "jwt_allowed_origins": ["https://b.example.com"] }),
    )
    .await
    .expect(200);
    assert_eq!(ws_a.closed(Duration::from_secs(3)).await, 4401);
    // A JWT socket ends when its JWT expires.
    assert_eq!(ws_short.closed(Duration::from_secs(8)).await, 4401);
    ws_b.quiet_for(Duration::from_millis(300)).await;
    assert_eq!(server.state.live.sockets(), 1);
    // A new secret ends every session the old one signed.
    api.post("/project/rotate_jwt_secret", json!({}))
        .await
        .expect(200);
    assert_eq!(ws_b.closed(Duration::from_secs(3)).await, 4401);
    assert_eq!(server.state.live.sockets(), 0);
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_without_holding_up_the_others() {
    let server = TestServer::start_with(|c| {
        c.live.queue = 8;
        c.live.send_timeout = Duration::from_secs(2);
    })
    .await;
    let (api, _, conversations) = small_world(&server, 1).await;
    let c = conversations[0].clone();
    let token = api.project_token().await;
    let mut slow = connect(&server, &token, None, None).await.unwrap();
    let (_, ready) = slow.until_ready().await;
    let start = ready["last_id"].as_i64().unwrap();
    let mut fast = connect(&server, &token, None, None).await.unwrap();
    fast.until_ready().await;
    let (count_tx, mut count_rx) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        loop {
            match fast.next(Duration::from_secs(5)).await {
                Frame::Json(e) => {
                    got.push(e["id"].as_i64().unwrap());
                    let _ = count_tx.send(got.len());
                }
                Frame::Quiet => return got,
                Frame::Closed(code) => panic!("the fast socket closed: {code}"),
            }
        }
    });

    // Large messages until the slow socket (never read) is dropped.
    let text = "x".repeat(4000);
    let mut sent = 0;
    while server.state.live.sockets() == 2 {
        assert!(sent < 5000, "the slow socket was never dropped");
        api.text(&c, "incoming", &text).await;
        sent += 1;
    }
    // The fast one keeps up meanwhile.
    tokio::time::timeout(
        Duration::from_secs(20),
        count_rx.wait_for(|n| *n >= sent * 2),
    )
    .await
    .expect("the fast socket received everything")
    .unwrap();
    let fast_ids = reader.await.unwrap();
    assert_eq!(
        fast_ids,
        (start + 1..=start + 2 * sent as i64).collect::<Vec<_>>()
    );

    // The slow one gets what was buffered, then the end; resuming from its last id fills the rest.
    let mut got = Vec::new();
    let code = loop {
        match slow.next(Duration::from_secs(10)).await {
            Frame::Json(e) => got.push(e["id"].as_i64().unwrap()),
            Frame::Closed(code) => break code,
            Frame::Quiet => panic!("the slow socket was neither fed nor closed"),
        }
    };
    // 4408 when the close frame fits; when even it cannot be written (the client's
    // buffers are full), the connection just ends. Either way the client resumes.
    assert!(code == 4408 || code == 1006, "closed with {code}");
    let last = *got.last().unwrap_or(&start);
    let mut resumed = connect(&server, &token, Some(last), None).await.unwrap();
    let (rest, _) = resumed.until_ready().await;
    got.extend(ids(&rest));
    assert_eq!(got, fast_ids, "the slow client ends with every event once");
}

// Scoped delivery as a property: random worlds, every token's socket receives exactly the
// events of the conversations its scope holds, by an independent model of the scopes.

#[derive(Debug, Clone)]
struct World {
    /// Per inbox: its customer (of 2), if any.
    inboxes: Vec<Option<usize>>,
    /// Per conversation: inbox and assignee (of 2 users).
    conversations: Vec<(usize, Option<usize>)>,
    /// Messages: conversation indexes, in order.
    writes: Vec<usize>,
}

fn world() -> impl Strategy<Value = World> {
    proptest::collection::vec(proptest::option::of(0..2usize), 1..=3).prop_flat_map(|inboxes| {
        let n = inboxes.len();
        proptest::collection::vec((0..n, proptest::option::of(0..2usize)), 1..=5).prop_flat_map(
            move |conversations| {
                let m = conversations.len();
                (
                    Just(inboxes.clone()),
                    Just(conversations),
                    proptest::collection::vec(0..m, 1..=8),
                )
                    .prop_map(|(inboxes, conversations, writes)| World {
                        inboxes,
                        conversations,
                        writes,
                    })
            },
        )
    })
}

#[derive(Debug, Clone, Copy)]
enum ScopeModel {
    Project,
    Inbox(usize),
    Customer(usize),
}

async fn check_world(world: World) {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let other = server.project("B").await;
    let mut customers = Vec::new();
    let mut users = Vec::new();
    for i in 0..2 {
        customers.push(
            api.customer(&format!("Customer {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        users.push(
            api.user(&format!("User {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut inboxes = Vec::new();
    for (i, customer) in world.inboxes.iter().enumerate() {
        let customer = customer.map(|c| customers[c].as_str());
        inboxes.push(
            api.inbox(&format!("Inbox {i}"), "whatsapp", customer).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut conversations = Vec::new();
    for (i, (inbox, assignee)) in world.conversations.iter().enumerate() {
        let contact = api.contact(&format!("C{i}"), None).await;
        let extra = match assignee {
            Some(u) => json!({ "assigned_user_id": users[*u] }),
            None => json!({}),
        };
        conversations.push(
            api.conversation(&inboxes[*inbox], contact["id"].as_str().unwrap(), extra)
                .await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Every scope kind, each plain and narrowed to each user.
    let mut scopes = vec![ScopeModel::Project];
    scopes.extend((0..inboxes.len()).map(ScopeModel::Inbox));
    scopes.extend((0..2).map(ScopeModel::Customer));
    let mut sockets = Vec::new();
    for scope in &scopes {
        for user in [None, Some(0usize), Some(1)] {
            let scope_json = match scope {
                ScopeModel::Project => json!({ "type": "project" }),
                ScopeModel::Inbox(i) => json!({ "type": "whatsapp_config", "id": inboxes[*i] }),
                ScopeModel::Customer(c) => json!({ "type": "customer", "id": customers[*c] }),
            };
            let mut body = json!({ "name": "t", "scope": scope_json });
            if let Some(u) = user {
                body["assigned_user_id"] = json!(users[u]);
            }
            let token = api.token(body).await["token"].as_str().unwrap().to_string();
            let mut ws = connect(&server, &token, None, None).await.unwrap();
            ws.until_ready().await;
            sockets.push((*scope, user, ws));
        }
    }
    // Another project's project-wide token sees none of it.
    let foreign = other.project_token().await;
    let mut foreign_ws = connect(&server, &foreign, None, None).await.unwrap();
    foreign_ws.until_ready().await;

    for &w in &world.writes {
        api.text(&conversations[w], "incoming", &format!("to {w}"))
            .await;
    }
    let visible = |scope: ScopeModel, user: Option<usize>, c: usize| {
        let (inbox, assignee) = world.conversations[c];
        let in_kind = match scope {
            ScopeModel::Project => true,
            ScopeModel::Inbox(i) => i == inbox,
            ScopeModel::Customer(k) => world.inboxes[inbox] == Some(k),
        };
        in_kind && user.is_none_or(|u| assignee == Some(u))
    };
    for (scope, user, ws) in &mut sockets {
        let expected: Vec<String> = world
            .writes
            .iter()
            .filter(|&&w| visible(*scope, *user, w))
            .flat_map(|&w| [conversations[w].clone(), conversations[w].clone()])
            .collect();
        let events = ws.events(expected.len()).await;
        let got: Vec<String> = events
            .iter()
            .map(|e| e["conversation_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected, "scope {scope:?} user {user:?}");
        assert_increasing(&ids(&events));
        ws.quiet_for(Duration::from_millis(150)).await;
    }
    foreign_ws.quiet_for(Duration::from_millis(150)).await;
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn each_socket_receives_exactly_its_scope(world in world()) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(check_world(world));
    }
}

#[tokio::test]
async fn an_assignee_scope_sees_the_conversation_leave_then_nothing() {
    let server = TestServer::start().await;
    let (api, inbox, _) = small_world(&server, 0).await;
    let ana = api.user("Ana").await["id"].as_str().unwrap().to_string();
    let bo = api.user("Bo").await["id"].as_str().unwrap().to_string();
    let contact = api.contact("Client", None).await;
    let c = api
        .conversation(
            &inbox,
            contact["id"].as_str().unwrap(),
            json!({ "assigned_user_id": ana }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = api
        .token(json!({ "name": "ana", "scope": { "type": "project" }, "assigned_user_id": ana }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ws = connect(&server, &token, None, None).await.unwrap();
    ws.until_ready().await;
    api.patch(
        &format!("/conversations/{c}"),
        json!({ "assigned_user_id": bo }),
    )
    .await
    .expect(200);
    let e = ws.events(1).await.remove(0);
    assert_eq!(e["data"]["conversation"]["assigned_user_id"], bo.as_str());
    api.text(&c, "incoming", "for Bo only").await;
    ws.quiet_for(Duration::from_millis(400)).await;
    // And back: it comes in again.
    api.patch(
        &format!("/conversations/{c}"),
        json!({ "assigned_user_id": ana }),
    )
    .await
    .expect(200);
    let e = ws.events(1).await.remove(0);
    assert_eq!(e["data"]["conversation"]["assigned_user_id"], ana.as_str());
    ws.ws.send(Message::Close(None)).await.expect("close");
}

#[tokio::test]
async fn silent_clients_and_oversized_frames_are_closed() {
    let server = TestServer::start_with(|c| {
        c.live.ping = Duration::from_millis(200);
        c.live.idle = Duration::from_millis(900);
    })
    .await;
    let (api, _, _) = small_world(&server, 0).await;
    let token = api.project_token().await;

    // A client that reads (and so answers pings) stays open past the idle limit.
    let mut answering = connect(&server, &token, None, None).await.unwrap();
    answering.until_ready().await;
    answering.quiet_for(Duration::from_millis(2000)).await;

    // One that never reads never answers a ping: closed as idle.
    let mut silent = connect(&server, &token, None, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (_, _) = silent.until_ready().await;
    assert_eq!(silent.closed(Duration::from_secs(3)).await, 4000);

    // Clients only answer pings: a frame over 4 KiB ends the socket.
    let mut big = connect(&server, &token, None, None).await.unwrap();
    big.until_ready().await;
    big.ws
        .send(Message::Text("x".repeat(10_000).into()))
        .await
        .expect("send");
    let code = big.closed(Duration::from_secs(3)).await;
    assert!(code == 1009 || code == 1006, "closed with {code}");
}
