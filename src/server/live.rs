//! Live updates (§5): the hub that reads the event log in order and hands each event to
//! the sockets whose scope holds it, and the `/embed/{token}/ws` socket itself.
//!
//! Order and completeness: writers append to the log in their transaction and wake the
//! tailer, the one task that reads the log (in id order) and dispatches it. A socket
//! registers under the hub's lock and learns the last id dispatched; it replays the log
//! from the client's `since` up to that id, then forwards what the hub queues after it.
//! Nothing falls between the two, and nothing comes twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::model::{close, ConversationView, EventType, Lang, Scope};
use crate::server::access::{Access, Credential, RequestAccess};
use crate::server::security::Guard;
use crate::server::store::{EventRecord, Store, TokenRejection, PG_TOKENS_CHANNEL};
use crate::server::{AppError, AppState};

/// How sockets are kept and the log is pruned.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// A ping this often keeps proxies from closing a quiet socket.
    pub ping: Duration,
    /// A socket that answers nothing (not even a pong) for this long is closed.
    pub idle: Duration,
    /// Frames waiting for one slow socket; when full, it is dropped and resumes by `since`.
    pub queue: usize,
    /// A frame the socket cannot write within this long drops it, as a full queue does.
    pub send_timeout: Duration,
    /// The largest frame a client may send (clients only answer pings).
    pub max_inbound: usize,
    /// Open sockets' tokens are checked again this often (and at once when one changes).
    pub recheck: Duration,
    /// `EVENT_RETENTION_DAYS` (7): events older than this are pruned.
    pub retention: Duration,
    pub prune_every: Duration,
    /// A reconnect further behind than this many events in its scope refetches instead.
    pub replay_limit: usize,
    /// The tailer reads the log this often even when nothing woke it.
    pub poll: Duration,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            ping: Duration::from_secs(25),
            idle: Duration::from_secs(70),
            queue: 512,
            send_timeout: Duration::from_secs(10),
            max_inbound: 4096,
            recheck: Duration::from_secs(5),
            retention: Duration::from_secs(7 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
            replay_limit: 5000,
            poll: Duration::from_secs(1),
        }
    }
}

const READ_BUFFER_BYTES: usize = 4096;

/// An event's id and its frame, queued for one socket.
type Out = (i64, Utf8Bytes);

