//! C strings made from Rust text. A leaf: `status` (the last error) and
//! `strings` (strings handed to the caller) both build on it.

use std::ffi::CString;

/// A C string of `s`; a NUL inside `s` (possible only in caller-supplied
/// JSON strings) becomes U+FFFD rather than truncating it.
pub(crate) fn c_string_lossy(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "\u{FFFD}")).expect("no NUL left"))
}
