//! When the dispatcher sends: a pure function of the pipeline's state, its
//! spec and the clock, so every rule is unit-tested without a runtime.

use std::time::{Duration, Instant};

use super::{BodyShape, Spec, State};
use crate::body::ENVELOPE_OVERHEAD;
use crate::time;

/// What the dispatcher does next.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The pipeline has stopped: the dispatcher ends.
    Stop,
    /// Wait to be woken, or until the instant given.
    Wait(Option<Instant>),
    /// Take a batch from the front of the queue and send it.
    Send(Take),
}

/// The bounds of the batch to take, and the deadline it is sent under.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Take {
    pub max_items: usize,
    /// Of event JSON, leaving room for the envelope.
    pub max_bytes: usize,
    /// The earliest flush or shutdown deadline waiting now.
    pub deadline: Option<Instant>,
}

/// The decision, and the new `State::waiting_since`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Plan {
    pub step: Step,
    pub waiting_since: Option<Instant>,
}

/// The scheduling decision: stop, send a batch now, or wait (until a time,
/// or until woken). In order: a backoff in force waits (short of a flush or
/// shutdown deadline's last attempt); at most `max_concurrent` requests are
/// in flight, one while probing after failures; a batch is due when
/// `flush_at` events wait, a flush or shutdown covers the oldest, or
/// `flush_interval` has passed since the dispatcher first saw it (a zero
/// interval is no timer).
pub(super) fn next_step(st: &State, spec: &Spec, now: Instant) -> Plan {
    let unchanged = st.waiting_since;
    let wait = |until, waiting_since| Plan { step: Step::Wait(until), waiting_since };
    if st.stopped {
        return Plan { step: Step::Stop, waiting_since: unchanged };
    }
    let Some(front) = st.queue.front_seq() else {
        return wait(None, None);
    };
    let policy = &spec.policy;
    let deadline = st.deadlines.iter().min().copied();
    if let Some(at) = st.backoff.ready_at(now, deadline, last_attempt_slack(spec)) {
        return wait(Some(at), unchanged);
    }
    // While failures are unresolved a single probe decides whether the
    // other requests follow.
    let concurrency = if st.backoff.probing() { 1 } else { policy.max_concurrent };
    if st.queue.in_flight_batches() >= concurrency {
        return wait(None, unchanged);
    }
    let since = unchanged.unwrap_or(now);
    // A zero `flush_interval` is no timer: events wait for `flush_at`, a
    // flush or the exit; events being retried have waited out their backoff.
    let interval_ends = (!policy.flush_interval.is_zero()).then(|| time::later(since, policy.flush_interval));
    let timer_due = match interval_ends {
        Some(ends) => now >= ends,
        None => st.queue.front_is_retry(),
    };
    let due = st.queue.len() >= policy.flush_at || st.closing || front < st.flush_upto || timer_due;
    if !due {
        return wait(interval_ends, Some(since));
    }
    let max_items = match spec.target.shape {
        BodyShape::Envelope => policy.max_batch_size,
        BodyShape::Single => 1,
    };
    let max_bytes = policy.max_batch_bytes.saturating_sub(ENVELOPE_OVERHEAD);
    Plan { step: Step::Send(Take { max_items, max_bytes, deadline }), waiting_since: Some(since) }
}

