//! Signing, verification and user hashes: pure functions, callable from any
//! thread without a client.

use std::ffi::{c_char, CString};

use outbox_engine::sign::{self, Scheme, UserHashAlgorithm, VerifyOptions};

use crate::status::{guard, guard_void, outbox_status_t, Failure, OUTBOX_ERR_BUFFER, OUTBOX_ERR_VERIFY};
use crate::strings::{arg_bytes, arg_opt_str, arg_str, arg_str_array, clear_out, put_string};

/// A webhook signing scheme.
pub type outbox_scheme_t = u32;
/// Standard Webhooks v1: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64>` headers; secrets are base64, with an
/// optional `whsec_` prefix. The default.
pub const OUTBOX_SCHEME_STANDARD_WEBHOOKS: outbox_scheme_t = 0;
/// `<header>: sha256=<hex HMAC-SHA256 of the raw body>` (GitHub's style),
/// keyed with the secret's UTF-8 bytes; header `X-Hub-Signature-256` unless
/// another name is given.
pub const OUTBOX_SCHEME_HMAC_SHA256: outbox_scheme_t = 1;

/// How a user hash is computed (`outbox_user_hash_with`).
pub type outbox_user_hash_algorithm_t = u32;
/// Hex HMAC-SHA256 of the user id, keyed with the secret's UTF-8 bytes
/// (Intercom-style identity verification). The default.
pub const OUTBOX_USER_HASH_HMAC_SHA256: outbox_user_hash_algorithm_t = 0;
/// Hex SHA-256 of the user id followed by the secret (Notifizz's user token).
/// Not a MAC: prefer `OUTBOX_USER_HASH_HMAC_SHA256` unless a front end
/// expects this form.
pub const OUTBOX_USER_HASH_SHA256: outbox_user_hash_algorithm_t = 1;

fn user_hash_algorithm(algorithm: outbox_user_hash_algorithm_t) -> Result<UserHashAlgorithm, Failure> {
    match algorithm {
        OUTBOX_USER_HASH_HMAC_SHA256 => Ok(UserHashAlgorithm::HmacSha256),
        OUTBOX_USER_HASH_SHA256 => Ok(UserHashAlgorithm::Sha256),
        other => Err(Failure::argument(format!(
            "algorithm must be OUTBOX_USER_HASH_HMAC_SHA256 or OUTBOX_USER_HASH_SHA256, not {other}"
        ))),
    }
}

/// Most headers `outbox_sign` produces (Standard Webhooks: three).
pub const OUTBOX_SIGN_MAX_HEADERS: usize = 3;

/// Default clock tolerance of Standard Webhooks verification, in seconds.
pub const OUTBOX_DEFAULT_TOLERANCE_SECS: u64 = 300;

/// One HTTP header. As an input (`outbox_verify`) both strings are the
/// caller's, NUL-terminated UTF-8. As an output (`outbox_sign`) both are
/// allocated by liboutbox and released with `outbox_headers_free`.
#[repr(C)]
pub struct outbox_header_t {
    /// The header name, e.g. `webhook-signature`.
    pub name: *const c_char,
    /// Its value.
    pub value: *const c_char,
}

pub(crate) fn scheme_from(
    scheme: outbox_scheme_t,
    hmac_header: Option<&str>,
    as_option: bool,
) -> Result<Scheme, Failure> {
    let bad = |m: String| if as_option { Failure::option(m) } else { Failure::argument(m) };
    match (scheme, hmac_header) {
        (OUTBOX_SCHEME_STANDARD_WEBHOOKS, None) => Ok(Scheme::StandardWebhooks),
        (OUTBOX_SCHEME_STANDARD_WEBHOOKS, Some(_)) => {
            Err(bad("hmac_header applies only to OUTBOX_SCHEME_HMAC_SHA256; pass NULL for Standard Webhooks".into()))
        }
        (OUTBOX_SCHEME_HMAC_SHA256, None) => Ok(Scheme::hmac_sha256()),
        (OUTBOX_SCHEME_HMAC_SHA256, Some(h)) => Ok(Scheme::hmac_sha256_with_header(h)),
        (other, _) => Err(bad(format!(
            "scheme must be OUTBOX_SCHEME_STANDARD_WEBHOOKS or OUTBOX_SCHEME_HMAC_SHA256, not {other}"
        ))),
    }
}

