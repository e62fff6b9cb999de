//! `outbox send`: one event (delivered at once with `Client::deliver`), one
//! webhook (through a `WebhookSender`), or many events from JSON lines
//! (queued through a `Client`, then flushed). All delivery, retry and signing
//! logic is the engine's.

use std::io::{BufRead, BufReader, IsTerminal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::{AuthScheme, Client, DeliveryError, DeliveryOptions, Event, Json, Library, OnFull, Options};
use serde_json::{json, Value};

use crate::args::{AuthArg, BatchArgs, ClientArgs, ColorWhen, EventArgs, SendCommand, SigningArgs, WebhookArgs};
use crate::error::{CliResult, Fail};
use crate::input::{json_arg, kind_of, object_arg, parse_header};
use crate::logging::init_logging;
use crate::monitor::plural;
use crate::paint::{out, Paint};
use crate::progress;
use crate::reports::{ErrorLog, REPORT_WAIT};
use crate::{core_error, scheme_of};

pub fn run(cmd: SendCommand, color: ColorWhen) -> CliResult {
    match cmd {
        SendCommand::Track { user_id, event, properties, common, client } => {
            let mut e = Event::track(user_id, event);
            e.properties =
                object_arg("properties", properties.properties.as_deref(), "property", &properties.property)?
                    .map(Json::from);
            deliver_one(e, common, client, color)
        }
        SendCommand::Identify { user_id, traits, common, client } => {
            let mut e = Event::identify(user_id);
            e.traits = object_arg("traits", traits.traits.as_deref(), "trait", &traits.trait_)?.map(Json::from);
            deliver_one(e, common, client, color)
        }
        SendCommand::Group { user_id, group_id, traits, common, client } => {
            let mut e = Event::group(user_id, group_id);
            e.traits = object_arg("traits", traits.traits.as_deref(), "trait", &traits.trait_)?.map(Json::from);
            deliver_one(e, common, client, color)
        }
        SendCommand::Alias { previous_id, user_id, common, client } => {
            deliver_one(Event::alias(previous_id, user_id), common, client, color)
        }
        SendCommand::Page { user_id, name, properties, common, client } => {
            let mut e = Event::page(user_id, name);
            e.properties =
                object_arg("properties", properties.properties.as_deref(), "property", &properties.property)?
                    .map(Json::from);
            deliver_one(e, common, client, color)
        }
        SendCommand::Screen { user_id, name, properties, common, client } => {
            let mut e = Event::screen(user_id, name);
            e.properties =
                object_arg("properties", properties.properties.as_deref(), "property", &properties.property)?
                    .map(Json::from);
            deliver_one(e, common, client, color)
        }
        SendCommand::Webhook(args) => webhook(args, color),
        SendCommand::Batch(args) => batch(args, color),
    }
}

/// The engine's options from the command line (and `OUTBOX_*` variables).
fn client_options(c: &ClientArgs) -> CliResult<Options> {
    let endpoint = c.endpoint.clone().filter(|e| !e.trim().is_empty()).ok_or_else(|| {
        Fail::usage("no endpoint: pass --endpoint URL or set OUTBOX_ENDPOINT (`outbox listen` prints one to use)")
    })?;
    let headers = c.headers.iter().map(|h| parse_header(h)).collect::<CliResult<Vec<_>>>()?;
    let options = Options {
        path: c.path.clone(),
        api_key: c.api_key.clone().filter(|k| !k.is_empty()),
        auth_scheme: match c.auth_scheme {
            AuthArg::Bearer => AuthScheme::Bearer,
            AuthArg::Basic => AuthScheme::Basic,
        },
        signing_secrets: signing_secrets(&c.signing),
        signature_scheme: scheme_of(c.signing.scheme, c.signing.signature_header.as_deref()),
        headers,
        gzip: !c.no_gzip,
        request_timeout: c.request_timeout,
        library: Library { name: "outbox-cli".into(), version: env!("CARGO_PKG_VERSION").into() },
        delivery: DeliveryOptions {
            max_retries: c.max_retries,
            proxy: c.proxy.clone(),
            debug: c.output.verbose,
            // What is queued is flushed explicitly; nothing is left for exit.
            shutdown_timeout: Duration::ZERO,
            ..DeliveryOptions::for_client()
        },
        ..Options::new(endpoint)
    };
    if options.request_timeout.is_zero() {
        return Err(Fail::usage("--request-timeout must be greater than zero"));
    }
    options.validate().map_err(|e| Fail::usage(core_error(&e)))?;
    Ok(options)
}

/// Secrets from flags; an empty OUTBOX_SIGNING_SECRET means none.
fn signing_secrets(s: &SigningArgs) -> Vec<String> {
    s.secrets.iter().filter(|x| !x.is_empty()).cloned().collect()
}

fn apply_common(mut e: Event, common: &EventArgs) -> CliResult<Event> {
    // '' as the user id means "anonymous": leave it out of the event.
    if e.user_id.as_deref() == Some("") {
        e.user_id = None;
    }
    e.anonymous_id = common.anonymous_id.clone();
    e.timestamp = common.timestamp.clone();
    e.message_id = Some(common.message_id.clone().unwrap_or_else(outbox_engine::bindings::new_message_id));
    if let Some(ctx) = &common.context {
        e.context = Some(Json::from(object_only("context", json_arg("context", ctx)?)?));
    }
    if let Some(i) = &common.integrations {
        e.integrations = Some(Json::from(object_only("integrations", json_arg("integrations", i)?)?));
    }
    Ok(e)
}

fn object_only(flag: &str, v: Value) -> CliResult<Value> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(Fail::usage(format!("--{flag} must be a JSON object ({{...}}), not {}", kind_of(&v))))
    }
}

