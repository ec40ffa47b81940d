//! Agent JWTs (§7): the host's backend signs an agent in with the project's `jwt_secret`,
//! and `/embed/{jwt}` opens the inbox for them. HS256 only; `exp` and `iat` required.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{OriginPattern, ScopeKind};
use crate::server::store::{AgentIdentity, Store, TokenRejection};
use crate::server::AppError;

/// The longest JWT read; a longer one is refused before any parsing.
pub const MAX_JWT_BYTES: usize = 4096;
/// Clock skew allowed between the host's backend and this server.
pub const LEEWAY_SECS: i64 = 60;
/// `JWT_MAX_LIFETIME_SECS`' default: a working day and then some.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Longest agent id, name and email accepted.
const MAX_ID_CHARS: usize = 200;
const MAX_NAME_CHARS: usize = 200;
const MAX_EMAIL_CHARS: usize = 320;

/// Whether a presented credential is a JWT rather than an embed token (whose alphabet has
/// no dots).
pub fn looks_like_jwt(presented: &str) -> bool {
    presented.contains('.')
}

/// The claims an agent JWT carries. Numbers must be JSON numbers: a string `exp` is
/// refused by the type, not coerced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The agent's id in the host system: a string or an integer.
    pub id: AgentId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp_config_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    /// The UI language (`en`, `es`…); English when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentId {
    Text(String),
    Number(i64),
}

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

/// Only the scope claims, read before the signature is checked: they name the project
/// whose secret must have signed the token.
#[derive(Deserialize)]
struct ScopeClaims {
    #[serde(default)]
    project_id: Option<serde_json::Value>,
    #[serde(default)]
    whatsapp_config_id: Option<serde_json::Value>,
    #[serde(default)]
    customer_id: Option<serde_json::Value>,
}

/// A verified agent JWT.
#[derive(Debug, Clone)]
pub struct VerifiedAgent {
    pub project_id: Uuid,
    pub scope: ScopeKind,
    pub identity: AgentIdentity,
    pub language: String,
    pub allowed_origins: Vec<OriginPattern>,
    pub expires_at: DateTime<Utc>,
    /// The signing secret's tag (`JwtSettings::secret_tag`).
    pub secret_tag: String,
}

/// Checks a presented JWT. A token that fails any rule opens nothing; only an expired one
/// says so (the page then tells the agent to sign in again).
pub async fn verify(
    store: &Store,
    presented: &str,
    max_lifetime: Duration,
) -> Result<Result<VerifiedAgent, TokenRejection>, AppError> {
    let invalid = |why: &str| {
        tracing::debug!(why, "agent JWT refused");
        Ok(Err(TokenRejection::Invalid))
    };
    if presented.len() > MAX_JWT_BYTES {
        return invalid("oversize");
    }
    let Ok(header) = jsonwebtoken::decode_header(presented) else {
        return invalid("unreadable header");
    };
    if header.alg != Algorithm::HS256 {
        return invalid("not HS256");
    }
    let Ok(unverified) = jsonwebtoken::dangerous::insecure_decode::<ScopeClaims>(presented) else {
        return invalid("unreadable claims");
    };
    let Some((scope, project_claim)) = scope_of(&unverified.claims) else {
        return invalid("no single scope claim");
    };
    let Some(settings) = store.jwt_settings_for(scope, project_claim).await? else {
        return invalid("the scope names nothing");
    };
    // `exp` holds to the second, as the live socket's recheck holds it; the host's clock
    // may run ahead by `LEEWAY_SECS` for `iat` and `nbf` (checked below).
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.validate_nbf = false;
    validation.set_required_spec_claims(&["exp"]);
    // An `aud` the host adds for its own use is not ours to check.
    validation.validate_aud = false;
    let key = DecodingKey::from_secret(settings.secret.as_bytes());
    let claims = match jsonwebtoken::decode::<AgentClaims>(presented, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) if *e.kind() == jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
            return Ok(Err(TokenRejection::Expired))
        }
        Err(_) => return invalid("signature or claims"),
    };
    let now = Utc::now().timestamp();
    if claims.iat > now + LEEWAY_SECS {
        return invalid("iat in the future");
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return invalid("nbf in the future");
    }
    if claims.iat < 0 || claims.exp <= claims.iat {
        return invalid("iat negative or exp not after iat");
    }
    if claims.exp - claims.iat > max_lifetime.as_secs() as i64 {
        return invalid("lifetime over the maximum");
    }
    let external_id = claims.id.to_string();
    let name = claims.name.trim().to_string();
    let email = claims
        .email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    if external_id.trim().is_empty()
        || external_id.chars().count() > MAX_ID_CHARS
        || name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || email
            .as_ref()
            .is_some_and(|e| e.chars().count() > MAX_EMAIL_CHARS)
    {
        return invalid("id, name or email");
    }
    let Some(expires_at) = DateTime::from_timestamp(claims.exp, 0) else {
        return invalid("exp out of range");
    };
    Ok(Ok(VerifiedAgent {
        project_id: settings.project_id,
        scope,
        identity: AgentIdentity {
            external_id,
            name,
            email,
            issuer: claims.iss,
        },
        language: claims
            .language
            .filter(|l| crate::server::api::check_language(Some(l)).is_ok())
            .unwrap_or_else(|| "en".to_string()),
        secret_tag: settings.secret_tag,
        allowed_origins: settings.allowed_origins,
        expires_at,
    }))
}

