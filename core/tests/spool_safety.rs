//! The spool's safety rules, each against the real thing: forks made with
//! libc::fork, child processes that crash, run under a file-size limit or
//! exit cleanly, and spool directories shared with files that are not
//! Outbox's.

mod common;

use outbox_engine::options::DeliveryOptions;
use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use common::*;
use outbox_engine::options::OnFull;
use outbox_engine::spool::{Spool, SpoolSync};
use outbox_engine::{Client, Options};

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

fn sigkill(child: &mut Child) {
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
}

/// A spool left by a SIGKILLed process holding `n` undelivered events.
fn dead_spool(root: &Path, n: usize) -> (PathBuf, Vec<String>) {
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("track|{}|{dead}|{n}", root.display()));
    let ids = values(&read_until_done(&mut child), "ID");
    sigkill(&mut child);
    assert_eq!(ids.len(), n);
    (owner_dirs(root).pop().expect("the dead process's directory"), ids)
}

fn owner_dirs(root: &Path) -> Vec<PathBuf> {
    fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().contains('-'))
        .collect()
}

fn spool_options(root: &Path, url: String) -> Options {
    Options {
        spool_dir: Some(root.to_owned()),
        flush_interval: Duration::from_millis(20),
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(20),
            retry_max_backoff: Duration::from_millis(100),
            shutdown_timeout: Duration::from_millis(200),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(url)
    }
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
    let client = Client::new(Options {
        spool_dir: Some(root.to_owned()),
        delivery: DeliveryOptions { test_mode: true, ..DeliveryOptions::for_client() },
        ..Options::new("http://127.0.0.1:9")
    })
    .unwrap();
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
        if written == 5 {
            0
        } else {
            3
        }
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
    let spools: Vec<Spool> =
        (0..100).map(|_| Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap()).collect();
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

// D2/S2: adoption touches only Outbox spools; a damaged neighbour is reported, never fatal.
#[test]
fn foreign_and_damaged_neighbours_are_left_alone_and_the_client_still_starts() {
    let root = temp_root("neighbours");
    let (odd, _) = dead_spool(&root, 10);
    fs::create_dir(odd.join("notes")).unwrap();
    fs::write(odd.join("notes/keep.txt"), b"mine").unwrap();
    // Another program's directory that happens to hold a file named `lock`.
    fs::create_dir(root.join("cache")).unwrap();
    fs::write(root.join("cache/lock"), b"").unwrap();
    fs::write(root.join("cache/data"), b"precious").unwrap();

    let receiver = Receiver::start();
    let client =
        Client::new(spool_options(&root, receiver.url())).expect("a neighbour's damage never refuses the client");
    let recovery = client.recovery();
    assert_eq!((recovery.adopted, recovery.events), (0, 0), "{recovery:?}");
    assert!(recovery.damage.iter().any(|d| d.contains("notes") && d.contains("left alone")), "{recovery:?}");
    assert_eq!(fs::read(root.join("cache/data")).unwrap(), b"precious");
    assert!(root.join("cache/lock").exists());
    assert_eq!(fs::read(odd.join("notes/keep.txt")).unwrap(), b"mine");
    assert!(odd.join("0000000000000000.seg").exists(), "the damaged spool is left as it was");
    drop(client);
    fs::remove_dir_all(root).unwrap();
}

// S1: private files whatever the umask; a root others control is refused.
#[test]
fn spool_files_are_private_under_umask_022() {
    let root = temp_root("modes");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("umask|{}|{dead}", root.display()));
    read_until_done(&mut child);
    sigkill(&mut child);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let dir = owner_dirs(&root).pop().unwrap();
    assert_eq!(mode(&root), 0o700, "the root Outbox created");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("lock")), 0o600);
    assert_eq!(mode(&dir.join("0000000000000000.seg")), 0o600);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_spool_root_other_users_control_is_refused_with_a_clear_error() {
    let root = temp_root("shared");
    fs::create_dir(&root).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o777)).unwrap();
    let err = Client::new(spool_options(&root, "http://127.0.0.1:9".into())).err().unwrap().to_string();
    assert!(err.starts_with("invalid option: spool_dir") && err.contains("writable by every user"), "{err}");
    if unsafe { libc::geteuid() } == 0 {
        fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&root, Some(65534), Some(65534)).unwrap();
        let err = Client::new(spool_options(&root, "http://127.0.0.1:9".into())).err().unwrap().to_string();
        assert!(err.contains("owned by uid 65534"), "{err}");
    }
    fs::remove_dir_all(root).unwrap();
}