/// Why the hub ends a socket: a close code and reason.
type Kill = (u16, &'static str);

/// What opened a socket, as its recheck needs it.
#[derive(Debug, Clone)]
enum Opener {
    /// An embed token: read again by id.
    Token(Uuid),
    /// An agent JWT: ends at its expiry, or when its project's secret or JWT origins
    /// change under it (read again).
    Agent {
        expires_at: chrono::DateTime<chrono::Utc>,
        secret_tag: String,
    },
}

impl Opener {
    fn of(access: &Access) -> Self {
        match &access.credential {
            Credential::Token(id) => Self::Token(*id),
            Credential::Agent(agent) => Self::Agent {
                expires_at: agent.expires_at,
                secret_tag: agent.secret_tag.clone(),
            },
        }
    }

    fn token_id(&self) -> Option<Uuid> {
        match self {
            Self::Token(id) => Some(*id),
            Self::Agent { .. } => None,
        }
    }
}

struct Subscriber {
    scope: Scope,
    /// The language of the HTML its frames carry.
    lang: Lang,
    opener: Opener,
    /// The upgrade request's `Origin` and `Host`, to run the origin gate again.
    headers: HeaderMap,
    tx: mpsc::Sender<Out>,
    /// Ends the socket ahead of whatever is still queued for it.
    kill: Option<oneshot::Sender<Kill>>,
}

#[derive(Default)]
struct Inner {
    /// The last event id dispatched.
    last_id: i64,
    next_id: u64,
    /// Subscribers by project, then by their own number.
    projects: HashMap<Uuid, HashMap<u64, Subscriber>>,
    /// Set on shutdown: no new subscribers.
    closed: bool,
}

/// The in-process bus between the event log and the open sockets.
pub struct Hub {
    inner: Mutex<Inner>,
    pub settings: LiveSettings,
}

/// A registered socket's side of the hub.
struct Subscription {
    project_id: Uuid,
    id: u64,
    rx: mpsc::Receiver<Out>,
    kill: oneshot::Receiver<Kill>,
    /// Events up to here were dispatched before this subscription existed.
    live_from: i64,
}

impl Hub {
    /// A hub that starts after `last_id` (the log's newest event when the server starts).
    pub fn new(settings: LiveSettings, last_id: i64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                last_id,
                ..Default::default()
            }),
            settings,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn last_id(&self) -> i64 {
        self.lock().last_id
    }

    /// Open sockets.
    pub fn sockets(&self) -> usize {
        self.lock().projects.values().map(HashMap::len).sum()
    }

    fn subscribe(
        &self,
        scope: Scope,
        lang: Lang,
        opener: Opener,
        headers: HeaderMap,
    ) -> Option<Subscription> {
        let (tx, rx) = mpsc::channel(self.settings.queue);
        let (kill_tx, kill) = oneshot::channel();
        let mut inner = self.lock();
        if inner.closed {
            return None;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let project_id = scope.project_id;
        inner.projects.entry(project_id).or_default().insert(
            id,
            Subscriber {
                scope,
                lang,
                opener,
                headers,
                tx,
                kill: Some(kill_tx),
            },
        );
        Some(Subscription {
            project_id,
            id,
            rx,
            kill,
            live_from: inner.last_id,
        })
    }

    fn unsubscribe(&self, project_id: Uuid, id: u64) {
        let mut inner = self.lock();
        if let Some(subs) = inner.projects.get_mut(&project_id) {
            subs.remove(&id);
            if subs.is_empty() {
                inner.projects.remove(&project_id);
            }
        }
    }

    /// Hands each event (in id order) to the sockets that may see it. A socket whose
    /// queue is full is dropped: it resumes from its last id when it reconnects.
    fn dispatch(&self, events: &[EventRecord]) {
        // The frames are made (their HTML rendered) before the lock is taken, for the
        // events of projects with sockets.
        let watched: Vec<bool> = {
            let inner = self.lock();
            events
                .iter()
                .map(|e| e.id > inner.last_id && inner.projects.contains_key(&e.project_id))
                .collect()
        };
        let frames: Vec<Option<Frames>> = events
            .iter()
            .zip(watched)
            .map(|(event, watched)| watched.then(|| Frames::of(event)))
            .collect();
        let mut inner = self.lock();
        for (event, frames) in events.iter().zip(frames) {
            if event.id <= inner.last_id {
                continue;
            }
            inner.last_id = event.id;
            let Some(subs) = inner.projects.get_mut(&event.project_id) else {
                continue;
            };
            // A socket that subscribed after the check above.
            let frames = frames.unwrap_or_else(|| Frames::of(event));
            subs.retain(|_, sub| {
                if !event.visible_to(&sub.scope) {
                    return true;
                }
                match sub.tx.try_send((event.id, frames.get(sub.lang))) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        tracing::debug!(opener = ?sub.opener, "live socket fell behind; dropped");
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                }
            });
            if subs.is_empty() {
                inner.projects.remove(&event.project_id);
            }
        }
    }

    /// Closes the sockets for which `why` gives a code and reason, without sending what is
    /// still queued for them.
    fn close_where(&self, why: impl Fn(&Subscriber) -> Option<Kill>) -> usize {
        let mut inner = self.lock();
        let mut closed = 0;
        for subs in inner.projects.values_mut() {
            subs.retain(|_, sub| match why(sub) {
                Some(kill) => {
                    if let Some(tx) = sub.kill.take() {
                        let _ = tx.send(kill);
                    }
                    closed += 1;
                    false
                }
                None => true,
            });
        }
        inner.projects.retain(|_, subs| !subs.is_empty());
        closed
    }

    /// Closes every socket (the server is stopping) and takes no more.
    pub fn close_all(&self) {
        self.lock().closed = true;
        self.close_where(|_| Some((close_code::RESTART, "server restarting")));
    }

    /// The tokens of open sockets, and the projects of open agent sockets.
    fn openers(&self) -> (Vec<Uuid>, Vec<Uuid>) {
        let inner = self.lock();
        let mut tokens = Vec::new();
        let mut projects = Vec::new();
        for (project_id, subs) in &inner.projects {
            for sub in subs.values() {
                match sub.opener.token_id() {
                    Some(id) => tokens.push(id),
                    None => projects.push(*project_id),
                }
            }
        }
        for ids in [&mut tokens, &mut projects] {
            ids.sort_unstable();
            ids.dedup();
        }
        (tokens, projects)
    }
}

/// One event's frame in each language the embed speaks.
struct Frames([Utf8Bytes; 2]);

impl Frames {
    fn of(event: &EventRecord) -> Self {
        Self(Lang::ALL.map(|lang| Utf8Bytes::from(event.frame(event_html(event, lang).as_deref()))))
    }

