//! What an agent does from the embed (§3, issue 4): send, take over and return, rename the
//! contact, mark read. Each server function re-checks the token, its origin and that the
//! conversation is in scope; out of scope is a 404 and nothing happens.

use crate::common::*;
use chrono::{Duration as ChronoDuration, Utc};
use serde_json::{json, Value};

struct Desk {
    server: TestServer,
    api: Api,
    /// Project-wide token.
    token: String,
    /// A token scoped to another inbox.
    other_token: String,
    whatsapp: String,
    conversation: String,
}

/// A WhatsApp conversation whose contact wrote a minute ago, and a second inbox.
async fn desk() -> Desk {
    let server = TestServer::start().await;
    let api = server.project("Desk").await;
    let whatsapp = id_of(&api.inbox("WA", "whatsapp", None).await);
    let other = id_of(&api.inbox("Other", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", Some("+15550100")).await);
    let conversation = id_of(&api.conversation(&whatsapp, &contact, json!({})).await);
    api.text(&conversation, "incoming", "hola").await;
    api.text(&conversation, "incoming", "¿hay alguien?").await;
    let token = api.project_token().await;
    let other_token = api
        .token(json!({ "name": "other", "scope": { "type": "whatsapp_config", "id": other } }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    Desk {
        server,
        api,
        token,
        other_token,
        whatsapp,
        conversation,
    }
}

impl Desk {
    async fn send(&self, token: &str, conversation: &str, text: &str, client_id: &str) -> Got {
        self.server
            .rpc(
                "send_message",
                &[
                    ("token", token),
                    ("conversation_id", conversation),
                    ("text", text),
                    ("client_id", client_id),
                ],
                &[],
            )
            .await
    }

    async fn thread(&self) -> Vec<Value> {
        self.api
            .walk(
                &format!("/conversations/{}/messages", self.conversation),
                100,
            )
            .await
    }
}

#[tokio::test]
async fn an_agent_sends_text_once_however_often_it_is_retried() {
    let d = desk().await;
    let first = d
        .send(
            &d.token,
            &d.conversation,
            "  Hola Ana *bienvenida*  ",
            "c-1",
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let sent = first.json();
    assert_eq!(sent["content"], "Hola Ana *bienvenida*");
    assert_eq!(sent["direction"], "outgoing");
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["client_id"], "c-1");
    assert_eq!(sent["sender"]["type"], "agent");
    // The same client_id again (a retry after a lost answer): the first copy, not a second.
    let again = d
        .send(
            &d.token,
            &d.conversation,
            "  Hola Ana *bienvenida*  ",
            "c-1",
        )
        .await;
    assert_eq!(again.json()["id"], sent["id"]);
    let thread = d.thread().await;
    assert_eq!(thread.len(), 3);
    assert_eq!(thread[2]["id"], sent["id"]);
    // The list moves: the conversation's preview is the agent's message.
    let list = d.api.walk("/conversations", 100).await;
    assert_eq!(list[0]["id"], d.conversation.as_str());
    assert_eq!(list[0]["unread_count"], 2, "sending does not read");

    for (text, why) in [("   ", "Write something"), (&"x".repeat(4097), "4096")] {
        let refused = d.send(&d.token, &d.conversation, text, "c-2").await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refusal(&refused.body).contains(why), "{}", refused.body);
    }
    let no_id = d.send(&d.token, &d.conversation, "hi", " ").await;
    assert_eq!(no_id.status, 422);
    assert_eq!(d.thread().await.len(), 3, "nothing refused was stored");
}

#[tokio::test]
async fn every_function_checks_scope_origin_and_token() {
    let d = desk().await;
    let c = d.conversation.as_str();
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "send_message",
            vec![
                ("conversation_id", c.into()),
                ("text", "hi".into()),
                ("client_id", "s-1".into()),
            ],
        ),
        (
            "set_handoff",
            vec![("conversation_id", c.into()), ("handoff", "human".into())],
        ),
        (
            "rename_contact",
            vec![
                ("conversation_id", c.into()),
                ("display_name", "Mallory".into()),
            ],
        ),
        ("mark_read", vec![("conversation_id", c.into())]),
    ];
    let call = |name: &'static str,
                token: &str,
                args: &[(&str, String)],
                headers: &'static [(&'static str, &'static str)]| {
        let mut form: Vec<(&str, &str)> = vec![("token", token)];
        form.extend(args.iter().map(|(k, v)| (*k, v.as_str())));
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let server = &d.server;
        async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            server.rpc(name, &form, headers).await
        }
    };
    let revoked = d
        .api
        .token(json!({ "name": "gone", "scope": { "type": "project" } }))
        .await;
    d.api
        .delete(&format!("/embed_tokens/{}", id_of(&revoked)))
        .await
        .expect(200);
    let revoked = revoked["token"].as_str().unwrap().to_string();
    let fenced = d
        .api
        .token(json!({ "name": "fenced", "scope": { "type": "project" }, "allowed_origins": ["https://crm.example.com"] }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (name, args) in &calls {
        let out_of_scope = call(name, &d.other_token, args, &[]).await;
        assert_eq!(
            (name, out_of_scope.status),
            (name, 404),
            "{}",
            out_of_scope.body
        );
        assert_eq!(out_of_scope.json(), json!("NotFound"));
        let unknown: Vec<(&str, String)> = args
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    if *k == "conversation_id" {
                        uuid::Uuid::new_v4().to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        assert_eq!(
            call(name, &d.token, &unknown, &[]).await.status,
            404,
            "{name}: unknown id"
        );
        assert_eq!(
            call(name, &revoked, args, &[]).await.status,
            401,
            "{name}: revoked"
        );
        let foreign = call(
            name,
            &fenced,
            args,
            &[("origin", "https://evil.example.com")],
        )
        .await;
        assert_eq!(foreign.status, 403, "{name}: foreign origin");
        // A change is never a GET.
        let get = d
            .server
            .get_with(
                &format!("/rpc/{name}?token={}&conversation_id={c}", d.token),
                &[],
            )
            .await;
        assert_ne!(get.status, 200, "{name} over GET");
    }
    // Nothing happened.
    assert_eq!(d.thread().await.len(), 2);
    let conversation = d.api.get(&format!("/conversations/{c}")).await;
    assert_eq!(conversation.body["handoff"], "bot");
    assert_eq!(conversation.body["unread_count"], 2);
    let contacts = d.api.walk("/contacts", 100).await;
    assert_eq!(contacts[0]["display_name"], "Ana");
    // The allowed origin may.
    let allowed = call(
        "mark_read",
        &fenced,
        &calls[3].1,
        &[("origin", "https://crm.example.com")],
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[tokio::test]
async fn handoff_rename_and_mark_read_change_what_the_api_shows() {
    let d = desk().await;
    let c = d.conversation.as_str();
    let took = d
        .server
        .rpc(
            "set_handoff",
            &[
                ("token", &d.token),
                ("conversation_id", c),
                ("handoff", "human"),
            ],
            &[],
        )
        .await;
    assert_eq!((took.status, took.json()), (200, json!("human")));
    assert_eq!(
        d.api.get(&format!("/conversations/{c}")).await.body["handoff"],
        "human"
    );
    let back = d
        .server
        .rpc(
            "set_handoff",
            &[
                ("token", &d.token),
                ("conversation_id", c),
                ("handoff", "bot"),
            ],
            &[],
        )
        .await;
    assert_eq!(back.json(), json!("bot"));
    let bad = d
        .server
        .rpc(
            "set_handoff",
            &[
                ("token", &d.token),
                ("conversation_id", c),
                ("handoff", "robot"),
            ],
            &[],
        )
        .await;
    assert!(bad.status >= 400, "{}", bad.body);

    let renamed = d
        .server
        .rpc(
            "rename_contact",
            &[
                ("token", &d.token),
                ("conversation_id", c),
                ("display_name", "  Ana María  "),
            ],
            &[],
        )
        .await;
    assert_eq!((renamed.status, renamed.json()), (200, json!("Ana María")));
    assert_eq!(
        d.api.walk("/contacts", 100).await[0]["display_name"],
        "Ana María"
    );
    for name in ["   ".to_string(), "n".repeat(201)] {
        let refused = d
            .server
            .rpc(
                "rename_contact",
                &[
                    ("token", &d.token),
                    ("conversation_id", c),
                    ("display_name", &name),
                ],
                &[],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
    }
    assert_eq!(
        d.api.walk("/contacts", 100).await[0]["display_name"],
        "Ana María"
    );

    assert_eq!(
        d.api.get(&format!("/conversations/{c}")).await.body["unread_count"],
        2
    );
    let read = d
        .server
        .rpc(
            "mark_read",
            &[("token", &d.token), ("conversation_id", c)],
            &[],
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        d.api.get(&format!("/conversations/{c}")).await.body["unread_count"],
        0
    );
}

#[tokio::test]
async fn free_text_to_whatsapp_waits_for_the_24_hour_window() {
    let d = desk().await;
    let contact = id_of(&d.api.contact("Old", None).await);
    let stale = id_of(&d.api.conversation(&d.whatsapp, &contact, json!({})).await);
    let long_ago = (Utc::now() - ChronoDuration::hours(25)).to_rfc3339();
    d.api
        .message(
            &stale,
            json!({ "direction": "incoming", "content": "hi", "created_at": long_ago }),
        )
        .await;
    let refused = d.send(&d.token, &stale, "are you there?", "w-1").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refusal(&refused.body).contains("24 hours"));
    // A message stored earlier under this client id comes back, window or not (a retry
    // whose first answer was lost).
    let stored = d
        .api
        .message(
            &stale,
            json!({ "direction": "outgoing", "content": "sent before", "client_id": "w-0" }),
        )
        .await;
    let retried = d.send(&d.token, &stale, "sent before", "w-0").await;
    assert_eq!(
        (retried.status, retried.json()["id"].clone()),
        (200, stored["id"].clone())
    );
    // The thread says so before anyone types.
    let page = d
        .server
        .page(&format!("/embed/{}/conversations/{stale}", d.token))
        .await;
    page.expect(200);
    assert!(
        page.html.contains("data-window=\"closed\""),
        "the composer shows the closed window"
    );
    assert_eq!(
        page.by_testid("thread").len(),
        1,
        "the server renders the whole thread, templates or not"
    );
    let boxes = page.by_testid("composer");
    assert!(
        boxes[0].attr("disabled").is_some(),
        "no free text can be typed, even before hydration"
    );
    // The contact writes again: the window opens.
    d.api.text(&stale, "incoming", "hello?").await;
    let sent = d.send(&d.token, &stale, "yes!", "w-1").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    // Other channels have no window.
    let sms = id_of(&d.api.inbox("SMS", "sms", None).await);
    let quiet = id_of(&d.api.conversation(&sms, &contact, json!({})).await);
    assert_eq!(d.send(&d.token, &quiet, "hello", "w-2").await.status, 200);
}

#[tokio::test]
async fn templates_are_kept_per_inbox_and_validated() {
    let d = desk().await;
    let path = format!("/inboxes/{}/templates", d.whatsapp);
    let created = d
        .api
        .post(
            &path,
            json!({ "name": "order_update", "language": "es", "category": "utility",
                    "body": "Hola {{1}}, tu pedido {{2}} está en camino.", "buttons": ["Gracias"] }),
        )
        .await;
    let template = created.expect(201).clone();
    assert_eq!(template["status"], "pending");
    assert_eq!(template["buttons"], json!(["Gracias"]));
    for (body, why) in [
        (
            json!({ "name": "Order Update", "category": "utility", "body": "x" }),
            "lowercase",
        ),
        (
            json!({ "name": "a", "category": "utility", "body": "{{2}} only" }),
            "without gaps",
        ),
        (
            json!({ "name": "a", "category": "utility", "body": "{{name}}" }),
            "parameter",
        ),
        (
            json!({ "name": "a", "category": "spam", "body": "x" }),
            "category",
        ),
        (
            json!({ "name": "a", "category": "utility", "body": "x".repeat(1025) }),
            "1024",
        ),
        (
            json!({ "name": "a", "category": "utility", "body": "x", "buttons": ["1", "2", "3", "4"] }),
            "3 buttons",
        ),
        (
            json!({ "name": "a", "category": "utility", "body": "x", "language": "spanish" }),
            "language",
        ),
    ] {
        let message = d.api.post(&path, body.clone()).await.expect_error(422);
        assert!(message.contains(why), "{body}: {message}");
    }
    d.api
        .post(&path, json!({ "name": "order_update", "language": "es", "category": "utility", "body": "again" }))
        .await
        .expect_error(409);
    let id = id_of(&template);
    let approved = d
        .api
        .patch(&format!("/templates/{id}"), json!({ "status": "approved" }))
        .await;
    assert_eq!(approved.expect(200)["status"], "approved");
    assert_eq!(d.api.walk(&path, 100).await.len(), 1);
    // Another project sees none of it.
    let stranger = d.server.project("Other").await;
    stranger
        .get(&format!("/templates/{id}"))
        .await
        .expect_error(404);
    stranger
        .get(&format!("/inboxes/{}/templates", d.whatsapp))
        .await
        .expect_error(404);
    stranger
        .delete(&format!("/templates/{id}"))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn an_approved_template_goes_out_when_the_window_is_closed() {
    let d = desk().await;
    let path = format!("/inboxes/{}/templates", d.whatsapp);
    let template = |name: &str, status: &str| {
        json!({ "name": name, "language": "es", "category": "utility", "status": status,
                "body": "Hola {{1}}, tu pedido {{2}} está en camino." })
    };
    let approved = id_of(
        d.api
            .post(&path, template("order_update", "approved"))
            .await
            .expect(201),
    );
    let pending = id_of(
        d.api
            .post(&path, template("draft_one", "pending"))
            .await
            .expect(201),
    );
    let contact = id_of(&d.api.contact("Old", None).await);
    let stale = id_of(&d.api.conversation(&d.whatsapp, &contact, json!({})).await);
    let long_ago = (Utc::now() - ChronoDuration::hours(30)).to_rfc3339();
    d.api
        .message(
            &stale,
            json!({ "direction": "incoming", "content": "hi", "created_at": long_ago }),
        )
        .await;

    // The embed offers the approved one only.
    let offered = d
        .server
        .rpc(
            "conversation_templates",
            &[("token", &d.token), ("conversation_id", &stale)],
            &[],
        )
        .await;
    let offered = offered.json();
    let names: Vec<&str> = offered
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["order_update"]);

    let send = |template: &str, parameters: Value, client_id: &str| {
        let body = json!({ "token": d.token, "conversation_id": stale, "template_id": template,
                           "parameters": parameters, "client_id": client_id });
        let url = format!("{}/rpc/send_template", d.server.base);
        let http = d.server.http.clone();
        async move {
            send(
                &http,
                reqwest::Method::POST,
                &url,
                &[],
                Some(("application/json", body.to_string())),
            )
            .await
        }
    };
    let sent = send(&approved, json!(["Ana", "#42"]), "t-1").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let message = sent.json();
    assert_eq!(message["kind"], "template");
    assert_eq!(
        message["content"],
        "Hola Ana, tu pedido #42 está en camino."
    );
    assert_eq!(
        message["template"],
        json!({ "name": "order_update", "language": "es", "parameters": ["Ana", "#42"] })
    );
    assert_eq!(
        send(&approved, json!(["Ana", "#42"]), "t-1").await.json()["id"],
        message["id"]
    );

    for (template, parameters, status) in [
        (&pending, json!(["Ana", "#42"]), 422),
        (&approved, json!(["Ana"]), 422),
        (&approved, json!(["Ana", "  "]), 422),
    ] {
        let r = send(template, parameters.clone(), "t-2").await;
        assert_eq!(r.status, status, "{parameters}: {}", r.body);
    }
    // A template of another inbox is not this conversation's.
    let other_inbox = id_of(&d.api.inbox("Second", "whatsapp", None).await);
    let foreign = id_of(
        d.api
            .post(
                &format!("/inboxes/{other_inbox}/templates"),
                template("order_update", "approved"),
            )
            .await
            .expect(201),
    );
    assert_eq!(
        send(&foreign, json!(["Ana", "#42"]), "t-3").await.status,
        404
    );
    let thread = d
        .api
        .walk(&format!("/conversations/{stale}/messages"), 100)
        .await;
    assert_eq!(thread.len(), 2, "the incoming message and one template");
}

/// A server function's arguments it cannot read (not JSON, a field missing, a value of
/// the wrong kind) answer 400 with what was wrong, and change nothing.
#[tokio::test]
async fn server_functions_refuse_arguments_they_cannot_read() {
    let d = desk().await;
    let before = d.thread().await.len();
    let url = format!("{}/rpc/send_message", d.server.base);
    let thread_url = format!("{}/rpc/thread_fragment", d.server.base);
    for (url, body, why) in [
        (&url, "{not json".to_string(), "not JSON"),
        (
            &url,
            json!({ "token": d.token, "conversation_id": d.conversation, "body": "hi" }).to_string(),
            "no client id",
        ),
        (
            &thread_url,
            json!({ "token": d.token, "conversation_id": d.conversation.to_string(), "lang": "klingon" })
                .to_string(),
            "an unknown language",
        ),
    ] {
        let r = send(
            &d.server.http,
            reqwest::Method::POST,
            url,
            &[],
            Some(("application/json", body)),
        )
        .await;
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        // The embed's own error encoding: `{"Malformed": "<what could not be read>"}`.
        let error: Value = serde_json::from_str(&r.body).expect("a JSON error");
        assert!(error["Malformed"].as_str().is_some_and(|d| !d.is_empty()), "{why}: {}", r.body);
    }
    assert_eq!(d.thread().await.len(), before, "nothing was sent");
}

#[tokio::test]
async fn buttons_and_lists_keep_to_whatsapp_limits() {
    let d = desk().await;
    let send = |body: &str, interactive: Value, client_id: &str| {
        let payload = json!({ "token": d.token, "conversation_id": d.conversation, "body": body,
                              "interactive": interactive, "client_id": client_id });
        let url = format!("{}/rpc/send_interactive", d.server.base);
        let http = d.server.http.clone();
        async move {
            send(
                &http,
                reqwest::Method::POST,
                &url,
                &[],
                Some(("application/json", payload.to_string())),
            )
            .await
        }
    };
    let buttons = |titles: &[&str]| {
        json!({ "type": "button", "buttons": titles.iter().enumerate()
            .map(|(i, t)| json!({ "id": format!("b{i}"), "title": t })).collect::<Vec<_>>() })
    };
    let list = |rows: usize| {
        json!({ "type": "list", "button": "Options", "sections": [{ "rows": (0..rows)
            .map(|i| json!({ "id": format!("r{i}"), "title": format!("Row {i}") })).collect::<Vec<_>>() }] })
    };
    let ok = send(
        "¿Cómo seguimos?",
        buttons(&["Sí", "No", "Hablar con alguien"]),
        "i-1",
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let m = ok.json();
    assert_eq!(
        (m["kind"].as_str(), m["content"].as_str()),
        (Some("interactive"), Some("¿Cómo seguimos?"))
    );
    assert_eq!(
        m["interactive"]["buttons"][2]["title"],
        "Hablar con alguien"
    );
    assert_eq!(send("Elige", list(10), "i-2").await.status, 200);
    for (body, interactive, why) in [
        ("x", buttons(&["1", "2", "3", "4"]), "between 1 and 3"),
        ("x", buttons(&[]), "between 1 and 3"),
        ("x", buttons(&["twenty-one characters"]), "at most 20"),
        ("x", list(11), "between 1 and 10"),
        (
            "x",
            json!({ "type": "button_reply", "id": "a", "title": "Yes" }),
            "Only reply buttons",
        ),
        ("  ", buttons(&["ok"]), "need a message text"),
    ] {
        let r = send(body, interactive.clone(), "i-3").await;
        assert_eq!(r.status, 422, "{interactive}: {}", r.body);
        let reason = refusal(&r.body);
        assert!(reason.contains(why), "{interactive}: {reason}");
    }
    assert_eq!(
        d.thread().await.len(),
        4,
        "two incoming, two sent, nothing refused"
    );
}
