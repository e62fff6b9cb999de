//! `outbox listen`: the embedded test receiver, printing and verifying every
//! request it accepts.

use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Duration;

use outbox_engine::sign::{Scheme, Signer};
use outbox_test_receiver::{Hooks, OnRequest, Receiver, ReceiverOptions, RecordedRequest};
use serde_json::json;

use crate::args::{ColorWhen, ListenArgs};
use crate::error::{CliResult, Fail};
use crate::monitor::{totals_json, totals_text, Monitor, Verifier};
use crate::paint::{out, Paint};
use crate::{scheme_of, sign_error};

/// How long `--exit-after` leaves for the last answer to reach its client:
/// the request is printed just before it is answered.
const LAST_ANSWER_GRACE: Duration = Duration::from_millis(250);

pub fn run(args: ListenArgs, color: ColorWhen) -> CliResult {
    let paint = Paint::stdout(color);
    let scheme: Option<Scheme> = args.scheme.map(|s| scheme_of(s, args.signature_header.as_deref()));
    if !args.secrets.is_empty() {
        // Catch unusable secrets now rather than on every request.
        let probe = scheme.clone().unwrap_or_else(|| {
            Scheme::hmac_sha256_with_header(
                args.signature_header.clone().unwrap_or_else(|| outbox_engine::sign::DEFAULT_HMAC_HEADER.into()),
            )
        });
        Signer::new(probe, &args.secrets).map_err(|e| Fail::usage(sign_error(&e)))?;
    }
    let verifier = Verifier::new(args.secrets.clone(), scheme, args.signature_header.clone(), args.tolerance);
    let verifying = !verifier.secrets.is_empty();
    let monitor = Arc::new(Monitor::new(paint, args.json, verifier.clone(), args.max_events));
    let hook: OnRequest = {
        let monitor = monitor.clone();
        Arc::new(move |r: &RecordedRequest| monitor.observe(r))
    };
    let receiver = Receiver::start_with_hooks(
        // Requests are printed, not kept: a long session stays small.
        ReceiverOptions { record_bodies: false, port: args.port },
        Hooks { on_request: Some(hook), status: Some(args.status) },
    )
    .map_err(|e| {
        let hint = if e.kind() == ErrorKind::AddrInUse {
            " (is another `outbox listen` running? pick another port with --port, or --port 0 for a free one)"
        } else {
            ""
        };
        Fail::failed(format!("cannot listen on 127.0.0.1:{}: {e}{hint}", args.port))
    })?;

    let url = receiver.url();
    if args.json {
        let banner = json!({
            "listening": url,
            "verifying": verifying,
            "scheme": verifier.scheme.as_ref().map(Scheme::name),
            "status": args.status,
        });
        out(&format!("{banner}\n"));
    } else {
        let mut b = format!("{} {}\n", paint.bold("outbox listen: receiving on"), paint.bold(&paint.cyan(&url)));
        b.push_str(&format!(
            "  any path: batches (POST /v1/batch) and webhooks; gzip is decoded; answering {}\n",
            args.status
        ));
        if verifying {
            b.push_str(&format!("  {}\n", verifier.describe()));
        } else {
            b.push_str("  not verifying signatures (pass --secret, or set OUTBOX_SIGNING_SECRET)\n");
        }
        b.push_str(
            &paint.dim(&format!(
                "  try: OUTBOX_ENDPOINT={url} outbox send track user-42 'Signed Up'\n  stop with Ctrl-C\n"
            )),
        );
        b.push('\n');
        out(&b);
    }

    match args.exit_after {
        None => loop {
            std::thread::park();
        },
        Some(n) => {
            monitor.wait_for_requests(n, None);
            std::thread::sleep(LAST_ANSWER_GRACE);
            drop(receiver);
            let counts = monitor.counts();
            if args.json {
                out(&format!("{}\n", json!({"done": true, "totals": totals_json(&counts, verifying)})));
            } else {
                out(&format!("\nstopped after {}\n", totals_text(&counts, verifying)));
            }
            if counts.failed > 0 {
                return Err(Fail::silent());
            }
            Ok(())
        }
    }
}
