//! Python objects to event JSON: the binding kernel's walk (`outbox-bind`,
//! shared with Node) over Python values, described here. The behaviour for
//! every kind of value is listed in `docs/python.md` and checked against
//! `tests/vectors/conversions.json`.
//!
//! Errors carry the path of the offending value (`properties["a"][2]`).
//! Values that cannot be represented are refused at the call site, before
//! anything is queued.

use std::fmt::Write as _;

use outbox_bind::{At, Describe, Described, Host, Problem, Refusal, Rules, Seg, Stop, Unfit, MAX_DEPTH};
use outbox_engine::Json;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple, PyType,
};

use crate::errors;

extern "C" {
    // In every CPython's exported symbols since 3.3, and in the limited API
    // from 3.10. PyO3 only declares it for >= 3.10 under abi3; declaring it
    // here lets the abi3-py39 build read a str's UTF-8 without copying it.
    fn PyUnicode_AsUTF8AndSize(unicode: *mut ffi::PyObject, size: *mut ffi::Py_ssize_t) -> *const std::os::raw::c_char;
}

/// The UTF-8 text of a Python `str` (or subclass), borrowed from it.
/// Fails (with the Python error cleared) for strings with lone surrogates.
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Result<&'a str, PyErr> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live str; the buffer is owned by it and lives as long
    // as the borrow of `s`.
    unsafe {
        let ptr = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if ptr.is_null() {
            return Err(PyErr::fetch(s.py()));
        }
        Ok(std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr.cast::<u8>(), size as usize)))
    }
}

/// Converts `obj` to JSON text. `root` names it in errors ("properties").
pub fn to_json(py: Python<'_>, obj: &Bound<'_, PyAny>, root: &str) -> PyResult<Json> {
    let rules = Rules { max_bytes: usize::MAX, null_for_omitted: true };
    outbox_bind::to_json(&Values { py }, obj, rules).map_err(|refusal| refused(py, root, refusal))
}

/// Optional argument: `None` stays absent.
pub fn to_json_opt(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>, root: &str) -> PyResult<Option<Json>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_json(py, o, root).map(Some),
    }
}

/// Why Python refused a value.
pub enum Why {
    /// Unsupported type: raised as `TypeError`.
    Type(String),
    /// A value with no JSON form: raised as `InvalidEventError` (a `ValueError`).
    Value(String),
    /// Python code run during the conversion raised.
    Python(PyErr),
}

/// A boxed `Why`: the walk's hot calls return it, and a one-pointer error
/// keeps their results in registers. Made by these three.
type Failure = Box<Why>;

fn type_error(message: String) -> Failure {
    Box::new(Why::Type(message))
}

fn value_error(message: String) -> Failure {
    Box::new(Why::Value(message))
}

/// `?` on Python calls.
impl From<PyErr> for Box<Why> {
    fn from(e: PyErr) -> Failure {
        Box::new(Why::Python(e))
    }
}

/// The exception for a refusal, naming `root` and the path.
fn refused(py: Python<'_>, root: &str, refusal: Refusal<Failure, PathKey>) -> PyErr {
    let mut where_ = root.to_owned();
    for seg in &refusal.path {
        let _ = match seg {
            Seg::Index(i) => write!(where_, "[{i}]"),
            Seg::Key(PathKey::Item(k)) => write!(where_, "[{k:?}]"),
            Seg::Key(PathKey::Attr(a)) => write!(where_, ".{a}"),
        };
    }
    let message = match refusal.problem {
        Problem::Host(why) => match *why {
            Why::Python(e) => return e,
            Why::Type(m) => return PyTypeError::new_err(format!("{where_}: {m}")),
            Why::Value(m) => m,
        },
        Problem::Cycle => "circular reference: this value contains itself, so it has no JSON form".into(),
        Problem::TooDeep => format!("nested more than {MAX_DEPTH} levels deep"),
        Problem::NotFinite(f) => {
            format!("float {} is not valid JSON; send None or a string instead", non_finite_name(f))
        }
        Problem::LoneSurrogate => "the string contains a lone surrogate (like '\\ud800'), which is not valid Unicode; \
             JSON text must be UTF-8, so clean or re-encode the string first"
            .into(),
        Problem::NotANumber(text) => format!("{text:?} is not a JSON number"),
        // Not made by Python values and Python's rules.
        Problem::InvalidDate => "an invalid date has no JSON form".into(),
        Problem::TooLarge { at_least, limit } => {
            format!("would take at least {at_least} bytes, over the limit of {limit}")
        }
        Problem::Omitted => "has no JSON form".into(),
        Problem::Engine(e) => e.to_string(),
    };
    errors::invalid_event(py, format!("{where_}: {message}"))
}

