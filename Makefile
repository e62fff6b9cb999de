# Outbox: the two commands that matter are `make demo` and `make test`.
#
# Every cargo, maturin and napi call shares one target directory: napi always
# builds for an explicit target triple, so everything else does too (see
# CONTRIBUTING.md, "Build notes"; ARCHITECTURE.md maps the code).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export CARGO_BUILD_TARGET ?= x86_64-unknown-linux-gnu
export CARGO_TERM_COLOR ?= never
TARGET_DIR := $(CURDIR)/target/$(CARGO_BUILD_TARGET)

# Each part of the project adds its own test target to TEST_TARGETS.
TEST_TARGETS :=

include mk/rust.mk
-include mk/c.mk
-include mk/python.mk
-include mk/node.mk
-include mk/cli.mk
-include mk/bench.mk
-include mk/demo.mk
-include mk/fuzz.mk
-include mk/sanitize.mk
-include mk/lint.mk
# Release artifacts (make dist, make test-dist): one fragment per kind of package.
-include $(sort $(wildcard mk/dist*.mk))

.PHONY: help test demo
help:
	@echo "make demo    build what is needed and show events travelling to a local receiver"
	@echo "make test    every test suite (Rust, C/C++, Python, Node)"
	@echo "make bench   benchmarks (not part of make test)"
	@echo "make sanitize  the C/C++ tests under ASan+UBSan and TSAN, and the callback gate's loom model"
	@echo "make soak    random faults, forks and crashes for SOAK_SECONDS (default 600; make test runs 60)"
	@echo "make fuzz    every fuzz target for FUZZ_SECONDS (60) each (nightly; not part of make test)"
	@echo "make lint    rustfmt, clippy (warnings are errors), ruff and eslint (part of make test)"
	@echo "make fmt     apply rustfmt and ruff's formatter"
	@echo "make dist    every release artifact (wheels, npm packages, C and CLI archives) into dist/, with SHA256SUMS"
	@echo "make test-dist  install each artifact as its users would and deliver with it (aarch64 under qemu; not part of make test)"

test: $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

# Each fragment adds its part of the demo (mk/cli.mk, mk/demo.mk).
demo:
