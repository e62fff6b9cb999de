//! Python objects to event JSON, in one pass: a serde `Serialize` impl over
//! the Python object graph feeds `serde_json` directly (no `json.dumps`, no
//! intermediate tree). The behaviour for every kind of value is listed in
//! `docs/python.md` and checked against `tests/vectors/conversions.json`.
//!
//! Errors carry the path of the offending value (`properties["a"][2]`).
//! Values that cannot be represented are refused at the call site, before
//! anything is queued.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;

use base64::Engine as _;
use outbox_core::Json;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple, PyType,
};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::errors;

/// Deepest nesting accepted: core's limit, so every language refuses the
/// same events (and the walk never nears the end of the stack).
const MAX_DEPTH: usize = outbox_core::event::MAX_DEPTH;

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

/// Why a conversion failed.
pub enum Failure {
    /// Unsupported type: raised as `TypeError`.
    Type(String),
    /// A value with no JSON form: raised as `InvalidEventError` (a `ValueError`).
    Value(String),
    /// Python code run during the conversion raised.
    Python(PyErr),
}

enum Seg {
    Key(String),
    Index(usize),
    Attr(String),
}

/// State of one conversion: the containers being walked (for cycles), the
/// first failure and the path to it.
pub struct Conv<'py> {
    py: Python<'py>,
    stack: RefCell<Vec<usize>>,
    failure: RefCell<Option<Failure>>,
    path: RefCell<Vec<Seg>>,
}

impl<'py> Conv<'py> {
    pub fn new(py: Python<'py>) -> Conv<'py> {
        Conv { py, stack: RefCell::new(Vec::new()), failure: RefCell::new(None), path: RefCell::new(Vec::new()) }
    }

    fn fail<E: serde::ser::Error>(&self, failure: Failure) -> E {
        let text = match &failure {
            Failure::Type(m) | Failure::Value(m) => m.clone(),
            Failure::Python(_) => "a Python exception".to_owned(),
        };
        let mut slot = self.failure.borrow_mut();
        if slot.is_none() {
            *slot = Some(failure);
        }
        E::custom(text)
    }

    fn seg(&self, seg: Seg) {
        self.path.borrow_mut().push(seg);
    }

    fn enter<E: serde::ser::Error>(&self, obj: &Bound<'py, PyAny>) -> Result<(), E> {
        let id = obj.as_ptr() as usize;
        let mut stack = self.stack.borrow_mut();
        if stack.contains(&id) {
            drop(stack);
            return Err(self.fail(Failure::Value(
                "circular reference: this value contains itself, so it has no JSON form".into(),
            )));
        }
        stack.push(id);
        Ok(())
    }

    fn leave(&self) {
        self.stack.borrow_mut().pop();
    }

    /// The Python exception for the failure recorded, naming `root` and the path.
    pub fn into_error(self, root: &str, fallback: impl std::fmt::Display) -> PyErr {
        let mut where_ = root.to_owned();
        for seg in self.path.into_inner().iter().rev() {
            match seg {
                Seg::Key(k) => {
                    let _ = write!(where_, "[{k:?}]");
                }
                Seg::Index(i) => {
                    let _ = write!(where_, "[{i}]");
                }
                Seg::Attr(a) => {
                    let _ = write!(where_, ".{a}");
                }
            }
        }
        match self.failure.into_inner() {
            Some(Failure::Type(m)) => PyTypeError::new_err(format!("{where_}: {m}")),
            Some(Failure::Value(m)) => errors::invalid_event(self.py, format!("{where_}: {m}")),
            Some(Failure::Python(e)) => e,
            None => errors::invalid_event(self.py, format!("{where_}: {fallback}")),
        }
    }
}

/// Converts `obj` to JSON text. `root` names it in errors ("properties").
pub fn to_json(py: Python<'_>, obj: &Bound<'_, PyAny>, root: &str) -> PyResult<Json> {
    let conv = Conv::new(py);
    match Json::from_serialize(&Val { obj, conv: &conv, depth: 0 }) {
        Ok(json) => Ok(json),
        Err(e) => Err(conv.into_error(root, e)),
    }
}

/// Optional argument: `None` stays absent.
pub fn to_json_opt(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>, root: &str) -> PyResult<Option<Json>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_json(py, o, root).map(Some),
    }
}

