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

/// Resolves a presented embed token, rechecking revocation and expiry every time.
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
