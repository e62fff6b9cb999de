//! Status codes, the thread-local last error, and the guard every entry
//! point runs its body in (panics become `OUTBOX_ERR_PANIC`).

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use outbox_engine::sign::{SignError, VerifyError};
use outbox_engine::ErrorCode;

/// What a function did. `OUTBOX_OK` is zero; every other value is a failure
/// whose details (a message and a stable code) `outbox_last_error()` and
/// `outbox_last_error_code()` give on the same thread. A failed call changes
/// nothing: no event is queued, no object is created, every `*_out` pointer
/// is left NULL (or zero).
///
/// The numeric values are stable; new codes may be added at the end, so
/// `switch` statements should have a `default:`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outbox_status_t {
    /// Success.
    OUTBOX_OK = 0,
    /// A required pointer argument was NULL (code `null_argument`).
    OUTBOX_ERR_NULL = 1,
    /// A string argument is not valid UTF-8 (code `invalid_utf8`).
    OUTBOX_ERR_UTF8 = 2,
    /// Text passed as JSON does not parse (code `invalid_json`).
    OUTBOX_ERR_JSON = 3,
    /// The event is malformed: no user id or anonymous id, an empty event
    /// name, properties that are not a JSON object, an unknown field in a
    /// `batch` or `capture` event, ... (code `invalid_event`).
    OUTBOX_ERR_INVALID_EVENT = 4,
    /// The input is over a size limit: an event over `max_event_bytes` once
    /// serialized, JSON text longer than the limit it must fit in, a webhook
    /// message over `max_message_bytes` (code `event_too_large`).
    OUTBOX_ERR_TOO_LARGE = 5,
    /// A configuration value is unusable: a zero size, an endpoint that is
    /// not http(s), a bad header, an invalid signing secret, ... Returned by
    /// the setters and by `outbox_client_new` / `outbox_webhook_sender_new`
    /// (code `invalid_option`, or the signing code such as `invalid_secret`).
    OUTBOX_ERR_INVALID_OPTION = 6,
    /// A non-configuration argument is unusable: an unknown enum value, an
    /// out-of-range index, an invalid signing secret or scheme given to
    /// `outbox_sign` (code `invalid_argument`, or the signing code such as
    /// `no_secret`, `invalid_secret`, `unknown_scheme`, `invalid_header_name`).
    OUTBOX_ERR_INVALID_ARGUMENT = 7,
    /// The client or sender has been shut down and accepts no more events
    /// (code `closed`).
    OUTBOX_ERR_CLOSED = 8,
    /// Verification failed: the signature or hash does not check out. The
    /// reason is in `outbox_last_error_code()`: `missing_header`,
    /// `empty_header`, `malformed_signature`, `invalid_base64`,
    /// `unknown_version`, `invalid_timestamp`, `timestamp_too_old`,
    /// `timestamp_too_new`, `body_not_utf8`, `no_matching_signature`,
    /// `no_secret`, `invalid_secret` (`outbox_verify`) or `hash_mismatch`
    /// (`outbox_verify_user_hash`).
    OUTBOX_ERR_VERIFY = 9,
    /// A caller-supplied buffer is too small; the size needed was written to
    /// the function's `*_needed_out` / `*_len_out` argument (code
    /// `buffer_too_small`).
    OUTBOX_ERR_BUFFER = 10,
    /// `outbox_deliver` could not deliver: the receiver refused, or the
    /// timeout passed. The result struct says how far it got (code
    /// `not_delivered`).
    OUTBOX_ERR_NOT_DELIVERED = 11,
    /// Outbox panicked inside this call (a bug: please report it with
    /// `outbox_last_error()`). The panic was caught; the process goes on and
    /// other objects are unaffected (code `panic`).
    OUTBOX_ERR_PANIC = 12,
}

pub use outbox_status_t::*;

