//! JavaScript values to event JSON, without a `JSON.stringify` round trip.
//!
//! A `serde::Serialize` implementation walks the N-API values and
//! `outbox_core::Json::from_serialize` writes the JSON text straight from
//! them. The rules (documented in docs/node.md, tested by
//! tests/vectors/conversions.json and test/conversions.test.js) follow
//! `JSON.stringify` where it is sensible and fix its surprises:
//!
//! | value | JSON |
//! | --- | --- |
//! | object, class instance | own enumerable string keys, in order |
//! | array | array; `undefined`, functions, symbols become `null` |
//! | `undefined`, function, symbol as a property | omitted |
//! | number | integers as integers, others shortest round-trip |
//! | `NaN`, `±Infinity` | error (JSON has no such numbers) |
//! | BigInt | the exact integer, however large |
//! | Date | ISO 8601 string with milliseconds (UTC); an invalid Date is an error |
//! | Buffer, Uint8Array, ArrayBuffer, DataView | base64 string |
//! | other typed arrays | arrays of numbers |
//! | Map | object (keys stringified; object or symbol keys are an error) |
//! | Set | array |
//! | object with `toJSON()` | what `toJSON(key)` returns |
//! | Error | `{name, message, ...own enumerable properties}` |
//! | `new Number/String/Boolean(...)` | the primitive |
//! | circular reference | error naming where |
//! | string with a lone surrogate | error (it has no UTF-8 form) |
//!
//! Size: the output is counted as it is written, and a value is refused
//! (`event_too_large`) as soon as what it would take exceeds the limit
//! (`maxEventBytes`, `maxMessageBytes`), before the rest of it is read: a
//! sparse `new Array(4e9)`, a 300 MB string or a BigInt of millions of bits
//! costs no more than a value of the limit's size. The counts are lower
//! bounds of what is written, so nothing that fits is refused; the engine
//! checks the exact size of the whole event afterwards.

use std::cell::{Cell, RefCell};

use base64::Engine as _;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use outbox_core::Json;

use crate::cache::{Builtin, Cache};
use crate::js::{format_number, invalid_event, iso_date, ty, Fail, Js, Raw, Refused, R};

/// Objects nested deeper than this are refused: they are almost certainly a
/// mistake, and each level costs native stack on the thread that also runs
/// JavaScript (V8 refuses to call `toJSON` or `Object.keys` once the stack
/// is nearly used up, and workers have smaller stacks).
/// The limit is core's, so every language refuses the same events.
const MAX_DEPTH: usize = outbox_core::event::MAX_DEPTH;

/// The most bytes a converted value may take, and the option that sets it.
#[derive(Clone, Copy)]
pub struct Limit {
    pub bytes: usize,
    pub option: &'static str,
}

/// Converts `value` (named `name` in messages, e.g. "properties") to JSON.
/// `undefined` and `null` give `None`.
pub fn to_json(js: Js, value: Raw, name: &str, limit: Limit) -> R<Option<Json>> {
    if js.is_nullish(value)? {
        return Ok(None);
    }
    let conv = Converter::new(js, name, limit);
    let resolved = conv.resolve(value, Key::Root, true)?;
    if let Val::Skip = resolved {
        return Err(Fail::Type(format!("{name} must be an object, not {}", js.describe(value))));
    }
    conv.run(resolved).map(Some)
}

/// Like `to_json`, for any value (`undefined` becomes `null`).
pub fn value_to_json(js: Js, value: Raw, name: &str, limit: Limit) -> R<Json> {
    let conv = Converter::new(js, name, limit);
    let resolved = match conv.resolve(value, Key::Root, true)? {
        Val::Skip => Val::Null,
        v => v,
    };
    conv.run(resolved)
}

struct Converter<'n> {
    js: Js,
    name: &'n str,
    limit: Limit,
    /// Bytes of output so far (a lower bound; see the module comment).
    used: Cell<usize>,
    /// Objects being serialized, outermost first (circular reference check).
    stack: RefCell<Vec<Raw>>,
    /// Where we are, for messages.
    path: RefCell<Vec<Seg>>,
    fail: RefCell<Option<Fail>>,
    cache: Cell<Option<&'static Cache>>,
    /// `Object.prototype` and `Object.keys`, fetched once per conversion.
    object_proto: Cell<Option<Raw>>,
    object_keys: Cell<Option<Raw>>,
    /// The string "toJSON", made once per conversion.
    to_json_key: Cell<Option<Raw>>,
}

