//! The walk: one pass over a host value, writing JSON through `serde` as it
//! goes, with the bookkeeping every binding shares (depth, cycles, the byte
//! limit, the first failure and the path to it).
//!
//! The host drives it: for each value, [`Host::describe`] calls one method
//! of [`Out`], which counts the value and writes it into its slot (the
//! root, an array, or a mapping entry whose key is written only once its
//! value is known not to be omitted).

use std::cell::{Cell, RefCell};
use std::fmt::Display;

use base64::Engine as _;
use outbox_engine::Json;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::format::{base64_len, iso_date, MAX_SAFE_INTEGER};
use crate::host::{At, Describe, Described, Halt, Host, NumberKind, Numbers, Stop, Unfit, Written};
use crate::refusal::{Problem, Refusal, Seg};
use crate::MAX_DEPTH;

/// How a conversion runs.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The most bytes the JSON may take (for a [`Host::LIMITED`] host).
    pub max_bytes: usize,
    /// What a value that is omitted (JavaScript's `undefined`, a function)
    /// gives when it is the value converted: `null`, or (false)
    /// [`Problem::Omitted`].
    pub null_for_omitted: bool,
}

/// Converts `value` to JSON text, or says why it cannot be.
pub fn to_json<H: Host>(host: &H, value: &H::Value, rules: Rules) -> Result<Json, Refusal<H::Error, H::PathKey>> {
    let walk = Walk {
        host,
        rules,
        used: Cell::new(0),
        stack: RefCell::new(Vec::new()),
        path: RefCell::new(Vec::new()),
        problem: RefCell::new(None),
    };
    match Json::from_serialize(&Root { walk: &walk, value }) {
        Ok(json) => Ok(json),
        Err(e) => Err(walk.into_refusal(e)),
    }
}

/// The state of one conversion.
struct Walk<'h, H: Host> {
    host: &'h H,
    rules: Rules,
    /// Bytes of output so far (a lower bound).
    used: Cell<usize>,
    /// The containers being written, outermost first.
    stack: RefCell<Vec<H::Id>>,
    /// The path to the refused value, innermost first: each level adds its
    /// step as the refusal unwinds through it, so success costs nothing.
    path: RefCell<Vec<Seg<H::PathKey>>>,
    /// The first failure.
    problem: RefCell<Option<Problem<H::Error>>>,
}

impl<'h, H: Host> Walk<'h, H> {
    fn into_refusal(self, serializer: outbox_engine::Error) -> Refusal<H::Error, H::PathKey> {
        let problem = self.problem.into_inner().unwrap_or(Problem::Engine(serializer));
        let mut path = self.path.into_inner();
        path.reverse();
        Refusal { problem, path }
    }

    /// Records `problem` unless an earlier one is recorded: the first wins.
    #[cold]
    fn fail(&self, problem: Problem<H::Error>) -> Halt {
        let mut slot = self.problem.borrow_mut();
        if slot.is_none() {
            *slot = Some(problem);
        }
        Halt(())
    }

    /// A serializer error: ours (already recorded) or, never seen, its own.
    #[cold]
    fn halt(&self, e: impl Display) -> Halt {
        if self.problem.borrow().is_none() {
            return self.fail(Problem::Engine(outbox_engine::Error::InvalidJson(e.to_string())));
        }
        Halt(())
    }

    #[cold]
    fn host_failed(&self, e: H::Error) -> Halt {
        self.fail(Problem::Host(e))
    }

    /// Has the host describe `v` into `slot`.
    #[inline(always)]
    fn describe<T: Slot<H>>(&self, v: &H::Value, at: At<'_, H::Key>, slot: T) -> Described {
        let out = Out { walk: self, at, hops: 0, slot };
        self.host.describe(v, at, false, out).unwrap_or_else(|e| Err(self.host_failed(e)))
    }

    /// Runs `f` on the text of `s` once it is counted (with its quotes).
    #[inline]
    fn text<T>(&self, s: &H::Str, f: impl FnOnce(&str) -> T) -> Result<T, Halt> {
        let read = self.host.text(s, self.room().saturating_sub(2), |text| (text.len(), f(text)));
        let (len, out) = self.fitted(read)?;
        self.spend(len.saturating_add(2))?;
        Ok(out)
    }

