//! Request bodies: the batch envelope and compression. (Named `body`, not
//! `batch`: `queue::Batch` is the events taken for one send.)

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::queue::Item;

/// Bodies smaller than this are sent as they are: gzip would save little
/// and cost a header and CPU.
pub const GZIP_MIN_BYTES: usize = 1024;

const ENVELOPE_HEAD: &[u8] = b"{\"batch\":[";
const ENVELOPE_TAIL: &[u8] = b"],\"sentAt\":\"";

/// Bytes the envelope adds around the events (sentAt included).
pub const ENVELOPE_OVERHEAD: usize = 64;

/// `{"batch":[e1,e2,...],"sentAt":"..."}`, splicing the events' JSON as is.
pub fn envelope(items: &[Item], sent_at: &str) -> Vec<u8> {
    let size: usize = items.iter().map(|i| i.json().len() + 1).sum::<usize>() + ENVELOPE_OVERHEAD;
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(ENVELOPE_HEAD);
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.json());
    }
    body.extend_from_slice(ENVELOPE_TAIL);
    body.extend_from_slice(sent_at.as_bytes());
    body.extend_from_slice(b"\"}");
    body
}

/// Gzip at the fastest level: JSON of events still shrinks 5-10x, and the
/// sender's CPU is the user's CPU.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4 + 64), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

pub fn gunzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 4);
    GzDecoder::new(body).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Payload;

    fn item(seq: u64, json: &str) -> Item {
        Item { seq, payload: Payload::new(&format!("m{seq}"), json.into()), attempts: 0, sid: 0 }
    }

    #[test]
    fn envelope_is_valid_json_with_events_in_order() {
        let items = vec![item(0, r#"{"a":1}"#), item(1, r#"{"b":"x"}"#)];
        let body = envelope(&items, "2024-01-01T00:00:00.000Z");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["batch"][0]["a"], 1);
        assert_eq!(v["batch"][1]["b"], "x");
        assert_eq!(v["sentAt"], "2024-01-01T00:00:00.000Z");
        assert!(body.len() <= 7 + 9 + 2 + ENVELOPE_OVERHEAD);
    }

    #[test]
    fn gzip_round_trips() {
        let body = br#"{"batch":[]}"#.repeat(200);
        let packed = gzip(&body);
        assert!(packed.len() < body.len() / 5);
        assert_eq!(gunzip(&packed).unwrap(), body);
    }
}