impl outbox_status_t {
    /// The engine's code for this status (`None` for `OUTBOX_OK`).
    fn error_code(self) -> Option<ErrorCode> {
        Some(match self {
            OUTBOX_OK => return None,
            OUTBOX_ERR_NULL => ErrorCode::NullArgument,
            OUTBOX_ERR_UTF8 => ErrorCode::InvalidUtf8,
            OUTBOX_ERR_JSON => ErrorCode::InvalidJson,
            OUTBOX_ERR_INVALID_EVENT => ErrorCode::InvalidEvent,
            OUTBOX_ERR_TOO_LARGE => ErrorCode::EventTooLarge,
            OUTBOX_ERR_INVALID_OPTION => ErrorCode::InvalidOption,
            OUTBOX_ERR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            OUTBOX_ERR_CLOSED => ErrorCode::Closed,
            OUTBOX_ERR_VERIFY => ErrorCode::VerifyFailed,
            OUTBOX_ERR_BUFFER => ErrorCode::BufferTooSmall,
            OUTBOX_ERR_NOT_DELIVERED => ErrorCode::NotDelivered,
            OUTBOX_ERR_PANIC => ErrorCode::Panic,
        })
    }

    fn code(self) -> &'static str {
        self.error_code().map_or("", ErrorCode::as_str)
    }

    fn name(self) -> &'static CStr {
        match self {
            OUTBOX_OK => c"OUTBOX_OK",
            OUTBOX_ERR_NULL => c"OUTBOX_ERR_NULL",
            OUTBOX_ERR_UTF8 => c"OUTBOX_ERR_UTF8",
            OUTBOX_ERR_JSON => c"OUTBOX_ERR_JSON",
            OUTBOX_ERR_INVALID_EVENT => c"OUTBOX_ERR_INVALID_EVENT",
            OUTBOX_ERR_TOO_LARGE => c"OUTBOX_ERR_TOO_LARGE",
            OUTBOX_ERR_INVALID_OPTION => c"OUTBOX_ERR_INVALID_OPTION",
            OUTBOX_ERR_INVALID_ARGUMENT => c"OUTBOX_ERR_INVALID_ARGUMENT",
            OUTBOX_ERR_CLOSED => c"OUTBOX_ERR_CLOSED",
            OUTBOX_ERR_VERIFY => c"OUTBOX_ERR_VERIFY",
            OUTBOX_ERR_BUFFER => c"OUTBOX_ERR_BUFFER",
            OUTBOX_ERR_NOT_DELIVERED => c"OUTBOX_ERR_NOT_DELIVERED",
            OUTBOX_ERR_PANIC => c"OUTBOX_ERR_PANIC",
        }
    }

    const ALL: [outbox_status_t; 13] = [
        OUTBOX_OK,
        OUTBOX_ERR_NULL,
        OUTBOX_ERR_UTF8,
        OUTBOX_ERR_JSON,
        OUTBOX_ERR_INVALID_EVENT,
        OUTBOX_ERR_TOO_LARGE,
        OUTBOX_ERR_INVALID_OPTION,
        OUTBOX_ERR_INVALID_ARGUMENT,
        OUTBOX_ERR_CLOSED,
        OUTBOX_ERR_VERIFY,
        OUTBOX_ERR_BUFFER,
        OUTBOX_ERR_NOT_DELIVERED,
        OUTBOX_ERR_PANIC,
    ];
}

/// Why a call failed: becomes the status and the thread's last error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: outbox_status_t,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(status: outbox_status_t, message: impl Into<String>) -> Failure {
        Failure { status, code: status.code(), message: message.into() }
    }

    pub fn with_code(status: outbox_status_t, code: &'static str, message: impl Into<String>) -> Failure {
        Failure { status, code, message: message.into() }
    }

    pub fn null(what: &str) -> Failure {
        Failure::new(OUTBOX_ERR_NULL, format!("{what} is NULL"))
    }

    pub fn option(message: impl Into<String>) -> Failure {
        Failure::new(OUTBOX_ERR_INVALID_OPTION, format!("invalid option: {}", message.into()))
    }

    pub fn argument(message: impl Into<String>) -> Failure {
        Failure::new(OUTBOX_ERR_INVALID_ARGUMENT, message)
    }

    /// A signing problem in configuration (`as_option`) or in an argument.
    pub fn sign(e: SignError, as_option: bool) -> Failure {
        let status = if as_option { OUTBOX_ERR_INVALID_OPTION } else { OUTBOX_ERR_INVALID_ARGUMENT };
        Failure::with_code(status, e.code(), e.to_string())
    }

    pub fn verify(e: VerifyError) -> Failure {
        Failure::with_code(OUTBOX_ERR_VERIFY, e.code(), e.to_string())
    }

    fn panic(payload: Box<dyn Any + Send>) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".into());
        Failure::new(OUTBOX_ERR_PANIC, format!("internal error (panic) in liboutbox: {what}"))
    }
}

