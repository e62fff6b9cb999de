//! A pipeline owned by a client or webhook endpoint, rebuilt in a forked
//! child on first use (the parent's events stay the parent's).

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::fork::PerFork;
use crate::pipeline::{Pipeline, Spec};
use crate::transport::{HttpRequest, HttpSettings, HttpTransport, SendFuture, Transport, TransportError};

/// Where a lane's transport comes from, so a child can build its own.
#[derive(Clone)]
pub enum TransportSource {
    Http(HttpSettings),
    Given(Arc<dyn Transport>),
}

impl TransportSource {
    pub fn build(&self) -> Result<Arc<dyn Transport>, Error> {
        match self {
            TransportSource::Http(settings) => {
                Ok(Arc::new(HttpTransport::new(settings).map_err(Error::InvalidOption)?))
            }
            TransportSource::Given(t) => Ok(t.clone()),
        }
    }
}

pub struct Lane {
    spec: Arc<Spec>,
    source: TransportSource,
    pipeline: PerFork<Pipeline>,
}

impl Lane {
    pub fn new(spec: Arc<Spec>, source: TransportSource, pipeline: Arc<Pipeline>) -> Lane {
        Lane { spec, source, pipeline: PerFork::new(pipeline) }
    }

    /// Builds the transport and the pipeline.
    pub fn start(spec: Spec, source: TransportSource) -> Result<Lane, Error> {
        let spec = Arc::new(spec);
        let pipeline = Pipeline::new(spec.clone(), source.build()?);
        Ok(Lane::new(spec, source, pipeline))
    }

    /// This process's pipeline.
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        self.pipeline.get(|| {
            // The transport built in the parent, so it builds here; should
            // the OS refuse, every attempt fails transiently and is counted,
            // rather than the child crashing.
            let transport: Arc<dyn Transport> = match self.source.build() {
                Ok(t) => t,
                Err(e) => Arc::new(Unavailable(e.to_string())),
            };
            Pipeline::new(self.spec.clone(), transport)
        })
    }

    /// Shuts the pipeline down unless it was never used in this process.
    pub fn shutdown_if_current(&self, timeout: Duration) {
        if let Some(pipeline) = self.pipeline.get_current() {
            pipeline.shutdown(timeout);
        }
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
