//! The embed page (§3) over HTTP, as a browser first receives it: the server renders the
//! list and the open thread in full, so the HTML is the source of truth for what it shows.

use std::time::Duration;

use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

fn token_of(created: &Value) -> String {
    created["token"].as_str().expect("token").to_string()
}

/// Project A: two customers, five inboxes, two users, seven active conversations; and a
/// project B whose conversations must never show.
struct World {
    server: TestServer,
    a: Api,
    c1: String,
    c2: String,
    w1: String,
    w3: String,
    u1: String,
    u2: String,
    /// Conversation ids by name, A's and B's.
    conv: std::collections::HashMap<&'static str, String>,
}

impl World {
    fn ids(&self, names: &[&str]) -> Vec<String> {
        names.iter().map(|n| self.conv[n].clone()).collect()
    }
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.project("A").await;
    let c1 = id_of(&a.customer("Customer one").await);
    let c2 = id_of(&a.customer("Customer two").await);
    let w1 = id_of(&a.inbox("WA one", "whatsapp", Some(&c1)).await);
    let s1 = id_of(&a.inbox("SMS one", "sms", Some(&c1)).await);
    let w2 = id_of(&a.inbox("WA two", "whatsapp", Some(&c2)).await);
    let w3 = id_of(&a.inbox("WA three", "whatsapp", None).await);
    let api_inbox = id_of(&a.inbox("API", "api", None).await);
    let u1 = id_of(&a.user("Uno").await);
    let u2 = id_of(&a.user("Dos").await);
    let mut conv = std::collections::HashMap::new();
    // (name, inbox, assignee), created oldest first.
    let plan: Vec<(&'static str, &String, Option<&String>)> = vec![
        ("a", &w1, Some(&u1)),
        ("b", &w1, None),
        ("c", &s1, Some(&u2)),
        ("d", &w2, Some(&u1)),
        ("e", &w3, None),
        ("f", &api_inbox, Some(&u1)),
        ("g", &w3, Some(&u2)),
    ];
    for (name, inbox, assignee) in plan {
        let contact = id_of(&a.contact(&format!("Contact {name}"), None).await);
        let c = a
            .conversation(inbox, &contact, json!({ "assigned_user_id": assignee }))
            .await;
        a.text(&id_of(&c), "incoming", &format!("hello from {name}"))
            .await;
        conv.insert(name, id_of(&c));
        tick().await;
    }
    let b = server.project("B").await;
    let bc = id_of(&b.customer("Customer one").await);
    let bw = id_of(&b.inbox("WA one", "whatsapp", Some(&bc)).await);
    let bu = id_of(&b.user("Uno").await);
    for name in ["x", "y"] {
        let contact = id_of(&b.contact(&format!("Contact {name}"), None).await);
        let c = b
            .conversation(&bw, &contact, json!({ "assigned_user_id": bu }))
            .await;
        b.text(&id_of(&c), "incoming", &format!("hello from {name}"))
            .await;
        conv.insert(name, id_of(&c));
        tick().await;
    }
    World {
        server,
        a,
        c1,
        c2,
        w1,
        w3,
        u1,
        u2,
        conv,
    }
}

#[tokio::test]
async fn each_scope_shows_exactly_its_conversations() {
    let w = world().await;
    let scope = |kind: &str, id: Option<&String>| match id {
        Some(id) => json!({ "type": kind, "id": id }),
        None => json!({ "type": kind }),
    };
    // Newest activity first: g was written to last.
    let cases: Vec<(&str, Value, Option<&String>, Vec<&str>)> = vec![
        (
            "project",
            scope("project", None),
            None,
            vec!["g", "f", "e", "d", "c", "b", "a"],
        ),
        (
            "project, Uno's",
            scope("project", None),
            Some(&w.u1),
            vec!["f", "d", "a"],
        ),
        (
            "project, Dos's",
            scope("project", None),
            Some(&w.u2),
            vec!["g", "c"],
        ),
        (
            "WA one",
            scope("whatsapp_config", Some(&w.w1)),
            None,
            vec!["b", "a"],
        ),
        (
            "WA one, Uno's",
            scope("whatsapp_config", Some(&w.w1)),
            Some(&w.u1),
            vec!["a"],
        ),
        (
            "WA one, Dos's",
            scope("whatsapp_config", Some(&w.w1)),
            Some(&w.u2),
            vec![],
        ),
        (
            "WA three",
            scope("whatsapp_config", Some(&w.w3)),
            None,
            vec!["g", "e"],
        ),
        (
            "WA three, Dos's",
            scope("whatsapp_config", Some(&w.w3)),
            Some(&w.u2),
            vec!["g"],
        ),
        (
            "customer one",
            scope("customer", Some(&w.c1)),
            None,
            vec!["c", "b", "a"],
        ),
        (
            "customer one, Uno's",
            scope("customer", Some(&w.c1)),
            Some(&w.u1),
            vec!["a"],
        ),
        (
            "customer one, Dos's",
            scope("customer", Some(&w.c1)),
            Some(&w.u2),
            vec!["c"],
        ),
        (
            "customer two",
            scope("customer", Some(&w.c2)),
            None,
            vec!["d"],
        ),
        (
            "customer two, Dos's",
            scope("customer", Some(&w.c2)),
            Some(&w.u2),
            vec![],
        ),
    ];
    let all: Vec<&str> = vec!["a", "b", "c", "d", "e", "f", "g", "x", "y"];
    for (label, scope, user, expected) in cases {
        let created =
            w.a.token(json!({ "name": label, "scope": scope, "assigned_user_id": user }))
                .await;
        let token = token_of(&created);
        for query in ["", "?status=all"] {
            let page = w.server.page(&format!("/embed/{token}{query}")).await;
            page.expect(200);
            assert_eq!(page.conversation_ids(), w.ids(&expected), "{label}{query}");
            assert_eq!(
                page.has_empty_list(),
                expected.is_empty(),
                "{label}{query}: empty-list marker"
            );
            for name in &all {
                let contact = format!("Contact {name}");
                assert_eq!(
                    page.html.contains(&format!(">{contact}<")),
                    expected.contains(name),
                    "{label}{query}: {contact} shown?"
                );
            }
        }
        // Every thread in scope opens; every other one is a 404.
        for name in &all {
            let page = w
                .server
                .page(&format!("/embed/{token}/conversations/{}", w.conv[name]))
                .await;
            if expected.contains(name) {
                page.expect(200);
                let thread = page.by_testid("thread");
                assert_eq!(thread.len(), 1, "{label}: thread {name}");
                assert_eq!(
                    thread[0].attr("data-conversation-id"),
                    Some(w.conv[name].as_str())
                );
                assert_eq!(page.message_ids().len(), 1);
                assert_eq!(
                    page.conversation_ids(),
                    w.ids(&expected),
                    "{label}: the list beside thread {name}"
                );
            } else {
                page.expect(404);
                assert!(
                    page.by_testid("thread").is_empty(),
                    "{label}: thread {name} must not render"
                );
                assert!(
                    !page.html.contains(&format!("hello from {name}")),
                    "{label}: {name}'s message leaked"
                );
                assert!(
                    !page.html.contains(&format!("Contact {name}")),
                    "{label}: {name}'s contact leaked"
                );
            }
        }
    }
}

