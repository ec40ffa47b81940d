use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use std::sync::Arc;

use crate::server::access::{AccessCache, Resolution};
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
    /// What credentials and scopes resolved to, across requests.
    pub access_cache: Arc<AccessCache>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// Resolves a presented embed token or agent JWT, from what an earlier request
    /// resolved while nothing it depends on has changed (`AccessCache`).
    pub async fn resolve(&self, presented: &str) -> Result<Resolution, crate::server::AppError> {
        let key = AccessCache::key(presented);
        // Read before the lookup: a change committed meanwhile makes what it finds stale.
        let epoch = self.store.access_epoch();
        if let Some(access) = self.access_cache.credential(&key, epoch) {
            return Ok(Ok(access));
        }
        let resolution =
            crate::server::access::resolve(&self.store, presented, self.jwt_max_lifetime).await?;
        if let Ok(access) = &resolution {
            self.access_cache.keep_credential(key, epoch, access);
        }
        Ok(resolution)
    }

    pub fn embed_url(&self, token: &str) -> String {
        format!("{}/embed/{token}", self.public_url)
    }
}