impl From<outbox_engine::Error> for Failure {
    fn from(e: outbox_engine::Error) -> Failure {
        use outbox_engine::Error as E;
        let status = match &e {
            E::InvalidEvent(_) => OUTBOX_ERR_INVALID_EVENT,
            E::EventTooLarge { .. } => OUTBOX_ERR_TOO_LARGE,
            E::InvalidJson(_) => OUTBOX_ERR_JSON,
            E::InvalidOption(_) => OUTBOX_ERR_INVALID_OPTION,
            E::Closed => OUTBOX_ERR_CLOSED,
        };
        Failure::with_code(status, e.code().as_str(), e.to_string())
    }
}

/// The last failure on this thread. `None` after a successful call.
struct LastError {
    message: CString,
    code: CString,
}

thread_local! {
    static LAST: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn set_last(value: Option<LastError>) {
    // `try_with`: during thread teardown the slot may be gone; nothing to do.
    let _ = LAST.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = value;
        }
    });
}

/// Runs a user callback and then puts this thread's last error back as it
/// was: what the callback's own calls record must not replace the last
/// error of the call that ran it (`outbox_shutdown`, a `*_free`).
pub(crate) fn keeping_last_error<R>(callback: impl FnOnce() -> R) -> R {
    let saved = LAST.try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut slot| slot.take())).ok().flatten();
    let result = callback();
    set_last(saved);
    result
}

fn record(failure: &Failure) {
    set_last(Some(LastError {
        message: crate::cstr::c_string_lossy(&failure.message),
        code: crate::cstr::c_string_lossy(failure.code),
    }));
}

/// Runs an entry point's body: clears the last error, catches panics, and
/// turns the outcome into a status (recording the failure, if any).
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> outbox_status_t {
    set_last(None);
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(Failure::panic(payload)));
    match outcome {
        Ok(()) => OUTBOX_OK,
        Err(failure) => {
            record(&failure);
            failure.status
        }
    }
}

/// For functions that return nothing (`*_free`): the last error is left as
/// it is, unless a panic is caught, which is recorded.
pub(crate) fn guard_void(body: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(body)) {
        record(&Failure::panic(payload));
    }
}

const EMPTY: &CStr = c"";

/// The message of the last failure on the calling thread, e.g. `"invalid
/// event: track needs a non-empty event name"`, or `""` when the last call
/// succeeded.
///
/// Returns a NUL-terminated string owned by liboutbox: never NULL, do not
/// free it. It stays valid until the next call on the same thread of a
/// liboutbox function that returns an `outbox_status_t` (except
/// `outbox_last_error_copy`): those clear it on success and replace it on
/// failure. Functions returning anything else (`outbox_string_free` and the
/// other `*_free` functions, `outbox_version`, `outbox_status_name`, ...)
/// leave it alone. Copy it to keep it. Each thread has its own last error,
/// so reading it from the thread that made the call is always correct.
#[no_mangle]
pub extern "C" fn outbox_last_error() -> *const c_char {
    LAST.try_with(|slot| match &*slot.borrow() {
        Some(last) => last.message.as_ptr(),
        None => EMPTY.as_ptr(),
    })
    .unwrap_or(EMPTY.as_ptr())
}

/// A stable snake_case code for the last failure on the calling thread
/// (`"null_argument"`, `"invalid_json"`, `"no_matching_signature"`, ...;
/// see `outbox_status_t`), or `""` when the last call succeeded. Meant for
/// programs to branch on; the message is for people.
///
/// Same lifetime and ownership as `outbox_last_error()`.
#[no_mangle]
pub extern "C" fn outbox_last_error_code() -> *const c_char {
    LAST.try_with(|slot| match &*slot.borrow() {
        Some(last) => last.code.as_ptr(),
        None => EMPTY.as_ptr(),
    })
    .unwrap_or(EMPTY.as_ptr())
}