/// A Python value seen through `Serialize`.
pub struct Val<'a, 'py> {
    pub obj: &'a Bound<'py, PyAny>,
    pub conv: &'a Conv<'py>,
    pub depth: usize,
}

impl Serialize for Val<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = self.obj;
        let conv = self.conv;
        if self.depth > MAX_DEPTH {
            return Err(conv.fail(Failure::Value(format!("nested more than {MAX_DEPTH} levels deep"))));
        }
        // Exact built-in types first: the common case, pointer compares only
        // (under the stable ABI a subclass check is a function call).
        if obj.is_exact_instance_of::<PyString>() {
            // SAFETY: just checked.
            let text = str_value(conv, unsafe { obj.cast_unchecked::<PyString>() })?;
            return s.serialize_str(text);
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return int_value(conv, obj, s);
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            let f: f64 = obj.extract().map_err(|e| conv.fail(Failure::Python(e)))?;
            return float_value(conv, f, s);
        }
        if obj.is_exact_instance_of::<PyDict>() {
            // SAFETY: just checked.
            return self.dict(unsafe { obj.cast_unchecked::<PyDict>() }, s);
        }
        // Then subclasses (and None, bool), in the same order.
        if obj.is_instance_of::<PyString>() {
            // SAFETY: just checked.
            let text = str_value(conv, unsafe { obj.cast_unchecked::<PyString>() })?;
            return s.serialize_str(text);
        }
        if obj.is_none() {
            return s.serialize_unit();
        }
        if obj.is_instance_of::<PyBool>() {
            return s.serialize_bool(obj.is_truthy().map_err(|e| conv.fail(Failure::Python(e)))?);
        }
        if obj.is_instance_of::<PyInt>() {
            return int_value(conv, obj, s);
        }
        if obj.is_instance_of::<PyFloat>() {
            let f: f64 = obj.extract().map_err(|e| conv.fail(Failure::Python(e)))?;
            return float_value(conv, f, s);
        }
        if obj.is_instance_of::<PyDict>() {
            // SAFETY: just checked.
            return self.dict(unsafe { obj.cast_unchecked::<PyDict>() }, s);
        }
        if obj.is_instance_of::<PyList>() {
            return self.list(unsafe { obj.cast_unchecked::<PyList>() }, s);
        }
        if obj.is_instance_of::<PyTuple>() {
            return self.tuple(unsafe { obj.cast_unchecked::<PyTuple>() }, s);
        }
        if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
            return self.iterable(obj, s);
        }
        if obj.is_instance_of::<PyBytes>() {
            let bytes = unsafe { obj.cast_unchecked::<PyBytes>() }.as_bytes();
            return s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        if obj.is_instance_of::<PyByteArray>() {
            let bytes = unsafe { obj.cast_unchecked::<PyByteArray>() }.to_vec();
            return s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        self.other(s)
    }
}

