# Fuzzing with cargo-fuzz (nightly, libFuzzer). Not part of `make test`:
# `make test` replays the committed corpus and every crash found so far on
# stable (test-fuzz-replay). What each target checks: docs/testing.md.
#
#   make fuzz                                  every target for FUZZ_SECONDS (60) each
#   make fuzz FUZZ_TARGETS=signatures FUZZ_SECONDS=600
#   make fuzz-cmin                             shrink the committed corpus
#
# New corpus entries land in fuzz/corpus/<target>/, crashes in
# fuzz/artifacts/<target>/: commit the corpus, and each crash with its fix.

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= event_json queue_machine retry_after signatures spool_recovery
FUZZ_TOOLCHAIN ?= nightly
CARGO_FUZZ_VERSION ?= 0.13.2
# A run over 10 s is a hang; the spool target needs room for several segments.
FUZZ_FLAGS ?= -timeout=10 -max_len=16384

.PHONY: fuzz fuzz-cmin ensure-cargo-fuzz test-fuzz-replay
TEST_TARGETS += test-fuzz-replay

test-fuzz-replay:
	cargo test -p outbox-fuzz-harness

# A fresh machine has the toolchains but not cargo-fuzz.
ensure-cargo-fuzz:
	@cargo +$(FUZZ_TOOLCHAIN) fuzz --version >/dev/null 2>&1 || \
	  cargo +$(FUZZ_TOOLCHAIN) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)

# Every target runs even when one finds a crash; the run fails at the end.
fuzz: ensure-cargo-fuzz
	@cd fuzz && failed=""; \
	for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  cargo +$(FUZZ_TOOLCHAIN) fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: crashes in:$$failed (see fuzz/artifacts/)"; exit 1; fi; \
	echo "make fuzz: no crash in $(FUZZ_TARGETS)"

fuzz-cmin: ensure-cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do cargo +$(FUZZ_TOOLCHAIN) fuzz cmin $$t -- $(FUZZ_FLAGS); done
