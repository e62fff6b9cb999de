//! Message ids, idempotency keys and the jitter source.
//!
//! Ids come from a small per-thread generator seeded from the OS: a getrandom
//! call per event would cost more than the rest of `track`. The generator is
//! reseeded after `fork()` (the child would otherwise repeat the parent's
//! ids, and a receiver that deduplicates would silently drop the child's
//! events).

use std::cell::Cell;

use sha2::{Digest, Sha256};

use crate::fork;

thread_local! {
    static RNG: Cell<(u64, u64)> = const { Cell::new((0, u64::MAX)) };
}

/// A uniformly random u64 (wyrand). Not for secrets: ids and jitter only.
pub fn random_u64() -> u64 {
    RNG.with(|cell| {
        let (mut state, generation) = cell.get();
        let current = fork::generation();
        if generation != current {
            state = os_seed();
        }
        state = state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = (state as u128).wrapping_mul((state ^ 0xe703_7ed1_a0b4_28db) as u128);
        cell.set((state, current));
        ((t >> 64) ^ t) as u64
    })
}

/// A random float in [0, 1).
pub fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn os_seed() -> u64 {
    let mut buf = [0u8; 8];
    if getrandom::fill(&mut buf).is_err() {
        // No OS entropy: fall back to time and address; still unique per process.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        return t ^ (&buf as *const _ as u64).rotate_left(32) ^ std::process::id() as u64;
    }
    u64::from_le_bytes(buf)
}

/// The length of a message id: a hyphenated UUID.
pub const MESSAGE_ID_LEN: usize = uuid::fmt::Hyphenated::LENGTH;

/// A new UUID v4 as a lowercase hyphenated string.
pub fn new_message_id() -> String {
    String::from_utf8_lossy(&write_message_id()).into_owned()
}

/// A new UUID v4, lowercase and hyphenated, as ASCII bytes: the encoder
/// writes it straight into the event's JSON, with no allocation of its own.
pub fn write_message_id() -> [u8; MESSAGE_ID_LEN] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&random_u64().to_le_bytes());
    let mut text = [0u8; MESSAGE_ID_LEN];
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().encode_lower(&mut text);
    text
}

/// The idempotency key of a request: derived from the message ids it carries,
/// so a retry of the same events carries the same key, and any other set of
/// events a different one.
pub fn idempotency_key(ids: impl IntoIterator<Item = impl AsRef<[u8]>>) -> String {
    let mut hasher = Sha256::new();
    for id in ids {
        hasher.update(id.as_ref());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn message_ids_are_uuid_v4_and_unique() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_message_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(10) {
            let parsed = uuid::Uuid::parse_str(id).expect("valid uuid");
            assert_eq!(parsed.get_version_num(), 4);
        }
    }

    #[test]
    fn threads_get_different_streams() {
        let a = std::thread::spawn(new_message_id).join().unwrap();
        let b = std::thread::spawn(new_message_id).join().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn idempotency_key_depends_on_ids_only() {
        let k1 = idempotency_key(["a", "b"]);
        assert_eq!(k1, idempotency_key(["a", "b"]));
        assert_ne!(k1, idempotency_key(["b", "a"]));
        assert_ne!(k1, idempotency_key(["ab"]));
        assert_eq!(k1.len(), 32);
    }

    #[test]
    fn unit_floats_stay_in_range() {
        for _ in 0..10_000 {
            let x = random_unit();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