fn scheme_value(scheme: &Scheme) -> outbox_scheme_t {
    match scheme {
        Scheme::StandardWebhooks => OUTBOX_SCHEME_STANDARD_WEBHOOKS,
        Scheme::HmacSha256 { .. } => OUTBOX_SCHEME_HMAC_SHA256,
    }
}

/// Parses a scheme name, ignoring ASCII case and surrounding whitespace:
/// `"standard"`, `"standard-webhooks"`, `"standard_webhooks"` give
/// `OUTBOX_SCHEME_STANDARD_WEBHOOKS`; `"hmac-sha256"`, `"hmac_sha256"`,
/// `"sha256"` give `OUTBOX_SCHEME_HMAC_SHA256`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_ARGUMENT` (code `unknown_scheme`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_scheme_parse(name: *const c_char, scheme_out: *mut outbox_scheme_t) -> outbox_status_t {
    guard(|| {
        let out = unsafe { scheme_out.as_mut() }.ok_or_else(|| Failure::null("scheme_out"))?;
        let name = unsafe { arg_str(name, "name") }?;
        *out = scheme_value(&Scheme::parse(name).map_err(|e| Failure::sign(e, false))?);
        Ok(())
    })
}

/// The canonical name of a scheme, `"standard-webhooks"` or
/// `"hmac-sha256"`, as a static string; NULL for an unknown value. Never
/// freed; does not change the last error.
#[no_mangle]
pub extern "C" fn outbox_scheme_name(scheme: outbox_scheme_t) -> *const c_char {
    match scheme {
        OUTBOX_SCHEME_STANDARD_WEBHOOKS => c"standard-webhooks".as_ptr(),
        OUTBOX_SCHEME_HMAC_SHA256 => c"hmac-sha256".as_ptr(),
        _ => std::ptr::null(),
    }
}

/// Signs one request body: writes the headers to send (names as sent) to
/// `headers_out[0 .. *headers_len_out]`.
///
/// - `scheme`, `hmac_header`: as in `outbox_config_set_signature_scheme`.
/// - `secrets`, `secrets_len`: one or several secrets; each adds a
///   signature, space-separated in the signature header (rotation).
/// - `id`, `timestamp`: the message id (`webhook-id`) and unix seconds
///   (`webhook-timestamp`) for Standard Webhooks, which signs
///   `{id}.{timestamp}.{body}`; ignored (`id` may be NULL) for HMAC-SHA256,
///   which signs the body alone.
/// - `body`, `body_len`: the raw body (`body` may be NULL when 0).
/// - `headers_out`, `headers_cap`: room for `headers_cap` headers
///   (`OUTBOX_SIGN_MAX_HEADERS` is always enough); `*headers_len_out`
///   receives how many were written. The strings are new and owned by the
///   caller: release them with `outbox_headers_free(headers_out, *headers_len_out)`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8`,
/// `OUTBOX_ERR_INVALID_ARGUMENT` (code `no_secret`, `invalid_secret`,
/// `invalid_header_name` or `invalid_argument`) or `OUTBOX_ERR_BUFFER`
/// (`headers_cap` too small: nothing is allocated and `*headers_len_out`
/// is the number needed). Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_sign(
    scheme: outbox_scheme_t,
    hmac_header: *const c_char,
    secrets: *const *const c_char,
    secrets_len: usize,
    id: *const c_char,
    timestamp: i64,
    body: *const u8,
    body_len: usize,
    headers_out: *mut outbox_header_t,
    headers_cap: usize,
    headers_len_out: *mut usize,
) -> outbox_status_t {
    guard(|| {
        let len_out = unsafe { headers_len_out.as_mut() }.ok_or_else(|| Failure::null("headers_len_out"))?;
        *len_out = 0;
        let header = unsafe { arg_opt_str(hmac_header, "hmac_header") }?;
        let scheme = scheme_from(scheme, header, false)?;
        let secrets = unsafe { arg_str_array(secrets, secrets_len, "secrets") }?;
        let id = match (&scheme, unsafe { arg_opt_str(id, "id") }?) {
            (_, Some(id)) => id,
            (Scheme::HmacSha256 { .. }, None) => "",
            (Scheme::StandardWebhooks, None) => return Err(Failure::null("id")),
        };
        let body = unsafe { arg_bytes(body, body_len, "body") }?;
        let headers = sign::sign(&scheme, &secrets, id, timestamp, body).map_err(|e| Failure::sign(e, false))?;
        *len_out = headers.len();
        if headers.len() > headers_cap {
            return Err(Failure::new(
                OUTBOX_ERR_BUFFER,
                format!("headers_cap is {headers_cap}, {} headers are needed", headers.len()),
            ));
        }
        if headers_out.is_null() {
            *len_out = 0;
            return Err(Failure::null("headers_out"));
        }
        for (i, (name, value)) in headers.iter().enumerate() {
            let slot = unsafe { &mut *headers_out.add(i) };
            slot.name = crate::strings::out_string(name);
            slot.value = crate::strings::out_string(value);
        }
        Ok(())
    })
}