/// The filter world with its server and a project-scope token.
struct Filtered {
    server: TestServer,
    token: String,
    world: FilterWorld,
}

impl std::ops::Deref for Filtered {
    type Target = FilterWorld;
    fn deref(&self) -> &FilterWorld {
        &self.world
    }
}

async fn filtered() -> Filtered {
    let server = TestServer::start().await;
    let world = filter_world(&server).await;
    let token = world.api.project_token().await;
    Filtered {
        server,
        token,
        world,
    }
}

#[tokio::test]
async fn query_parameters_filter_the_list() {
    let f = filtered().await;
    let (c1, c2, c3, c4) = (&f.c1, &f.c2, &f.c3, &f.c4);
    let default = vec![c4, c3, c1];
    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), default.clone()),
        ("status=active".into(), default.clone()),
        ("status=ended".into(), vec![c2]),
        ("status=all".into(), vec![c4, c3, c2, c1]),
        ("search=zoe".into(), vec![c1]),
        ("search=MARTIN".into(), vec![c1]),
        ("search=611%20222".into(), vec![c1]),
        ("search=refund".into(), vec![c1]),
        ("search=parcel".into(), vec![]),
        ("search=parcel&status=all".into(), vec![c2]),
        ("search=Li".into(), vec![c4]),
        ("search=l".into(), vec![c4, c3]),
        ("search=%3Cscript%3E".into(), vec![]),
        (format!("whatsapp_config_id={}", f.w1), vec![c4, c1]),
        (
            format!("whatsapp_config_id={}&status=ended", f.w2),
            vec![c2],
        ),
        (format!("whatsapp_config_id={}", f.sms), vec![c3]),
        ("whatsapp_config_id=all".into(), default.clone()),
        ("unread=1".into(), vec![c3, c1]),
        ("unread=true".into(), vec![c3, c1]),
        ("handoff=1".into(), vec![c3]),
        ("handoff=true&status=all".into(), vec![c3, c2]),
        (format!("whatsapp_config_id={}&unread=1", f.w1), vec![c1]),
        ("unread=1&handoff=1".into(), vec![c3]),
        // Unknown or malformed values fall back to the defaults.
        ("status=archived".into(), default.clone()),
        ("status=ALL".into(), default.clone()),
        ("status=".into(), default.clone()),
        ("whatsapp_config_id=nope".into(), default.clone()),
        ("whatsapp_config_id=".into(), default.clone()),
        ("unread=yes".into(), default.clone()),
        ("unread=0".into(), default.clone()),
        ("unread=".into(), default.clone()),
        ("handoff=waiting".into(), default.clone()),
        ("handoff=0".into(), default.clone()),
        ("mode=neon&status=%00".into(), default.clone()),
        ("nonsense=1".into(), default.clone()),
        (format!("search={}", "x".repeat(500)), vec![]),
    ];
    for (query, expected) in cases {
        let page = f.server.page(&format!("/embed/{}?{query}", f.token)).await;
        page.expect(200);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(page.conversation_ids(), expected, "?{query}");
        assert_eq!(
            page.has_empty_list(),
            expected.is_empty(),
            "?{query}: empty-list marker"
        );
        assert!(page.token_error().is_none());
    }
}

