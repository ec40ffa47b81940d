//! Fan-out bench of the live socket: many `/embed/{token}/ws` sockets, messages written
//! through the REST API at a fixed rate, and per-delivery latency, loss and duplicates.
//!
//! ```sh
//! cargo build --release --example fanout --features ssr
//! target/release/examples/fanout --base http://127.0.0.1:3292 --api-key KEY \
//!     --sockets 1000 --tokens 10 --rate 200 --duration 20
//! ```
//!
//! It creates `--tokens` WhatsApp inboxes, one conversation in each and one embed token
//! scoped to each inbox (`whatsapp_config`); opens `--sockets` sockets round-robin over the
//! tokens (in batches of `--connect-batch`, each waiting for its `ready`); then posts
//! incoming text messages at `--rate` per second for `--duration` seconds, round-robin over
//! the conversations. Each message's content carries its sequence number and its send time
//! (ns since one `Instant` of this process), so each socket measures receive − send.
//! When writing stops it waits until every socket has every message of its inbox (or
//! `--idle-timeout` seconds pass with no new delivery), closes the sockets and prints a
//! human summary and, last, one JSON line (`{"sockets":…}`) for bench/fanout.sh.
//!
//! A socket the server closes (too slow, restart, idle) reconnects with `?since=<last id>`,
//! as the embed does; reconnects and `refetch` frames are counted. `--server-pid` makes it
//! read the server's VmRSS/VmHWM from /proc at the moments the bench needs (Linux only).
//! `--source-ips K` spreads the sockets over source addresses 127.0.0.1..127.0.0.K (each
//! source address has its own ephemeral port range; needed past ~28,000 sockets).
//!
//! Two instances on one PostgreSQL database: `--base2 URL` (and `--server-pid2 PID`) makes
//! the sockets of odd rounds (socket i with `i / tokens` odd, so each inbox has half its
//! sockets on each instance) connect to the second instance, while every write still goes
//! through `--base`: deliveries to the second instance's sockets cross instances. The
//! summary and the JSON line's `instances` array then give deliveries, loss, duplicates
//! and latency per instance (same-instance and cross-instance), and each server's memory
//! and CPU; the top-level server figures are the sums over both.

#![recursion_limit = "256"]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The one clock of this process: send and receive times are nanoseconds since this.
static T0: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    T0.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// The marker that starts every bench message's content: `fanout|<seq>|<send ns>|`.
const MARK: &str = "fanout|";

#[derive(Debug, Clone)]
struct Args {
    base: String,
    /// A second instance of the same database: odd rounds of sockets connect to it.
    base2: Option<String>,
    api_key: String,
    sockets: usize,
    tokens: usize,
    rate: f64,
    duration: f64,
    connect_batch: usize,
    max_in_flight: usize,
    idle_timeout: f64,
    settle: f64,
    source_ips: u8,
    server_pid: Option<u32>,
    server_pid2: Option<u32>,
}