fn deliver_one(event: Event, common: EventArgs, c: ClientArgs, color: ColorWhen) -> CliResult {
    init_logging(c.output.verbose);
    let event = apply_common(event, &common)?;
    let options = client_options(&c)?;
    let url = options.batch_url();
    let kind = event.kind.as_str();
    let id = event.message_id.clone().unwrap_or_default();
    let client = Client::new(options).map_err(|e| Fail::usage(core_error(&e)))?;
    // `deliver` names the event's position in the batch; there is only one.
    let outcome = client
        .deliver(std::slice::from_ref(&event), c.timeout)
        .map_err(|e| Fail::usage(core_error(&e).replacen("event 0: ", "", 1)))?;

    let attempts = format!("{} attempt{}", outcome.attempts, plural(outcome.attempts as usize));
    let status = outcome.status.map_or_else(|| "no HTTP answer".to_owned(), |s| format!("HTTP {s}"));
    if c.output.json {
        out(&format!(
            "{}\n",
            json!({
                "delivered": outcome.delivered,
                "type": kind,
                "messageId": id,
                "url": url,
                "status": outcome.status,
                "attempts": outcome.attempts,
                "error": outcome.error,
            })
        ));
    }
    if outcome.delivered {
        if !c.output.json && !c.output.quiet {
            let p = Paint::stdout(color);
            out(&format!("{} {kind} {id} to {url} ({status}, {attempts})\n", p.green("✓ delivered")));
        }
        Ok(())
    } else {
        let why = outcome.error.unwrap_or_else(|| status.clone());
        let last = match outcome.status {
            Some(s) if !why.contains(&format!("HTTP {s}")) => format!(", last answer HTTP {s}"),
            _ => String::new(),
        };
        Err(Fail::failed(format!("{kind} {id} was not delivered to {url}: {why} ({attempts}{last})")))
    }
}

