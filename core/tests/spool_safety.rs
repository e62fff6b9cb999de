//! The spool's safety rules, each against the real thing: forks made with
//! libc::fork, child processes that crash, run under a file-size limit or
//! exit cleanly, and spool directories shared with files that are not
//! Outbox's.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use common::*;
use outbox_core::spool::{Spool, SpoolSync};
use outbox_core::{Client, Options};

const ROLE: &str = "OUTBOX_SPOOL_SAFETY_ROLE";

/// A fresh, private spool root (Outbox creates it).
fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("outbox-safety-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn spawn_child(role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The child's `KEY value` lines up to `DONE` (libtest may prefix the first).
fn read_until_done(child: &mut Child) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.as_mut().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("DONE") {
            break;
        }
        for key in ["PRE ", "POST ", "ID ", "ERRORS ", "FAIL "] {
            if let Some(value) = line.split(key).nth(1) {
                lines.push((key.trim().to_owned(), value.trim().to_owned()));
            }
        }
    }
    lines
}

fn values(lines: &[(String, String)], key: &str) -> Vec<String> {
    lines.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}

fn owner_dirs(root: &Path) -> Vec<PathBuf> {
    fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.file_name().unwrap().to_str().unwrap().contains('-')).collect()
}

/// The descriptor of the spool lock this process holds in `dir`.
fn lock_fd(dir: &Path) -> i32 {
    let want = dir.join("lock");
    fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| fs::read_link(e.path()).is_ok_and(|target| target == want))
        .and_then(|e| e.file_name().to_str()?.parse().ok())
        .expect("the lock is open")
}

fn fork_and_wait(in_child: impl FnOnce() -> i32) -> i32 {
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed"),
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(in_child)).unwrap_or(99);
            unsafe { libc::_exit(code) }
        }
        pid => {
            let mut status = 0;
            unsafe { libc::waitpid(pid, &mut status, 0) };
            assert!(libc::WIFEXITED(status), "child status {status}");
            libc::WEXITSTATUS(status)
        }
    }
}

// D1: the fork handler closes only what is still an Outbox lock. In a child
// process of its own, so no other test takes the descriptor number first.
#[test]
fn a_forked_child_keeps_a_file_that_reused_a_dropped_spools_lock_number() {
    let root = temp_root("fd-reuse");
    let mut child = spawn_child(&format!("fd-reuse|{}|-", root.display()));
    let lines = read_until_done(&mut child);
    assert!(child.wait().unwrap().success());
    assert!(values(&lines, "FAIL").is_empty(), "{lines:?}");
    assert_eq!(fs::read(root.join("mine.txt")).unwrap(), b"child");
    fs::remove_dir_all(root).unwrap();
}

/// The body of the test above.
fn reuse_a_dropped_lock_number_then_fork(root: &Path) -> Result<(), String> {
    let client = Client::new(Options { spool_dir: Some(root.to_owned()), test_mode: true, ..Options::new("http://127.0.0.1:9") }).unwrap();
    client.track("u", "e", None).unwrap(); // starts everything the client uses
    let dir = owner_dirs(root).pop().unwrap();
    let fd = lock_fd(&dir);
    drop(client);
    // The lock closes once the client's background tasks have let go of it.
    let deadline = Instant::now() + SECS(10);
    while fs::read_link(format!("/proc/self/fd/{fd}")).is_ok_and(|t| t == dir.join("lock")) {
        if Instant::now() > deadline {
            return Err("the lock is never closed".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The program's own file takes the number the lock had.
    let mine = fs::File::create(root.join("mine.txt")).unwrap();
    if unsafe { libc::dup2(mine.as_raw_fd(), fd) } != fd {
        return Err("dup2".into());
    }
    let (dev, ino) = (mine.metadata().unwrap().dev(), mine.metadata().unwrap().ino());
    let code = fork_and_wait(|| {
        // Only async-signal-safe calls here: fstat and write.
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
            return 1; // closed behind the program's back
        }
        let st = unsafe { st.assume_init() };
        if st.st_dev != dev || st.st_ino != ino {
            return 2;
        }
        let written = unsafe { libc::write(fd, b"child".as_ptr().cast(), 5) };
        if written == 5 { 0 } else { 3 }
    });
    match code {
        0 => Ok(()),
        1 => Err(format!("the child lost descriptor {fd}")),
        other => Err(format!("the child saw another file on descriptor {fd} ({other})")),
    }
}

// D1: no fixed number of locks; every one is closed in a child.
#[test]
fn a_forked_child_closes_every_spool_lock_however_many() {
    let root = temp_root("many-locks");
    let spools: Vec<Spool> = (0..100).map(|_| Spool::open(&root, SpoolSync::Batch).unwrap().0).collect();
    let fds: Vec<i32> = spools.iter().map(|s| lock_fd(&s.dir())).collect();
    let code = fork_and_wait(|| {
        // F_GETFD fails with EBADF on a closed descriptor.
        let open = fds.iter().filter(|fd| unsafe { libc::fcntl(**fd, libc::F_GETFD) } != -1).count();
        open.min(100) as i32
    });
    assert_eq!(code, 0, "{code} lock(s) still open in the child");
    // In the parent they are all still held.
    assert!(fds.iter().all(|fd| unsafe { libc::fcntl(*fd, libc::F_GETFD) } != -1));
    drop(spools);
    fs::remove_dir_all(root).unwrap();
}

/// Not a test on its own: the body of the child processes above.
#[test]
fn child() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let parts: Vec<&str> = role.split('|').collect();
    let root = PathBuf::from(parts[1]);
    match parts[0] {
        "fd-reuse" => {
            if let Err(why) = reuse_a_dropped_lock_number_then_fork(&root) {
                println!("FAIL {why}");
            }
            println!("DONE");
        }
        other => panic!("unknown role {other}"),
    }
}

