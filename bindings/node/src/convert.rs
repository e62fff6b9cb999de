//! JavaScript values to event JSON, without a `JSON.stringify` round trip:
//! the binding kernel's walk (`outbox-bind`, shared with Python) over N-API
//! values, described here. The rules (documented in docs/node.md, tested by
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

use std::cell::Cell;

use outbox_bind::{
    min_decimal_digits, At, Describe, Described, Host, NumberKind, Numbers, Problem, Refusal, Rules, Seg, Stop, Unfit,
    MAX_DEPTH,
};
use outbox_engine::Json;

use crate::cache::{Builtin, Cache};
use crate::js::{core_error, format_number, invalid_event, ty, Fail, Js, Raw, R};

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
    convert(js, value, name, limit, false).map(Some)
}

/// Like `to_json`, for any value (`undefined` becomes `null`).
pub fn value_to_json(js: Js, value: Raw, name: &str, limit: Limit) -> R<Json> {
    convert(js, value, name, limit, true)
}

fn convert(js: Js, value: Raw, name: &str, limit: Limit, null_for_omitted: bool) -> R<Json> {
    let values = Values::new(js);
    let rules = Rules { max_bytes: limit.bytes, null_for_omitted };
    outbox_bind::to_json(&values, &value, rules).map_err(|refusal| refused(js, value, name, limit, refusal))
}

/// Why JavaScript refused a value.
enum Why {
    /// A thrown exception or a failed N-API call: raised as it is.
    Fail(Fail),
    /// A value with no JSON form: `invalid_event`, after the path.
    Bad(String),
}

/// A boxed `Why`: the walk's hot calls return it, and a one-pointer error
/// keeps their results in registers.
type Failure = Box<Why>;

impl From<Fail> for Box<Why> {
    fn from(fail: Fail) -> Failure {
        Box::new(Why::Fail(fail))
    }
}

/// The error for a refusal: what, and where (`properties.a.b[2]`).
fn refused(js: Js, value: Raw, name: &str, limit: Limit, refusal: Refusal<Failure, PathKey>) -> Fail {
    let where_ = || where_(js, name, &refusal.path);
    let what = match refusal.problem {
        Problem::Host(why) => match *why {
            Why::Fail(fail) => return fail,
            Why::Bad(what) => what,
        },
        Problem::Cycle => "is a circular reference (an object that contains itself) and cannot be converted to JSON".into(),
        Problem::TooDeep => format!("is nested more than {MAX_DEPTH} levels deep"),
        Problem::NotFinite(n) => format!("is {}, which JSON cannot represent", format_number(n)),
        Problem::LoneSurrogate => "contains a lone surrogate (like '\\ud800'), which is not valid Unicode; JSON text must be UTF-8, \
                                   so clean or re-encode the string first"
            .into(),
        Problem::InvalidDate => "is an invalid Date (its time value is NaN) and cannot be converted to JSON".into(),
        Problem::NotANumber(text) => format!("is {text:?}, which is not a JSON number"),
        Problem::TooLarge { at_least, limit: bytes } => {
            return Fail::Outbox(
                "event_too_large",
                format!(
                    "{name} would take at least {at_least} bytes once serialized, over the limit of {bytes} bytes ({}); refused at {}",
                    limit.option,
                    where_()
                ),
            )
        }
        Problem::Omitted => return Fail::Type(format!("{name} must be an object, not {}", js.describe(value))),
        Problem::Engine(e) => return core_error(&e),
    };
    invalid_event(format!("{} {what}", where_()))
}