enum Seg {
    Key(Raw),
    Text(String),
    Index(u32),
}

#[derive(Clone, Copy)]
enum Key {
    Root,
    Prop(Raw),
    Index(u32),
}

enum Val {
    /// Omitted in objects, `null` in arrays.
    Skip,
    Null,
    Bool(bool),
    Num(f64),
    Str(Raw),
    BigInt(Raw),
    Date(f64),
    Bytes(Raw, ByteKind),
    Typed(Raw),
    Array(Raw),
    Object(Raw),
    Map(Raw, Raw),
    Set(Raw, Raw),
    Error(Raw),
}

#[derive(Clone, Copy)]
enum ByteKind {
    ArrayBuffer,
    DataView,
}

impl<'n> Converter<'n> {
    fn new(js: Js, name: &'n str, limit: Limit) -> Converter<'n> {
        Converter {
            js,
            name,
            limit,
            used: Cell::new(0),
            stack: RefCell::new(Vec::new()),
            path: RefCell::new(Vec::new()),
            fail: RefCell::new(None),
            cache: Cell::new(None),
            object_proto: Cell::new(None),
            object_keys: Cell::new(None),
            to_json_key: Cell::new(None),
        }
    }

    fn run(&self, root: Val) -> R<Json> {
        let node = Node { c: self, v: root };
        match Json::from_serialize(&node) {
            Ok(json) => Ok(json),
            Err(e) => Err(self.fail.borrow_mut().take().unwrap_or_else(|| crate::js::core_error(&e))),
        }
    }

    fn builtin(&self, which: Builtin) -> R<Raw> {
        let cache = match self.cache.get() {
            Some(c) => c,
            None => {
                let c = Cache::get(self.js)?;
                self.cache.set(Some(c));
                c
            }
        };
        cache.value(self.js, which)
    }

    fn cached(&self, slot: &Cell<Option<Raw>>, which: Builtin) -> R<Raw> {
        if let Some(v) = slot.get() {
            return Ok(v);
        }
        let v = self.builtin(which)?;
        slot.set(Some(v));
        Ok(v)
    }

    /// Own enumerable string keys, as `Object.keys` gives them (its fast
    /// path is far cheaper than `napi_get_all_property_names`).
    fn keys(&self, obj: Raw) -> R<Raw> {
        let keys = self.cached(&self.object_keys, Builtin::ObjectKeys)?;
        self.js.call(keys, keys, &[obj])
    }

    /// Calls `v.toJSON(key)` if `v` has one.
    fn call_to_json(&self, v: Raw, key: Key) -> R<Option<Raw>> {
        let js = self.js;
        let name = match self.to_json_key.get() {
            Some(k) => k,
            None => {
                let k = js.str_value("toJSON")?;
                self.to_json_key.set(Some(k));
                k
            }
        };
        let f = js.property(v, name)?;
        if js.type_of(f)? != ty::napi_function {
            return Ok(None);
        }
        let k = match key {
            Key::Root => js.str_value("")?,
            Key::Prop(k) => k,
            Key::Index(i) => js.str_value(&i.to_string())?,
        };
        Ok(Some(js.call(f, v, &[k])?))
    }

    /// Classifies a value, calling `toJSON` (once) when it has one.
    fn resolve(&self, v: Raw, key: Key, to_json: bool) -> R<Val> {
        let js = self.js;
        Ok(match js.type_of(v)? {
            ty::napi_null => Val::Null,
            ty::napi_boolean => Val::Bool(js.bool(v)?),
            ty::napi_number => Val::Num(js.f64(v)?),
            ty::napi_string => Val::Str(v),
            ty::napi_bigint => Val::BigInt(v),
            ty::napi_object => return self.resolve_object(v, key, to_json),
            // undefined, functions, symbols, externals
            _ => Val::Skip,
        })
    }

    fn resolve_object(&self, v: Raw, key: Key, to_json: bool) -> R<Val> {
        let js = self.js;
        if js.is_array(v)? {
            return Ok(Val::Array(v));
        }
        // Plain objects (prototype Object.prototype, of this or another
        // realm, or null) skip the checks for special kinds.
        let proto = js.prototype(v)?;
        let plain = js.strict_equals(proto, self.cached(&self.object_proto, Builtin::ObjectPrototype)?)?
            || js.type_of(proto)? == ty::napi_null
            || js.type_of(js.prototype(proto)?)? == ty::napi_null;
        if plain {
            if to_json {
                if let Some(out) = self.call_to_json(v, key)? {
                    return self.resolve(out, key, false);
                }
            }
            return Ok(Val::Object(v));
        }
        if js.is_date(v)? {
            return Ok(Val::Date(js.date_value(v)?));
        }
        if js.is_typedarray(v)? {
            return Ok(Val::Typed(v));
        }
        if js.is_arraybuffer(v)? {
            return Ok(Val::Bytes(v, ByteKind::ArrayBuffer));
        }
        if js.is_dataview(v)? {
            return Ok(Val::Bytes(v, ByteKind::DataView));
        }
        if to_json {
            if let Some(out) = self.call_to_json(v, key)? {
                return self.resolve(out, key, false);
            }
        }
        let array = self.builtin(Builtin::Array)?;
        let array_from = self.builtin(Builtin::ArrayFrom)?;
        if js.instance_of(v, self.builtin(Builtin::Map)?)? {
            return Ok(Val::Map(v, js.call(array_from, array, &[v])?));
        }
        if js.instance_of(v, self.builtin(Builtin::Set)?)? {
            return Ok(Val::Set(v, js.call(array_from, array, &[v])?));
        }
        if js.instance_of(v, self.builtin(Builtin::Error)?)? {
            return Ok(Val::Error(v));
        }
        for boxed in [Builtin::Number, Builtin::String, Builtin::Boolean] {
            if js.instance_of(v, self.builtin(boxed)?)? {
                let value_of = js.named(v, c"valueOf")?;
                if js.type_of(value_of)? == ty::napi_function {
                    let primitive = js.call(value_of, v, &[])?;
                    return self.resolve(primitive, key, false);
                }
            }
        }
        Ok(Val::Object(v))
    }

    /// Records the first failure; serde then unwinds with a placeholder.
    fn failed<E: serde::ser::Error>(&self, fail: Fail) -> E {
        let mut slot = self.fail.borrow_mut();
        if slot.is_none() {
            *slot = Some(fail);
        }
        E::custom("conversion failed")
    }

    /// Counts `bytes` more of output, refusing the value once over the limit.
    fn spend<E: serde::ser::Error>(&self, bytes: usize) -> Result<(), E> {
        self.room_for(bytes)?;
        self.used.set(self.used.get() + bytes);
        Ok(())
    }

    /// Refuses the value, without counting, if `bytes` more would not fit.
    fn room_for<E: serde::ser::Error>(&self, bytes: usize) -> Result<(), E> {
        let total = self.used.get().saturating_add(bytes);
        if total <= self.limit.bytes {
            return Ok(());
        }
        Err(self.failed(Fail::Outbox(
            "event_too_large",
            format!(
                "{} would take at least {total} bytes once serialized, over the limit of {} bytes ({}); refused at {}",
                self.name,
                self.limit.bytes,
                self.limit.option,
                self.where_()
            ),
        )))
    }

    /// What is left of the limit.
    fn room(&self) -> usize {
        self.limit.bytes.saturating_sub(self.used.get())
    }

    /// Runs `f` on a string's text after counting it (with its two quotes).
    fn with_text<T, E: serde::ser::Error>(&self, v: Raw, f: impl FnOnce(&str) -> T) -> Result<T, E> {
        let (len, out) = self.checked_text(v, |text| (text.len(), f(text)))?;
        self.spend(len + 2)?;
        Ok(out)
    }

    /// Runs `f` on a string's text if it can fit (not counted), and has no
    /// lone surrogate.
    fn checked_text<T, E: serde::ser::Error>(&self, v: Raw, f: impl FnOnce(&str) -> T) -> Result<T, E> {
        match self.js.with_str(v, self.room().saturating_sub(2), f) {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(Refused::TooLong(len))) => {
                self.room_for(len + 2)?;
                Err(self.bad("is too long")) // not reached: it did not fit
            }
            Ok(Err(Refused::LoneSurrogate)) => Err(self.bad(
                "contains a lone surrogate (like '\\ud800'), which is not valid Unicode; JSON text must be UTF-8, \
                 so clean or re-encode the string first",
            )),
            Err(f) => Err(self.failed(f)),
        }
    }