#[tokio::test]
async fn the_filter_bar_shows_the_applied_filters() {
    let f = filtered().await;
    let pressed = |page: &Page, testid: &str| {
        page.by_testid(testid)
            .first()
            .and_then(|e| e.attr("aria-pressed").map(str::to_string))
    };
    let status_pressed = |page: &Page| -> Vec<String> {
        page.elements()
            .iter()
            .filter(|e| {
                e.name == "button"
                    && e.attr("aria-pressed") == Some("true")
                    && e.attr("data-value").is_some()
            })
            .map(|e| e.attr("data-value").unwrap().to_string())
            .collect()
    };
    let page = f
        .server
        .page(&format!(
            "/embed/{}?status=ended&unread=1&search=%20Bob%20",
            f.token
        ))
        .await;
    assert_eq!(status_pressed(&page), vec!["ended"]);
    assert_eq!(pressed(&page, "filter-unread").as_deref(), Some("true"));
    assert_eq!(pressed(&page, "filter-handoff").as_deref(), Some("false"));
    assert_eq!(
        page.by_testid("filter-search")[0].attr("value"),
        Some("Bob")
    );
    // Nothing matches (Bob's conversation is read): the empty list offers to clear them.
    assert!(page.has_empty_list());
    let clear = page
        .elements()
        .into_iter()
        .find(|e| e.name == "a" && e.has_class("link-button"))
        .expect("a clear-filters link");
    assert_eq!(
        clear.attr("href"),
        Some(format!("/embed/{}", f.token).as_str())
    );

    let page = f
        .server
        .page(&format!("/embed/{}?status=bogus&handoff=true", f.token))
        .await;
    assert_eq!(
        status_pressed(&page),
        vec!["active"],
        "an unknown status shows as the default"
    );
    assert_eq!(pressed(&page, "filter-handoff").as_deref(), Some("true"));
    // List links keep the filters and the theme override.
    let page = f
        .server
        .page(&format!("/embed/{}?status=all&mode=dark", f.token))
        .await;
    let item = &page.by_testid("conversation-item")[0];
    assert_eq!(
        item.attr("href"),
        Some(
            format!(
                "/embed/{}/conversations/{}?status=all&mode=dark",
                f.token, f.c4
            )
            .as_str()
        )
    );
    // The inbox selector offers the scope's inboxes and marks the chosen one.
    let page = f
        .server
        .page(&format!("/embed/{}?whatsapp_config_id={}", f.token, f.w2))
        .await;
    let options: Vec<(String, bool)> = page
        .elements()
        .into_iter()
        .filter(|e| {
            e.name == "option"
                && e.attr("value")
                    .is_some_and(|v| v != "system" && v != "light" && v != "dark")
        })
        .map(|e| {
            (
                e.attr("value").unwrap().to_string(),
                e.attr("selected").is_some(),
            )
        })
        .collect();
    let mut expected = vec![("all".to_string(), false)];
    let mut inboxes = vec![
        ("Texts", f.sms.clone()),
        ("WA one", f.w1.clone()),
        ("WA two", f.w2.clone()),
    ];
    inboxes.sort();
    expected.extend(inboxes.into_iter().map(|(_, id)| (id.clone(), id == f.w2)));
    assert_eq!(options, expected);
}

#[tokio::test]
async fn an_inbox_outside_the_scope_gives_an_empty_list() {
    let f = filtered().await;
    let scoped = token_of(
        &f.api
            .token(json!({ "name": "wa1", "scope": { "type": "whatsapp_config", "id": f.w1 } }))
            .await,
    );
    let page = f.server.page(&format!("/embed/{scoped}?status=all")).await;
    assert_eq!(page.conversation_ids(), vec![f.c4.clone(), f.c1.clone()]);
    let other = f.server.project("B").await;
    let foreign_inbox = id_of(&other.inbox("WA one", "whatsapp", None).await);
    for outside in [&f.w2, &f.sms, &foreign_inbox] {
        for extra in ["", "&status=all", "&status=ended"] {
            let page = f
                .server
                .page(&format!(
                    "/embed/{scoped}?whatsapp_config_id={outside}{extra}"
                ))
                .await;
            page.expect(200);
            assert_eq!(
                page.conversation_ids(),
                Vec::<String>::new(),
                "inbox {outside}{extra}"
            );
            assert!(page.has_empty_list());
        }
    }
    // Its own inbox, and "all", are the whole scope.
    let page = f
        .server
        .page(&format!("/embed/{scoped}?whatsapp_config_id={}", f.w1))
        .await;
    assert_eq!(page.conversation_ids(), vec![f.c4.clone(), f.c1.clone()]);
    let page = f
        .server
        .page(&format!("/embed/{scoped}?whatsapp_config_id=all"))
        .await;
    assert_eq!(page.conversation_ids(), vec![f.c4.clone(), f.c1.clone()]);
    // A one-inbox scope shows no inbox selector.
    assert!(page.by_testid("filter-inbox").is_empty());
}

#[tokio::test]
async fn the_list_rows_carry_their_state() {
    let f = filtered().await;
    let page = f
        .server
        .page(&format!("/embed/{}?status=all", f.token))
        .await;
    let rows = page.by_testid("conversation-item");
    let state: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|e| {
            (
                e.attr("data-conversation-id").unwrap().to_string(),
                e.attr("data-status").unwrap().to_string(),
                e.attr("data-handoff").unwrap().to_string(),
                e.attr("data-unread").unwrap().to_string(),
            )
        })
        .collect();
    let row = |id: &String, status: &str, handoff: &str, unread: &str| {
        (
            id.clone(),
            status.to_string(),
            handoff.to_string(),
            unread.to_string(),
        )
    };
    assert_eq!(
        state,
        vec![
            row(&f.c4, "active", "human", "0"),
            row(&f.c3, "active", "waiting", "1"),
            row(&f.c2, "ended", "waiting", "0"),
            row(&f.c1, "active", "bot", "1"),
        ]
    );
    // Previews: the last message's text, with ticks on an outgoing one.
    let previews: Vec<String> = page
        .elements()
        .iter()
        .filter(|e| e.has_class("item-preview"))
        .map(|e| page.html[e.end..].split("</a>").next().unwrap().to_string())
        .collect();
    assert_eq!(previews.len(), 4);
    assert!(previews[1].contains(">hola</span>"), "{}", previews[1]);
    assert!(
        previews[2].contains(">Your parcel shipped</span>"),
        "{}",
        previews[2]
    );
    assert!(
        previews[2].contains("data-status=\"sent\""),
        "{}",
        previews[2]
    );
    assert!(
        previews[3].contains(">I need a REFUND please</span>"),
        "{}",
        previews[3]
    );
    assert!(
        !previews[3].contains("data-status="),
        "no ticks on an incoming preview"
    );
}

