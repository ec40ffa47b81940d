//! Webhooks from the durable outbox (§6), against a real local receiver that answers as
//! each test scripts it: signed, retried with backoff, exposed over the API, delivered at
//! least once across a killed server.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{json, Value};

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Ok,
    Status(u16),
    /// Answers only after this long (past the sender's timeout).
    Slow(Duration),
}

#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<Answer>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver on 127.0.0.1:0 answering `script` in order, then 200 to everything.
    async fn start(script: &[Answer]) -> (Self, String) {
        let receiver = Self::default();
        receiver
            .script
            .lock()
            .unwrap()
            .extend(script.iter().copied());
        let app = axum::Router::new()
            .route("/hook", post(Self::handle))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    async fn handle(State(r): State<Self>, headers: HeaderMap, body: Bytes) -> StatusCode {
        r.received.lock().unwrap().push(Received {
            at: Instant::now(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let answer = r.script.lock().unwrap().pop_front().unwrap_or(Answer::Ok);
        match answer {
            Answer::Ok => StatusCode::OK,
            Answer::Status(code) => StatusCode::from_u16(code).unwrap(),
            Answer::Slow(wait) => {
                tokio::time::sleep(wait).await;
                StatusCode::OK
            }
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} requests arrived",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// `sha256=<hex>` of `<timestamp>.<body>` under `secret`, computed here independently.
fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// An inbox whose webhook is `url`, a contact and a conversation; returns (inbox, conversation).
async fn hooked(api: &Api, url: &str) -> (Value, String) {
    let inbox = api
        .post(
            "/inboxes",
            json!({ "name": "WA", "channel_type": "whatsapp", "webhook_url": url }),
        )
        .await
        .expect(201)
        .clone();
    let contact = id_of(&api.contact("Ana", Some("+15550100")).await);
    let conversation = id_of(&api.conversation(&id_of(&inbox), &contact, json!({})).await);
    (inbox, conversation)
}

async fn set_handoff(api: &Api, conversation: &str, handoff: &str) {
    api.patch(
        &format!("/conversations/{conversation}"),
        json!({ "handoff": handoff }),
    )
    .await
    .expect(200);
}

/// Polls the deliveries until `done` holds for them.
async fn deliveries_until(api: &Api, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = api.walk("/webhook_deliveries", 100).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never settled: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn handoff_changes_are_posted_signed() {
    let server = TestServer::start().await;
    let api = server.project("Hooks").await;
    let (receiver, url) = Receiver::start(&[]).await;
    let (inbox, conversation) = hooked(&api, &url).await;
    let secret = inbox["webhook_secret"].as_str().expect("webhook_secret");

    set_handoff(&api, &conversation, "human").await;
    let got = receiver.wait_for(1).await;
    let hook = &got[0];
    assert_eq!(hook.header("content-type"), "application/json");
    assert_eq!(hook.header("x-inbox-event"), "conversation.handoff_changed");
    let timestamp = hook.header("x-inbox-timestamp");
    let sent_at: i64 = timestamp.parse().expect("unix seconds");
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() <= 5);
    assert_eq!(
        hook.header("x-inbox-signature"),
        expected_signature(secret, timestamp, &hook.body)
    );
    assert_ne!(
        hook.header("x-inbox-signature"),
        expected_signature("iew_wrong", timestamp, &hook.body)
    );
    let body = hook.json();
    assert_eq!(body["event"], "conversation.handoff_changed");
    assert_eq!(
        body["delivery_id"].to_string(),
        hook.header("x-inbox-delivery")
    );
    assert_eq!(body["conversation"]["id"], conversation.as_str());
    assert_eq!(body["previous_handoff"], "bot");
    assert_eq!(body["handoff"], "human");
    assert_eq!(body["changed_by"], json!({ "type": "api" }));

    let list = deliveries_until(&api, |l| l.len() == 1 && l[0]["state"] == "delivered").await;
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["last_status"], 200);
    assert_eq!(list[0]["payload"], body);

    // No change, no webhook: the same handoff again, or only the status.
    set_handoff(&api, &conversation, "human").await;
    api.patch(
        &format!("/conversations/{conversation}"),
        json!({ "status": "ended" }),
    )
    .await
    .expect(200);
    set_handoff(&api, &conversation, "bot").await;
    let got = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2, "one webhook per change");
    assert_eq!(got[1].json()["handoff"], "bot");

    // An inbox without a webhook queues nothing.
    let quiet = id_of(&api.inbox("Quiet", "sms", None).await);
    let contact = id_of(&api.contact("Bo", None).await);
    let other = id_of(&api.conversation(&quiet, &contact, json!({})).await);
    set_handoff(&api, &other, "waiting").await;
    assert_eq!(api.walk("/webhook_deliveries", 100).await.len(), 2);
    // Another project sees none of these.
    let stranger = server.project("Other").await;
    assert!(stranger.walk("/webhook_deliveries", 100).await.is_empty());
    let id = list[0]["id"].to_string();
    stranger
        .get(&format!("/webhook_deliveries/{id}"))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_until_it_recovers() {
    let server = TestServer::start().await;
    let api = server.project("Hooks").await;
    // 500, then no answer within the 700 ms timeout, then 503, then 200.
    let (receiver, url) = Receiver::start(&[
        Answer::Status(500),
        Answer::Slow(Duration::from_millis(1500)),
        Answer::Status(503),
    ])
    .await;
    let (_, conversation) = hooked(&api, &url).await;
    set_handoff(&api, &conversation, "waiting").await;

    // While it fails, the API tells why.
    let failing = deliveries_until(&api, |l| {
        l.first()
            .is_some_and(|d| d["attempts"] == 1 && d["state"] == "pending")
    })
    .await;
    assert_eq!(failing[0]["last_status"], 500);
    assert!(
        failing[0]["last_error"].as_str().unwrap().contains("500"),
        "{}",
        failing[0]
    );
    let pending = api.get("/webhook_deliveries?state=pending").await;
    assert_eq!(pending.expect(200)["data"].as_array().unwrap().len(), 1);

    let got = receiver.wait_for(4).await;
    let delivered = deliveries_until(&api, |l| l[0]["state"] == "delivered").await;
    assert_eq!(delivered[0]["attempts"], 4);
    assert_eq!(delivered[0]["last_error"], Value::Null);
    // The same delivery each time, and the waits grow (100 ms doubling to 400 ms, with
    // jitter of up to half; the slow attempt adds its 700 ms timeout).
    let ids: Vec<&str> = got.iter().map(|r| r.header("x-inbox-delivery")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(got.iter().all(|r| r.body == got[0].body));
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(50), "{gaps:?}");
    assert!(
        gaps[1] >= Duration::from_millis(100) + Duration::from_millis(700),
        "{gaps:?}"
    );
    assert!(gaps[2] >= Duration::from_millis(200), "{gaps:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 4, "nothing after the 200");
}

#[tokio::test]
async fn deliveries_past_the_retry_window_are_given_up_and_can_be_retried() {
    let server = TestServer::start_with(|c| {
        c.webhooks.retry_window = Duration::from_millis(600);
    })
    .await;
    let api = server.project("Hooks").await;
    let (receiver, url) = Receiver::start(&[Answer::Status(500); 40]).await;
    let (_, conversation) = hooked(&api, &url).await;
    set_handoff(&api, &conversation, "human").await;
    let failed =
        deliveries_until(&api, |l| l.first().is_some_and(|d| d["state"] == "failed")).await;
    let d = &failed[0];
    assert!(d["attempts"].as_i64().unwrap() >= 2, "{d}");
    assert!(
        d["gave_up_at"].is_string() && d["next_attempt_at"].is_null(),
        "{d}"
    );
    let listed = api.get("/webhook_deliveries?state=failed").await;
    assert_eq!(listed.expect(200)["data"].as_array().unwrap().len(), 1);
    api.get("/webhook_deliveries?state=lost")
        .await
        .expect_error(422);
    let tried = receiver.received().len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.received().len(),
        tried,
        "a given-up delivery is not sent"
    );

    // Retrying a delivered or pending one is a conflict; a failed one is queued again.
    receiver.script.lock().unwrap().clear();
    let id = d["id"].to_string();
    let retried = api
        .post(&format!("/webhook_deliveries/{id}/retry"), json!({}))
        .await;
    assert_eq!(retried.expect(200)["state"], "pending");
    deliveries_until(&api, |l| l[0]["state"] == "delivered").await;
    api.post(&format!("/webhook_deliveries/{id}/retry"), json!({}))
        .await
        .expect_error(409);
}

/// Two runs of the release-like binary on one database: the first is killed while the
/// receiver holds its requests; every event still arrives, after the restart.
#[test]
fn a_server_killed_mid_delivery_loses_no_webhook() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The receiver holds the first requests past the kill, then answers 200.
    let (receiver, url) =
        runtime.block_on(Receiver::start(&[Answer::Slow(Duration::from_secs(30)); 5]));
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let database_url = db.url.clone();
    let envs = [
        ("DATABASE_URL", database_url),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        ("LEPTOS_SITE_ROOT", "public".into()),
        ("LEPTOS_HASH_FILES", "false".into()),
        ("WEBHOOK_TIMEOUT_SECS", "1".into()),
        ("RUST_LOG", "inbox_embed=info,warn".into()),
    ];
    let key = create_project_with_cli(&envs, "kill");
    let serve = || spawn_server(&envs);

    let (mut first, base) = serve();
    let api = Api {
        http: reqwest::Client::new(),
        base: base.clone(),
        key: key.clone(),
        project_id: String::new(),
        jwt_secret: String::new(),
    };
    let conversations: Vec<String> = runtime.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..5 {
            let (_, conversation) = hooked(&api, &url).await;
            set_handoff(&api, &conversation, "human").await;
            ids.push(conversation);
        }
        // Every event is in flight: the receiver holds the requests.
        receiver.wait_for(5).await;
        ids
    });
    first.kill().unwrap(); // SIGKILL: no shutdown, no bookkeeping
    first.wait().unwrap();

    let (mut second, base) = serve();
    let api = Api { base, ..api };
    let delivered = runtime.block_on(async {
        deliveries_until(&api, |l| {
            l.len() == 5 && l.iter().all(|d| d["state"] == "delivered")
        })
        .await
    });
    second.kill().unwrap();
    second.wait().unwrap();

    // Each conversation's change arrived (at least once: the first tries were cut off).
    let received = receiver.received();
    for conversation in &conversations {
        let copies: Vec<&Received> = received
            .iter()
            .filter(|r| r.json()["conversation"]["id"] == conversation.as_str())
            .collect();
        assert!(copies.len() >= 2, "{conversation}: {} copies", copies.len());
        let ids: Vec<&str> = copies
            .iter()
            .map(|r| r.header("x-inbox-delivery"))
            .collect();
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "one delivery id per event: {ids:?}"
        );
    }
    assert!(delivered
        .iter()
        .all(|d| d["attempts"].as_i64().unwrap() >= 1));
}
