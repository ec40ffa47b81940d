//! Scope isolation as a property: in random worlds of two projects, every embed token sees
//! exactly the conversations the test's own model puts in its scope, every other thread is
//! a 404, and one project's API key finds none of the other project's ids.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const CHANNELS: [&str; 7] = [
    "whatsapp",
    "api",
    "sms",
    "email",
    "web_widget",
    "telegram",
    "line",
];
const HANDOFFS: [&str; 3] = ["bot", "waiting", "human"];

#[derive(Debug, Clone)]
struct InboxSpec {
    channel: &'static str,
    customer: Option<usize>,
    /// The assignee narrowing this inbox's whatsapp_config token, if it is a WhatsApp one.
    token_user: Option<usize>,
}

#[derive(Debug, Clone)]
struct ConversationSpec {
    inbox: usize,
    contact: usize,
    ended: bool,
    handoff: &'static str,
    assignee: Option<usize>,
    /// Whether the contact wrote (raising unread) right after it was opened.
    incoming: bool,
}

#[derive(Debug, Clone)]
struct ProjectSpec {
    users: usize,
    contacts: usize,
    /// Per customer: the assignee narrowing its customer token.
    customer_token_users: Vec<Option<usize>>,
    /// The assignee of the second project-wide token.
    project_token_user: usize,
    inboxes: Vec<InboxSpec>,
    conversations: Vec<ConversationSpec>,
}

fn project_spec() -> impl Strategy<Value = ProjectSpec> {
    (1..=3usize, 1..=3usize, 1..=3usize)
        .prop_flat_map(|(customers, users, contacts)| {
            let inbox = (
                // Half the inboxes are WhatsApp ones: the scope type that needs them.
                prop_oneof![Just(0usize), 0..CHANNELS.len()],
                proptest::option::of(0..customers),
                proptest::option::of(0..users),
            )
                .prop_map(|(channel, customer, token_user)| InboxSpec {
                    channel: CHANNELS[channel],
                    customer,
                    token_user,
                });
            (
                Just(users),
                Just(contacts),
                proptest::collection::vec(proptest::option::of(0..users), customers),
                0..users,
                proptest::collection::vec(inbox, 1..=4),
            )
        })
        .prop_flat_map(
            |(users, contacts, customer_token_users, project_token_user, inboxes)| {
                let conversation = (
                    0..inboxes.len(),
                    0..contacts,
                    any::<bool>(),
                    0..HANDOFFS.len(),
                    proptest::option::of(0..users),
                    any::<bool>(),
                )
                    .prop_map(
                        |(inbox, contact, ended, handoff, assignee, incoming)| ConversationSpec {
                            inbox,
                            contact,
                            ended,
                            handoff: HANDOFFS[handoff],
                            assignee,
                            incoming,
                        },
                    );
                (
                    Just(users),
                    Just(contacts),
                    Just(customer_token_users),
                    Just(project_token_user),
                    Just(inboxes),
                    proptest::collection::vec(conversation, 0..=6),
                )
            },
        )
        .prop_map(
            |(
                users,
                contacts,
                customer_token_users,
                project_token_user,
                inboxes,
                conversations,
            )| {
                ProjectSpec {
                    users,
                    contacts,
                    customer_token_users,
                    project_token_user,
                    inboxes,
                    conversations,
                }
            },
        )
}

/// What a token covers, in the model's terms (indexes into its project's spec).
#[derive(Debug, Clone)]
enum ScopeModel {
    Project,
    WhatsappConfig(usize),
    Customer(usize),
}

#[derive(Debug, Clone)]
struct TokenModel {
    project: usize,
    scope: ScopeModel,
    user: Option<usize>,
    label: String,
    secret: String,
}

/// A project as built on the server: its client and the ids of what the spec made.
struct Built {
    api: Api,
    customers: Vec<String>,
    users: Vec<String>,
    inboxes: Vec<String>,
    contacts: Vec<String>,
    /// In creation order, which is also activity order.
    conversations: Vec<String>,
    messages: Vec<String>,
    token_ids: Vec<String>,
}