    /// What [`Host::text`] or [`Host::key_text`] handed over, or why not.
    #[inline]
    fn fitted<T>(&self, read: Result<Result<T, Unfit>, H::Error>) -> Result<T, Halt> {
        match read {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(Unfit::TooLong(len))) => Err(self.too_large(len.saturating_add(2))),
            Ok(Err(Unfit::LoneSurrogate)) => Err(self.fail(Problem::LoneSurrogate)),
            Err(e) => Err(self.host_failed(e)),
        }
    }

    /// Writes a mapping key once it is counted (with its quotes, colon and comma).
    fn key<M: SerializeMap>(&self, map: &mut M, key: &H::Key) -> Result<(), Halt> {
        let read = self.host.key_text(key, self.room().saturating_sub(2), |text| {
            self.spend(text.len().saturating_add(4))?;
            map.serialize_key(text).map_err(|e| self.halt(e))
        });
        self.fitted(read)?
    }

    #[inline]
    fn finite(&self, n: f64) -> Result<(), Halt> {
        if n.is_finite() {
            Ok(())
        } else {
            Err(self.fail(Problem::NotFinite(n)))
        }
    }

    fn seq<S: Serializer>(&self, id: H::Id, seq: &H::Seq<'_>, len: Option<usize>, s: S) -> Result<S::Ok, Halt> {
        self.enter(id)?;
        match len {
            // Brackets and commas; the items count themselves, a byte at
            // least each, so a long (or sparse) array that cannot fit is
            // refused before any is read.
            Some(len) => {
                self.room_for(len.saturating_mul(2).saturating_add(1))?;
                self.spend(len.saturating_add(1))?;
            }
            None => self.spend(1)?,
        }
        // No length for serde: a container that changes while it is read
        // still gives valid JSON.
        let mut out = s.serialize_seq(None).map_err(|e| self.halt(e))?;
        // Inlined into the host's loop: the hot path of every array item.
        let walked = self.host.items(
            seq,
            #[inline(always)]
            |i, item| {
                let written = self.describe(&item, At::Index(i), ItemSlot { seq: &mut out });
                if written.is_err() {
                    self.path.borrow_mut().push(Seg::Index(i));
                }
                written
            },
        );
        self.stopped(walked)?;
        self.leave();
        out.end().map_err(|e| self.halt(e))
    }

    fn map<S: Serializer>(&self, id: H::Id, map: &H::Map<'_>, s: S) -> Result<S::Ok, Halt> {
        self.enter(id)?;
        self.spend(1)?; // braces, less the comma counted with each entry
        let mut out = s.serialize_map(None).map_err(|e| self.halt(e))?;
        let walked = self.host.entries(
            map,
            #[inline(always)]
            |key, value| {
                let written = self.describe(&value, At::Key(&key), EntrySlot { map: &mut out, key: &key });
                if written.is_err() {
                    if let Some(key) = self.host.path_key(&key) {
                        self.path.borrow_mut().push(Seg::Key(key));
                    }
                }
                written
            },
        );
        self.stopped(walked)?;
        self.leave();
        out.end().map_err(|e| self.halt(e))
    }

    fn numbers<S: Serializer>(&self, n: &Numbers<'_>, s: S) -> Result<S::Ok, Halt> {
        let mut out = s.serialize_seq(None).map_err(|e| self.halt(e))?;
        for i in 0..n.len {
            let b = n.bytes;
            let written = match n.kind {
                NumberKind::I8 => out.serialize_element(&i8::from_ne_bytes(chunk(b, i))),
                NumberKind::U8 => out.serialize_element(&u8::from_ne_bytes(chunk(b, i))),
                NumberKind::I16 => out.serialize_element(&i16::from_ne_bytes(chunk(b, i))),
                NumberKind::U16 => out.serialize_element(&u16::from_ne_bytes(chunk(b, i))),
                NumberKind::I32 => out.serialize_element(&i32::from_ne_bytes(chunk(b, i))),
                NumberKind::U32 => out.serialize_element(&u32::from_ne_bytes(chunk(b, i))),
                NumberKind::I64 => out.serialize_element(&i64::from_ne_bytes(chunk(b, i))),
                NumberKind::U64 => out.serialize_element(&u64::from_ne_bytes(chunk(b, i))),
                NumberKind::F32 | NumberKind::F64 => {
                    let f = match n.kind {
                        NumberKind::F32 => f32::from_ne_bytes(chunk(b, i)) as f64,
                        _ => f64::from_ne_bytes(chunk(b, i)),
                    };
                    if !f.is_finite() {
                        self.path.borrow_mut().push(Seg::Index(i));
                        return Err(self.fail(Problem::NotFinite(f)));
                    }
                    out.serialize_element(&JsNumber(f))
                }
            };
            written.map_err(|e| self.halt(e))?;
        }
        out.end().map_err(|e| self.halt(e))
    }

    fn stopped(&self, walked: Result<(), Stop<H::Error>>) -> Result<(), Halt> {
        match walked {
            Ok(()) => Ok(()),
            Err(Stop::Halt(halt)) => Err(halt),
            Err(Stop::Host(e)) => Err(self.host_failed(e)),
        }
    }

    /// Enters a container: refuses one nested too deep, or inside itself.
    fn enter(&self, id: H::Id) -> Result<(), Halt> {
        let mut stack = self.stack.borrow_mut();
        if stack.len() >= MAX_DEPTH {
            drop(stack);
            return Err(self.fail(Problem::TooDeep));
        }
        for &outer in stack.iter() {
            let problem = match self.host.same(outer, id) {
                Ok(false) => continue,
                Ok(true) => Problem::Cycle,
                Err(e) => Problem::Host(e),
            };
            drop(stack);
            return Err(self.fail(problem));
        }
        stack.push(id);
        Ok(())
    }

    fn leave(&self) {
        self.stack.borrow_mut().pop();
    }

    /// Counts `bytes` more of output, refusing the value once over the limit.
    #[inline]
    fn spend(&self, bytes: usize) -> Result<(), Halt> {
        if !H::LIMITED {
            return Ok(());
        }
        self.room_for(bytes)?;
        self.used.set(self.used.get().saturating_add(bytes));
        Ok(())
    }

    /// Refuses the value, without counting, if `bytes` more would not fit.
    #[inline]
    fn room_for(&self, bytes: usize) -> Result<(), Halt> {
        if !H::LIMITED || self.used.get().saturating_add(bytes) <= self.rules.max_bytes {
            Ok(())
        } else {
            Err(self.too_large(bytes))
        }
    }

    #[cold]
    fn too_large(&self, bytes: usize) -> Halt {
        self.fail(Problem::TooLarge { at_least: self.used.get().saturating_add(bytes), limit: self.rules.max_bytes })
    }

    /// What is left of the limit.
    #[inline]
    fn room(&self) -> usize {
        if !H::LIMITED {
            return usize::MAX;
        }
        self.rules.max_bytes.saturating_sub(self.used.get())
    }
}