/// Copies `outbox_last_error()` (with its NUL) into `buf`, for callers that
/// want to keep it past the next call.
///
/// `buf` may be NULL only when `buf_len` is 0. `needed_out` (optional)
/// receives the size needed, NUL included.
///
/// Returns `OUTBOX_OK`, or `OUTBOX_ERR_BUFFER` when `buf_len` is smaller
/// than the size needed (then `buf` holds as much of the message as fits,
/// NUL-terminated, when `buf_len` > 0). Never changes the last error.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_last_error_copy(
    buf: *mut c_char,
    buf_len: usize,
    needed_out: *mut usize,
) -> outbox_status_t {
    let copy = catch_unwind(AssertUnwindSafe(|| {
        let message = unsafe { std::ffi::CStr::from_ptr(outbox_last_error()) }.to_bytes_with_nul();
        let needed = message.len();
        if !needed_out.is_null() {
            unsafe { *needed_out = needed };
        }
        if buf.is_null() || buf_len == 0 {
            return if needed <= buf_len { OUTBOX_OK } else { OUTBOX_ERR_BUFFER };
        }
        let n = needed.min(buf_len);
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr().cast::<c_char>(), buf, n);
            *buf.add(n - 1) = 0;
        }
        if needed <= buf_len {
            OUTBOX_OK
        } else {
            OUTBOX_ERR_BUFFER
        }
    }));
    copy.unwrap_or(OUTBOX_ERR_PANIC)
}

/// The name of a status as a static string (`"OUTBOX_ERR_JSON"`), or
/// `"OUTBOX_UNKNOWN_STATUS"` for a value that is not an `outbox_status_t`.
/// Any `int` is safe to pass. Never NULL, never freed; does not change the
/// last error.
#[no_mangle]
pub extern "C" fn outbox_status_name(status: c_int) -> *const c_char {
    outbox_status_t::ALL.iter().find(|s| **s as c_int == status).map_or(c"OUTBOX_UNKNOWN_STATUS", |s| s.name()).as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> (String, String) {
        unsafe {
            (
                CStr::from_ptr(outbox_last_error()).to_str().unwrap().to_owned(),
                CStr::from_ptr(outbox_last_error_code()).to_str().unwrap().to_owned(),
            )
        }
    }

    #[test]
    fn panics_become_a_status_and_a_message() {
        let status = guard(|| panic!("boom {}", 42));
        assert_eq!(status, OUTBOX_ERR_PANIC);
        let (message, code) = last();
        assert!(message.contains("boom 42"), "{message}");
        assert_eq!(code, "panic");
        assert_eq!(guard(|| Ok(())), OUTBOX_OK);
        assert_eq!(last(), (String::new(), String::new()));
    }

    #[test]
    fn failures_are_recorded_per_thread() {
        assert_eq!(guard(|| Err(Failure::null("user_id"))), OUTBOX_ERR_NULL);
        std::thread::spawn(|| assert_eq!(last().0, "")).join().unwrap();
        assert_eq!(last(), ("user_id is NULL".to_owned(), "null_argument".to_owned()));
    }

    #[test]
    fn copy_reports_the_size_needed() {
        let _ = guard(|| Err(Failure::argument("0123456789")));
        let mut needed = 0usize;
        let mut small = [1 as c_char; 4];
        let s = unsafe { outbox_last_error_copy(small.as_mut_ptr(), small.len(), &mut needed) };
        assert_eq!((s, needed), (OUTBOX_ERR_BUFFER, 11));
        assert_eq!(unsafe { CStr::from_ptr(small.as_ptr()) }.to_str().unwrap(), "012");
        let mut big = [1 as c_char; 11];
        let s = unsafe { outbox_last_error_copy(big.as_mut_ptr(), big.len(), std::ptr::null_mut()) };
        assert_eq!(s, OUTBOX_OK);
        assert_eq!(unsafe { CStr::from_ptr(big.as_ptr()) }.to_str().unwrap(), "0123456789");
        // Copying does not clear it.
        assert_eq!(last().1, "invalid_argument");
    }

    #[test]
    fn every_status_has_a_name() {
        for s in outbox_status_t::ALL {
            let name = unsafe { CStr::from_ptr(outbox_status_name(s as c_int)) }.to_str().unwrap();
            assert!(name.starts_with("OUTBOX_"), "{name}");
        }
        let unknown = unsafe { CStr::from_ptr(outbox_status_name(-7)) }.to_str().unwrap();
        assert_eq!(unknown, "OUTBOX_UNKNOWN_STATUS");
    }
}