/// Releases the strings of `len` headers written by `outbox_sign` and sets
/// their pointers to NULL (so calling it twice is harmless). NULL `headers`
/// is a no-op.
#[no_mangle]
pub unsafe extern "C" fn outbox_headers_free(headers: *mut outbox_header_t, len: usize) {
    if headers.is_null() {
        return;
    }
    guard_void(|| {
        for i in 0..len {
            let h = unsafe { &mut *headers.add(i) };
            for p in [&mut h.name, &mut h.value] {
                if !p.is_null() {
                    drop(unsafe { CString::from_raw(p.cast_mut()) });
                    *p = std::ptr::null();
                }
            }
        }
    });
}

/// Verifies a received webhook.
///
/// - `body`, `body_len`: the raw body as received, before any parsing.
/// - `headers`, `headers_len`: the request's headers (names compared
///   ignoring ASCII case; values trimmed of spaces and tabs).
/// - `secrets`, `secrets_len`: one or several secrets; any may match.
/// - `tolerance_secs`: largest distance allowed between `webhook-timestamp`
///   and now, either way (Standard Webhooks only); pass
///   `OUTBOX_DEFAULT_TOLERANCE_SECS` for the default.
/// - `now`: the current unix time to check against, or NULL for the system
///   clock (set it in tests, or to verify a stored request later).
///
/// Comparisons are constant time. Returns `OUTBOX_OK` when a signature
/// matches; `OUTBOX_ERR_VERIFY` when verification fails, with the reason in
/// `outbox_last_error_code()` (see `OUTBOX_ERR_VERIFY`); or
/// `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8`, `OUTBOX_ERR_INVALID_ARGUMENT` for
/// unusable arguments. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_verify(
    scheme: outbox_scheme_t,
    hmac_header: *const c_char,
    body: *const u8,
    body_len: usize,
    headers: *const outbox_header_t,
    headers_len: usize,
    secrets: *const *const c_char,
    secrets_len: usize,
    tolerance_secs: u64,
    now: *const i64,
) -> outbox_status_t {
    guard(|| {
        let header = unsafe { arg_opt_str(hmac_header, "hmac_header") }?;
        let scheme = scheme_from(scheme, header, false)?;
        let body = unsafe { arg_bytes(body, body_len, "body") }?;
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(headers_len);
        if headers_len > 0 {
            if headers.is_null() {
                return Err(Failure::null(&format!("headers (with headers_len {headers_len})")));
            }
            for (i, h) in unsafe { std::slice::from_raw_parts(headers, headers_len) }.iter().enumerate() {
                let name = unsafe { arg_str(h.name, &format!("headers[{i}].name")) }?;
                let value = unsafe { arg_str(h.value, &format!("headers[{i}].value")) }?;
                pairs.push((name, value));
            }
        }
        let secrets = unsafe { arg_str_array(secrets, secrets_len, "secrets") }?;
        let opts = VerifyOptions { tolerance_secs, now: unsafe { now.as_ref() }.copied() };
        sign::verify(&scheme, body, &pairs, &secrets, &opts).map_err(Failure::verify)
    })
}

