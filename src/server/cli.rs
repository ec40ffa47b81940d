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
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project; prints {"id", "api_key", "jwt_secret"} as JSON.
    Create {
        #[arg(long)]
        name: String,
    },
}
