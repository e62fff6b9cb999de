//! What `outbox_client_t` and `outbox_webhook_sender_t` share, written once
//! over `outbox_core::Sender`: free (also from inside their own error
//! callback), flush, shutdown and stats. The exported functions of
//! `client.rs` and `webhook.rs` call into here.

use std::sync::Arc;

use outbox_core::Sender;

use crate::callback::{free_owner, Gate, Inside};
use crate::client::{outbox_flush_result_t, outbox_stats_t};
use crate::config::millis;
use crate::status::{guard, guard_void, outbox_status_t, Failure};

/// An engine object as the C ABI hands it out, with its callback gate.
pub(crate) trait Owner: 'static {
    type Engine: Sender;
    /// Its argument's name in messages ("client", "sender").
    const NAME: &'static str;
    fn engine(&self) -> &Self::Engine;
    fn gate(&self) -> Option<&Arc<Gate>>;
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
        let gate = unsafe { &*ptr }.gate().cloned();
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
        let r = unsafe { owner_ref(ptr) }?.engine().flush(millis(timeout_ms));
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
        let owner = unsafe { owner_ref(ptr) }?;
        let r = {
            // Its reports run here: a callback that frees the object has
            // the free wait until shutdown is done with it.
            let _inside = Inside::call(owner.gate());
            owner.engine().shutdown(millis(timeout_ms))
        };
        // `owner` may be freed by now.
        if let Some(out) = unsafe { result_out.as_mut() } {
            *out = r.into();
        }
        Ok(())
    })
}

pub(crate) unsafe fn stats<T: Owner>(ptr: *const T, stats_out: *mut outbox_stats_t) -> outbox_status_t {
    guard(|| {
        let owner = unsafe { owner_ref(ptr) }?;
        let out = unsafe { stats_out.as_mut() }.ok_or_else(|| Failure::null("stats_out"))?;
        *out = owner.engine().stats().into();
        Ok(())
    })
}
