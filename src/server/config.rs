//! Settings from `Leptos.toml` and the environment.

use leptos::config::LeptosOptions;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/inbox.db";

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: where conversations live.
    pub database_url: String,
    /// `PUBLIC_URL`: how the outside world reaches this server, for the URLs it prints.
    /// Defaults to `http://<site address>`.
    pub public_url: Option<String>,
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
            public_url: non_empty_env("PUBLIC_URL"),
            leptos: conf.leptos_options,
        })
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
