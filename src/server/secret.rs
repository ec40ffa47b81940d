//! Secrets: random, prefixed by kind, stored only as SHA-256, compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret shown once to its owner. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// What a secret is for; the prefix makes a leaked one recognisable.
#[derive(Debug, Clone, Copy)]
pub enum SecretKind {
    ApiKey,
    EmbedToken,
    JwtSecret,
    WebhookSecret,
}

impl SecretKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::ApiKey => "iek_",
            Self::EmbedToken => "iet_",
            Self::JwtSecret => "iej_",
            Self::WebhookSecret => "iew_",
        }
    }
}

impl Secret {
    /// 192 random bits, URL-safe.
    pub fn generate(kind: SecretKind) -> Self {
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!(
            "{}{}",
            kind.prefix(),
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash_secret(&self.0)
    }
}

/// SHA-256 hex of a presented secret: the only form that is stored and looked up.
pub fn hash_secret(presented: &str) -> String {
    let digest = Sha256::digest(presented.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time equality of two stored hashes.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether a string has the shape of an embed token (so lookups of junk are skipped).
pub fn looks_like_embed_token(text: &str) -> bool {
    text.len() == 36
        && text.starts_with(SecretKind::EmbedToken.prefix())
        && text[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hidden() {
        let a = Secret::generate(SecretKind::EmbedToken);
        let b = Secret::generate(SecretKind::EmbedToken);
        assert_ne!(a, b);
        assert!(looks_like_embed_token(a.expose()), "{}", a.expose());
        assert_eq!(format!("{a:?}"), "Secret(…)");
        assert!(hashes_match(&a.hash(), &hash_secret(a.expose())));
        assert!(!hashes_match(&a.hash(), &b.hash()));
        assert!(!looks_like_embed_token("iet_short"));
        assert!(!looks_like_embed_token(&format!("iet_{}", "<".repeat(32))));
    }
}
