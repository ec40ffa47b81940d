//! `GET /api/v1/openapi.json` describes exactly the routes the API has: each documented
//! operation is answered by a real server, and every route in the API's source is
//! documented.

use std::collections::BTreeSet;

use crate::common::*;
use reqwest::Method;
use serde_json::Value;

/// (method, path) of every `.route("…", get(..).post(..))` in src/server/api, paths as
/// the API serves them under /api/v1.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/api");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let open = rest.find('"').unwrap();
            let close = open + 1 + rest[open + 1..].find('"').unwrap();
            let route = rest[open + 1..close].to_string();
            // The method router runs to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = close;
            for (i, c) in rest[close..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = close + i;
                    break;
                }
            }
            let methods = &rest[close..end];
            for method in ["get", "post", "patch", "put", "delete"] {
                let called = methods.match_indices(method).any(|(i, _)| {
                    let before = methods[..i].chars().last();
                    let after = methods[i + method.len()..].chars().next();
                    matches!(before, Some(',' | '.' | ' ' | '\n')) && after == Some('(')
                });
                if called {
                    out.insert((method.to_string(), route.clone()));
                }
            }
        }
    }
    out
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_document_and_the_routes_agree() {
    let server = TestServer::start().await;
    let api = server.project("Docs").await;
    let got = server.get_with("/api/v1/openapi.json", &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/json"));
    let doc = got.json();
    assert_eq!(doc["openapi"], "3.1.0");

    let in_source = routes_in_source();
    assert!(
        in_source.len() >= 30,
        "the source parser found {in_source:?}"
    );
    let in_doc = documented(&doc);
    let undocumented: Vec<_> = in_source.difference(&in_doc).collect();
    let phantom: Vec<_> = in_doc.difference(&in_source).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "documented routes that do not exist: {phantom:?}"
    );

    // Every schema a document names exists.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "no schema {name}"
        );
    }

    // Each documented operation is answered by its route (a made-up id may be a 404 of
    // the resource, never the router's).
    let auth = format!("Bearer {}", api.key);
    for (method, path) in &in_doc {
        let concrete = path.replace("{id}", "00000000-0000-7000-8000-000000000001");
        let concrete = if path.starts_with("/webhook_deliveries/") {
            path.replace("{id}", "1")
        } else {
            concrete
        };
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method != Method::GET && method != Method::DELETE)
            .then(|| ("application/json", "{}".to_string()));
        let r = send(
            &server.http,
            method.clone(),
            &format!("{}/api/v1{concrete}", server.base),
            &[("authorization", &auth)],
            body,
        )
        .await;
        assert_ne!(r.status, 405, "{method} {path}");
        assert!(
            !r.body.contains("route not found"),
            "{method} {path}: the router has no such route"
        );
    }
}