    fn bad<E: serde::ser::Error>(&self, what: &str) -> E {
        let fail = invalid_event(format!("{} {what}", self.where_()));
        self.failed(fail)
    }

    /// `properties.a.b[2]`, for messages.
    fn where_(&self) -> String {
        let mut out = self.name.to_owned();
        for seg in self.path.borrow().iter() {
            match seg {
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Key(k) => push_key(&mut out, &key_for_message(self.js, *k)),
                Seg::Text(t) => push_key(&mut out, t),
            }
        }
        if out.chars().count() > 160 {
            let chars: Vec<char> = out.chars().collect();
            let head: String = chars[..70].iter().collect();
            let tail: String = chars[chars.len() - 70..].iter().collect();
            out = format!("{head}...{tail}");
        }
        out
    }

    /// Enters an object: refuses cycles and absurd depth.
    fn enter<E: serde::ser::Error>(&self, obj: Raw) -> Result<(), E> {
        let depth = self.stack.borrow().len();
        if depth >= MAX_DEPTH {
            return Err(self.bad(&format!("is nested more than {MAX_DEPTH} levels deep")));
        }
        for &ancestor in self.stack.borrow().iter() {
            match self.js.strict_equals(ancestor, obj) {
                Ok(true) => {
                    return Err(self.bad(
                        "is a circular reference (an object that contains itself) and cannot be converted to JSON",
                    ))
                }
                Ok(false) => {}
                Err(f) => return Err(self.failed(f)),
            }
        }
        self.stack.borrow_mut().push(obj);
        Ok(())
    }