    fn get(&self, lang: Lang) -> Utf8Bytes {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        self.0[index].clone()
    }
}

/// What the embed shows for an event, in `lang`: a conversation's list row, or a
/// message's bubble (the page renders neither itself).
pub fn event_html(event: &EventRecord, lang: Lang) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ConversationData {
        conversation: ConversationView,
    }
    #[derive(serde::Deserialize)]
    struct MessageData {
        message: crate::model::Message,
    }
    let context = crate::app::render::RenderContext::shared(
        lang,
        crate::server::store::now().timestamp_millis(),
    );
    let unreadable = |e: serde_json::Error| {
        tracing::error!(error = %e, event = event.id, "an event's data did not read back");
    };
    match event.event_type {
        EventType::ConversationCreated | EventType::ConversationUpdated => {
            let data: ConversationData = serde_json::from_str(&event.data_json)
                .map_err(unreadable)
                .ok()?;
            let conversation = data.conversation;
            Some(crate::app::render::fragment(context, move || {
                leptos::view! { <crate::app::rows::ConversationRow conversation /> }
            }))
        }
        EventType::MessageCreated | EventType::MessageUpdated => {
            let data: MessageData = serde_json::from_str(&event.data_json)
                .map_err(unreadable)
                .ok()?;
            Some(crate::app::message::bubble_html(context, data.message))
        }
    }
}

/// Starts the hub's tasks: the tailer, the token checker and the pruner.
pub fn spawn(state: &AppState) {
    let (store, hub, guard) = (state.store.clone(), state.live.clone(), state.guard.clone());
    tokio::spawn(tail(store.clone(), hub.clone()));
    tokio::spawn(recheck_tokens(store.clone(), hub.clone(), guard));
    tokio::spawn(listen(store.clone()));
    tokio::spawn(prune(store, hub));
}