#[tokio::test]
async fn the_theme_comes_from_the_token_unless_mode_overrides_it() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    for theme in ["system", "light", "dark"] {
        let token = token_of(
            &api.token(json!({ "name": theme, "scope": { "type": "project" }, "theme": theme, "language": "es-ES" }))
                .await,
        );
        for path in [
            format!("/embed/{token}"),
            format!("/embed/{token}/conversations/{conversation}"),
        ] {
            let html = server.page(&path).await.expect(200).html_element();
            assert_eq!(html.attr("data-theme"), Some(theme), "{path}");
            assert_eq!(
                html.attr("data-theme-fixed"),
                None,
                "{path}: not fixed without ?mode"
            );
            for mode in ["system", "light", "dark"] {
                let sep = if path.contains('?') { '&' } else { '?' };
                let page = server.page(&format!("{path}{sep}mode={mode}")).await;
                let html = page.expect(200).html_element();
                assert_eq!(html.attr("data-theme"), Some(mode), "{path} mode={mode}");
                assert!(
                    html.attr("data-theme-fixed").is_some(),
                    "{path} mode={mode}: fixed"
                );
            }
            for junk in ["neon", "DARK", "", "dark%20"] {
                let page = server.page(&format!("{path}?mode={junk}")).await;
                let html = page.expect(200).html_element();
                assert_eq!(html.attr("data-theme"), Some(theme), "{path} mode={junk}");
                assert_eq!(html.attr("data-theme-fixed"), None, "{path} mode={junk}");
            }
        }
        // The theme select starts at the applied theme.
        let page = server.page(&format!("/embed/{token}?mode=light")).await;
        let selected: Vec<String> = page
            .elements()
            .iter()
            .filter(|e| {
                e.name == "option"
                    && e.attr("selected").is_some()
                    && ["system", "light", "dark"].contains(&e.attr("value").unwrap_or_default())
            })
            .map(|e| e.attr("value").unwrap().to_string())
            .collect();
        assert_eq!(selected, vec!["light"]);
    }
    // The token-error page follows ?mode too.
    let page = server
        .page(&format!("/embed/{UNKNOWN_TOKEN}?mode=dark"))
        .await;
    assert_eq!(
        page.expect(401).html_element().attr("data-theme"),
        Some("dark")
    );
}

/// Checks a token-error page: 401, saying which, showing nothing else.
#[track_caller]
fn assert_token_error(page: &Page, kind: &str) {
    page.expect(401);
    assert_eq!(page.token_error().as_deref(), Some(kind), "{}", page.path);
    assert!(page.conversation_ids().is_empty(), "{}: no list", page.path);
    assert!(
        page.by_testid("thread").is_empty(),
        "{}: no thread",
        page.path
    );
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    let lower = page.html.to_lowercase();
    for leak in [
        "panicked",
        "backtrace",
        "sqlx",
        "internal error",
        "contact a",
    ] {
        assert!(!lower.contains(leak), "{}: {leak}", page.path);
    }
}

#[tokio::test]
async fn bad_tokens_get_a_401_page_that_says_why() {
    // Three dozen bad tokens from one address: more than the default failure budget.
    let server = TestServer::start_lenient().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Contact A", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    api.text(&conversation, "incoming", "secret words").await;
    let created = api
        .token(json!({ "name": "t", "scope": { "type": "project" } }))
        .await;
    let good = token_of(&created);
    let long = "x".repeat(2000);
    let malformed = [
        UNKNOWN_TOKEN,
        "abc",
        "iet_",
        "iet_short",
        "iet_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "iek_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "iet_%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C%3C",
        "%00",
        long.as_str(),
    ];
    let broken = format!("{}x", &good[..good.len() - 1]);
    let upper = good.to_uppercase();
    for token in malformed
        .iter()
        .copied()
        .chain([broken.as_str(), upper.as_str()])
    {
        assert_token_error(&server.page(&format!("/embed/{token}")).await, "invalid");
        assert_token_error(
            &server
                .page(&format!("/embed/{token}/conversations/{conversation}"))
                .await,
            "invalid",
        );
        assert_token_error(
            &server
                .page(&format!("/embed/{token}?status=all&mode=dark"))
                .await,
            "invalid",
        );
    }
    // The API key is not an embed token.
    assert_token_error(
        &server.page(&format!("/embed/{}", api.key)).await,
        "invalid",
    );

    // Revoked.
    server.page(&format!("/embed/{good}")).await.expect(200);
    api.delete(&format!("/embed_tokens/{}", id_of(&created)))
        .await
        .expect(200);
    assert_token_error(&server.page(&format!("/embed/{good}")).await, "revoked");
    assert_token_error(
        &server
            .page(&format!("/embed/{good}/conversations/{conversation}"))
            .await,
        "revoked",
    );

    // Expired: works until its instant, then says so.
    let expiring = api
        .token(json!({
            "name": "short",
            "scope": { "type": "project" },
            "expires_at": iso(Utc::now() + chrono::Duration::milliseconds(1500)),
        }))
        .await;
    let expiring = token_of(&expiring);
    let page = server.page(&format!("/embed/{expiring}")).await;
    page.expect(200);
    assert_eq!(page.conversation_ids(), vec![conversation.clone()]);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_token_error(&server.page(&format!("/embed/{expiring}")).await, "expired");
    assert_token_error(
        &server
            .page(&format!("/embed/{expiring}/conversations/{conversation}"))
            .await,
        "expired",
    );
}