    fn leave(&self) {
        self.stack.borrow_mut().pop();
    }

    fn with_seg<T>(&self, seg: Seg, f: impl FnOnce() -> T) -> T {
        self.path.borrow_mut().push(seg);
        let out = f();
        self.path.borrow_mut().pop();
        out
    }
}

/// A key as messages show it: a huge one is not copied whole.
fn key_for_message(js: Js, k: Raw) -> String {
    match js.with_str(k, 200, str::to_owned) {
        Ok(Ok(key)) => key,
        // Short enough to copy, with U+FFFD for the surrogate.
        Ok(Err(Refused::LoneSurrogate)) => js.string(k).unwrap_or_default(),
        _ => "(a very long key)".into(),
    }
}

fn push_key(out: &mut String, key: &str) {
    let ident = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if ident {
        out.push('.');
        out.push_str(key);
    } else {
        out.push_str(&format!("[{}]", serde_json::to_string(key).unwrap_or_default()));
    }
}

struct Node<'c, 'n> {
    c: &'c Converter<'n>,
    v: Val,
}

/// Unwraps a conversion step inside `serialize`.
macro_rules! tri {
    ($c:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return Err($c.failed(f)),
        }
    };
}

impl Serialize for Node<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.c;
        let js = c.js;
        match &self.v {
            Val::Skip | Val::Null => {
                c.spend(4)?;
                s.serialize_unit()
            }
            Val::Bool(b) => {
                c.spend(4)?;
                s.serialize_bool(*b)
            }
            Val::Num(n) => {
                c.spend(1)?;
                serialize_number(c, *n, s)
            }
            Val::Str(v) => c.with_text(*v, |text| s.serialize_str(text))?,
            Val::BigInt(v) => {
                // Refused by its size before any conversion.
                let words = tri!(c, js.bigint_word_count(*v));
                c.room_for(min_decimal_digits(words))?;
                let text = tri!(c, bigint_text(js, *v, words));
                c.spend(text.len())?;
                match RawValue::from_string(text) {
                    Ok(raw) => raw.serialize(s),
                    Err(e) => Err(S::Error::custom(e)),
                }
            }
            Val::Date(ms) => {
                c.spend(26)?; // "1970-01-01T00:00:00.000Z" and its quotes
                if ms.is_finite() {
                    s.serialize_str(&iso_date(*ms))
                } else {
                    Err(c.bad("is an invalid Date (its time value is NaN) and cannot be converted to JSON"))
                }
            }
            Val::Bytes(v, kind) => {
                let bytes = match kind {
                    ByteKind::ArrayBuffer => tri!(c, js.arraybuffer(*v)),
                    ByteKind::DataView => tri!(c, js.dataview(*v)),
                };
                c.spend(base64_len(bytes.len()) + 2)?;
                s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            Val::Typed(v) => serialize_typed(c, *v, s),
            Val::Array(v) => {
                c.enter(*v)?;
                let len = tri!(c, js.array_len(*v));
                spend_for_items(c, len)?;
                let mut seq = s.serialize_seq(Some(len as usize))?;
                for i in 0..len {
                    let item = tri!(c, js.element(*v, i));
                    c.with_seg(Seg::Index(i), || -> Result<(), S::Error> {
                        let val = tri!(c, c.resolve(item, Key::Index(i), true));
                        seq.serialize_element(&Node { c, v: val })
                    })?;
                }
                c.leave();
                seq.end()
            }
            Val::Set(obj, values) => {
                c.enter(*obj)?;
                let len = tri!(c, js.array_len(*values));
                spend_for_items(c, len)?;
                let mut seq = s.serialize_seq(Some(len as usize))?;
                for i in 0..len {
                    let item = tri!(c, js.element(*values, i));
                    c.with_seg(Seg::Index(i), || -> Result<(), S::Error> {
                        let val = tri!(c, c.resolve(item, Key::Index(i), true));
                        seq.serialize_element(&Node { c, v: val })
                    })?;
                }
                c.leave();
                seq.end()
            }
            Val::Object(v) => {
                c.enter(*v)?;
                c.spend(1)?; // braces, less the comma counted per entry
                let mut map = s.serialize_map(None)?;
                serialize_own(c, *v, &mut map, &[])?;
                c.leave();
                map.end()
            }
            Val::Error(v) => {
                c.enter(*v)?;
                c.spend(1)?;
                let mut map = s.serialize_map(None)?;
                for (name, key) in [("name", c"name"), ("message", c"message")] {
                    let val = tri!(c, js.named(*v, key));
                    if js.type_of(val).is_ok_and(|t| t == ty::napi_string) {
                        c.spend(name.len() + 4)?;
                        c.with_seg(Seg::Text(name.into()), || {
                            map.serialize_entry(name, &Node { c, v: Val::Str(val) })
                        })?;
                    }
                }
                serialize_own(c, *v, &mut map, &["name", "message"])?;
                c.leave();
                map.end()
            }
            Val::Map(obj, entries) => {
                c.enter(*obj)?;
                c.spend(1)?;
                let len = tri!(c, js.array_len(*entries));
                let mut map = s.serialize_map(Some(len as usize))?;
                for i in 0..len {
                    let pair = tri!(c, js.element(*entries, i));
                    let k = tri!(c, js.element(pair, 0));
                    let v = tri!(c, js.element(pair, 1));
                    let key = match map_key(c, k)? {
                        Some(key) => key,
                        None => {
                            return Err(c.bad(&format!(
                                "has a Map key that is {}; only strings, numbers, bigints and booleans can become JSON object keys",
                                js.describe(k)
                            )))
                        }
                    };
                    c.with_seg(Seg::Text(key.clone()), || -> Result<(), S::Error> {
                        let val = tri!(c, c.resolve(v, Key::Prop(k), true));
                        if let Val::Skip = val {
                            return Ok(());
                        }
                        c.spend(key.len() + 4)?; // quotes, colon, comma
                        map.serialize_entry(&key, &Node { c, v: val })
                    })?;
                }
                c.leave();
                map.end()
            }
        }
    }
}

