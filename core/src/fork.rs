//! Fork safety.
//!
//! After `fork()` only the forking thread exists in the child: the parent's
//! runtime threads are gone, and any lock they held stays held forever. So
//! the child must never touch state created before the fork. Every piece of
//! per-process state (the runtime, the client registry, each client's queue)
//! is tagged with the fork generation it was created in; a
//! `pthread_atfork` child handler bumps the generation, and the next use in
//! the child builds fresh state and leaks the old (dropping it could block on
//! a lock or deregister the parent's sockets from the shared epoll set).
//!
//! Registered through libc, so C, Python (`os.fork`, multiprocessing,
//! gunicorn) and Rust hosts all get it.
//!
//! A leaf module: what must happen in the child at once (the spool closing
//! its inherited locks) registers itself with [`on_child`].

use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

/// Most hooks [`on_child`] holds (Outbox registers one, the spool's).
const MAX_HOOKS: usize = 4;

/// The registered hooks, as `fn()` addresses; 0 is an empty slot. Atomics,
/// not a locked list: the child handler may not lock or allocate.
static HOOKS: [AtomicUsize; MAX_HOOKS] = [const { AtomicUsize::new(0) }; MAX_HOOKS];

extern "C" fn in_child_after_fork() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    for slot in &HOOKS {
        let hook = slot.load(Ordering::Acquire);
        if hook != 0 {
            // SAFETY: only `on_child` stores non-zero values, each a `fn()`.
            let hook = unsafe { std::mem::transmute::<usize, fn()>(hook) };
            hook();
        }
    }
}

/// Runs `hook` in every child forked from now on, right after the fork,
/// before the child does anything else. `hook` must be async-signal-safe
/// (atomics and plain system calls; no allocation, no locks): only the
/// forking thread exists in the child. Registering a hook again does
/// nothing. Installs the fork handler.
pub fn on_child(hook: fn()) {
    install();
    let wanted = hook as usize;
    for slot in &HOOKS {
        match slot.compare_exchange(0, wanted, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return,
            Err(current) if current == wanted => return,
            Err(_) => {}
        }
    }
    log::error!(target: "outbox", "more than {MAX_HOOKS} fork hooks: one is not registered");
}

/// Installs the fork handler (once per process; idempotent).
pub fn install() {
    REGISTER.call_once(|| unsafe {
        // Failure (ENOMEM) leaves fork detection off; nothing else to do.
        libc::pthread_atfork(None, None, Some(in_child_after_fork));
    });
}

/// How many forks separate this process from the one that loaded Outbox.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// A value that exists once per process: after a fork the child lazily gets
/// a new one and the parent's copy is leaked, never dropped.
pub struct PerProcess<T> {
    slot: AtomicPtr<(u64, T)>,
    init: fn() -> T,
}

impl<T: Send + Sync> PerProcess<T> {
    /// A value built by `init` in each process, on first use.
    pub const fn new(init: fn() -> T) -> Self {
        PerProcess { slot: AtomicPtr::new(std::ptr::null_mut()), init }
    }

    /// This process's value (built now if this process has none yet).
    pub fn get(&self) -> &T {
        install();
        let current = generation();
        loop {
            let seen = self.slot.load(Ordering::Acquire);
            // SAFETY: a published slot is never freed (see the module doc).
            if let Some((g, value)) = unsafe { seen.as_ref() }.map(|s| (s.0, &s.1)) {
                if g == current {
                    return value;
                }
            }
            let fresh = Box::into_raw(Box::new((current, (self.init)())));
            match self.slot.compare_exchange(seen, fresh, Ordering::AcqRel, Ordering::Acquire) {
                // SAFETY: just published; never freed.
                Ok(_) => return unsafe { &(*fresh).1 },
                // Another thread won: discard ours (never shared) and retry.
                Err(_) => drop(unsafe { Box::from_raw(fresh) }),
            }
        }
    }
}

/// An `Arc<T>` owned by one object (a client) that is rebuilt in a forked
/// child on first use; the parent's copy is leaked in the child.
pub struct PerFork<T> {
    slot: AtomicPtr<(u64, std::sync::Arc<T>)>,
    /// The generation a thread is building a value for. One builder per
    /// generation: building twice would open a second spool (adopting dead
    /// processes' events) that nothing flushes. An atomic, not a mutex: a
    /// fork in the middle of a build must not leave the child a held lock.
    building: AtomicU64,
}

/// No build in progress (generations start at 0, so use a value they never reach).
const NOT_BUILDING: u64 = u64::MAX;

impl<T> PerFork<T> {
    pub fn new(value: std::sync::Arc<T>) -> Self {
        install();
        PerFork {
            slot: AtomicPtr::new(Box::into_raw(Box::new((generation(), value)))),
            building: AtomicU64::new(NOT_BUILDING),
        }
    }

    /// The current process's value, built with `make` after a fork, by one
    /// thread; threads arriving meanwhile wait for it.
    pub fn get(&self, make: impl Fn() -> std::sync::Arc<T>) -> &std::sync::Arc<T> {
        let current = generation();
        let mut waits = 0u32;
        loop {
            let seen = self.slot.load(Ordering::Acquire);
            // SAFETY: the slot is never null; replaced slots are leaked, and the
            // current one is freed only by `drop`, which has `&mut self`.
            let (g, value) = unsafe { (&(*seen).0, &(*seen).1) };
            if *g == current {
                return value;
            }
            let building = self.building.load(Ordering::Acquire);
            if building == current {
                // Another thread is building this generation's value.
                waits += 1;
                if waits < 100 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                continue;
            }
            if self.building.compare_exchange(building, current, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            // If `make` panics, let the next caller try again.
            let guard = BuildGuard(&self.building);
            let fresh = Box::into_raw(Box::new((current, make())));
            // The parent's slot is leaked (see the module doc).
            self.slot.store(fresh, Ordering::Release);
            drop(guard);
            // SAFETY: just published.
            return unsafe { &(*fresh).1 };
        }
    }

    /// The value if it belongs to this process (no rebuilding).
    pub fn get_current(&self) -> Option<&std::sync::Arc<T>> {
        let seen = self.slot.load(Ordering::Acquire);
        // SAFETY: as in `get`.
        let (g, value) = unsafe { (&(*seen).0, &(*seen).1) };
        (*g == generation()).then_some(value)
    }
}

struct BuildGuard<'a>(&'a AtomicU64);

impl Drop for BuildGuard<'_> {
    fn drop(&mut self) {
        self.0.store(NOT_BUILDING, Ordering::Release);
    }
}

impl<T> Drop for PerFork<T> {
    fn drop(&mut self) {
        let seen = *self.slot.get_mut();
        // SAFETY: we own the slot. A slot from before a fork is leaked: its
        // contents may hold locks and sockets of the parent.
        unsafe {
            if (*seen).0 == generation() {
                drop(Box::from_raw(seen));
            }
        }
    }
}

// SAFETY: PerFork only hands out `&Arc<T>`; it is as thread-safe as Arc<T>.
unsafe impl<T: Send + Sync> Send for PerFork<T> {}
unsafe impl<T: Send + Sync> Sync for PerFork<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook() {}

    #[test]
    fn a_hook_registered_twice_is_listed_once() {
        on_child(hook);
        on_child(hook);
        let listed = HOOKS.iter().filter(|slot| slot.load(Ordering::Acquire) == hook as fn() as usize).count();
        assert_eq!(listed, 1);
    }
}