#[tokio::test]
async fn threads_outside_the_scope_unknown_or_malformed_are_404() {
    let w = world().await;
    let token = token_of(
        &w.a.token(json!({ "name": "wa1", "scope": { "type": "whatsapp_config", "id": w.w1 } }))
            .await,
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let deleted = {
        let c =
            w.a.conversation(&w.w3, &id_of(&w.a.contact("Gone", None).await), json!({}))
                .await;
        w.a.delete(&format!("/inboxes/{}", w.w3)).await.expect(204);
        id_of(&c)
    };
    let outside = [
        w.conv["c"].clone(), // same customer, another inbox
        w.conv["d"].clone(), // another customer
        w.conv["x"].clone(), // another project
        unknown,
        deleted,
        "00000000-0000-0000-0000-000000000000".into(),
        "nope".into(),
        "123".into(),
        format!("{}x", w.conv["a"]),
        "%3Cscript%3E".into(),
    ];
    for id in &outside {
        let page = w
            .server
            .page(&format!("/embed/{token}/conversations/{id}"))
            .await;
        page.expect(404);
        assert!(page.token_error().is_none(), "{id}: the token is fine");
        assert_eq!(
            page.by_testid("thread-error").len(),
            1,
            "{id}: says the conversation was not found"
        );
        assert!(page.message_ids().is_empty());
        // The list beside it is still the token's.
        assert_eq!(page.conversation_ids(), w.ids(&["b", "a"]), "{id}");
    }
    // An id the scope covers opens, in any spelling of the UUID.
    for id in [
        w.conv["a"].clone(),
        w.conv["a"].to_uppercase(),
        w.conv["a"].replace('-', ""),
    ] {
        let page = w
            .server
            .page(&format!("/embed/{token}/conversations/{id}"))
            .await;
        page.expect(200);
        assert_eq!(
            page.by_testid("thread")[0].attr("data-conversation-id"),
            Some(w.conv["a"].as_str())
        );
    }
    // Paths the app does not know.
    w.server
        .page(&format!("/embed/{token}/elsewhere"))
        .await
        .expect(404);
    w.server
        .page(&format!("/embed/{token}/conversations/"))
        .await
        .expect(404);
    w.server.page("/embed/").await.expect(404);
    w.server.page("/nothing").await.expect(404);
    w.server.page("/").await.expect(200);
}

#[tokio::test]
async fn the_thread_lists_messages_oldest_first_with_day_separators() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    let token = api.project_token().await;
    let now = Utc::now();
    let live = api.text(&conversation, "incoming", "today, live").await;
    let hours = chrono::Duration::hours;
    let imported: Vec<(chrono::Duration, &str)> = vec![
        (hours(24 * 3), "three days ago"),
        (
            hours(24 * 2) - chrono::Duration::minutes(1),
            "two days ago, later",
        ),
        (hours(24 * 2), "two days ago"),
        (hours(24), "yesterday"),
        (hours(24 * 9), "last week"),
    ];
    let mut messages: Vec<(DateTime<Utc>, String)> = vec![(
        live["created_at"].as_str().unwrap().parse().unwrap(),
        id_of(&live),
    )];
    for (i, (ago, text)) in imported.into_iter().enumerate() {
        let direction = if i % 2 == 0 { "incoming" } else { "outgoing" };
        let m = api
            .message(
                &conversation,
                json!({ "direction": direction, "content": text, "created_at": iso(now - ago) }),
            )
            .await;
        messages.push((now - ago, id_of(&m)));
    }
    messages.sort();
    // Expected: a separator before the first message of each UTC day, labelled as
    // WhatsApp does.
    let today = Utc::now().date_naive();
    let label = |at: DateTime<Utc>| {
        let day = at.date_naive();
        match (today - day).num_days() {
            0 => "Today".to_string(),
            1 => "Yesterday".to_string(),
            2..=6 => day.format("%A").to_string(),
            _ => day.format("%-d %B").to_string(),
        }
    };
    let mut expected = Vec::new();
    let mut last_day = None;
    for (at, id) in &messages {
        if last_day != Some(at.date_naive()) {
            let mut l = label(*at);
            if at.date_naive().format("%Y").to_string() != today.format("%Y").to_string()
                && (today - at.date_naive()).num_days() > 6
            {
                l = at.date_naive().format("%-d %B %Y").to_string();
            }
            expected.push(format!("day:{l}"));
            last_day = Some(at.date_naive());
        }
        expected.push(format!("message:{id}"));
    }
    let page = server
        .page(&format!("/embed/{token}/conversations/{conversation}"))
        .await;
    page.expect(200);
    assert_eq!(page.thread_sequence(), expected);
    assert!(
        expected.contains(&"day:Today".to_string())
            && expected.contains(&"day:Yesterday".to_string())
    );
    // Directions are marked; the list preview is the newest message, not the last import.
    let directions: Vec<String> = page
        .by_testid("message")
        .iter()
        .map(|e| e.attr("data-direction").unwrap().to_string())
        .collect();
    assert_eq!(directions.len(), 6);
    let list = server.page(&format!("/embed/{token}")).await;
    assert!(
        list.html.contains("today, live</span>"),
        "the preview shows the newest message"
    );
    assert!(page.html.contains("Start of the conversation"));
}

#[tokio::test]
async fn long_threads_open_at_the_newest_page() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    let token = api.project_token().await;
    let start = Utc::now() - chrono::Duration::hours(2);
    let mut ids_in_order = Vec::new();
    for i in 0..55 {
        let m = api
            .message(
                &conversation,
                json!({ "direction": if i % 2 == 0 { "incoming" } else { "outgoing" }, "content": format!("number {i}"), "created_at": iso(start + chrono::Duration::seconds(i)) }),
            )
            .await;
        ids_in_order.push(id_of(&m));
    }
    let page = server
        .page(&format!("/embed/{token}/conversations/{conversation}"))
        .await;
    page.expect(200);
    assert_eq!(
        page.message_ids(),
        ids_in_order[5..].to_vec(),
        "the newest 50, oldest first"
    );
    assert!(page.html.contains("Scroll up for older messages"));
    assert!(!page.html.contains("number 4<"));
}