async fn build(server: &TestServer, name: &str, spec: &ProjectSpec, customers: usize) -> Built {
    let api = server.project(name).await;
    let mut b = Built {
        api: api.clone(),
        customers: Vec::new(),
        users: Vec::new(),
        inboxes: Vec::new(),
        contacts: Vec::new(),
        conversations: Vec::new(),
        messages: Vec::new(),
        token_ids: Vec::new(),
    };
    for i in 0..customers {
        b.customers
            .push(id_of(&api.customer(&format!("{name} customer {i}")).await));
    }
    for i in 0..spec.users {
        b.users
            .push(id_of(&api.user(&format!("{name} user {i}")).await));
    }
    for (i, inbox) in spec.inboxes.iter().enumerate() {
        let customer = inbox.customer.map(|c| b.customers[c].as_str());
        b.inboxes.push(id_of(
            &api.inbox(&format!("{name} inbox {i}"), inbox.channel, customer)
                .await,
        ));
    }
    for i in 0..spec.contacts {
        b.contacts.push(id_of(
            &api.contact(&format!("{name} contact {i}"), None).await,
        ));
    }
    for c in &spec.conversations {
        let created = api
            .conversation(
                &b.inboxes[c.inbox],
                &b.contacts[c.contact],
                json!({
                    "status": if c.ended { "ended" } else { "active" },
                    "handoff": c.handoff,
                    "assigned_user_id": c.assignee.map(|u| b.users[u].clone()),
                }),
            )
            .await;
        let id = id_of(&created);
        // An outgoing note keeps an ended conversation ended; an incoming one would reopen it.
        let direction = if c.incoming && !c.ended {
            "incoming"
        } else {
            "outgoing"
        };
        b.messages.push(id_of(
            &api.text(&id, direction, &format!("{name} says hi")).await,
        ));
        b.conversations.push(id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    b
}

/// Every token the spec asks for: the whole project (alone and narrowed to one user),
/// each WhatsApp inbox, each customer.
async fn mint(project: usize, spec: &ProjectSpec, b: &mut Built) -> Vec<TokenModel> {
    let mut wanted = vec![
        (ScopeModel::Project, None),
        (ScopeModel::Project, Some(spec.project_token_user)),
    ];
    for (i, inbox) in spec.inboxes.iter().enumerate() {
        if inbox.channel == "whatsapp" {
            wanted.push((ScopeModel::WhatsappConfig(i), inbox.token_user));
        }
    }
    for (i, user) in spec.customer_token_users.iter().enumerate() {
        wanted.push((ScopeModel::Customer(i), *user));
    }
    let mut tokens = Vec::new();
    for (scope, user) in wanted {
        let scope_json = match &scope {
            ScopeModel::Project => json!({ "type": "project" }),
            ScopeModel::WhatsappConfig(i) => {
                json!({ "type": "whatsapp_config", "id": b.inboxes[*i] })
            }
            ScopeModel::Customer(i) => json!({ "type": "customer", "id": b.customers[*i] }),
        };
        let label = format!("project {project} {scope:?} user {user:?}");
        let created = b
            .api
            .token(json!({
                "name": label,
                "scope": scope_json,
                "assigned_user_id": user.map(|u| b.users[u].clone()),
            }))
            .await;
        b.token_ids.push(id_of(&created));
        tokens.push(TokenModel {
            project,
            scope,
            user,
            label,
            secret: created["token"].as_str().unwrap().to_string(),
        });
    }
    tokens
}

/// The model's answer: is conversation `c` of `project` inside `token`'s scope?
fn in_scope(
    specs: &[ProjectSpec; 2],
    token: &TokenModel,
    project: usize,
    c: &ConversationSpec,
) -> bool {
    if token.project != project {
        return false;
    }
    let covered = match token.scope {
        ScopeModel::Project => true,
        ScopeModel::WhatsappConfig(inbox) => c.inbox == inbox,
        ScopeModel::Customer(customer) => {
            specs[project].inboxes[c.inbox].customer == Some(customer)
        }
    };
    covered && token.user.is_none_or(|u| c.assignee == Some(u))
}

/// GETs many pages at once (a few at a time): (path, status, list ids, thread id).
async fn pages(
    server: &TestServer,
    paths: Vec<String>,
) -> HashMap<String, (u16, Vec<String>, Option<String>)> {
    let mut out = HashMap::new();
    for chunk in paths.chunks(4) {
        let mut set = tokio::task::JoinSet::new();
        for path in chunk {
            let http = server.http.clone();
            let url = format!("{}{path}", server.base);
            let path = path.clone();
            set.spawn(async move {
                let res = http.get(url).send().await.expect("GET");
                let status = res.status().as_u16();
                let page = Page {
                    path: path.clone(),
                    status,
                    content_type: String::new(),
                    html: res.text().await.expect("body"),
                };
                let thread = page
                    .by_testid("thread")
                    .first()
                    .and_then(|e| e.attr("data-conversation-id").map(str::to_string));
                (path, status, page.conversation_ids(), thread)
            });
        }
        while let Some(done) = set.join_next().await {
            let (path, status, ids, thread) = done.expect("page task");
            out.insert(path, (status, ids, thread));
        }
    }
    out
}

async fn check_world(specs: [ProjectSpec; 2]) {
    let server = TestServer::start().await;
    let customers = [
        specs[0].customer_token_users.len(),
        specs[1].customer_token_users.len(),
    ];
    let mut built = [
        build(&server, "A", &specs[0], customers[0]).await,
        build(&server, "B", &specs[1], customers[1]).await,
    ];
    let mut tokens = Vec::new();
    for p in 0..2 {
        tokens.extend(mint(p, &specs[p], &mut built[p]).await);
    }
    // Every conversation of both projects, with its spec.
    let everything: Vec<(usize, usize)> = (0..2)
        .flat_map(|p| (0..specs[p].conversations.len()).map(move |i| (p, i)))
        .collect();

    // The embed: each token's list (all statuses, and the default active ones) and every
    // thread URL.
    let mut paths = Vec::new();
    for t in &tokens {
        paths.push(format!("/embed/{}?status=all", t.secret));
        paths.push(format!("/embed/{}", t.secret));
        for &(p, i) in &everything {
            paths.push(format!(
                "/embed/{}/conversations/{}",
                t.secret, built[p].conversations[i]
            ));
        }
    }
    let got = pages(&server, paths).await;
    for t in &tokens {
        // Newest activity first: the reverse of creation order.
        let expect = |active_only: bool| -> Vec<String> {
            let p = t.project;
            specs[p]
                .conversations
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, c)| in_scope(&specs, t, p, c) && !(active_only && c.ended))
                .map(|(i, _)| built[p].conversations[i].clone())
                .collect()
        };
        let (status, listed, _) = &got[&format!("/embed/{}?status=all", t.secret)];
        assert_eq!(*status, 200, "{}", t.label);
        assert_eq!(listed, &expect(false), "{}: status=all", t.label);
        let other: HashSet<&String> = built[1 - t.project].conversations.iter().collect();
        assert!(
            listed.iter().all(|id| !other.contains(id)),
            "{}: the other project's conversation listed",
            t.label
        );
        let (status, listed, _) = &got[&format!("/embed/{}", t.secret)];
        assert_eq!(*status, 200, "{}", t.label);
        assert_eq!(listed, &expect(true), "{}: active", t.label);
        for &(p, i) in &everything {
            let id = &built[p].conversations[i];
            let (status, _, thread) = &got[&format!("/embed/{}/conversations/{id}", t.secret)];
            if in_scope(&specs, t, p, &specs[p].conversations[i]) {
                assert_eq!(*status, 200, "{}: thread {p}/{i} is in scope", t.label);
                assert_eq!(thread.as_ref(), Some(id), "{}: thread {p}/{i}", t.label);
            } else {
                assert_eq!(
                    *status, 404,
                    "{}: thread {p}/{i} is outside the scope",
                    t.label
                );
                assert_eq!(*thread, None, "{}: thread {p}/{i} rendered", t.label);
            }
        }
    }

    // The API: each project's key finds none of the other's ids, and changes nothing.
    for p in 0..2 {
        let (mine, theirs) = (&built[1 - p].api, &built[p]);
        let mut gets = Vec::new();
        let mut patches = Vec::new();
        for id in &theirs.customers {
            gets.push(format!("/customers/{id}"));
            patches.push((format!("/customers/{id}"), json!({ "name": "taken" })));
        }
        for id in &theirs.users {
            gets.push(format!("/users/{id}"));
            patches.push((format!("/users/{id}"), json!({ "name": "taken" })));
        }
        for id in &theirs.inboxes {
            gets.push(format!("/inboxes/{id}"));
            patches.push((format!("/inboxes/{id}"), json!({ "name": "taken" })));
        }
        for id in &theirs.contacts {
            gets.push(format!("/contacts/{id}"));
            patches.push((
                format!("/contacts/{id}"),
                json!({ "display_name": "taken" }),
            ));
        }
        for id in &theirs.conversations {
            gets.push(format!("/conversations/{id}"));
            gets.push(format!("/conversations/{id}/messages"));
            patches.push((
                format!("/conversations/{id}"),
                json!({ "status": "ended", "handoff": "human", "assigned_user_id": null }),
            ));
        }
        for id in &theirs.token_ids {
            gets.push(format!("/embed_tokens/{id}"));
        }
        for path in &gets {
            let r = mine.get(path).await;
            assert_eq!(
                r.status, 404,
                "GET {path} with the other project's key: {}",
                r.text
            );
            assert_eq!(r.body["error"], "Not Found");
        }
        for (path, body) in &patches {
            let r = mine.patch(path, body.clone()).await;
            assert_eq!(
                r.status, 404,
                "PATCH {path} with the other project's key: {}",
                r.text
            );
        }
        for id in &theirs.conversations {
            let r = mine
                .post(
                    &format!("/conversations/{id}/messages"),
                    json!({ "direction": "incoming", "content": "injected" }),
                )
                .await;
            assert_eq!(r.status, 404, "POST a message into {id}: {}", r.text);
        }
        for id in &theirs.token_ids {
            assert_eq!(
                mine.delete(&format!("/embed_tokens/{id}")).await.status,
                404
            );
        }
        for id in &theirs.inboxes {
            assert_eq!(mine.delete(&format!("/inboxes/{id}")).await.status, 404);
        }
        // Their ids inside my bodies.
        for id in &theirs.inboxes {
            for body in [json!({ "name": "t", "scope": { "type": "whatsapp_config", "id": id } })] {
                assert_eq!(mine.post("/embed_tokens", body).await.status, 404);
            }
        }
        for id in &theirs.customers {
            let r = mine
                .post(
                    "/embed_tokens",
                    json!({ "name": "t", "scope": { "type": "customer", "id": id } }),
                )
                .await;
            assert_eq!(r.status, 404);
        }
        for id in &theirs.users {
            let r = mine
                .post(
                    "/embed_tokens",
                    json!({ "name": "t", "scope": { "type": "project" }, "assigned_user_id": id }),
                )
                .await;
            assert_eq!(r.status, 404);
        }
        if let (Some(inbox), Some(contact)) = (theirs.inboxes.first(), theirs.contacts.first()) {
            let own_inbox = &built[1 - p].inboxes[0];
            let own_contact = &built[1 - p].contacts[0];
            for body in [
                json!({ "inbox_id": inbox, "contact_id": own_contact }),
                json!({ "inbox_id": own_inbox, "contact_id": contact }),
                json!({ "inbox_id": own_inbox, "contact_id": own_contact, "assigned_user_id": theirs.users[0] }),
            ] {
                assert_eq!(
                    mine.post("/conversations", body.clone()).await.status,
                    404,
                    "{body}"
                );
            }
        }
        // My lists hold none of theirs.
        let theirs_all: HashSet<String> = [
            &theirs.customers,
            &theirs.users,
            &theirs.inboxes,
            &theirs.contacts,
            &theirs.conversations,
            &theirs.token_ids,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        for list in [
            "/customers",
            "/users",
            "/inboxes",
            "/contacts",
            "/conversations?status=all",
            "/embed_tokens",
        ] {
            for id in ids(&mine.walk(list, 100).await) {
                assert!(
                    !theirs_all.contains(&id),
                    "{list} with the other key lists {id}"
                );
            }
        }
    }

    // Nothing the other key tried changed anything: each project's conversations and
    // messages are as the spec made them, and every token still opens.
    for p in 0..2 {
        let b = &built[p];
        let listed = b.api.walk("/conversations?status=all", 100).await;
        let expected: Vec<String> = b.conversations.iter().rev().cloned().collect();
        assert_eq!(ids(&listed), expected, "project {p}'s conversations");
        for (c, spec) in listed.iter().rev().zip(&specs[p].conversations) {
            assert_eq!(c["status"], if spec.ended { "ended" } else { "active" });
            assert_eq!(c["handoff"], spec.handoff);
            assert_eq!(
                c["assigned_user_id"],
                spec.assignee.map_or(Value::Null, |u| json!(b.users[u]))
            );
        }
        for (i, id) in b.conversations.iter().enumerate() {
            let thread = b
                .api
                .walk(&format!("/conversations/{id}/messages"), 100)
                .await;
            assert_eq!(
                ids(&thread),
                vec![b.messages[i].clone()],
                "conversation {p}/{i} holds only its own message"
            );
        }
        assert_eq!(
            b.api.walk("/inboxes", 100).await.len(),
            specs[p].inboxes.len()
        );
    }
    for t in &tokens {
        server
            .page(&format!("/embed/{}", t.secret))
            .await
            .expect(200);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        max_shrink_iters: 24,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_token_sees_exactly_its_scope(a in project_spec(), b in project_spec()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime per case");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(check_world([a, b]))
        }));
        // Bounded: a worker wedged in teardown (leptos owner-cleanup deadlock, see the
        // report) must not hang the suite.
        runtime.shutdown_timeout(Duration::from_secs(5));
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
