//! Signing helpers: `sign`, `verify`, `userHash`, `verifyUserHash`. Pure
//! functions of `outbox_engine::sign`; `index.js` checks argument types and
//! shapes the results.

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue};
use napi_derive::napi;

use outbox_engine::sign::{self, Scheme, UserHashAlgorithm, VerifyOptions};

use crate::js::{ty, Fail, Js, Raw, R};

fn scheme_of(name: &str, header: Option<String>) -> R<Scheme> {
    let scheme = Scheme::parse(name).map_err(|e| Fail::Outbox(e.code(), e.to_string()))?;
    Ok(match (scheme, header) {
        (Scheme::HmacSha256 { .. }, Some(h)) => Scheme::hmac_sha256_with_header(h),
        (Scheme::StandardWebhooks, Some(_)) => {
            return Err(Fail::Outbox(
                "invalid_option",
                "the header option only applies to the \"hmac-sha256\" scheme".into(),
            ))
        }
        (s, None) => s,
    })
}

/// The bytes of a string (UTF-8) or of a Buffer / typed array.
fn body_bytes(js: Js, v: Raw) -> R<Vec<u8>> {
    if js.type_of(v)? == ty::napi_string {
        return Ok(js.string(v)?.into_bytes());
    }
    if js.type_of(v)? == ty::napi_object && js.is_typedarray(v)? {
        return Ok(js.typedarray(v)?.2.to_vec());
    }
    Err(Fail::Type(format!("the body must be a string or a Buffer, not {}", js.describe(v))))
}

/// Signature headers for one request, as `[name, value]` pairs.
#[napi(js_name = "signRaw")]
pub fn sign_raw(
    env: Env,
    scheme: String,
    header: Option<String>,
    secrets: Vec<String>,
    id: String,
    timestamp: i64,
    body: Unknown<'_>,
) -> napi::Result<Vec<Vec<String>>> {
    let js = Js::new(env.raw());
    let run = || -> R<Vec<Vec<String>>> {
        let scheme = scheme_of(&scheme, header)?;
        let body = body_bytes(js, body.raw())?;
        let headers =
            sign::sign(&scheme, &secrets, &id, timestamp, &body).map_err(|e| Fail::Outbox(e.code(), e.to_string()))?;
        Ok(headers.into_iter().map(|(k, v)| vec![k, v]).collect())
    };
    run().map_err(|f| js.throw(f))
}

#[napi(object)]
pub struct VerifyOutput {
    pub ok: bool,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Verifies one request; a failure is returned (code and message), not thrown.
#[napi(js_name = "verifyRaw")]
#[allow(clippy::too_many_arguments)]
pub fn verify_raw(
    env: Env,
    scheme: String,
    header: Option<String>,
    body: Unknown<'_>,
    headers: Vec<Vec<String>>,
    secrets: Vec<String>,
    tolerance_secs: Option<f64>,
    now: Option<f64>,
) -> napi::Result<VerifyOutput> {
    let js = Js::new(env.raw());
    let run = || -> R<VerifyOutput> {
        let scheme = scheme_of(&scheme, header)?;
        let body = body_bytes(js, body.raw())?;
        let pairs: Vec<(String, String)> = headers
            .into_iter()
            .filter_map(|mut p| {
                if p.len() == 2 {
                    let v = p.pop()?;
                    let k = p.pop()?;
                    Some((k, v))
                } else {
                    None
                }
            })
            .collect();
        let mut opts = VerifyOptions::default();
        if let Some(t) = tolerance_secs {
            if !(t.is_finite() && t >= 0.0) {
                return Err(Fail::Outbox(
                    "invalid_option",
                    format!("toleranceSec must be a number of seconds (0 or more), not {t}"),
                ));
            }
            opts.tolerance_secs = t as u64;
        }
        if let Some(n) = now {
            if !n.is_finite() {
                return Err(Fail::Outbox("invalid_option", "now must be a Date or unix seconds".into()));
            }
            opts.now = Some(n.floor() as i64);
        }
        Ok(match sign::verify(&scheme, &body, &pairs, &secrets, &opts) {
            Ok(()) => VerifyOutput { ok: true, code: None, message: None },
            Err(e) => VerifyOutput { ok: false, code: Some(e.code().to_owned()), message: Some(e.to_string()) },
        })
    };
    run().map_err(|f| js.throw(f))
}

fn algorithm_of(name: Option<String>) -> R<UserHashAlgorithm> {
    match name {
        None => Ok(UserHashAlgorithm::default()),
        Some(n) => UserHashAlgorithm::parse(&n).map_err(|e| Fail::Outbox("invalid_option", format!("algorithm: {e}"))),
    }
}

/// The user hash of `user_id` under `algorithm` (default `hmac-sha256`).
#[napi]
pub fn user_hash(env: Env, secret: String, user_id: String, algorithm: Option<String>) -> napi::Result<String> {
    let algorithm = algorithm_of(algorithm).map_err(|f| Js::new(env.raw()).throw(f))?;
    Ok(sign::user_hash_with(algorithm, &secret, &user_id))
}

/// Whether `hash` is `userHash(secret, userId, { algorithm })`, compared in constant time.
#[napi]
pub fn verify_user_hash(
    env: Env,
    secret: String,
    user_id: String,
    hash: String,
    algorithm: Option<String>,
) -> napi::Result<bool> {
    let algorithm = algorithm_of(algorithm).map_err(|f| Js::new(env.raw()).throw(f))?;
    Ok(sign::verify_user_hash_with(algorithm, &secret, &user_id, &hash))
}

/// A fresh webhook message id (`msg_` + 32 hex digits), as the sender makes.
#[napi]
pub fn new_webhook_id() -> String {
    format!("msg_{}", outbox_engine::bindings::new_message_id().replace('-', ""))
}

/// The canonical name of a scheme (`standard-webhooks` or `hmac-sha256`).
#[napi]
pub fn scheme_name(env: Env, name: String) -> napi::Result<String> {
    let js = Js::new(env.raw());
    Scheme::parse(&name).map(|s| s.name().to_owned()).map_err(|e| js.throw(Fail::Outbox(e.code(), e.to_string())))
}