// D5: a write error is counted, acks go on, and the spool comes back.
#[test]
fn after_a_write_error_the_spool_counts_it_and_writes_again_after_a_pause() {
    let root = temp_root("efbig");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("fsize|{}|{dead}", root.display()));
    let lines = read_until_done(&mut child);
    sigkill(&mut child);
    assert!(values(&lines, "FAIL").is_empty(), "{lines:?}");
    let errors: u64 = values(&lines, "ERRORS")[0].parse().unwrap();
    assert!(errors >= 1);
    let (pre, post) = (values(&lines, "PRE"), values(&lines, "POST"));
    assert!(pre.len() >= 10 && post.len() == 20, "{} / {}", pre.len(), post.len());

    let receiver = Receiver::start();
    let client = Client::new(spool_options(&root, receiver.url())).unwrap();
    assert!(client.flush(SECS(30)).is_complete());
    let got: HashSet<String> = receiver.message_ids().into_iter().collect();
    assert!(pre.iter().all(|id| got.contains(id)), "events spooled before the error survive the crash");
    assert!(post.iter().all(|id| got.contains(id)), "events accepted after the pause are spooled again");
    drop(client);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn acknowledgements_continue_after_a_write_error() {
    let root = temp_root("efbig-acks");
    let receiver = Receiver::start();
    let mut child = spawn_child(&format!("fsize-acks|{}|{}", root.display(), receiver.url()));
    let lines = read_until_done(&mut child);
    let status = child.wait().unwrap();
    assert!(status.success() && values(&lines, "FAIL").is_empty(), "{lines:?}");
    let delivered = receiver.stats().unique_events;
    assert!(delivered >= 100, "{delivered}");
    // The child died without shutting down: its spool stays, but every
    // delivered event was acknowledged in it, so nothing comes back.
    let again = Client::new(spool_options(&root, receiver.url())).unwrap();
    assert_eq!(again.recovery().events, 0, "{:?}", again.recovery());
    assert!(again.flush(SECS(10)).is_complete());
    assert_eq!(receiver.stats().duplicate_events, 0);
    drop(again);
    fs::remove_dir_all(root).unwrap();
}

// A clean exit with everything delivered leaves nothing behind.
#[test]
fn a_process_that_exits_cleanly_leaves_no_spool_directory() {
    let root = temp_root("clean");
    let receiver = Receiver::start();
    let mut child = spawn_child(&format!("clean|{}|{}", root.display(), receiver.url()));
    read_until_done(&mut child);
    assert!(child.wait().unwrap().success());
    assert_eq!(receiver.stats().unique_events, 100);
    assert!(owner_dirs(&root).is_empty(), "{:?}", owner_dirs(&root));
    // Events it could not deliver stay, for the next process.
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let mut child = spawn_child(&format!("clean|{}|{dead}", root.display()));
    read_until_done(&mut child);
    assert!(child.wait().unwrap().success());
    assert_eq!(owner_dirs(&root).len(), 1);
    let next = Client::new(spool_options(&root, receiver.url())).unwrap();
    assert_eq!(next.recovery().events, 100);
    drop(next);
    fs::remove_dir_all(root).unwrap();
}

// D6: recovery never blocks the constructor, and the queue bound drops nothing recovered.
#[test]
fn recovered_events_never_wait_for_room_nor_are_dropped_for_it() {
    let root = temp_root("room");
    let (_, ids) = dead_spool(&root, 1000);
    let receiver = Receiver::start();
    // Nothing drains at first: the old code waited for room forever here.
    receiver.push_fault(Fault::status(503).forever());
    let options = Options {
        delivery: DeliveryOptions {
            max_queue_size: 200,
            on_full: OnFull::Block(Duration::from_secs(3600)),
            ..(spool_options(&root, receiver.url())).delivery
        },
        ..spool_options(&root, receiver.url())
    };
    let (sent, built) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sent.send(Client::new(options).unwrap());
    });
    let client = built.recv_timeout(SECS(20)).expect("the constructor returns without waiting for room");
    assert!(client.recovery().events <= 50, "a quarter of the queue at first: {:?}", client.recovery());
    receiver.clear_faults();
    let deadline = Instant::now() + SECS(60);
    while receiver.stats().unique_events < 1000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got: HashSet<String> = receiver.message_ids().into_iter().collect();
    assert!(ids.iter().all(|id| got.contains(id)), "{} of 1000 arrived", got.len());
    let stats = client.stats();
    assert_eq!(stats.dropped_total(), 0, "{stats:?}");
    // The summary is updated once a round has dealt with the dead directory.
    while client.recovery().adopted == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let recovery = client.recovery();
    assert_eq!((recovery.adopted, recovery.events), (1, 1000), "{recovery:?}");
    drop(client);
    fs::remove_dir_all(root).unwrap();
}

