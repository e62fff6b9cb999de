use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use super::*;

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("outbox-spool-{name}-{}-{:x}", std::process::id(), crate::ids::random_u64()));
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn owner_dirs(root: &Path) -> Vec<PathBuf> {
    fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect()
}

const ALL: Budget = Budget { events: usize::MAX, bytes: usize::MAX };

/// Adopts with `budget`, returning the recovery and the events queued.
fn adopt(spool: &Spool, budget: Budget) -> (Recovery, Vec<Recovered>) {
    let mut queued = Vec::new();
    let recovery = spool.adopt(budget, |e| {
        queued.push(e);
        true
    });
    (recovery, queued)
}

fn ids(events: &[Recovered]) -> Vec<&str> {
    events.iter().map(|e| e.id.as_str()).collect()
}

/// Simulates a dead owner: a spool whose lock is released without cleanup.
fn write_dead_spool(root: &Path, events: &[(&str, &str)], ack_first: usize) -> PathBuf {
    let spool = Spool::open(root, SpoolSync::Batch, Default::default()).unwrap();
    let sids: Vec<u64> = events.iter().map(|(id, json)| spool.append(id, json.as_bytes())).collect();
    assert!(sids.iter().all(|s| *s > 0));
    spool.ack(&sids[..ack_first]);
    spool.sync_now();
    let dir = spool.dir();
    drop(spool); // releases the lock, leaves the files: like a crash
    dir
}

fn numbered(n: usize) -> Vec<(String, String)> {
    (0..n).map(|i| (format!("e{i}"), format!("{{\"i\":{i}}}"))).collect()
}

