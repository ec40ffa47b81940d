//! Everything that runs only on the server.

pub mod access;
pub mod agent_jwt;
pub mod api;
pub mod app_state;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod live;
pub mod media;
pub mod pages;
pub mod secret;
pub mod security;
pub mod store;
pub mod webhooks;

pub use app_state::AppState;
pub use error::AppError;
