//! `outbox sign`, `outbox verify` and `outbox token`: thin shells over
//! `outbox_engine::sign`.

use outbox_engine::sign::{self, Scheme, VerifyOptions, WEBHOOK_SIGNATURE_HEADER};
use serde_json::{json, Map, Value};

use crate::args::{ColorWhen, SignArgs, TokenArgs, VerifyArgs};
use crate::error::{CliResult, Fail};
use crate::input::{parse_header, read_input};
use crate::paint::{out, Paint};
use crate::{scheme_of, sign_error};

pub fn sign(a: SignArgs) -> CliResult {
    let scheme = scheme_of(a.scheme, a.signature_header.as_deref());
    let body = read_input(&a.file)?;
    let id = a.id.unwrap_or_else(|| format!("msg_{}", outbox_engine::bindings::new_message_id().replace('-', "")));
    if id.is_empty() || id.bytes().any(|b| b.is_ascii_control()) {
        return Err(Fail::usage("--id must be non-empty and without control characters"));
    }
    let timestamp = a.timestamp.unwrap_or_else(outbox_engine::bindings::unix_now);
    if timestamp < 0 {
        return Err(Fail::usage("--timestamp must be unix seconds (0 or more)"));
    }
    let headers = sign::sign(&scheme, &a.secrets, &id, timestamp, &body).map_err(|e| Fail::usage(sign_error(&e)))?;
    if a.json {
        let map: Map<String, Value> = headers.into_iter().map(|(n, v)| (n, Value::String(v))).collect();
        out(&format!("{}\n", Value::Object(map)));
    } else {
        let text: String = headers.iter().map(|(n, v)| format!("{n}: {v}\n")).collect();
        out(&text);
    }
    Ok(())
}

pub fn verify(a: VerifyArgs, color: ColorWhen) -> CliResult {
    let mut headers = Vec::new();
    for file in &a.header_file {
        let text =
            std::fs::read_to_string(file).map_err(|e| Fail::usage(format!("cannot read {}: {e}", file.display())))?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            headers.push(parse_header(line)?);
        }
    }
    for h in &a.headers {
        headers.push(parse_header(h)?);
    }
    let body = read_input(&a.file)?;
    let scheme = match a.scheme {
        Some(s) => scheme_of(s, a.signature_header.as_deref()),
        None => detect(&headers, a.signature_header.as_deref()),
    };
    let mut opts = VerifyOptions::default().with_tolerance_secs(a.tolerance);
    opts.now = a.now;
    let result = sign::verify(&scheme, &body, &headers, &a.secrets, &opts);
    if a.json {
        let line = match &result {
            Ok(()) => json!({"ok": true, "scheme": scheme.name()}),
            Err(e) => {
                json!({"ok": false, "scheme": scheme.name(), "code": e.code(), "message": e.to_string()})
            }
        };
        out(&format!("{line}\n"));
    }
    match result {
        Ok(()) => {
            if !a.json {
                let p = Paint::stdout(color);
                out(&format!("{} ({})\n", p.green("✓ verified"), scheme.name()));
            }
            Ok(())
        }
        Err(e) => Err(Fail::failed(format!("not verified ({}): {}: {e}", scheme.name(), e.code()))),
    }
}

/// Without `--scheme`: Standard Webhooks when its signature header is there,
/// else hmac-sha256 when its header (or `--signature-header`) is, else
/// Standard Webhooks (which then reports the missing headers).
fn detect(headers: &[(String, String)], signature_header: Option<&str>) -> Scheme {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let hmac = signature_header.unwrap_or(sign::DEFAULT_HMAC_HEADER);
    if has(WEBHOOK_SIGNATURE_HEADER) {
        Scheme::StandardWebhooks
    } else if has(hmac) || signature_header.is_some() {
        Scheme::hmac_sha256_with_header(hmac)
    } else {
        Scheme::StandardWebhooks
    }
}

pub fn token(a: TokenArgs, color: ColorWhen) -> CliResult {
    if a.secret.is_empty() {
        return Err(Fail::usage("the identity secret is empty (--secret or OUTBOX_IDENTITY_SECRET)"));
    }
    match a.check {
        None => {
            out(&format!("{}\n", sign::user_hash_with(a.algorithm, &a.secret, &a.user_id)));
            Ok(())
        }
        Some(hash) => {
            if sign::verify_user_hash_with(a.algorithm, &a.secret, &a.user_id, &hash) {
                let p = Paint::stdout(color);
                out(&format!("{} (user {})\n", p.green("✓ matches"), a.user_id));
                Ok(())
            } else {
                Err(Fail::failed(format!(
                    "the token does not match user {:?} with this secret (expected 64 hex digits of {})",
                    a.user_id,
                    a.algorithm.name()
                )))
            }
        }
    }
}