/// Where a described value goes.
trait Slot<H: Host>: Sized {
    /// Makes room for a value that is not omitted, before anything of it is
    /// read or counted (a mapping entry writes its key here).
    #[inline(always)]
    fn open(&mut self, _walk: &Walk<'_, H>) -> Result<(), Halt> {
        Ok(())
    }
    /// Writes the value.
    fn put<T: Serialize + ?Sized>(self, walk: &Walk<'_, H>, v: &T) -> Described;
    /// Writes what an omitted value gives here.
    fn omit(self, walk: &Walk<'_, H>) -> Described;
}

/// The value converted.
struct RootSlot<'o, S: Serializer> {
    s: S,
    out: &'o mut Option<S::Ok>,
}

impl<H: Host, S: Serializer> Slot<H> for RootSlot<'_, S> {
    #[inline(always)]
    fn put<T: Serialize + ?Sized>(self, walk: &Walk<'_, H>, v: &T) -> Described {
        *self.out = Some(v.serialize(self.s).map_err(|e| walk.halt(e))?);
        Ok(Written(()))
    }

    fn omit(self, walk: &Walk<'_, H>) -> Described {
        if !walk.rules.null_for_omitted {
            return Err(walk.fail(Problem::Omitted));
        }
        walk.spend(4)?;
        self.put(walk, &())
    }
}

