//! Organization and user secrets: generated from the OS CSPRNG, looked up by
//! a SHA-256 digest, compared in constant time, and redacted in `Debug`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of randomness in a generated secret (at least 32, docs/api.md#users).
const SECRET_BYTES: usize = 32;

/// A secret as text. `Debug` never shows it; only `expose` does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A fresh secret: 32 bytes from the OS CSPRNG as URL-safe base64.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// A secret someone chose: it must fit in the `Authorization` header's
    /// grammar (docs/api.md#authentication), so no whitespace and no comma.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == ',') {
            Err("must be non-empty, without whitespace or commas")
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    /// The chosen secret if one is given (checked as `parse` does), else a
    /// generated one.
    pub fn chosen_or_generated(given: Option<&str>) -> Result<Self, &'static str> {
        given.map_or_else(|| Ok(Self::generate()), Self::parse)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The lookup key stored beside the secret. A fast hash is right here:
    /// secrets are high-entropy, and a slow KDF per request would be a DoS.
    pub fn digest(&self) -> SecretDigest {
        SecretDigest::of(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// SHA-256 of a secret's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretDigest(pub [u8; 32]);

impl SecretDigest {
    pub fn of(text: &str) -> Self {
        Self(Sha256::digest(text.as_bytes()).into())
    }

    /// Constant-time comparison with a digest read back from the database.
    pub fn matches(&self, stored: &[u8]) -> bool {
        stored.len() == self.0.len() && bool::from(self.0.as_slice().ct_eq(stored))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_url_safe_and_distinct() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert!(a
            .expose()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn chosen_secrets_must_fit_the_header() {
        assert!(Secret::parse("a=+/-b").is_ok());
        for bad in ["", "a b", "a,b", "a\tb"] {
            assert!(Secret::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn digest_matches_only_its_own_secret() {
        let digest = Secret::new("a").digest();
        assert!(digest.matches(&SecretDigest::of("a").0));
        assert!(!digest.matches(&SecretDigest::of("b").0));
        assert!(!digest.matches(&[0u8; 3]));
    }
}
