//! A thin, checked layer over the raw N-API calls the binding makes on its
//! hot paths (reading arguments, walking user objects), and the errors it
//! throws.
//!
//! Every call checks its status. A JavaScript exception raised by user code
//! (a throwing getter or `toJSON`) stays pending and reaches the caller
//! unchanged; anything else becomes an `OutboxError` with a `code`.

use std::ffi::CString;
use std::ptr;

use napi::sys;
use outbox_bind::Unfit;

pub type Raw = sys::napi_value;

/// Why a call failed. Turned into a thrown JavaScript error by [`Js::throw`].
#[derive(Debug)]
pub enum Fail {
    /// A JavaScript exception is already pending (thrown by user code).
    Pending,
    /// An argument of the wrong type: `TypeError` with code `ERR_INVALID_ARG_TYPE`.
    Type(String),
    /// `OutboxError` with this code (`invalid_option`, `invalid_event`, ...).
    Outbox(&'static str, String),
}

pub type R<T> = Result<T, Fail>;

pub fn invalid_event(msg: impl Into<String>) -> Fail {
    Fail::Outbox("invalid_event", msg.into())
}

pub fn invalid_option(msg: impl Into<String>) -> Fail {
    Fail::Outbox("invalid_option", msg.into())
}

/// The code and message of a core error, naming options and fields as
/// Node does (`maxEventBytes`, `userId`).
pub fn core_error(e: &outbox_engine::Error) -> Fail {
    Fail::Outbox(e.code().as_str(), e.message(outbox_engine::options::schema::Naming::Camel))
}

#[derive(Clone, Copy)]
pub struct Js {
    pub env: sys::napi_env,
}

macro_rules! call {
    ($js:expr, $f:ident ( $($arg:expr),* )) => {{
        let status = unsafe { sys::$f($js.env, $($arg),*) };
        $js.check_named(status, stringify!($f))
    }};
}

pub mod ty {
    pub use napi::sys::ValueType::*;
}

impl Js {
    pub fn new(env: sys::napi_env) -> Js {
        Js { env }
    }

    pub fn check_named(&self, status: sys::napi_status, call: &str) -> R<()> {
        if status == sys::Status::napi_ok {
            return Ok(());
        }
        let mut pending = false;
        unsafe { sys::napi_is_exception_pending(self.env, &mut pending) };
        if pending || status == sys::Status::napi_pending_exception {
            return Err(Fail::Pending);
        }
        Err(Fail::Outbox("internal", format!("{call} failed with N-API status {status}")))
    }

    /// Throws `fail` and returns the error a `#[napi]` function returns so
    /// that the pending exception is what JavaScript sees.
    pub fn throw(&self, fail: Fail) -> napi::Error {
        let cstring = |s: &str| CString::new(s.replace('\0', "\\0")).unwrap_or_default();
        match fail {
            Fail::Pending => {}
            Fail::Type(msg) => unsafe {
                let code = cstring("ERR_INVALID_ARG_TYPE");
                let msg = cstring(&msg);
                sys::napi_throw_type_error(self.env, code.as_ptr(), msg.as_ptr());
            },
            Fail::Outbox(code, msg) => unsafe {
                let code = cstring(code);
                let msg = cstring(&msg);
                sys::napi_throw_error(self.env, code.as_ptr(), msg.as_ptr());
            },
        }
        napi::Error::from_status(napi::Status::PendingException)
    }

    pub fn type_of(&self, v: Raw) -> R<i32> {
        let mut t = 0;
        call!(self, napi_typeof(v, &mut t))?;
        Ok(t)
    }

    pub fn is_nullish(&self, v: Raw) -> R<bool> {
        let t = self.type_of(v)?;
        Ok(t == ty::napi_undefined || t == ty::napi_null)
    }

    /// A JavaScript string as Rust UTF-8 (lone surrogates become U+FFFD; event
    /// data goes through `with_str`, which refuses them).
    pub fn string(&self, v: Raw) -> R<String> {
        // One call for short strings; a second, exact one for long ones.
        let mut buf = [0u8; 256];
        let mut len = 0usize;
        call!(self, napi_get_value_string_utf8(v, buf.as_mut_ptr().cast(), buf.len(), &mut len))?;
        if len < buf.len() - 4 {
            return Ok(utf8(buf[..len].to_vec()));
        }
        call!(self, napi_get_value_string_utf8(v, ptr::null_mut(), 0, &mut len))?;
        let mut big = vec![0u8; len + 1];
        let mut written = 0usize;
        call!(self, napi_get_value_string_utf8(v, big.as_mut_ptr().cast(), big.len(), &mut written))?;
        big.truncate(written);
        Ok(utf8(big))
    }

