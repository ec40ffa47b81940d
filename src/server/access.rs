//! Who is asking, and what they may see: an embed token or an agent JWT resolved to its
//! scope.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::{InboxCard, OriginPattern, Scope, ScopeKind, Sender, SenderType, Theme};
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
    /// When the credential stops opening anything by itself (a token's expiry, a JWT's
    /// `exp`).
    pub expires_at: Option<DateTime<Utc>>,
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
            expires_at: Some(verified.expires_at),
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
            expires_at: token.expires_at,
        }))
}

/// What credentials and scopes resolved to, kept across requests: a page, its server
/// functions, its files and its socket then cost no lookup of who is asking. An entry is
/// used only while nothing it was read from has changed since (`Store::access_epoch`,
/// moved on by every change to tokens, JWT settings, inboxes and customer names, and on
/// PostgreSQL by the other instances' notices), before its credential expires, and for at
/// most `MAX_AGE` (what bounds a change another instance could not announce). Only
/// credentials that open something are kept; refusals are looked up each time (and
/// counted by the security layer).
#[derive(Default)]
pub struct AccessCache {
    credentials: Shelf<[u8; 32], Access>,
    scopes: Shelf<(Uuid, ScopeKind), Arc<ScopeFacts>>,
}

/// What a page shows of its scope: the project's name, the scope's label, its inboxes.
#[derive(Debug, Clone)]
pub struct ScopeFacts {
    pub project_name: String,
    pub scope_label: String,
    pub inboxes: Vec<InboxCard>,
}

/// The longest an entry is used. Open sockets recheck their credential as often.
const MAX_AGE: Duration = Duration::from_secs(5);
/// Entries per shelf; a full shelf drops its stale entries, then all of them.
const MAX_ENTRIES: usize = 10_000;

impl AccessCache {
    /// The key of a presented credential: its hash (the secret itself is not kept).
    pub fn key(presented: &str) -> [u8; 32] {
        Sha256::digest(presented.as_bytes()).into()
    }

    pub fn credential(&self, key: &[u8; 32], epoch: u64) -> Option<Access> {
        self.credentials.get(key, epoch)
    }

    /// Keeps `access`, resolved from what the store held at `epoch`.
    pub fn keep_credential(&self, key: [u8; 32], epoch: u64, access: &Access) {
        self.credentials
            .put(key, epoch, access.expires_at, access.clone());
    }

    pub fn scope(&self, scope: &Scope, epoch: u64) -> Option<Arc<ScopeFacts>> {
        self.scopes.get(&(scope.project_id, scope.kind), epoch)
    }

    pub fn keep_scope(&self, scope: &Scope, epoch: u64, facts: Arc<ScopeFacts>) {
        self.scopes
            .put((scope.project_id, scope.kind), epoch, None, facts);
    }
}

struct Kept<V> {
    epoch: u64,
    stored: Instant,
    until: Option<DateTime<Utc>>,
    value: V,
}

impl<V> Kept<V> {
    fn usable(&self, epoch: u64) -> bool {
        self.epoch == epoch
            && self.stored.elapsed() < MAX_AGE
            && self.until.is_none_or(|until| Utc::now() < until)
    }
}

struct Shelf<K, V>(Mutex<HashMap<K, Kept<V>>>);

impl<K, V> Default for Shelf<K, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, V: Clone> Shelf<K, V> {
    fn get(&self, key: &K, epoch: u64) -> Option<V> {
        let mut entries = self.0.lock().expect("not poisoned");
        match entries.get(key) {
            Some(kept) if kept.usable(epoch) => Some(kept.value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: K, epoch: u64, until: Option<DateTime<Utc>>, value: V) {
        let mut entries = self.0.lock().expect("not poisoned");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, kept| kept.usable(epoch));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Kept {
                epoch,
                stored: Instant::now(),
                until,
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(expires_at: Option<DateTime<Utc>>) -> Access {
        Access {
            scope: Scope {
                project_id: Uuid::nil(),
                kind: ScopeKind::Project,
                assigned_user_id: None,
            },
            allowed_origins: Vec::new(),
            theme: Theme::System,
            language: "en".into(),
            credential: Credential::Token(Uuid::nil()),
            expires_at,
        }
    }

    #[test]
    fn an_entry_is_used_until_the_epoch_moves() {
        let cache = AccessCache::default();
        let key = AccessCache::key("et_a");
        assert!(cache.credential(&key, 0).is_none());
        cache.keep_credential(key, 0, &access(None));
        assert!(cache.credential(&key, 0).is_some());
        assert!(cache.credential(&AccessCache::key("et_b"), 0).is_none());
        assert!(
            cache.credential(&key, 1).is_none(),
            "a change since drops it"
        );
        assert!(cache.credential(&key, 0).is_none(), "and it is gone");
    }

    #[test]
    fn an_expired_credential_is_not_used() {
        let cache = AccessCache::default();
        let key = AccessCache::key("et_a");
        cache.keep_credential(
            key,
            0,
            &access(Some(Utc::now() - chrono::Duration::seconds(1))),
        );
        assert!(cache.credential(&key, 0).is_none());
        cache.keep_credential(
            key,
            0,
            &access(Some(Utc::now() + chrono::Duration::hours(1))),
        );
        assert!(cache.credential(&key, 0).is_some());
    }

    #[test]
    fn a_full_shelf_keeps_working() {
        let cache = AccessCache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            cache.keep_credential(AccessCache::key(&format!("et_{i}")), 0, &access(None));
        }
        let last = AccessCache::key(&format!("et_{}", MAX_ENTRIES + 9));
        assert!(cache.credential(&last, 0).is_some());
        assert!(cache.credentials.0.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
