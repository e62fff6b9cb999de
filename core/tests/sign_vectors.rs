//! Runs every vector of `tests/vectors/signatures.json` (shared with the C,
//! Python and Node suites) through the Rust API of `outbox_engine::sign`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use outbox_engine::sign::{
    sign, user_hash, user_hash_with, verify, verify_user_hash_with, Scheme, Signer, UserHashAlgorithm, VerifyOptions,
    DEFAULT_TOLERANCE_SECS,
};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/signatures.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).expect("signatures.json is valid JSON")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().unwrap_or_else(|| panic!("`{key}` is an array")).as_slice()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("`{key}` is a string in {v}"))
}

fn name(v: &Value) -> &str {
    v["name"].as_str().unwrap_or("<unnamed>")
}

fn scheme_of(v: &Value) -> Scheme {
    match str_of(v, "scheme") {
        "standard-webhooks" => Scheme::StandardWebhooks,
        "hmac-sha256" => match v.get("header").and_then(Value::as_str) {
            Some(h) => Scheme::HmacSha256 { header: h.to_string() },
            None => Scheme::hmac_sha256(),
        },
        other => panic!("unknown scheme {other:?} in vector {}", name(v)),
    }
}

fn secrets_of(v: &Value) -> Vec<String> {
    list(v, "secrets").iter().map(|s| s.as_str().expect("secret is a string").to_string()).collect()
}

fn body_of(v: &Value) -> Vec<u8> {
    match (v.get("body"), v.get("body_base64")) {
        (Some(b), None) => b.as_str().expect("body is a string").as_bytes().to_vec(),
        (None, Some(b)) => STANDARD.decode(b.as_str().expect("body_base64 is a string")).expect("valid body_base64"),
        _ => panic!("vector {} needs exactly one of body / body_base64", name(v)),
    }
}