/// The user hash of `user_id`: lowercase hex HMAC-SHA256 keyed with the
/// UTF-8 bytes of `secret`, the value a backend hands its front end for
/// identity verification. `*hash_out` receives a new 64-character string
/// (caller-owned: free it with `outbox_string_free`). Same as
/// `outbox_user_hash_with(OUTBOX_USER_HASH_HMAC_SHA256, ...)`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_UTF8`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_user_hash(
    secret: *const c_char,
    user_id: *const c_char,
    hash_out: *mut *mut c_char,
) -> outbox_status_t {
    unsafe { outbox_user_hash_with(OUTBOX_USER_HASH_HMAC_SHA256, secret, user_id, hash_out) }
}

/// The user hash of `user_id` under `algorithm` (`OUTBOX_USER_HASH_HMAC_SHA256`
/// or `OUTBOX_USER_HASH_SHA256`), as 64 lowercase hex digits in a new string
/// `*hash_out` (free it with `outbox_string_free`).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8`, or
/// `OUTBOX_ERR_INVALID_ARGUMENT` for an unknown algorithm. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_user_hash_with(
    algorithm: outbox_user_hash_algorithm_t,
    secret: *const c_char,
    user_id: *const c_char,
    hash_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(hash_out) };
        if hash_out.is_null() {
            return Err(Failure::null("hash_out"));
        }
        let algorithm = user_hash_algorithm(algorithm)?;
        let secret = unsafe { arg_str(secret, "secret") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        unsafe { put_string(hash_out, &sign::user_hash_with(algorithm, secret, user_id)) };
        Ok(())
    })
}

/// Checks a user hash in constant time. `hash` must be exactly 64 hex
/// digits (either case); an empty `secret` never verifies. Same as
/// `outbox_verify_user_hash_with(OUTBOX_USER_HASH_HMAC_SHA256, ...)`.
///
/// Returns `OUTBOX_OK` when it matches, `OUTBOX_ERR_VERIFY` (code
/// `hash_mismatch`) when it does not, or `OUTBOX_ERR_NULL` /
/// `OUTBOX_ERR_UTF8`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_verify_user_hash(
    secret: *const c_char,
    user_id: *const c_char,
    hash: *const c_char,
) -> outbox_status_t {
    unsafe { outbox_verify_user_hash_with(OUTBOX_USER_HASH_HMAC_SHA256, secret, user_id, hash) }
}

/// Checks a user hash made under `algorithm`, like `outbox_verify_user_hash`.
///
/// Returns `OUTBOX_OK` when it matches, `OUTBOX_ERR_VERIFY` (code
/// `hash_mismatch`) when it does not, `OUTBOX_ERR_NULL` / `OUTBOX_ERR_UTF8`,
/// or `OUTBOX_ERR_INVALID_ARGUMENT` for an unknown algorithm. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_verify_user_hash_with(
    algorithm: outbox_user_hash_algorithm_t,
    secret: *const c_char,
    user_id: *const c_char,
    hash: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let algorithm = user_hash_algorithm(algorithm)?;
        let secret = unsafe { arg_str(secret, "secret") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let hash = unsafe { arg_str(hash, "hash") }?;
        if sign::verify_user_hash_with(algorithm, secret, user_id, hash) {
            Ok(())
        } else {
            Err(Failure::with_code(OUTBOX_ERR_VERIFY, "hash_mismatch", "the user hash does not match"))
        }
    })
}
