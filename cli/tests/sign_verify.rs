//! `outbox sign`, `verify` and `token` against tests/vectors/signatures.json.
//! Every vector through a process would be slow, so a representative set
//! runs: the official vectors, rotation, unicode, hmac-sha256, and negative
//! cases of every kind.

mod common;

use common::{assert_exit, run, run_with, stderr, stdout};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/signatures.json");
    let text = std::fs::read_to_string(path).expect("read the vectors");
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector named {name:?}"))
}

fn body_of(v: &Value) -> Vec<u8> {
    if let Some(b) = v["body"].as_str() {
        return b.as_bytes().to_vec();
    }
    let b64 = v["body_base64"].as_str().expect("body or body_base64");
    decode_base64(b64)
}

/// Standard base64, for the few non-UTF-8 bodies.
fn decode_base64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c).expect("base64 digit") as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn scheme_args(v: &Value) -> Vec<String> {
    let mut a = vec!["--scheme".to_owned(), v["scheme"].as_str().expect("scheme").to_owned()];
    if let Some(h) = v["header"].as_str() {
        a.push("--signature-header".into());
        a.push(h.into());
    }
    a
}

fn secret_args(v: &Value) -> Vec<String> {
    v["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .flat_map(|s| ["--secret".to_owned(), s.as_str().expect("secret").to_owned()])
        .collect()
}

const SIGN: &[&str] = &[
    "official standard-webhooks vector 1",
    "official standard-webhooks vector 2",
    "secret without whsec_ prefix gives the same key",
    "unicode body (standard-webhooks)",
    "empty body (standard-webhooks)",
    "key rotation: two secrets give two space-separated signatures",
    "official github-style sha256 vector",
    "sha256 with a custom header name",
    "sha256 non-UTF-8 body is signed as raw bytes",
    "sha256 key rotation: two secrets give two space-separated entries",
];

#[test]
fn sign_vectors() {
    let all = vectors();
    for name in SIGN {
        let v = named(&all["sign"], name);
        let mut args = vec!["sign".to_owned(), "--json".to_owned()];
        args.extend(scheme_args(v));
        args.extend(secret_args(v));
        if let Some(id) = v["id"].as_str() {
            args.extend(["--id".to_owned(), id.to_owned()]);
        }
        if let Some(ts) = v["timestamp"].as_i64() {
            args.extend(["--timestamp".to_owned(), ts.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_with(&args, &[], &body_of(v));
        assert_exit(&o, 0);
        let got: Value = serde_json::from_str(stdout(&o).trim()).expect("--json prints an object");
        assert_eq!(got, v["expected"], "{name}");
    }
}

#[test]
fn sign_prints_header_lines_and_errors_have_codes() {
    let v = named(&vectors()["sign"], "official standard-webhooks vector 1").clone();
    let o = run_with(
        &[
            "sign",
            "--secret",
            v["secrets"][0].as_str().unwrap_or_default(),
            "--id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "--timestamp",
            "1614265330",
        ],
        &[],
        &body_of(&v),
    );
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o),
        "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-timestamp: 1614265330\nwebhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n"
    );

    // Defaults: a fresh msg_ id and the current time.
    let o = run_with(&["sign", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], &[], b"{}");
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("webhook-id: msg_"), "{}", stdout(&o));

    for (args, code) in [
        (vec!["sign", "--secret", "not base64!"], "invalid_secret"),
        (vec!["sign", "--scheme", "hmac-sha256", "--secret", ""], "invalid_secret"),
        (
            vec!["sign", "--scheme", "hmac-sha256", "--signature-header", "Bad Header", "--secret", "s"],
            "invalid_header_name",
        ),
    ] {
        let o = run_with(&args, &[], b"{}");
        assert_exit(&o, 2);
        assert!(stderr(&o).contains(code), "{args:?}: {}", stderr(&o));
    }
    let o = run(&["sign", "/nonexistent/body.json", "--secret", "s"]);
    assert_exit(&o, 2);
    let o = run(&["sign"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--secret"), "{}", stderr(&o));
}

const VERIFY: &[&str] = &[
    "official vector 1",
    "official vector 2",
    "header names are case-insensitive",
    "rotation: header with two entries verifies with the old secret",
    "rotation: receiver holds two secrets, sender signed with the new one",
    "unicode body",
    "custom tolerance 3600",
    "sha256: official github vector",
    "sha256: custom header name",
    "sha256: non-UTF-8 body is fine for sha256",
    // Negative cases, one of each kind.
    "rotation: receiver holds two secrets, neither signed",
    "timestamp one second past tolerance is too old",
    "timestamp one second beyond tolerance in the future is too new",
    "missing webhook-signature",
    "empty webhook-id",
    "v1 without a comma",
    "non-base64 characters",
    "unknown version only",
    "non-numeric timestamp",
    "non-UTF-8 body",
    "body changed",
    "invalid secret",
    "sha256: wrong secret",
    "sha256: 63 hex digits",
    "sha256: only the default header is read",
    "sha256: empty secret",
];

#[test]
fn verify_vectors() {
    let all = vectors();
    for name in VERIFY {
        let v = named(&all["verify"], name);
        let mut args = vec!["verify".to_owned()];
        args.extend(scheme_args(v));
        args.extend(secret_args(v));
        for (n, val) in v["headers"].as_object().expect("headers") {
            args.push("-H".into());
            args.push(format!("{n}: {}", val.as_str().expect("header value")));
        }
        if let Some(now) = v["now"].as_i64() {
            args.extend(["--now".to_owned(), now.to_string()]);
        }
        if let Some(t) = v["tolerance"].as_u64() {
            args.extend(["--tolerance".to_owned(), t.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_with(&args, &[], &body_of(v));
        if v["ok"] == true {
            assert_exit(&o, 0);
            assert!(stdout(&o).contains("verified"), "{name}: {}", stdout(&o));
        } else {
            let code = v["error"].as_str().expect("error code");
            assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
            assert!(stderr(&o).contains(&format!("{code}: ")), "{name}: expected {code}, got {}", stderr(&o));
        }
    }
}

#[test]
fn verify_reads_what_sign_prints_and_reports_json() {
    let dir = std::env::temp_dir().join(format!("outbox-cli-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let body = dir.join("body.json");
    let headers = dir.join("headers.txt");
    std::fs::write(&body, br#"{"hello": "world"}"#).expect("write");
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body_path = body.display().to_string();
    let o = run(&["sign", "--secret", secret, &body_path]);
    assert_exit(&o, 0);
    std::fs::write(&headers, stdout(&o)).expect("write");
    let headers_path = headers.display().to_string();

    let o = run(&["verify", "--secret", secret, "--header-file", &headers_path, &body_path, "--json"]);
    assert_exit(&o, 0);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!((out["ok"].as_bool(), out["scheme"].as_str()), (Some(true), Some("standard-webhooks")));

    // The same headers over another body: tampered.
    let o = run_with(
        &["verify", "--secret", secret, "--header-file", &headers_path, "--json"],
        &[],
        br#"{"hello": "mallory"}"#,
    );
    assert_exit(&o, 1);
    let out: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(out["ok"], false);
    assert_eq!(out["code"], "no_matching_signature");
    assert_eq!(out["message"], "no signature matched any of the secrets");

    // Without --scheme the headers decide: an hmac-sha256 request.
    let o = run_with(&["sign", "--scheme", "hmac-sha256", "--secret", "s3cret"], &[], b"payload");
    let header = stdout(&o).trim().to_owned();
    let o = run_with(&["verify", "--secret", "s3cret", "-H", &header], &[], b"payload");
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("hmac-sha256"), "{}", stdout(&o));

    // Bad header syntax is a usage error.
    let o = run_with(&["verify", "--secret", secret, "-H", "no colon here"], &[], b"{}");
    assert_exit(&o, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn token_vectors() {
    let all = vectors();
    for v in all["user_hash"].as_array().expect("user_hash") {
        let secret = v["secret"].as_str().expect("secret");
        let user = v["user_id"].as_str().expect("user id");
        if secret.is_empty() {
            // The CLI refuses an empty secret outright.
            let o = run(&["token", user, "--secret", secret]);
            assert_exit(&o, 2);
            continue;
        }
        let algorithm = v["algorithm"].as_str().expect("algorithm");
        let o = run_with(&["token", user, "--algorithm", algorithm], &[("OUTBOX_IDENTITY_SECRET", secret)], b"");
        assert_exit(&o, 0);
        assert_eq!(stdout(&o).trim(), v["hash"], "{}", v["name"]);
    }
    for v in all["verify_user_hash"].as_array().expect("verify_user_hash") {
        let secret = v["secret"].as_str().expect("secret");
        if secret.is_empty() {
            continue;
        }
        let user = v["user_id"].as_str().expect("user id");
        let hash = v["hash"].as_str().expect("hash");
        let algorithm = v["algorithm"].as_str().expect("algorithm");
        let o = run(&["token", user, "--secret", secret, "--check", hash, "--algorithm", algorithm]);
        let expected = if v["ok"] == true { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(expected), "{}: {}", v["name"], stderr(&o));
    }
    let o = run(&["token", "u", "--secret", "s", "--algorithm", "md5"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("unknown user hash algorithm \"md5\""), "{}", stderr(&o));
}
