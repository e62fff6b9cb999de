//! fork() safety: a real child process made with libc::fork while other
//! threads track. Runs in a re-executed copy of this test binary, so the
//! fork happens in a process whose threads we control.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

const ROLE: &str = "OUTBOX_FORK_TEST_ROLE";
const CHILD_EVENTS: u64 = 3_000;

#[test]
fn parent_and_child_each_deliver_their_own_events_once() {
    let receiver = Receiver::start();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "forking_process", "--nocapture", "--test-threads=1"])
        .env(ROLE, receiver.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "forking process failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report = stdout
        .split("PARENT_TRACKED=")
        .nth(1)
        .unwrap_or_else(|| panic!("no parent report in:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let parent: u64 = report.split_whitespace().next().unwrap().parse().unwrap();
    let stats = receiver.stats();
    assert!(parent > 0);
    assert_eq!(stats.unique_events, parent + CHILD_EVENTS, "{stdout}");
    assert_eq!(stats.duplicate_events, 0, "an event was delivered twice");
    let child_events = receiver
        .requests()
        .iter()
        .flat_map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["batch"].as_array().unwrap().clone()
        })
        .filter(|e| e["event"] == "from child")
        .count() as u64;
    assert_eq!(child_events, CHILD_EVENTS);
}

/// Not a test on its own: the body of the forking process (does nothing
/// unless started by the test above).
#[test]
fn forking_process() {
    let Ok(url) = std::env::var(ROLE) else { return };
    let client = Arc::new(
        outbox_engine::Client::new(outbox_engine::Options {
            flush_interval: Duration::from_millis(20),
            ..outbox_engine::Options::new(url)
        })
        .unwrap(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let tracked = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (client, stop, tracked) = (client.clone(), stop.clone(), tracked.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    client.track("parent-user", "from parent", None).unwrap();
                    tracked.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Let the parent build up queued and in-flight events before forking.
    while tracked.load(Ordering::Relaxed) < 20_000 {
        std::thread::yield_now();
    }
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed"),
        0 => {
            // The child: only this thread exists. Its queue starts empty.
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert_eq!(client.stats().enqueued, 0, "the child must not inherit queued events");
                for _ in 0..CHILD_EVENTS {
                    client.track("child-user", "from child", None).unwrap();
                }
                let result = client.flush(Duration::from_secs(20));
                if result.pending == 0 && client.stats().delivered == CHILD_EVENTS {
                    0
                } else {
                    2
                }
            }))
            .unwrap_or(3);
            unsafe { libc::_exit(code) };
        }
        child => {
            std::thread::sleep(Duration::from_millis(50));
            stop.store(true, Ordering::Relaxed);
            for t in threads {
                t.join().unwrap();
            }
            let result = client.flush(Duration::from_secs(30));
            assert_eq!(result.pending, 0);
            let mut status = 0;
            unsafe { libc::waitpid(child, &mut status, 0) };
            assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
            let n = tracked.load(Ordering::Relaxed);
            assert_eq!(client.stats().delivered, n);
            println!("PARENT_TRACKED={n}");
        }
    }
}

const FIRST_USE_ROLE: &str = "OUTBOX_FORK_FIRST_USE_ROLE";

/// Many threads of a forked child use a spooling client at once: exactly one
/// of them builds the child's pipeline (and opens one spool), not one each.
#[test]
fn concurrent_first_use_in_a_child_builds_one_pipeline() {
    let receiver = Receiver::start();
    let root = std::env::temp_dir().join(format!("outbox-fork-first-use-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "racing_child_process", "--nocapture", "--test-threads=1"])
        .env(FIRST_USE_ROLE, format!("{}|{}", receiver.url(), root.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("CHILD_SPOOLS=1"), "{stdout}");
    let _ = std::fs::remove_dir_all(&root);
}

/// Not a test on its own: forks, then races eight threads to the first use.
#[test]
fn racing_child_process() {
    let Ok(role) = std::env::var(FIRST_USE_ROLE) else { return };
    let (url, root) = role.split_once('|').unwrap();
    let client = Arc::new(
        outbox_engine::Client::new(outbox_engine::Options {
            spool_dir: Some(root.into()),
            ..outbox_engine::Options::new(url)
        })
        .unwrap(),
    );
    client.track("parent-user", "before fork", None).unwrap();
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed"),
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let barrier = Arc::new(std::sync::Barrier::new(8));
                let threads: Vec<_> = (0..8)
                    .map(|_| {
                        let (client, barrier) = (client.clone(), barrier.clone());
                        std::thread::spawn(move || {
                            barrier.wait();
                            client.track("child-user", "first use", None).unwrap();
                        })
                    })
                    .collect();
                for t in threads {
                    t.join().unwrap();
                }
                let prefix = format!("{}-", std::process::id());
                let spools = std::fs::read_dir(root)
                    .unwrap()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .count();
                println!("CHILD_SPOOLS={spools}");
                assert_eq!(client.flush(Duration::from_secs(20)).pending, 0);
                0
            }))
            .unwrap_or(3);
            unsafe { libc::_exit(code) };
        }
        child => {
            let mut status = 0;
            unsafe { libc::waitpid(child, &mut status, 0) };
            assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
            assert_eq!(client.flush(Duration::from_secs(20)).pending, 0);
        }
    }
}
