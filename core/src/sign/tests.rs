//! Unit tests of the signing module; the official vectors are in
//! `tests/vectors/signatures.json` and `core/tests/sign_vectors.rs`.

use super::encoding::{excerpt, EXCERPT_CHARS};
use super::verify::system_now;
use super::*;

const SECRET1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRET2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS: i64 = 1614265330;
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const SIG1: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn at(now: i64) -> VerifyOptions {
    VerifyOptions::default().with_now(now)
}

fn sw_headers(sig: &str) -> Vec<(String, String)> {
    vec![
        ("webhook-id".into(), ID.into()),
        ("webhook-timestamp".into(), TS.to_string()),
        ("webhook-signature".into(), sig.into()),
    ]
}

fn verify_sw(sig: &str) -> Result<(), VerifyError> {
    verify(&Scheme::StandardWebhooks, BODY, &sw_headers(sig), &[SECRET1], &at(TS))
}

#[test]
fn official_vector_signs_and_verifies() {
    let h = sign(&Scheme::StandardWebhooks, &[SECRET1], ID, TS, BODY).unwrap();
    assert_eq!(
        h,
        vec![
            ("webhook-id".to_string(), ID.to_string()),
            ("webhook-timestamp".to_string(), TS.to_string()),
            ("webhook-signature".to_string(), SIG1.to_string()),
        ]
    );
    assert_eq!(verify_sw(SIG1), Ok(()));
}

#[test]
fn a_header_repeated_on_several_lines_and_joined_with_commas_verifies() {
    // Node joins repeated header lines with ", ".
    let joined = format!("{SIG1}, v1,AAAA");
    assert_eq!(verify_sw(&joined), Ok(()));
    let other_first = format!("v1,AAAA, {SIG1}");
    assert_eq!(verify_sw(&other_first), Ok(()));
}

#[test]
fn sha256_official_vector() {
    let h = sign(&Scheme::hmac_sha256(), &["It's a Secret to Everybody"], "", 0, b"Hello, World!").unwrap();
    assert_eq!(
        h,
        vec![(
            "X-Hub-Signature-256".to_string(),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".to_string()
        )]
    );
    let r = verify(
        &Scheme::hmac_sha256(),
        b"Hello, World!",
        &h,
        &["It's a Secret to Everybody"],
        &VerifyOptions::default(),
    );
    assert_eq!(r, Ok(()));
}

#[test]
fn signer_reuse_matches_sign() {
    let signer = Signer::new(Scheme::StandardWebhooks, &[SECRET1, SECRET2]).unwrap();
    assert_eq!(signer.secret_count(), 2);
    assert_eq!(signer.scheme(), &Scheme::StandardWebhooks);
    for i in 0..3 {
        let id = format!("msg_{i}");
        assert_eq!(
            signer.headers(&id, TS + i, BODY),
            sign(&Scheme::StandardWebhooks, &[SECRET1, SECRET2], &id, TS + i, BODY).unwrap()
        );
    }
    let h = signer.headers(ID, TS, BODY);
    let sig = &h[2].1;
    assert!(sig.starts_with(SIG1));
    assert_eq!(sig.split(' ').count(), 2);
    assert_eq!(signer.verify(BODY, &h, &at(TS)), Ok(()));
    for s in [SECRET1, SECRET2] {
        assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &h, &[s], &at(TS)), Ok(()));
    }
}

#[test]
fn debug_does_not_leak_keys() {
    let signer = Signer::new(Scheme::hmac_sha256(), &["super-secret-value"]).unwrap();
    let dbg = format!("{signer:?}");
    assert!(!dbg.contains("super-secret"), "{dbg}");
    assert!(dbg.contains("secrets: 1"), "{dbg}");
    let signer = Signer::new(Scheme::StandardWebhooks, &[SECRET1]).unwrap();
    let dbg = format!("{signer:?}");
    assert!(!dbg.contains("MfKQ9r8"), "{dbg}");
}

