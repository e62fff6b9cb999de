//! Outbox builds its TLS configuration with an explicit rustls provider and
//! never installs a process-wide default (S4 of the reliability review,
//! issue 12): a host program that installs its own provider afterwards must
//! not find one there already. A test binary of its own, so no other test
//! can have installed a provider first.

use std::time::Duration;

use outbox_engine::transport::{HttpSettings, HttpTransport};
use outbox_engine::{Client, HttpRequest, Options, Transport};
use outbox_test_receiver::Receiver;
use rustls::crypto::CryptoProvider;

#[test]
fn outbox_leaves_the_process_wide_tls_provider_alone() {
    assert!(CryptoProvider::get_default().is_none(), "nothing installed a provider before the test");

    let transport =
        HttpTransport::new(&HttpSettings { connect_timeout: Duration::from_secs(5), proxy: None }).expect("transport");
    let client = Client::new(Options::new("https://collector.example.com")).expect("client");
    assert!(CryptoProvider::get_default().is_none(), "creating a transport or a client installed a provider");

    // A TLS handshake (refused: the receiver speaks plain HTTP) goes
    // through the explicit provider, not through a missing default.
    let receiver = Receiver::start();
    let request = HttpRequest {
        url: format!("https://127.0.0.1:{}/x", receiver.port()),
        headers: Vec::new(),
        body: b"{}".to_vec(),
        timeout: Duration::from_secs(1),
    };
    let error = outbox_engine::runtime::handle().block_on(transport.send(request)).expect_err("not a TLS server");
    assert!(!error.is_permanent(), "{error}");
    assert!(CryptoProvider::get_default().is_none(), "a TLS handshake installed a provider");

    // The host can still install its own.
    rustls::crypto::ring::default_provider().install_default().expect("no provider was installed yet");
    drop(client);
}
