//! [`Payload`]: an event's wire JSON and its message id in one allocation.

use std::ops::Range;

/// An event's wire JSON and its message id, in one buffer: the id is read
/// from inside the JSON where it appears verbatim (the encoder says where),
/// else it is stored after the JSON. One allocation per event instead of
/// two, made on the caller's thread and freed on the sender's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    bytes: Vec<u8>,
    json_len: usize,
    id: Range<u32>,
}

impl Payload {
    /// `json` with the message id `id` stored after it.
    pub fn new(id: &str, json: Vec<u8>) -> Payload {
        let mut bytes = json;
        let json_len = bytes.len();
        bytes.extend_from_slice(id.as_bytes());
        Payload::with_id_at(bytes, json_len, json_len..json_len + id.len())
    }

    /// `bytes[..json_len]` is the JSON; `bytes[id]` is the message id,
    /// inside the JSON or after it.
    pub(crate) fn with_id_at(bytes: Vec<u8>, json_len: usize, id: Range<usize>) -> Payload {
        debug_assert!(id.end <= bytes.len() && std::str::from_utf8(&bytes[id.clone()]).is_ok());
        // Ids are short; an id past 4 GiB cannot be built (events are far smaller).
        let id = u32::try_from(id.start).unwrap_or(u32::MAX)..u32::try_from(id.end).unwrap_or(u32::MAX);
        Payload { bytes, json_len, id }
    }

    /// The event's JSON, as sent.
    pub fn json(&self) -> &[u8] {
        &self.bytes[..self.json_len]
    }

    /// The message id.
    pub fn id(&self) -> &str {
        // Always UTF-8: the range was written from a `&str`.
        std::str::from_utf8(self.id_bytes()).unwrap_or_default()
    }

    /// The message id's bytes (what the idempotency key hashes).
    pub fn id_bytes(&self) -> &[u8] {
        self.bytes.get(self.id.start as usize..self.id.end as usize).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_stored_after_the_json_is_not_part_of_it() {
        let p = Payload::new("m-1", b"{\"a\":1}".to_vec());
        assert_eq!((p.json(), p.id(), p.id_bytes()), (&b"{\"a\":1}"[..], "m-1", &b"m-1"[..]));
    }

    #[test]
    fn an_id_inside_the_json_is_read_from_there() {
        let json = b"{\"messageId\":\"abc\"}".to_vec();
        let p = Payload::with_id_at(json.clone(), json.len(), 14..17);
        assert_eq!((p.json(), p.id()), (&json[..], "abc"));
    }
}
