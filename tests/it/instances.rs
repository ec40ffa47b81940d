//! Two server processes on different ports against one PostgreSQL database, as behind a
//! load balancer: a socket on one instance receives what the other's API wrote, both
//! webhook workers run and each delivery is sent once, and killing an instance loses
//! nothing it acknowledged.

use std::collections::{HashMap, HashSet};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// Webhook requests as they arrive: (delivery id, event).
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<(String, String)>>>);

impl Receiver {
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new()
            .route("/hook", post(Self::handle))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    async fn handle(State(r): State<Self>, headers: HeaderMap) -> StatusCode {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        r.0.lock()
            .unwrap()
            .push((header("x-inbox-delivery"), header("x-inbox-event")));
        StatusCode::OK
    }

    /// How many times each delivery id arrived.
    fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (id, _) in self.0.lock().unwrap().iter() {
            *counts.entry(id.clone()).or_default() += 1;
        }
        counts
    }
}

struct Instance {
    child: Child,
    api: Api,
    addr: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn envs(database_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", database_url.to_string()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        ("LEPTOS_SITE_ROOT", "public".into()),
        ("LEPTOS_HASH_FILES", "false".into()),
        ("WEBHOOK_TIMEOUT_SECS", "1".into()),
        ("DATABASE_POOL_SIZE", "4".into()),
        ("RUST_LOG", "inbox_embed=info,warn".into()),
    ]
}

/// Starts `inbox-embed` and waits for its address.
fn serve(database_url: &str, key: &str) -> Instance {
    let (child, base) = spawn_server(&envs(database_url));
    Instance {
        child,
        addr: base.trim_start_matches("http://").to_string(),
        api: Api {
            http: reqwest::Client::new(),
            base,
            key: key.to_string(),
            project_id: String::new(),
            jwt_secret: String::new(),
        },
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket on `instance`, read up to its `ready` frame.
async fn socket(instance: &Instance, token: &str) -> Ws {
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/embed/{token}/ws", instance.addr))
            .await
            .expect("socket opens");
    while next_frame(&mut ws, Duration::from_secs(10))
        .await
        .expect("ready")["type"]
        != "ready"
    {}
    ws
}

/// The next JSON frame within `wait` (answering pings as a browser does).
async fn next_frame(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).ok(),
            Ok(Some(Ok(Message::Ping(_)))) => {
                let _ = ws.flush().await;
            }
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

/// Reads frames until every message in `ids` has had its `message.created`; panics after
/// 15 s without one.
async fn created_events(ws: &mut Ws, ids: &HashSet<String>) -> Vec<i64> {
    let mut seen = HashSet::new();
    let mut event_ids = Vec::new();
    while !ids.is_subset(&seen) {
        let frame = next_frame(ws, Duration::from_secs(15))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no more events; still waiting for {:?}",
                    ids.difference(&seen).collect::<Vec<_>>()
                )
            });
        event_ids.push(frame["id"].as_i64().expect("event id"));
        if frame["type"] == "message.created" {
            let id = frame["data"]["message"]["id"].as_str().unwrap().to_string();
            assert!(seen.insert(id.clone()), "message {id} delivered twice");
        }
    }
    event_ids
}

async fn wait_for(what: &str, within: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn two_instances_share_one_postgres_database() {
    if !postgres_half_or_skip("two_instances_share_one_postgres_database") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let key = create_project_with_cli(&envs(&db.url), "two");
    let mut a = serve(&db.url, &key);
    let b = serve(&db.url, &key);

    runtime.block_on(async {
        let (receiver, url) = Receiver::start().await;
        let inbox = a
            .api
            .post(
                "/inboxes",
                json!({ "name": "WA", "channel_type": "whatsapp", "webhook_url": url }),
            )
            .await
            .expect(201)
            .clone();
        let contact = id_of(&a.api.contact("Ana", Some("+15550100")).await);
        let conversation = id_of(
            &a.api
                .conversation(&id_of(&inbox), &contact, json!({}))
                .await,
        );
        let token = a.api.project_token().await;

        // A socket on B hears what A's API writes.
        let mut on_b = socket(&b, &token).await;
        let sent = a.api.text(&conversation, "incoming", "written on A").await;
        created_events(&mut on_b, &HashSet::from([id_of(&sent)])).await;

        // Both workers run: every delivery arrives once. Changes go through both APIs.
        for i in 0..12 {
            let (api, handoff) = match i % 2 {
                0 => (&a.api, "human"),
                _ => (&b.api, "bot"),
            };
            api.patch(
                &format!("/conversations/{conversation}"),
                json!({ "handoff": handoff }),
            )
            .await
            .expect(200);
        }
        let expected = a.api.walk("/webhook_deliveries", 100).await.len();
        assert!(
            expected >= 12,
            "12 handoff changes queue 12 deliveries, at least"
        );
        wait_for("every delivery arrives", Duration::from_secs(30), || {
            receiver.counts().len() >= expected
        })
        .await;
        // Time for a second worker's copy to arrive, if one were sent.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let counts = receiver.counts();
        assert_eq!(counts.len(), expected, "{counts:?}");
        assert!(
            counts.values().all(|n| *n == 1),
            "a delivery arrived twice: {counts:?}"
        );

        // A is killed while it writes: whatever it acknowledged is there, on B's socket
        // and in B's API, and its webhooks still go out.
        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        let writer = {
            let (api, acked, conversation) = (a.api.clone(), acked.clone(), conversation.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let body = json!({ "direction": "incoming", "content": format!("burst {i}") });
                    let res = api
                        .http
                        .post(format!(
                            "{}/api/v1/conversations/{conversation}/messages",
                            api.base
                        ))
                        .bearer_auth(&api.key)
                        .json(&body)
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let v: Value = r.json().await.expect("JSON");
                            acked.lock().unwrap().push(id_of(&v));
                        }
                        _ => return,
                    }
                }
            })
        };
        wait_for("A acknowledges writes", Duration::from_secs(30), || {
            acked.lock().unwrap().len() >= 25
        })
        .await;
        a.child.kill().expect("SIGKILL");
        a.child.wait().unwrap();
        writer.await.unwrap();
        let acked: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
        assert!(acked.len() >= 25);

        let stored: HashSet<String> = b
            .api
            .walk(&format!("/conversations/{conversation}/messages"), 100)
            .await
            .iter()
            .map(id_of)
            .collect();
        assert!(
            acked.is_subset(&stored),
            "acknowledged by A but not stored: {:?}",
            acked.difference(&stored).collect::<Vec<_>>()
        );
        let event_ids = created_events(&mut on_b, &acked).await;
        assert!(
            event_ids.windows(2).all(|w| w[0] < w[1]),
            "events out of order: {event_ids:?}"
        );

        // B goes on alone: its writes reach its sockets, and every delivery queued before
        // the kill arrives (A's leases run out and B's worker takes them).
        let after = b.api.text(&conversation, "outgoing", "B alone").await;
        created_events(&mut on_b, &HashSet::from([id_of(&after)])).await;
        let queued = b.api.walk("/webhook_deliveries", 100).await;
        let queued: HashSet<String> = queued.iter().map(|d| d["id"].to_string()).collect();
        wait_for(
            "every queued delivery arrives",
            Duration::from_secs(45),
            || {
                let got: HashSet<String> = receiver.counts().into_keys().collect();
                queued.is_subset(&got)
            },
        )
        .await;
        let _ = on_b.close(None).await;
    });
}
