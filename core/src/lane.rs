//! A lane: the per-process slot that holds the pipeline of a client or of a
//! webhook endpoint. It keeps what is needed to build that pipeline again
//! (spec, transport source, spool settings), and a forked child gets a new
//! pipeline on first use (the parent's events stay the parent's).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::error::Error;
use crate::fork::PerFork;
use std::path::PathBuf;

use parking_lot::Mutex;

use crate::logger::Logger;
use crate::pipeline::{Pipeline, Spec};
use crate::queue::Payload;
use crate::spool::{Budget, Recovery, Spool, SpoolSync};
use crate::transport::{
    HttpRequest, HttpSettings, HttpTransport, MemoryTransport, SendFuture, Transport, TransportError,
};

/// Where a lane's transport comes from, so a child can build its own.
#[derive(Clone)]
pub enum TransportSource {
    Http(HttpSettings),
    Given(Arc<dyn Transport>),
}

impl TransportSource {
    /// In test mode the memory transport, else the caller's transport, else HTTP.
    pub fn choose(
        memory: Option<&MemoryTransport>,
        given: Option<&Arc<dyn Transport>>,
        settings: HttpSettings,
    ) -> TransportSource {
        match (memory, given) {
            (Some(m), _) => TransportSource::Given(Arc::new(m.clone())),
            (None, Some(t)) => TransportSource::Given(t.clone()),
            (None, None) => TransportSource::Http(settings),
        }
    }

    pub fn build(&self) -> Result<Arc<dyn Transport>, Error> {
        match self {
            TransportSource::Http(settings) => {
                Ok(Arc::new(HttpTransport::new(settings).map_err(Error::invalid_option)?))
            }
            TransportSource::Given(t) => Ok(t.clone()),
        }
    }
}

/// Where and how a lane keeps its queue on disk.
#[derive(Debug, Clone)]
pub struct SpoolSettings {
    pub dir: PathBuf,
    pub sync: SpoolSync,
}

/// The per-process slot of one pipeline (see the module doc).
pub struct Lane {
    spec: Arc<Spec>,
    source: TransportSource,
    spool: Option<SpoolSettings>,
    pipeline: PerFork<Pipeline>,
    /// What the spool found in this process (adoption may go on in the background).
    recovery: Arc<Mutex<RecoverySummary>>,
}

/// What a client found in its spool when it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoverySummary {
    /// Spool directories of dead processes taken over completely.
    pub adopted: usize,
    /// Undelivered events taken from them, now queued again.
    pub events: usize,
    /// What could not be read or adopted (torn or corrupt records,
    /// directories that are not Outbox's to touch), one line each.
    pub damage: Vec<String>,
}

impl RecoverySummary {
    /// Adds a round's findings; returns the damage lines not seen before.
    fn add(&mut self, found: Recovery) -> Vec<String> {
        self.adopted += found.adopted;
        self.events += found.events;
        let new: Vec<String> = found.damage.into_iter().filter(|line| !self.damage.contains(line)).collect();
        self.damage.extend(new.iter().cloned());
        new
    }
}

impl Lane {
    /// Builds the transport, opens the spool (adopting dead processes'
    /// spools) and the pipeline.
    pub fn start(spec: Spec, source: TransportSource, spool: Option<SpoolSettings>) -> Result<Lane, Error> {
        let spec = Arc::new(spec);
        let recovery = Arc::new(Mutex::new(RecoverySummary::default()));
        let pipeline = build(&spec, &source, spool.as_ref(), &recovery)?;
        Ok(Lane { spec, source, spool, pipeline: PerFork::new(pipeline), recovery })
    }

