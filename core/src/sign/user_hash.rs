//! User hashes: the value a backend hands its front end so a widget can
//! prove which user it speaks for.

use std::fmt;

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::encoding::{decode_hex, excerpt, push_hex};
use super::{HmacSha256, MAC_LEN};

/// How a user hash is computed from the user id and the secret.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserHashAlgorithm {
    /// Hex HMAC-SHA256 of the user id, keyed with the secret's UTF-8 bytes
    /// (Intercom-style identity verification). The default.
    #[default]
    HmacSha256,
    /// Hex SHA-256 of the user id followed by the secret, as Notifizz's user
    /// token is made. Not a MAC: prefer `HmacSha256` unless a front end
    /// expects this form.
    Sha256,
}

impl UserHashAlgorithm {
    /// Parses `hmac-sha256` (or `hmac_sha256`) and `sha256`, ignoring ASCII
    /// case and surrounding whitespace.
    pub fn parse(name: &str) -> Result<UserHashAlgorithm, UnknownAlgorithm> {
        let n = name.trim();
        if n.eq_ignore_ascii_case("hmac-sha256") || n.eq_ignore_ascii_case("hmac_sha256") {
            Ok(UserHashAlgorithm::HmacSha256)
        } else if n.eq_ignore_ascii_case("sha256") {
            Ok(UserHashAlgorithm::Sha256)
        } else {
            Err(UnknownAlgorithm(excerpt(n)))
        }
    }

    /// The canonical name: `"hmac-sha256"` or `"sha256"`.
    pub fn name(self) -> &'static str {
        match self {
            UserHashAlgorithm::HmacSha256 => "hmac-sha256",
            UserHashAlgorithm::Sha256 => "sha256",
        }
    }

    fn digest(self, secret: &str, user_id: &str) -> Option<[u8; MAC_LEN]> {
        match self {
            UserHashAlgorithm::HmacSha256 => {
                let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
                mac.update(user_id.as_bytes());
                Some(mac.finalize().into_bytes().into())
            }
            UserHashAlgorithm::Sha256 => {
                let mut hash = Sha256::new();
                hash.update(user_id.as_bytes());
                hash.update(secret.as_bytes());
                Some(hash.finalize().into())
            }
        }
    }
}

/// A user hash algorithm name [`UserHashAlgorithm::parse`] does not know
/// (quoted, truncated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm(String);

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown user hash algorithm \"{}\"; expected \"hmac-sha256\" or \"sha256\"", self.0)
    }
}

impl std::error::Error for UnknownAlgorithm {}

/// Lowercase hex HMAC-SHA256 of `user_id`, keyed with the UTF-8 bytes of
/// `secret`: the value a backend hands its front end for identity
/// verification (Intercom-style "user hash").
#[must_use]
pub fn user_hash(secret: &str, user_id: &str) -> String {
    user_hash_with(UserHashAlgorithm::HmacSha256, secret, user_id)
}

/// The user hash of `user_id` under `algorithm`, as 64 lowercase hex digits.
#[must_use]
pub fn user_hash_with(algorithm: UserHashAlgorithm, secret: &str, user_id: &str) -> String {
    let mut out = String::with_capacity(2 * MAC_LEN);
    if let Some(digest) = algorithm.digest(secret, user_id) {
        push_hex(&mut out, &digest);
    }
    out
}

/// Whether `hash` is [`user_hash`]`(secret, user_id)`, compared in constant
/// time. `hash` must be exactly 64 hex digits (either case, no prefix or
/// whitespace). An empty `secret` never verifies: it is a misconfiguration,
/// and accepting it would let anyone forge hashes.
#[must_use]
pub fn verify_user_hash(secret: &str, user_id: &str, hash: &str) -> bool {
    verify_user_hash_with(UserHashAlgorithm::HmacSha256, secret, user_id, hash)
}

/// Whether `hash` is [`user_hash_with`]`(algorithm, secret, user_id)`, under
/// the rules of [`verify_user_hash`].
#[must_use]
pub fn verify_user_hash_with(algorithm: UserHashAlgorithm, secret: &str, user_id: &str, hash: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let (Some(given), Some(expected)) = (decode_hex(hash, MAC_LEN), algorithm.digest(secret, user_id)) else {
        return false;
    };
    bool::from(given.as_slice().ct_eq(&expected))
}
