//! The dispatcher task, which turns the schedule's decisions into batches,
//! and the send task of each batch, which settles its events with the
//! queue.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::MutexGuard;
use tokio::task::AbortHandle;

use super::attempt::{classify, Attempt};
use super::request::build_request;
use super::schedule::{next_step, Step};
use super::{Pipeline, State, GONE};
use crate::error::DropReason;
use crate::ids;
use crate::logger::Level;
use crate::queue::{Batch, Item};
use crate::retry::{self, Outcome};

/// What the dispatcher does next, the batch taken.
enum Next {
    Stop,
    /// Send this batch, taken in this backoff round.
    Send(Batch, u64),
    Wait(Option<Instant>),
}

impl Pipeline {
    /// Runs the dispatcher, restarting it if it ever panics: a dead
    /// dispatcher would leave the client silently accepting events forever.
    pub(super) async fn supervise(self: Arc<Self>) {
        loop {
            match tokio::spawn(self.clone().dispatch()).await {
                Err(e) if e.is_panic() => {
                    self.spec.log.error(format_args!(
                        "the dispatcher panicked ({}); restarting it",
                        panic_message(e.into_panic())
                    ));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => return,
            }
        }
    }

    async fn dispatch(self: Arc<Self>) {
        loop {
            let notified = self.wake.notified();
            let (next, reports) = {
                let mut st = self.state.lock();
                let next = self.next(&mut st);
                (next, self.take_reports(&mut st))
            };
            self.hand_off(reports);
            match next {
                Next::Stop => return,
                Next::Send(batch, round) => {
                    // Spawned under the lock so the task cannot finish (and
                    // forget its handle) before the handle is recorded.
                    let mut st = self.state.lock();
                    let id = batch.id;
                    let task = tokio::spawn(self.clone().send_guarded(batch, round));
                    st.requests.push((id, task.abort_handle()));
                }
                Next::Wait(None) => notified.await,
                Next::Wait(Some(until)) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(until.into()) => {}
                    }
                }
            }
        }
    }

    /// Asks the schedule what to do now and, to send, takes the batch.
    fn next(&self, st: &mut State) -> Next {
        let now = Instant::now();
        let plan = next_step(st, &self.spec, now);
        st.waiting_since = plan.waiting_since;
        match plan.step {
            Step::Stop => Next::Stop,
            Step::Wait(until) => Next::Wait(until),
            Step::Send(take) => match st.queue.take_batch(take.max_items, take.max_bytes) {
                Some(batch) => {
                    st.waiting_since = (!st.queue.is_empty()).then_some(now);
                    st.backoff.sending(now, take.deadline);
                    Next::Send(batch, st.backoff.round())
                }
                None => Next::Wait(None),
            },
        }
    }

    /// `send`, and if it panics (a user's `Transport`, say), its events are
    /// given up and reported instead of staying in flight forever.
    async fn send_guarded(self: Arc<Self>, batch: Batch, round: u64) {
        let batch_id = batch.id;
        let task = tokio::spawn(self.clone().send(batch, round));
        // Shutdown aborts this task; the request goes with it.
        let _abort = AbortOnDrop(task.abort_handle());
        if let Err(e) = task.await {
            if !e.is_panic() {
                return;
            }
            let message = format!("internal error: sending panicked ({})", panic_message(e.into_panic()));
            self.spec.log.error(format_args!("{message}"));
            let mut st = self.state.lock();
            st.queue.abandon(batch_id, DropReason::Rejected, None, &message);
            self.finish_request(st, batch_id);
        }
    }

    /// Sends one batch until it is delivered, given up, or sent back to the
    /// queue after a transient failure. `round` is the backoff round it was
    /// taken in.
    async fn send(self: Arc<Self>, batch: Batch, mut round: u64) {
        let batch_id = batch.id;
        let mut split_budget = retry::split_budget(batch.items.len());
        // Parts still to send, each marked when it came from a split; a 413,
        // or a 4xx blaming an event, splits a part in two.
        let mut parts = vec![(batch.items, false)];
        while let Some((mut items, from_split)) = parts.pop() {
            let request = build_request(&self.spec.target, &items);
            self.state.lock().queue.count_request(from_split);
            let started = Instant::now();
            let result = self.transport.send(request).await;
            let Attempt { outcome, status, retry_after, detail } =
                classify(&result, self.spec.target.gone_disables, SystemTime::now());
            self.spec.log.debug(format_args!(
                "POST {} ({} events): {} in {:?}",
                self.shown_url,
                items.len(),
                detail,
                started.elapsed()
            ));
            let splittable = items.len() > 1
                && split_budget >= 2
                && match outcome {
                    Outcome::TooLarge => true,
                    Outcome::Rejected => status.is_some_and(retry::blames_an_event),
                    _ => false,
                };
            let mut log_after: Option<(Level, String)> = None;
            let mut st = self.state.lock();
            let now = SystemTime::now();
            match outcome {
                Outcome::Delivered => {
                    st.backoff.succeeded();
                    st.queue.delivered(batch_id, &items);
                    log_after = st.health.delivered(now).map(|line| (Level::Info, line));
                }
                _ if splittable => {
                    if outcome == Outcome::Rejected {
                        split_budget -= 2;
                    }
                    let second = items.split_off(items.len() / 2);
                    parts.push((second, true));
                    parts.push((items, true));
                }
                Outcome::TooLarge => {
                    log_after = st.health.refused(&detail, now).map(|line| (Level::Info, line));
                    let message = match items.len() {
                        1 => "the receiver refused this single event as too large (413)".to_owned(),
                        n => format!("the receiver refused {n} events as too large (413) after splitting"),
                    };
                    st.queue.give_up(batch_id, items, DropReason::TooLarge, status, &message);
                }
                Outcome::Rejected => {
                    log_after = st.health.refused(&detail, now).map(|line| (Level::Info, line));
                    let message = format!("the receiver rejected the request ({detail}); not retried");
                    st.queue.give_up(batch_id, items, DropReason::Rejected, status, &message);
                }
                Outcome::Gone => {
                    st.health.refused(&detail, now);
                    st.gone = true;
                    st.queue.give_up(batch_id, items, DropReason::EndpointGone, status, GONE);
                    for (rest, _) in parts.drain(..) {
                        st.queue.give_up(batch_id, rest, DropReason::EndpointGone, status, GONE);
                    }
                    st.queue.drop_all(DropReason::EndpointGone, status, GONE);
                    log_after = Some((Level::Warn, "answered 410 Gone: endpoint disabled".to_owned()));
                }
                Outcome::Transient => {
                    // This part is charged an attempt; the parts not yet sent
                    // go back with it, uncharged.
                    let mut unsent: Vec<Item> = parts.drain(..).flat_map(|(rest, _)| rest).collect();
                    unsent.sort_by_key(|i| i.seq);
                    let policy = &self.spec.policy;
                    let delay =
                        st.backoff.failed(round, Instant::now(), retry_after, &policy.backoff, ids::random_unit());
                    let message = format!("{detail}; retries exhausted");
                    st.queue.retry_later(batch_id, items, unsent, policy.max_retries, status, &message);
                    log_after = match st.health.failed(&detail, now, Instant::now()) {
                        Some(warning) => Some((Level::Warn, warning)),
                        None if self.spec.log.debug_enabled() => {
                            Some((Level::Debug, format!("{detail}; retrying in {delay:?}")))
                        }
                        None => None,
                    };
                }
            }
            round = st.backoff.round();
            drop(st);
            if let Some((level, line)) = log_after {
                // Every line names the endpoint (credentials redacted).
                self.spec.log.at(level, format_args!("{}: {line}", self.shown_url));
            }
        }
        let st = self.state.lock();
        self.finish_request(st, batch_id);
    }

    /// Forgets a finished request and passes on what it settled.
    fn finish_request(self: &Arc<Self>, mut st: MutexGuard<'_, State>, batch_id: u64) {
        st.requests.retain(|(id, _)| *id != batch_id);
        let acks = st.queue.take_acks();
        let reports = self.take_reports(&mut st);
        drop(st);
        self.write_acks(acks);
        self.hand_off(reports);
        self.settled.notify_all();
        self.wake.notify_one();
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}
