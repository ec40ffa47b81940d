//! Who is asking, and what they may see: an embed token or an agent JWT resolved to its
//! scope.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::{OriginPattern, Scope, Sender, SenderType, Theme};
use crate::server::agent_jwt;
use crate::server::store::{Actor, Store, TokenRejection};
use crate::server::AppError;

/// The rights a credential grants for one request.
#[derive(Debug, Clone)]
pub struct Access {
    pub scope: Scope,
    /// Origins that may frame the page and call on its behalf; empty admits any.
    pub allowed_origins: Vec<OriginPattern>,
    pub theme: Theme,
    pub language: String,
    pub credential: Credential,
}

/// What opened the page.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An embed token, by id.
    Token(Uuid),
    /// An agent signed in by JWT.
    Agent(Agent),
}

/// The agent an agent JWT names.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The project user the agent is (found or made by `external_id`).
    pub user_id: Uuid,
    /// The agent's id in the host system (the JWT's `id`).
    pub external_id: String,
    pub name: String,
    pub issuer: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Which project secret verified the JWT: a rotated secret ends the session.
    pub secret_tag: String,
}

impl Access {
    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// Who sends what this session sends: the JWT's agent, or an unnamed agent.
    pub fn sender(&self) -> Sender {
        let (name, external_id) = match self.agent() {
            Some(agent) => (agent.name.clone(), Some(agent.external_id.clone())),
            None => ("Agent".to_string(), None),
        };
        Sender {
            sender_type: SenderType::Agent,
            name,
            external_id,
        }
    }

    /// The same, as webhooks report who made a change.
    pub fn actor(&self) -> Actor {
        let sender = self.sender();
        Actor::Agent {
            name: sender.name,
            external_id: sender.external_id,
        }
    }

    pub fn agent(&self) -> Option<&Agent> {
        match &self.credential {
            Credential::Agent(agent) => Some(agent),
            Credential::Token(_) => None,
        }
    }
}

/// A presented credential, resolved: its access, or why it opens nothing.
pub type Resolution = Result<Access, TokenRejection>;

/// The credential resolved once per HTTP request. The security layer resolves the one in
/// an `/embed/{token}` path and leaves it in the request's extensions; the page's server
/// functions then read it from there instead of looking it up again.
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

    /// Whether it holds a credential that works (and whose origin gate the request passed).
    pub fn admitted(&self) -> bool {
        let cached = self.0.lock().expect("not poisoned");
        cached.as_ref().is_some_and(|(_, r)| r.is_ok())
    }

    pub fn set(&self, token: &str, resolution: &Resolution) {
        *self.0.lock().expect("not poisoned") = Some((token.to_string(), resolution.clone()));
    }
}

/// Resolves a presented embed token or agent JWT, rechecking revocation and expiry on
/// every request.
pub async fn resolve(
    store: &Store,
    presented: &str,
    jwt_max_lifetime: Duration,
) -> Result<Resolution, AppError> {
    if agent_jwt::looks_like_jwt(presented) {
        let verified = match agent_jwt::verify(store, presented, jwt_max_lifetime).await? {
            Ok(verified) => verified,
            Err(rejection) => return Ok(Err(rejection)),
        };
        let user_id = store
            .agent_user(verified.project_id, &verified.identity)
            .await?;
        return Ok(Ok(Access {
            scope: Scope {
                project_id: verified.project_id,
                kind: verified.scope,
                assigned_user_id: None,
            },
            allowed_origins: verified.allowed_origins,
            theme: Theme::System,
            language: verified.language,
            credential: Credential::Agent(Agent {
                user_id,
                external_id: verified.identity.external_id,
                name: verified.identity.name,
                issuer: verified.identity.issuer,
                expires_at: verified.expires_at,
                secret_tag: verified.secret_tag,
            }),
        }));
    }
    Ok(store
        .resolve_embed_token(presented)
        .await?
        .map(|token| Access {
            scope: token.scope(),
            allowed_origins: token.allowed_origins.clone(),
            theme: token.theme,
            language: token.language.clone(),
            credential: Credential::Token(token.id),
        }))
}