#[test]
fn sign_vectors() {
    let all = vectors();
    let cases = list(&all, "sign");
    assert!(cases.len() >= 10);
    for v in cases {
        let scheme = scheme_of(v);
        let secrets = secrets_of(v);
        let id = v.get("id").and_then(Value::as_str).unwrap_or("");
        let ts = v.get("timestamp").map(|t| t.as_i64().expect("integer timestamp")).unwrap_or(0);
        let body = body_of(v);
        let expected: BTreeMap<String, String> = v["expected"]
            .as_object()
            .expect("expected is an object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("header value is a string").to_string()))
            .collect();

        let headers =
            sign(&scheme, &secrets, id, ts, &body).unwrap_or_else(|e| panic!("vector {:?}: sign failed: {e}", name(v)));
        let got: BTreeMap<String, String> = headers.iter().cloned().collect();
        assert_eq!(got.len(), headers.len(), "vector {:?}: duplicate header names", name(v));
        assert_eq!(got, expected, "vector {:?}", name(v));

        // A reused Signer gives the same headers.
        let signer = Signer::new(scheme.clone(), &secrets).unwrap();
        assert_eq!(signer.headers(id, ts, &body), headers, "vector {:?}", name(v));

        // What we sign, we verify (UTF-8 bodies; Standard Webhooks rejects others).
        let utf8 = std::str::from_utf8(&body).is_ok();
        if utf8 || matches!(scheme, Scheme::HmacSha256 { .. }) {
            let opts = VerifyOptions { now: Some(ts), ..VerifyOptions::default() };
            assert_eq!(verify(&scheme, &body, &headers, &secrets, &opts), Ok(()), "vector {:?}", name(v));
            for secret in &secrets {
                assert_eq!(verify(&scheme, &body, &headers, &[secret], &opts), Ok(()), "vector {:?}", name(v));
            }
        }
    }
}

#[test]
fn sign_error_vectors() {
    let all = vectors();
    for v in list(&all, "sign_errors") {
        let scheme = scheme_of(v);
        let secrets = secrets_of(v);
        let err = Signer::new(scheme.clone(), &secrets).expect_err(name(v));
        assert_eq!(err.code(), str_of(v, "error"), "vector {:?}: {err}", name(v));
        let err = sign(&scheme, &secrets, "msg", 1, b"{}").expect_err(name(v));
        assert_eq!(err.code(), str_of(v, "error"), "vector {:?}: {err}", name(v));
    }
}

#[test]
fn verify_vectors() {
    let all = vectors();
    let cases = list(&all, "verify");
    assert!(cases.len() >= 40);
    let mut seen_codes = std::collections::BTreeSet::new();
    for v in cases {
        let scheme = scheme_of(v);
        let secrets = secrets_of(v);
        let body = body_of(v);
        let headers: Vec<(String, String)> = v["headers"]
            .as_object()
            .expect("headers is an object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("header value is a string").to_string()))
            .collect();
        let opts = VerifyOptions {
            tolerance_secs: v
                .get("tolerance")
                .map(|t| t.as_u64().expect("tolerance is a u64"))
                .unwrap_or(DEFAULT_TOLERANCE_SECS),
            now: v.get("now").map(|n| n.as_i64().expect("now is an i64")),
        };
        if scheme == Scheme::StandardWebhooks {
            assert!(opts.now.is_some(), "vector {:?}: standard-webhooks vectors fix `now`", name(v));
        }
        let result = verify(&scheme, &body, &headers, &secrets, &opts);
        let ok = v["ok"].as_bool().expect("ok is a bool");
        if ok {
            assert_eq!(result, Ok(()), "vector {:?}", name(v));
        } else {
            let code = str_of(v, "error");
            let err = result.expect_err(name(v));
            assert_eq!(err.code(), code, "vector {:?}: got {err:?} ({err})", name(v));
            seen_codes.insert(code.to_string());
        }
    }
    // Every verification error code is exercised by at least one vector.
    for code in [
        "missing_header",
        "empty_header",
        "malformed_signature",
        "invalid_base64",
        "unknown_version",
        "invalid_timestamp",
        "timestamp_too_old",
        "timestamp_too_new",
        "body_not_utf8",
        "no_matching_signature",
        "no_secret",
        "invalid_secret",
    ] {
        assert!(seen_codes.contains(code), "no verify vector for {code}");
    }
}

#[test]
fn user_hash_vectors() {
    let all = vectors();
    for v in list(&all, "user_hash") {
        let (secret, user_id, hash) = (str_of(v, "secret"), str_of(v, "user_id"), str_of(v, "hash"));
        let algorithm = UserHashAlgorithm::parse(str_of(v, "algorithm")).expect("a known algorithm");
        assert_eq!(user_hash_with(algorithm, secret, user_id), hash, "vector {:?}", name(v));
        assert!(verify_user_hash_with(algorithm, secret, user_id, hash), "vector {:?}", name(v));
        if algorithm == UserHashAlgorithm::HmacSha256 {
            assert_eq!(user_hash(secret, user_id), hash, "the default, vector {:?}", name(v));
        }
    }
    for v in list(&all, "verify_user_hash") {
        let algorithm = UserHashAlgorithm::parse(str_of(v, "algorithm")).expect("a known algorithm");
        let got = verify_user_hash_with(algorithm, str_of(v, "secret"), str_of(v, "user_id"), str_of(v, "hash"));
        assert_eq!(got, v["ok"].as_bool().expect("ok is a bool"), "vector {:?}", name(v));
    }
}

#[test]
fn scheme_name_vectors() {
    let all = vectors();
    for v in list(&all, "scheme_names") {
        let input = str_of(v, "input");
        match (v.get("name").and_then(Value::as_str), v.get("error").and_then(Value::as_str)) {
            (Some(expected), None) => {
                let s = Scheme::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(s.name(), expected, "{input:?}");
            }
            (None, Some(code)) => {
                assert_eq!(Scheme::parse(input).expect_err(input).code(), code, "{input:?}");
            }
            _ => panic!("scheme_names entry needs name or error: {v}"),
        }
    }
}
