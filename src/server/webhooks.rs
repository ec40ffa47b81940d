//! Sends the outbox to the inboxes' webhooks (§6): each delivery signed with the inbox's
//! `webhook_secret`, retried with exponential backoff and jitter through the retry window,
//! and marked delivered only after a 2xx. At least once: a receiver deduplicates by
//! `X-Inbox-Delivery` (also the payload's `delivery_id`).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use tokio::sync::Notify;

use crate::server::store::{now, DueDelivery, Store};

/// How deliveries are timed.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long a receiver may take to answer.
    pub timeout: Duration,
    /// The wait after the first failure; it doubles with each further one, up to `max_retry`.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// How long a delivery keeps being tried before it is given up.
    pub retry_window: Duration,
    /// How often the worker looks for due deliveries when nothing wakes it.
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(10),
            max_retry: Duration::from_secs(3600),
            retry_window: Duration::from_secs(25 * 3600),
            poll: Duration::from_secs(1),
        }
    }
}

/// `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed by the inbox's webhook secret.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The wait before attempt `attempts + 1`: doubling from `first_retry`, capped, with
/// jitter (between half and all of it) so receivers that come back are not stampeded.
fn backoff(settings: &WebhookSettings, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = settings
        .first_retry
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(settings.max_retry);
    full.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// Runs the worker until the process ends. `wake` is notified when a delivery is queued.
pub fn spawn(store: Store, settings: WebhookSettings) -> tokio::task::JoinHandle<()> {
    let wake = store.outbox_wake();
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("inbox-embed/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        // A claim outlives the slowest attempt, so no second worker takes it meanwhile.
        let lease_ms =
            i64::try_from((settings.timeout * 2).as_millis()).unwrap_or(i64::MAX) + 5_000;
        loop {
            let due = match store.claim_due_deliveries(16, lease_ms).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::error!(error = ?e, "cannot read the webhook outbox");
                    Vec::new()
                }
            };
            if due.is_empty() {
                wait(&wake, settings.poll).await;
                continue;
            }
            let mut sends = tokio::task::JoinSet::new();
            for d in due {
                let (store, client, settings) = (store.clone(), client.clone(), settings.clone());
                sends.spawn(async move { deliver(&store, &client, &settings, d).await });
            }
            while sends.join_next().await.is_some() {}
        }
    })
}

async fn wait(wake: &Arc<Notify>, poll: Duration) {
    tokio::select! {
        _ = wake.notified() => {}
        _ = tokio::time::sleep(poll) => {}
    }
}

async fn deliver(
    store: &Store,
    client: &reqwest::Client,
    settings: &WebhookSettings,
    d: DueDelivery,
) {
    let outcome = match &d.url {
        None => Err((None, "the inbox has no webhook_url".to_string())),
        Some(url) => {
            let timestamp = now().timestamp();
            let sent = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-inbox-event", &d.event)
                .header("x-inbox-delivery", d.id.to_string())
                .header("x-inbox-timestamp", timestamp.to_string())
                .header(
                    "x-inbox-signature",
                    signature(&d.secret, timestamp, &d.body),
                )
                .body(d.body.clone())
                .send()
                .await;
            match sent {
                Ok(res) if res.status().is_success() => Ok(res.status().as_u16()),
                Ok(res) => Err((
                    Some(res.status().as_u16()),
                    format!("the receiver answered {}", res.status()),
                )),
                Err(e) if e.is_timeout() => {
                    Err((None, format!("no answer within {:?}", settings.timeout)))
                }
                Err(e) if e.is_connect() => {
                    Err((None, "could not connect to the receiver".to_string()))
                }
                // Without the URL: it may hold credentials, and this text is shown and logged.
                Err(e) => Err((None, format!("the request failed: {}", e.without_url()))),
            }
        }
    };
    let recorded = match outcome {
        Ok(status) => store.delivery_succeeded(d.id, status).await,
        Err((status, error)) => {
            let attempts = d.attempts + 1;
            let age = (now() - d.created_at).to_std().unwrap_or_default();
            let retry_at = (age < settings.retry_window).then(|| {
                now() + chrono::Duration::from_std(backoff(settings, attempts)).unwrap_or_default()
            });
            if retry_at.is_none() {
                tracing::warn!(delivery = d.id, attempts, %error, "webhook given up");
            }
            store.delivery_failed(d.id, status, &error, retry_at).await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the delivery is tried again: at least once still holds.
        tracing::error!(delivery = d.id, error = ?e, "cannot record a webhook attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_and_body() {
        // HMAC-SHA256("key", "1700000000.{}"), computed with openssl:
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature("key", 1_700_000_000, "{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        let s = WebhookSettings::default();
        for (attempts, full) in [(1, 10), (2, 20), (3, 40), (10, 3600), (40, 3600)] {
            for _ in 0..50 {
                let d = backoff(&s, attempts).as_secs_f64();
                assert!(
                    d >= full as f64 * 0.5 - 1e-9 && d <= full as f64 + 1e-9,
                    "{attempts}: {d}"
                );
            }
        }
    }
}
