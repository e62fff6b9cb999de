//! The fuzz targets' bodies, one plain function each.
//!
//! `fuzz/fuzz_targets/*.rs` hand libFuzzer's input to these functions under
//! nightly (`make fuzz`); `tests/replay.rs` runs every committed corpus entry
//! and crash through the same functions on stable (`make test`). A function
//! panics when the property it checks is broken, and only then.

pub mod event_json;
pub mod input;
pub mod queue_machine;
pub mod retry_after;
pub mod signatures;
pub mod spool_recovery;

pub use event_json::event_json;
pub use queue_machine::queue_machine;
pub use retry_after::retry_after;
pub use signatures::signatures;
pub use spool_recovery::spool_recovery;

/// A target's body: panics when a property is broken.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its directory under `fuzz/corpus/`
/// and `fuzz/artifacts/`, and its binary in `fuzz/fuzz_targets/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("event_json", event_json),
    ("queue_machine", queue_machine),
    ("retry_after", retry_after),
    ("signatures", signatures),
    ("spool_recovery", spool_recovery),
];
