//! What `outbox_client_t` and `outbox_webhook_sender_t` share, written once
//! over `outbox_engine::Sender`: free (also from inside their own error
//! callback), flush, shutdown and stats. The exported functions of
//! `client.rs` and `webhook.rs` call into here.

use std::sync::Arc;

use outbox_engine::{OnError, Sender};

use crate::callback::{free_owner, CCallback, Gate, Inside};
use crate::client::{outbox_flush_result_t, outbox_health_t, outbox_stats_t};
use crate::config::millis;
use crate::status::{guard, guard_void, outbox_status_t, Failure};
use crate::strings::{clear_out, put_string};
use std::ffi::c_char;

/// An engine object as the C ABI hands it out, with its callback gate.
pub(crate) trait Owner: 'static {
    type Engine: Sender;
    /// Its argument's name in messages ("client", "sender").
    const NAME: &'static str;
    /// Its engine object, and the gate of its error callback.
    fn parts(&self) -> (&Self::Engine, Option<&Arc<Gate>>);
}

/// `*out`, cleared, to receive a new object; or the null-argument failure.
pub(crate) unsafe fn out_slot<'a, T>(out: *mut *mut T, name: &str) -> Result<&'a mut *mut T, Failure> {
    unsafe { clear_out(out) };
    unsafe { out.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// The engine's `on_error` for a config's C callback, and the gate that
/// frees of the new object wait on.
pub(crate) fn on_error(callback: Option<CCallback>) -> (Option<OnError>, Option<Arc<Gate>>) {
    match callback {
        Some(cb) => {
            let (f, gate) = cb.install();
            (Some(f), Some(gate))
        }
        None => (None, None),
    }
}

/// A new object, owned by the caller from now on. The first client or
/// sender of the process installs the exit hook.
pub(crate) fn hand_out<T: Owner>(owner: T) -> *mut T {
    crate::exit::install();
    Box::into_raw(Box::new(owner))
}

/// `ptr` as a reference, or the null-argument failure.
pub(crate) unsafe fn owner_ref<'a, T: Owner>(ptr: *const T) -> Result<&'a T, Failure> {
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(T::NAME))
}

/// Shuts the object down and frees it; from inside its own error callback,
/// once that callback returns (see `free_owner`). NULL is a no-op.
pub(crate) unsafe fn free<T: Owner>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    guard_void(|| {
        let gate = unsafe { &*ptr }.parts().1.cloned();
        // SAFETY: the caller gives the object up; `free_owner` runs this
        // once, when nothing else on this thread still uses it.
        let free = Box::new(move || drop(unsafe { Box::from_raw(ptr) }));
        free_owner(gate, free);
    });
}

pub(crate) unsafe fn flush<T: Owner>(
    ptr: *const T,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    guard(|| {
        let r = unsafe { owner_ref(ptr) }?.parts().0.flush(millis(timeout_ms));
        if let Some(out) = unsafe { result_out.as_mut() } {
            *out = r.into();
        }
        Ok(())
    })
}

pub(crate) unsafe fn shutdown<T: Owner>(
    ptr: *const T,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    guard(|| {
        let (engine, gate) = unsafe { owner_ref(ptr) }?.parts();
        let r = {
            // Its reports run here: a callback that frees the object has
            // the free wait until shutdown is done with it.
            let _inside = Inside::call(gate);
            engine.shutdown(millis(timeout_ms))
        };
        // The object may be freed by now.
        if let Some(out) = unsafe { result_out.as_mut() } {
            *out = r.into();
        }
        Ok(())
    })
}

pub(crate) unsafe fn health<T: Owner>(
    ptr: *const T,
    health_out: *mut outbox_health_t,
    last_error_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(last_error_out) };
        let (engine, _) = unsafe { owner_ref(ptr) }?.parts();
        let out = unsafe { health_out.as_mut() }.ok_or_else(|| Failure::null("health_out"))?;
        let health = engine.health();
        *out = outbox_health_t::from(&health);
        if let Some(error) = &health.last_error {
            unsafe { put_string(last_error_out, error) };
        }
        Ok(())
    })
}

pub(crate) unsafe fn stats<T: Owner>(ptr: *const T, stats_out: *mut outbox_stats_t) -> outbox_status_t {
    guard(|| {
        let (engine, _) = unsafe { owner_ref(ptr) }?.parts();
        let out = unsafe { stats_out.as_mut() }.ok_or_else(|| Failure::null("stats_out"))?;
        *out = engine.stats().into();
        Ok(())
    })
}