#[tokio::test]
async fn the_list_shows_the_forty_most_recent() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let token = api.project_token().await;
    let mut made = Vec::new();
    for i in 0..42 {
        let contact = id_of(&api.contact(&format!("Contact {i}"), None).await);
        made.push(id_of(&api.conversation(&inbox, &contact, json!({})).await));
        tick().await;
    }
    let page = server.page(&format!("/embed/{token}")).await;
    page.expect(200);
    let newest: Vec<String> = made.iter().rev().take(40).cloned().collect();
    assert_eq!(page.conversation_ids(), newest);
    assert!(
        page.elements()
            .iter()
            .any(|e| e.name == "button" && e.has_class("load-more")),
        "more pages are offered"
    );
}

#[tokio::test]
async fn every_message_kind_renders() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    let token = api.project_token().await;
    let media = |url: &str, mime: &str, name: &str| json!({ "url": url, "mime_type": mime, "filename": name, "size": 2048 });
    let kinds = vec![
        (
            "text",
            json!({ "kind": "text", "content": "plain words" }),
            "plain words",
        ),
        (
            "image",
            json!({ "kind": "image", "content": "a caption", "media": media("https://cdn.example.com/p.jpg", "image/jpeg", "p.jpg") }),
            "src=\"https://cdn.example.com/p.jpg\"",
        ),
        (
            "video",
            json!({ "kind": "video", "media": media("https://cdn.example.com/v.mp4", "video/mp4", "v.mp4") }),
            "src=\"https://cdn.example.com/v.mp4\"",
        ),
        (
            "audio",
            json!({ "kind": "audio", "media": media("https://cdn.example.com/a.ogg", "audio/ogg", "a.ogg") }),
            "src=\"https://cdn.example.com/a.ogg\"",
        ),
        (
            "document",
            json!({ "kind": "document", "media": media("https://cdn.example.com/i.pdf", "application/pdf", "invoice.pdf") }),
            "invoice.pdf",
        ),
        (
            "location",
            json!({ "kind": "location", "location": { "latitude": 40.4168, "longitude": -3.7038, "name": "Puerta del Sol" } }),
            "Puerta del Sol",
        ),
        (
            "interactive",
            json!({ "kind": "interactive", "content": "Confirm?", "interactive": { "type": "button", "buttons": [{ "id": "y", "title": "Yes please" }] } }),
            "Yes please",
        ),
        (
            "interactive",
            json!({ "kind": "interactive", "interactive": { "type": "list", "button": "Sizes", "sections": [{ "rows": [{ "id": "s", "title": "Small size" }] }] } }),
            "Small size",
        ),
        (
            "interactive",
            json!({ "kind": "interactive", "interactive": { "type": "button_reply", "id": "y", "title": "Chosen button" } }),
            "Chosen button",
        ),
        (
            "interactive",
            json!({ "kind": "interactive", "interactive": { "type": "list_reply", "id": "s", "title": "Chosen row" } }),
            "Chosen row",
        ),
        (
            "template",
            json!({ "kind": "template", "template": { "name": "order_update", "parameters": ["#123"] } }),
            "order_update",
        ),
    ];
    let mut expected = Vec::new();
    for direction in ["incoming", "outgoing"] {
        for (kind, body, _) in &kinds {
            let mut body = body.clone();
            body["direction"] = json!(direction);
            let m = api.message(&conversation, body).await;
            expected.push((id_of(&m), kind.to_string(), direction.to_string()));
            tick().await;
        }
    }
    let page = server
        .page(&format!("/embed/{token}/conversations/{conversation}"))
        .await;
    page.expect(200);
    let rendered: Vec<(String, String, String)> = page
        .by_testid("message")
        .iter()
        .map(|e| {
            (
                e.attr("data-message-id").unwrap().to_string(),
                e.attr("data-kind").unwrap().to_string(),
                e.attr("data-direction").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rendered, expected);
    // Each bubble shows its content.
    let bubbles = message_segments(&page);
    for (i, (_, _, marker)) in kinds.iter().chain(kinds.iter()).enumerate() {
        assert!(
            bubbles[i].contains(marker),
            "message {i} shows {marker}: {}",
            bubbles[i]
        );
    }
    assert!(
        !page.html.contains("can't be shown here"),
        "no known kind falls back"
    );
}

/// The HTML of each message bubble, in order.
fn message_segments(page: &Page) -> Vec<String> {
    let starts: Vec<usize> = page.by_testid("message").iter().map(|e| e.end).collect();
    let composer = page
        .html
        .find("data-testid=\"composer-bar\"")
        .expect("the composer");
    let end = page.html[..composer]
        .rfind("<footer")
        .expect("the composer's footer");
    starts
        .iter()
        .enumerate()
        .map(|(i, start)| page.html[*start..starts.get(i + 1).copied().unwrap_or(end)].to_string())
        .collect()
}

/// Strings a contact, an agent or a host might send to break out of the markup.
const HOSTILE: [&str; 6] = [
    "<script>alert('s1')</script>",
    "\"><img src=x onerror=alert('s2')>",
    "</textarea><svg onload=alert('s3')>",
    "javascript:alert('s4')",
    "<a href=\"javascript:alert('s5')\">link</a>",
    "' onmouseover='alert(6)",
];

/// Asserts that nothing hostile became markup: no injected element, event handler,
/// script or javascript: URL.
#[track_caller]
fn assert_inert(page: &Page) {
    let path = &page.path;
    for e in page.elements() {
        for (name, value) in &e.attrs {
            assert!(
                !name.starts_with("on"),
                "{path}: <{} {name}={value:?}>",
                e.name
            );
            if ["href", "src", "action", "formaction", "srcdoc"].contains(&name.as_str()) {
                let v = value.trim().to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:") && !v.starts_with("data:"),
                    "{path}: <{} {name}={value:?}>",
                    e.name
                );
            }
        }
        assert!(
            !["img", "svg", "iframe", "object", "embed"].contains(&e.name.as_str())
                || e.attr("src") != Some("x")
        );
        assert!(
            e.name != "svg" || e.has_class("icon"),
            "{path}: an svg that is not an icon: {e:?}"
        );
        if e.name == "script" {
            let body = &page.html[e.end..];
            let boot = body.starts_with("(function(){var d=document.documentElement");
            assert!(
                boot || e.attr("nonce").is_some(),
                "{path}: a script the app did not write: {}",
                &body[..body.len().min(80)]
            );
            let content = &body[..body.find("</script").unwrap_or(body.len())];
            assert!(!content.contains('<'), "{path}: markup inside a script");
        }
    }
}