fn non_finite_name(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Python values, as the kernel walks them.
struct Values<'py> {
    py: Python<'py>,
}

/// A sequence, borrowed from the value described.
enum Sequence<'v, 'py> {
    List(&'v Bound<'py, PyList>),
    Tuple(&'v Bound<'py, PyTuple>),
    /// A set or frozenset: an array in iteration order.
    Set(&'v Bound<'py, PyAny>),
}

/// A mapping, borrowed from the value described.
enum Mapping<'v, 'py> {
    Dict(&'v Bound<'py, PyDict>),
    /// Any other `collections.abc.Mapping`, read through `.items()`.
    Other(&'v Bound<'py, PyAny>),
    /// A dataclass instance and its `dataclasses.fields()`.
    Dataclass(&'v Bound<'py, PyAny>, Bound<'py, PyTuple>),
}

/// A key as `json.dumps` makes it a string.
enum Key<'py> {
    Str(Bound<'py, PyString>),
    Text(String),
    Word(&'static str),
    /// A dataclass field name.
    Attr(Bound<'py, PyString>),
}

/// A key in a refusal's path.
enum PathKey {
    Item(String),
    Attr(String),
}

fn id(obj: &Bound<'_, PyAny>) -> usize {
    obj.as_ptr() as usize
}

impl<'py> Host for Values<'py> {
    type Value = Bound<'py, PyAny>;
    type Str = Bound<'py, PyString>;
    type Seq<'v>
        = Sequence<'v, 'py>
    where
        Self: 'v;
    type Map<'v>
        = Mapping<'v, 'py>
    where
        Self: 'v;
    type Key = Key<'py>;
    type PathKey = PathKey;
    type Id = usize;
    type Error = Failure;

    // No byte limit here: the engine checks the event's size.
    const LIMITED: bool = false;

    fn describe<D: Describe<Self>>(
        &self,
        obj: &Bound<'py, PyAny>,
        _at: At<'_, Key<'py>>,
        _replaced: bool,
        out: D,
    ) -> Result<Described, Failure> {
        // Exact built-in types first: the common case, pointer compares only
        // (under the stable ABI a subclass check is a function call).
        // SAFETY (each `cast_unchecked`): the type was just checked.
        if obj.is_exact_instance_of::<PyString>() {
            return Ok(out.str(unsafe { obj.cast_unchecked() }));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return Ok(int(obj, out));
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return Ok(out.float(obj.extract()?));
        }
        if obj.is_exact_instance_of::<PyDict>() {
            return Ok(out.map(id(obj), &Mapping::Dict(unsafe { obj.cast_unchecked() })));
        }
        // Then subclasses (and None, bool), in the same order.
        if obj.is_instance_of::<PyString>() {
            return Ok(out.str(unsafe { obj.cast_unchecked() }));
        }
        if obj.is_none() {
            return Ok(out.null());
        }
        if obj.is_instance_of::<PyBool>() {
            return Ok(out.bool(obj.is_truthy()?));
        }
        if obj.is_instance_of::<PyInt>() {
            return Ok(int(obj, out));
        }
        if obj.is_instance_of::<PyFloat>() {
            return Ok(out.float(obj.extract()?));
        }
        if obj.is_instance_of::<PyDict>() {
            return Ok(out.map(id(obj), &Mapping::Dict(unsafe { obj.cast_unchecked() })));
        }
        if obj.is_instance_of::<PyList>() {
            return Ok(out.seq(id(obj), &Sequence::List(unsafe { obj.cast_unchecked() }), None));
        }
        if obj.is_instance_of::<PyTuple>() {
            return Ok(out.seq(id(obj), &Sequence::Tuple(unsafe { obj.cast_unchecked() }), None));
        }
        if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
            return Ok(out.seq(id(obj), &Sequence::Set(obj), None));
        }
        if obj.is_instance_of::<PyBytes>() {
            return Ok(out.bytes(unsafe { obj.cast_unchecked::<PyBytes>() }.as_bytes()));
        }
        if obj.is_instance_of::<PyByteArray>() {
            return Ok(out.bytes(&unsafe { obj.cast_unchecked::<PyByteArray>() }.to_vec()));
        }
        self.other(obj, out)
    }

    fn same(&self, a: usize, b: usize) -> Result<bool, Failure> {
        Ok(a == b)
    }

    fn text<T>(
        &self,
        s: &Bound<'py, PyString>,
        _max: usize,
        f: impl FnOnce(&str) -> T,
    ) -> Result<Result<T, Unfit>, Failure> {
        Ok(match utf8(s) {
            Ok(text) => Ok(f(text)),
            Err(_) => Err(Unfit::LoneSurrogate),
        })
    }

    fn key_text<T>(&self, key: &Key<'py>, max: usize, f: impl FnOnce(&str) -> T) -> Result<Result<T, Unfit>, Failure> {
        match key {
            Key::Str(s) | Key::Attr(s) => self.text(s, max, f),
            Key::Text(text) => Ok(Ok(f(text))),
            Key::Word(word) => Ok(Ok(f(word))),
        }
    }

    fn path_key(&self, key: &Key<'py>) -> Option<PathKey> {
        Some(match key {
            Key::Str(s) => PathKey::Item(utf8(s).ok()?.to_owned()),
            Key::Text(text) => PathKey::Item(text.clone()),
            Key::Word(word) => PathKey::Item((*word).to_owned()),
            Key::Attr(s) => PathKey::Attr(utf8(s).ok()?.to_owned()),
        })
    }

    #[inline]
    fn items(
        &self,
        seq: &Sequence<'_, 'py>,
        mut each: impl FnMut(usize, Bound<'py, PyAny>) -> Described,
    ) -> Result<(), Stop<Failure>> {
        match seq {
            Sequence::List(list) => {
                // Re-read the length each time: Python code run below may shrink it.
                let mut i = 0;
                while i < list.len() {
                    each(i, list.get_item(i).map_err(Stop::host)?)?;
                    i += 1;
                }
            }
            Sequence::Tuple(tuple) => {
                for (i, item) in tuple.iter().enumerate() {
                    each(i, item)?;
                }
            }
            Sequence::Set(set) => {
                for (i, item) in set.try_iter().map_err(Stop::host)?.enumerate() {
                    each(i, item.map_err(Stop::host)?)?;
                }
            }
        }
        Ok(())
    }

    #[inline]
    fn entries(
        &self,
        map: &Mapping<'_, 'py>,
        mut each: impl FnMut(Key<'py>, Bound<'py, PyAny>) -> Described,
    ) -> Result<(), Stop<Failure>> {
        match map {
            Mapping::Dict(dict) => self.dict_entries(dict, each),
            Mapping::Other(mapping) => {
                for item in mapping.call_method0("items").and_then(|items| items.try_iter()).map_err(Stop::host)? {
                    let (key, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
                        item.and_then(|i| i.extract()).map_err(Stop::host)?;
                    each(self.key(key).map_err(Stop::Host)?, value)?;
                }
                Ok(())
            }
            Mapping::Dataclass(obj, fields) => {
                for field in fields.iter() {
                    let name =
                        field.getattr("name").and_then(|n| Ok(n.cast_into::<PyString>()?)).map_err(Stop::host)?;
                    let value = obj.getattr(&name).map_err(Stop::host)?;
                    each(Key::Attr(name), value)?;
                }
                Ok(())
            }
        }
    }
}

impl<'py> Values<'py> {
    /// The entries of a dict (the common mapping: its own loop).
    #[inline]
    fn dict_entries(
        &self,
        dict: &Bound<'py, PyDict>,
        mut each: impl FnMut(Key<'py>, Bound<'py, PyAny>) -> Described,
    ) -> Result<(), Stop<Failure>> {
        let len = dict.len();
        let mut pos: ffi::Py_ssize_t = 0;
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        // PyDict_Next by hand: PyO3's iterator panics if the dict changes
        // size, and a property getter run below could change it.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
            // SAFETY: borrowed references from PyDict_Next, made owned at once.
            let key = unsafe { Bound::from_borrowed_ptr(self.py, k) };
            let value = unsafe { Bound::from_borrowed_ptr(self.py, v) };
            let key = if key.is_exact_instance_of::<PyString>() {
                // SAFETY: just checked.
                Key::Str(unsafe { key.cast_into_unchecked() })
            } else {
                self.key(key).map_err(Stop::Host)?
            };
            each(key, value)?;
            if dict.len() != len {
                return Err(Stop::Host(value_error("the dict changed size while it was being converted".into())));
            }
        }
        Ok(())
    }

    /// Everything that is not a built-in container or scalar.
    fn other<D: Describe<Self>>(&self, obj: &Bound<'py, PyAny>, out: D) -> Result<Described, Failure> {
        let py = self.py;
        let types = Types::get(py)?;
        if obj.is_instance(types.datetime.bind(py))? {
            return Ok(out.date(datetime_millis(py, obj, types)?));
        }
        if obj.is_instance(types.date.bind(py))? || obj.is_instance(types.time.bind(py))? {
            return Ok(out.replace(&obj.call_method0("isoformat")?));
        }
        if obj.is_instance(types.decimal.bind(py))? {
            return decimal(obj, out);
        }
        if obj.is_instance(types.uuid.bind(py))? {
            return Ok(out.replace(obj.str()?.as_any()));
        }
        if obj.is_instance(types.enum_.bind(py))? {
            return Ok(out.replace(&obj.getattr("value")?));
        }
        if is_dataclass_instance(obj)? {
            let fields = types.fields.bind(py).call1((obj,))?.cast_into::<PyTuple>().map_err(PyErr::from)?;
            return Ok(out.map(id(obj), &Mapping::Dataclass(obj, fields)));
        }
        if obj.is_instance(types.mapping.bind(py))? {
            return Ok(out.map(id(obj), &Mapping::Other(obj)));
        }
        if obj.get_type().name().is_ok_and(|n| n == "memoryview") {
            return Ok(out.replace(&obj.call_method0("tobytes")?));
        }
        let type_name = obj.get_type().fully_qualified_name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(type_error(format!(
            "a {type_name:?} object cannot be converted to JSON (supported: dict, list, tuple, set, str, int, \
             float, bool, None, datetime, date, time, Decimal, UUID, Enum, dataclasses, bytes); \
             convert it first, for example with str() or a dict"
        )))
    }

    /// Dict keys become strings the way `json.dumps` does it.
    fn key(&self, key: Bound<'py, PyAny>) -> Result<Key<'py>, Failure> {
        // SAFETY (`cast_into_unchecked`): the type was just checked.
        if key.is_instance_of::<PyString>() {
            return Ok(Key::Str(unsafe { key.cast_into_unchecked() }));
        }
        if key.is_none() {
            return Ok(Key::Word("null"));
        }
        if key.is_instance_of::<PyBool>() {
            return Ok(Key::Word(if key.is_truthy()? { "true" } else { "false" }));
        }
        if key.is_instance_of::<PyInt>() {
            return Ok(Key::Text(int_digits(&key)?));
        }
        if key.is_instance_of::<PyFloat>() {
            let f: f64 = key.extract()?;
            if !f.is_finite() {
                return Err(value_error(format!("the dict key {f} is not valid JSON")));
            }
            // float.__repr__, as json.dumps writes float keys.
            let text = unsafe { Bound::from_owned_ptr_or_err(self.py, ffi::PyObject_Repr(key.as_ptr())) }?;
            return Ok(Key::Text(text.to_string()));
        }
        if key.is_instance(Types::get(self.py)?.enum_.bind(self.py))? {
            return self.key(key.getattr("value")?);
        }
        let type_name = key.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(type_error(format!("dict keys must be str, int, float, bool or None, not {type_name}")))
    }
}

#[inline]
fn int<'py, D: Describe<Values<'py>>>(obj: &Bound<'py, PyAny>, out: D) -> Described {
    if let Ok(i) = obj.extract::<i64>() {
        return out.int(i);
    }
    if let Ok(u) = obj.extract::<u64>() {
        return out.uint(u);
    }
    // Bigger than 64 bits: its exact decimal digits, as a JSON number.
    out.big_int(1, || int_digits(obj))
}

/// The decimal digits of an int (through `int()`, for subclasses).
fn int_digits(obj: &Bound<'_, PyAny>) -> Result<String, Failure> {
    let exact = unsafe { Bound::from_owned_ptr_or_err(obj.py(), ffi::PyNumber_Long(obj.as_ptr())) }?;
    Ok(exact.str()?.to_string())
}

fn decimal<'py, D: Describe<Values<'py>>>(obj: &Bound<'py, PyAny>, out: D) -> Result<Described, Failure> {
    let finite: bool = obj.call_method0("is_finite")?.extract()?;
    if !finite {
        let nan: bool = obj.call_method0("is_nan")?.extract()?;
        let name = if nan { "NaN" } else { "Infinity" };
        return Err(value_error(format!("Decimal {name} is not valid JSON; send None or a string instead")));
    }
    Ok(out.digits(utf8(&obj.str()?)?))
}

fn is_dataclass_instance(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if obj.is_instance_of::<PyType>() {
        return Ok(false);
    }
    obj.get_type().hasattr("__dataclass_fields__")
}

/// Standard-library types looked up once, on the first value that is not a
/// built-in scalar or container.
pub struct Types {
    datetime: Py<PyAny>,
    date: Py<PyAny>,
    time: Py<PyAny>,
    utc: Py<PyAny>,
    decimal: Py<PyAny>,
    uuid: Py<PyAny>,
    enum_: Py<PyAny>,
    mapping: Py<PyAny>,
    fields: Py<PyAny>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

impl Types {
    pub fn get(py: Python<'_>) -> PyResult<&Types> {
        TYPES.get_or_try_init(py, || {
            let attr =
                |module: &str, name: &str| -> PyResult<Py<PyAny>> { Ok(py.import(module)?.getattr(name)?.unbind()) };
            Ok(Types {
                datetime: attr("datetime", "datetime")?,
                date: attr("datetime", "date")?,
                time: attr("datetime", "time")?,
                utc: attr("datetime", "timezone")?.bind(py).getattr("utc")?.unbind(),
                decimal: attr("decimal", "Decimal")?,
                uuid: attr("uuid", "UUID")?,
                enum_: attr("enum", "Enum")?,
                mapping: attr("collections.abc", "Mapping")?,
                fields: attr("dataclasses", "fields")?,
            })
        })
    }
}

/// Milliseconds since 1970 of a datetime: aware ones are converted to UTC,
/// naive ones are taken as UTC; microseconds are truncated.
fn datetime_millis(py: Python<'_>, dt: &Bound<'_, PyAny>, types: &Types) -> PyResult<f64> {
    let aware = !dt.call_method0("utcoffset")?.is_none();
    let dt = if aware { dt.call_method1("astimezone", (types.utc.bind(py),))? } else { dt.clone() };
    let get = |name: &str| -> PyResult<u32> { dt.getattr(name)?.extract() };
    Ok(outbox_bind::millis_from_civil(
        get("year")? as i64,
        get("month")?,
        get("day")?,
        get("hour")?,
        get("minute")?,
        get("second")?,
        get("microsecond")? / 1000,
    ))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC, as datetimes are converted.
pub fn datetime_text(py: Python<'_>, dt: &Bound<'_, PyAny>, types: &Types) -> PyResult<String> {
    Ok(outbox_bind::iso_date(datetime_millis(py, dt, types)?))
}

/// Whether `obj` is a `datetime.datetime`.
pub fn is_datetime(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(Types::get(py)?.datetime.bind(py))
}

/// JSON (as parsed by serde_json) to Python objects.
pub fn value_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)?
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?
            }
        }
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}