/// `properties.a.b[2]`, for messages.
fn where_(js: Js, name: &str, path: &[Seg<PathKey>]) -> String {
    let mut out = name.to_owned();
    for seg in path {
        match seg {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(PathKey::Raw(k)) => push_key(&mut out, &key_for_message(js, *k)),
            Seg::Key(PathKey::Text(t)) => push_key(&mut out, t),
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

/// A key as messages show it: a huge one is not copied whole.
fn key_for_message(js: Js, k: Raw) -> String {
    match js.with_str(k, 200, str::to_owned) {
        Ok(Ok(key)) => key,
        // Short enough to copy, with U+FFFD for the surrogate.
        Ok(Err(Unfit::LoneSurrogate)) => js.string(k).unwrap_or_default(),
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

/// JavaScript values, as the kernel walks them. The built-ins it needs are
/// fetched once per conversion.
struct Values {
    js: Js,
    cache: Cell<Option<&'static Cache>>,
    object_proto: Cell<Option<Raw>>,
    object_keys: Cell<Option<Raw>>,
    /// The string "toJSON".
    to_json_key: Cell<Option<Raw>>,
}

/// An array, or the values of a Set (`Array.from`).
struct List {
    items: Raw,
    len: u32,
}

enum Mapping {
    /// An object's own enumerable string-keyed properties.
    Object(Raw),
    /// `name` and `message`, then the own enumerable properties.
    Error(Raw),
    /// A Map's `[key, value]` pairs (`Array.from`).
    Map { entries: Raw, len: u32 },
}

enum Key {
    /// A property name (a string).
    Prop(Raw),
    /// `name` or `message` of an Error.
    Named(&'static str),
    /// A Map key: a string, number, bigint, boolean or null.
    Entry(Raw),
}

/// A key in a refusal's path.
enum PathKey {
    Raw(Raw),
    Text(String),
}

impl Host for Values {
    type Value = Raw;
    type Str = Raw;
    type Seq<'v> = List;
    type Map<'v> = Mapping;
    type Key = Key;
    type PathKey = PathKey;
    type Id = Raw;
    type Error = Failure;

    const LIMITED: bool = true;

    fn describe<D: Describe<Self>>(
        &self,
        v: &Raw,
        at: At<'_, Key>,
        replaced: bool,
        out: D,
    ) -> Result<Described, Failure> {
        let js = self.js;
        let v = *v;
        Ok(match js.type_of(v)? {
            ty::napi_null => out.null(),
            ty::napi_boolean => out.bool(js.bool(v)?),
            ty::napi_number => out.number(js.f64(v)?),
            ty::napi_string => out.str(&v),
            ty::napi_bigint => {
                let words = js.bigint_word_count(v)?;
                out.big_int(min_decimal_digits(words), || Ok(bigint_text(js, v, words)?))
            }
            ty::napi_object => return self.object(v, at, replaced, out),
            // undefined, functions, symbols, externals
            _ => out.omitted(),
        })
    }

    fn same(&self, a: Raw, b: Raw) -> Result<bool, Failure> {
        Ok(self.js.strict_equals(a, b)?)
    }

    fn text<T>(&self, s: &Raw, max: usize, f: impl FnOnce(&str) -> T) -> Result<Result<T, Unfit>, Failure> {
        Ok(self.js.with_str(*s, max, f)?)
    }

    fn key_text<T>(&self, key: &Key, max: usize, f: impl FnOnce(&str) -> T) -> Result<Result<T, Unfit>, Failure> {
        let js = self.js;
        let k = match *key {
            Key::Prop(k) => return self.text(&k, max, f),
            Key::Named(name) => return Ok(fits(name, max, f)),
            Key::Entry(k) => k,
        };
        match js.type_of(k)? {
            ty::napi_string => self.text(&k, max, f),
            // Refused by its size before its digits are made.
            ty::napi_bigint => match min_decimal_digits(js.bigint_word_count(k)?) {
                digits if digits > max => Ok(Err(Unfit::TooLong(digits))),
                _ => Ok(fits(&js.coerce_string(k)?, max, f)),
            },
            _ => Ok(fits(&other_map_key(js, k)?.unwrap_or_default(), max, f)),
        }
    }

    fn path_key(&self, key: &Key) -> Option<PathKey> {
        Some(match *key {
            Key::Prop(k) => PathKey::Raw(k),
            Key::Named(name) => PathKey::Text(name.to_owned()),
            Key::Entry(k) if self.js.type_of(k).ok()? == ty::napi_string => PathKey::Raw(k),
            Key::Entry(k) => PathKey::Text(other_map_key(self.js, k).ok()??),
        })
    }

    fn items(&self, list: &List, mut each: impl FnMut(usize, Raw) -> Described) -> Result<(), Stop<Failure>> {
        for i in 0..list.len {
            each(i as usize, self.js.element(list.items, i).map_err(Stop::host)?)?;
        }
        Ok(())
    }

    fn entries(&self, map: &Mapping, mut each: impl FnMut(Key, Raw) -> Described) -> Result<(), Stop<Failure>> {
        let js = self.js;
        match *map {
            Mapping::Object(obj) => self.own(obj, false, each),
            Mapping::Error(obj) => {
                for (name, key) in [("name", c"name"), ("message", c"message")] {
                    let v = js.named(obj, key).map_err(Stop::host)?;
                    if js.type_of(v).is_ok_and(|t| t == ty::napi_string) {
                        each(Key::Named(name), v)?;
                    }
                }
                self.own(obj, true, each)
            }
            Mapping::Map { entries, len } => {
                for i in 0..len {
                    let pair = js.element(entries, i).map_err(Stop::host)?;
                    let k = js.element(pair, 0).map_err(Stop::host)?;
                    let v = js.element(pair, 1).map_err(Stop::host)?;
                    let t = js.type_of(k).map_err(Stop::host)?;
                    let keyable = [ty::napi_string, ty::napi_number, ty::napi_bigint, ty::napi_boolean, ty::napi_null]
                        .contains(&t);
                    if !keyable {
                        return Err(Stop::Host(Box::new(Why::Bad(format!(
                            "has a Map key that is {}; only strings, numbers, bigints and booleans can become JSON object keys",
                            js.describe(k)
                        )))));
                    }
                    each(Key::Entry(k), v)?;
                }
                Ok(())
            }
        }
    }
}

impl Values {
    fn new(js: Js) -> Values {
        Values {
            js,
            cache: Cell::new(None),
            object_proto: Cell::new(None),
            object_keys: Cell::new(None),
            to_json_key: Cell::new(None),
        }
    }

    /// An object: its kind decides (arrays first, then plain objects).
    fn object<D: Describe<Self>>(&self, v: Raw, at: At<'_, Key>, replaced: bool, out: D) -> Result<Described, Failure> {
        let js = self.js;
        if js.is_array(v)? {
            let len = js.array_len(v)?;
            return Ok(out.seq(v, &List { items: v, len }, Some(len as usize)));
        }
        // Plain objects (prototype Object.prototype, of this or another
        // realm, or null) skip the checks for special kinds.
        let proto = js.prototype(v)?;
        let plain = js.strict_equals(proto, self.cached(&self.object_proto, Builtin::ObjectPrototype)?)?
            || js.type_of(proto)? == ty::napi_null
            || js.type_of(js.prototype(proto)?)? == ty::napi_null;
        if plain {
            if let Some(json) = self.call_to_json(v, at, replaced)? {
                return Ok(out.replace(&json));
            }
            return Ok(out.map(v, &Mapping::Object(v)));
        }
        if js.is_date(v)? {
            return Ok(out.date(js.date_value(v)?));
        }
        if js.is_typedarray(v)? {
            let (kind, len, bytes) = js.typedarray(v)?;
            return Ok(match number_kind(kind) {
                None => out.bytes(bytes),
                Some(kind) => out.numbers(Numbers { kind, len, bytes }),
            });
        }
        if js.is_arraybuffer(v)? {
            return Ok(out.bytes(js.arraybuffer(v)?));
        }
        if js.is_dataview(v)? {
            return Ok(out.bytes(js.dataview(v)?));
        }
        if let Some(json) = self.call_to_json(v, at, replaced)? {
            return Ok(out.replace(&json));
        }
        let array = self.builtin(Builtin::Array)?;
        let array_from = self.builtin(Builtin::ArrayFrom)?;
        if js.instance_of(v, self.builtin(Builtin::Map)?)? {
            let entries = js.call(array_from, array, &[v])?;
            return Ok(out.map(v, &Mapping::Map { entries, len: js.array_len(entries)? }));
        }
        if js.instance_of(v, self.builtin(Builtin::Set)?)? {
            let items = js.call(array_from, array, &[v])?;
            let len = js.array_len(items)?;
            return Ok(out.seq(v, &List { items, len }, Some(len as usize)));
        }
        if js.instance_of(v, self.builtin(Builtin::Error)?)? {
            return Ok(out.map(v, &Mapping::Error(v)));
        }
        for boxed in [Builtin::Number, Builtin::String, Builtin::Boolean] {
            if js.instance_of(v, self.builtin(boxed)?)? {
                let value_of = js.named(v, c"valueOf")?;
                if js.type_of(value_of)? == ty::napi_function {
                    return Ok(out.replace(&js.call(value_of, v, &[])?));
                }
            }
        }
        Ok(out.map(v, &Mapping::Object(v)))
    }

    /// An object's own enumerable string-keyed properties, in order
    /// (`skip_named`: but `name` and `message`, written first for an Error).
    fn own(
        &self,
        obj: Raw,
        skip_named: bool,
        mut each: impl FnMut(Key, Raw) -> Described,
    ) -> Result<(), Stop<Failure>> {
        let js = self.js;
        let keys = self.keys(obj).map_err(Stop::host)?;
        let len = js.array_len(keys).map_err(Stop::host)?;
        for i in 0..len {
            let k = js.element(keys, i).map_err(Stop::host)?;
            let v = js.property(obj, k).map_err(Stop::host)?;
            if skip_named && js.with_str(k, 7, |key| key == "name" || key == "message").map_err(Stop::host)? == Ok(true)
            {
                continue;
            }
            each(Key::Prop(k), v)?;
        }
        Ok(())
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

    /// What `v.toJSON(key)` returns, if `v` has one (and was not itself
    /// returned by a `toJSON`: it is called once).
    fn call_to_json(&self, v: Raw, at: At<'_, Key>, replaced: bool) -> R<Option<Raw>> {
        if replaced {
            return Ok(None);
        }
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
        let k = match at {
            At::Root => js.str_value("")?,
            At::Index(i) => js.str_value(&i.to_string())?,
            At::Key(Key::Prop(k) | Key::Entry(k)) => *k,
            At::Key(Key::Named(name)) => js.str_value(name)?,
        };
        Ok(Some(js.call(f, v, &[k])?))
    }
}

/// `f` on `text` if it takes at most `max` bytes.
fn fits<T>(text: &str, max: usize, f: impl FnOnce(&str) -> T) -> Result<T, Unfit> {
    if text.len() > max {
        return Err(Unfit::TooLong(text.len()));
    }
    Ok(f(text))
}

/// The element type of a typed array written as numbers; `None` for a
/// `Uint8Array` (a Buffer): bytes, written as base64.
fn number_kind(kind: i32) -> Option<NumberKind> {
    use napi::sys::TypedarrayType as T;
    Some(match kind {
        T::uint8_array => return None,
        T::int8_array => NumberKind::I8,
        T::uint8_clamped_array => NumberKind::U8,
        T::int16_array => NumberKind::I16,
        T::uint16_array => NumberKind::U16,
        T::int32_array => NumberKind::I32,
        T::uint32_array => NumberKind::U32,
        T::float32_array => NumberKind::F32,
        T::float64_array => NumberKind::F64,
        T::bigint64_array => NumberKind::I64,
        _ => NumberKind::U64,
    })
}

/// A Map key that is not a string, as the text of an object key (`None`
/// for a type that has none).
fn other_map_key(js: Js, k: Raw) -> R<Option<String>> {
    Ok(match js.type_of(k)? {
        ty::napi_number => Some(format_number(js.f64(k)?)),
        ty::napi_bigint | ty::napi_boolean => Some(js.coerce_string(k)?),
        ty::napi_null => Some("null".into()),
        _ => None,
    })
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