fn refs(events: &[(String, String)]) -> Vec<(&str, &str)> {
    events.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn unacknowledged_events_are_recovered_in_order_once() {
    let root = tempdir("recover");
    write_dead_spool(&root, &[("a", "{\"n\":1}"), ("b", "{\"n\":2}"), ("c", "{\"n\":3}")], 1);
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&spool, ALL);
    assert_eq!(ids(&events), ["b", "c"]);
    assert_eq!(events[1].json, b"{\"n\":3}");
    assert_eq!((recovery.adopted, recovery.events, recovery.more_left), (1, 2, false));
    assert!(recovery.damage.is_empty());
    // The dead directory is gone; only ours remains, holding the two events.
    assert_eq!(owner_dirs(&root).len(), 1);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_live_spool_is_never_adopted() {
    let root = tempdir("live");
    let alive = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    alive.append("x", b"{}");
    let other = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&other, ALL);
    assert!(events.is_empty() && recovery.damage.is_empty());
    assert_eq!(owner_dirs(&root).len(), 2);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn recovered_events_survive_a_second_crash() {
    let root = tempdir("twice");
    write_dead_spool(&root, &[("a", "{}"), ("b", "{}")], 0);
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    assert_eq!(adopt(&spool, ALL).1.len(), 2);
    drop(spool); // crashed before delivering anything
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    assert_eq!(ids(&adopt(&spool, ALL).1), ["a", "b"]);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn torn_and_corrupt_records_keep_what_came_before() {
    let root = tempdir("damage");
    let dir = write_dead_spool(&root, &refs(&numbered(5)), 0);
    let seg = segment_path(&dir, 0);
    let mut bytes = fs::read(&seg).unwrap();
    let record = bytes.len() / 5;
    // Flip a byte inside the fourth record, and tear the last one.
    bytes[3 * record + 12] ^= 0xff;
    bytes.truncate(bytes.len() - 3);
    fs::write(&seg, &bytes).unwrap();
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&spool, ALL);
    assert_eq!(ids(&events), ["e0", "e1", "e2"]);
    assert_eq!(recovery.damage.len(), 1);
    assert!(recovery.damage[0].contains("checksum mismatch"), "{:?}", recovery.damage);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_budget_takes_the_oldest_events_and_leaves_the_rest_for_a_later_round() {
    let root = tempdir("budget");
    write_dead_spool(&root, &refs(&numbered(10)), 2);
    let a = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (first, events) = adopt(&a, Budget { events: 3, bytes: usize::MAX });
    assert_eq!(ids(&events), ["e2", "e3", "e4"]);
    assert!(first.more_left && first.adopted == 0, "{first:?}");
    // Another process never gets those three again.
    let b = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (second, events) = adopt(&b, Budget { events: 100, bytes: 13 });
    assert_eq!(ids(&events), ["e5"], "the byte budget: the second event would not fit");
    assert!(second.more_left);
    let (third, events) = adopt(&a, ALL);
    assert_eq!(ids(&events), ["e6", "e7", "e8", "e9"]);
    assert!(!third.more_left && third.adopted == 1 && third.damage.is_empty(), "{third:?}");
    assert_eq!(owner_dirs(&root).len(), 2, "the dead one is gone");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn settled_segments_are_removed() {
    let root = tempdir("segments");
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let big = vec![b'x'; 64 * 1024];
    let sids: Vec<u64> = (0..300).map(|i| spool.append(&format!("m{i}"), &big)).collect();
    let dir = spool.dir();
    let count = || fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some()).count();
    assert!(count() >= 3, "64 KB x 300 rolls over 8 MB segments");
    spool.ack(&sids);
    assert_eq!(count(), 1, "only the active segment remains");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn event_sync_mode_appends_durably() {
    let root = tempdir("sync");
    let spool = Spool::open(&root, SpoolSync::Event, Default::default()).unwrap();
    spool.append("a", b"{}");
    assert_eq!(*spool.inner.synced.lock(), spool.inner.writer.lock().written);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn an_unwritable_root_is_a_clear_error() {
    let err = Spool::open(Path::new("/proc/outbox-cannot-exist"), SpoolSync::Batch, Default::default()).err().unwrap();
    assert!(
        matches!(err.kind(), io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied | io::ErrorKind::Other),
        "{err}"
    );
}

#[test]
fn a_settled_spool_removes_its_directory_and_an_unsettled_one_keeps_it() {
    let root = tempdir("settled");
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let sid = spool.append("a", b"{}");
    assert!(!spool.remove_if_settled(), "an event is pending");
    spool.ack(&[sid]);
    assert!(spool.remove_if_settled());
    assert!(owner_dirs(&root).is_empty());
    assert_eq!(spool.append("late", b"{}"), 0, "nothing is written after removal");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_write_error_abandons_the_segment_and_a_new_one_opens_after_the_pause() {
    let root = tempdir("errors");
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let before = spool.append("before", b"{}");
    // Swap in a read-only descriptor: the next write fails.
    let first = segment_path(&spool.dir(), 0);
    spool.inner.writer.lock().file = Some(File::open(&first).unwrap());
    assert_eq!(spool.append("failed", b"{}"), 0);
    assert_eq!(spool.append("resting", b"{}"), 0, "no retry before the pause is over");
    assert_eq!(spool.errors(), 1);
    // Acks of records on disk are kept meanwhile and written with the next segment.
    spool.ack(&[before]);
    spool.inner.writer.lock().retry_at = Some(Instant::now());
    let after = spool.append("after", b"{}");
    assert!(after > before, "a new segment took it");
    assert!(spool.inner.writer.lock().unwritten_acks.is_empty());
    assert!(segment_path(&spool.dir(), 1).exists());
    spool.sync_now();
    drop(spool);
    let adopter = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&adopter, ALL);
    assert_eq!(ids(&events), ["after"], "{recovery:?}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn only_outbox_spools_are_touched() {
    let root = tempdir("foreign");
    // Not our name: never looked at, even with a lock file.
    fs::create_dir(root.join("cache")).unwrap();
    fs::write(root.join("cache/lock"), b"").unwrap();
    fs::write(root.join("cache/data.seg"), b"x").unwrap();
    // Our name, but no marker.
    fs::create_dir(root.join("42-0123456789abcdef")).unwrap();
    fs::write(root.join("42-0123456789abcdef/lock"), b"").unwrap();
    // A dead spool with something Outbox never writes.
    let odd = write_dead_spool(&root, &[("a", "{}")], 0);
    fs::create_dir(odd.join("sub")).unwrap();
    // A dead spool whose segment is a symbolic link.
    let linked = write_dead_spool(&root, &[("b", "{}")], 0);
    fs::rename(segment_path(&linked, 0), root.join("outside.seg")).unwrap();
    std::os::unix::fs::symlink(root.join("outside.seg"), segment_path(&linked, 0)).unwrap();
    // A symbolic link named like a spool.
    std::os::unix::fs::symlink(&odd, root.join("7-00000000000000ff")).unwrap();

    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&spool, ALL);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(recovery.damage.len(), 4, "{:#?}", recovery.damage);
    for (needle, line) in [
        ("no", "marker"),
        ("sub", "not an Outbox segment"),
        ("0000000000000000.seg", "not an Outbox segment"),
        ("00000000000000ff", "symbolic link"),
    ] {
        assert!(
            recovery.damage.iter().any(|d| d.contains(needle) && d.contains(line)),
            "{needle}: {:#?}",
            recovery.damage
        );
    }
    assert!(root.join("cache/lock").exists() && root.join("cache/data.seg").exists());
    assert!(root.join("42-0123456789abcdef/lock").exists());
    assert!(odd.join("sub").exists() && segment_path(&odd, 0).exists());
    assert!(root.join("outside.seg").exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_dot_named_leftover_is_adopted() {
    let root = tempdir("dot");
    let dir = write_dead_spool(&root, &[("a", "{}")], 0);
    // As after a power loss that lost the rename.
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    fs::rename(&dir, root.join(format!(".{name}"))).unwrap();
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let (recovery, events) = adopt(&spool, ALL);
    assert_eq!(ids(&events), ["a"]);
    assert_eq!(recovery.adopted, 1);
    assert_eq!(fs::read_dir(&root).unwrap().count(), 1, "only ours is left");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn files_are_private_and_carry_the_marker() {
    let root = tempdir("modes");
    let spool = Spool::open(&root, SpoolSync::Batch, Default::default()).unwrap();
    let dir = spool.dir();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("lock")), 0o600);
    assert_eq!(mode(&segment_path(&dir, 0)), 0o600);
    assert_eq!(fs::read(dir.join("lock")).unwrap(), layout::MARKER);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_root_others_can_write_to_is_refused() {
    let root = tempdir("shared");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o777)).unwrap();
    let err = Spool::open(&root, SpoolSync::Batch, Default::default()).err().unwrap().to_string();
    assert!(err.contains("writable by every user"), "{err}");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o1777)).unwrap();
    assert!(Spool::open(&root, SpoolSync::Batch, Default::default()).is_ok(), "sticky, like /tmp: accepted");
    fs::remove_dir_all(root).unwrap();
}
