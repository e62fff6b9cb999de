//! What a binding tells the kernel about its values: the [`Host`] trait, and
//! [`Describe`], through which it says what one value is.

/// A host language's values, as the walk needs to see them.
///
/// Handles are the host's own (a Python object, a JavaScript value); the
/// associated types let each binding keep what it learned while describing
/// a value, so that nothing is looked up twice.
pub trait Host {
    /// A value.
    type Value;
    /// A string, as [`Describe::str`] takes it.
    type Str;
    /// A sequence (list, tuple, array, set), as [`Describe::seq`] takes it:
    /// it may borrow the value it was described from.
    type Seq<'v>
    where
        Self: 'v;
    /// A mapping (dict, object, `Map`), as [`Describe::map`] takes it; it
    /// may borrow the value.
    type Map<'v>
    where
        Self: 'v;
    /// A key of a mapping, as [`Host::entries`] yields it.
    type Key;
    /// A key kept for the path of a refusal.
    type PathKey;
    /// The identity of a container, for the circular reference check.
    type Id: Copy;
    /// A failure of the host's own: an exception raised by user code, or a
    /// value it refuses (with words of its own).
    type Error;

    /// Whether conversions count their bytes against
    /// [`Rules::max_bytes`](crate::Rules). A host without a limit says
    /// false, and the counting is compiled out of its walk.
    const LIMITED: bool;

    /// Says what `v` is by calling exactly one method of `out`, and returns
    /// what that method returned. `at` says where `v` stands (JavaScript
    /// passes it to `toJSON`); `replaced` is true when `v` came from
    /// [`Describe::replace`].
    ///
    /// The walk is driven from here: `out`'s methods write at once, so a
    /// value's type is tested once, in the host's order, fast paths first.
    fn describe<D: Describe<Self>>(
        &self,
        v: &Self::Value,
        at: At<'_, Self::Key>,
        replaced: bool,
        out: D,
    ) -> Result<Described, Self::Error>;

    /// Whether two containers are the same one.
    fn same(&self, a: Self::Id, b: Self::Id) -> Result<bool, Self::Error>;

    /// Runs `f` on the UTF-8 text of `s` if it takes at most `max` bytes.
    fn text<T>(&self, s: &Self::Str, max: usize, f: impl FnOnce(&str) -> T) -> Result<Result<T, Unfit>, Self::Error>;

    /// Runs `f` on the text of a mapping key if it takes at most `max` bytes.
    fn key_text<T>(
        &self,
        key: &Self::Key,
        max: usize,
        f: impl FnOnce(&str) -> T,
    ) -> Result<Result<T, Unfit>, Self::Error>;

    /// The key as a refusal's path shows it; `None` when it cannot be shown.
    fn path_key(&self, key: &Self::Key) -> Option<Self::PathKey>;

    /// Calls `each` with every item of `seq`, in order, with its index.
    fn items(
        &self,
        seq: &Self::Seq<'_>,
        each: impl FnMut(usize, Self::Value) -> Described,
    ) -> Result<(), Stop<Self::Error>>;

    /// Calls `each` with every entry of `map`, in order.
    fn entries(
        &self,
        map: &Self::Map<'_>,
        each: impl FnMut(Self::Key, Self::Value) -> Described,
    ) -> Result<(), Stop<Self::Error>>;
}

/// What [`Describe`]'s methods return: written, or refused (the reason is
/// recorded in the walk).
pub type Described = Result<Written, Halt>;

/// Proof that a value was written: only [`Describe`]'s methods make one,
/// so a host cannot report a value it did not describe.
#[derive(Debug)]
pub struct Written(pub(crate) ());