// C7: a hostile segment costs bounded memory and time.
#[test]
fn a_huge_or_hostile_segment_is_read_with_bounded_work() {
    let root = temp_root("hostile");
    let (dir, ids) = dead_spool(&root, 3);
    // Ack records that each claim four billion events (none of ours)...
    let mut seg = fs::OpenOptions::new().append(true).open(dir.join("0000000000000000.seg")).unwrap();
    for i in 0..2000u64 {
        let mut payload = vec![2u8];
        payload.extend_from_slice(&(1_000 + i).to_le_bytes());
        payload.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut frame = (payload.len() as u32).to_le_bytes().to_vec();
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        seg.write_all(&frame).unwrap();
    }
    // ...and a 64 GiB segment (sparse: it costs no disk).
    fs::File::create(dir.join("0000000000000001.seg")).unwrap().set_len(64 << 30).unwrap();
    let receiver = Receiver::start();
    let (sent, built) = std::sync::mpsc::channel();
    let options = spool_options(&root, receiver.url());
    std::thread::spawn(move || {
        let _ = sent.send(Client::new(options).unwrap());
    });
    let client = built.recv_timeout(SECS(60)).expect("recovery finishes");
    let recovery = client.recovery();
    assert_eq!(recovery.events, 3, "{recovery:?}");
    assert!(recovery.damage.iter().any(|d| d.contains("0000000000000001.seg")), "{recovery:?}");
    assert!(client.flush(SECS(10)).is_complete());
    assert!(ids.iter().all(|id| receiver.message_ids().contains(id)));
    drop(client);
    fs::remove_dir_all(root).unwrap();
}

/// Not a test on its own: the body of the child processes above.
#[test]
fn child() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let parts: Vec<&str> = role.split('|').collect();
    let root = PathBuf::from(parts[1]);
    let url = parts[2].to_owned();
    match parts[0] {
        // Tracks n events (printing each id), then waits to be killed.
        "track" => {
            let n: usize = parts[3].parse().unwrap();
            let client = Client::new(spool_options(&root, url)).unwrap();
            for i in 0..n {
                println!("ID {}", client.track("u", "Spooled", Some(serde_json::json!({ "i": i }))).unwrap());
            }
            println!("DONE");
            std::thread::sleep(Duration::from_secs(600));
        }
        "fd-reuse" => {
            if let Err(why) = reuse_a_dropped_lock_number_then_fork(&root) {
                println!("FAIL {why}");
            }
            println!("DONE");
        }
        "umask" => {
            unsafe { libc::umask(0o022) };
            let client = Client::new(spool_options(&root, url)).unwrap();
            client.track("u", "e", None).unwrap();
            println!("DONE");
            std::thread::sleep(Duration::from_secs(600));
        }
        // Under a 256 KiB file-size limit: events until the spool fails,
        // then, after its pause, 20 more.
        "fsize" => {
            limit_file_size(256 << 10);
            let client = Client::new(spool_options(&root, url)).unwrap();
            let big = "x".repeat(2000);
            for _ in 0..1000 {
                let id = client.track("u", "Big", Some(serde_json::json!({ "pad": big }))).unwrap();
                if client.stats().spool_errors > 0 {
                    break;
                }
                println!("PRE {id}");
            }
            if client.stats().spool_errors == 0 {
                println!("FAIL the spool never failed");
            }
            std::thread::sleep(Duration::from_millis(1300));
            for _ in 0..20 {
                println!("POST {}", client.track("u", "Small", None).unwrap());
            }
            println!("ERRORS {}", client.stats().spool_errors);
            println!("DONE");
            std::thread::sleep(Duration::from_secs(600));
        }
        // Under the limit, with a live receiver: delivers across the error,
        // lets the spool retry, then dies without shutting down.
        "fsize-acks" => {
            limit_file_size(256 << 10);
            let client = Client::new(spool_options(&root, url)).unwrap();
            let big = "x".repeat(2000);
            let mut tracked = 0;
            while client.stats().spool_errors == 0 && tracked < 1000 {
                client.track("u", "Big", Some(serde_json::json!({ "pad": big }))).unwrap();
                tracked += 1;
            }
            if !client.flush(Duration::from_secs(20)).is_complete() || client.stats().spool_errors == 0 {
                println!("FAIL {:?}", client.stats());
            }
            // The periodic sync writes the waiting acknowledgements once the pause is over.
            std::thread::sleep(Duration::from_millis(1500));
            println!("DONE");
            unsafe { libc::_exit(0) };
        }
        "clean" => {
            let client = Client::new(spool_options(&root, url)).unwrap();
            for _ in 0..100 {
                client.track("u", "e", None).unwrap();
            }
            client.flush(Duration::from_secs(2));
            drop(client);
            println!("DONE");
        }
        other => panic!("unknown role {other}"),
    }
}

/// Writes past `bytes` fail with EFBIG (SIGXFSZ ignored), like a full disk.
fn limit_file_size(bytes: u64) {
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}
