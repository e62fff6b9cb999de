//! The event model and its Segment-compatible JSON encoding.
//!
//! Events are validated and serialized once, at the call site: bad input
//! fails there with a clear error, the caller's objects are not kept, and the
//! queue holds finished JSON that is spliced into batches without re-encoding.
//!
//! This file holds the model ([`Kind`], [`Event`] and its builders,
//! [`Library`]); [`Json`] is in `json.rs`, the Segment wire-format reader
//! ([`Event::from_json`]) in `segment.rs`, and the serializer ([`Encoder`])
//! with its validation in `encode.rs`.

mod encode;
mod json;
mod segment;

#[cfg(test)]
mod tests;

use std::time::SystemTime;

use crate::error::Error;
use crate::time::rfc3339_millis;

pub use encode::{Encoded, Encoder, MAX_DEPTH};
pub use json::Json;

/// The Segment event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An action the user performed (`event` names it).
    Track,
    /// Who the user is (`traits`).
    Identify,
    /// The group (company, team) the user belongs to (`groupId`).
    Group,
    /// Merges a previous id into the user id (`previousId`).
    Alias,
    /// A web page view (`name`).
    Page,
    /// A mobile screen view (`name`).
    Screen,
}

impl Kind {
    /// The wire name: `"track"`, `"identify"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Identify => "identify",
            Kind::Group => "group",
            Kind::Alias => "alias",
            Kind::Page => "page",
            Kind::Screen => "screen",
        }
    }

    /// Reads a wire name (exact, lowercase); anything else is
    /// [`Error::InvalidEvent`].
    pub fn parse(s: &str) -> Result<Kind, Error> {
        Ok(match s {
            "track" => Kind::Track,
            "identify" => Kind::Identify,
            "group" => Kind::Group,
            "alias" => Kind::Alias,
            "page" => Kind::Page,
            "screen" => Kind::Screen,
            other => {
                return Err(Error::invalid_event(format!(
                    "unknown event type {other:?} (expected track, identify, group, alias, page or screen)"
                )))
            }
        })
    }
}

/// One event, as a caller describes it. Build it with a constructor and the
/// setters, or fill the fields directly.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event type.
    pub kind: Kind,
    /// The user's id in the caller's database (`userId`).
    pub user_id: Option<String>,
    /// An id for a user not known yet (`anonymousId`); an event needs this or
    /// `user_id`.
    pub anonymous_id: Option<String>,
    /// The event name (`track`).
    pub event: Option<String>,
    /// The page or screen name (`page`, `screen`).
    pub name: Option<String>,
    /// The group's id (`group`).
    pub group_id: Option<String>,
    /// The id being merged into `user_id` (`alias`).
    pub previous_id: Option<String>,
    /// Free-form data about a `track`, `page` or `screen` (a JSON object).
    pub properties: Option<Json>,
    /// Free-form data about the user or group (a JSON object).
    pub traits: Option<Json>,
    /// Data about the call's circumstances (a JSON object); `library` is
    /// added unless the caller sets it.
    pub context: Option<Json>,
    /// Which destinations receive the event (a JSON object).
    pub integrations: Option<Json>,
    /// RFC 3339; defaults to the time of the call.
    pub timestamp: Option<String>,
    /// Defaults to a new UUID v4.
    pub message_id: Option<String>,
}

impl Event {
    /// An event of `kind` with every field unset.
    pub fn new(kind: Kind) -> Event {
        Event {
            kind,
            user_id: None,
            anonymous_id: None,
            event: None,
            name: None,
            group_id: None,
            previous_id: None,
            properties: None,
            traits: None,
            context: None,
            integrations: None,
            timestamp: None,
            message_id: None,
        }
    }

    /// A `track` of `event` by `user_id`.
    pub fn track(user_id: impl Into<String>, event: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), event: Some(event.into()), ..Event::new(Kind::Track) }
    }

    /// An `identify` of `user_id`.
    pub fn identify(user_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), ..Event::new(Kind::Identify) }
    }

    /// A `group` putting `user_id` in `group_id`.
    pub fn group(user_id: impl Into<String>, group_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), group_id: Some(group_id.into()), ..Event::new(Kind::Group) }
    }

    /// An `alias` merging `previous_id` into `user_id`.
    pub fn alias(previous_id: impl Into<String>, user_id: impl Into<String>) -> Event {
        Event { user_id: Some(user_id.into()), previous_id: Some(previous_id.into()), ..Event::new(Kind::Alias) }
    }

    /// A `page` view by `user_id`.
    pub fn page(user_id: impl Into<String>, name: Option<String>) -> Event {
        Event { user_id: Some(user_id.into()), name, ..Event::new(Kind::Page) }
    }

    /// A `screen` view by `user_id`.
    pub fn screen(user_id: impl Into<String>, name: Option<String>) -> Event {
        Event { user_id: Some(user_id.into()), name, ..Event::new(Kind::Screen) }
    }

    /// This event with `properties` set.
    pub fn properties(mut self, properties: impl Into<Json>) -> Event {
        self.properties = Some(properties.into());
        self
    }

    /// This event with `traits` set.
    pub fn traits(mut self, traits: impl Into<Json>) -> Event {
        self.traits = Some(traits.into());
        self
    }

    /// This event with `context` set.
    pub fn context(mut self, context: impl Into<Json>) -> Event {
        self.context = Some(context.into());
        self
    }

    /// This event with `anonymous_id` set.
    pub fn anonymous_id(mut self, id: impl Into<String>) -> Event {
        self.anonymous_id = Some(id.into());
        self
    }

    /// This event with `message_id` set (the receiver's deduplication key).
    pub fn message_id(mut self, id: impl Into<String>) -> Event {
        self.message_id = Some(id.into());
        self
    }

    /// This event with `timestamp` set to `at`, in UTC with milliseconds.
    pub fn timestamp(mut self, at: SystemTime) -> Event {
        self.timestamp = Some(rfc3339_millis(at));
        self
    }
}

/// Which library sends the events (`context.library`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// The library's name, e.g. `outbox-node`.
    pub name: String,
    /// The library's version.
    pub version: String,
}

impl Default for Library {
    fn default() -> Library {
        Library { name: "outbox-rust".into(), version: crate::VERSION.into() }
    }
}