fn usage() -> ! {
    eprintln!(
        "usage: fanout --base http://127.0.0.1:PORT --api-key KEY [--sockets N] [--tokens M] \
         [--rate R] [--duration SECS] [--connect-batch 200] [--max-in-flight 64] \
         [--idle-timeout 10] [--settle 2] [--source-ips 1] [--server-pid PID] \
         [--base2 http://127.0.0.1:PORT2 [--server-pid2 PID2]]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        base: String::new(),
        base2: None,
        api_key: String::new(),
        sockets: 1000,
        tokens: 10,
        rate: 200.0,
        duration: 20.0,
        connect_batch: 200,
        max_in_flight: 64,
        idle_timeout: 10.0,
        settle: 2.0,
        source_ips: 1,
        server_pid: None,
        server_pid2: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            usage();
        }
        let Some(value) = it.next() else {
            eprintln!("fanout: {flag} needs a value");
            usage()
        };
        let bad = |what: &str| -> ! {
            eprintln!("fanout: {flag} {value}: {what}");
            usage()
        };
        let num = |v: &str| v.parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0);
        match flag.as_str() {
            "--base" => a.base = value.trim_end_matches('/').to_string(),
            "--api-key" => a.api_key = value.clone(),
            "--sockets" => a.sockets = value.parse().unwrap_or_else(|_| bad("a count")),
            "--tokens" => a.tokens = value.parse().unwrap_or_else(|_| bad("a count")),
            "--rate" => a.rate = num(&value).unwrap_or_else(|| bad("messages per second > 0")),
            "--duration" => a.duration = num(&value).unwrap_or_else(|| bad("seconds > 0")),
            "--connect-batch" => a.connect_batch = value.parse().unwrap_or_else(|_| bad("a count")),
            "--max-in-flight" => a.max_in_flight = value.parse().unwrap_or_else(|_| bad("a count")),
            "--idle-timeout" => a.idle_timeout = num(&value).unwrap_or_else(|| bad("seconds")),
            "--settle" => a.settle = value.parse().unwrap_or_else(|_| bad("seconds")),
            "--source-ips" => a.source_ips = value.parse().unwrap_or_else(|_| bad("1..=254")),
            "--server-pid" => a.server_pid = Some(value.parse().unwrap_or_else(|_| bad("a pid"))),
            "--base2" => a.base2 = Some(value.trim_end_matches('/').to_string()),
            "--server-pid2" => a.server_pid2 = Some(value.parse().unwrap_or_else(|_| bad("a pid"))),
            _ => {
                eprintln!("fanout: unknown flag {flag}");
                usage()
            }
        }
    }
    if a.base.is_empty() || a.api_key.is_empty() {
        eprintln!("fanout: --base and --api-key are required");
        usage()
    }
    if a.tokens == 0 || a.sockets == 0 || a.connect_batch == 0 || a.max_in_flight == 0 {
        eprintln!("fanout: --sockets, --tokens, --connect-batch, --max-in-flight must be > 0");
        usage()
    }
    if a.server_pid2.is_some() && a.base2.is_none() {
        eprintln!("fanout: --server-pid2 needs --base2");
        usage()
    }
    if a.source_ips == 0 || a.source_ips == 255 {
        eprintln!("fanout: --source-ips must be 1..=254");
        usage()
    }
    a
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn proc_mem(pid: Option<u32>) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// `VmRSS` and `VmHWM` of each server, in KiB.
fn servers_mem(pids: &[Option<u32>]) -> Vec<Option<(u64, u64)>> {
    pids.iter().map(|p| proc_mem(*p)).collect()
}

/// The sums over the servers (`None` unless every one was read).
fn sum_mem(m: &[Option<(u64, u64)>]) -> Option<(u64, u64)> {
    m.iter()
        .try_fold((0, 0), |(rss, hwm), x| x.map(|(r, h)| (rss + r, hwm + h)))
}

/// CPU seconds (user + system) a process has used, from /proc/PID/stat (USER_HZ = 100).
fn proc_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may hold spaces: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// CPU seconds the whole machine was busy (all but idle and iowait), from /proc/stat.
fn machine_busy() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = cpu
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy = f.iter().take(8).sum::<u64>() - f.get(3)? - f.get(4)?;
    Some(busy as f64 / 100.0)
}

/// Each server's, the client's and the machine's CPU seconds at one moment.
#[derive(Clone)]
struct Cpu {
    servers: Vec<f64>,
    client: f64,
    machine: f64,
}

fn cpu_now(server_pids: &[Option<u32>]) -> Option<Cpu> {
    Some(Cpu {
        servers: server_pids
            .iter()
            .map(|p| proc_cpu((*p)?))
            .collect::<Option<Vec<f64>>>()?,
        client: proc_cpu(std::process::id())?,
        machine: machine_busy()?,
    })
}

// ---------------------------------------------------------------------------------------
// REST setup

