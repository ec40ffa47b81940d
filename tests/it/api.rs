//! The project REST API (§6) over HTTP: happy paths, and every error with its status and
//! `{"error", "message"}` body.

use std::collections::HashSet;

use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {v}"))
        .parse()
        .expect("RFC 3339 timestamp")
}

/// A project with one of everything, to point at.
struct Fixture {
    api: Api,
    customer: String,
    inbox: String,
    user: String,
    contact: String,
    conversation: String,
    token_id: String,
}

async fn fixture(server: &TestServer, name: &str) -> Fixture {
    let api = server.project(name).await;
    let customer = id_of(&api.customer(&format!("{name} customer")).await);
    let inbox = id_of(
        &api.inbox(&format!("{name} WhatsApp"), "whatsapp", Some(&customer))
            .await,
    );
    let user = id_of(&api.user(&format!("{name} agent")).await);
    let contact = id_of(
        &api.contact(&format!("{name} contact"), Some("+34 600 000 000"))
            .await,
    );
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    api.text(&conversation, "incoming", "hello").await;
    let token_id = id_of(
        &api.token(json!({ "name": "t", "scope": { "type": "project" } }))
            .await,
    );
    Fixture {
        api,
        customer,
        inbox,
        user,
        contact,
        conversation,
        token_id,
    }
}

#[tokio::test]
async fn health_and_project() {
    let server = TestServer::start().await;
    let res = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let api = server.project("Acme").await;
    let project = api.get("/project").await;
    let body = project.expect(200);
    assert_eq!(body["id"], api.project_id.as_str());
    assert_eq!(body["name"], "Acme");
    assert!(
        !project.text.contains(&api.key) && !project.text.contains("api_key"),
        "the project never shows its key: {}",
        project.text
    );

    // Another project's key sees that project.
    let other = server.project("Other").await;
    assert_eq!(other.get("/project").await.expect(200)["name"], "Other");

    // An unknown route under /api/v1 is a JSON 404.
    api.get("/nothing-here").await.expect_error(404);
}

#[tokio::test]
async fn requests_without_a_valid_key_are_401() {
    // Sixty refused keys from one address: more than the default failure budget.
    let server = TestServer::start_lenient().await;
    let api = server.project("Acme").await;
    let wrong_key = format!("iek_{}", "A".repeat(32));
    let headers: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some(format!("Token {}", api.key)),
        Some(format!("Basic {}", api.key)),
        Some(api.key.clone()),
        Some(format!("Bearer {wrong_key}")),
        Some(format!("Bearer {}x", api.key)),
        Some("Bearer iet_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
    ];
    for header in &headers {
        let raw = server.api_with_header(header.as_deref());
        for path in ["/project", "/inboxes", "/conversations", "/embed_tokens"] {
            raw.get(path).await.expect_error(401);
        }
        // Authentication comes before the body is looked at.
        raw.post("/customers", json!({ "name": "x" }))
            .await
            .expect_error(401);
        raw.post("/customers", json!({ "nope": 1 }))
            .await
            .expect_error(401);
    }
    // Nothing was created by the refused requests.
    assert!(api.walk("/customers", 100).await.is_empty());
    // The right key, for contrast; the scheme's case does not matter.
    api.get("/project").await.expect(200);
    for scheme in ["bearer", "BEARER"] {
        server
            .api_with_header(Some(&format!("{scheme} {}", api.key)))
            .get("/project")
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_are_400() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation_messages = format!("/conversations/{}/messages", f.conversation);
    let post_paths = [
        "/customers",
        "/inboxes",
        "/users",
        "/contacts",
        "/conversations",
        "/embed_tokens",
        conversation_messages.as_str(),
    ];
    for path in post_paths {
        api.post_raw(path, Some("application/json"), "{\"name\": ")
            .await
            .expect_error(400);
        api.post_raw(path, Some("application/json"), "not json")
            .await
            .expect_error(400);
        api.post_raw(path, Some("application/json"), "")
            .await
            .expect_error(400);
        api.post_raw(path, None, "{\"name\": \"x\"}")
            .await
            .expect_error(400);
        api.post_raw(path, Some("text/plain"), "{\"name\": \"x\"}")
            .await
            .expect_error(400);
    }
    let customer = format!("/customers/{}", f.customer);
    let conversation = format!("/conversations/{}", f.conversation);
    for path in [customer.as_str(), conversation.as_str()] {
        api.patch_raw(path, Some("application/json"), "{")
            .await
            .expect_error(400);
        api.patch_raw(path, None, "{}").await.expect_error(400);
    }
    // A well-formed body with a field of the wrong type is 422, not 400.
    api.post_raw("/customers", Some("application/json"), "{\"name\": [1]}")
        .await
        .expect_error(422);
    api.post_raw(
        &conversation_messages,
        Some("application/json"),
        "{\"direction\": 1, \"content\": \"x\"}",
    )
    .await
    .expect_error(422);
    // Nothing was stored by the refused requests.
    assert_eq!(api.walk("/customers", 100).await.len(), 1);
    // A body over the server's limit is 413, whatever it holds.
    let huge = json!({ "direction": "incoming", "content": "x".repeat(3 * 1024 * 1024) });
    api.post(&conversation_messages, huge)
        .await
        .expect_error(413);
    // JSON with parameters or a +json type is JSON.
    api.post_raw(
        "/customers",
        Some("application/json; charset=utf-8"),
        "{\"name\": \"x\"}",
    )
    .await
    .expect(201);
    api.post_raw(
        "/customers",
        Some("application/merge-patch+json"),
        "{\"name\": \"y\"}",
    )
    .await
    .expect(201);
    assert_eq!(api.walk(&conversation_messages, 100).await.len(), 1);
}

#[tokio::test]
async fn unknown_enum_values_are_422() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let messages = format!("/conversations/{}/messages", f.conversation);
    let conversation = format!("/conversations/{}", f.conversation);

    let message = api
        .post("/inboxes", json!({ "name": "x", "channel_type": "fax" }))
        .await
        .expect_error(422);
    assert!(
        message.contains("fax") || message.contains("channel_type"),
        "{message}"
    );
    api.post(
        "/inboxes",
        json!({ "name": "x", "channel_type": "WhatsApp" }),
    )
    .await
    .expect_error(422);

    for extra in [
        json!({ "status": "archived" }),
        json!({ "status": "ACTIVE" }),
        json!({ "handoff": "robot" }),
        json!({ "handoff": 1 }),
    ] {
        let mut body = json!({ "inbox_id": f.inbox, "contact_id": f.contact });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api.post("/conversations", body).await.expect_error(422);
        api.patch(&conversation, extra).await.expect_error(422);
    }

    for body in [
        json!({ "direction": "sideways", "kind": "text", "content": "x" }),
        json!({ "direction": "incoming", "kind": "sticker", "content": "x" }),
        json!({ "direction": "incoming", "kind": "text", "content": "x", "status": "seen" }),
        json!({ "direction": "outgoing", "kind": "text", "content": "x", "sender": { "type": "robot" } }),
        json!({ "direction": "outgoing", "kind": "interactive", "interactive": { "type": "carousel" } }),
    ] {
        api.post(&messages, body).await.expect_error(422);
    }

    for body in [
        json!({ "name": "t", "scope": { "type": "team" } }),
        json!({ "name": "t", "scope": { "type": "project" }, "theme": "neon" }),
    ] {
        api.post("/embed_tokens", body).await.expect_error(422);
    }

    // The conversation is untouched and holds only the fixture's message.
    let c = api.get(&conversation).await.expect(200).clone();
    assert_eq!(
        (c["status"].as_str(), c["handoff"].as_str()),
        (Some("active"), Some("bot"))
    );
    assert_eq!(api.walk(&messages, 100).await.len(), 1);
}