impl<'py> Val<'_, 'py> {
    fn child<'b>(&'b self, obj: &'b Bound<'py, PyAny>) -> Val<'b, 'py> {
        Val { obj, conv: self.conv, depth: self.depth + 1 }
    }

    fn dict<S: Serializer>(&self, dict: &Bound<'py, PyDict>, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        conv.enter(self.obj)?;
        let len = dict.len();
        let mut map = s.serialize_map(Some(len))?;
        let mut pos: ffi::Py_ssize_t = 0;
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        // PyDict_Next by hand: PyO3's iterator panics if the dict changes
        // size, and a property getter run below could change it.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
            // SAFETY: borrowed references from PyDict_Next, made owned at once.
            let key = unsafe { Bound::from_borrowed_ptr(conv.py, k) };
            let value = unsafe { Bound::from_borrowed_ptr(conv.py, v) };
            let name = key_text(conv, &key)?;
            map.serialize_key(&*name)?;
            if let Err(e) = map.serialize_value(&self.child(&value)) {
                conv.seg(Seg::Key(name.into_owned()));
                return Err(e);
            }
            if dict.len() != len {
                return Err(conv.fail(Failure::Value("the dict changed size while it was being converted".into())));
            }
        }
        conv.leave();
        map.end()
    }

    fn list<S: Serializer>(&self, list: &Bound<'py, PyList>, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        conv.enter(self.obj)?;
        let mut seq = s.serialize_seq(Some(list.len()))?;
        let mut i = 0;
        // Re-read the length each time: Python code run below may shrink it.
        while i < list.len() {
            let item = list.get_item(i).map_err(|e| conv.fail(Failure::Python(e)))?;
            if let Err(e) = seq.serialize_element(&self.child(&item)) {
                conv.seg(Seg::Index(i));
                return Err(e);
            }
            i += 1;
        }
        conv.leave();
        seq.end()
    }

    fn tuple<S: Serializer>(&self, tuple: &Bound<'py, PyTuple>, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        conv.enter(self.obj)?;
        let mut seq = s.serialize_seq(Some(tuple.len()))?;
        for (i, item) in tuple.iter().enumerate() {
            if let Err(e) = seq.serialize_element(&self.child(&item)) {
                conv.seg(Seg::Index(i));
                return Err(e);
            }
        }
        conv.leave();
        seq.end()
    }

    /// Sets (and frozensets): a JSON array in iteration order.
    fn iterable<S: Serializer>(&self, obj: &Bound<'py, PyAny>, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        conv.enter(obj)?;
        let iter = obj.try_iter().map_err(|e| conv.fail(Failure::Python(e)))?;
        let mut seq = s.serialize_seq(None)?;
        for (i, item) in iter.enumerate() {
            let item = item.map_err(|e| conv.fail(Failure::Python(e)))?;
            if let Err(e) = seq.serialize_element(&self.child(&item)) {
                conv.seg(Seg::Index(i));
                return Err(e);
            }
        }
        conv.leave();
        seq.end()
    }

    /// Everything that is not a built-in container or scalar.
    fn other<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        let obj = self.obj;
        let py = conv.py;
        let py_err = |e: PyErr| conv.fail(Failure::Python(e));
        let types = Types::get(py).map_err(py_err)?;
        if obj.is_instance(types.datetime.bind(py)).map_err(py_err)? {
            return s.serialize_str(&datetime_text(py, obj, types).map_err(py_err)?);
        }
        if obj.is_instance(types.date.bind(py)).map_err(py_err)?
            || obj.is_instance(types.time.bind(py)).map_err(py_err)?
        {
            let text = obj.call_method0("isoformat").map_err(py_err)?;
            let text = text.cast::<PyString>().map_err(|e| py_err(e.into()))?;
            return s.serialize_str(str_value(conv, text)?);
        }
        if obj.is_instance(types.decimal.bind(py)).map_err(py_err)? {
            return decimal_value(conv, obj, s);
        }
        if obj.is_instance(types.uuid.bind(py)).map_err(py_err)? {
            let text = obj.str().map_err(py_err)?;
            return s.serialize_str(str_value(conv, &text)?);
        }
        if obj.is_instance(types.enum_.bind(py)).map_err(py_err)? {
            let value = obj.getattr("value").map_err(py_err)?;
            return self.child(&value).serialize(s);
        }
        if is_dataclass_instance(obj).map_err(py_err)? {
            return self.dataclass(types, s);
        }
        if obj.is_instance(types.mapping.bind(py)).map_err(py_err)? {
            return self.mapping(s);
        }
        if obj.get_type().name().is_ok_and(|n| n == "memoryview") {
            let bytes = obj.call_method0("tobytes").map_err(py_err)?;
            return self.child(&bytes).serialize(s);
        }
        let type_name = obj.get_type().fully_qualified_name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(conv.fail(Failure::Type(format!(
            "a {type_name:?} object cannot be converted to JSON (supported: dict, list, tuple, set, str, int, \
             float, bool, None, datetime, date, time, Decimal, UUID, Enum, dataclasses, bytes); \
             convert it first, for example with str() or a dict"
        ))))
    }

    fn dataclass<S: Serializer>(&self, types: &Types, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        let py = conv.py;
        let py_err = |e: PyErr| conv.fail(Failure::Python(e));
        conv.enter(self.obj)?;
        let fields = types.fields.bind(py).call1((self.obj,)).map_err(py_err)?;
        let fields = fields.cast::<PyTuple>().map_err(|e| py_err(e.into()))?;
        let mut map = s.serialize_map(Some(fields.len()))?;
        for field in fields.iter() {
            let name = field.getattr("name").map_err(py_err)?;
            let name = name.cast::<PyString>().map_err(|e| py_err(e.into()))?;
            let value = self.obj.getattr(name).map_err(py_err)?;
            let name = str_value(conv, name)?;
            map.serialize_key(name)?;
            if let Err(e) = map.serialize_value(&self.child(&value)) {
                conv.seg(Seg::Attr(name.to_owned()));
                return Err(e);
            }
        }
        conv.leave();
        map.end()
    }

    /// Any other `collections.abc.Mapping`, through `.items()`.
    fn mapping<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let conv = self.conv;
        let py_err = |e: PyErr| conv.fail(Failure::Python(e));
        conv.enter(self.obj)?;
        let items = self.obj.call_method0("items").map_err(py_err)?.try_iter().map_err(py_err)?;
        let mut map = s.serialize_map(None)?;
        for item in items {
            let item = item.map_err(py_err)?;
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(py_err)?;
            let name = key_text(conv, &key)?;
            map.serialize_key(&*name)?;
            if let Err(e) = map.serialize_value(&self.child(&value)) {
                conv.seg(Seg::Key(name.into_owned()));
                return Err(e);
            }
        }
        conv.leave();
        map.end()
    }
}

