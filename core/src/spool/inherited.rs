//! Spool lock descriptors that a forked child must close.
//!
//! A `flock` belongs to the open file description, which `fork()` shares:
//! a child that kept its parent's lock descriptor would keep the parent's
//! spool locked after the parent died, so nobody could adopt it. The fork
//! handler therefore closes, in the child, every lock descriptor registered
//! here. Two rules keep it from closing anything else:
//!
//! - a lock leaves the registry before its descriptor is closed, so a
//!   number the program reuses for its own file is never listed;
//! - the child closes a listed descriptor only when `fstat` still shows the
//!   device and inode recorded with it.
//!
//! The child handler runs between `fork()` and the child's next step, where
//! only async-signal-safe calls are allowed: it reads atomics, calls `fstat`
//! and `close`, and never allocates or locks. The registry is a linked list
//! of fixed chunks that only grows (a chunk is never freed), so it has no
//! capacity limit and the child can walk it without synchronisation.
//!
//! Known window: a fork that lands while another thread is between opening
//! a lock and registering it leaves that one lock open in the child. The
//! cost is liveness only (the parent's spool is adopted once both exited),
//! never a wrong descriptor.

use std::fs::File;
use std::mem::ManuallyDrop;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, Ordering};

/// A slot is free.
const FREE: u64 = 0;
/// A slot is being filled in (claimed, fields not yet published).
const FILLING: u64 = u64::MAX;
const SLOTS_PER_CHUNK: usize = 32;

struct Slot {
    /// FREE, FILLING, or the registration's tag (unique for the process's
    /// life, so a stale owner can never clear a reused slot).
    tag: AtomicU64,
    fd: AtomicI32,
    dev: AtomicU64,
    ino: AtomicU64,
}

impl Slot {
    const fn new() -> Slot {
        Slot { tag: AtomicU64::new(FREE), fd: AtomicI32::new(-1), dev: AtomicU64::new(0), ino: AtomicU64::new(0) }
    }
}

struct Chunk {
    slots: [Slot; SLOTS_PER_CHUNK],
    next: AtomicPtr<Chunk>,
}

impl Chunk {
    const fn new() -> Chunk {
        Chunk { slots: [const { Slot::new() }; SLOTS_PER_CHUNK], next: AtomicPtr::new(std::ptr::null_mut()) }
    }

    /// The next chunk, added if there is none yet. Chunks are leaked: the
    /// registry holds at most as many as were ever needed at once.
    fn next_or_grow(&self) -> &'static Chunk {
        let next = self.next.load(Ordering::Acquire);
        // SAFETY: published chunks are never freed.
        if let Some(chunk) = unsafe { next.as_ref() } {
            return chunk;
        }
        let fresh = Box::into_raw(Box::new(Chunk::new()));
        match self.next.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: just published; never freed.
            Ok(_) => unsafe { &*fresh },
            Err(winner) => {
                // SAFETY: ours was never shared; the winner is never freed.
                drop(unsafe { Box::from_raw(fresh) });
                unsafe { &*winner }
            }
        }
    }
}

static FIRST: Chunk = Chunk::new();
static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// An open lock file, listed for closing in forked children while it is open.
pub(crate) struct LockFile {
    file: ManuallyDrop<File>,
    slot: &'static Slot,
    tag: u64,
}

impl LockFile {
    /// Lists `file` for closing in forked children (and makes sure the fork
    /// handler runs `close_inherited_locks`).
    pub(crate) fn register(file: File) -> std::io::Result<LockFile> {
        crate::fork::on_child(close_inherited_locks);
        let meta = file.metadata()?;
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        let mut chunk: &'static Chunk = &FIRST;
        loop {
            for slot in &chunk.slots {
                if slot.tag.compare_exchange(FREE, FILLING, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    slot.fd.store(file.as_raw_fd(), Ordering::Relaxed);
                    slot.dev.store(meta.dev(), Ordering::Relaxed);
                    slot.ino.store(meta.ino(), Ordering::Relaxed);
                    slot.tag.store(tag, Ordering::Release);
                    return Ok(LockFile { file: ManuallyDrop::new(file), slot, tag });
                }
            }
            chunk = chunk.next_or_grow();
        }
    }

    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // SAFETY: `file` is taken exactly once, here.
        let file = unsafe { ManuallyDrop::take(&mut self.file) };
        // Unlisted first, then closed: a forked child never sees a listed
        // number that the program may already have reused.
        if self.slot.tag.compare_exchange(self.tag, FREE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            drop(file);
        } else {
            // We are a forked child and the fork handler closed this
            // descriptor already: closing it again could hit a reused number.
            std::mem::forget(file);
        }
    }
}

/// Run in the child right after `fork()` (a `fork::on_child` hook).
/// Async-signal-safe: atomics, `fstat` and `close` only.
fn close_inherited_locks() {
    let mut chunk: *const Chunk = &FIRST;
    // SAFETY: chunks are never freed; the list only grows.
    while let Some(c) = unsafe { chunk.as_ref() } {
        for slot in &c.slots {
            let tag = slot.tag.load(Ordering::Acquire);
            if tag == FREE {
                continue;
            }
            if tag != FILLING {
                close_if_same_file(
                    slot.fd.load(Ordering::Relaxed),
                    slot.dev.load(Ordering::Relaxed),
                    slot.ino.load(Ordering::Relaxed),
                );
            }
            // A FILLING slot's owner thread does not exist in the child:
            // free it without closing (its fields may be incomplete).
            slot.tag.store(FREE, Ordering::Release);
        }
        chunk = c.next.load(Ordering::Acquire);
    }
}

fn close_if_same_file(fd: i32, dev: u64, ino: u64) {
    if fd < 0 {
        return;
    }
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a `stat` on success; we read it only then.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
        return;
    }
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    if st.st_dev as u64 == dev && st.st_ino as u64 == ino {
        // SAFETY: the descriptor is the inherited lock (same inode), owned by
        // a parent-generation spool that is leaked, never used, in the child.
        unsafe { libc::close(fd) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_lock_is_unlisted_and_there_is_no_fixed_limit() {
        let path = std::env::temp_dir().join(format!("outbox-inherited-{}", std::process::id()));
        let locks: Vec<LockFile> =
            (0..200).map(|_| LockFile::register(File::create(&path).unwrap()).unwrap()).collect();
        let listed: Vec<(&'static Slot, u64)> = locks.iter().map(|l| (l.slot, l.tag)).collect();
        for (lock, (slot, tag)) in locks.iter().zip(&listed) {
            assert_eq!(slot.tag.load(Ordering::Acquire), *tag, "all 200 are listed");
            assert_eq!(slot.fd.load(Ordering::Relaxed), lock.file().as_raw_fd());
        }
        drop(locks);
        // Each registration is gone (a slot may already hold another test's lock, under another tag).
        assert!(listed.iter().all(|(slot, tag)| slot.tag.load(Ordering::Acquire) != *tag));
        let _ = std::fs::remove_file(path);
    }
}