fn webhook(a: WebhookArgs, color: ColorWhen) -> CliResult {
    init_logging(a.output.verbose);
    let data: Value = if a.field.is_empty() {
        match &a.data {
            Some(d) => json_arg("data", d)?,
            None => json!({}),
        }
    } else {
        object_arg("data", a.data.as_deref(), "field", &a.field)?.unwrap_or_else(|| json!({}))
    };
    if a.request_timeout.is_zero() {
        return Err(Fail::usage("--request-timeout must be greater than zero"));
    }
    let headers = a.headers.iter().map(|h| parse_header(h)).collect::<CliResult<Vec<_>>>()?;
    let secrets = signing_secrets(&a.signing);
    let scheme = scheme_of(a.signing.scheme, a.signing.signature_header.as_deref());
    let urls: Vec<String> = a.urls.iter().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect();
    if urls.is_empty() {
        return Err(Fail::usage("no webhook URL: pass --url URL or set OUTBOX_WEBHOOK_URL"));
    }
    let endpoints = urls
        .iter()
        .map(|url| Endpoint {
            url: url.clone(),
            secrets: secrets.clone(),
            scheme: scheme.clone(),
            timeout: a.request_timeout,
            headers: headers.clone(),
        })
        .collect();
    let errors = Arc::new(ErrorLog::default());
    let sink = errors.clone();
    let sender = WebhookSender::new(WebhookOptions {
        endpoints,
        delivery: outbox_engine::DeliveryOptions {
            max_retries: a.max_retries,
            proxy: a.proxy.clone(),
            debug: a.output.verbose,
            shutdown_timeout: Duration::ZERO,
            on_error: Some(Arc::new(move |e: &DeliveryError| sink.push(e))),
            ..outbox_engine::DeliveryOptions::for_webhooks()
        },
        ..WebhookOptions::default()
    })
    .map_err(|e| Fail::usage(core_error(&e)))?;
    let id = sender.send(&a.event_type, data).map_err(|e| Fail::usage(core_error(&e)))?;
    let flushed = sender.flush(a.timeout);
    let stats = sender.endpoint_stats();
    if flushed.pending > 0 {
        // Give up what is still retrying; on_error hears about it.
        sender.shutdown(Duration::ZERO);
    }
    let dropped: u64 = sender.endpoint_stats().iter().map(|s| s.dropped_total()).sum();
    errors.wait_for_events(dropped, REPORT_WAIT);
    let errors = errors.all();

    let p = Paint::stdout(color);
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for (url, st) in urls.iter().zip(&stats) {
        let attempts = st.requests;
        let delivered = st.delivered > 0;
        let error = errors.iter().find(|e| e.endpoint.as_deref() == Some(url.as_str()));
        let why = if delivered {
            None
        } else if let Some(e) = error.filter(|e| e.reason != outbox_engine::DropReason::Shutdown) {
            Some(e.to_string())
        } else {
            Some(format!(
                "still failing after {:?} ({attempts} attempt{}); run with --verbose to see each one",
                a.timeout,
                plural(attempts as usize)
            ))
        };
        results.push(json!({"url": url, "delivered": delivered, "attempts": attempts, "error": why}));
        match why {
            None => {
                if !a.output.json && !a.output.quiet {
                    out(&format!(
                        "{} webhook {} {id} to {url} ({attempts} attempt{})\n",
                        p.green("✓ delivered"),
                        a.event_type,
                        plural(attempts as usize)
                    ));
                }
            }
            Some(w) => failures.push(format!("webhook {} {id} was not delivered to {url}: {w}", a.event_type)),
        }
    }
    if a.output.json {
        out(&format!(
            "{}\n",
            json!({"delivered": failures.is_empty(), "type": a.event_type, "id": id, "endpoints": results})
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Fail::failed(failures.join("\nerror: ")))
    }
}

fn batch(a: BatchArgs, color: ColorWhen) -> CliResult {
    init_logging(a.client.output.verbose);
    let show_progress = match a.progress {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => std::io::stderr().is_terminal() && !a.client.output.quiet,
    };
    let total = if a.file == "-" { None } else { count_lines(&a.file) };
    let bar = progress::bar(show_progress, total);
    let mut options = client_options(&a.client)?;
    // Reading waits for room in the queue rather than dropping events.
    options.delivery.on_full = OnFull::Block(a.client.timeout);
    let p_err = Paint::stderr(color);
    let reported = Arc::new(ErrorLog::default());
    {
        let reported = reported.clone();
        let bar = bar.clone();
        options.delivery.on_error = Some(Arc::new(move |e: &DeliveryError| {
            progress::error_line(&bar, &format!("{} {e}", p_err.red("error:")));
            reported.push(e);
        }));
    }
    let client = Client::new(options).map_err(|e| Fail::usage(core_error(&e)))?;
    let input: Box<dyn BufRead> = if a.file == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&a.file).map_err(|e| Fail::usage(format!("cannot read {}: {e}", a.file)))?;
        Box::new(BufReader::new(f))
    };
    let source = if a.file == "-" { "standard input".to_owned() } else { a.file.clone() };

    let done = AtomicBool::new(false);
    let mut invalid = 0u64;
    let mut read_error = None;
    std::thread::scope(|scope| {
        if show_progress {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    progress::update(&bar, &client, total.is_some());
                    std::thread::sleep(Duration::from_millis(100));
                }
                progress::update(&bar, &client, total.is_some());
                // Leaves the bar as drawn (`finish` would fill it), and the
                // summary below it.
                bar.abandon();
                eprintln!();
            });
        }
        for (index, line) in input.lines().enumerate() {
            let n = index + 1;
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    read_error = Some(format!("cannot read line {n} of {source}: {e}"));
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            let queued = serde_json::from_str::<Value>(&line)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(|v| Event::from_json(&v).map_err(|e| core_error(&e)))
                .and_then(|e| client.capture(e).map_err(|e| core_error(&e)));
            if let Err(why) = queued {
                invalid += 1;
                progress::skipped(&bar);
                progress::error_line(&bar, &format!("{} line {n}: {why}", Paint::stderr(color).red("error:")));
            }
        }
        client.flush(a.client.timeout);
        done.store(true, Ordering::Relaxed);
    });
    let stats = client.stats();
    if stats.pending > 0 {
        // Give up what is still retrying (on_error reports it).
        client.shutdown(Duration::ZERO);
    }
    // Every refusal is printed before the summary.
    reported.wait_for_events(client.stats().dropped_total(), REPORT_WAIT);
    let failed = stats.dropped_total();
    let pending = stats.pending;

    if a.client.output.json {
        out(&format!(
            "{}\n",
            json!({
                "queued": stats.enqueued,
                "delivered": stats.delivered,
                "failed": failed,
                "pending": pending,
                "invalid": invalid,
                "requests": stats.requests,
                "retries": stats.retries,
            })
        ));
    } else if !a.client.output.quiet || failed + pending + invalid > 0 {
        let p = Paint::stdout(color);
        let mut line = format!(
            "{} of {} event{} delivered in {} request{}",
            stats.delivered,
            stats.enqueued,
            plural(stats.enqueued as usize),
            stats.requests,
            plural(stats.requests as usize)
        );
        if stats.retries > 0 {
            line.push_str(&format!(" ({} retried)", stats.retries));
        }
        if failed > 0 {
            line.push_str(&format!(", {failed} refused"));
        }
        if pending > 0 {
            line.push_str(&format!(", {pending} still pending after {:?} (given up)", a.client.timeout));
        }
        if invalid > 0 {
            line.push_str(&format!(", {invalid} invalid line{} skipped", plural(invalid as usize)));
        }
        let mark = if failed + pending + invalid == 0 { p.green("✓") } else { p.red("✗") };
        out(&format!("{mark} {line}\n"));
    }
    if let Some(e) = read_error {
        return Err(Fail::usage(e));
    }
    if failed + pending + invalid > 0 {
        return Err(Fail::silent());
    }
    Ok(())
}

/// The number of non-empty lines of `path`, for the bar's length and time
/// left (`None` when it cannot be read now; reading it later says why).
fn count_lines(path: &str) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    for line in BufReader::new(file).lines() {
        if !line.ok()?.trim().is_empty() {
            n += 1;
        }
    }
    Some(n)
}
