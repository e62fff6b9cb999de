//! Every live pipeline of the process, so exit hooks can shut them all down.

use std::sync::{Arc, Weak};
use std::time::Instant;

use parking_lot::Mutex;

use super::Pipeline;
use crate::error::FlushResult;
use crate::fork::PerProcess;
use crate::time;

static LIVE: PerProcess<Mutex<Vec<Weak<Pipeline>>>> = PerProcess::new(|| Mutex::new(Vec::new()));

/// Records a new pipeline, forgetting those dropped since.
pub(super) fn register(pipeline: &Arc<Pipeline>) {
    let mut live = LIVE.get().lock();
    live.retain(|w| w.strong_count() > 0);
    live.push(Arc::downgrade(pipeline));
}

/// Every live pipeline of this process (for exit hooks).
pub fn live_pipelines() -> Vec<Arc<Pipeline>> {
    LIVE.get().lock().iter().filter_map(Weak::upgrade).collect()
}

/// Shuts down every open pipeline of the process at once, each with its own
/// `shutdown_timeout` (zero skips it), all counted from now. Returns the sum.
pub fn shutdown_all() -> FlushResult {
    let start = Instant::now();
    let open: Vec<Arc<Pipeline>> = live_pipelines()
        .into_iter()
        // A pipeline another thread is shutting down is waited for too.
        .filter(|p| !p.is_stopped() && !p.spec.policy.shutdown_timeout.is_zero())
        .collect();
    for p in &open {
        p.begin_shutdown();
    }
    let mut total = FlushResult::default();
    for p in &open {
        let deadline = time::later(start, p.spec.policy.shutdown_timeout);
        total.add(p.finish_shutdown(deadline));
    }
    total
}
