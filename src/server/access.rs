//! Who is asking, and what they may see: an embed token resolved to its scope.

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

/// The token resolved once per HTTP request: a page render calls several server
/// functions with the same token, and each would otherwise look it up again.
#[derive(Clone, Default)]
pub struct RequestAccess(std::sync::Arc<std::sync::Mutex<Option<(String, Access)>>>);

impl RequestAccess {
    pub fn get(&self, token: &str) -> Option<Access> {
        let cached = self.0.lock().expect("not poisoned");
        cached
            .as_ref()
            .filter(|(t, _)| t == token)
            .map(|(_, a)| a.clone())
    }

    pub fn set(&self, token: &str, access: &Access) {
        *self.0.lock().expect("not poisoned") = Some((token.to_string(), access.clone()));
    }
}

/// Resolves a presented embed token, rechecking revocation and expiry on every request.
pub async fn resolve(
    store: &Store,
    presented: &str,
) -> Result<Result<Access, TokenRejection>, AppError> {
    Ok(store
        .resolve_embed_token(presented)
        .await?
        .map(|token| Access {
            scope: token.scope(),
            token,
        }))
}
