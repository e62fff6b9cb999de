//! The binding kernel: how a host language's values become event JSON,
//! written once for every binding.
//!
//! A binding describes its values through [`Host`]: what a value is
//! ([`Host::describe`] calls one method of [`Describe`]), the text of a
//! string, the items of a sequence, the entries of a mapping. [`to_json`]
//! walks the value with that description and writes JSON straight from it
//! (a `serde` serializer, no intermediate tree), keeping the rules every
//! language shares in one place:
//!
//! - nesting deeper than core's [`MAX_DEPTH`] and circular references are
//!   refused;
//! - `NaN` and infinities are refused, JavaScript numbers with integral
//!   values are written as integers, big integers and decimals keep their
//!   exact digits;
//! - strings with a lone surrogate are refused (they have no UTF-8 form);
//! - bytes become base64 text, dates ISO 8601 text in UTC with milliseconds;
//! - an optional byte limit: the output is counted as it is written (lower
//!   bounds only, so nothing that fits is refused), and a value is refused
//!   as soon as what it would take exceeds the limit, before the rest of it
//!   is read;
//! - the first failure wins, and it comes back as a [`Refusal`] with the
//!   path to the offending value, for the binding to word in its own idiom
//!   (`properties["a"][2]` in Python, `properties.a[2]` in JavaScript).
//!
//! The walk is generic over the host, so each binding gets its own
//! monomorphized copy: no dynamic dispatch and no allocation per value.
//! `tests/vectors/conversions.json` is the cross-language conformance suite;
//! the unit tests here use a small host of their own.

mod format;
mod host;
mod refusal;
mod walk;

#[cfg(test)]
mod tests;

pub use format::{iso_date, millis_from_civil, min_decimal_digits};
pub use host::{At, Describe, Described, Halt, Host, NumberKind, Numbers, Stop, Unfit, Written};
pub use refusal::{Problem, Refusal, Seg};
pub use walk::{to_json, Rules};

/// The deepest nesting accepted (the value itself is level 1): core's
/// limit, so every language refuses the same events.
pub const MAX_DEPTH: usize = outbox_engine::event::MAX_DEPTH;
