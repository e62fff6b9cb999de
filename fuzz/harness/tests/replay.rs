//! Replays every committed fuzz input on stable: `fuzz/corpus/<target>/`
//! (what `make fuzz` found interesting) and `fuzz/artifacts/<target>/`
//! (inputs that once crashed a target; each must pass now).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use outbox_fuzz_harness::{Target, TARGETS};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Far beyond what any input takes (milliseconds), far short of a hang.
/// libFuzzer's own bound under `make fuzz` is 10 s (optimised build).
const HANG_BOUND: Duration = Duration::from_secs(20);

/// Runs `target` on `data` in its own thread: a panic or a run past
/// `HANG_BOUND` is an error (a hung thread is left spinning until the test
/// process exits; the other inputs still run).
fn run_bounded(target: Target, data: Vec<u8>) -> Result<(), &'static str> {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        let passed = std::panic::catch_unwind(|| target(&data)).is_ok();
        let _ = done.send(passed);
    });
    match finished.recv_timeout(HANG_BOUND) {
        Ok(true) => Ok(()),
        Ok(false) => Err("panics"),
        Err(_) => Err("hangs"),
    }
}

/// Runs every input of `fuzz/<kind>/<target>/`; fails naming each input
/// that panics (its message is printed above) or hangs.
fn replay(kind: &str) -> usize {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut replayed, mut failed) = (0, Vec::new());
    for (name, target) in TARGETS {
        for path in inputs(&fuzz_dir.join(kind).join(name)) {
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Err(why) = run_bounded(*target, data) {
                failed.push(format!("{name} {why} on {}", path.display()));
            }
            replayed += 1;
        }
    }
    assert!(failed.is_empty(), "{} of {replayed} inputs fail:\n{}", failed.len(), failed.join("\n"));
    replayed
}

#[test]
fn the_corpus_passes() {
    let replayed = replay("corpus");
    assert!(replayed >= TARGETS.len(), "only {replayed} corpus inputs: is fuzz/corpus/ missing?");
}

#[test]
fn every_crash_found_so_far_passes() {
    replay("artifacts");
}

#[test]
fn every_target_has_a_fuzz_binary_and_a_corpus() {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (name, _) in TARGETS {
        assert!(fuzz_dir.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "no fuzz_targets/{name}.rs");
        assert!(!inputs(&fuzz_dir.join("corpus").join(name)).is_empty(), "no corpus for {name}");
    }
}
