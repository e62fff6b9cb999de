# The Rust workspace: the engine, the test receiver, the examples.

.PHONY: test-rust build-receiver demo-rust
TEST_TARGETS += test-rust

# The receiver binary other languages' tests start.
RECEIVER_BIN := $(TARGET_DIR)/debug/outbox-test-receiver

test-rust:
	cargo test --workspace

build-receiver:
	cargo build -p outbox-test-receiver

demo-rust:
	cargo run -q -p outbox-examples --bin demo

# The README's Rust quickstart is examples/rust/src/bin/quickstart.rs, run here.
test-rust: test-rust-examples
.PHONY: test-rust-examples
test-rust-examples:
	cargo run -q -p outbox-examples --bin quickstart
	python3 tests/readme_snippets.py rust examples/rust/src/bin/quickstart.rs
