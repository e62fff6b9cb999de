//! Crash durability: real child processes killed with SIGKILL, then a new
//! process on the same spool directory delivers what they left.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use outbox_engine::options::SpoolSync;
use outbox_engine::{Client, Options};

const ROLE: &str = "OUTBOX_SPOOL_TEST_ROLE";

fn temp_spool(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("outbox-spool-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Starts this test binary as a child playing `role` (see `spool_child`).
fn spawn_child(role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "spool_child", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads the child's stdout until `DONE`, returning the message ids it printed.
fn read_until_done(child: &mut Child) -> Vec<String> {
    let mut ids = Vec::new();
    for line in BufReader::new(child.stdout.as_mut().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("DONE") {
            break;
        }
        if let Some(id) = id_in(&line) {
            ids.push(id);
        }
    }
    ids
}

/// The id on an `ID <id>` line (the first may follow libtest's own output).
fn id_in(line: &str) -> Option<String> {
    line.split("ID ").nth(1).map(|id| id.trim().to_owned())
}

fn sigkill(child: &mut Child) {
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
}

fn spool_client(dir: &Path, url: String, sync: SpoolSync) -> Client {
    Client::new(Options {
        spool_dir: Some(dir.to_owned()),
        spool_sync: sync,
        flush_interval: Duration::from_millis(20),
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(20),
            retry_max_backoff: Duration::from_millis(100),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(url)
    })
    .unwrap()
}

#[test]
fn sigkilled_process_events_are_delivered_by_the_next_one() {
    let dir = temp_spool("sigkill");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("track|{}|{dead}|10000|event", dir.display()));
    let ids = read_until_done(&mut child);
    sigkill(&mut child);
    assert_eq!(ids.len(), 10_000);

    let receiver = Receiver::start();
    let client = spool_client(&dir, receiver.url(), SpoolSync::Event);
    let recovery = client.recovery();
    assert_eq!((recovery.adopted, recovery.events), (1, 10_000), "{recovery:?}");
    assert!(client.flush(SECS(30)).is_complete());
    let stats = receiver.stats();
    assert_eq!((stats.unique_events, stats.duplicate_events), (10_000, 0));
    let got: HashSet<String> = receiver.message_ids().into_iter().collect();
    assert!(ids.iter().all(|id| got.contains(id)), "every id the dead process accepted arrives");
    drop(client);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn repeated_sigkill_during_delivery_loses_nothing_accepted() {
    let dir = temp_spool("chaos");
    let receiver = Receiver::start();
    // Slow answers keep requests in flight when the kill lands.
    receiver.push_fault(Fault::kind(FaultKind::Delay { ms: 30 }).forever());
    let mut accepted: Vec<String> = Vec::new();
    for round in 0..6u64 {
        let mut child = spawn_child(&format!("track|{}|{}|100000|batch", dir.display(), receiver.url()));
        // Kill at a different point each round: after 300..1800 accepted events.
        let kill_after = 300 + (round * 7919 % 1500) as usize;
        let mut seen = 0;
        for line in BufReader::new(child.stdout.as_mut().unwrap()).lines() {
            let Ok(line) = line else { break };
            if let Some(id) = id_in(&line) {
                accepted.push(id);
                seen += 1;
                if seen >= kill_after {
                    break;
                }
            }
        }
        sigkill(&mut child);
    }
    receiver.clear_faults();
    let client = spool_client(&dir, receiver.url(), SpoolSync::Batch);
    assert!(client.flush(SECS(60)).is_complete());
    let got: HashSet<String> = receiver.message_ids().into_iter().collect();
    let missing: Vec<&String> = accepted.iter().filter(|id| !got.contains(*id)).collect();
    assert!(missing.is_empty(), "{} accepted event(s) never arrived, e.g. {:?}", missing.len(), missing.first());
    // Redelivery after a crash repeats ids; it never invents new ones.
    let stats = receiver.stats();
    assert_eq!(stats.unique_events as usize, got.len());
    assert!(stats.events >= stats.unique_events);
    drop(client);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_segment_delivers_what_precedes_the_damage_and_reports_it() {
    let dir = temp_spool("damage");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("track|{}|{dead}|200|event", dir.display()));
    let ids = read_until_done(&mut child);
    sigkill(&mut child);
    // Flip one byte in the middle of the (only) segment, and tear its end.
    let owner = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let segment = owner.join("0000000000000000.seg");
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    bytes.truncate(bytes.len() - 5);
    std::fs::write(&segment, &bytes).unwrap();

    let receiver = Receiver::start();
    let client = spool_client(&dir, receiver.url(), SpoolSync::Batch);
    let recovery = client.recovery();
    assert_eq!(recovery.damage.len(), 1, "{recovery:?}");
    assert!(recovery.damage[0].contains("checksum mismatch"));
    assert!(client.flush(SECS(30)).is_complete());
    let got = receiver.message_ids();
    // Everything before the damaged record arrived; nothing after it.
    assert!((90..=100).contains(&got.len()), "{} recovered", got.len());
    assert!(got.iter().all(|id| ids.contains(id)));
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len());
    drop(client);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_processes_adopting_one_dead_spool_deliver_it_once() {
    let dir = temp_spool("adopt");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("track|{}|{dead}|2000|batch", dir.display()));
    let ids = read_until_done(&mut child);
    sigkill(&mut child);
    let receiver = Receiver::start();
    let adopters: Vec<Child> =
        (0..2).map(|_| spawn_child(&format!("drain|{}|{}", dir.display(), receiver.url()))).collect();
    for mut a in adopters {
        assert!(a.wait().unwrap().success());
    }
    let stats = receiver.stats();
    assert_eq!((stats.unique_events, stats.duplicate_events), (2000, 0));
    let got: HashSet<String> = receiver.message_ids().into_iter().collect();
    assert!(ids.iter().all(|id| got.contains(id)));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unusable_spool_dir_is_a_clear_error_at_construction() {
    let err =
        Client::new(Options { spool_dir: Some("/proc/outbox/nope".into()), ..Options::new("http://127.0.0.1:9") })
            .err()
            .unwrap()
            .to_string();
    assert!(err.contains("spool_dir /proc/outbox/nope"), "{err}");
}

#[test]
fn delivered_events_leave_nothing_to_recover() {
    let dir = temp_spool("clean");
    let receiver = Receiver::start();
    {
        let client = spool_client(&dir, receiver.url(), SpoolSync::Batch);
        for _ in 0..500 {
            client.track("u", "e", None).unwrap();
        }
        assert!(client.flush(SECS(10)).is_complete());
    }
    let again = spool_client(&dir, receiver.url(), SpoolSync::Batch);
    assert_eq!(again.recovery().events, 0);
    assert_eq!(receiver.stats().unique_events, 500);
    drop(again);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Not a test on its own: the body of the child processes above.
/// `track|dir|url|n|sync`: tracks n events from 8 threads, printing each
/// accepted id, then `DONE`, then waits to be killed.
/// `drain|dir|url`: opens the spool (adopting), flushes, exits.
#[test]
fn spool_child() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let parts: Vec<&str> = role.split('|').collect();
    let dir = PathBuf::from(parts[1]);
    let url = parts[2].to_owned();
    match parts[0] {
        "track" => {
            let n: usize = parts[3].parse().unwrap();
            let sync = SpoolSync::parse(parts[4]).unwrap();
            let client = Arc::new(spool_client(&dir, url, sync));
            let threads: Vec<_> = (0..8)
                .map(|t| {
                    let client = client.clone();
                    std::thread::spawn(move || {
                        for i in 0..n / 8 {
                            let id = client
                                .track(&format!("user-{t}"), "Spooled", Some(serde_json::json!({ "i": i })))
                                .unwrap();
                            // One write per line: the parent reads ids as they are accepted.
                            println!("ID {id}");
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            println!("DONE");
            std::thread::sleep(Duration::from_secs(600));
        }
        "drain" => {
            let client = spool_client(&dir, url, SpoolSync::Batch);
            assert!(client.flush(SECS(30)).is_complete());
        }
        other => panic!("unknown role {other}"),
    }
}
