//! A pipeline owned by a client or webhook endpoint, rebuilt in a forked
//! child on first use (the parent's events stay the parent's).

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::fork::PerFork;
use std::path::PathBuf;

use parking_lot::Mutex;

use crate::pipeline::{Pipeline, Spec};
use crate::spool::{Spool, SpoolSync};
use crate::transport::{HttpRequest, HttpSettings, HttpTransport, MemoryTransport, SendFuture, Transport, TransportError};

/// Where a lane's transport comes from, so a child can build its own.
#[derive(Clone)]
pub enum TransportSource {
    Http(HttpSettings),
    Given(Arc<dyn Transport>),
}

impl TransportSource {
    /// In test mode the memory transport, else the caller's transport, else HTTP.
    pub fn choose(memory: Option<&MemoryTransport>, given: Option<&Arc<dyn Transport>>, settings: HttpSettings) -> TransportSource {
        match (memory, given) {
            (Some(m), _) => TransportSource::Given(Arc::new(m.clone())),
            (None, Some(t)) => TransportSource::Given(t.clone()),
            (None, None) => TransportSource::Http(settings),
        }
    }

    pub fn build(&self) -> Result<Arc<dyn Transport>, Error> {
        match self {
            TransportSource::Http(settings) => {
                Ok(Arc::new(HttpTransport::new(settings).map_err(Error::InvalidOption)?))
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

pub struct Lane {
    spec: Arc<Spec>,
    source: TransportSource,
    spool: Option<SpoolSettings>,
    pipeline: PerFork<Pipeline>,
    /// What opening the spool found in this process.
    recovery: Mutex<RecoverySummary>,
}

/// What a client found in its spool when it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoverySummary {
    /// Spool directories of dead processes adopted.
    pub adopted: usize,
    /// Undelivered events they held, now queued again.
    pub events: usize,
    /// Parts that could not be read (torn or corrupt records), one line each.
    pub damage: Vec<String>,
}

impl Lane {
    /// Builds the transport, opens the spool (adopting dead processes'
    /// spools) and the pipeline.
    pub fn start(spec: Spec, source: TransportSource, spool: Option<SpoolSettings>) -> Result<Lane, Error> {
        let spec = Arc::new(spec);
        let (pipeline, recovery) = build(&spec, &source, spool.as_ref())?;
        Ok(Lane { spec, source, spool, pipeline: PerFork::new(pipeline), recovery: Mutex::new(recovery) })
    }

    /// This process's pipeline.
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        self.pipeline.get(|| {
            // In a forked child. The transport and spool opened in the
            // parent, so they open here; should the OS refuse, the child
            // carries on without the spool, or with every attempt failing
            // transiently and counted, rather than crashing.
            match build(&self.spec, &self.source, self.spool.as_ref()) {
                Ok((pipeline, recovery)) => {
                    *self.recovery.lock() = recovery;
                    pipeline
                }
                Err(e) => {
                    log::error!(target: "outbox", "cannot rebuild the client after fork: {e}");
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

fn build(spec: &Arc<Spec>, source: &TransportSource, spool: Option<&SpoolSettings>) -> Result<(Arc<Pipeline>, RecoverySummary), Error> {
    let transport = source.build()?;
    let Some(settings) = spool else {
        return Ok((Pipeline::new(spec.clone(), transport, None), RecoverySummary::default()));
    };
    let (spool, recovery) = Spool::open(&settings.dir, settings.sync)
        .map_err(|e| Error::InvalidOption(format!("spool_dir {}: {e}", settings.dir.display())))?;
    for line in &recovery.damage {
        log::warn!(target: "outbox", "spool recovery: {line}");
    }
    let summary = RecoverySummary { adopted: recovery.adopted, events: recovery.events.len(), damage: recovery.damage };
    let pipeline = Pipeline::new(spec.clone(), transport, Some(spool));
    for event in recovery.events {
        // A closed pipeline cannot happen here: it was just built.
        let _ = pipeline.enqueue_spooled(event.id.into(), event.json.into_boxed_slice(), event.sid);
    }
    if summary.events > 0 {
        log::info!(target: "outbox", "spool recovery: {} undelivered event(s) from {} dead process(es) queued again", summary.events, summary.adopted);
    }
    Ok((pipeline, summary))
}

/// A transport that could not be built: every attempt fails, transiently.
struct Unavailable(String);

impl Transport for Unavailable {
    fn send(&self, _request: HttpRequest) -> SendFuture {
        let reason = self.0.clone();
        Box::pin(async move { Err(TransportError::Other(reason)) })
    }
}
