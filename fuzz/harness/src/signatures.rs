//! Webhook signatures, both schemes: header parsing and verification of
//! arbitrary requests, and signing against verifying.
//!
//! Checks: `verify` never panics on any headers, body, secrets or clock, and
//! agrees with a reused `Signer`; whatever `Signer::headers` produced
//! verifies with each of its secrets, even with arbitrary other headers
//! after it; the same headers never verify a different body; and a user hash
//! always verifies against the hash `user_hash` made.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use outbox_engine::sign::{
    user_hash, verify, verify_user_hash, Scheme, Signer, VerifyOptions, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER,
};

use crate::input::Input;

/// Header names worth hitting far more often than chance would.
const NAMES: [&str; 5] =
    [WEBHOOK_ID_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_SIGNATURE_HEADER, "X-Hub-Signature-256", "x-custom-sig"];

pub fn signatures(data: &[u8]) {
    let mut input = Input::new(data);
    let scheme = scheme(&mut input);
    let secrets: Vec<String> = (0..1 + input.up_to(2)).map(|_| secret(&mut input, &scheme)).collect();
    let opts = VerifyOptions { tolerance_secs: tolerance(&mut input), now: Some(input.u64() as i64) };
    let id = input.string(40);
    let timestamp = input.u64() as i64;
    let headers: Vec<(String, String)> = (0..input.up_to(6)).map(|_| header(&mut input)).collect();
    let body = input.rest().to_vec();

    let free = verify(&scheme, &body, &headers, &secrets, &opts);
    if let Ok(signer) = Signer::new(scheme.clone(), &secrets) {
        assert_eq!(signer.verify(&body, &headers, &opts), free, "a reused Signer disagrees with verify");
        signed_requests_verify(&signer, &secrets, &id, timestamp, &body, &headers);
    }
    for secret in &secrets {
        user_hashes_verify(secret, &id);
    }
}

/// The receiving side of what `signer` sends: it verifies, and only for this body.
fn signed_requests_verify(
    signer: &Signer,
    secrets: &[String],
    id: &str,
    timestamp: i64,
    body: &[u8],
    extra: &[(String, String)],
) {
    let standard = *signer.scheme() == Scheme::StandardWebhooks;
    // What the scheme can carry: Standard Webhooks' timestamp is digits
    // only, its id is trimmed like any header value, its body must be text.
    if standard
        && (timestamp < 0 || id.is_empty() || id.trim_matches([' ', '\t']) != id || std::str::from_utf8(body).is_err())
    {
        return;
    }
    let mut headers = signer.headers(id, timestamp, body);
    let opts = VerifyOptions::default().with_now(timestamp);
    for secret in secrets {
        let result = verify(signer.scheme(), body, &headers, &[secret], &opts);
        assert_eq!(result, Ok(()), "a signed request did not verify with its own secret");
    }
    // The first id and timestamp count; more signature entries only add candidates.
    headers.extend_from_slice(extra);
    assert_eq!(verify(signer.scheme(), body, &headers, secrets, &opts), Ok(()), "extra headers broke a signed request");
    if let Some(last) = body.len().checked_sub(1) {
        let mut tampered = body.to_vec();
        tampered[last] ^= 1;
        assert!(verify(signer.scheme(), &tampered, &headers, secrets, &opts).is_err(), "a tampered body verified");
    }
}

fn user_hashes_verify(secret: &str, user_id: &str) {
    let hash = user_hash(secret, user_id);
    assert_eq!(verify_user_hash(secret, user_id, &hash), !secret.is_empty());
    assert_eq!(verify_user_hash(secret, user_id, &hash.to_uppercase()), !secret.is_empty());
}

fn scheme(input: &mut Input) -> Scheme {
    match input.u8() % 4 {
        0 => Scheme::StandardWebhooks,
        1 => Scheme::hmac_sha256(),
        2 => Scheme::hmac_sha256_with_header(input.string(24)),
        _ => Scheme::parse(&input.string(24)).unwrap_or(Scheme::StandardWebhooks),
    }
}

/// Usually a well-formed secret for `scheme`, sometimes any text.
fn secret(input: &mut Input, scheme: &Scheme) -> String {
    let well_formed = input.u8() % 4 != 0;
    let raw = input.bytes(48);
    match scheme {
        Scheme::StandardWebhooks if well_formed => format!("whsec_{}", STANDARD.encode(raw)),
        _ => String::from_utf8_lossy(raw).into_owned(),
    }
}

fn tolerance(input: &mut Input) -> u64 {
    match input.u8() % 3 {
        0 => 300,
        1 => u64::MAX,
        _ => u64::from(input.u16()),
    }
}

fn header(input: &mut Input) -> (String, String) {
    let pick = input.u8();
    let name = match NAMES.get(usize::from(pick % 8)) {
        Some(name) if pick & 0x80 != 0 => name.to_ascii_uppercase(),
        Some(name) => (*name).to_owned(),
        None => input.string(24),
    };
    (name, input.string(200))
}