/// An item of an array.
struct ItemSlot<'o, Q: SerializeSeq> {
    seq: &'o mut Q,
}

impl<H: Host, Q: SerializeSeq> Slot<H> for ItemSlot<'_, Q> {
    #[inline(always)]
    fn put<T: Serialize + ?Sized>(self, walk: &Walk<'_, H>, v: &T) -> Described {
        self.seq.serialize_element(v).map_err(|e| walk.halt(e))?;
        Ok(Written(()))
    }

    fn omit(self, walk: &Walk<'_, H>) -> Described {
        walk.spend(4)?;
        self.put(walk, &())
    }
}

/// The value of a mapping entry: the key is written first, and not at all
/// when the value is omitted.
struct EntrySlot<'o, 'k, M: SerializeMap, K> {
    map: &'o mut M,
    key: &'k K,
}

impl<H: Host<Key = K>, M: SerializeMap, K> Slot<H> for EntrySlot<'_, '_, M, K> {
    #[inline(always)]
    fn open(&mut self, walk: &Walk<'_, H>) -> Result<(), Halt> {
        walk.key(self.map, self.key)
    }

    #[inline(always)]
    fn put<T: Serialize + ?Sized>(self, walk: &Walk<'_, H>, v: &T) -> Described {
        self.map.serialize_value(v).map_err(|e| walk.halt(e))?;
        Ok(Written(()))
    }

    fn omit(self, _walk: &Walk<'_, H>) -> Described {
        Ok(Written(()))
    }
}

/// What the host describes one value through.
struct Out<'w, 'h, 'a, H: Host, T> {
    walk: &'w Walk<'h, H>,
    at: At<'a, H::Key>,
    /// Replacements followed so far.
    hops: usize,
    slot: T,
}

impl<H: Host, T: Slot<H>> Out<'_, '_, '_, H, T> {
    #[inline(always)]
    fn open(&mut self) -> Result<(), Halt> {
        self.slot.open(self.walk)
    }

    /// Writes `text` as a JSON number, as it is.
    fn raw_number(self, text: &str) -> Described {
        let walk = self.walk;
        walk.spend(text.len())?;
        match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) => self.slot.put(walk, raw),
            Err(_) => Err(walk.fail(Problem::NotANumber(text.to_owned()))),
        }
    }
}

impl<H: Host, T: Slot<H>> Describe<H> for Out<'_, '_, '_, H, T> {
    #[inline]
    fn omitted(self) -> Described {
        self.slot.omit(self.walk)
    }

    #[inline(always)]
    fn null(mut self) -> Described {
        self.open()?;
        self.walk.spend(4)?;
        self.slot.put(self.walk, &())
    }

    #[inline(always)]
    fn bool(mut self, b: bool) -> Described {
        self.open()?;
        self.walk.spend(4)?;
        self.slot.put(self.walk, &b)
    }

    #[inline(always)]
    fn int(mut self, i: i64) -> Described {
        self.open()?;
        self.walk.spend(1)?;
        self.slot.put(self.walk, &i)
    }

    fn uint(mut self, u: u64) -> Described {
        self.open()?;
        self.walk.spend(1)?;
        self.slot.put(self.walk, &u)
    }

    #[inline(always)]
    fn float(mut self, f: f64) -> Described {
        self.open()?;
        self.walk.spend(1)?;
        self.walk.finite(f)?;
        self.slot.put(self.walk, &f)
    }

    #[inline(always)]
    fn number(mut self, n: f64) -> Described {
        self.open()?;
        self.walk.spend(1)?;
        self.walk.finite(n)?;
        self.slot.put(self.walk, &JsNumber(n))
    }

    fn digits(mut self, text: &str) -> Described {
        self.open()?;
        self.raw_number(text)
    }

    fn big_int(mut self, min_digits: usize, digits: impl FnOnce() -> Result<String, H::Error>) -> Described {
        self.open()?;
        // Refused by its size before its digits are made.
        self.walk.room_for(min_digits)?;
        let text = digits().map_err(|e| self.walk.host_failed(e))?;
        self.raw_number(&text)
    }

    #[inline(always)]
    fn str(mut self, s: &H::Str) -> Described {
        self.open()?;
        let (walk, slot) = (self.walk, self.slot);
        walk.text(s, |text| slot.put(walk, text))?
    }

    fn date(mut self, ms: f64) -> Described {
        self.open()?;
        self.walk.spend(26)?; // "1970-01-01T00:00:00.000Z" and its quotes
        if !ms.is_finite() {
            return Err(self.walk.fail(Problem::InvalidDate));
        }
        self.slot.put(self.walk, &iso_date(ms))
    }

    fn bytes(mut self, bytes: &[u8]) -> Described {
        self.open()?;
        self.walk.spend(base64_len(bytes.len()).saturating_add(2))?;
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.slot.put(self.walk, &text)
    }

    fn numbers(mut self, numbers: Numbers<'_>) -> Described {
        self.open()?;
        // A digit at least per element, with commas and brackets.
        self.walk.spend(numbers.len.saturating_mul(2).saturating_add(1))?;
        self.slot.put(self.walk, &NumbersOf { walk: self.walk, numbers })
    }

    #[inline(always)]
    fn seq(mut self, id: H::Id, seq: &H::Seq<'_>, len: Option<usize>) -> Described {
        self.open()?;
        self.slot.put(self.walk, &SeqOf { walk: self.walk, id, seq, len })
    }

    #[inline(always)]
    fn map(mut self, id: H::Id, map: &H::Map<'_>) -> Described {
        self.open()?;
        self.slot.put(self.walk, &MapOf { walk: self.walk, id, map })
    }

    fn replace(self, v: &H::Value) -> Described {
        let walk = self.walk;
        // A value standing for itself would loop: count the hops like levels.
        if self.hops >= MAX_DEPTH {
            return Err(walk.fail(Problem::TooDeep));
        }
        let out = Out { walk, at: self.at, hops: self.hops + 1, slot: self.slot };
        walk.host.describe(v, self.at, true, out).unwrap_or_else(|e| Err(walk.host_failed(e)))
    }
}