struct Rest {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Rest {
    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let res = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| format!("POST {path}: {e}"))?;
        if status.as_u16() != 201 {
            return Err(format!("POST {path}: {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("POST {path}: {e}: {text}"))
    }

    fn id(v: &Value) -> Result<String, String> {
        v["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no id in {v}"))
    }

    /// An inbox, a contact, a conversation and a token scoped to the inbox; returns the
    /// conversation id and the token.
    async fn world(&self, run: &str, k: usize) -> Result<(String, String), String> {
        let inbox = Self::id(
            &self
                .post(
                    "/inboxes",
                    json!({ "name": format!("Fanout {run} #{k}"), "channel_type": "whatsapp" }),
                )
                .await?,
        )?;
        let contact = Self::id(
            &self
                .post(
                    "/contacts",
                    json!({ "display_name": format!("Fanout contact {k}") }),
                )
                .await?,
        )?;
        let conversation = Self::id(
            &self
                .post(
                    "/conversations",
                    json!({ "inbox_id": inbox, "contact_id": contact }),
                )
                .await?,
        )?;
        let token = self
            .post(
                "/embed_tokens",
                json!({
                    "name": format!("fanout {run} #{k}"),
                    "scope": { "type": "whatsapp_config", "id": inbox },
                }),
            )
            .await?;
        let token = token["token"]
            .as_str()
            .ok_or_else(|| format!("no token in {token}"))?
            .to_string();
        Ok((conversation, token))
    }
}

// ---------------------------------------------------------------------------------------
// Sockets

type Ws = WebSocketStream<TcpStream>;

/// What one socket counted; small on purpose (no frames are kept).
#[derive(Debug, Default)]
struct SocketStats {
    /// The inbox (and token) index of this socket.
    inbox: usize,
    /// The server instance this socket connects to (0: `--base`, 1: `--base2`).
    instance: usize,
    connected: bool,
    /// Distinct message.created frames of this socket's inbox, by local index
    /// (`seq / tokens`), as a bitset.
    seen: Vec<u64>,
    /// Receive − send of each first delivery, in µs.
    latency_us: Vec<u32>,
    duplicates: u64,
    /// message.created frames of another inbox's conversation (a scope leak).
    foreign: u64,
    /// message.created frames whose content carries no bench marker.
    unmarked: u64,
    /// Event frames whose id was not above the previous one on the same socket.
    out_of_order: u64,
    conversation_updated: u64,
    other_events: u64,
    refetches: u64,
    reconnects: u64,
    /// Close codes (or 1006 for a dropped connection) seen before the bench stopped.
    closes: Vec<u16>,
    /// The reconnect that failed for good, if any.
    error: Option<String>,
}

/// Shared progress counters (the main task watches them; sockets only add).
struct Progress {
    ready: AtomicU64,
    /// Ready sockets by inbox index.
    ready_per_inbox: Vec<AtomicU64>,
    /// First deliveries of message.created to a socket of the right inbox.
    delivered: AtomicU64,
    duplicates: AtomicU64,
    reconnects: AtomicU64,
}

struct SocketCtx {
    /// Address and `host:port` of each instance; socket i connects to `instance(i)`.
    instances: Vec<(SocketAddr, String)>,
    tokens: usize,
    source_ips: u8,
    progress: Arc<Progress>,
}

impl SocketCtx {
    /// Rounds of sockets (one socket per token each) alternate over the instances, so
    /// every inbox has sockets on each.
    fn instance(&self, i: usize) -> usize {
        (i / self.tokens) % self.instances.len()
    }
}

fn ws_config() -> WebSocketConfig {
    // Small buffers: this process holds thousands of sockets that receive small frames.
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
}

/// Opens `/embed/{token}/ws[?since=]` from a source address chosen by the socket number.
async fn open(ctx: &SocketCtx, i: usize, token: &str, since: Option<i64>) -> Result<Ws, String> {
    let (addr, host) = &ctx.instances[ctx.instance(i)];
    let stream = if ctx.source_ips > 1 {
        let last = 1 + (i % ctx.source_ips as usize) as u8;
        let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
        socket
            .bind(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)),
                0,
            ))
            .map_err(|e| format!("bind 127.0.0.{last}: {e}"))?;
        socket.connect(*addr).await
    } else {
        TcpStream::connect(*addr).await
    }
    .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).ok();
    let query = since.map(|s| format!("?since={s}")).unwrap_or_default();
    let url = format!("ws://{host}/embed/{token}/ws{query}");
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config()))
        .await
        .map_err(|e| format!("upgrade: {e}"))?;
    Ok(ws)
}

/// What a text frame was, read without building a JSON tree (the hot path).
enum Frame<'a> {
    Event {
        id: i64,
        kind: &'a str,
        text: &'a str,
    },
    Ready(i64),
    Refetch,
    Other,
}

fn classify(text: &str) -> Frame<'_> {
    if let Some(rest) = text.strip_prefix("{\"id\":") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(id) = rest[..digits].parse::<i64>() {
            if let Some(kind) = rest[digits..].strip_prefix(",\"type\":\"") {
                let kind = &kind[..kind.find('"').unwrap_or(kind.len())];
                return Frame::Event { id, kind, text };
            }
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v["type"] == "ready" => Frame::Ready(v["last_id"].as_i64().unwrap_or(0)),
        Ok(v) if v["type"] == "refetch" => Frame::Refetch,
        _ => Frame::Other,
    }
}

/// `(seq, send ns)` from a message.created frame's content.
fn marker(text: &str) -> Option<(u64, u64)> {
    let at = text.find(MARK)? + MARK.len();
    let mut parts = text[at..].splitn(3, '|');
    let seq = parts.next()?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    Some((seq, sent))
}

