//! `NativeWebhookSender`: signed webhooks to one or more endpoints.

use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue};
use napi_derive::napi;

use outbox_engine::WebhookSender;

use crate::convert::{value_to_json, Limit};
use crate::js::{core_error, Fail, Js, R};
use crate::lifecycle::{route_for, NativeLifecycle, OnErrorFn, Shared, StatsOutput};
use crate::logging::LogFn;
use crate::options::webhook_options;

#[napi]
pub struct NativeWebhookSender {
    shared: Arc<Shared<WebhookSender>>,
}

#[napi]
impl NativeWebhookSender {
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: Unknown<'_>,
        on_error: Option<OnErrorFn<'_>>,
        log: Option<LogFn<'_>>,
    ) -> napi::Result<NativeWebhookSender> {
        let js = Js::new(env.raw());
        let mut opts = webhook_options(js, options.raw()).map_err(|f| js.throw(f))?;
        crate::logging::init();
        opts.delivery.log_sink = crate::logging::sink_for(log)?;
        let route = route_for(on_error)?;
        opts.delivery.on_error = route.on_error();
        let shutdown_timeout = opts.delivery.shutdown_timeout;
        let limit = Limit { bytes: opts.max_message_bytes, option: "maxMessageBytes" };
        let sender = WebhookSender::new(opts).map_err(|e| js.throw(core_error(&e)))?;
        Ok(NativeWebhookSender { shared: Shared::register(sender, route, shutdown_timeout, limit) })
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
            self.shared.engine.send(&kind, json).map_err(|e| core_error(&e))
        };
        run().map_err(|f| js.throw(f))
    }

    /// Queues `body` (any JSON value) verbatim to every endpoint.
    #[napi]
    pub fn send_raw(&self, env: Env, body: Unknown<'_>) -> napi::Result<String> {
        let js = Js::new(env.raw());
        let run = || -> R<String> {
            let json = value_to_json(js, body.raw(), "body", self.shared.limit)?;
            self.shared.engine.send_raw(&json).map_err(|e| core_error(&e))
        };
        run().map_err(|f| js.throw(f))
    }

    /// Flush, shutdown and the counters (see lifecycle.rs).
    #[napi]
    pub fn lifecycle(&self) -> NativeLifecycle {
        self.shared.lifecycle()
    }

    #[napi]
    pub fn endpoint_stats(&self) -> Vec<StatsOutput> {
        let health = self.shared.engine.endpoint_health();
        self.shared.engine.endpoint_stats().into_iter().zip(health).map(|(s, h)| StatsOutput::new(s, h)).collect()
    }

    /// In test mode: the requests that would have been sent, as JSON
    /// (`[{url, headers: [[name, value]], body}]`).
    #[napi]
    pub fn captured_json(&self) -> String {
        let list: Vec<serde_json::Value> = self
            .shared
            .engine
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
}