/// The value converted, as `serde` sees it.
struct Root<'w, 'h, 'v, H: Host> {
    walk: &'w Walk<'h, H>,
    value: &'v H::Value,
}

impl<H: Host> Serialize for Root<'_, '_, '_, H> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = None;
        let written = self.walk.describe(self.value, At::Root, RootSlot { s, out: &mut out });
        // On refusal the reason is recorded in the walk; serde only unwinds.
        match (written, out) {
            (Ok(_), Some(ok)) => Ok(ok),
            _ => Err(S::Error::custom("refused")),
        }
    }
}

/// A sequence, as `serde` sees it.
struct SeqOf<'w, 'h, 's, 'v, H: Host + 'v> {
    walk: &'w Walk<'h, H>,
    id: H::Id,
    seq: &'s H::Seq<'v>,
    len: Option<usize>,
}

impl<'v, H: Host + 'v> Serialize for SeqOf<'_, '_, '_, 'v, H> {
    #[inline(always)]
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.walk.seq(self.id, self.seq, self.len, s).map_err(|_| S::Error::custom("refused"))
    }
}

/// A mapping, as `serde` sees it.
struct MapOf<'w, 'h, 'm, 'v, H: Host + 'v> {
    walk: &'w Walk<'h, H>,
    id: H::Id,
    map: &'m H::Map<'v>,
}

impl<'v, H: Host + 'v> Serialize for MapOf<'_, '_, '_, 'v, H> {
    #[inline(always)]
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.walk.map(self.id, self.map, s).map_err(|_| S::Error::custom("refused"))
    }
}

/// Packed numbers, as `serde` sees them.
struct NumbersOf<'w, 'h, 'n, H: Host> {
    walk: &'w Walk<'h, H>,
    numbers: Numbers<'n>,
}

impl<H: Host> Serialize for NumbersOf<'_, '_, '_, H> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.walk.numbers(&self.numbers, s).map_err(|_| S::Error::custom("refused"))
    }
}

/// A finite JavaScript number: integral values as integers (`-0` as `0`).
struct JsNumber(f64);

impl Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() <= MAX_SAFE_INTEGER {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// Element `i` of `N`-byte elements (zeros past the end).
fn chunk<const N: usize>(bytes: &[u8], i: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = bytes.get(i * N..(i + 1) * N) {
        out.copy_from_slice(src);
    }
    out
}
