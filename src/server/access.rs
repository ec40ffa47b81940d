//! Who is asking, and what they may see: an embed token resolved to its scope.

use std::sync::{Arc, Mutex};

use crate::model::{Scope, Theme};
use crate::server::store::{EmbedToken, Store, TokenRejection};
use crate::server::AppError;

/// The rights a token grants for one request.
#[derive(Debug, Clone)]
pub struct Access {
    pub scope: Scope,
    pub token: EmbedToken,
}

impl Access {
    pub fn theme(&self) -> Theme {
        self.token.theme
    }
}

/// A presented token, resolved: its access, or why it opens nothing.
pub type Resolution = Result<Access, TokenRejection>;

/// The token resolved once per HTTP request. The security layer resolves the token in an
/// `/embed/{token}` path and leaves it in the request's extensions; the page's server
/// functions then read it from there instead of looking the token up again.
#[derive(Clone, Default)]
pub struct RequestAccess(Arc<Mutex<Option<(String, Resolution)>>>);

impl RequestAccess {
    pub fn get(&self, token: &str) -> Option<Resolution> {
        let cached = self.0.lock().expect("not poisoned");
        cached
            .as_ref()
            .filter(|(t, _)| t == token)
            .map(|(_, r)| r.clone())
    }

    /// Whether it holds a token that works (and whose origin gate the request passed).
    pub fn admitted(&self) -> bool {
        let cached = self.0.lock().expect("not poisoned");
        cached.as_ref().is_some_and(|(_, r)| r.is_ok())
    }

    pub fn set(&self, token: &str, resolution: &Resolution) {
        *self.0.lock().expect("not poisoned") = Some((token.to_string(), resolution.clone()));
    }
}

/// Resolves a presented embed token, rechecking revocation and expiry on every request.
pub async fn resolve(store: &Store, presented: &str) -> Result<Resolution, AppError> {
    Ok(store
        .resolve_embed_token(presented)
        .await?
        .map(|token| Access {
            scope: token.scope(),
            token,
        }))
}