    /// Runs `f` on a JavaScript string of at most `max_bytes` bytes of
    /// UTF-8, without allocating when it is short. A longer string is
    /// refused without being copied, and so is one with a lone surrogate
    /// (it has no UTF-8 form).
    pub fn with_str<T>(&self, v: Raw, max_bytes: usize, f: impl FnOnce(&str) -> T) -> R<Result<T, Unfit>> {
        // UTF-8 takes at least a byte per UTF-16 unit, and the count of units
        // is known without reading the string (reading a rope such as
        // `'x'.repeat(3e8)` would flatten it: 300 MB).
        let units = self.utf16_len(v)?;
        if units > max_bytes {
            return Ok(Err(Unfit::TooLong(units)));
        }
        let mut buf = [0u8; 256];
        let mut len = 0usize;
        call!(self, napi_get_value_string_utf8(v, buf.as_mut_ptr().cast(), buf.len(), &mut len))?;
        let owned;
        let text = if len < buf.len() - 4 {
            match std::str::from_utf8(&buf[..len]) {
                Ok(s) => s,
                Err(_) => {
                    owned = String::from_utf8_lossy(&buf[..len]).into_owned();
                    owned.as_str()
                }
            }
        } else {
            owned = self.string(v)?;
            owned.as_str()
        };
        if text.len() > max_bytes {
            return Ok(Err(Unfit::TooLong(text.len())));
        }
        // N-API turns a lone surrogate into U+FFFD: look closer only then.
        if text.contains('\u{FFFD}') && self.has_lone_surrogate(v)? {
            return Ok(Err(Unfit::LoneSurrogate));
        }
        Ok(Ok(f(text)))
    }

    /// The length of a string in UTF-16 units (without reading it).
    fn utf16_len(&self, v: Raw) -> R<usize> {
        let mut len = 0usize;
        call!(self, napi_get_value_string_utf16(v, ptr::null_mut(), 0, &mut len))?;
        Ok(len)
    }

    fn has_lone_surrogate(&self, v: Raw) -> R<bool> {
        let mut units = vec![0u16; self.utf16_len(v)? + 1];
        let mut written = 0usize;
        call!(self, napi_get_value_string_utf16(v, units.as_mut_ptr(), units.len(), &mut written))?;
        units.truncate(written);
        Ok(char::decode_utf16(units).any(|c| c.is_err()))
    }

    pub fn f64(&self, v: Raw) -> R<f64> {
        let mut n = 0.0;
        call!(self, napi_get_value_double(v, &mut n))?;
        Ok(n)
    }

    pub fn bool(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_get_value_bool(v, &mut b))?;
        Ok(b)
    }

