# Benchmarks: `make bench`. Not part of `make test`.

.PHONY: bench bench-core bench-e2e
bench: bench-core bench-e2e

bench-core:
	cargo bench -p outbox-bench --bench core

E2E = $(TARGET_DIR)/release/e2e --receiver $(TARGET_DIR)/release/outbox-test-receiver

bench-e2e:
	cargo build --release -p outbox-test-receiver -p outbox-bench
	$(E2E) --events 1000000 --runs 3 --gzip off
	$(E2E) --events 1000000 --runs 3 --gzip on
	$(E2E) --events 1000000 --runs 3 --gzip off --spool batch
	# One fdatasync per event from one thread: a few hundred per second.
	$(E2E) --events 2000 --runs 3 --gzip off --spool event
