//! User hashes: the HMAC of a user id that a backend hands its front end.

use hmac::{KeyInit, Mac};

use super::encoding::{decode_hex, push_hex};
use super::{HmacSha256, MAC_LEN};

/// Lowercase hex HMAC-SHA256 of `user_id`, keyed with the UTF-8 bytes of
/// `secret`: the value a backend hands its front end for identity
/// verification (Intercom-style "user hash").
#[must_use]
pub fn user_hash(secret: &str, user_id: &str) -> String {
    let mut out = String::with_capacity(2 * MAC_LEN);
    if let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) {
        mac.update(user_id.as_bytes());
        push_hex(&mut out, &mac.finalize().into_bytes());
    }
    out
}

/// Whether `hash` is [`user_hash`]`(secret, user_id)`, compared in constant
/// time. `hash` must be exactly 64 hex digits (either case, no prefix or
/// whitespace). An empty `secret` never verifies: it is a misconfiguration,
/// and accepting it would let anyone forge hashes.
#[must_use]
pub fn verify_user_hash(secret: &str, user_id: &str, hash: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(expected) = decode_hex(hash, MAC_LEN) else {
        return false;
    };
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            mac.verify_slice(&expected).is_ok()
        }
        Err(_) => false,
    }
}
