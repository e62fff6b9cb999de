//! Byte and text helpers: secret decoding, hex, HTTP tokens, and quoting
//! untrusted input back in error messages.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::{Scheme, SignError};

/// Optional prefix of Standard Webhooks secrets.
const SECRET_PREFIX: &str = "whsec_";
/// Longest piece of untrusted input quoted back in an error message.
pub(super) const EXCERPT_CHARS: usize = 32;

/// Decoder for Standard Webhooks secrets: standard alphabet, padding optional
/// (secrets are often published without it), canonical trailing bits.
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The HMAC key of secret number `index` under `scheme`: Standard Webhooks
/// secrets are base64 after an optional `whsec_` prefix; sha256 secrets are
/// their UTF-8 bytes. Errors say which secret and why, never quoting it.
pub(super) fn decode_secret(scheme: &Scheme, index: usize, secret: &str) -> Result<Vec<u8>, SignError> {
    match scheme {
        Scheme::StandardWebhooks => {
            let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
            if encoded.is_empty() {
                return Err(SignError::InvalidSecret(format!("the secret at index {index} is empty")));
            }
            if encoded.chars().any(char::is_whitespace) {
                return Err(SignError::InvalidSecret(format!(
                    "the secret at index {index} contains whitespace (a trailing newline?); \
                     a Standard Webhooks secret is whsec_ followed by base64"
                )));
            }
            match SECRET_BASE64.decode(encoded) {
                Ok(key) if !key.is_empty() => Ok(key),
                _ => Err(SignError::InvalidSecret(format!(
                    "the secret at index {index} is not valid base64; \
                     a Standard Webhooks secret is whsec_ followed by standard base64"
                ))),
            }
        }
        Scheme::HmacSha256 { .. } => {
            if secret.is_empty() {
                Err(SignError::InvalidSecret(format!("the secret at index {index} is empty")))
            } else {
                Ok(secret.as_bytes().to_vec())
            }
        }
    }
}

/// RFC 9110 token: one or more letters, digits or ``!#$%&'*+-.^_`|~``.
pub(super) fn is_http_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Appends `bytes` to `out` as lowercase hex.
pub(super) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Decodes exactly `len` bytes of hex (either case); anything else is `None`.
pub(super) fn decode_hex(hex: &str, len: usize) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if digits.len() != 2 * len {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    digits.chunks_exact(2).map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?)).collect()
}

/// Untrusted text quoted back in an error: at most [`EXCERPT_CHARS`]
/// characters, control characters replaced.
pub(super) fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT_CHARS).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if s.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}