fn str_value<'a, E: serde::ser::Error>(conv: &Conv<'_>, s: &'a Bound<'_, PyString>) -> Result<&'a str, E> {
    utf8(s).map_err(|_| {
        conv.fail(Failure::Value(
            "the string contains a lone surrogate (like '\\ud800'), which is not valid Unicode; \
             JSON text must be UTF-8, so clean or re-encode the string first"
                .into(),
        ))
    })
}

fn int_value<S: Serializer>(conv: &Conv<'_>, obj: &Bound<'_, PyAny>, s: S) -> Result<S::Ok, S::Error> {
    if let Ok(i) = obj.extract::<i64>() {
        return s.serialize_i64(i);
    }
    if let Ok(u) = obj.extract::<u64>() {
        return s.serialize_u64(u);
    }
    // Bigger than 64 bits: its exact decimal digits, as a JSON number.
    let py_err = |e: PyErr| conv.fail(Failure::Python(e));
    let exact = unsafe { Bound::from_owned_ptr_or_err(conv.py, ffi::PyNumber_Long(obj.as_ptr())) }.map_err(py_err)?;
    let digits = exact.str().map_err(py_err)?;
    let digits = str_value(conv, &digits)?;
    raw_number(conv, digits, s)
}

fn raw_number<S: Serializer>(conv: &Conv<'_>, text: &str, s: S) -> Result<S::Ok, S::Error> {
    match RawValue::from_string(text.to_owned()) {
        Ok(raw) => raw.serialize(s),
        Err(_) => Err(conv.fail(Failure::Value(format!("{text:?} is not a JSON number")))),
    }
}