/// What a value is: [`Host::describe`] calls exactly one of these, which
/// writes the value (counted against the byte limit, checked by the rules
/// in the crate documentation).
pub trait Describe<H: Host + ?Sized>: Sized {
    /// Nothing (JavaScript's `undefined`, a function): omitted as a
    /// mapping's value, `null` elsewhere.
    fn omitted(self) -> Described;
    /// `null`.
    fn null(self) -> Described;
    /// `true` or `false`.
    fn bool(self, b: bool) -> Described;
    /// An integer.
    fn int(self, i: i64) -> Described;
    /// An integer above `i64::MAX`.
    fn uint(self, u: u64) -> Described;
    /// A float, written as one (`1.0`). Not finite: refused.
    fn float(self, f: f64) -> Described;
    /// A JavaScript number: integral values are written as integers (`1`,
    /// and `0` for `-0`), as `JSON.stringify` does. Not finite: refused.
    fn number(self, n: f64) -> Described;
    /// A number's exact decimal text (a `Decimal`), written as is.
    fn digits(self, text: &str) -> Described;
    /// An integer of any size: `min_digits` is a lower bound of its decimal
    /// digits (a huge one is refused before `digits` makes them).
    fn big_int(self, min_digits: usize, digits: impl FnOnce() -> Result<String, H::Error>) -> Described;
    /// A string, read through [`Host::text`].
    fn str(self, s: &H::Str) -> Described;
    /// A date: milliseconds since 1970 in UTC, written as ISO 8601 text.
    /// Not finite (an invalid JavaScript `Date`): refused.
    fn date(self, ms: f64) -> Described;
    /// Bytes: written as base64 text.
    fn bytes(self, bytes: &[u8]) -> Described;
    /// Numbers packed in native byte order (a typed array): an array.
    fn numbers(self, numbers: Numbers<'_>) -> Described;
    /// A sequence: an array of its items, read through [`Host::items`].
    /// `len`, when known before reading it, lets the byte limit refuse a
    /// long one at once.
    fn seq(self, id: H::Id, seq: &H::Seq<'_>, len: Option<usize>) -> Described;
    /// A mapping: an object of its entries, read through [`Host::entries`].
    fn map(self, id: H::Id, map: &H::Map<'_>) -> Described;
    /// Another value stands for this one (an `Enum`'s value, what `toJSON`
    /// returned): it is described in turn, with `replaced` set.
    fn replace(self, v: &H::Value) -> Described;
}

/// Where a value stands.
pub enum At<'a, K> {
    /// It is the value converted.
    Root,
    /// It is the item at this index of a sequence.
    Index(usize),
    /// It is the value of this key of a mapping.
    Key(&'a K),
}

impl<K> Clone for At<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for At<'_, K> {}

/// Why [`Host::text`] did not hand a string over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// It takes at least this many bytes of UTF-8, over the limit.
    TooLong(usize),
    /// It contains a lone surrogate, which has no UTF-8 form.
    LoneSurrogate,
}

/// Numbers packed in native byte order.
pub struct Numbers<'a> {
    /// The type of each.
    pub kind: NumberKind,
    /// How many there are.
    pub len: usize,
    /// Their bytes (a missing tail reads as zeros).
    pub bytes: &'a [u8],
}

/// The element type of [`Numbers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum NumberKind {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

/// The walk stopped: the reason is recorded, and comes back as the
/// [`Refusal`](crate::Refusal). Only the kernel makes one.
#[derive(Debug)]
pub struct Halt(pub(crate) ());

/// Why [`Host::items`] or [`Host::entries`] stopped early.
pub enum Stop<E> {
    /// The host failed.
    Host(E),
    /// The kernel refused an item (its `each` returned the [`Halt`]).
    Halt(Halt),
}

impl<E> Stop<E> {
    /// The host's failure `e` (converted into its error type): for
    /// `map_err` on the host's own calls inside `items` and `entries`.
    pub fn host(e: impl Into<E>) -> Stop<E> {
        Stop::Host(e.into())
    }
}

impl<E> From<Halt> for Stop<E> {
    fn from(halt: Halt) -> Stop<E> {
        Stop::Halt(halt)
    }
}
