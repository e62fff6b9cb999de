//! outbox-ffi: the C ABI of Outbox (`liboutbox.so`, `liboutbox.a`).
//!
//! Every entry point here is a thin shell over `outbox-engine`: it checks its
//! pointers and strings, converts them, calls the core, and converts back. No
//! delivery policy lives here. The header `include/outbox.h` is generated
//! from these declarations by cbindgen (see `build.rs`); the doc comments on
//! them are the header's documentation, so they are written for C readers.
//!
//! Conventions (see `docs/c-abi.md`):
//! - every fallible function returns `outbox_status_t`; the details of the
//!   last failure on the calling thread come from `outbox_last_error()`;
//! - no panic crosses the boundary: each entry point catches it and returns
//!   `OUTBOX_ERR_PANIC`;
//! - strings in are NUL-terminated UTF-8, borrowed for the call only; strings
//!   out are owned by the caller and freed with `outbox_string_free`.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

// In the order the header presents them.
mod callback;
mod client;
mod config;
mod exit;
mod sign;
mod status;
mod strings;
mod webhook;
// Not in the header.
mod cstr;
mod owner;

pub use callback::*;
pub use client::*;
pub use config::*;
pub use sign::*;
pub use status::*;
pub use strings::*;
pub use webhook::*;

use std::ffi::c_char;

/// Milliseconds meaning "no deadline", for every `timeout_ms` argument.
pub const OUTBOX_TIMEOUT_FOREVER: u64 = 0xFFFF_FFFF_FFFF_FFFF;

/// The version of liboutbox, e.g. `"0.1.0"`.
///
/// Returns a static NUL-terminated string: never NULL, never freed. Safe to
/// call from any thread at any time; it does not touch the last error.
#[no_mangle]
pub extern "C" fn outbox_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_the_core_version() {
        let v = unsafe { CStr::from_ptr(outbox_version()) }.to_str().unwrap();
        assert_eq!(v, outbox_engine::VERSION);
    }
}
