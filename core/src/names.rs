//! How each face names options and event fields, in its API and in the
//! messages of the errors it raises.
//!
//! Core messages mark the names they mention ([`option`], [`duration`],
//! [`field`]) instead of spelling them, and each face renders them
//! ([`Naming::render`]): `flush_interval` and `user_id` in Rust, Python and
//! C, `flushIntervalMs` and `userId` in Node. The marks are private-use
//! characters, which `{:?}` escapes, so text a user gave that is quoted in a
//! message can never be taken for one. A leaf module: errors depend on it.

use std::borrow::Cow;

/// Starts a marked name.
const NAME: char = '\u{E000}';
/// Starts a marked duration option's name (Node adds the unit, `Ms`).
const DURATION: char = '\u{E001}';
/// Ends a marked name.
const END: char = '\u{E002}';

/// An option's name, marked for [`Naming::render`].
pub fn option(snake: &str) -> String {
    format!("{NAME}{snake}{END}")
}

/// A duration option's name, marked for [`Naming::render`].
pub fn duration(snake: &str) -> String {
    format!("{DURATION}{snake}{END}")
}

/// An event field's or argument's name, marked for [`Naming::render`].
pub fn field(snake: &str) -> String {
    option(snake)
}

/// How a face names options (and event fields) in its API and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// Rust, Python and C: `flush_interval`, `user_id`.
    #[default]
    Snake,
    /// Node: `flushIntervalMs` (durations are milliseconds), `userId`.
    Camel,
}

impl Naming {
    /// This face's name of an option (`is_duration`: it has a unit suffix in Node).
    pub fn option(self, snake: &str, is_duration: bool) -> Cow<'_, str> {
        match self {
            Naming::Snake => Cow::Borrowed(snake),
            Naming::Camel if is_duration => Cow::Owned(camel_case(snake) + "Ms"),
            Naming::Camel => Cow::Owned(camel_case(snake)),
        }
    }

    /// This face's name of an event field or argument (`user_id` -> `userId`).
    pub fn field(self, snake: &str) -> Cow<'_, str> {
        self.option(snake, false)
    }

    /// The message with every marked name written as this face writes it.
    pub fn render(self, message: &str) -> String {
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(start) = rest.find([NAME, DURATION]) {
            out.push_str(&rest[..start]);
            let is_duration = rest[start..].starts_with(DURATION);
            let name_at = start + NAME.len_utf8();
            let Some(len) = rest[name_at..].find(END) else {
                rest = &rest[name_at..];
                continue;
            };
            out.push_str(&self.option(&rest[name_at..name_at + len], is_duration));
            rest = &rest[name_at + len + END.len_utf8()..];
        }
        out.push_str(rest);
        out
    }
}

/// `max_queue_bytes` -> `maxQueueBytes`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_face_renders_marked_names() {
        let message = format!(
            "{} must not exceed {}; {} is {}",
            option("max_event_bytes"),
            option("max_queue_bytes"),
            duration("flush_interval"),
            field("user_id")
        );
        assert_eq!(
            Naming::Snake.render(&message),
            "max_event_bytes must not exceed max_queue_bytes; flush_interval is user_id"
        );
        assert_eq!(
            Naming::Camel.render(&message),
            "maxEventBytes must not exceed maxQueueBytes; flushIntervalMs is userId"
        );
    }

    #[test]
    fn quoted_user_text_is_never_a_name() {
        let users = "\u{E000}flush_at\u{E002} {flush_at}".to_owned();
        let message = format!("{} is {users:?}", option("path"));
        let rendered = Naming::Camel.render(&message);
        assert_eq!(rendered, r#"path is "\u{e000}flush_at\u{e002} {flush_at}""#);
        // A stray mark (not from `option`) is dropped, never panics.
        assert_eq!(Naming::Camel.render("a \u{E000}b"), "a b");
    }
}
