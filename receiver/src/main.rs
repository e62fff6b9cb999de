//! `outbox-test-receiver`: the receiver as a process, for the Python, Node
//! and C test suites. Prints `LISTENING http://127.0.0.1:PORT` once ready and
//! is then driven through `/_control/` on the same port.

use std::io::{self, Write};
use std::process::ExitCode;

use outbox_test_receiver::{Receiver, ReceiverOptions};

const USAGE: &str = "usage: outbox-test-receiver [--port P] [--no-record] [--exit-on-stdin-eof]

  --port P             listen on 127.0.0.1:P (default: a free port)
  --no-record          keep counters and ids only, not requests (benchmarks)
  --exit-on-stdin-eof  exit when standard input reaches EOF, so the receiver
                       dies with the test process that holds the pipe

Prints `LISTENING http://127.0.0.1:PORT` on stdout when ready.
Control API: GET /_control/stats, /_control/requests, /_control/ids,
/_control/wait?unique=N&timeout_ms=T; POST /_control/faults (JSON array of
rules), /_control/clear_faults, /_control/reset.";

fn main() -> ExitCode {
    let mut opts = ReceiverOptions::default();
    let mut exit_on_stdin_eof = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let port = match arg.as_str() {
            "--port" => args.next(),
            a if a.starts_with("--port=") => Some(a["--port=".len()..].to_string()),
            "--no-record" => {
                opts.record_bodies = false;
                continue;
            }
            "--exit-on-stdin-eof" => {
                exit_on_stdin_eof = true;
                continue;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("outbox-test-receiver: unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match port.as_deref().map(str::parse::<u16>) {
            Some(Ok(p)) => opts.port = p,
            _ => {
                eprintln!("outbox-test-receiver: --port needs a number 0..=65535\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let receiver = match Receiver::start_with(opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("outbox-test-receiver: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = io::stdout().lock();
    if writeln!(out, "LISTENING {}", receiver.url()).and_then(|_| out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);

    if exit_on_stdin_eof {
        // Discard whatever arrives; EOF (or a read error) means the parent
        // is gone or wants us gone.
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
    } else {
        loop {
            std::thread::park();
        }
    }
    drop(receiver);
    ExitCode::SUCCESS
}
