//! Why a conversion failed, and where: the binding words it.

/// Why a value was refused.
#[derive(Debug)]
pub enum Problem<E> {
    /// The host failed (an exception from user code, or a value it refuses).
    Host(E),
    /// A container contains itself.
    Cycle,
    /// Containers nest deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
    /// `NaN` or an infinity.
    NotFinite(f64),
    /// A string with a lone surrogate.
    LoneSurrogate,
    /// A date whose time value is not finite (an invalid JavaScript `Date`).
    InvalidDate,
    /// Text given as a number ([`Describe::digits`](crate::Describe::digits))
    /// that is not a JSON number.
    NotANumber(String),
    /// The output would take at least `at_least` bytes, over `limit`.
    TooLarge {
        /// A lower bound of the size of the output.
        at_least: usize,
        /// The limit.
        limit: usize,
    },
    /// The value converted is one that is omitted (JavaScript's
    /// `undefined`, a function), and [`Rules::null_for_omitted`](crate::Rules)
    /// is false.
    Omitted,
    /// The serializer failed on its own.
    Engine(outbox_engine::Error),
}

/// One step of the path to a refused value.
#[derive(Debug)]
pub enum Seg<K> {
    /// The item at this index of a sequence.
    Index(usize),
    /// The value of this key of a mapping.
    Key(K),
}

/// A refused conversion: what is wrong and where, outermost step first (an
/// empty path: the value converted itself).
#[derive(Debug)]
pub struct Refusal<E, K> {
    /// What is wrong.
    pub problem: Problem<E>,
    /// Where.
    pub path: Vec<Seg<K>>,
}
