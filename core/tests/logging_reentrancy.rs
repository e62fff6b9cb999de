//! A `log` backend that turns Outbox's own log records into events (a common
//! "ship warnings as analytics" pattern) must not deadlock the engine: Outbox
//! never logs while holding its locks. Its own test binary: it installs the
//! process-wide logger.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::*;
use outbox_engine::Client;

static CLIENT: OnceLock<Client> = OnceLock::new();

struct Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        if record.target() == "outbox" && record.args().to_string().contains("retrying") {
            if let Some(client) = CLIENT.get() {
                let _ = client.track("logger", "outbox log", None);
            }
        }
    }

    fn flush(&self) {}
}

#[test]
fn a_logger_that_tracks_outbox_records_does_not_deadlock() {
    log::set_logger(&Forwarder).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let receiver = Receiver::start();
    receiver.push_fault(Fault::status(503).times(2));
    let mut opts = options(&receiver);
    opts.delivery.debug = true;
    let client = CLIENT.get_or_init(|| common::client(opts));
    client.track("u", "e", None).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(client.flush(SECS(20)));
    });
    let result = rx.recv_timeout(Duration::from_secs(30)).expect("flush hung: the engine deadlocked in its logger");
    assert!(result.is_complete(), "{result:?}");
    assert!(receiver.wait_for_unique(2, SECS(10)), "the logger's events arrive too");
}