#[tokio::test]
async fn hostile_text_in_names_and_messages_stays_text() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let hostile_name = HOSTILE.concat();
    let contact = id_of(&api.contact(&hostile_name, None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    for text in HOSTILE {
        api.text(&conversation, "incoming", text).await;
        api.message(
            &conversation,
            json!({ "direction": "outgoing", "content": text, "sender": { "type": "agent", "name": text } }),
        )
        .await;
    }
    api.message(
        &conversation,
        json!({
            "direction": "incoming",
            "kind": "document",
            "content": HOSTILE[1],
            "media": { "url": "https://cdn.example.com/f.pdf?a=\"><script>alert(7)</script>", "mime_type": "application/pdf", "filename": HOSTILE[1] },
        }),
    )
    .await;
    api.message(
        &conversation,
        json!({ "direction": "incoming", "kind": "location", "location": { "latitude": 1.0, "longitude": 2.0, "name": HOSTILE[0], "address": HOSTILE[2] } }),
    )
    .await;
    api.message(
        &conversation,
        json!({ "direction": "outgoing", "kind": "interactive", "content": HOSTILE[4], "interactive": { "type": "list", "header": HOSTILE[0], "button": "Pick", "sections": [{ "title": HOSTILE[2], "rows": [{ "id": "a", "title": "<b>row</b>", "description": HOSTILE[1] }] }] } }),
    )
    .await;
    api.message(
        &conversation,
        json!({ "direction": "outgoing", "kind": "template", "template": { "name": HOSTILE[0], "parameters": [HOSTILE[1]] } }),
    )
    .await;
    // Searching for markup is plain text too.
    let token = api.project_token().await;
    let search = "%3Cscript%3Ealert";
    let list = server
        .page(&format!("/embed/{token}?search={search}"))
        .await;
    list.expect(200);
    assert_eq!(list.conversation_ids(), vec![conversation.clone()]);
    assert_inert(&list);
    // The name and the texts are shown, as text.
    let escaped = "&lt;script&gt;alert(&#x27;s1&#x27;)&lt;/script&gt;";
    let escaped_alt = "&lt;script&gt;alert('s1')&lt;/script&gt;";
    assert!(
        list.html.contains(escaped) || list.html.contains(escaped_alt),
        "the contact's name is shown escaped in the list"
    );
    let name = list
        .elements()
        .into_iter()
        .find(|e| e.has_class("item-name"))
        .expect("the contact's name");
    assert!(
        list.text_after(&name).starts_with("<script>alert('s1')"),
        "{}",
        list.text_after(&name)
    );

    let thread = server
        .page(&format!(
            "/embed/{token}/conversations/{conversation}?search={search}"
        ))
        .await;
    thread.expect(200);
    // The thread's body (the <title> is checked in its own test).
    let body_only = Page {
        html: thread.html.replace(
            &thread.html
                [thread.html.find("<title>").unwrap()..thread.html.find("</head>").unwrap()],
            "",
        ),
        ..thread.clone()
    };
    assert_inert(&body_only);
    assert_eq!(thread.message_ids().len(), 16);
    let texts: Vec<String> = thread
        .elements()
        .iter()
        .filter(|e| e.has_class("text"))
        .map(|e| thread.text_after(e))
        .collect();
    for text in HOSTILE {
        assert!(
            texts.iter().any(|t| t == text),
            "{text:?} is shown as written: {texts:?}"
        );
    }
    // A javascript: "link" is not a link.
    let links: Vec<String> = thread
        .elements()
        .iter()
        .filter(|e| e.name == "a")
        .filter_map(|e| e.attr("href").map(str::to_string))
        .collect();
    assert!(
        links
            .iter()
            .all(|l| !l.to_ascii_lowercase().contains("javascript")),
        "{links:?}"
    );
}

/// leptos_meta 0.8 writes `<title>` unescaped: names in the title must arrive escaped, or a
/// contact named `</title><script>…` would run script in every agent's browser.
#[tokio::test]
async fn hostile_names_in_the_page_title_stay_text() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let breakout = "</title><script>alert('title')</script>";
    let customer = id_of(&api.customer(breakout).await);
    let inbox = id_of(&api.inbox(breakout, "whatsapp", Some(&customer)).await);
    let contact = id_of(&api.contact(breakout, None).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    for scope in [
        json!({ "type": "whatsapp_config", "id": inbox }),
        json!({ "type": "customer", "id": customer }),
    ] {
        let token = token_of(&api.token(json!({ "name": "t", "scope": scope })).await);
        for path in [
            format!("/embed/{token}"),
            format!("/embed/{token}/conversations/{conversation}"),
        ] {
            let page = server.page(&path).await;
            page.expect(200);
            assert_inert(&page);
        }
    }
}

/// The token's `language` is the document's language.
#[tokio::test]
async fn the_page_language_is_the_tokens() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let token = token_of(
        &api.token(json!({ "name": "es", "scope": { "type": "project" }, "language": "es-ES" }))
            .await,
    );
    let page = server.page(&format!("/embed/{token}")).await;
    assert_eq!(page.expect(200).html_element().attr("lang"), Some("es-ES"));
}

