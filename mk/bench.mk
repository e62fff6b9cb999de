# Benchmarks: `make bench`. Not part of `make test`. Figures and how to
# read them: docs/performance.md.
#
#   make bench           all four below (12 minutes on 2 cores with other builds running)
#   make bench-instructions  callgrind instruction counts, immune to machine load:
#                        per `capture` with 1, 2 and 4 capturing threads, and
#                        per delivered event for the whole client (bench/instructions.py)
#   make bench-core      criterion micro-benchmarks of the engine
#   make bench-e2e       end-to-end throughput from Rust (bench/src/bin/e2e.rs)
#   make bench-compare   Outbox from Rust, C, Python and Node against
#                        segment-analytics-python, posthog, @segment/analytics-node
#                        and posthog-node, one local receiver (bench/compare.py)
#
# bench-compare installs the peers itself: a venv (bench/.venv, pinned
# bench/requirements.txt) and `npm install` in bench/node (committed
# package-lock.json). Outbox is used as users get it: the release wheel,
# the release liboutbox.a, the release Node addon.

.PHONY: bench bench-instructions bench-core bench-e2e bench-compare bench-build
bench: bench-instructions bench-core bench-e2e bench-compare

# valgrind comes from ensure-valgrind (mk/c.mk). About a minute.
bench-instructions: ensure-valgrind
	cargo build --release -p outbox-test-receiver -p outbox-bench --bin enqueue_cost --bin client_cost
	python3 bench/instructions.py --bin-dir $(TARGET_DIR)/release

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

# ---- Outbox against the peers ------------------------------------------------

# Events per run and runs per workload. The peers take 5-60 s per run (a
# run is killed at 60 s), so the outage and exit workloads run once each by
# default to keep `make bench` under 15 minutes; BENCH_OUTAGE_RUNS=3
# BENCH_EXIT_RUNS=3 gives the full set (bench-compare alone: about 17
# minutes), as used for docs/performance.md.
BENCH_N ?= 100000
BENCH_RUNS ?= 3
BENCH_OUTAGE_RUNS ?= 1
BENCH_BLIP_RUNS ?= 3
BENCH_EXIT_RUNS ?= 1

BENCH_VENV := $(CURDIR)/bench/.venv
BENCH_NODE := bench/node
BENCH_C := $(CURDIR)/build/bench/workload_c
BENCH_PIP := $(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check
OUTBOX_STATIC_LIBS ?= -lpthread -ldl -lm -lrt

$(BENCH_VENV)/.requirements: bench/requirements.txt
	python3 -m venv $(BENCH_VENV)
	$(BENCH_PIP) -r bench/requirements.txt
	@touch $@

# `npm ci` where it works; plain `npm install` (which keeps the lockfile)
# where this registry makes `npm ci` fail (see CONTRIBUTING.md, "Build notes").
$(BENCH_NODE)/node_modules/.package-lock.json: $(BENCH_NODE)/package.json $(BENCH_NODE)/package-lock.json
	cd $(BENCH_NODE) && { npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || \
		npm install --ignore-scripts --no-audit --no-fund --loglevel=error; }
	@touch $@

# Release artefacts: receiver, Rust workload and capacity probe, liboutbox.a
# (the C program links it statically), the wheel (installed into the venv)
# and the Node addon (copied to bench/node/outbox.node; bindings/node is left
# alone). A Node addon that does not build only drops the Node rows.
bench-build: python-wheel $(BENCH_VENV)/.requirements $(BENCH_NODE)/node_modules/.package-lock.json
	cargo build --release -p outbox-test-receiver -p outbox-bench -p outbox-ffi
	$(BENCH_PIP) --force-reinstall --no-deps "$$(ls -t target/wheels/outbox-*.whl | head -n 1)"
	mkdir -p $(dir $(BENCH_C))
	gcc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude bench/c/workload.c -o $(BENCH_C) \
		$(TARGET_DIR)/release/liboutbox.a $(OUTBOX_STATIC_LIBS)
	rm -f $(BENCH_NODE)/outbox.node
	if cargo build --release -p outbox-node; then \
		cp $(TARGET_DIR)/release/liboutbox_node.so $(BENCH_NODE)/outbox.node; \
	else echo "bench-build: the Node addon did not build; the Node rows are skipped"; fi

bench-compare: bench-build
	python3 bench/compare.py --n $(BENCH_N) --runs $(BENCH_RUNS) \
		--outage-runs $(BENCH_OUTAGE_RUNS) --blip-runs $(BENCH_BLIP_RUNS) --exit-runs $(BENCH_EXIT_RUNS)
