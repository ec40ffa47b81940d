//! The command line: serve (default), `project create`, `demo`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "inbox-embed",
    version,
    about = "A self-hosted support inbox that other products embed"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the inbox (the default).
    Serve,
    /// Manage projects.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Seed a demo project and print an embed URL and its API key.
    Demo {
        /// Seed this many generated conversations instead of the curated set (for benchmarks).
        #[arg(long)]
        conversations: Option<usize>,
        /// If a demo project exists, seed nothing and print a fresh embed URL for it.
        #[arg(long)]
        if_empty: bool,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign an agent JWT with a project's jwt_secret (for testing a host integration);
    /// prints the JWT, or with --url the embed URL that opens it.
    Jwt {
        /// The project's id.
        #[arg(long)]
        project: uuid::Uuid,
        /// The agent's id in the host system.
        #[arg(long)]
        agent_id: String,
        /// The agent's name, shown on what they send.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// `project`, `whatsapp_config:<inbox id>` or `customer:<customer id>`.
        #[arg(long, default_value = "project")]
        scope: String,
        /// Seconds until it expires.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// The `iss` claim.
        #[arg(long, default_value = "inbox-embed-cli")]
        issuer: String,
        /// The UI language (`en`, `es`).
        #[arg(long)]
        language: Option<String>,
        /// Print the embed URL instead of the JWT.
        #[arg(long)]
        url: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project; prints {"id", "api_key", "jwt_secret"} as JSON.
    Create {
        #[arg(long)]
        name: String,
    },
}
