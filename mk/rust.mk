# The Rust workspace: the engine, the test receiver, the examples.

.PHONY: test-rust build-receiver demo-rust
TEST_TARGETS += test-rust

# The receiver binary other languages' tests start.
RECEIVER_BIN := $(TARGET_DIR)/debug/outbox-test-receiver

# The engine, the binding kernel, the receiver and the examples; each binding, the C ABI and the
# CLI run their own crates' tests from their own fragments.
RUST_TEST_PACKAGES := -p outbox-engine -p outbox-bind -p outbox-test-receiver -p outbox-examples -p outbox-bench

test-rust:
	cargo test $(RUST_TEST_PACKAGES)

build-receiver:
	cargo build -p outbox-test-receiver

demo-rust:
	cargo run -q -p outbox-examples --bin demo

# The README's Rust quickstart is examples/rust/src/bin/quickstart.rs, run
# here against the test receiver (OUTBOX_ENDPOINT), as a user would run it.
test-rust: test-rust-examples
.PHONY: test-rust-examples
test-rust-examples: build-receiver
	cargo build -q -p outbox-examples --bin quickstart
	out=$$(tests/c/with-receiver.sh $(RECEIVER_BIN) $(TARGET_DIR)/debug/quickstart) && echo "$$out" && \
		grep -q ': delivered 2, pending 0$$' <<< "$$out"
	python3 tests/readme_snippets.py rust examples/rust/src/bin/quickstart.rs

# Random faults, many threads, forks and SIGKILLed spooling processes against
# the real receiver (core/tests/soak.rs). `make test` runs it for 60 s, without
# the forking processes, as part of the engine's tests; this runs all of it
# for SOAK_SECONDS.
SOAK_SECONDS ?= 600
.PHONY: soak
soak:
	OUTBOX_SOAK_SECONDS=$(SOAK_SECONDS) OUTBOX_SOAK_FORKS=1 cargo test -p outbox-engine --test soak -- --nocapture soak