fn float_value<S: Serializer>(conv: &Conv<'_>, f: f64, s: S) -> Result<S::Ok, S::Error> {
    if f.is_finite() {
        return s.serialize_f64(f);
    }
    let name = if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    };
    Err(conv.fail(Failure::Value(format!("float {name} is not valid JSON; send None or a string instead"))))
}

fn decimal_value<S: Serializer>(conv: &Conv<'_>, obj: &Bound<'_, PyAny>, s: S) -> Result<S::Ok, S::Error> {
    let py_err = |e: PyErr| conv.fail(Failure::Python(e));
    let finite: bool = obj.call_method0("is_finite").and_then(|b| b.extract()).map_err(py_err)?;
    if !finite {
        let nan: bool = obj.call_method0("is_nan").and_then(|b| b.extract()).map_err(py_err)?;
        let name = if nan { "NaN" } else { "Infinity" };
        return Err(
            conv.fail(Failure::Value(format!("Decimal {name} is not valid JSON; send None or a string instead")))
        );
    }
    let text = obj.str().map_err(py_err)?;
    let text = str_value(conv, &text)?;
    raw_number(conv, text, s)
}

/// Dict keys become strings the way `json.dumps` does it.
fn key_text<'a, E: serde::ser::Error>(conv: &Conv<'_>, key: &'a Bound<'_, PyAny>) -> Result<Cow<'a, str>, E> {
    let py_err = |e: PyErr| conv.fail(Failure::Python(e));
    if key.is_exact_instance_of::<PyString>() {
        // SAFETY: just checked.
        return str_value(conv, unsafe { key.cast_unchecked::<PyString>() }).map(Cow::Borrowed);
    }
    if let Ok(s) = key.cast::<PyString>() {
        return str_value(conv, s).map(Cow::Borrowed);
    }
    if key.is_none() {
        return Ok(Cow::Borrowed("null"));
    }
    if key.is_instance_of::<PyBool>() {
        return Ok(Cow::Borrowed(if key.is_truthy().map_err(py_err)? { "true" } else { "false" }));
    }
    if key.is_instance_of::<PyInt>() {
        let exact =
            unsafe { Bound::from_owned_ptr_or_err(conv.py, ffi::PyNumber_Long(key.as_ptr())) }.map_err(py_err)?;
        return Ok(Cow::Owned(exact.str().map_err(py_err)?.to_string()));
    }
    if key.is_instance_of::<PyFloat>() {
        let f: f64 = key.extract().map_err(py_err)?;
        if !f.is_finite() {
            return Err(conv.fail(Failure::Value(format!("the dict key {f} is not valid JSON"))));
        }
        // float.__repr__, as json.dumps writes float keys.
        let text =
            unsafe { Bound::from_owned_ptr_or_err(conv.py, ffi::PyObject_Repr(key.as_ptr())) }.map_err(py_err)?;
        return Ok(Cow::Owned(text.to_string()));
    }
    let types = Types::get(conv.py).map_err(py_err)?;
    if key.is_instance(types.enum_.bind(conv.py)).map_err(py_err)? {
        let value = key.getattr("value").map_err(py_err)?;
        return key_text(conv, &value).map(|c| Cow::Owned(c.into_owned()));
    }
    let type_name = key.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(conv.fail(Failure::Type(format!("dict keys must be str, int, float, bool or None, not {type_name}"))))
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

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC: aware datetimes are converted, naive
/// ones are taken as UTC; microseconds are truncated to milliseconds.
pub fn datetime_text(py: Python<'_>, dt: &Bound<'_, PyAny>, types: &Types) -> PyResult<String> {
    let aware = !dt.call_method0("utcoffset")?.is_none();
    let dt = if aware { dt.call_method1("astimezone", (types.utc.bind(py),))? } else { dt.clone() };
    let get = |name: &str| -> PyResult<u32> { dt.getattr(name)?.extract() };
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        get("year")?,
        get("month")?,
        get("day")?,
        get("hour")?,
        get("minute")?,
        get("second")?,
        get("microsecond")? / 1000
    ))
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
