//! Settings from `Leptos.toml` and the environment.

use std::num::NonZeroU32;
use std::time::Duration;

use leptos::config::LeptosOptions;

use crate::server::live::LiveSettings;
use crate::server::webhooks::WebhookSettings;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/inbox.db";
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: NonZeroU32 = NonZeroU32::new(20).expect("above 0");

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: where conversations live: `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// `DATABASE_POOL_SIZE` (default 10): connections each server keeps to PostgreSQL.
    pub database_pool_size: u32,
    /// `PUBLIC_URL`: how the outside world reaches this server, for the URLs it prints.
    /// Defaults to `http://<site address>`.
    pub public_url: Option<String>,
    /// `TRUST_PROXY_HEADERS=true`: take the client address from `X-Forwarded-For` (set it
    /// only behind a proxy that writes that header).
    pub trust_proxy: bool,
    /// `AUTH_FAILURES_PER_MINUTE` (default 20): failed token or API-key checks allowed per
    /// client address before it gets 429.
    pub auth_failures_per_minute: NonZeroU32,
    /// `WEBHOOK_TIMEOUT_SECS` (10) and `WEBHOOK_RETRY_HOURS` (25): how long a receiver may
    /// take, and how long a delivery is retried.
    pub webhooks: WebhookSettings,
    /// `MEDIA_DIR` (default `data/media`): where uploaded files are kept.
    pub media_dir: std::path::PathBuf,
    /// `EVENT_RETENTION_DAYS` (7): how long the live event log keeps events for sockets
    /// that reconnect.
    pub live: LiveSettings,
    /// `JWT_MAX_LIFETIME_SECS` (default 86400): the longest `exp - iat` an agent JWT may
    /// claim.
    pub jwt_max_lifetime: Duration,
    pub leptos: LeptosOptions,
}

impl Config {
    /// Reads `LEPTOS_CONFIG` (default `Leptos.toml`, found from the working directory) with
    /// `LEPTOS_*` overrides, then `DATABASE_URL` and `PUBLIC_URL`.
    pub fn from_env() -> Result<Self, String> {
        let path = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".to_string());
        let conf = leptos::config::get_configuration(Some(&path)).map_err(|e| {
            format!("cannot read {path} (run from the repository root or set LEPTOS_CONFIG): {e}")
        })?;
        Ok(Self {
            database_url: non_empty_env("DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            database_pool_size: match non_empty_env("DATABASE_POOL_SIZE") {
                None => crate::server::store::DEFAULT_PG_POOL_SIZE,
                Some(n) => n
                    .parse()
                    .ok()
                    .filter(|n| (2..=1000).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "DATABASE_POOL_SIZE must be a whole number from 2 to 1000, not {n:?}"
                        )
                    })?,
            },
            public_url: non_empty_env("PUBLIC_URL"),
            trust_proxy: match non_empty_env("TRUST_PROXY_HEADERS").as_deref() {
                None | Some("false" | "0") => false,
                Some("true" | "1") => true,
                Some(other) => {
                    return Err(format!(
                        "TRUST_PROXY_HEADERS must be true or false, not {other:?}"
                    ))
                }
            },
            auth_failures_per_minute: match non_empty_env("AUTH_FAILURES_PER_MINUTE") {
                None => DEFAULT_AUTH_FAILURES_PER_MINUTE,
                Some(n) => n.parse().map_err(|_| {
                    format!("AUTH_FAILURES_PER_MINUTE must be a whole number above 0, not {n:?}")
                })?,
            },
            webhooks: webhook_settings()?,
            media_dir: non_empty_env("MEDIA_DIR")
                .unwrap_or_else(|| "data/media".to_string())
                .into(),
            live: live_settings()?,
            jwt_max_lifetime: match non_empty_env("JWT_MAX_LIFETIME_SECS") {
                None => crate::server::agent_jwt::DEFAULT_MAX_LIFETIME,
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (60..=30 * 86_400).contains(s))
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        format!("JWT_MAX_LIFETIME_SECS must be a whole number of seconds from 60 to 2592000, not {v:?}")
                    })?,
            },
            leptos: conf.leptos_options,
        })
    }
}

fn webhook_settings() -> Result<WebhookSettings, String> {
    let mut settings = WebhookSettings::default();
    let number = |name: &str| -> Result<Option<u64>, String> {
        non_empty_env(name)
            .map(|v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{name} must be a whole number above 0, not {v:?}"))
            })
            .transpose()
    };
    if let Some(secs) = number("WEBHOOK_TIMEOUT_SECS")? {
        settings.timeout = Duration::from_secs(secs);
    }
    if let Some(hours) = number("WEBHOOK_RETRY_HOURS")? {
        settings.retry_window = Duration::from_secs(hours * 3600);
    }
    Ok(settings)
}

fn live_settings() -> Result<LiveSettings, String> {
    let mut settings = LiveSettings::default();
    if let Some(v) = non_empty_env("EVENT_RETENTION_DAYS") {
        let days = v
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d > 0.0 && *d <= 3650.0)
            .ok_or_else(|| {
                format!("EVENT_RETENTION_DAYS must be a number of days above 0, not {v:?}")
            })?;
        settings.retention = Duration::from_secs_f64(days * 86_400.0);
    }
    Ok(settings)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
