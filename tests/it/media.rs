//! Files agents send (§3 media): typed by their bytes against WhatsApp's allow-list and
//! size limits, stored once per client id, served only to tokens whose scope holds the
//! conversation, with headers that keep a file from ever running as a page.

use crate::common::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .unwrap()
}

struct Setup {
    server: TestServer,
    api: Api,
    token: String,
    conversation: String,
}

async fn setup() -> Setup {
    let server = TestServer::start().await;
    let api = server.project("Files").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    api.text(&conversation, "incoming", "send me the invoice")
        .await;
    let token = api.project_token().await;
    Setup {
        server,
        api,
        token,
        conversation,
    }
}

impl Setup {
    async fn upload(
        &self,
        token: &str,
        conversation: &str,
        name: &str,
        caption: &str,
        client_id: &str,
        bytes: Vec<u8>,
    ) -> Got {
        let url = format!(
            "{}/embed/{token}/conversations/{conversation}/media?client_id={}&filename={}&caption={}",
            self.server.base,
            urlencode(client_id),
            urlencode(name),
            urlencode(caption)
        );
        let res = self
            .server
            .http
            .post(url)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        Got {
            status,
            headers,
            body,
        }
    }
}

#[tokio::test]
async fn an_image_is_stored_once_and_served_to_its_scope_only() {
    let s = setup().await;
    let first = s
        .upload(
            &s.token,
            &s.conversation,
            "photo.png",
            "Here it is",
            "u-1",
            png(),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let message = first.json();
    assert_eq!(message["kind"], "image");
    assert_eq!(message["content"], "Here it is");
    assert_eq!(message["status"], "pending");
    let media = &message["media"];
    assert_eq!(media["mime_type"], "image/png");
    assert_eq!(media["filename"], "photo.png");
    assert_eq!(media["size"], png().len());
    let id = media["id"].as_str().unwrap().to_string();
    assert_eq!(media["url"], format!("{}/api/v1/media/{id}", s.server.base));
    // A retry with the same client id: the same message, not a second file.
    let again = s
        .upload(
            &s.token,
            &s.conversation,
            "photo.png",
            "Here it is",
            "u-1",
            png(),
        )
        .await;
    assert_eq!(
        (again.status, again.json()["id"].clone()),
        (200, message["id"].clone())
    );
    let thread = s
        .api
        .walk(&format!("/conversations/{}/messages", s.conversation), 100)
        .await;
    assert_eq!(thread.len(), 2);

    // The embed shows it: right type, never sniffed, never run, inline.
    let served = s
        .server
        .get_with(&format!("/embed/{}/media/{id}", s.token), &[])
        .await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    let csp = served.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(served.header("x-frame-options"), Some("DENY"));
    assert!(served
        .header("content-disposition")
        .unwrap()
        .starts_with("inline"));
    let bytes = s
        .server
        .http
        .get(format!("{}/embed/{}/media/{id}", s.server.base, s.token))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), png().as_slice());
    // Ranges, for video and audio seeking.
    let range = s
        .server
        .http
        .get(format!("{}/embed/{}/media/{id}", s.server.base, s.token))
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(range.status(), 206);
    assert_eq!(range.bytes().await.unwrap().as_ref(), &png()[..8]);

    // Another inbox's token, another project, a made-up id: 404.
    let other_inbox = id_of(&s.api.inbox("Other", "whatsapp", None).await);
    let fenced = s
        .api
        .token(json!({ "name": "o", "scope": { "type": "whatsapp_config", "id": other_inbox } }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.server
            .get_with(&format!("/embed/{fenced}/media/{id}"), &[])
            .await
            .status,
        404
    );
    let stranger = s.server.project("Other").await;
    let strangers = stranger.project_token().await;
    assert_eq!(
        s.server
            .get_with(&format!("/embed/{strangers}/media/{id}"), &[])
            .await
            .status,
        404
    );
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        s.server
            .get_with(&format!("/embed/{}/media/{unknown}", s.token), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        s.server
            .get_with(
                &format!("/embed/iet_0000000000000000000000000000000x/media/{id}"),
                &[]
            )
            .await
            .status,
        401
    );

    // The host's backend fetches it with its key, to deliver it.
    let by_key = send(
        &s.server.http,
        Method::GET,
        &format!("{}/api/v1/media/{id}", s.server.base),
        &[("authorization", &format!("Bearer {}", s.api.key))],
        None,
    )
    .await;
    assert_eq!(by_key.status, 200);
    stranger
        .get(&format!("/media/{id}"))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn files_are_typed_by_content_and_kept_to_the_limits() {
    let s = setup().await;
    let c = s.conversation.as_str();
    let refused = [
        (
            "logo.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        (
            "notes.txt",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec()),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec()),
    ];
    for (i, (name, bytes)) in refused.into_iter().enumerate() {
        let r = s
            .upload(&s.token, c, name, "", &format!("bad-{i}"), bytes)
            .await;
        assert_eq!(r.status, 415, "{name}: {}", r.body);
        assert!(refusal(&r.body).contains(name), "{}", r.body);
    }
    let empty = s
        .upload(&s.token, c, "empty.pdf", "", "e-1", Vec::new())
        .await;
    assert_eq!(empty.status, 422);

    let mut big_png = png();
    big_png.resize(5 * 1024 * 1024 + 1, 0);
    let too_big = s.upload(&s.token, c, "big.png", "", "big-1", big_png).await;
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert!(refusal(&too_big.body).contains("5 MB"));
    // A document may be larger.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(6 * 1024 * 1024, b' ');
    let doc = s
        .upload(&s.token, c, "../../invoice\u{1}.pdf", "", "doc-1", pdf)
        .await;
    assert_eq!(doc.status, 201, "{}", doc.body);
    let doc = doc.json();
    assert_eq!(
        (doc["kind"].as_str(), doc["media"]["filename"].as_str()),
        (Some("document"), Some("invoice.pdf"))
    );
    let served = s
        .server
        .get_with(
            &format!(
                "/embed/{}/media/{}",
                s.token,
                doc["media"]["id"].as_str().unwrap()
            ),
            &[],
        )
        .await;
    assert!(served
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment; filename*=UTF-8''invoice.pdf"));
    // A PDF named like a page keeps a PDF's name.
    let renamed = s
        .upload(
            &s.token,
            c,
            "invoice\u{202E}lmth.html",
            "",
            "pdf-2",
            b"%PDF-1.4\n<html><script>alert(1)</script>".to_vec(),
        )
        .await;
    assert_eq!(
        renamed.json()["media"]["filename"],
        "invoicelmth.pdf",
        "{}",
        renamed.body
    );
    let csv = s
        .upload(
            &s.token,
            c,
            "stock.csv",
            "",
            "csv-1",
            b"sku,qty\nA1,3\n".to_vec(),
        )
        .await;
    assert_eq!(csv.json()["media"]["mime_type"], "text/csv");
    let thread = s
        .api
        .walk(&format!("/conversations/{c}/messages"), 100)
        .await;
    assert_eq!(
        thread.len(),
        4,
        "the incoming text, two documents and the csv: nothing refused was stored"
    );
}

#[tokio::test]
async fn uploads_pass_the_same_gates_as_every_token_request() {
    let s = setup().await;
    // Outside the 24-hour window.
    let inbox = id_of(&s.api.inbox("Quiet", "whatsapp", None).await);
    let contact = id_of(&s.api.contact("Old", None).await);
    let stale = id_of(&s.api.conversation(&inbox, &contact, json!({})).await);
    let closed = s
        .upload(&s.token, &stale, "photo.png", "", "w-1", png())
        .await;
    assert_eq!(closed.status, 422);
    assert!(refusal(&closed.body).contains("24 hours"));
    // A foreign page, an allowed one.
    let fenced: Value = s
        .api
        .token(json!({ "name": "f", "scope": { "type": "project" }, "allowed_origins": ["https://crm.example.com"] }))
        .await;
    let fenced = fenced["token"].as_str().unwrap();
    let url = format!(
        "{}/embed/{fenced}/conversations/{}/media?client_id=o-1&filename=a.png",
        s.server.base, s.conversation
    );
    // The token with a letter percent-encoded is gated the same.
    let encoded = format!(
        "{}%{:02X}{}",
        &fenced[..4],
        fenced.as_bytes()[4],
        &fenced[5..]
    );
    let sneaky = format!(
        "{}/embed/{encoded}/conversations/{}/media?client_id=o-0&filename=a.png",
        s.server.base, s.conversation
    );
    let r = s
        .server
        .http
        .post(&sneaky)
        .header("origin", "https://evil.example.com")
        .body(png())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    for (origin, status) in [
        ("https://evil.example.com", 403),
        ("https://crm.example.com", 201),
    ] {
        let r = s
            .server
            .http
            .post(&url)
            .header("origin", origin)
            .body(png())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{origin}");
    }
    // Out of scope, unknown.
    let other_inbox = id_of(&s.api.inbox("Other", "whatsapp", None).await);
    let scoped = s
        .api
        .token(json!({ "name": "o", "scope": { "type": "whatsapp_config", "id": other_inbox } }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.upload(&scoped, &s.conversation, "a.png", "", "x-1", png())
            .await
            .status,
        404
    );
    assert_eq!(
        s.upload(&s.token, "nope", "a.png", "", "x-2", png())
            .await
            .status,
        404
    );
    let thread = s
        .api
        .walk(&format!("/conversations/{}/messages", s.conversation), 100)
        .await;
    assert_eq!(thread.len(), 2, "one incoming, one allowed upload");
}

#[tokio::test]
async fn deleting_an_inbox_removes_its_files_and_gives_up_its_webhooks() {
    let server = TestServer::start().await;
    let api = server.project("Files").await;
    // A webhook nobody answers (the discard port refuses connections): it stays pending.
    let inbox = api
        .post(
            "/inboxes",
            json!({ "name": "WA", "channel_type": "whatsapp", "webhook_url": "http://127.0.0.1:9/hook" }),
        )
        .await
        .expect(201)
        .clone();
    let inbox = id_of(&inbox);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    api.text(&conversation, "incoming", "hi").await;
    let token = api.project_token().await;
    let s = Setup {
        server,
        api,
        token,
        conversation,
    };
    let uploaded = s
        .upload(&s.token, &s.conversation, "photo.png", "", "d-1", png())
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let id: uuid::Uuid = uploaded.json()["media"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let file = s.server.state.media.path(id);
    assert!(file.exists(), "{}", file.display());
    let pending = s.api.get("/webhook_deliveries?state=pending").await;
    assert_eq!(pending.expect(200)["data"].as_array().unwrap().len(), 1);

    let deleted = send(
        &s.server.http,
        Method::DELETE,
        &format!("{}/api/v1/inboxes/{inbox}", s.server.base),
        &[("authorization", &format!("Bearer {}", s.api.key))],
        None,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(!file.exists(), "the file went with its inbox");
    s.api.get(&format!("/media/{id}")).await.expect_error(404);
    let failed = s.api.get("/webhook_deliveries?state=failed").await;
    let failed = failed.expect(200)["data"].as_array().unwrap().clone();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["last_error"], "the inbox was deleted");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let still = s
        .api
        .get(&format!("/webhook_deliveries/{}", failed[0]["id"]))
        .await;
    assert_eq!(
        still.expect(200)["state"],
        "failed",
        "a late attempt does not revive it"
    );
}