/// On PostgreSQL, what other instances commit wakes this one's tailer and token checks at
/// once. The log stays the source of truth: the tailer also reads it every `poll`, and
/// after the listening connection is lost and made again.
async fn listen(store: Store) {
    let (events, tokens) = (store.events_wake(), store.tokens_changed());
    loop {
        match store.listen().await {
            Ok(None) => return,
            Ok(Some(mut listener)) => loop {
                match listener.try_recv().await {
                    Ok(Some(note)) if note.channel() == PG_TOKENS_CHANNEL => {
                        store.access_changed_elsewhere();
                        tokens.notify_one();
                    }
                    Ok(Some(_)) => events.notify_one(),
                    // The connection dropped; the next call makes it again. What was
                    // committed meanwhile is in the log; a token notice may be lost.
                    Ok(None) => {
                        store.access_changed_elsewhere();
                        events.notify_one();
                        tokens.notify_one();
                    }
                    Err(e) => {
                        store.access_changed_elsewhere();
                        tracing::warn!(error = %e, "listening for other instances' events failed");
                        break;
                    }
                }
            },
            Err(e) => tracing::warn!(error = %e, "cannot listen for other instances' events"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Reads the log after the last dispatched id whenever a writer commits (or every
/// `poll`), and dispatches it in order.
async fn tail(store: Store, hub: Arc<Hub>) {
    const BATCH: i64 = 1000;
    let wake = store.events_wake();
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(hub.settings.poll) => {}
        }
        loop {
            match store.events_after(hub.last_id(), BATCH).await {
                Ok(events) => {
                    hub.dispatch(&events);
                    if (events.len() as i64) < BATCH {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading the event log failed");
                    break;
                }
            }
        }
    }
}

/// Closes sockets whose token was revoked, expired, or no longer admits their origin.
async fn recheck_tokens(store: Store, hub: Arc<Hub>, guard: Arc<Guard>) {
    let changed = store.tokens_changed();
    loop {
        tokio::select! {
            _ = changed.notified() => {}
            _ = tokio::time::sleep(hub.settings.recheck) => {}
        }
        let (ids, projects) = hub.openers();
        if ids.is_empty() && projects.is_empty() {
            continue;
        }
        let read = async {
            let tokens = store.embed_tokens_by_id(&ids).await?;
            let origins = store.jwt_settings(&projects).await?;
            Ok::<_, AppError>((tokens, origins))
        };
        let (tokens, jwt_origins) = match read.await {
            Ok(read) => read,
            Err(e) => {
                tracing::error!(error = %e, "rechecking live tokens failed");
                continue;
            }
        };
        let tokens: HashMap<Uuid, _> = tokens.into_iter().map(|t| (t.id, t)).collect();
        let at = crate::server::store::now();
        let closed = hub.close_where(|sub| {
            let usable = match &sub.opener {
                Opener::Token(id) => {
                    let id = *id;
                    // A socket whose token was not asked about (it opened meanwhile)
                    // waits for the next round.
                    if ids.binary_search(&id).is_err() {
                        return None;
                    }
                    tokens.get(&id).is_some_and(|t| {
                        t.check_usable(at).is_ok() && guard.admits(&sub.headers, &t.allowed_origins)
                    })
                }
                Opener::Agent {
                    expires_at,
                    secret_tag,
                } => {
                    let Some(settings) = jwt_origins.get(&sub.scope.project_id) else {
                        return None;
                    };
                    *expires_at > at
                        && settings.secret_tag == *secret_tag
                        && guard.admits(&sub.headers, &settings.allowed_origins)
                }
            };
            (!usable).then_some((close::TOKEN, "token no longer valid"))
        });
        if closed > 0 {
            tracing::info!(closed, "closed live sockets of revoked or expired tokens");
        }
    }
}

async fn prune(store: Store, hub: Arc<Hub>) {
    loop {
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(hub.settings.retention).unwrap_or(chrono::Duration::MAX);
        match store.prune_events(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "pruned the event log"),
            Err(e) => tracing::error!(error = %e, "pruning the event log failed"),
        }
        tokio::time::sleep(hub.settings.prune_every).await;
    }
}

#[derive(serde::Deserialize)]
pub struct SocketQuery {
    since: Option<String>,
    /// The page's language (the HTML in frames speaks it); the credential's without it.
    lang: Option<String>,
}

/// `GET /embed/{token}/ws`: the security layer has resolved the token and passed the
/// origin gate; this checks the token's resolution and upgrades.
pub async fn socket(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SocketQuery>,
    access: Option<Extension<RequestAccess>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let resolution = access.and_then(|Extension(a)| a.get(&token));
    let access = match resolution {
        Some(Ok(access)) => access,
        Some(Err(rejection)) => {
            let why = match rejection {
                TokenRejection::Expired => "this embed token has expired",
                TokenRejection::Revoked => "this embed token has been revoked",
                TokenRejection::Invalid => "this embed token is invalid",
            };
            return AppError::Unauthorized(why.into()).into_response();
        }
        None => {
            return AppError::Unauthorized("this embed token is invalid".into()).into_response()
        }
    };
    let since = match query.since.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return AppError::BadRequest(
                    "since must be an event id (a whole number, 0 or more)".into(),
                )
                .into_response()
            }
        },
    };
    let lang = Lang::choose(
        query.lang.as_deref().and_then(Lang::parse),
        &access.language,
    );
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let mut kept = HeaderMap::new();
    for name in [header::ORIGIN, header::HOST] {
        if let Some(value) = headers.get(&name) {
            kept.insert(name, value.clone());
        }
    }
    let settings = &state.live.settings;
    upgrade
        .max_message_size(settings.max_inbound)
        .max_frame_size(settings.max_inbound)
        // Clients send only pongs and closes: a small read buffer, not the default 128 KiB
        // that each of thousands of sockets would keep.
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |mut ws| async move {
            let hub = state.live.clone();
            let Some(subscription) =
                hub.subscribe(access.scope.clone(), lang, Opener::of(&access), kept)
            else {
                close_with(&mut ws, close_code::RESTART, "server restarting").await;
                return;
            };
            let (project_id, id) = (subscription.project_id, subscription.id);
            if let Err(e) = run(
                ws,
                &state.store,
                &hub,
                access.scope,
                lang,
                subscription,
                since,
            )
            .await
            {
                tracing::debug!(error = %e, "live socket ended");
            }
            hub.unsubscribe(project_id, id);
        })
}