/// What a page shows of its scope is kept between requests (the access cache), yet a
/// renamed customer and a new inbox show on the very next page.
#[tokio::test]
async fn a_scope_change_shows_on_the_next_page() {
    let server = TestServer::start().await;
    let api = server.project("P").await;
    let customer = id_of(&api.customer("Old Name Co").await);
    api.inbox("First desk", "api", Some(&customer)).await;
    let token = api
        .token(json!({ "name": "t", "scope": { "type": "customer", "id": customer } }))
        .await["token"]
        .as_str()
        .expect("token")
        .to_string();
    let path = format!("/embed/{token}");
    let before = server.page(&path).await;
    before.expect(200);
    assert!(
        before.html.contains("Old Name Co"),
        "the label is the customer's name"
    );
    assert!(!before.html.contains("Second desk"));

    api.patch(
        &format!("/customers/{customer}"),
        json!({ "name": "New Name Co" }),
    )
    .await
    .expect(200);
    api.inbox("Second desk", "api", Some(&customer)).await;
    let after = server.page(&path).await;
    after.expect(200);
    assert!(
        after.html.contains("New Name Co"),
        "the renamed customer labels the page"
    );
    assert!(!after.html.contains("Old Name Co"));
    assert!(
        after.html.contains("Second desk"),
        "the new inbox is listed"
    );
}

/// The thread the embed opens (read in one query) holds what was stored: the conversation
/// as the API has it, the newest 50 messages with every field, the older ones behind its
/// cursor, and WhatsApp's reply window from the last incoming message.
#[tokio::test]
async fn the_thread_holds_what_was_stored() {
    let server = TestServer::start().await;
    let api = server.project("A").await;
    let inbox = id_of(&api.inbox("WA", "whatsapp", None).await);
    let contact = id_of(&api.contact("Ana", Some("+34600000001")).await);
    let conversation = id_of(&api.conversation(&inbox, &contact, json!({})).await);
    let token = api.project_token().await;
    let media = json!({ "url": "https://cdn.example.com/p.jpg", "mime_type": "image/jpeg", "filename": "p.jpg", "size": 2048 });
    let bodies = [
        json!({ "kind": "text", "content": "hola \"quoted\" ü 👋" }),
        json!({ "kind": "image", "content": "a caption", "media": media }),
        json!({ "kind": "location", "location": { "latitude": 40.4168, "longitude": -3.7038, "name": "Sol" } }),
        json!({ "kind": "interactive", "content": "Confirm?", "interactive": { "type": "button", "buttons": [{ "id": "y", "title": "Yes" }] } }),
        json!({ "kind": "template", "template": { "name": "order_update", "parameters": ["#123"] } }),
    ];
    let start = Utc::now() - chrono::Duration::hours(3);
    let mut stored = Vec::new();
    for i in 0..53_usize {
        let mut body = bodies[i % bodies.len()].clone();
        // The last message is outgoing: the window runs from the one before.
        body["direction"] = json!(if i % 3 == 1 { "outgoing" } else { "incoming" });
        body["created_at"] = json!(iso(start + chrono::Duration::minutes(i as i64)));
        stored.push(api.message(&conversation, body).await);
    }
    let listed = api
        .get(&format!("/conversations/{conversation}/messages?limit=100"))
        .await
        .expect(200)["data"]
        .clone();
    assert_eq!(listed, json!(stored), "the API lists what it stored");

    let got = server
        .rpc(
            "load_thread",
            &[("token", &token), ("conversation_id", &conversation)],
            &[],
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let thread: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(
        thread["messages"],
        json!(stored[3..]),
        "the newest 50, oldest first"
    );
    assert_eq!(thread["watched"], json!(false));
    let older = server
        .rpc(
            "older_messages",
            &[
                ("token", &token),
                ("conversation_id", &conversation),
                ("before", thread["older_cursor"].as_str().expect("a cursor")),
            ],
            &[],
        )
        .await;
    assert_eq!(older.status, 200, "{}", older.body);
    let older: Value = serde_json::from_str(&older.body).unwrap();
    assert_eq!(older["messages"], json!(stored[..3]));
    assert!(older["older_cursor"].is_null());

    let last_incoming = DateTime::parse_from_rfc3339(stored[51]["created_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        thread["window"],
        json!({ "state": "open_until", "until": last_incoming + 24 * 3_600_000 })
    );
    let view = &thread["conversation"];
    let stored_conversation = api
        .get(&format!("/conversations/{conversation}"))
        .await
        .expect(200)
        .clone();
    for field in [
        "id",
        "inbox_id",
        "status",
        "handoff",
        "unread_count",
        "last_message_at",
        "created_at",
    ] {
        assert_eq!(view[field], stored_conversation[field], "{field}");
    }
    assert_eq!(view["inbox_name"], json!("WA"));
    assert_eq!(view["channel_type"], json!("whatsapp"));
    assert_eq!(
        view["contact"],
        json!({ "id": contact, "display_name": "Ana", "phone_number": "+34600000001" })
    );
    assert_eq!(view["preview"]["direction"], json!("outgoing"));
    assert_eq!(view["preview"]["kind"], json!(stored[52]["kind"]));
    assert_eq!(view["preview"]["status"], stored[52]["status"]);
}