/// The one scope claim (a second one is ambiguous, so refused), as a scope and, for a
/// project scope, the project's id.
fn scope_of(claims: &ScopeClaims) -> Option<(ScopeKind, Option<Uuid>)> {
    let uuid = |v: &serde_json::Value| v.as_str().and_then(|s| Uuid::parse_str(s).ok());
    match (
        &claims.project_id,
        &claims.whatsapp_config_id,
        &claims.customer_id,
    ) {
        (Some(p), None, None) => Some((ScopeKind::Project, Some(uuid(p)?))),
        (None, Some(w), None) => Some((ScopeKind::WhatsappConfig(uuid(w)?), None)),
        (None, None, Some(c)) => Some((ScopeKind::Customer(uuid(c)?), None)),
        _ => None,
    }
}

/// What the `jwt` command signs.
pub struct MintRequest {
    pub agent_id: String,
    pub name: String,
    pub email: Option<String>,
    /// `project`, `whatsapp_config:<id>` or `customer:<id>`.
    pub scope: String,
    pub ttl: u64,
    pub issuer: String,
    pub language: Option<String>,
}

/// Signs a JWT for an agent of `project_id` (the `jwt` command), checking first that the
/// server would accept it.
pub async fn mint(
    store: &Store,
    max_lifetime: Duration,
    project_id: Uuid,
    request: MintRequest,
) -> Result<String, String> {
    let scope = match request.scope.split_once(':') {
        None if request.scope == "project" => ScopeKind::Project,
        Some(("whatsapp_config", id)) => ScopeKind::WhatsappConfig(
            Uuid::parse_str(id).map_err(|_| format!("--scope: {id:?} is not an id"))?,
        ),
        Some(("customer", id)) => ScopeKind::Customer(
            Uuid::parse_str(id).map_err(|_| format!("--scope: {id:?} is not an id"))?,
        ),
        _ => {
            return Err(
                "--scope must be project, whatsapp_config:<inbox id> or customer:<customer id>"
                    .into(),
            )
        }
    };
    let settings = store
        .jwt_settings_for(scope, Some(project_id))
        .await
        .map_err(|e| e.to_string())?
        .filter(|s| s.project_id == project_id)
        .ok_or_else(|| match scope {
            ScopeKind::Project => format!("no project {project_id}"),
            ScopeKind::WhatsappConfig(_) => {
                format!("--scope: no WhatsApp inbox with that id in project {project_id}")
            }
            ScopeKind::Customer(_) => {
                format!("--scope: no customer with that id in project {project_id}")
            }
        })?;
    let max = max_lifetime.as_secs();
    if request.ttl == 0 || request.ttl > max {
        return Err(format!(
            "--ttl must be from 1 to {max} seconds (JWT_MAX_LIFETIME_SECS)"
        ));
    }
    let iat = Utc::now().timestamp();
    let mut claims = AgentClaims {
        iss: Some(request.issuer),
        iat,
        exp: iat + request.ttl as i64,
        nbf: None,
        id: AgentId::Text(request.agent_id),
        name: request.name,
        email: request.email,
        project_id: None,
        whatsapp_config_id: None,
        customer_id: None,
        language: request.language,
    };
    match scope {
        ScopeKind::Project => claims.project_id = Some(project_id),
        ScopeKind::WhatsappConfig(id) => claims.whatsapp_config_id = Some(id),
        ScopeKind::Customer(id) => claims.customer_id = Some(id),
    }
    let jwt = sign(&claims, &settings.secret).map_err(|e| e.to_string())?;
    match verify(store, &jwt, max_lifetime).await {
        Ok(Ok(_)) => Ok(jwt),
        Ok(Err(_)) => Err("the agent id, name, email or language is not acceptable".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Signs agent claims with a project's secret (the `jwt` command; tests).
pub fn sign(claims: &AgentClaims, secret: &str) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(json: &str) -> Option<(ScopeKind, Option<Uuid>)> {
        scope_of(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn exactly_one_scope_claim() {
        let id = Uuid::new_v4();
        assert_eq!(
            scope(&format!(r#"{{"project_id":"{id}"}}"#)),
            Some((ScopeKind::Project, Some(id)))
        );
        assert_eq!(
            scope(&format!(r#"{{"customer_id":"{id}"}}"#)),
            Some((ScopeKind::Customer(id), None))
        );
        assert_eq!(scope("{}"), None);
        assert_eq!(
            scope(&format!(r#"{{"project_id":"{id}","customer_id":"{id}"}}"#)),
            None
        );
        assert_eq!(scope(r#"{"whatsapp_config_id":"not-a-uuid"}"#), None);
        assert_eq!(scope(r#"{"whatsapp_config_id":42}"#), None);
    }

    #[test]
    fn string_times_are_not_claims() {
        let claims = r#"{"iat":1,"exp":"2000000000","id":"a","name":"A"}"#;
        assert!(serde_json::from_str::<AgentClaims>(claims).is_err());
        let claims = r#"{"iat":1,"exp":2000000000,"id":7,"name":"A"}"#;
        let parsed: AgentClaims = serde_json::from_str(claims).unwrap();
        assert_eq!(parsed.id.to_string(), "7");
    }
}