    pub fn is_array(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_is_array(v, &mut b))?;
        Ok(b)
    }

    pub fn array_len(&self, v: Raw) -> R<u32> {
        let mut n = 0u32;
        call!(self, napi_get_array_length(v, &mut n))?;
        Ok(n)
    }

    pub fn element(&self, v: Raw, i: u32) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_get_element(v, i, &mut out))?;
        Ok(out)
    }

    pub fn named(&self, obj: Raw, name: &std::ffi::CStr) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_get_named_property(obj, name.as_ptr(), &mut out))?;
        Ok(out)
    }

    pub fn property(&self, obj: Raw, key: Raw) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_get_property(obj, key, &mut out))?;
        Ok(out)
    }

    /// Own enumerable string keys, in `Object.keys` order.
    pub fn own_keys(&self, obj: Raw) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(
            self,
            napi_get_all_property_names(
                obj,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut out
            )
        )?;
        Ok(out)
    }

    pub fn prototype(&self, obj: Raw) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_get_prototype(obj, &mut out))?;
        Ok(out)
    }

    pub fn is_date(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_is_date(v, &mut b))?;
        Ok(b)
    }

    pub fn date_value(&self, v: Raw) -> R<f64> {
        let mut n = 0.0;
        call!(self, napi_get_date_value(v, &mut n))?;
        Ok(n)
    }

    pub fn is_typedarray(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_is_typedarray(v, &mut b))?;
        Ok(b)
    }

    pub fn is_arraybuffer(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_is_arraybuffer(v, &mut b))?;
        Ok(b)
    }

    pub fn is_dataview(&self, v: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_is_dataview(v, &mut b))?;
        Ok(b)
    }

    /// The element type, element count and bytes of a typed array.
    pub fn typedarray(&self, v: Raw) -> R<(i32, usize, &[u8])> {
        let mut kind = 0;
        let mut len = 0usize;
        let mut data = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut offset = 0usize;
        call!(self, napi_get_typedarray_info(v, &mut kind, &mut len, &mut data, &mut buffer, &mut offset))?;
        let width = match kind {
            sys::TypedarrayType::int8_array
            | sys::TypedarrayType::uint8_array
            | sys::TypedarrayType::uint8_clamped_array => 1,
            sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
            sys::TypedarrayType::int32_array
            | sys::TypedarrayType::uint32_array
            | sys::TypedarrayType::float32_array => 4,
            _ => 8,
        };
        Ok((kind, len, bytes(data, len * width)))
    }

    pub fn arraybuffer(&self, v: Raw) -> R<&[u8]> {
        let mut data = ptr::null_mut();
        let mut len = 0usize;
        call!(self, napi_get_arraybuffer_info(v, &mut data, &mut len))?;
        Ok(bytes(data, len))
    }

    pub fn dataview(&self, v: Raw) -> R<&[u8]> {
        let mut data = ptr::null_mut();
        let mut len = 0usize;
        let mut buffer = ptr::null_mut();
        let mut offset = 0usize;
        call!(self, napi_get_dataview_info(v, &mut len, &mut data, &mut buffer, &mut offset))?;
        Ok(bytes(data, len))
    }

    /// How many 64-bit words a BigInt's magnitude takes (V8 keeps no
    /// leading zero words), without copying them.
    pub fn bigint_word_count(&self, v: Raw) -> R<usize> {
        let mut count = 0usize;
        // With `sign_bit` and `words` both null, only the word count is read.
        call!(self, napi_get_value_bigint_words(v, ptr::null_mut(), &mut count, ptr::null_mut()))?;
        Ok(count)
    }

    /// Sign and magnitude words (least significant first) of a BigInt.
    pub fn bigint_words(&self, v: Raw) -> R<(bool, Vec<u64>)> {
        let mut sign = 0;
        let count = self.bigint_word_count(v)?;
        let mut words = vec![0u64; count.max(1)];
        let mut count2 = words.len();
        call!(self, napi_get_value_bigint_words(v, &mut sign, &mut count2, words.as_mut_ptr()))?;
        words.truncate(count2.max(1));
        Ok((sign != 0, words))
    }

    pub fn call(&self, func: Raw, this: Raw, args: &[Raw]) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_call_function(this, func, args.len(), args.as_ptr(), &mut out))?;
        Ok(out)
    }

    pub fn strict_equals(&self, a: Raw, b: Raw) -> R<bool> {
        let mut eq = false;
        call!(self, napi_strict_equals(a, b, &mut eq))?;
        Ok(eq)
    }

    pub fn instance_of(&self, v: Raw, ctor: Raw) -> R<bool> {
        let mut b = false;
        call!(self, napi_instanceof(v, ctor, &mut b))?;
        Ok(b)
    }

    pub fn global(&self) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_get_global(&mut out))?;
        Ok(out)
    }

    pub fn str_value(&self, s: &str) -> R<Raw> {
        let mut out = ptr::null_mut();
        call!(self, napi_create_string_utf8(s.as_ptr().cast(), s.len() as isize, &mut out))?;
        Ok(out)
    }

    pub fn coerce_string(&self, v: Raw) -> R<String> {
        let mut out = ptr::null_mut();
        call!(self, napi_coerce_to_string(v, &mut out))?;
        self.string(out)
    }

    /// A short description of a value's type for error messages
    /// ("a number", "an array", "null", ...).
    pub fn describe(&self, v: Raw) -> String {
        let t = match self.type_of(v) {
            Ok(t) => t,
            Err(_) => return "a value".into(),
        };
        match t {
            ty::napi_undefined => "undefined".into(),
            ty::napi_null => "null".into(),
            ty::napi_boolean => "a boolean".into(),
            ty::napi_number => match self.f64(v) {
                Ok(n) => format!("the number {}", format_number(n)),
                Err(_) => "a number".into(),
            },
            ty::napi_string => "a string".into(),
            ty::napi_symbol => "a symbol".into(),
            ty::napi_function => "a function".into(),
            ty::napi_bigint => "a bigint".into(),
            ty::napi_object => {
                if self.is_array(v).unwrap_or(false) {
                    "an array".into()
                } else if self.is_date(v).unwrap_or(false) {
                    "a Date".into()
                } else if self.is_typedarray(v).unwrap_or(false) {
                    "a Buffer or typed array".into()
                } else {
                    "an object".into()
                }
            }
            _ => "a value".into(),
        }
    }
}

fn bytes<'a>(data: *mut std::ffi::c_void, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: N-API hands out the backing store of a live value; it
        // stays valid for the duration of the native call that reads it.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
    }
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A number as JavaScript prints it in the common cases (for messages).
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i128)
    } else {
        format!("{n}")
    }
}