impl SocketStats {
    /// Counts one frame; `last_id` follows the newest event id (to resume from).
    fn frame(&mut self, text: &str, tokens: usize, progress: &Progress, last_id: &mut i64) {
        match classify(text) {
            Frame::Event { id, kind, text } => {
                if id <= *last_id {
                    self.out_of_order += 1;
                }
                *last_id = (*last_id).max(id);
                match kind {
                    "message.created" => {
                        let at = now_ns();
                        let Some((seq, sent)) = marker(text) else {
                            self.unmarked += 1;
                            return;
                        };
                        if seq as usize % tokens != self.inbox {
                            self.foreign += 1;
                            return;
                        }
                        let local = seq as usize / tokens;
                        if local >= 1 << 26 {
                            self.unmarked += 1;
                            return;
                        }
                        let (word, bit) = (local / 64, 1u64 << (local % 64));
                        if word >= self.seen.len() {
                            self.seen.resize(word + 1, 0);
                        }
                        if self.seen[word] & bit != 0 {
                            self.duplicates += 1;
                            progress.duplicates.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        self.seen[word] |= bit;
                        let us = at.saturating_sub(sent) / 1000;
                        self.latency_us.push(us.min(u32::MAX as u64) as u32);
                        progress.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    "conversation.updated" => self.conversation_updated += 1,
                    _ => self.other_events += 1,
                }
            }
            Frame::Refetch => self.refetches += 1,
            Frame::Ready(_) | Frame::Other => {}
        }
    }
}

/// Reads frames up to `ready` (counting any replayed events); `last_id` becomes the id the
/// socket is live from.
async fn until_ready(
    ws: &mut Ws,
    stats: &mut SocketStats,
    ctx: &SocketCtx,
    last_id: &mut i64,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| "no ready within 60 s".to_string())?;
        match msg {
            Some(Ok(Message::Text(text))) => {
                if let Frame::Ready(id) = classify(&text) {
                    *last_id = (*last_id).max(id);
                    return Ok(());
                }
                stats.frame(&text, ctx.tokens, &ctx.progress, last_id);
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(format!(
                    "closed before ready: {:?}",
                    frame.map(|f| (u16::from(f.code), f.reason.to_string()))
                ))
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("before ready: {e}")),
            None => return Err("ended before ready".into()),
        }
    }
}