/// An object's own enumerable string-keyed properties, skipping `skip`.
fn serialize_own<M: SerializeMap>(c: &Converter<'_>, obj: Raw, map: &mut M, skip: &[&str]) -> Result<(), M::Error> {
    let js = c.js;
    let keys = tri!(c, c.keys(obj));
    let len = tri!(c, js.array_len(keys));
    for i in 0..len {
        let k = tri!(c, js.element(keys, i));
        let v = tri!(c, js.property(obj, k));
        c.with_seg(Seg::Key(k), || -> Result<(), M::Error> {
            let val = tri!(c, c.resolve(v, Key::Prop(k), true));
            if let Val::Skip = val {
                return Ok(());
            }
            c.checked_text(k, |key| {
                if skip.contains(&key) {
                    return Ok(());
                }
                c.spend(key.len() + 4)?; // quotes, colon, comma
                map.serialize_entry(key, &Node { c, v: val })
            })?
        })?;
    }
    Ok(())
}

fn serialize_number<S: Serializer>(c: &Converter<'_>, n: f64, s: S) -> Result<S::Ok, S::Error> {
    if !n.is_finite() {
        return Err(c.bad(&format!("is {}, which JSON cannot represent", format_number(n))));
    }
    // Integers print as integers (1, not 1.0); -0 prints as 0, as in JSON.stringify.
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
        s.serialize_i64(n as i64)
    } else {
        s.serialize_f64(n)
    }
}