#[derive(Debug, thiserror::Error)]
enum SocketEnd {
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
    #[error("store: {0}")]
    Store(#[from] AppError),
    #[error("send timed out")]
    Timeout,
}

async fn send(ws: &mut WebSocket, message: Message, limit: Duration) -> Result<(), SocketEnd> {
    tokio::time::timeout(limit, ws.send(message))
        .await
        .map_err(|_| SocketEnd::Timeout)?
        .map_err(SocketEnd::Socket)
}

async fn close_with(ws: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let sent = tokio::time::timeout(Duration::from_secs(2), ws.send(Message::Close(Some(frame))))
        .await
        .is_ok_and(|r| r.is_ok());
    if sent {
        // The closing handshake: wait a moment for the client's close, so the connection
        // does not end under frames (pongs) the client is still writing.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(message)) = ws.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

fn control(frame: serde_json::Value) -> Message {
    Message::Text(Utf8Bytes::from(frame.to_string()))
}

/// One socket: replay from `since`, then live frames, pings, and the idle limit.
async fn run(
    mut ws: WebSocket,
    store: &Store,
    hub: &Hub,
    scope: Scope,
    lang: Lang,
    mut sub: Subscription,
    since: Option<i64>,
) -> Result<(), SocketEnd> {
    let settings = &hub.settings;
    let live_from = sub.live_from;
    // Events up to here are already with the client (its page or its earlier socket).
    let mut sent_through = live_from;
    match since {
        None => {}
        Some(since) => {
            let extent = store.event_log_extent().await?;
            if since < extent.pruned_through || since > extent.last_id {
                let reason = if since > extent.last_id {
                    "unknown"
                } else {
                    "horizon"
                };
                let frame = serde_json::json!({ "type": "refetch", "last_id": live_from, "reason": reason });
                send(&mut ws, control(frame), settings.send_timeout).await?;
            } else if since >= live_from {
                // The client is ahead of the hub (its page read the log a moment ago):
                // what is queued up to `since` it has already.
                sent_through = since;
            } else if !replay(&mut ws, store, settings, &scope, lang, since, live_from).await? {
                let frame = serde_json::json!({ "type": "refetch", "last_id": live_from, "reason": "behind" });
                send(&mut ws, control(frame), settings.send_timeout).await?;
            } else if store.event_log_extent().await?.pruned_through > since {
                // Pruned while it was being read: what was replayed may have a hole.
                let frame = serde_json::json!({ "type": "refetch", "last_id": live_from, "reason": "horizon" });
                send(&mut ws, control(frame), settings.send_timeout).await?;
            }
        }
    }
    let ready = serde_json::json!({ "type": "ready", "last_id": sent_through });
    send(&mut ws, control(ready), settings.send_timeout).await?;

    let mut ping = tokio::time::interval(settings.ping);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut heard = Instant::now();
    let mut killable = true;
    loop {
        tokio::select! {
            biased;
            kill = &mut sub.kill, if killable => match kill {
                Ok((code, reason)) => {
                    close_with(&mut ws, code, reason).await;
                    return Ok(());
                }
                // Dropped for falling behind: what is queued still goes out first.
                Err(_) => killable = false,
            },
            out = sub.rx.recv() => match out {
                Some((id, frame)) => {
                    if id > sent_through {
                        sent_through = id;
                        send(&mut ws, Message::Text(frame), settings.send_timeout).await?;
                    }
                }
                None => {
                    close_with(&mut ws, close::TOO_SLOW, "fell behind; resume with since").await;
                    return Ok(());
                }
            },
            inbound = ws.recv() => match inbound {
                Some(Ok(Message::Close(_))) | None => return Ok(()),
                Some(Ok(_)) => heard = Instant::now(),
                Some(Err(e)) => return Err(SocketEnd::Socket(e)),
            },
            _ = ping.tick() => {
                if heard.elapsed() >= settings.idle {
                    close_with(&mut ws, close::IDLE, "idle").await;
                    return Ok(());
                }
                send(&mut ws, Message::Ping(Default::default()), settings.send_timeout).await?;
            }
        }
    }
}

/// Sends the scope's events in `(since, through]`; false when there are more than
/// `replay_limit` of them (the client refetches instead).
async fn replay(
    ws: &mut WebSocket,
    store: &Store,
    settings: &LiveSettings,
    scope: &Scope,
    lang: Lang,
    since: i64,
    through: i64,
) -> Result<bool, SocketEnd> {
    const PAGE: i64 = 500;
    let mut after = since;
    let mut frames = Vec::new();
    let mut scanned = 0;
    loop {
        let page = store
            .project_events_between(scope.project_id, after, through, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let full = page.len() as i64 == PAGE;
        scanned += page.len();
        frames.extend(
            page.into_iter()
                .filter(|e| e.visible_to(scope))
                .map(|e| e.frame(event_html(&e, lang).as_deref())),
        );
        // Too far behind (in its own scope, or in the project's log a narrow scope must
        // read through): a reload is cheaper.
        if frames.len() > settings.replay_limit || scanned > settings.replay_limit * 10 {
            return Ok(false);
        }
        if !full {
            break;
        }
    }
    for frame in frames {
        send(
            ws,
            Message::Text(Utf8Bytes::from(frame)),
            settings.send_timeout,
        )
        .await?;
    }
    Ok(true)
}
