//! The walk's rules, over a small host of plain Rust values.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::*;

/// A toy host language.
#[derive(Clone)]
enum V {
    Undefined,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Number(f64),
    Decimal(&'static str),
    Big(&'static str),
    Str(&'static str),
    /// A string with a lone surrogate.
    Lone,
    Date(f64),
    Bytes(Vec<u8>),
    Floats(Vec<f64>),
    List(Rc<RefCell<Vec<V>>>),
    Obj(Rc<RefCell<Vec<(&'static str, V)>>>),
    /// Stands for the value inside (an Enum member).
    Wrap(Box<V>),
    /// Stands for itself, forever.
    Mirror,
    /// Raises when classified.
    Raise(&'static str),
}

fn list(items: Vec<V>) -> V {
    V::List(Rc::new(RefCell::new(items)))
}

fn obj(entries: Vec<(&'static str, V)>) -> V {
    V::Obj(Rc::new(RefCell::new(entries)))
}

#[derive(Default)]
struct Toy {
    /// Items handed to the walk, to see what a refusal spared.
    items_read: Cell<usize>,
}

impl Host for Toy {
    type Value = V;
    type Str = V;
    type Seq<'v> = Rc<RefCell<Vec<V>>>;
    type Map<'v> = Rc<RefCell<Vec<(&'static str, V)>>>;
    type Key = &'static str;
    type PathKey = String;
    type Id = usize;
    type Error = String;

    const LIMITED: bool = true;

    fn describe<D: Describe<Toy>>(
        &self,
        v: &V,
        _at: At<'_, &'static str>,
        _replaced: bool,
        out: D,
    ) -> Result<Described, String> {
        Ok(match v {
            V::Undefined => out.omitted(),
            V::Null => out.null(),
            V::Bool(b) => out.bool(*b),
            V::Int(i) => out.int(*i),
            V::Float(f) => out.float(*f),
            V::Number(n) => out.number(*n),
            V::Decimal(d) => out.digits(d),
            V::Big(digits) => out.big_int(1, || Ok((*digits).to_owned())),
            V::Str(_) | V::Lone => out.str(v),
            V::Date(ms) => out.date(*ms),
            V::Bytes(bytes) => out.bytes(bytes),
            V::Floats(floats) => {
                let bytes: Vec<u8> = floats.iter().flat_map(|x| x.to_ne_bytes()).collect();
                out.numbers(Numbers { kind: NumberKind::F64, len: floats.len(), bytes: &bytes })
            }
            V::List(l) => out.seq(Rc::as_ptr(l) as usize, l, Some(l.borrow().len())),
            V::Obj(o) => out.map(Rc::as_ptr(o) as usize, o),
            V::Wrap(inner) => out.replace(inner),
            V::Mirror => out.replace(v),
            V::Raise(m) => return Err((*m).to_owned()),
        })
    }

    fn same(&self, a: usize, b: usize) -> Result<bool, String> {
        Ok(a == b)
    }

    fn text<T>(&self, s: &V, max: usize, f: impl FnOnce(&str) -> T) -> Result<Result<T, Unfit>, String> {
        match s {
            V::Str(text) if text.len() > max => Ok(Err(Unfit::TooLong(text.len()))),
            V::Str(text) => Ok(Ok(f(text))),
            _ => Ok(Err(Unfit::LoneSurrogate)),
        }
    }

    fn key_text<T>(
        &self,
        key: &&'static str,
        max: usize,
        f: impl FnOnce(&str) -> T,
    ) -> Result<Result<T, Unfit>, String> {
        self.text(&V::Str(key), max, f)
    }

    fn path_key(&self, key: &&'static str) -> Option<String> {
        Some((*key).to_owned())
    }

    fn items(&self, seq: &Self::Seq<'_>, mut each: impl FnMut(usize, V) -> Described) -> Result<(), Stop<String>> {
        let len = seq.borrow().len();
        for i in 0..len {
            let item = seq.borrow()[i].clone();
            self.items_read.set(self.items_read.get() + 1);
            each(i, item)?;
        }
        Ok(())
    }

    fn entries(
        &self,
        map: &Self::Map<'_>,
        mut each: impl FnMut(&'static str, V) -> Described,
    ) -> Result<(), Stop<String>> {
        let entries = map.borrow().clone();
        for (k, v) in entries {
            each(k, v)?;
        }
        Ok(())
    }
}

const FREE: Rules = Rules { max_bytes: usize::MAX, null_for_omitted: true };

fn json(v: V) -> String {
    match to_json(&Toy::default(), &v, FREE) {
        Ok(json) => json.as_str().to_owned(),
        Err(r) => panic!("refused: {:?} at {:?}", r.problem, r.path),
    }
}

fn refusal(v: V, rules: Rules) -> (Problem<String>, String) {
    let r = to_json(&Toy::default(), &v, rules).expect_err("should be refused");
    let path = r
        .path
        .iter()
        .map(|seg| match seg {
            Seg::Index(i) => format!("[{i}]"),
            Seg::Key(k) => format!(".{k}"),
        })
        .collect();
    (r.problem, path)
}

#[test]
fn values_become_json() {
    let v = obj(vec![
        ("a", list(vec![V::Int(1), V::Float(2.5), V::Str("x"), V::Bool(true), V::Null])),
        ("skip", V::Undefined),
        ("in_list", list(vec![V::Undefined])),
        ("wrapped", V::Wrap(Box::new(V::Wrap(Box::new(V::Str("gold")))))),
    ]);
    assert_eq!(json(v), r#"{"a":[1,2.5,"x",true,null],"in_list":[null],"wrapped":"gold"}"#);
}

#[test]
fn numbers_keep_their_kind_and_digits() {
    assert_eq!(json(V::Float(1.0)), "1.0");
    assert_eq!(json(V::Number(1.0)), "1");
    assert_eq!(json(V::Number(-0.0)), "0");
    assert_eq!(json(V::Number(0.5)), "0.5");
    assert_eq!(json(V::Number(1e21)), "1e+21");
    assert_eq!(json(V::Number(9_007_199_254_740_993.0)), "9007199254740992");
    assert_eq!(json(V::Decimal("12.50")), "12.50");
    assert_eq!(json(V::Big("-123456789012345678901234567890")), "-123456789012345678901234567890");
    assert!(matches!(refusal(V::Decimal("1..2"), FREE).0, Problem::NotANumber(t) if t == "1..2"));
    for n in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let (problem, path) = refusal(obj(vec![("a", list(vec![V::Int(1), V::Number(n)]))]), FREE);
        assert!(matches!(problem, Problem::NotFinite(x) if x.to_bits() == n.to_bits()));
        assert_eq!(path, ".a[1]");
    }
    let (problem, path) = refusal(list(vec![V::Floats(vec![1.0, 0.5, f64::NAN])]), FREE);
    assert!(matches!(problem, Problem::NotFinite(_)));
    assert_eq!(path, "[0][2]");
}

#[test]
fn bytes_dates_and_typed_numbers() {
    assert_eq!(json(V::Bytes(b"hello".to_vec())), r#""aGVsbG8=""#);
    assert_eq!(json(V::Floats(vec![1.0, 0.5])), "[1,0.5]");
    assert_eq!(json(V::Date(1_714_566_645_123.0)), r#""2024-05-01T12:30:45.123Z""#);
    assert!(matches!(refusal(V::Date(f64::NAN), FREE).0, Problem::InvalidDate));
}

#[test]
fn cycles_are_refused_with_their_path_and_shared_values_are_not() {
    let shared = list(vec![V::Int(1)]);
    assert_eq!(json(obj(vec![("a", shared.clone()), ("b", shared)])), r#"{"a":[1],"b":[1]}"#);
    let inner = Rc::new(RefCell::new(Vec::new()));
    let outer = obj(vec![("list", V::List(inner.clone()))]);
    inner.borrow_mut().push(V::Int(0));
    inner.borrow_mut().push(outer.clone());
    let (problem, path) = refusal(outer, FREE);
    assert!(matches!(problem, Problem::Cycle));
    assert_eq!(path, ".list[1]");
}

#[test]
fn depth_is_limited_to_core_s() {
    let nested = |levels: usize| (0..levels).fold(V::Int(1), |v, _| list(vec![v]));
    assert_eq!(json(nested(MAX_DEPTH)).matches('[').count(), MAX_DEPTH);
    let (problem, path) = refusal(nested(MAX_DEPTH + 1), FREE);
    assert!(matches!(problem, Problem::TooDeep));
    assert_eq!(path, "[0]".repeat(MAX_DEPTH));
    // A value that stands for itself cannot loop.
    assert!(matches!(refusal(V::Mirror, FREE).0, Problem::TooDeep));
}

#[test]
fn the_first_failure_wins_and_host_failures_keep_their_path() {
    let (problem, path) = refusal(obj(vec![("a", obj(vec![("b", V::Raise("boom"))])), ("c", V::Lone)]), FREE);
    assert!(matches!(problem, Problem::Host(m) if m == "boom"));
    assert_eq!(path, ".a.b");
    let (problem, path) = refusal(list(vec![V::Str("ok"), V::Lone]), FREE);
    assert!(matches!(problem, Problem::LoneSurrogate));
    assert_eq!(path, "[1]");
}

#[test]
fn an_omitted_root_is_null_or_refused() {
    assert_eq!(json(V::Undefined), "null");
    let rules = Rules { null_for_omitted: false, ..FREE };
    assert!(matches!(refusal(V::Undefined, rules).0, Problem::Omitted));
}

#[test]
fn the_byte_limit_refuses_before_reading_what_cannot_fit() {
    let limited = |max_bytes| Rules { max_bytes, null_for_omitted: true };
    // {"k":"abc"}: 1 for the braces, 1 + 4 for the key, 3 + 2 for the value.
    let small = || obj(vec![("k", V::Str("abc"))]);
    assert!(to_json(&Toy::default(), &small(), limited(11)).is_ok());
    let (problem, path) = refusal(small(), limited(10));
    assert!(matches!(problem, Problem::TooLarge { at_least: 11, limit: 10 }), "{problem:?}");
    assert_eq!(path, ".k");
    // A long array is refused before any item is read.
    let toy = Toy::default();
    let long = list(vec![V::Int(1); 1000]);
    assert!(to_json(&toy, &long, limited(100)).is_err());
    assert_eq!(toy.items_read.get(), 0);
}
