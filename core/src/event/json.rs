//! [`Json`]: a JSON document already serialized, checked as strict parsers
//! check it.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Error;

/// A JSON document already serialized (properties, traits, context).
///
/// Bindings build it straight from their native values through `Serialize`,
/// so no intermediate tree is built on the hot path.
#[derive(Debug, Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// Parses and validates JSON text. Refused too is what the grammar
    /// allows but strict parsers (serde_json, Go, I-JSON) refuse, because
    /// the text is sent as it is: a number beyond f64 (`1e400`) and an
    /// unpaired surrogate escape (`"\udc80"`).
    pub fn parse(text: &str) -> Result<Json, Error> {
        serde_json::from_str::<Strict>(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
        RawValue::from_string(text.to_owned()).map(|raw| Json(trim(raw))).map_err(|e| Error::InvalidJson(e.to_string()))
    }

    /// Serializes any `Serialize` value (a binding's native object, a struct, ...).
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Json, Error> {
        serde_json::value::to_raw_value(value).map(Json).map_err(|e| Error::InvalidJson(e.to_string()))
    }

    /// The JSON text, trimmed of surrounding whitespace.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Whether the document is a JSON object (the only shape event fields take).
    pub fn is_object(&self) -> bool {
        self.0.get().starts_with('{')
    }

    pub(crate) fn raw(&self) -> &RawValue {
        &self.0
    }
}

/// Any JSON value, read the way `serde_json::Value` reads it (numbers
/// converted, escapes decoded) but kept nowhere: `RawValue` alone checks only
/// the grammar, and found by fuzzing, it passes numbers and escapes that
/// make a receiver refuse the whole batch.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        while map.next_entry::<Strict, Strict>()?.is_some() {}
        Ok(Strict)
    }
}

/// `raw` without surrounding whitespace, so it splices cleanly into an event.
fn trim(raw: Box<RawValue>) -> Box<RawValue> {
    let text = raw.get();
    if text.len() == text.trim().len() {
        return raw;
    }
    RawValue::from_string(text.trim().to_owned()).unwrap_or(raw)
}

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        // A `Value` always serializes (its map keys are strings, its numbers finite).
        Json(
            serde_json::value::to_raw_value(&value)
                .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON")),
        )
    }
}
