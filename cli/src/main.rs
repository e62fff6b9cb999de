//! `outbox`: the command-line face of the Outbox engine.
//!
//! `listen` (a local receiver that prints and verifies), `send` (events and
//! webhooks from the shell, cron or CI), `sign`, `verify`, `token` and
//! `demo`. Every delivery, retry and signature is computed by `outbox-engine`;
//! this crate only parses arguments and prints. See `docs/cli.md`.

mod args;
mod demo;
mod error;
mod input;
mod listen;
mod logging;
mod monitor;
mod paint;
mod progress;
mod reports;
mod send;
mod sig;

use std::process::ExitCode;

use clap::Parser;
use outbox_engine::sign::{Scheme, SignError};

use args::{Cli, Command, SchemeArg};
use error::CliResult;
use paint::Paint;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    let result: CliResult = match cli.command {
        Command::Listen(a) => listen::run(a, color),
        Command::Send(c) => send::run(*c, color),
        Command::Sign(a) => sig::sign(a),
        Command::Verify(a) => sig::verify(a, color),
        Command::Token(a) => sig::token(a, color),
        Command::Demo(_) => demo::run(color),
        Command::Completions(a) => {
            clap_complete::generate(
                a.shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "outbox",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            if !fail.message.is_empty() {
                let p = Paint::stderr(color);
                eprintln!("{} {}", p.bold_red("error:"), fail.message);
            }
            ExitCode::from(fail.code)
        }
    }
}

/// The engine's scheme for a `--scheme` value and an optional header name.
pub(crate) fn scheme_of(s: SchemeArg, header: Option<&str>) -> Scheme {
    match (s, header) {
        (SchemeArg::StandardWebhooks, _) => Scheme::StandardWebhooks,
        (SchemeArg::HmacSha256, Some(h)) => Scheme::hmac_sha256_with_header(h),
        (SchemeArg::HmacSha256, None) => Scheme::hmac_sha256(),
    }
}

/// A signer error with its stable code, e.g. `invalid_secret: ...`.
pub(crate) fn sign_error(e: &SignError) -> String {
    format!("{}: {e}", e.code())
}

/// An engine error as a sentence (it already says what is wrong).
pub(crate) fn core_error(e: &outbox_engine::Error) -> String {
    e.to_string()
}