/// One socket for the whole bench: connect, report ready, count frames until told to stop;
/// a connection the server ends is reopened with `since`.
async fn socket_task(
    ctx: Arc<SocketCtx>,
    i: usize,
    token: Arc<str>,
    ready_tx: mpsc::UnboundedSender<Result<(), String>>,
    mut stop: watch::Receiver<bool>,
) -> SocketStats {
    let mut stats = SocketStats {
        inbox: i % ctx.tokens,
        instance: ctx.instance(i),
        ..Default::default()
    };
    let mut last_id: i64 = 0;
    // The first connection: three tries.
    let mut ws = None;
    let mut err = String::new();
    for attempt in 0..3 {
        match open(&ctx, i, &token, None).await {
            Ok(mut s) => match until_ready(&mut s, &mut stats, &ctx, &mut last_id).await {
                Ok(()) => {
                    ws = Some(s);
                    break;
                }
                Err(e) => err = e,
            },
            Err(e) => err = e,
        }
        tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
    }
    let Some(mut ws) = ws else {
        stats.error = Some(err.clone());
        let _ = ready_tx.send(Err(err));
        return stats;
    };
    stats.connected = true;
    ctx.progress.ready.fetch_add(1, Ordering::Relaxed);
    ctx.progress.ready_per_inbox[stats.inbox].fetch_add(1, Ordering::Relaxed);
    let _ = ready_tx.send(Ok(()));
    drop(ready_tx);

    loop {
        let ended = tokio::select! {
            biased;
            _ = stop.changed() => break,
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    stats.frame(&text, ctx.tokens, &ctx.progress, &mut last_id);
                    None
                }
                Some(Ok(Message::Close(frame))) => Some(frame.map_or(1005, |f| u16::from(f.code))),
                Some(Ok(_)) => None,
                Some(Err(_)) | None => Some(1006),
            },
        };
        if let Some(code) = ended {
            stats.closes.push(code);
            // Resume as the embed does, from the last event id this socket saw.
            let mut reopened = None;
            for attempt in 0..5u64 {
                if *stop.borrow() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
                match open(&ctx, i, &token, Some(last_id)).await {
                    Ok(mut s) => match until_ready(&mut s, &mut stats, &ctx, &mut last_id).await {
                        Ok(()) => {
                            reopened = Some(s);
                            break;
                        }
                        Err(e) => stats.error = Some(e),
                    },
                    Err(e) => stats.error = Some(e),
                }
            }
            match reopened {
                Some(s) => {
                    ws = s;
                    stats.error = None;
                    stats.reconnects += 1;
                    ctx.progress.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                None => return stats,
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
    stats
}

// ---------------------------------------------------------------------------------------
// Writer

/// Outcome of each message write, by sequence number.
const PENDING: u8 = 0;
const WRITTEN: u8 = 1;
const FAILED: u8 = 2;

struct WriteResult {
    status: Vec<AtomicU8>,
    /// API answer times of the successful writes, in µs.
    api_us: std::sync::Mutex<Vec<u32>>,
    first_error: std::sync::Mutex<Option<String>>,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

async fn run(args: Args) -> Result<(), String> {
    now_ns();
    // The instances the sockets connect to; the API writes all go to the first.
    let mut instances: Vec<(SocketAddr, String)> = Vec::new();
    for (flag, base) in [
        ("--base", Some(&args.base)),
        ("--base2", args.base2.as_ref()),
    ] {
        let Some(base) = base else { continue };
        let host = base
            .strip_prefix("http://")
            .ok_or_else(|| format!("{flag} must be http://host:port"))?
            .to_string();
        let addr: SocketAddr = tokio::net::lookup_host(&host)
            .await
            .map_err(|e| format!("resolve {host}: {e}"))?
            .find(SocketAddr::is_ipv4)
            .ok_or_else(|| format!("{host} has no IPv4 address"))?;
        instances.push((addr, host));
    }
    let n_instances = instances.len();
    if n_instances > 1 && args.sockets < n_instances * args.tokens {
        eprintln!(
            "fanout: warning: with {} sockets over {} tokens some inboxes have no socket on \
             every instance",
            args.sockets, args.tokens
        );
    }
    let server_pids: Vec<Option<u32>> = [args.server_pid, args.server_pid2][..n_instances].to_vec();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.max_in_flight)
        .build()
        .map_err(|e| e.to_string())?;
    let rest = Arc::new(Rest {
        http,
        base: args.base.clone(),
        key: args.api_key.clone(),
    });
    let mem_start = servers_mem(&server_pids);

    // 1. The inboxes, conversations and tokens (8 at a time).
    let t = Instant::now();
    let run_name = format!("{}", std::process::id());
    let mut worlds: Vec<Option<(String, String)>> = vec![None; args.tokens];
    let mut set = tokio::task::JoinSet::new();
    for k in 0..args.tokens {
        if set.len() >= 8 {
            let (k, w) = set.join_next().await.unwrap().map_err(|e| e.to_string())?;
            worlds[k] = Some(w?);
        }
        let (rest, run_name) = (rest.clone(), run_name.clone());
        set.spawn(async move { (k, rest.world(&run_name, k).await) });
    }
    while let Some(done) = set.join_next().await {
        let (k, w) = done.map_err(|e| e.to_string())?;
        worlds[k] = Some(w?);
    }
    let (conversations, tokens): (Vec<String>, Vec<Arc<str>>) = worlds
        .into_iter()
        .map(|w| {
            let (c, t) = w.expect("every world");
            (c, Arc::from(t))
        })
        .unzip();
    eprintln!(
        "fanout: {} inboxes, conversations and tokens in {:.1} s",
        args.tokens,
        t.elapsed().as_secs_f64()
    );
    let mem_before = servers_mem(&server_pids);

    // 2. The sockets, `connect_batch` at a time, each waiting for its `ready`.
    let progress = Arc::new(Progress {
        ready: AtomicU64::new(0),
        ready_per_inbox: (0..args.tokens).map(|_| AtomicU64::new(0)).collect(),
        delivered: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
        reconnects: AtomicU64::new(0),
    });
    let ctx = Arc::new(SocketCtx {
        instances: instances.clone(),
        tokens: args.tokens,
        source_ips: args.source_ips,
        progress: progress.clone(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut handles = Vec::with_capacity(args.sockets);
    let mut connect_failures = 0usize;
    let mut first_connect_error: Option<String> = None;
    let t_connect = Instant::now();
    let mut i = 0;
    while i < args.sockets {
        let batch = args.connect_batch.min(args.sockets - i);
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
        for j in i..i + batch {
            handles.push(tokio::spawn(socket_task(
                ctx.clone(),
                j,
                tokens[j % args.tokens].clone(),
                ready_tx.clone(),
                stop_rx.clone(),
            )));
        }
        drop(ready_tx);
        while let Some(r) = ready_rx.recv().await {
            if let Err(e) = r {
                connect_failures += 1;
                first_connect_error.get_or_insert(e);
            }
        }
        i += batch;
        if i % 1000 == 0 || i == args.sockets {
            eprintln!(
                "fanout: {i}/{} sockets ready after {:.1} s",
                args.sockets,
                t_connect.elapsed().as_secs_f64()
            );
        }
    }
    let connect_s = t_connect.elapsed().as_secs_f64();
    if let Some(e) = &first_connect_error {
        eprintln!("fanout: {connect_failures} sockets failed to connect; first: {e}");
    }
    tokio::time::sleep(Duration::from_secs_f64(args.settle)).await;
    let mem_open = servers_mem(&server_pids);
    let cpu_open = cpu_now(&server_pids);

    // 3. Writes at `rate`, round-robin over the conversations, at most `max_in_flight`
    //    unanswered at once (a slower API lowers the achieved rate, which is reported).
    let total = (args.rate * args.duration).round().max(1.0) as usize;
    let results = Arc::new(WriteResult {
        status: (0..total).map(|_| AtomicU8::new(PENDING)).collect(),
        api_us: std::sync::Mutex::new(Vec::with_capacity(total)),
        first_error: std::sync::Mutex::new(None),
    });
    let conversations: Arc<Vec<String>> = Arc::new(conversations);
    let in_flight = Arc::new(Semaphore::new(args.max_in_flight));
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let t_write = tokio::time::Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    let mut behind_max = Duration::ZERO;
    for seq in 0..total {
        let due = t_write + interval.mul_f64(seq as f64);
        tokio::time::sleep_until(due).await;
        let permit = in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("open semaphore");
        behind_max = behind_max.max(tokio::time::Instant::now().saturating_duration_since(due));
        let (rest, results, conversations) = (rest.clone(), results.clone(), conversations.clone());
        let k = seq % args.tokens;
        writers.spawn(async move {
            let sent = now_ns();
            let content = format!("{MARK}{seq}|{sent}|");
            let path = format!("/conversations/{}/messages", conversations[k]);
            let outcome = rest
                .post(
                    &path,
                    json!({ "direction": "incoming", "kind": "text", "content": content }),
                )
                .await;
            let took = (now_ns() - sent) / 1000;
            match outcome {
                Ok(_) => {
                    results.status[seq].store(WRITTEN, Ordering::Relaxed);
                    results
                        .api_us
                        .lock()
                        .unwrap()
                        .push(took.min(u32::MAX as u64) as u32);
                }
                Err(e) => {
                    results.status[seq].store(FAILED, Ordering::Relaxed);
                    results.first_error.lock().unwrap().get_or_insert(e);
                }
            }
            drop(permit);
        });
        // Reap finished writers now and then so the set stays small.
        while writers.try_join_next().is_some() {}
    }
    while writers.join_next().await.is_some() {}
    let write_s = t_write.elapsed().as_secs_f64();
    let status: Vec<u8> = results
        .status
        .iter()
        .map(|s| s.load(Ordering::Relaxed))
        .collect();
    let written = status.iter().filter(|&&s| s == WRITTEN).count();
    let failed = total - written;

    // 4. Expected deliveries: each written message to every connected socket of its inbox.
    let mut written_per_inbox = vec![0u64; args.tokens];
    for (seq, s) in status.iter().enumerate() {
        if *s == WRITTEN {
            written_per_inbox[seq % args.tokens] += 1;
        }
    }
    let expected_now: u64 = (0..args.tokens)
        .map(|k| progress.ready_per_inbox[k].load(Ordering::Relaxed) * written_per_inbox[k])
        .sum();
    let t_drain = Instant::now();
    let mut last = progress.delivered.load(Ordering::Relaxed);
    let mut last_change = Instant::now();
    loop {
        let now = progress.delivered.load(Ordering::Relaxed);
        if now >= expected_now {
            break;
        }
        if now != last {
            last = now;
            last_change = Instant::now();
        } else if last_change.elapsed().as_secs_f64() >= args.idle_timeout {
            eprintln!(
                "fanout: no new delivery for {} s; stopping at {now} of {expected_now}",
                args.idle_timeout
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain_s = t_drain.elapsed().as_secs_f64();
    let mem_after = servers_mem(&server_pids);
    // CPU seconds from the last `ready` (+ settle) to the last delivery; "other" is what
    // the rest of the machine used meanwhile (another build skews every figure).
    let cpu_end = cpu_now(&server_pids);
    let cpu_servers: Option<Vec<f64>> = cpu_open.as_ref().zip(cpu_end.as_ref()).map(|(a, b)| {
        a.servers
            .iter()
            .zip(&b.servers)
            .map(|(x, y)| y - x)
            .collect()
    });
    let cpu = cpu_open.zip(cpu_end).map(|(a, b)| {
        let server: f64 = b.servers.iter().sum::<f64>() - a.servers.iter().sum::<f64>();
        let client = b.client - a.client;
        (
            server,
            client,
            (b.machine - a.machine - server - client).max(0.0),
        )
    });

    // 5. Stop the sockets and merge what they counted.
    let _ = stop_tx.send(true);
    let mut stats = Vec::with_capacity(handles.len());
    for h in handles {
        stats.push(h.await.map_err(|e| e.to_string())?);
    }
    let mut expected = 0u64;
    let mut received = 0u64;
    let mut unexpected = 0u64;
    let mut missing_sockets = 0u64;
    let mut sum = SocketStats::default();
    let mut latencies: Vec<u32> = Vec::new();
    let mut close_codes: std::collections::BTreeMap<u16, u64> = Default::default();
    let mut socket_errors = 0u64;
    let mut updated_expected = 0u64;
    // The same by instance: sockets of instance 0 hear their own instance's writes, those
    // of instance 1 hear them across instances.
    #[derive(Default)]
    struct ByInstance {
        sockets: u64,
        connected: u64,
        expected: u64,
        received: u64,
        duplicates: u64,
        latencies: Vec<u32>,
    }
    let mut by_instance: Vec<ByInstance> = (0..n_instances).map(|_| Default::default()).collect();
    for s in &stats {
        let group = &mut by_instance[s.instance];
        group.sockets += 1;
        if !s.connected {
            continue;
        }
        let mut got = 0u64;
        for (word, bits) in s.seen.iter().enumerate() {
            let mut b = *bits;
            while b != 0 {
                let local = word * 64 + b.trailing_zeros() as usize;
                b &= b - 1;
                let seq = local * args.tokens + s.inbox;
                if status.get(seq) == Some(&WRITTEN) {
                    got += 1;
                } else {
                    unexpected += 1;
                }
            }
        }
        let want = written_per_inbox[s.inbox];
        expected += want;
        updated_expected += want;
        received += got;
        if got < want {
            missing_sockets += 1;
        }
        group.connected += 1;
        group.expected += want;
        group.received += got;
        group.duplicates += s.duplicates;
        if n_instances > 1 {
            group.latencies.extend_from_slice(&s.latency_us);
        }
        sum.duplicates += s.duplicates;
        sum.foreign += s.foreign;
        sum.unmarked += s.unmarked;
        sum.out_of_order += s.out_of_order;
        sum.conversation_updated += s.conversation_updated;
        sum.other_events += s.other_events;
        sum.refetches += s.refetches;
        sum.reconnects += s.reconnects;
        socket_errors += s.error.is_some() as u64;
        for c in &s.closes {
            *close_codes.entry(*c).or_default() += 1;
        }
        latencies.extend_from_slice(&s.latency_us);
    }
    let connected = stats.iter().filter(|s| s.connected).count();
    latencies.sort_unstable();
    let ms = |us: f64| round(us / 1000.0, 2);
    let (p50, p90, p99, max) = (
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or(0) as f64),
    );
    let mut api = results.api_us.lock().unwrap().clone();
    api.sort_unstable();
    let lost = expected.saturating_sub(received);
    let write_rate = round(written as f64 / write_s, 1);
    let mem_end = servers_mem(&server_pids);
    let kib = |m: Option<(u64, u64)>, hwm: bool| -> Value {
        m.map_or(Value::Null, |(rss, peak)| {
            json!(if hwm { peak } else { rss })
        })
    };
    // With one instance its latencies are all of them (not copied above).
    if n_instances == 1 {
        by_instance[0].latencies = latencies.clone();
    }
    let instances_report: Vec<Value> = by_instance
        .iter_mut()
        .enumerate()
        .map(|(k, g)| {
            g.latencies.sort_unstable();
            let l = &g.latencies;
            json!({
                "instance": k + 1,
                "base": if k == 0 { &args.base } else { args.base2.as_ref().unwrap_or(&args.base) },
                "writes": k == 0,
                "sockets": g.sockets,
                "connected": g.connected,
                "expected": g.expected,
                "received": g.received,
                "lost": g.expected.saturating_sub(g.received),
                "duplicates": g.duplicates,
                "latency_p50_ms": ms(percentile(l, 50.0)),
                "latency_p90_ms": ms(percentile(l, 90.0)),
                "latency_p99_ms": ms(percentile(l, 99.0)),
                "latency_max_ms": ms(l.last().copied().unwrap_or(0) as f64),
                "server_pid": server_pids[k],
                "server_rss_start_kib": kib(mem_start[k], false),
                "server_rss_before_kib": kib(mem_before[k], false),
                "server_rss_open_kib": kib(mem_open[k], false),
                "server_rss_after_kib": kib(mem_after[k], false),
                "server_hwm_kib": kib(mem_end[k], true),
                "cpu_server_s": cpu_servers.as_ref().map(|c| round(c[k], 2)),
            })
        })
        .collect();

    let report = json!({
        "sockets": args.sockets,
        "connected": connected,
        "connect_failures": connect_failures,
        "tokens": args.tokens,
        "rate": args.rate,
        "duration_s": args.duration,
        "sent": written,
        "send_failed": failed,
        "expected": expected,
        "received": received,
        "lost": lost,
        "duplicates": sum.duplicates,
        "foreign": sum.foreign,
        "unexpected": unexpected,
        "out_of_order": sum.out_of_order,
        "sockets_missing_events": missing_sockets,
        "conversation_updated_expected": updated_expected,
        "conversation_updated_received": sum.conversation_updated,
        "reconnects": sum.reconnects,
        "refetches": sum.refetches,
        "socket_errors": socket_errors,
        "early_closes": close_codes.iter().map(|(c, n)| json!({"code": c, "count": n})).collect::<Vec<_>>(),
        "latency_p50_ms": p50,
        "latency_p90_ms": p90,
        "latency_p99_ms": p99,
        "latency_max_ms": max,
        "api_p50_ms": ms(percentile(&api, 50.0)),
        "api_p99_ms": ms(percentile(&api, 99.0)),
        "api_max_ms": ms(api.last().copied().unwrap_or(0) as f64),
        "connect_s": round(connect_s, 2),
        "write_s": round(write_s, 2),
        "write_rate": write_rate,
        "writer_behind_max_ms": round(behind_max.as_secs_f64() * 1000.0, 1),
        "drain_s": round(drain_s, 2),
        "server_rss_start_kib": kib(sum_mem(&mem_start), false),
        "server_rss_before_kib": kib(sum_mem(&mem_before), false),
        "server_rss_open_kib": kib(sum_mem(&mem_open), false),
        "server_rss_after_kib": kib(sum_mem(&mem_after), false),
        "server_hwm_kib": kib(sum_mem(&mem_end), true),
        "cpu_server_s": cpu.map(|c| round(c.0, 2)),
        "cpu_client_s": cpu.map(|c| round(c.1, 2)),
        "cpu_other_s": cpu.map(|c| round(c.2, 2)),
        "client_hwm_kib": kib(proc_mem(Some(std::process::id())), true),
        "first_connect_error": first_connect_error,
        "first_write_error": results.first_error.lock().unwrap().clone(),
        "instances": instances_report,
    });

    println!(
        "fanout: {connected}/{} sockets over {} tokens, connected in {connect_s:.2} s{}",
        args.sockets,
        args.tokens,
        if connect_failures > 0 {
            format!(" ({connect_failures} failed)")
        } else {
            String::new()
        }
    );
    println!(
        "fanout: {written} messages written in {write_s:.2} s ({write_rate}/s of {} asked; \
         {failed} failed; API p50 {} ms, p99 {} ms)",
        args.rate,
        ms(percentile(&api, 50.0)),
        ms(percentile(&api, 99.0)),
    );
    println!(
        "fanout: deliveries {received}/{expected} (lost {lost}, duplicates {}, other inbox {}, \
         out of order {}), conversation.updated {}/{updated_expected}; drained in {drain_s:.2} s",
        sum.duplicates, sum.foreign, sum.out_of_order, sum.conversation_updated
    );
    println!(
        "fanout: latency p50 {p50} ms, p90 {p90} ms, p99 {p99} ms, max {max} ms; \
         reconnects {}, refetches {}, closes {:?}",
        sum.reconnects, sum.refetches, close_codes
    );
    if n_instances > 1 {
        for (k, g) in by_instance.iter().enumerate() {
            let l = &g.latencies;
            println!(
                "fanout: instance {} ({}, {}): {}/{} sockets, deliveries {}/{} (lost {}, \
                 duplicates {}), latency p50 {} ms, p99 {} ms, max {} ms",
                k + 1,
                instances[k].1,
                if k == 0 {
                    "writes, same-instance"
                } else {
                    "cross-instance"
                },
                g.connected,
                g.sockets,
                g.received,
                g.expected,
                g.expected.saturating_sub(g.received),
                g.duplicates,
                ms(percentile(l, 50.0)),
                ms(percentile(l, 99.0)),
                ms(l.last().copied().unwrap_or(0) as f64),
            );
        }
    }
    if let Some((server, client, other)) = cpu {
        println!(
            "fanout: CPU during writes and drain: server {server:.2} s, client {client:.2} s, \
             rest of the machine {other:.2} s (of {:.1} s × {} cores)",
            write_s + drain_s,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }
    println!("{report}");
    Ok(())
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("fanout: {e}");
        std::process::exit(1);
    }
}