fn serialize_typed<S: Serializer>(c: &Converter<'_>, v: Raw, s: S) -> Result<S::Ok, S::Error> {
    use napi::sys::TypedarrayType as T;
    let (kind, len, bytes) = tri!(c, c.js.typedarray(v));
    if kind == T::uint8_array {
        c.spend(base64_len(bytes.len()) + 2)?;
        return s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    // A digit at least per element, with commas and brackets.
    c.spend(2 * len + 1)?;
    let mut seq = s.serialize_seq(Some(len))?;
    for i in 0..len {
        match kind {
            T::int8_array => seq.serialize_element(&(bytes[i] as i8))?,
            T::uint8_clamped_array => seq.serialize_element(&bytes[i])?,
            T::int16_array => seq.serialize_element(&i16::from_ne_bytes(chunk(bytes, i)))?,
            T::uint16_array => seq.serialize_element(&u16::from_ne_bytes(chunk(bytes, i)))?,
            T::int32_array => seq.serialize_element(&i32::from_ne_bytes(chunk(bytes, i)))?,
            T::uint32_array => seq.serialize_element(&u32::from_ne_bytes(chunk(bytes, i)))?,
            T::float32_array | T::float64_array => {
                let f = if kind == T::float32_array {
                    f32::from_ne_bytes(chunk(bytes, i)) as f64
                } else {
                    f64::from_ne_bytes(chunk(bytes, i))
                };
                c.with_seg(Seg::Index(i as u32), || -> Result<(), S::Error> {
                    if !f.is_finite() {
                        return Err(c.bad(&format!("is {}, which JSON cannot represent", format_number(f))));
                    }
                    seq.serialize_element(&Num(f))
                })?;
            }
            T::bigint64_array => seq.serialize_element(&i64::from_ne_bytes(chunk(bytes, i)))?,
            _ => seq.serialize_element(&u64::from_ne_bytes(chunk(bytes, i)))?,
        }
    }
    seq.end()
}

/// A finite number, integers printed as integers.
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() <= 9_007_199_254_740_992.0 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

fn chunk<const N: usize>(bytes: &[u8], i: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = bytes.get(i * N..(i + 1) * N) {
        out.copy_from_slice(src);
    }
    out
}

/// Brackets and commas of an array of `len` items; the items count
/// themselves, but each takes a byte at least, so a long (or sparse) array
/// that cannot fit is refused before any is read.
fn spend_for_items<E: serde::ser::Error>(c: &Converter<'_>, len: u32) -> Result<(), E> {
    let len = len as usize;
    c.room_for(2 * len + 1)?;
    c.spend(len + 1)
}

fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// A Map key as a JSON object key, or `None` if it has no sensible one.
fn map_key<E: serde::ser::Error>(c: &Converter<'_>, k: Raw) -> Result<Option<String>, E> {
    let js = c.js;
    match tri!(c, js.type_of(k)) {
        // Counted with the entry.
        ty::napi_string => return c.checked_text(k, str::to_owned).map(Some),
        ty::napi_bigint => c.room_for(min_decimal_digits(tri!(c, js.bigint_word_count(k))))?,
        _ => {}
    }
    Ok(tri!(c, other_map_key(js, k)))
}

fn other_map_key(js: Js, k: Raw) -> R<Option<String>> {
    Ok(match js.type_of(k)? {
        ty::napi_number => {
            let n = js.f64(k)?;
            Some(format_number(n))
        }
        ty::napi_bigint | ty::napi_boolean => Some(js.coerce_string(k)?),
        ty::napi_null => Some("null".into()),
        _ => None,
    })
}

/// The fewest decimal digits a BigInt of `words` 64-bit words can have:
/// its top word is not zero, so it is at least 2^(64 * (words - 1)).
fn min_decimal_digits(words: usize) -> usize {
    // 0.30102 < log10(2): never more than the true count.
    (words.saturating_sub(1) as u128 * 64 * 30_102 / 100_000) as usize + 1
}

/// The exact decimal text of a BigInt. Up to 128 bits here; larger ones by
/// V8's `toString`, which is subquadratic (a word-by-word division is
/// quadratic: seconds for a million bits).
fn bigint_text(js: Js, v: Raw, words: usize) -> R<String> {
    if words > 2 {
        return js.coerce_string(v);
    }
    let (negative, words) = js.bigint_words(v)?;
    let lo = words.first().copied().unwrap_or(0) as u128;
    let hi = words.get(1).copied().unwrap_or(0) as u128;
    let magnitude = (hi << 64) | lo;
    Ok(if negative && magnitude != 0 { format!("-{magnitude}") } else { magnitude.to_string() })
}
