#![no_main]

// The body lives in fuzz/harness, where `make test` replays the corpus on stable.
libfuzzer_sys::fuzz_target!(|data: &[u8]| outbox_fuzz_harness::retry_after(data));