#[tokio::test]
async fn missing_and_unknown_fields_are_422() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let messages = format!("/conversations/{}/messages", f.conversation);
    let cases: Vec<(&str, Value)> = vec![
        ("/customers", json!({})),
        ("/customers", json!({ "name": "x", "colour": "red" })),
        ("/inboxes", json!({ "channel_type": "sms" })),
        ("/inboxes", json!({ "name": "x" })),
        (
            "/inboxes",
            json!({ "name": "x", "channel_type": "sms", "webhook_secret": "mine" }),
        ),
        ("/users", json!({ "name": "x" })),
        ("/users", json!({ "email": "x@example.com" })),
        (
            "/users",
            json!({ "name": "x", "email": "x@example.com", "role": "admin" }),
        ),
        ("/contacts", json!({ "phone_number": "+34 600 000 001" })),
        ("/contacts", json!({ "display_name": "x", "notes": "vip" })),
        ("/conversations", json!({ "inbox_id": f.inbox })),
        ("/conversations", json!({ "contact_id": f.contact })),
        (
            "/conversations",
            json!({ "inbox_id": f.inbox, "contact_id": f.contact, "unread_count": 3 }),
        ),
        (
            "/conversations",
            json!({ "inbox_id": "not-a-uuid", "contact_id": f.contact }),
        ),
        (messages.as_str(), json!({ "kind": "text", "content": "x" })),
        (
            messages.as_str(),
            json!({ "direction": "incoming", "content": "x", "subject": "y" }),
        ),
        (
            messages.as_str(),
            json!({ "direction": "incoming", "content": "x", "sender": { "type": "agent", "avatar": "z" } }),
        ),
        ("/embed_tokens", json!({ "scope": { "type": "project" } })),
        ("/embed_tokens", json!({ "name": "t" })),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "project" }, "token": "iet_mine" }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "project", "label": "x" } }),
        ),
        ("/embed_tokens", json!({ "name": "t", "scope": {} })),
        // Blank required text is missing text.
        ("/customers", json!({ "name": "   " })),
        ("/contacts", json!({ "display_name": "" })),
        (
            "/embed_tokens",
            json!({ "name": " ", "scope": { "type": "project" } }),
        ),
        // A value of the wrong JSON type.
        ("/customers", json!({ "name": 42 })),
        ("/customers", json!([])),
    ];
    for (path, body) in cases {
        let r = api.post(path, body.clone()).await;
        assert_eq!(r.status, 422, "POST {path} {body}: {}", r.text);
        r.expect_error(422);
    }
    let patches: Vec<(String, Value)> = vec![
        (
            format!("/customers/{}", f.customer),
            json!({ "nickname": "x" }),
        ),
        (
            format!("/inboxes/{}", f.inbox),
            json!({ "channel_type": "sms" }),
        ),
        (format!("/users/{}", f.user), json!({ "role": "admin" })),
        (format!("/contacts/{}", f.contact), json!({ "notes": "x" })),
        (
            format!("/conversations/{}", f.conversation),
            json!({ "unread_count": 0 }),
        ),
        (format!("/customers/{}", f.customer), json!({ "name": "" })),
        (format!("/users/{}", f.user), json!({ "email": "" })),
    ];
    for (path, body) in patches {
        let r = api.patch(&path, body.clone()).await;
        assert_eq!(r.status, 422, "PATCH {path} {body}: {}", r.text);
        r.expect_error(422);
    }
    assert_eq!(api.walk("/customers", 100).await.len(), 1);
    assert_eq!(api.walk("/contacts", 100).await.len(), 1);
    assert_eq!(api.walk("/conversations?status=all", 100).await.len(), 1);
    assert_eq!(api.walk("/embed_tokens", 100).await.len(), 1);
}

