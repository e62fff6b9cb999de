//! `NativeWebhookSender`: signed webhooks to one or more endpoints.

use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{Env, JsValue};
use napi_derive::napi;

use outbox_core::{FlushResult, WebhookSender};

use crate::client::{off_thread_drop, route_for, timeout_arg, FlushOutput, FlushTask, OnErrorFn, Op, StatsOutput};
use crate::convert::{value_to_json, Limit};
use crate::js::{core_error, Fail, Js, R};
use crate::options::webhook_options;
use crate::report::{register, Closeable, Route};

pub struct SenderShared {
    sender: ManuallyDrop<WebhookSender>,
    key: u32,
    route: Arc<Route>,
    shutdown_timeout: Duration,
    /// `maxMessageBytes`: conversion stops there (see convert.rs).
    limit: Limit,
}

impl Closeable for SenderShared {
    fn key(&self) -> u32 {
        self.key
    }
    fn route(&self) -> &Arc<Route> {
        &self.route
    }
    fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
    fn shutdown(&self, timeout: Duration) -> FlushResult {
        self.sender.shutdown(timeout)
    }
    fn flush(&self, timeout: Duration) -> FlushResult {
        self.sender.flush(timeout)
    }
}

impl Drop for SenderShared {
    fn drop(&mut self) {
        // SAFETY: taken once, here; the field is never used again.
        let sender = unsafe { ManuallyDrop::take(&mut self.sender) };
        let pending = sender.stats().pending;
        off_thread_drop(sender, pending, |s| {
            s.shutdown(Duration::ZERO);
        });
    }
}

#[napi]
pub struct NativeWebhookSender {
    shared: Arc<SenderShared>,
}

#[napi]
impl NativeWebhookSender {
    #[napi(constructor)]
    pub fn new(env: Env, options: Unknown<'_>, on_error: Option<OnErrorFn<'_>>) -> napi::Result<NativeWebhookSender> {
        let js = Js::new(env.raw());
        let mut opts = webhook_options(js, options.raw()).map_err(|f| js.throw(f))?;
        crate::logging::init(opts.delivery.debug);
        let route = route_for(on_error)?;
        opts.delivery.on_error = route.on_error();
        let shutdown_timeout = opts.delivery.shutdown_timeout;
        let limit = Limit { bytes: opts.max_message_bytes, option: "maxMessageBytes" };
        let sender = WebhookSender::new(opts).map_err(|e| js.throw(core_error(&e)))?;
        let shared = Arc::new(SenderShared {
            sender: ManuallyDrop::new(sender),
            key: crate::report::next_key(),
            route,
            shutdown_timeout,
            limit,
        });
        let weak: std::sync::Weak<dyn Closeable> = Arc::downgrade(&(shared.clone() as Arc<dyn Closeable>));
        register(weak);
        Ok(NativeWebhookSender { shared })
    }

    /// Queues `{type, timestamp, data}` to every endpoint; returns the webhook id.
    #[napi]
    pub fn send(&self, env: Env, event_type: Unknown<'_>, data: Unknown<'_>) -> napi::Result<String> {
        let js = Js::new(env.raw());
        let run = || -> R<String> {
            let t = event_type.raw();
            if js.type_of(t)? != crate::js::ty::napi_string {
                return Err(Fail::Type(format!("send(type, data): type must be a string, not {}", js.describe(t))));
            }
            let kind = js.string(t)?;
            let json = value_to_json(js, data.raw(), "data", self.shared.limit)?;
            self.shared.sender.send(&kind, json).map_err(|e| core_error(&e))
        };
        run().map_err(|f| js.throw(f))
    }

    /// Queues `body` (any JSON value) verbatim to every endpoint.
    #[napi]
    pub fn send_raw(&self, env: Env, body: Unknown<'_>) -> napi::Result<String> {
        let js = Js::new(env.raw());
        let run = || -> R<String> {
            let json = value_to_json(js, body.raw(), "body", self.shared.limit)?;
            self.shared.sender.send_raw(&json).map_err(|e| core_error(&e))
        };
        run().map_err(|f| js.throw(f))
    }

    #[napi]
    pub fn flush(&self, env: Env, timeout_ms: Unknown<'_>) -> napi::Result<AsyncTask<FlushTask>> {
        let js = Js::new(env.raw());
        let timeout =
            timeout_arg(js, timeout_ms.raw(), Duration::from_secs(30), "flush(timeoutMs)").map_err(|f| js.throw(f))?;
        Ok(AsyncTask::new(FlushTask { target: self.shared.clone(), op: Op::Flush, timeout }))
    }

    #[napi]
    pub fn shutdown(&self, env: Env, timeout_ms: Unknown<'_>) -> napi::Result<AsyncTask<FlushTask>> {
        let js = Js::new(env.raw());
        let timeout = timeout_arg(js, timeout_ms.raw(), self.shared.shutdown_timeout, "shutdown(timeoutMs)")
            .map_err(|f| js.throw(f))?;
        Ok(AsyncTask::new(FlushTask { target: self.shared.clone(), op: Op::Shutdown, timeout }))
    }

    #[napi]
    pub fn shutdown_sync(&self, timeout_ms: f64) -> FlushOutput {
        let timeout = Duration::try_from_secs_f64(timeout_ms.max(0.0) / 1000.0).unwrap_or(Duration::ZERO);
        crate::client::run_flush(self.shared.as_ref(), Op::Shutdown, timeout)
    }

    #[napi]
    pub fn stats(&self) -> StatsOutput {
        self.shared.sender.stats().into()
    }

    #[napi]
    pub fn endpoint_stats(&self) -> Vec<StatsOutput> {
        self.shared.sender.endpoint_stats().into_iter().map(Into::into).collect()
    }

    #[napi]
    pub fn pending(&self) -> f64 {
        self.shared.sender.stats().pending as f64
    }

    /// In test mode: the requests that would have been sent, as JSON
    /// (`[{url, headers: [[name, value]], body}]`).
    #[napi]
    pub fn captured_json(&self) -> String {
        let list: Vec<serde_json::Value> = self
            .shared
            .sender
            .captured()
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "url": r.url,
                    "headers": r.headers,
                    "body": String::from_utf8_lossy(&r.body),
                })
            })
            .collect();
        serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
    }

    #[napi(getter)]
    pub fn key(&self) -> u32 {
        self.shared.key
    }

    #[napi(getter)]
    pub fn shutdown_timeout_ms(&self) -> f64 {
        self.shared.shutdown_timeout.as_secs_f64() * 1000.0
    }
}