#[test]
fn errors_do_not_leak_secrets() {
    let e = Signer::new(Scheme::StandardWebhooks, &["whsec_TOPSECRET!!"]).unwrap_err();
    assert_eq!(e.code(), "invalid_secret");
    assert!(!e.to_string().contains("TOPSECRET"));
    let e = Signer::new(Scheme::StandardWebhooks, &["TOPSECRET\n"]).unwrap_err();
    assert!(!e.to_string().contains("TOPSECRET"));
}

#[test]
fn generic_argument_shapes() {
    let secrets_vec: Vec<String> = vec![SECRET1.to_string()];
    let headers_ref: Vec<(&str, &str)> =
        vec![("webhook-id", ID), ("webhook-timestamp", "1614265330"), ("webhook-signature", SIG1)];
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &headers_ref, &secrets_vec, &at(TS)), Ok(()));
    let arr = [
        ("Webhook-Id", ID.to_string()),
        ("WEBHOOK-TIMESTAMP", TS.to_string()),
        ("webhook-SIGNATURE", SIG1.to_string()),
    ];
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &arr, &[SECRET1], &at(TS)), Ok(()));
    let none: &[&str] = &[];
    assert_eq!(sign(&Scheme::StandardWebhooks, none, ID, TS, BODY), Err(SignError::NoSecret));
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &headers_ref, none, &at(TS)), Err(VerifyError::NoSecret));
}

#[test]
fn scheme_parse_and_names() {
    for s in ["standard", "Standard-Webhooks", " standard_webhooks\t"] {
        assert_eq!(Scheme::parse(s), Ok(Scheme::StandardWebhooks));
    }
    for s in ["sha256", "HMAC-SHA256", "hmac_sha256"] {
        assert_eq!(Scheme::parse(s), Ok(Scheme::hmac_sha256()));
    }
    assert_eq!(Scheme::parse("md5").unwrap_err().code(), "unknown_scheme");
    let long = Scheme::parse(&"x".repeat(10_000)).unwrap_err().to_string();
    assert!(long.len() < 200, "{long}");
    assert_eq!("sha256".parse::<Scheme>(), Ok(Scheme::hmac_sha256()));
    assert_eq!(Scheme::default().name(), "standard-webhooks");
    assert_eq!(Scheme::hmac_sha256().name(), "hmac-sha256");
    assert_eq!(Scheme::hmac_sha256().to_string(), "hmac-sha256");
    assert_eq!(Scheme::hmac_sha256().signature_header(), DEFAULT_HMAC_HEADER);
    assert_eq!(Scheme::StandardWebhooks.signature_header(), "webhook-signature");
    assert_eq!(Scheme::hmac_sha256_with_header("X-Sig").signature_header(), "X-Sig");
}

#[test]
fn header_name_validation() {
    for bad in ["", "X Sig", "X-Sig:", "X-Sig\r\n", "Zoë", "X-Sig\0"] {
        let e = Signer::new(Scheme::hmac_sha256_with_header(bad), &["s"]).unwrap_err();
        assert_eq!(e.code(), "invalid_header_name", "{bad:?}");
    }
    assert!(Signer::new(Scheme::hmac_sha256_with_header("X-Custom_Sig.v2"), &["s"]).is_ok());
    // Verification with a bad name does not error out: it never matches.
    let r = verify(&Scheme::hmac_sha256_with_header(""), b"x", &[("a", "b")], &["s"], &VerifyOptions::default());
    assert_eq!(r.unwrap_err().code(), "missing_header");
}