    /// This process's pipeline.
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        self.pipeline.get(|| {
            // In a forked child. The transport and spool opened in the
            // parent, so they open here; should the OS refuse, the child
            // carries on without the spool, or with every attempt failing
            // transiently and counted, rather than crashing.
            *self.recovery.lock() = RecoverySummary::default();
            match build(&self.spec, &self.source, self.spool.as_ref(), &self.recovery) {
                Ok(pipeline) => pipeline,
                Err(e) => {
                    self.spec.log.error(format_args!("cannot rebuild the client after fork: {e}"));
                    let transport: Arc<dyn Transport> = match self.source.build() {
                        Ok(t) => t,
                        Err(e) => Arc::new(Unavailable(e.to_string())),
                    };
                    Pipeline::new(self.spec.clone(), transport, None)
                }
            }
        })
    }

    pub fn recovery(&self) -> RecoverySummary {
        self.recovery.lock().clone()
    }

    /// Shuts the pipeline down unless it was never used in this process.
    pub fn shutdown_if_current(&self, timeout: Duration) {
        if let Some(pipeline) = self.pipeline.get_current() {
            pipeline.shutdown(timeout);
        }
    }
}

fn build(
    spec: &Arc<Spec>,
    source: &TransportSource,
    spool: Option<&SpoolSettings>,
    recovery: &Arc<Mutex<RecoverySummary>>,
) -> Result<Arc<Pipeline>, Error> {
    let transport = source.build()?;
    let Some(settings) = spool else {
        return Ok(Pipeline::new(spec.clone(), transport, None));
    };
    let spool = Spool::open(&settings.dir, settings.sync, spec.log.clone())
        .map_err(|e| Error::invalid_option(format!("spool_dir {}: {e}", settings.dir.display())))?;
    let pipeline = Pipeline::new(spec.clone(), transport, Some(spool.clone()));
    // The queue is empty and nobody else has it yet: the first round fits.
    if adopt_round(&spool, &pipeline, recovery) {
        keep_adopting(spool, Arc::downgrade(&pipeline), recovery.clone(), spec.log.clone());
    }
    Ok(pipeline)
}

/// How often the background adopter looks for room in the queue.
const ADOPT_POLL: Duration = Duration::from_millis(200);

/// Takes over dead processes' spools while the queue has room: each round
/// takes at most a quarter of the queue's bounds, and only when the queue is
/// at most a quarter full, so recovered events neither wait for room nor
/// push other events out (short of new events filling the rest meanwhile,
/// when `on_full` applies to them as to any event). Returns whether dead
/// spools hold more.
fn adopt_round(spool: &Spool, pipeline: &Arc<Pipeline>, recovery: &Mutex<RecoverySummary>) -> bool {
    let policy = &pipeline.spec().policy;
    let quarter = (policy.max_queue_size / 4).max(1) as u64;
    if pipeline.stats().pending > quarter {
        return true;
    }
    let budget = Budget { events: quarter as usize, bytes: (policy.max_queue_bytes / 4).max(1) };
    let found =
        spool.adopt(budget, |event| pipeline.enqueue_spooled(Payload::new(&event.id, event.json), event.sid).is_ok());
    let (more, events) = (found.more_left, found.events);
    let new_damage = recovery.lock().add(found);
    let log = &pipeline.spec().log;
    for line in new_damage {
        log.warn(format_args!("spool recovery: {line}"));
    }
    if events > 0 {
        log.info(format_args!("spool recovery: {events} undelivered event(s) of dead processes queued again"));
    }
    more
}

/// Goes on adopting in the background, as room frees in the queue, until
/// nothing is left or the client shuts down.
fn keep_adopting(spool: Spool, pipeline: Weak<Pipeline>, recovery: Arc<Mutex<RecoverySummary>>, log: Logger) {
    let spawned = std::thread::Builder::new().name("outbox-adopt".into()).spawn(move || loop {
        std::thread::sleep(ADOPT_POLL);
        let Some(pipeline) = pipeline.upgrade() else { return };
        if pipeline.is_closed() || !adopt_round(&spool, &pipeline, &recovery) {
            return;
        }
    });
    if let Err(e) = spawned {
        log.warn(format_args!(
            "spool recovery: cannot start the background adopter ({e}); the rest is left for the next process"
        ));
    }
}

/// A transport that could not be built: every attempt fails, transiently.
struct Unavailable(String);

impl Transport for Unavailable {
    fn send(&self, _request: HttpRequest) -> SendFuture {
        let reason = self.0.clone();
        Box::pin(async move { Err(TransportError::Other(reason)) })
    }
}
