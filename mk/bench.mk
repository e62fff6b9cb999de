# Benchmarks: `make bench`. Not part of `make test`.

.PHONY: bench bench-core bench-e2e
bench: bench-core bench-e2e

bench-core:
	cargo bench -p outbox-bench --bench core

bench-e2e:
	cargo build --release -p outbox-test-receiver -p outbox-bench
	$(TARGET_DIR)/release/e2e --events 1000000 --runs 3 --gzip off --receiver $(TARGET_DIR)/release/outbox-test-receiver
	$(TARGET_DIR)/release/e2e --events 1000000 --runs 3 --gzip on --receiver $(TARGET_DIR)/release/outbox-test-receiver