#[test]
fn secret_validation() {
    let sw = Scheme::StandardWebhooks;
    assert!(Signer::new(sw.clone(), &["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).is_ok());
    for bad in [
        "",
        "whsec_",
        "whsec_=",
        "whsec_a",
        "whsec_ab-_",
        " whsec_MfKQ",
        "whsec_MfKQ ",
        "whsec_Mf\tKQ",
        "whsec_Zm9v\n",
        "whsec_é",
    ] {
        let e = Signer::new(sw.clone(), &[bad]).unwrap_err();
        assert_eq!(e.code(), "invalid_secret", "{bad:?}");
    }
    // Padding optional.
    assert!(Signer::new(sw.clone(), &["whsec_Zm8="]).is_ok());
    assert!(Signer::new(sw.clone(), &["whsec_Zm8"]).is_ok());
    assert_eq!(sign(&sw, &["whsec_Zm8="], "a", 1, b"b").unwrap(), sign(&sw, &["whsec_Zm8"], "a", 1, b"b").unwrap());
    // Index is reported.
    let e = Signer::new(sw, &[SECRET1, "%%%"]).unwrap_err();
    assert!(e.to_string().contains("index 1"), "{e}");
    assert_eq!(Signer::new(Scheme::hmac_sha256(), &[""]).unwrap_err().code(), "invalid_secret");
    assert!(Signer::new(Scheme::hmac_sha256(), &[" "]).is_ok());
}

#[test]
fn tolerance_boundaries_and_extremes() {
    let h = sw_headers(SIG1);
    let sw = Scheme::StandardWebhooks;
    let ok =
        |now: i64, tol: u64| verify(&sw, BODY, &h, &[SECRET1], &VerifyOptions { tolerance_secs: tol, now: Some(now) });
    assert_eq!(ok(TS + 300, 300), Ok(()));
    assert_eq!(ok(TS + 301, 300), Err(VerifyError::TimestampTooOld { age_secs: 301 }));
    assert_eq!(ok(TS - 300, 300), Ok(()));
    assert_eq!(ok(TS - 301, 300), Err(VerifyError::TimestampTooNew { ahead_secs: 301 }));
    assert_eq!(ok(TS, 0), Ok(()));
    assert_eq!(ok(i64::MAX, u64::MAX), Ok(()));
    assert_eq!(ok(i64::MIN, u64::MAX), Ok(()));
    assert_eq!(ok(i64::MAX, 0), Err(VerifyError::TimestampTooOld { age_secs: i64::MAX - TS }));
    assert_eq!(ok(i64::MIN, 0).unwrap_err().code(), "timestamp_too_new");
    // Max i64 timestamp, clock at i64::MIN: the distance saturates.
    let mut h2 = h.clone();
    h2[1].1 = i64::MAX.to_string();
    let r = verify(&sw, BODY, &h2, &[SECRET1], &at(i64::MIN));
    assert_eq!(r, Err(VerifyError::TimestampTooNew { ahead_secs: i64::MAX }));
    // System clock: a 2021 timestamp is too old today.
    let r = verify(&sw, BODY, &h, &[SECRET1], &VerifyOptions::default());
    assert_eq!(r.unwrap_err().code(), "timestamp_too_old");
    // Fresh signature against the system clock verifies.
    let now = system_now();
    let fresh = sign(&sw, &[SECRET1], ID, now, BODY).unwrap();
    assert_eq!(verify(&sw, BODY, &fresh, &[SECRET1], &VerifyOptions::default()), Ok(()));
    // Negative timestamps can be signed, but are not valid on the wire.
    let neg = sign(&sw, &[SECRET1], ID, -5, BODY).unwrap();
    assert_eq!(neg[1].1, "-5");
    assert_eq!(verify(&sw, BODY, &neg, &[SECRET1], &at(-5)).unwrap_err().code(), "invalid_timestamp");
}

#[test]
fn malformed_entries() {
    let codes = |sig: &str| verify_sw(sig).map_err(|e| e.code());
    assert_eq!(codes(""), Err("empty_header"));
    assert_eq!(codes("  \t "), Err("empty_header"));
    assert_eq!(codes("v1,"), Err("malformed_signature"));
    assert_eq!(codes("v1"), Err("malformed_signature"));
    assert_eq!(codes(",abc"), Err("malformed_signature"));
    assert_eq!(codes(&SIG1[..SIG1.len() - 4]), Err("malformed_signature"));
    assert_eq!(codes(&SIG1[..SIG1.len() - 1]), Err("invalid_base64"));
    assert_eq!(codes("v1,***"), Err("invalid_base64"));
    assert_eq!(codes("v2,abc"), Err("unknown_version"));
    assert_eq!(codes("v2,abc v1a,def v2,x"), Err("unknown_version"));
    assert_eq!(verify_sw("v2,abc v1a,def v2,x"), Err(VerifyError::UnknownVersion("v2 v1a".into())));
    assert_eq!(codes(&format!("v2,abc {SIG1}")), Ok(()));
    assert_eq!(codes(&format!("v1, {SIG1}")), Ok(()));
    assert_eq!(codes(&format!("{SIG1}\r\n")), Ok(()));
    assert_eq!(codes(&format!("\u{00A0}{SIG1}")), Err("unknown_version"));
    // A wrong but well-formed entry plus a malformed one: the problem is reported.
    let wrong = sign(&Scheme::StandardWebhooks, &[SECRET2], ID, TS, BODY).unwrap()[2].1.clone();
    assert_eq!(codes(&format!("{wrong} v1,")), Err("malformed_signature"));
    assert_eq!(codes(&wrong), Err("no_matching_signature"));
}

#[test]
fn sha256_entries() {
    let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let v = |value: &str| {
        verify(
            &Scheme::hmac_sha256(),
            b"Hello, World!",
            &[("x-hub-signature-256", value)],
            &["It's a Secret to Everybody"],
            &VerifyOptions::default(),
        )
        .map_err(|e| e.code())
    };
    assert_eq!(v(good), Ok(()));
    assert_eq!(v(&good.to_uppercase().replacen("SHA256", "sha256", 1)), Ok(()));
    assert_eq!(v(&format!("sha256=zz {good}")), Ok(()));
    assert_eq!(v(""), Err("empty_header"));
    assert_eq!(v("sha256="), Err("malformed_signature"));
    assert_eq!(v(&good[..good.len() - 1]), Err("malformed_signature"));
    assert_eq!(v(&format!("{good}0")), Err("malformed_signature"));
    assert_eq!(v(&good.replace("sha256=", "SHA256=")), Err("malformed_signature"));
    assert_eq!(v(&good.replace("sha256=", "")), Err("malformed_signature"));
    assert_eq!(v(&format!("sha256={}", "é".repeat(32))), Err("malformed_signature"));
    assert_eq!(v(&format!("sha256={}", "0".repeat(64))), Err("no_matching_signature"));
    let r = verify(&Scheme::hmac_sha256(), b"x", &[("other", good)], &["s"], &VerifyOptions::default());
    assert_eq!(r, Err(VerifyError::MissingHeader(DEFAULT_HMAC_HEADER.to_string())));
}

#[test]
fn non_utf8_body() {
    let body = [0xffu8, 0xfe, 0x00, 0x80];
    let sw = Scheme::StandardWebhooks;
    let h = sign(&sw, &[SECRET1], ID, TS, &body).unwrap();
    assert_eq!(verify(&sw, &body, &h, &[SECRET1], &at(TS)), Err(VerifyError::BodyNotUtf8));
    let h = sign(&Scheme::hmac_sha256(), &["k"], ID, TS, &body).unwrap();
    assert_eq!(verify(&Scheme::hmac_sha256(), &body, &h, &["k"], &at(TS)), Ok(()));
}

#[test]
fn duplicate_headers() {
    let other = sign(&Scheme::StandardWebhooks, &[SECRET2], ID, TS, BODY).unwrap()[2].1.clone();
    let mut h = sw_headers(&other);
    h.push(("Webhook-Signature".into(), SIG1.into()));
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &h, &[SECRET1], &at(TS)), Ok(()));
    // Blank duplicates are ignored when another value is present.
    let mut h = sw_headers("");
    h.push(("webhook-signature".into(), SIG1.into()));
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &h, &[SECRET1], &at(TS)), Ok(()));
    // First id wins.
    let mut h = sw_headers(SIG1);
    h.insert(0, ("webhook-id".into(), "msg_other".into()));
    assert_eq!(verify(&Scheme::StandardWebhooks, BODY, &h, &[SECRET1], &at(TS)), Err(VerifyError::NoMatchingSignature));
}