#[tokio::test]
async fn invalid_contact_details_and_urls_are_422() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    for phone in [
        "abc",
        "+34 600 abc",
        "12",
        "+1234567890123456",
        "++34600000000",
        "34+600000000",
        "<script>",
    ] {
        let r = api
            .post(
                "/contacts",
                json!({ "display_name": "x", "phone_number": phone }),
            )
            .await;
        assert_eq!(r.status, 422, "phone {phone:?}: {}", r.text);
        r.expect_error(422);
        api.post(
            "/inboxes",
            json!({ "name": "x", "channel_type": "sms", "phone_number": phone }),
        )
        .await
        .expect_error(422);
        api.patch(
            &format!("/contacts/{}", f.contact),
            json!({ "phone_number": phone }),
        )
        .await
        .expect_error(422);
    }
    for email in [
        "nope",
        "a@b",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a@.example.com",
        "a@example.",
    ] {
        let r = api
            .post("/contacts", json!({ "display_name": "x", "email": email }))
            .await;
        assert_eq!(r.status, 422, "email {email:?}: {}", r.text);
        api.post("/users", json!({ "name": "x", "email": email }))
            .await
            .expect_error(422);
        api.patch(&format!("/users/{}", f.user), json!({ "email": email }))
            .await
            .expect_error(422);
    }
    for url in [
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "example.com/hook",
        "https://",
        "https:///path",
        "https://exa mple.com",
    ] {
        let r = api
            .post(
                "/inboxes",
                json!({ "name": "x", "channel_type": "api", "webhook_url": url }),
            )
            .await;
        assert_eq!(r.status, 422, "webhook_url {url:?}: {}", r.text);
        api.patch(
            &format!("/inboxes/{}", f.inbox),
            json!({ "webhook_url": url }),
        )
        .await
        .expect_error(422);
    }
    api.post("/customers", json!({ "name": "x".repeat(201) }))
        .await
        .expect_error(422);
    api.post("/customers", json!({ "name": "bell\u{7}" }))
        .await
        .expect_error(422);

    // Valid shapes pass, trimmed.
    let contact = api
        .post(
            "/contacts",
            json!({ "display_name": "  Ana  ", "phone_number": "+34 (600) 111-222", "email": "ana@example.com" }),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(contact["display_name"], "Ana");
    assert_eq!(contact["phone_number"], "+34 (600) 111-222");
    assert_eq!(contact["email"], "ana@example.com");
    let inbox = api
        .post(
            "/inboxes",
            json!({ "name": "Hooked", "channel_type": "api", "webhook_url": "https://hooks.example.com/inbox" }),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(inbox["webhook_url"], "https://hooks.example.com/inbox");
    assert!(inbox["webhook_secret"]
        .as_str()
        .is_some_and(|s| s.len() > 20));
    // The refused patches changed nothing.
    let stored = api
        .get(&format!("/contacts/{}", f.contact))
        .await
        .expect(200)
        .clone();
    assert_eq!(stored["phone_number"], "+34 600 000 000");
    let stored = api
        .get(&format!("/inboxes/{}", f.inbox))
        .await
        .expect(200)
        .clone();
    assert_eq!(stored["webhook_url"], Value::Null);
}

#[tokio::test]
async fn directory_resources_are_created_read_and_patched() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let customer = api
        .post(
            "/customers",
            json!({ "name": "Bodega", "external_id": "crm-1" }),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(customer["project_id"], api.project_id.as_str());
    let cid = id_of(&customer);
    let patched = api
        .patch(
            &format!("/customers/{cid}"),
            json!({ "name": "Bodega SL", "external_id": null }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (patched["name"].as_str(), &patched["external_id"]),
        (Some("Bodega SL"), &Value::Null)
    );
    assert_eq!(
        api.get(&format!("/customers/{cid}")).await.expect(200)["name"],
        "Bodega SL"
    );

    let inbox = api
        .post(
            "/inboxes",
            json!({ "name": "WA", "channel_type": "whatsapp", "phone_number": "+34 911 000 000", "customer_id": cid }),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(inbox["customer_id"], cid.as_str());
    assert_eq!(inbox["channel_type"], "whatsapp");
    let iid = id_of(&inbox);
    let patched = api
        .patch(
            &format!("/inboxes/{iid}"),
            json!({ "customer_id": null, "name": "WA 2" }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(patched["customer_id"], Value::Null);
    assert_eq!(patched["phone_number"], "+34 911 000 000");
    let fetched = api
        .get(&format!("/inboxes/{iid}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (fetched["name"].as_str(), &fetched["customer_id"]),
        (Some("WA 2"), &Value::Null)
    );
    assert_eq!(fetched["webhook_secret"], inbox["webhook_secret"]);

    let user = api
        .post(
            "/users",
            json!({ "name": "Eva", "email": "eva@example.com" }),
        )
        .await
        .expect(201)
        .clone();
    let uid = id_of(&user);
    let patched = api
        .patch(
            &format!("/users/{uid}"),
            json!({ "email": "eva@corp.example.com" }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (patched["name"].as_str(), patched["email"].as_str()),
        (Some("Eva"), Some("eva@corp.example.com"))
    );

    let contact = api.contact("Luis", Some("+34 600 111 222")).await;
    let kid = id_of(&contact);
    let patched = api
        .patch(
            &format!("/contacts/{kid}"),
            json!({ "display_name": "Luis G.", "phone_number": null }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (patched["display_name"].as_str(), &patched["phone_number"]),
        (Some("Luis G."), &Value::Null)
    );
    assert_eq!(
        api.get(&format!("/contacts/{kid}")).await.expect(200)["display_name"],
        "Luis G."
    );
}

fn media(url: &str, mime: &str, filename: &str) -> Value {
    json!({ "url": url, "mime_type": mime, "filename": filename, "size": 20480 })
}

/// A message of every kind the API accepts, as (label, body without direction).
fn every_kind() -> Vec<(&'static str, Value)> {
    vec![
        (
            "text",
            json!({ "kind": "text", "content": "Hello *there*" }),
        ),
        (
            "image",
            json!({ "kind": "image", "content": "a photo", "media": media("https://cdn.example.com/p.jpg", "image/jpeg", "p.jpg") }),
        ),
        (
            "video",
            json!({ "kind": "video", "media": media("https://cdn.example.com/v.mp4", "video/mp4", "v.mp4") }),
        ),
        (
            "audio",
            json!({ "kind": "audio", "media": media("https://cdn.example.com/a.ogg", "audio/ogg", "a.ogg") }),
        ),
        (
            "document",
            json!({ "kind": "document", "content": "the invoice", "media": media("https://cdn.example.com/i.pdf", "application/pdf", "invoice.pdf") }),
        ),
        (
            "location",
            json!({ "kind": "location", "location": { "latitude": 40.4168, "longitude": -3.7038, "name": "Sol", "address": "Puerta del Sol, Madrid" } }),
        ),
        (
            "button",
            json!({ "kind": "interactive", "content": "Confirm?", "interactive": { "type": "button", "header": "Order", "footer": "Reply below", "buttons": [{ "id": "yes", "title": "Yes" }, { "id": "no", "title": "No" }, { "id": "later", "title": "12345678901234567890" }] } }),
        ),
        (
            "list",
            json!({ "kind": "interactive", "content": "Pick a size", "interactive": { "type": "list", "button": "Sizes", "sections": [{ "title": "All", "rows": [{ "id": "s", "title": "Small" }, { "id": "m", "title": "Medium", "description": "Most popular" }] }] } }),
        ),
        (
            "button_reply",
            json!({ "kind": "interactive", "interactive": { "type": "button_reply", "id": "yes", "title": "Yes" } }),
        ),
        (
            "list_reply",
            json!({ "kind": "interactive", "interactive": { "type": "list_reply", "id": "m", "title": "Medium", "description": "Most popular" } }),
        ),
        (
            "template",
            json!({ "kind": "template", "content": "Your order #123 shipped", "template": { "name": "order_update", "language": "en", "parameters": ["#123"] } }),
        ),
    ]
}

#[tokio::test]
async fn messages_of_every_kind_in_both_directions() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let path = format!("/conversations/{conversation}/messages");
    let mut sent = Vec::new();
    for direction in ["incoming", "outgoing"] {
        for (label, body) in every_kind() {
            let mut request = body.clone();
            request["direction"] = json!(direction);
            let r = api.post(&path, request.clone()).await;
            assert_eq!(r.status, 201, "{direction} {label}: {}", r.text);
            let m = r.body.clone();
            assert_eq!(m["conversation_id"], conversation.as_str(), "{label}");
            assert_eq!(m["direction"], direction, "{label}");
            assert_eq!(m["kind"], body["kind"], "{label}");
            assert_eq!(
                m["content"],
                body.get("content").cloned().unwrap_or(json!("")),
                "{label}"
            );
            for part in ["media", "location", "interactive", "template"] {
                assert_eq!(m.get(part), body.get(part), "{direction} {label}: {part}");
            }
            let (sender, status) = match direction {
                "incoming" => ("contact", "delivered"),
                _ => ("bot", "sent"),
            };
            assert_eq!(m["sender"]["type"], sender, "{label}");
            assert_eq!(m["status"], status, "{label}");
            if direction == "incoming" {
                assert_eq!(
                    m["sender"]["name"], "A contact",
                    "incoming messages are signed by the contact"
                );
            }
            sent.push(id_of(&m));
            tick().await;
        }
    }
    let thread = api.walk(&path, 100).await;
    assert_eq!(
        ids(&thread),
        sent,
        "the thread holds every message, oldest first"
    );

    // An agent's message keeps its sender.
    let m = api
        .message(
            &conversation,
            json!({ "direction": "outgoing", "content": "Hi, Eva here", "sender": { "type": "agent", "name": "Eva", "external_id": "u-9" }, "status": "pending", "client_id": "c-1" }),
        )
        .await;
    assert_eq!(m["kind"], "text", "kind defaults to text");
    assert_eq!(
        m["sender"],
        json!({ "type": "agent", "name": "Eva", "external_id": "u-9" })
    );
    assert_eq!(
        (m["status"].as_str(), m["client_id"].as_str()),
        (Some("pending"), Some("c-1"))
    );
}

#[tokio::test]
async fn a_message_needs_the_part_its_kind_names() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let path = format!("/conversations/{}/messages", f.conversation);
    let button = |title: &str| json!({ "id": title, "title": title });
    let rows = |n: usize| {
        (0..n)
            .map(|i| json!({ "id": format!("r{i}"), "title": format!("Row {i}") }))
            .collect::<Vec<_>>()
    };
    let img = media("https://cdn.example.com/p.jpg", "image/jpeg", "p.jpg");
    let cases: Vec<(&str, Value)> = vec![
        ("text without content", json!({ "kind": "text" })),
        ("blank text", json!({ "kind": "text", "content": "  \n " })),
        (
            "text too long",
            json!({ "kind": "text", "content": "x".repeat(4097) }),
        ),
        (
            "image without media",
            json!({ "kind": "image", "content": "a photo" }),
        ),
        ("video without media", json!({ "kind": "video" })),
        ("audio without media", json!({ "kind": "audio" })),
        ("document without media", json!({ "kind": "document" })),
        (
            "image with a pdf",
            json!({ "kind": "image", "media": media("https://cdn.example.com/a.pdf", "application/pdf", "a.pdf") }),
        ),
        (
            "audio with a video",
            json!({ "kind": "audio", "media": media("https://cdn.example.com/a.mp4", "video/mp4", "a.mp4") }),
        ),
        (
            "mime without a slash",
            json!({ "kind": "document", "media": media("https://cdn.example.com/a", "pdf", "a") }),
        ),
        (
            "javascript media url",
            json!({ "kind": "image", "media": media("javascript:alert(1)", "image/png", "x.png") }),
        ),
        (
            "relative media url",
            json!({ "kind": "image", "media": media("/p.jpg", "image/jpeg", "p.jpg") }),
        ),
        (
            "negative size",
            json!({ "kind": "image", "media": { "url": "https://cdn.example.com/p.jpg", "mime_type": "image/jpeg", "size": -1 } }),
        ),
        (
            "media without url",
            json!({ "kind": "image", "media": { "mime_type": "image/jpeg" } }),
        ),
        (
            "media on text",
            json!({ "kind": "text", "content": "x", "media": img.clone() }),
        ),
        ("location without location", json!({ "kind": "location" })),
        (
            "latitude out of range",
            json!({ "kind": "location", "location": { "latitude": 90.5, "longitude": 0.0 } }),
        ),
        (
            "latitude far out of range",
            json!({ "kind": "location", "location": { "latitude": -91.0, "longitude": 0.0 } }),
        ),
        (
            "longitude out of range",
            json!({ "kind": "location", "location": { "latitude": 0.0, "longitude": 180.01 } }),
        ),
        (
            "location on text",
            json!({ "kind": "text", "content": "x", "location": { "latitude": 1.0, "longitude": 1.0 } }),
        ),
        (
            "interactive without interactive",
            json!({ "kind": "interactive", "content": "x" }),
        ),
        (
            "no buttons",
            json!({ "kind": "interactive", "interactive": { "type": "button", "buttons": [] } }),
        ),
        (
            "4 buttons",
            json!({ "kind": "interactive", "interactive": { "type": "button", "buttons": [button("a"), button("b"), button("c"), button("d")] } }),
        ),
        (
            "21-char button title",
            json!({ "kind": "interactive", "interactive": { "type": "button", "buttons": [button("123456789012345678901")] } }),
        ),
        (
            "blank button title",
            json!({ "kind": "interactive", "interactive": { "type": "button", "buttons": [button("  ")] } }),
        ),
        (
            "11 list rows",
            json!({ "kind": "interactive", "interactive": { "type": "list", "button": "Pick", "sections": [{ "title": "A", "rows": rows(6) }, { "title": "B", "rows": rows(5) }] } }),
        ),
        (
            "0 list rows",
            json!({ "kind": "interactive", "interactive": { "type": "list", "button": "Pick", "sections": [{ "rows": [] }] } }),
        ),
        (
            "25-char row title",
            json!({ "kind": "interactive", "interactive": { "type": "list", "button": "Pick", "sections": [{ "rows": [{ "id": "a", "title": "x".repeat(25) }] }] } }),
        ),
        (
            "21-char list button",
            json!({ "kind": "interactive", "interactive": { "type": "list", "button": "x".repeat(21), "sections": [{ "rows": rows(1) }] } }),
        ),
        (
            "interactive on text",
            json!({ "kind": "text", "content": "x", "interactive": { "type": "button_reply", "id": "a", "title": "A" } }),
        ),
        (
            "template without template",
            json!({ "kind": "template", "content": "x" }),
        ),
        (
            "template without a name",
            json!({ "kind": "template", "template": { "name": " " } }),
        ),
        (
            "template on text",
            json!({ "kind": "text", "content": "x", "template": { "name": "t" } }),
        ),
        (
            "created_at an hour ahead",
            json!({ "kind": "text", "content": "x", "created_at": iso(Utc::now() + chrono::Duration::hours(1)) }),
        ),
        (
            "created_at a year ahead",
            json!({ "kind": "text", "content": "x", "created_at": iso(Utc::now() + chrono::Duration::days(365)) }),
        ),
        (
            "created_at not a time",
            json!({ "kind": "text", "content": "x", "created_at": "yesterday" }),
        ),
        (
            "client_id too long",
            json!({ "kind": "text", "content": "x", "client_id": "c".repeat(129) }),
        ),
    ];
    for direction in ["incoming", "outgoing"] {
        for (label, body) in &cases {
            let mut body = body.clone();
            body["direction"] = json!(direction);
            let r = api.post(&path, body).await;
            assert_eq!(r.status, 422, "{direction} {label}: {}", r.text);
            r.expect_error(422);
        }
    }
    // None of them was stored, and none raised unread.
    assert_eq!(api.walk(&path, 100).await.len(), 1);
    let c = api
        .get(&format!("/conversations/{}", f.conversation))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["unread_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_client_id_stores_the_message_once() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let path = format!("/conversations/{conversation}/messages");
    let body = json!({ "direction": "incoming", "content": "only once", "client_id": "wamid.123" });
    let first = api.post(&path, body.clone()).await.expect(201).clone();
    let again = api.post(&path, body.clone()).await.expect(200).clone();
    assert_eq!(again, first, "the retry answers with the stored message");
    // A retry with a changed body still answers with the first copy.
    let changed = api
        .post(
            &path,
            json!({ "direction": "incoming", "content": "edited", "client_id": "wamid.123" }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(changed["id"], first["id"]);
    assert_eq!(changed["content"], "only once");
    let thread = api.walk(&path, 100).await;
    assert_eq!(ids(&thread), vec![id_of(&first)]);
    let c = api
        .get(&format!("/conversations/{conversation}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        c["unread_count"], 1,
        "a retried incoming message counts once"
    );

    // The same client_id in another conversation is another message.
    let other = format!("/conversations/{}/messages", f.conversation);
    let elsewhere = api.post(&other, body).await.expect(201).clone();
    assert_ne!(elsewhere["id"], first["id"]);

    // Concurrent retries store one copy.
    let concurrent: Vec<_> = (0..8)
        .map(|_| {
            let api = api.clone();
            let path = path.clone();
            tokio::spawn(async move {
                api.post(
                    &path,
                    json!({ "direction": "outgoing", "content": "race", "client_id": "race-1" }),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut race_ids = HashSet::new();
    for handle in concurrent {
        let r = handle.await.unwrap();
        statuses.push(r.status);
        race_ids.insert(r.id());
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 200, 200, 201],
        "exactly one creation"
    );
    assert_eq!(
        race_ids.len(),
        1,
        "every retry answers with the same message"
    );
    assert_eq!(api.walk(&path, 100).await.len(), 2);
}

#[tokio::test]
async fn imported_history_keeps_time_order_and_last_message_at() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let path = format!("/conversations/{conversation}/messages");
    let live = api.text(&conversation, "outgoing", "live").await;
    let now = Utc::now();
    let import = |content: &str, direction: &str, ago: chrono::Duration| json!({ "direction": direction, "content": content, "created_at": iso(now - ago) });
    let day = chrono::Duration::days(1);
    // Imported out of order: the newest old one first.
    let old2 = api
        .message(&conversation, import("yesterday", "outgoing", day))
        .await;
    let old0 = api
        .message(&conversation, import("three days ago", "incoming", day * 3))
        .await;
    let old1 = api
        .message(&conversation, import("two days ago", "outgoing", day * 2))
        .await;
    assert_eq!(
        at(&old0["created_at"]).timestamp_millis(),
        (now - day * 3).timestamp_millis()
    );

    let thread = api.walk(&path, 100).await;
    assert_eq!(
        ids(&thread),
        vec![id_of(&old0), id_of(&old1), id_of(&old2), id_of(&live)],
        "the thread is in time order, not insertion order"
    );
    let c = api
        .get(&format!("/conversations/{conversation}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        c["last_message_at"], live["created_at"],
        "older imports never move last_message_at back"
    );

    // An old incoming message does not reopen an ended conversation; a new one does.
    api.patch(
        &format!("/conversations/{conversation}"),
        json!({ "status": "ended" }),
    )
    .await
    .expect(200);
    api.message(&conversation, import("four days ago", "incoming", day * 4))
        .await;
    let c = api
        .get(&format!("/conversations/{conversation}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["status"], "ended");
    assert_eq!(c["last_message_at"], live["created_at"]);

    // A conversation made of imports only takes its last message's time.
    let imported = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let a = api
        .message(&imported, import("a", "incoming", day * 5))
        .await;
    let b = api
        .message(&imported, import("b", "outgoing", day * 6))
        .await;
    let c = api
        .get(&format!("/conversations/{imported}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["last_message_at"], a["created_at"]);
    let thread = api
        .walk(&format!("/conversations/{imported}/messages"), 100)
        .await;
    assert_eq!(ids(&thread), vec![id_of(&b), id_of(&a)]);
}

#[tokio::test]
async fn incoming_messages_raise_unread_and_reopen_the_conversation() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let url = format!("/conversations/{conversation}");
    let unread = || async {
        api.get(&url).await.expect(200)["unread_count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(unread().await, 0);
    api.text(&conversation, "incoming", "one").await;
    api.text(&conversation, "incoming", "two").await;
    assert_eq!(unread().await, 2);
    api.text(&conversation, "outgoing", "answer").await;
    assert_eq!(unread().await, 2, "outgoing messages do not count");
    api.text(&conversation, "incoming", "three").await;
    assert_eq!(unread().await, 3);

    api.patch(&url, json!({ "status": "ended" }))
        .await
        .expect(200);
    api.text(&conversation, "outgoing", "bye").await;
    assert_eq!(
        api.get(&url).await.expect(200)["status"],
        "ended",
        "an outgoing message keeps it ended"
    );
    tick().await;
    let m = api.text(&conversation, "incoming", "one more thing").await;
    let c = api.get(&url).await.expect(200).clone();
    assert_eq!(
        c["status"], "active",
        "the contact writing again reopens it"
    );
    assert_eq!(c["unread_count"], 4);
    assert_eq!(c["last_message_at"], m["created_at"]);
}

#[tokio::test]
async fn the_thread_pages_newest_first() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let conversation = id_of(&api.conversation(&f.inbox, &f.contact, json!({})).await);
    let path = format!("/conversations/{conversation}/messages");
    let mut sent = Vec::new();
    for i in 0..7 {
        let direction = if i % 2 == 0 { "incoming" } else { "outgoing" };
        sent.push(id_of(
            &api.text(&conversation, direction, &format!("message {i}"))
                .await,
        ));
        tick().await;
    }
    let page1 = api
        .get(&format!("{path}?limit=3"))
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(page1["data"].as_array().unwrap()), sent[4..7].to_vec());
    let cursor1 = page1["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_string();
    let page2 = api
        .get(&format!("{path}?limit=3&cursor={cursor1}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(page2["data"].as_array().unwrap()), sent[1..4].to_vec());
    let cursor2 = page2["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_string();
    let page3 = api
        .get(&format!("{path}?limit=3&cursor={cursor2}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(page3["data"].as_array().unwrap()), sent[0..1].to_vec());
    assert_eq!(page3["next_cursor"], Value::Null);

    // A page exactly as long as what is left ends the walk too.
    let page = api
        .get(&format!("{path}?limit=7"))
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(page["data"].as_array().unwrap()), sent);
    assert_eq!(page["next_cursor"], Value::Null);
    // The default page holds them all.
    let page = api.get(&path).await.expect(200).clone();
    assert_eq!(ids(page["data"].as_array().unwrap()), sent);
}

#[tokio::test]
async fn every_list_walks_to_the_end_without_duplicates() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let other = server.project("B").await;
    let mut made: Vec<(&str, Vec<String>)> = Vec::new();
    let mut customers = Vec::new();
    let mut users = Vec::new();
    let mut contacts = Vec::new();
    let mut inboxes = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..7 {
        customers.push(id_of(&api.customer(&format!("customer {i}")).await));
        users.push(id_of(&api.user(&format!("user {i}")).await));
        contacts.push(id_of(&api.contact(&format!("contact {i}"), None).await));
        inboxes.push(id_of(&api.inbox(&format!("inbox {i}"), "api", None).await));
        tokens.push(id_of(
            &api.token(json!({ "name": format!("token {i}"), "scope": { "type": "project" } }))
                .await,
        ));
        // Noise in another project.
        other.customer("noise").await;
        other.contact("noise", None).await;
    }
    made.push(("/customers", customers));
    made.push(("/users", users));
    made.push(("/contacts", contacts.clone()));
    made.push(("/inboxes", inboxes.clone()));
    made.push(("/embed_tokens", tokens));
    for (path, expected) in &made {
        for limit in [1, 3, 7, 100] {
            let got = ids(&api.walk(path, limit).await);
            assert_eq!(
                &got, expected,
                "{path} with limit {limit}: oldest first, each once"
            );
        }
    }

    // Conversations: most recent activity first.
    let mut conversations = Vec::new();
    for i in 0..7 {
        conversations.push(id_of(
            &api.conversation(&inboxes[i % 3], &contacts[i], json!({}))
                .await,
        ));
        tick().await;
    }
    let newest_first: Vec<String> = conversations.iter().rev().cloned().collect();
    for limit in [1, 2, 3, 100] {
        assert_eq!(
            ids(&api.walk("/conversations", limit).await),
            newest_first,
            "limit {limit}"
        );
    }
    // A message moves its conversation to the top.
    api.text(&conversations[0], "incoming", "bump").await;
    let mut bumped = vec![conversations[0].clone()];
    bumped.extend(newest_first[..6].iter().cloned());
    assert_eq!(ids(&api.walk("/conversations", 3).await), bumped);
    // Filters and pages combine.
    api.patch(
        &format!("/conversations/{}", conversations[3]),
        json!({ "status": "ended" }),
    )
    .await
    .expect(200);
    let active: Vec<String> = bumped
        .iter()
        .filter(|c| **c != conversations[3])
        .cloned()
        .collect();
    assert_eq!(
        ids(&api.walk("/conversations?status=active", 2).await),
        active
    );
    assert_eq!(ids(&api.walk("/conversations?status=all", 2).await), bumped);
    assert_eq!(
        ids(&api.walk("/conversations?status=ended", 2).await),
        vec![conversations[3].clone()]
    );
}

#[tokio::test]
async fn page_limits_and_cursors_are_checked() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let messages = format!("/conversations/{}/messages", f.conversation);
    let lists = [
        "/customers",
        "/inboxes",
        "/users",
        "/contacts",
        "/conversations",
        "/embed_tokens",
        messages.as_str(),
    ];
    for path in lists {
        for limit in ["0", "101", "-1", "1000000"] {
            let r = api.get(&format!("{path}?limit={limit}")).await;
            assert_eq!(r.status, 422, "{path}?limit={limit}: {}", r.text);
            r.expect_error(422);
        }
        for limit in ["abc", "1.5", ""] {
            let r = api.get(&format!("{path}?limit={limit}")).await;
            assert_eq!(r.status, 400, "{path}?limit={limit}: {}", r.text);
            r.expect_error(400);
        }
        for cursor in ["garbage", "AAAA", "MTI6eA", "%00", "bm90LWEtY3Vyc29y"] {
            let r = api.get(&format!("{path}?cursor={cursor}")).await;
            assert_eq!(r.status, 400, "{path}?cursor={cursor}: {}", r.text);
            r.expect_error(400);
        }
        for limit in ["1", "100"] {
            api.get(&format!("{path}?limit={limit}")).await.expect(200);
        }
        // An empty cursor is no cursor.
        api.get(&format!("{path}?cursor=")).await.expect(200);
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let unknown = uuid::Uuid::now_v7().to_string();
    for id in [
        unknown.as_str(),
        NIL,
        "not-a-uuid",
        "1",
        "%20",
        "00000000-0000-0000-0000-00000000000g",
    ] {
        for resource in [
            "customers",
            "inboxes",
            "users",
            "contacts",
            "conversations",
            "embed_tokens",
        ] {
            let r = api.get(&format!("/{resource}/{id}")).await;
            assert_eq!(r.status, 404, "GET /{resource}/{id}: {}", r.text);
            r.expect_error(404);
        }
        let patches = [
            ("customers", json!({ "name": "x" })),
            ("inboxes", json!({ "name": "x" })),
            ("users", json!({ "name": "x" })),
            ("contacts", json!({ "display_name": "x" })),
            ("conversations", json!({ "status": "ended" })),
        ];
        for (resource, body) in patches {
            let r = api.patch(&format!("/{resource}/{id}"), body).await;
            assert_eq!(r.status, 404, "PATCH /{resource}/{id}: {}", r.text);
            r.expect_error(404);
        }
        api.delete(&format!("/inboxes/{id}"))
            .await
            .expect_error(404);
        api.delete(&format!("/embed_tokens/{id}"))
            .await
            .expect_error(404);
        api.get(&format!("/conversations/{id}/messages"))
            .await
            .expect_error(404);
        api.post(
            &format!("/conversations/{id}/messages"),
            json!({ "direction": "incoming", "content": "x" }),
        )
        .await
        .expect_error(404);
    }
    // Unknown ids inside bodies.
    let cases: Vec<(&str, Value)> = vec![
        (
            "/conversations",
            json!({ "inbox_id": unknown, "contact_id": f.contact }),
        ),
        (
            "/conversations",
            json!({ "inbox_id": f.inbox, "contact_id": unknown }),
        ),
        (
            "/conversations",
            json!({ "inbox_id": f.inbox, "contact_id": f.contact, "assigned_user_id": unknown }),
        ),
        (
            "/inboxes",
            json!({ "name": "x", "channel_type": "sms", "customer_id": unknown }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": unknown } }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "customer", "id": unknown } }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "project" }, "assigned_user_id": unknown }),
        ),
    ];
    for (path, body) in cases {
        let r = api.post(path, body.clone()).await;
        assert_eq!(r.status, 404, "POST {path} {body}: {}", r.text);
        r.expect_error(404);
    }
    api.patch(
        &format!("/conversations/{}", f.conversation),
        json!({ "assigned_user_id": unknown }),
    )
    .await
    .expect_error(404);
    api.patch(
        &format!("/inboxes/{}", f.inbox),
        json!({ "customer_id": unknown }),
    )
    .await
    .expect_error(404);
    assert_eq!(api.walk("/conversations", 100).await.len(), 1);
    assert_eq!(api.walk("/inboxes", 100).await.len(), 1);
    assert_eq!(api.walk("/embed_tokens", 100).await.len(), 1);
    let c = api
        .get(&format!("/conversations/{}", f.conversation))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (c["status"].as_str(), &c["assigned_user_id"]),
        (Some("active"), &Value::Null)
    );
}

#[tokio::test]
async fn another_projects_ids_are_404() {
    let server = TestServer::start().await;
    let a = fixture(&server, "A").await;
    let b = fixture(&server, "B").await;
    // B's key on A's ids, through every route.
    let api = &b.api;
    let gets = [
        format!("/customers/{}", a.customer),
        format!("/inboxes/{}", a.inbox),
        format!("/users/{}", a.user),
        format!("/contacts/{}", a.contact),
        format!("/conversations/{}", a.conversation),
        format!("/conversations/{}/messages", a.conversation),
        format!("/embed_tokens/{}", a.token_id),
    ];
    for path in &gets {
        let r = api.get(path).await;
        assert_eq!(r.status, 404, "GET {path} with B's key: {}", r.text);
        r.expect_error(404);
    }
    let patches = [
        (
            format!("/customers/{}", a.customer),
            json!({ "name": "stolen" }),
        ),
        (format!("/inboxes/{}", a.inbox), json!({ "name": "stolen" })),
        (format!("/users/{}", a.user), json!({ "name": "stolen" })),
        (
            format!("/contacts/{}", a.contact),
            json!({ "display_name": "stolen" }),
        ),
        (
            format!("/conversations/{}", a.conversation),
            json!({ "status": "ended", "handoff": "human" }),
        ),
    ];
    for (path, body) in &patches {
        let r = api.patch(path, body.clone()).await;
        assert_eq!(r.status, 404, "PATCH {path} with B's key: {}", r.text);
        r.expect_error(404);
    }
    api.post(
        &format!("/conversations/{}/messages", a.conversation),
        json!({ "direction": "incoming", "content": "injected" }),
    )
    .await
    .expect_error(404);
    api.delete(&format!("/embed_tokens/{}", a.token_id))
        .await
        .expect_error(404);
    api.delete(&format!("/inboxes/{}", a.inbox))
        .await
        .expect_error(404);

    // References to A's things inside B's bodies.
    let cases: Vec<(&str, Value)> = vec![
        (
            "/conversations",
            json!({ "inbox_id": a.inbox, "contact_id": b.contact }),
        ),
        (
            "/conversations",
            json!({ "inbox_id": b.inbox, "contact_id": a.contact }),
        ),
        (
            "/conversations",
            json!({ "inbox_id": b.inbox, "contact_id": b.contact, "assigned_user_id": a.user }),
        ),
        (
            "/inboxes",
            json!({ "name": "x", "channel_type": "whatsapp", "customer_id": a.customer }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": a.inbox } }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "customer", "id": a.customer } }),
        ),
        (
            "/embed_tokens",
            json!({ "name": "t", "scope": { "type": "project" }, "assigned_user_id": a.user }),
        ),
    ];
    for (path, body) in cases {
        let r = api.post(path, body.clone()).await;
        assert_eq!(r.status, 404, "POST {path} {body} with B's key: {}", r.text);
        r.expect_error(404);
    }
    api.patch(
        &format!("/conversations/{}", b.conversation),
        json!({ "assigned_user_id": a.user }),
    )
    .await
    .expect_error(404);
    api.patch(
        &format!("/inboxes/{}", b.inbox),
        json!({ "customer_id": a.customer }),
    )
    .await
    .expect_error(404);

    // B's lists never show A's things.
    let a_ids: HashSet<String> = [
        &a.customer,
        &a.inbox,
        &a.user,
        &a.contact,
        &a.conversation,
        &a.token_id,
    ]
    .into_iter()
    .cloned()
    .collect();
    for path in [
        "/customers",
        "/inboxes",
        "/users",
        "/contacts",
        "/conversations?status=all",
        "/embed_tokens",
    ] {
        for item in ids(&api.walk(path, 100).await) {
            assert!(
                !a_ids.contains(&item),
                "{path} with B's key lists A's {item}"
            );
        }
    }
    // A's things are untouched.
    let c = a
        .api
        .get(&format!("/conversations/{}", a.conversation))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (c["status"].as_str(), c["handoff"].as_str()),
        (Some("active"), Some("bot"))
    );
    assert_eq!(
        a.api
            .get(&format!("/customers/{}", a.customer))
            .await
            .expect(200)["name"],
        "A customer"
    );
    assert_eq!(
        a.api
            .get(&format!("/contacts/{}", a.contact))
            .await
            .expect(200)["display_name"],
        "A contact"
    );
    assert_eq!(
        a.api
            .get(&format!("/inboxes/{}", a.inbox))
            .await
            .expect(200)["name"],
        "A WhatsApp"
    );
    assert_eq!(
        a.api
            .get(&format!("/embed_tokens/{}", a.token_id))
            .await
            .expect(200)["revoked_at"],
        Value::Null
    );
    let thread = a
        .api
        .walk(&format!("/conversations/{}/messages", a.conversation), 100)
        .await;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0]["content"], "hello");
}

/// The filter world, with another project's look-alikes that must never match.
async fn filtered(server: &TestServer) -> FilterWorld {
    let world = filter_world(server).await;
    // Another project's look-alikes must never match.
    let other = server.project("B").await;
    let ow = id_of(&other.inbox("WA one", "whatsapp", None).await);
    let oz = id_of(&other.contact("Zoe Martin", Some("+34 611 222 333")).await);
    let oc = id_of(
        &other
            .conversation(&ow, &oz, json!({ "handoff": "waiting" }))
            .await,
    );
    other.text(&oc, "incoming", "I need a REFUND please").await;
    world
}

#[tokio::test]
async fn conversations_filter_as_the_embed_does() {
    let server = TestServer::start().await;
    let f = filtered(&server).await;
    let (c1, c2, c3, c4) = (&f.c1, &f.c2, &f.c3, &f.c4);
    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![c1, c3, c4]),
        ("status=active".into(), vec![c1, c3, c4]),
        ("status=ended".into(), vec![c2]),
        ("status=all".into(), vec![c1, c2, c3, c4]),
        // Search: names, phones and message text, case-insensitively.
        ("search=zoe".into(), vec![c1]),
        ("search=MARTIN".into(), vec![c1]),
        ("search=artí".into(), vec![]),
        ("search=611%20222".into(), vec![c1]),
        ("search=refund".into(), vec![c1]),
        ("search=need%20a%20refund".into(), vec![c1]),
        ("search=parcel".into(), vec![]),
        ("search=parcel&status=all".into(), vec![c2]),
        ("search=7700&status=all".into(), vec![c2]),
        ("search=HOLA".into(), vec![c3]),
        ("search=nothing%20like%20this".into(), vec![]),
        // One or two characters: names (and phones).
        ("search=Li".into(), vec![c4]),
        ("search=l".into(), vec![c3, c4]),
        ("search=zo".into(), vec![c1]),
        ("search=%2B4&status=all".into(), vec![c2]),
        ("search=%20%20zoe%20%20".into(), vec![c1]),
        ("search=".into(), vec![c1, c3, c4]),
        // Characters that mean something to SQL or FTS are plain text.
        ("search=%25".into(), vec![]),
        ("search=_".into(), vec![]),
        ("search=%22".into(), vec![]),
        ("search=%22%20OR%20%22".into(), vec![]),
        ("search=zoe*".into(), vec![]),
        ("search=a%27b".into(), vec![]),
        // One inbox.
        (format!("whatsapp_config_id={}", f.w1), vec![c1, c4]),
        (format!("whatsapp_config_id={}&status=all", f.w2), vec![c2]),
        (format!("whatsapp_config_id={}", f.sms), vec![c3]),
        ("whatsapp_config_id=all".into(), vec![c1, c3, c4]),
        (
            format!("whatsapp_config_id={}", uuid::Uuid::now_v7()),
            vec![],
        ),
        // Unread and waiting.
        ("unread=1".into(), vec![c1, c3]),
        ("unread=true".into(), vec![c1, c3]),
        ("unread=0".into(), vec![c1, c3, c4]),
        ("unread=false".into(), vec![c1, c3, c4]),
        ("handoff=1".into(), vec![c3]),
        ("handoff=true&status=all".into(), vec![c2, c3]),
        ("handoff=0".into(), vec![c1, c3, c4]),
        // Together.
        (format!("whatsapp_config_id={}&unread=1", f.w1), vec![c1]),
        ("unread=1&handoff=1".into(), vec![c3]),
        ("status=ended&unread=1".into(), vec![]),
        (format!("search=zoe&whatsapp_config_id={}", f.w2), vec![]),
    ];
    for (query, expected) in cases {
        let got = sorted(ids(&f
            .api
            .walk(&format!("/conversations?{query}"), 100)
            .await));
        let expected = sorted(expected.into_iter().cloned().collect());
        assert_eq!(got, expected, "/conversations?{query}");
    }
}

#[tokio::test]
async fn conversation_filter_values_are_strict() {
    let server = TestServer::start().await;
    let f = filtered(&server).await;
    for query in [
        "status=archived",
        "status=ACTIVE",
        "status=",
        "whatsapp_config_id=nope",
        "whatsapp_config_id=",
        "whatsapp_config_id=ALL",
        "unread=yes",
        "unread=2",
        "unread=",
        "handoff=waiting",
        "handoff=TRUE",
    ] {
        let r = f.api.get(&format!("/conversations?{query}")).await;
        assert_eq!(r.status, 422, "/conversations?{query}: {}", r.text);
        r.expect_error(422);
    }
}

#[tokio::test]
async fn conversations_are_patched() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let url = format!("/conversations/{}", f.conversation);
    let c = api
        .patch(&url, json!({ "handoff": "waiting" }))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (c["status"].as_str(), c["handoff"].as_str()),
        (Some("active"), Some("waiting"))
    );
    let c = api
        .patch(
            &url,
            json!({ "status": "ended", "handoff": "human", "assigned_user_id": f.user }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (
            c["status"].as_str(),
            c["handoff"].as_str(),
            c["assigned_user_id"].as_str()
        ),
        (Some("ended"), Some("human"), Some(f.user.as_str()))
    );
    let stored = api.get(&url).await.expect(200).clone();
    assert_eq!(stored, c, "GET shows what PATCH answered");
    // An empty patch changes nothing; null unassigns.
    assert_eq!(api.patch(&url, json!({})).await.expect(200).clone(), c);
    let c = api
        .patch(&url, json!({ "assigned_user_id": null }))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["assigned_user_id"], Value::Null);
    assert_eq!(
        (c["status"].as_str(), c["handoff"].as_str()),
        (Some("ended"), Some("human"))
    );
    let c = api
        .patch(&url, json!({ "status": "active", "handoff": "bot" }))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (c["status"].as_str(), c["handoff"].as_str()),
        (Some("active"), Some("bot"))
    );
    assert_eq!(api.get(&url).await.expect(200)["unread_count"], 1);

    // Created with everything set.
    let c = api
        .conversation(
            &f.inbox,
            &f.contact,
            json!({ "status": "ended", "handoff": "waiting", "assigned_user_id": f.user }),
        )
        .await;
    assert_eq!(
        (
            c["status"].as_str(),
            c["handoff"].as_str(),
            c["assigned_user_id"].as_str(),
            c["unread_count"].as_i64()
        ),
        (
            Some("ended"),
            Some("waiting"),
            Some(f.user.as_str()),
            Some(0)
        )
    );
    assert_eq!(c["inbox_id"], f.inbox.as_str());
    assert_eq!(c["contact_id"], f.contact.as_str());
    assert_eq!(c["project_id"], api.project_id.as_str());
}

#[tokio::test]
async fn embed_tokens_are_minted_listed_without_secret_and_revoked() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let expires = Utc::now() + chrono::Duration::days(30);
    let created = api
        .post(
            "/embed_tokens",
            json!({
                "name": "CRM",
                "scope": { "type": "whatsapp_config", "id": f.inbox },
                "assigned_user_id": f.user,
                "allowed_origins": ["https://app.example.com", "https://*.example.org", "http://localhost:3000"],
                "theme": "dark",
                "expires_at": iso(expires),
            }),
        )
        .await;
    let body = created.expect(201).clone();
    let token = body["token"]
        .as_str()
        .expect("the token is shown once")
        .to_string();
    assert!(token.starts_with("iet_") && token.len() >= 30, "{token}");
    assert_eq!(body["embed_url"], format!("{}/embed/{token}", server.base));
    let iframe = body["iframe_html"].as_str().unwrap();
    assert!(
        iframe.starts_with("<iframe")
            && iframe.contains(&format!("src=\"{}/embed/{token}\"", server.base)),
        "{iframe}"
    );
    assert_eq!(body["name"], "CRM");
    assert_eq!(
        body["scope"],
        json!({ "type": "whatsapp_config", "id": f.inbox })
    );
    assert_eq!(body["assigned_user_id"], f.user.as_str());
    assert_eq!(
        body["allowed_origins"],
        json!([
            "https://app.example.com",
            "https://*.example.org",
            "http://localhost:3000"
        ])
    );
    assert_eq!(body["theme"], "dark");
    assert_eq!(body["language"], "en");
    assert_eq!(
        at(&body["expires_at"]).timestamp_millis(),
        expires.timestamp_millis()
    );
    assert_eq!(body["revoked_at"], Value::Null);
    assert!(!created.text.contains("token_hash"));
    let id = id_of(&body);

    // Defaults.
    let plain = api
        .token(json!({ "name": "plain", "scope": { "type": "project" } }))
        .await;
    assert_eq!(plain["theme"], "system");
    assert_eq!(plain["allowed_origins"], json!([]));
    assert_eq!(plain["expires_at"], Value::Null);
    assert_eq!(plain["scope"]["type"], "project");
    let customer_token = api
        .token(json!({ "name": "c", "scope": { "type": "customer", "id": f.customer }, "language": "es-ES" }))
        .await;
    assert_eq!(customer_token["language"], "es-ES");

    // Listing and reading never show a token.
    let secrets = [
        &token,
        plain["token"].as_str().unwrap(),
        customer_token["token"].as_str().unwrap(),
    ];
    let list = api.get("/embed_tokens").await;
    let listed = list.expect(200)["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 4);
    let shown = api.get(&format!("/embed_tokens/{id}")).await;
    for text in [&list.text, &shown.text] {
        for secret in secrets {
            assert!(!text.contains(secret), "a token leaked: {text}");
        }
        assert!(
            !text.contains("\"token\"") && !text.contains("token_hash"),
            "{text}"
        );
    }
    assert_eq!(shown.expect(200)["name"], "CRM");

    // The embed page opens, until revoked.
    server.page(&format!("/embed/{token}")).await.expect(200);
    let revoked = api
        .delete(&format!("/embed_tokens/{id}"))
        .await
        .expect(200)
        .clone();
    let revoked_at = at(&revoked["revoked_at"]);
    assert!((Utc::now() - revoked_at).num_seconds().abs() < 60);
    assert_eq!(
        api.get(&format!("/embed_tokens/{id}")).await.expect(200)["revoked_at"],
        revoked["revoked_at"]
    );
    let page = server.page(&format!("/embed/{token}")).await;
    page.expect(401);
    assert_eq!(page.token_error().as_deref(), Some("revoked"));
    // Revoking again keeps the first instant; the other tokens still work.
    let again = api
        .delete(&format!("/embed_tokens/{id}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(again["revoked_at"], revoked["revoked_at"]);
    server
        .page(&format!("/embed/{}", secrets[1]))
        .await
        .expect(200);
}

#[tokio::test]
async fn embed_token_requests_are_validated() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let sms = id_of(&api.inbox("Texts", "sms", None).await);
    let email = id_of(&api.inbox("Mail", "email", Some(&f.customer)).await);
    let past = iso(Utc::now() - chrono::Duration::seconds(5));
    let cases: Vec<(&str, Value)> = vec![
        (
            "whatsapp_config scope on an sms inbox",
            json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": sms } }),
        ),
        (
            "whatsapp_config scope on an email inbox",
            json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": email } }),
        ),
        (
            "whatsapp_config scope without id",
            json!({ "name": "t", "scope": { "type": "whatsapp_config" } }),
        ),
        (
            "customer scope without id",
            json!({ "name": "t", "scope": { "type": "customer" } }),
        ),
        (
            "customer scope with null id",
            json!({ "name": "t", "scope": { "type": "customer", "id": null } }),
        ),
        (
            "project scope with an id",
            json!({ "name": "t", "scope": { "type": "project", "id": f.customer } }),
        ),
        (
            "scope id not a uuid",
            json!({ "name": "t", "scope": { "type": "customer", "id": "acme" } }),
        ),
        (
            "expired at creation",
            json!({ "name": "t", "scope": { "type": "project" }, "expires_at": past }),
        ),
        (
            "expires_at not a time",
            json!({ "name": "t", "scope": { "type": "project" }, "expires_at": "tomorrow" }),
        ),
        (
            "bad language",
            json!({ "name": "t", "scope": { "type": "project" }, "language": "english" }),
        ),
        (
            "too many origins",
            json!({ "name": "t", "scope": { "type": "project" }, "allowed_origins": (0..51).map(|i| format!("https://a{i}.example.com")).collect::<Vec<_>>() }),
        ),
    ];
    for (label, body) in cases {
        let r = api.post("/embed_tokens", body).await;
        assert_eq!(r.status, 422, "{label}: {}", r.text);
        r.expect_error(422);
    }
    for origin in [
        "example.com",
        "https://",
        "https://app.example.com/",
        "https://app.example.com/path",
        "https://*",
        "https://*.*.example.com",
        "https://app.*.example.com",
        "*.example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        "https://app.example.com:0",
        "https://app.example.com:70000",
        "https://app.example.com:x",
        "https://a b.com",
        "https://app.example.com;frame-ancestors *",
        "https://app.example.com'",
        "'self'",
        "*",
        "",
    ] {
        let r = api
            .post(
                "/embed_tokens",
                json!({ "name": "t", "scope": { "type": "project" }, "allowed_origins": [origin] }),
            )
            .await;
        assert_eq!(r.status, 422, "allowed origin {origin:?}: {}", r.text);
        r.expect_error(422);
    }
    assert_eq!(
        api.walk("/embed_tokens", 100).await.len(),
        1,
        "only the fixture's token exists"
    );
    // The right scopes pass.
    api.token(json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": f.inbox } }))
        .await;
    api.token(json!({ "name": "t", "scope": { "type": "customer", "id": f.customer }, "assigned_user_id": f.user })).await;
    api.token(json!({ "name": "t", "scope": { "type": "project", "id": null } }))
        .await;
    // Origins are case-insensitive: kept lowercase, duplicates once.
    let t = api
        .token(json!({
            "name": "t",
            "scope": { "type": "project" },
            "allowed_origins": ["HTTPS://App.Example.COM", "http://LOCALHOST:8080", "https://app.example.com"],
        }))
        .await;
    assert_eq!(
        t["allowed_origins"],
        json!(["https://app.example.com", "http://localhost:8080"])
    );
}

#[tokio::test]
async fn deleting_an_inbox_removes_its_conversations() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let api = &f.api;
    let keep = id_of(&api.inbox("Keep", "sms", None).await);
    let kept = id_of(&api.conversation(&keep, &f.contact, json!({})).await);
    api.text(&kept, "incoming", "still here").await;
    let second = id_of(
        &api.conversation(&f.inbox, &f.contact, json!({ "status": "ended" }))
            .await,
    );
    let inbox_token = api
        .token(json!({ "name": "wa", "scope": { "type": "whatsapp_config", "id": f.inbox } }))
        .await;
    let project_token = api.project_token().await;

    let r = api.delete(&format!("/inboxes/{}", f.inbox)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    api.get(&format!("/inboxes/{}", f.inbox))
        .await
        .expect_error(404);
    for conversation in [&f.conversation, &second] {
        api.get(&format!("/conversations/{conversation}"))
            .await
            .expect_error(404);
        api.get(&format!("/conversations/{conversation}/messages"))
            .await
            .expect_error(404);
        api.post(
            &format!("/conversations/{conversation}/messages"),
            json!({ "direction": "incoming", "content": "late" }),
        )
        .await
        .expect_error(404);
    }
    assert_eq!(
        ids(&api.walk("/conversations?status=all", 100).await),
        vec![kept.clone()]
    );
    assert_eq!(ids(&api.walk("/inboxes", 100).await), vec![keep]);
    // Search no longer finds the deleted messages.
    assert!(api
        .walk("/conversations?search=hello&status=all", 100)
        .await
        .is_empty());
    assert_eq!(
        ids(&api.walk("/conversations?search=still", 100).await),
        vec![kept.clone()]
    );
    // The contact stays; the token scoped to the inbox stops working.
    api.get(&format!("/contacts/{}", f.contact))
        .await
        .expect(200);
    let page = server
        .page(&format!(
            "/embed/{}",
            inbox_token["token"].as_str().unwrap()
        ))
        .await;
    page.expect(401);
    assert_eq!(page.token_error().as_deref(), Some("revoked"));
    let page = server
        .page(&format!("/embed/{project_token}?status=all"))
        .await;
    page.expect(200);
    assert_eq!(page.conversation_ids(), vec![kept]);
    // Deleting twice is a 404.
    api.delete(&format!("/inboxes/{}", f.inbox))
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed_and_count() {
    let server = TestServer::start().await;
    let f = fixture(&server, "A").await;
    let conversation = id_of(&f.api.conversation(&f.inbox, &f.contact, json!({})).await);
    let path = format!("/conversations/{conversation}/messages");
    let posts: Vec<_> = (0..24)
        .map(|i| {
            let api = f.api.clone();
            let path = path.clone();
            tokio::spawn(async move {
                let direction = if i % 3 == 0 { "outgoing" } else { "incoming" };
                api.post(
                    &path,
                    json!({ "direction": direction, "content": format!("message {i}") }),
                )
                .await
            })
        })
        .collect();
    for post in posts {
        let r = post.await.unwrap();
        assert_eq!(r.status, 201, "a concurrent message failed: {}", r.text);
    }
    assert_eq!(f.api.walk(&path, 100).await.len(), 24);
    let c = f
        .api
        .get(&format!("/conversations/{conversation}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["unread_count"], 16, "every incoming message counts once");
}

#[tokio::test]
async fn search_ignores_letter_case_beyond_ascii() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let elodie = id_of(&api.contact("Élodie Ñúñez", None).await);
    let carl = id_of(&api.contact("Carl", None).await);
    let c1 = id_of(&api.conversation(&inbox, &elodie, json!({})).await);
    let c2 = id_of(&api.conversation(&inbox, &carl, json!({})).await);
    api.text(&c2, "incoming", "ÇA VA BIEN").await;
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("élo", vec![&c1]),
        ("ÉLODIE", vec![&c1]),
        ("ÑÚÑEZ", vec![&c1]),
        ("ça va", vec![&c2]),
        // One or two characters: names, in any case.
        ("él", vec![&c1]),
        ("ÉL", vec![&c1]),
        ("ñÚ", vec![&c1]),
        ("Ñ", vec![&c1]),
        ("CA", vec![&c2]),
        ("ç", vec![]),
    ];
    for (search, expected) in cases {
        let got = sorted(ids(&api
            .walk(&format!("/conversations?search={search}"), 100)
            .await));
        let expected = sorted(expected.into_iter().cloned().collect());
        assert_eq!(got, expected, "search={search}");
    }
}

#[tokio::test]
async fn delivery_receipts_only_move_forward() {
    let server = TestServer::start().await;
    let api = server.project("Receipts").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    let sent = api
        .message(
            &conversation,
            json!({ "direction": "outgoing", "content": "hola", "status": "pending" }),
        )
        .await;
    let path = format!("/messages/{}", id_of(&sent));
    let status = |r: &Resp| r.body["status"].as_str().unwrap_or_default().to_string();
    for (receipt, now) in [
        ("sent", "sent"),
        ("delivered", "delivered"),
        // A late "sent" is ignored, not an error.
        ("sent", "delivered"),
        ("read", "read"),
        ("delivered", "read"),
        // A read message cannot fail any more.
        ("failed", "read"),
        ("pending", "read"),
    ] {
        let r = api.patch(&path, json!({ "status": receipt })).await;
        r.expect(200);
        assert_eq!(status(&r), now, "after {receipt}");
    }
    assert_eq!(status(&api.get(&path).await), "read");
    // The thread shows the same.
    let thread = api
        .walk(&format!("/conversations/{conversation}/messages"), 100)
        .await;
    assert_eq!(thread[0]["status"], "read");

    // Failed carries its reason, and is final.
    let other = api
        .message(
            &conversation,
            json!({ "direction": "outgoing", "content": "second", "status": "pending" }),
        )
        .await;
    let path = format!("/messages/{}", id_of(&other));
    api.patch(&path, json!({ "status": "sent", "error": "x" }))
        .await
        .expect_error(422);
    let failed = api
        .patch(
            &path,
            json!({ "status": "failed", "error": "Message undeliverable (131026)" }),
        )
        .await;
    assert_eq!(
        failed.expect(200)["error"],
        "Message undeliverable (131026)"
    );
    let late = api.patch(&path, json!({ "status": "delivered" })).await;
    assert_eq!(status(&late), "failed");

    // Bad input, and other projects' messages.
    api.patch(&path, json!({ "status": "lost" }))
        .await
        .expect_error(422);
    api.patch(&path, json!({ "state": "read" }))
        .await
        .expect_error(422);
    api.patch("/messages/not-an-id", json!({ "status": "read" }))
        .await
        .expect_error(404);
    let stranger = server.project("Other").await;
    stranger
        .patch(&path, json!({ "status": "read" }))
        .await
        .expect_error(404);
    stranger.get(&path).await.expect_error(404);
}

/// Two PATCHes of different fields of one record, sent at once, both stick: a change is
/// read and written under one lock, never patched from a copy read before another wrote.
#[tokio::test]
async fn concurrent_patches_of_different_fields_both_stick() {
    let server = TestServer::start().await;
    let f = fixture(&server, "patches").await;
    let template = f
        .api
        .post(
            &format!("/inboxes/{}/templates", f.inbox),
            json!({ "name": "both_stick", "language": "en", "category": "utility", "body": "x" }),
        )
        .await
        .id();
    let cases = [
        (format!("/customers/{}", f.customer), "name", "external_id"),
        (format!("/users/{}", f.user), "name", "external_id"),
        (format!("/inboxes/{}", f.inbox), "name", "phone_number"),
        (format!("/contacts/{}", f.contact), "display_name", "email"),
        (format!("/templates/{template}"), "body", "buttons"),
    ];
    for (path, a, b) in &cases {
        for round in 0..12 {
            let value = |field: &str| match field {
                "phone_number" => json!(format!("+3460000{round:04}")),
                "email" => json!(format!("r{round}@example.com")),
                "buttons" => json!([format!("b{round}")]),
                _ => json!(format!("{field} {round}")),
            };
            let (ra, rb) = tokio::join!(
                f.api.patch(path, json!({ *a: value(a) })),
                f.api.patch(path, json!({ *b: value(b) })),
            );
            ra.expect(200);
            rb.expect(200);
            let stored = f.api.get(path).await;
            let stored = stored.expect(200);
            assert_eq!(
                stored[*a],
                value(a),
                "{path} round {round}: {a} lost: {stored}"
            );
            assert_eq!(
                stored[*b],
                value(b),
                "{path} round {round}: {b} lost: {stored}"
            );
        }
    }
}

/// An id column holding something that is not a UUID (a hand edit, a bad import) fails the
/// read with a 500 the log explains; it is never shown as another id (the nil UUID).
#[tokio::test]
async fn a_stored_id_that_is_not_a_uuid_is_an_error_not_another_id() {
    let server = TestServer::start().await;
    let api = server.project("bad ids").await;
    api.customer("fine").await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.db.url)
        .await
        .expect("database");
    sqlx::query(
        "INSERT INTO customers (id, project_id, name, external_id, created_at) VALUES ('not-a-uuid', $1, 'broken', NULL, 1)",
    )
    .bind(&api.project_id)
    .execute(&db)
    .await
    .expect("insert");
    let r = api.get("/customers").await;
    assert_eq!(r.status, 500, "{}", r.text);
    assert!(!r.text.contains(NIL), "{}", r.text);
}