/// How long before a flush or shutdown deadline its last attempt starts.
fn last_attempt_slack(spec: &Spec) -> Duration {
    spec.target.request_timeout.min(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::Schedule;
    use crate::options::OnFull;
    use crate::pipeline::{Policy, Target};
    use crate::queue::{Queue, WhenFull};

    const SECOND: Duration = Duration::from_secs(1);

    fn spec(shape: BodyShape) -> Spec {
        Spec {
            target: Target {
                url: "http://127.0.0.1:1/v1/batch".into(),
                headers: Vec::new(),
                signer: None,
                gzip: false,
                request_timeout: 10 * SECOND,
                shape,
                gone_disables: false,
            },
            policy: Policy {
                flush_at: 20,
                flush_interval: SECOND,
                max_batch_size: 100,
                max_batch_bytes: 500_000,
                max_queue_size: 1_000,
                max_queue_bytes: 1 << 20,
                on_full: OnFull::DropNewest,
                max_retries: Some(3),
                backoff: Schedule { initial: SECOND / 10, max: 2 * SECOND, max_retry_after: 300 * SECOND },
                max_concurrent: 2,
                shutdown_timeout: 5 * SECOND,
            },
            on_error: None,
            log: Default::default(),
        }
    }

    fn envelope() -> Spec {
        spec(BodyShape::Envelope)
    }

    /// A state with `events` queued.
    fn queued(events: usize) -> State {
        let mut queue = Queue::new(1_000, 1 << 20);
        for i in 0..events {
            queue.push(crate::queue::Payload::new(&format!("m{i}"), b"{}".to_vec()), WhenFull::DropNewest);
        }
        State::new(queue)
    }

    fn send_now(deadline: Option<Instant>) -> Step {
        Step::Send(Take { max_items: 100, max_bytes: 500_000 - ENVELOPE_OVERHEAD, deadline })
    }

    #[test]
    fn a_stopped_pipeline_stops() {
        let mut st = queued(50);
        st.stopped = true;
        assert_eq!(next_step(&st, &envelope(), Instant::now()).step, Step::Stop);
    }

    #[test]
    fn an_empty_queue_waits_to_be_woken_and_forgets_when_waiting_began() {
        let now = Instant::now();
        let mut st = queued(0);
        st.waiting_since = Some(now);
        assert_eq!(next_step(&st, &envelope(), now), Plan { step: Step::Wait(None), waiting_since: None });
    }

    #[test]
    fn a_few_events_wait_for_the_interval_from_when_they_were_first_seen() {
        let now = Instant::now();
        let mut st = queued(3);
        let plan = next_step(&st, &envelope(), now);
        assert_eq!(plan, Plan { step: Step::Wait(Some(now + SECOND)), waiting_since: Some(now) });
        st.waiting_since = plan.waiting_since;
        // Seen again later: the interval still counts from the first sight.
        let later = now + SECOND / 2;
        assert_eq!(next_step(&st, &envelope(), later).step, Step::Wait(Some(now + SECOND)));
        assert_eq!(next_step(&st, &envelope(), now + SECOND).step, send_now(None));
    }

    #[test]
    fn flush_at_events_are_sent_at_once() {
        let now = Instant::now();
        assert_eq!(next_step(&queued(19), &envelope(), now).step, Step::Wait(Some(now + SECOND)));
        assert_eq!(next_step(&queued(20), &envelope(), now), Plan { step: send_now(None), waiting_since: Some(now) });
    }

    #[test]
    fn a_flush_or_a_shutdown_makes_the_events_before_it_due() {
        let now = Instant::now();
        let mut st = queued(1);
        st.flush_upto = st.queue.next_seq();
        st.deadlines = vec![now + 5 * SECOND, now + 2 * SECOND];
        assert_eq!(next_step(&st, &envelope(), now).step, send_now(Some(now + 2 * SECOND)));
        let mut st = queued(1);
        st.closing = true;
        assert_eq!(next_step(&st, &envelope(), now).step, send_now(None));
        // A flush that began before these events does not cover them.
        let mut st = queued(1);
        st.flush_upto = st.queue.front_seq().unwrap();
        assert_eq!(next_step(&st, &envelope(), now).step, Step::Wait(Some(now + SECOND)));
    }

    #[test]
    fn a_webhook_request_carries_one_event() {
        let now = Instant::now();
        let step = next_step(&queued(20), &spec(BodyShape::Single), now).step;
        assert_eq!(step, Step::Send(Take { max_items: 1, max_bytes: 500_000 - ENVELOPE_OVERHEAD, deadline: None }));
    }

    #[test]
    fn requests_in_flight_are_capped() {
        let now = Instant::now();
        let mut st = queued(60);
        st.queue.take_batch(20, usize::MAX);
        assert_eq!(next_step(&st, &envelope(), now).step, send_now(None));
        st.queue.take_batch(20, usize::MAX);
        assert_eq!(next_step(&st, &envelope(), now), Plan { step: Step::Wait(None), waiting_since: None });
    }

    #[test]
    fn a_backoff_waits_and_then_one_probe_goes_alone() {
        let now = Instant::now();
        let spec = envelope();
        let mut st = queued(60);
        let round = st.backoff.round();
        let delay = st.backoff.failed(round, now, Some(3 * SECOND), &spec.policy.backoff, 0.5);
        assert!(delay >= 3 * SECOND, "{delay:?}");
        let until = now + delay;
        assert_eq!(next_step(&st, &spec, now).step, Step::Wait(Some(until)));
        // Backoff over: one probe, and nothing else while it is out.
        assert_eq!(next_step(&st, &spec, until).step, send_now(None));
        st.queue.take_batch(20, usize::MAX);
        assert_eq!(next_step(&st, &spec, until).step, Step::Wait(None));
    }

    #[test]
    fn a_deadline_inside_a_backoff_gets_a_last_attempt_before_it() {
        let now = Instant::now();
        let spec = envelope();
        let mut st = queued(1);
        let round = st.backoff.round();
        st.backoff.failed(round, now, Some(60 * SECOND), &spec.policy.backoff, 0.5);
        st.deadlines = vec![now + 3 * SECOND];
        st.flush_upto = st.queue.next_seq();
        // It starts one second (the slack) before the deadline.
        let last_attempt = now + 2 * SECOND;
        assert_eq!(next_step(&st, &spec, now).step, Step::Wait(Some(last_attempt)));
        assert_eq!(next_step(&st, &spec, last_attempt).step, send_now(Some(now + 3 * SECOND)));
    }

    #[test]
    fn a_zero_interval_is_no_timer_but_retries_still_go() {
        let now = Instant::now();
        let mut spec = envelope();
        spec.policy.flush_interval = Duration::ZERO;
        let st = queued(3);
        assert_eq!(next_step(&st, &spec, now), Plan { step: Step::Wait(None), waiting_since: Some(now) });
        assert_eq!(next_step(&st, &spec, now + 3600 * SECOND).step, Step::Wait(None));
        assert_eq!(next_step(&queued(20), &spec, now).step, send_now(None));
        let mut flushed = queued(3);
        flushed.flush_upto = flushed.queue.next_seq();
        assert_eq!(next_step(&flushed, &spec, now).step, send_now(None));
        // A failed batch comes back to the front: it is sent again without
        // waiting for more events.
        let mut retried = queued(3);
        let batch = retried.queue.take_batch(100, usize::MAX).unwrap();
        retried.queue.retry_later(batch.id, batch.items, Vec::new(), None, Some(503), "unavailable");
        assert_eq!(next_step(&retried, &spec, now).step, send_now(None));
    }
}
