use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use std::sync::Arc;

use crate::server::live::Hub;
use crate::server::media::MediaStore;
use crate::server::security::Guard;
use crate::server::store::Store;

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub leptos: LeptosOptions,
    /// Base URL without a trailing slash, for the URLs the API returns.
    pub public_url: String,
    /// The origin gate and the failed-credential limits.
    pub guard: Arc<Guard>,
    /// Where uploaded files are kept.
    pub media: MediaStore,
    /// The live event bus and its open sockets.
    pub live: Arc<Hub>,
    /// The longest lifetime (`exp - iat`) an agent JWT may claim.
    pub jwt_max_lifetime: std::time::Duration,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// Resolves a presented embed token or agent JWT.
    pub async fn resolve(
        &self,
        presented: &str,
    ) -> Result<crate::server::access::Resolution, crate::server::AppError> {
        crate::server::access::resolve(&self.store, presented, self.jwt_max_lifetime).await
    }

    pub fn embed_url(&self, token: &str) -> String {
        format!("{}/embed/{token}", self.public_url)
    }
}