#[test]
fn user_hashes() {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"secret",b"user_123",hashlib.sha256).hexdigest())'
    let h = user_hash("secret", "user_123");
    assert_eq!(h.len(), 64);
    assert!(h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert!(verify_user_hash("secret", "user_123", &h));
    assert!(verify_user_hash("secret", "user_123", &h.to_uppercase()));
    assert!(!verify_user_hash("secret", "user_124", &h));
    assert!(!verify_user_hash("secret", "user_123", &h[..62]));
    assert!(!verify_user_hash("secret", "user_123", &format!("{h} ")));
    assert!(!verify_user_hash("secret", "user_123", ""));
    assert!(!verify_user_hash("", "user_123", &user_hash("", "user_123")));
    assert_eq!(user_hash("", "x").len(), 64);
    // Multi-byte characters at the length boundary do not panic.
    assert!(!verify_user_hash("secret", "u", &"é".repeat(32)));
    assert!(!verify_user_hash("secret", "u", &"€".repeat(21)));
}

#[test]
fn error_messages_are_sentences_and_codes_are_snake_case() {
    let all = [
        VerifyError::MissingHeader("webhook-id".into()),
        VerifyError::EmptyHeader("webhook-id".into()),
        VerifyError::MalformedSignature("x".into()),
        VerifyError::InvalidBase64,
        VerifyError::UnknownVersion("v2".into()),
        VerifyError::InvalidTimestamp("abc".into()),
        VerifyError::TimestampTooOld { age_secs: 1 },
        VerifyError::TimestampTooNew { ahead_secs: 1 },
        VerifyError::BodyNotUtf8,
        VerifyError::NoMatchingSignature,
        VerifyError::NoSecret,
        VerifyError::InvalidSecret("x".into()),
    ];
    let mut codes: Vec<&str> = all.iter().map(VerifyError::code).collect();
    for e in &all {
        assert!(e.code().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        let msg = e.to_string();
        assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
        let _: &dyn std::error::Error = e;
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    assert_eq!(VerifyError::from(SignError::NoSecret), VerifyError::NoSecret);
    assert_eq!(VerifyError::from(SignError::InvalidSecret("a".into())), VerifyError::InvalidSecret("a".into()));
}

#[test]
fn excerpt_truncates_on_char_boundaries() {
    assert_eq!(excerpt("abc"), "abc");
    let long = "é".repeat(100);
    let e = excerpt(&long);
    assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
    assert!(e.ends_with('…'));
    assert_eq!(excerpt("a\r\nb"), "a\u{FFFD}\u{FFFD}b");
}

#[test]
fn plain_sha256_user_hashes_are_the_digest_of_user_id_then_secret() {
    use sha2::{Digest, Sha256};
    let expected: String = Sha256::digest(b"user_123secret").iter().map(|b| format!("{b:02x}")).collect();
    let h = user_hash_with(UserHashAlgorithm::Sha256, "secret", "user_123");
    assert_eq!(h, expected);
    assert_ne!(h, user_hash("secret", "user_123"));
    assert_eq!(user_hash_with(UserHashAlgorithm::HmacSha256, "secret", "user_123"), user_hash("secret", "user_123"));
    assert!(verify_user_hash_with(UserHashAlgorithm::Sha256, "secret", "user_123", &h.to_uppercase()));
    assert!(!verify_user_hash_with(UserHashAlgorithm::Sha256, "secret", "user_124", &h));
    assert!(!verify_user_hash_with(UserHashAlgorithm::HmacSha256, "secret", "user_123", &h));
    assert!(!verify_user_hash_with(
        UserHashAlgorithm::Sha256,
        "",
        "user_123",
        &user_hash_with(UserHashAlgorithm::Sha256, "", "user_123")
    ));
}

#[test]
fn user_hash_algorithm_names() {
    assert_eq!(UserHashAlgorithm::parse(" SHA256 "), Ok(UserHashAlgorithm::Sha256));
    assert_eq!(UserHashAlgorithm::parse("hmac_sha256"), Ok(UserHashAlgorithm::HmacSha256));
    assert_eq!(UserHashAlgorithm::default().name(), "hmac-sha256");
    let e = UserHashAlgorithm::parse("md5").unwrap_err();
    assert_eq!(e.to_string(), "unknown user hash algorithm \"md5\"; expected \"hmac-sha256\" or \"sha256\"");
}
