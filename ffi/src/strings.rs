//! Strings and buffers across the boundary: borrowing the caller's
//! NUL-terminated UTF-8, handing out strings the caller frees.

use std::ffi::{c_char, CStr, CString};

use crate::cstr::c_string_lossy;
use crate::status::{guard_void, Failure, OUTBOX_ERR_TOO_LARGE, OUTBOX_ERR_UTF8};

/// A required string argument.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(OUTBOX_ERR_UTF8, format!("{name} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()))
    })
}

/// An optional string argument (NULL = absent).
pub(crate) unsafe fn arg_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        unsafe { arg_str(ptr, name) }.map(Some)
    }
}

/// An array of `len` strings; `ptr` may be NULL only when `len` is 0.
pub(crate) unsafe fn arg_str_array<'a>(
    ptr: *const *const c_char,
    len: usize,
    name: &str,
) -> Result<Vec<&'a str>, Failure> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(Failure::null(&format!("{name} (with {name}_len {len})")));
    }
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items.iter().enumerate().map(|(i, p)| unsafe { arg_str(*p, &format!("{name}[{i}]")) }).collect()
}

/// A byte buffer; `ptr` may be NULL only when `len` is 0.
pub(crate) unsafe fn arg_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(&format!("{name} (with {name}_len {len})")));
    }
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Refuses text longer than `limit` bytes before parsing it.
pub(crate) fn check_len(text: &str, limit: usize, name: &str, limit_name: &str) -> Result<(), Failure> {
    if text.len() > limit {
        return Err(Failure::new(
            OUTBOX_ERR_TOO_LARGE,
            format!("{name} is {} bytes, over the limit of {limit} bytes ({limit_name})", text.len()),
        ));
    }
    Ok(())
}

/// A new string for the caller, freed with `outbox_string_free`.
pub(crate) fn out_string(s: &str) -> *mut c_char {
    c_string_lossy(s).into_raw()
}

/// Sets an optional out-pointer to NULL at the start of a call, so a failed
/// call leaves it NULL.
pub(crate) unsafe fn clear_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        unsafe { *out = std::ptr::null_mut() };
    }
}

/// Writes a new string to an optional out-pointer.
pub(crate) unsafe fn put_string(out: *mut *mut c_char, s: &str) {
    if !out.is_null() {
        unsafe { *out = out_string(s) };
    }
}

/// Frees a string that liboutbox returned (a message id, JSON text, a user
/// hash, ...). NULL is a no-op. Only pass strings that came from liboutbox,
/// each once; never pass them to `free()`.
///
/// Any thread may free a string, whichever thread received it.
#[no_mangle]
pub unsafe extern "C" fn outbox_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    guard_void(|| drop(unsafe { CString::from_raw(string) }));
}
