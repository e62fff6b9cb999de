# make sanitize: the C callback gate's loom model, then the C and C++ tests
# against liboutbox built with the nightly compiler's sanitizers (not part of
# `make test`):
#
#   sanitize-loom   the gate (ffi/src/callback.rs) under every interleaving loom explores
#   sanitize-asan   test_c, test_cpp, test_fork, test_race: AddressSanitizer and
#                   UndefinedBehaviorSanitizer in the C/C++ code, ASan in Rust,
#                   LeakSanitizer except in test_fork: a forked child abandons
#                   the parent's per-process state on purpose, and LeakSanitizer
#                   cannot tell it apart (it is inlined into Outbox's
#                   constructors); make test's valgrind run checks the fork
#                   test's leaks with tests/c/valgrind-fork.supp
#   sanitize-tsan   test_race and test_c under ThreadSanitizer, C and Rust alike
#                   (tests/c/tsan_mem.c supplies three entry points LLVM's
#                   instrumentation calls and gcc 12's libtsan lacks)
#
# Rust's sanitizers need nightly and `-Zbuild-std` (the standard library is
# rebuilt instrumented, which needs the rust-src component). Each build has
# its own target directory (target/sanitize-*), so the normal build is never
# touched. Anything missing fails loudly: nothing is skipped.

.PHONY: sanitize sanitize-toolchain sanitize-loom sanitize-asan sanitize-tsan

SAN_TOOLCHAIN ?= nightly
SAN_DIR := $(CURDIR)/build/sanitize
SAN_TRIPLE := x86_64-unknown-linux-gnu
# The instrumented liboutbox.a of each sanitizer.
san_lib = $(CURDIR)/target/sanitize-$(1)/$(SAN_TRIPLE)/debug/liboutbox.a
san_cargo = RUSTFLAGS="-Zsanitizer=$(1)" CARGO_TARGET_DIR=$(CURDIR)/target/sanitize-$(1) \
	cargo +$(SAN_TOOLCHAIN) build -Zbuild-std --target $(SAN_TRIPLE) -p outbox-ffi
SAN_CFLAGS := -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Itests/c -Iinclude
SAN_LIBS := $(OUTBOX_STATIC_LIBS) -lpthread
# Every finding fails the run; stack frames that returned are poisoned, so a
# callback given a dead stack frame's user_data (C6) is caught.
SAN_ASAN_OPTIONS := detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:abort_on_error=0:halt_on_error=1
SAN_UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
SAN_TSAN_OPTIONS := halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/c/tsan.supp

sanitize: sanitize-loom sanitize-asan sanitize-tsan
	@echo "make sanitize: loom model, ASan+UBSan and TSAN runs clean"

sanitize-toolchain:
	@rustup run $(SAN_TOOLCHAIN) rustc --version >/dev/null 2>&1 || { \
		echo "make sanitize: the $(SAN_TOOLCHAIN) Rust toolchain is not installed (rustup toolchain install $(SAN_TOOLCHAIN)); Rust's sanitizers need it"; exit 1; }
	@rustup component list --toolchain $(SAN_TOOLCHAIN) --installed | grep -q '^rust-src' || { \
		echo "make sanitize: adding rust-src to $(SAN_TOOLCHAIN) (-Zbuild-std rebuilds the standard library from it)"; \
		rustup component add rust-src --toolchain $(SAN_TOOLCHAIN) || { \
			echo "make sanitize: cannot install rust-src for $(SAN_TOOLCHAIN); without it the sanitizers cannot instrument std"; exit 1; }; }

# Not `--cfg loom`: that reconfigures tokio (no tokio::net), which breaks
# the crates built on it. Release, as loom advises: it runs every interleaving.
sanitize-loom:
	RUSTFLAGS="--cfg outbox_loom" CARGO_TARGET_DIR=$(CURDIR)/target/sanitize-loom cargo test -p outbox-ffi --release --lib loom

$(SAN_DIR):
	mkdir -p $@

sanitize-asan: sanitize-toolchain build-receiver | $(SAN_DIR)
	$(call san_cargo,address)
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all tests/c/test_c.c -o $(SAN_DIR)/test_c_asan $(call san_lib,address) $(SAN_LIBS)
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all tests/c/test_fork.c -o $(SAN_DIR)/test_fork_asan $(call san_lib,address) $(SAN_LIBS)
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all tests/c/test_race.c -o $(SAN_DIR)/test_race_asan $(call san_lib,address) $(SAN_LIBS)
	$(C_CXX) -std=c++17 $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all tests/c/test_cpp.cpp -o $(SAN_DIR)/test_cpp_asan $(call san_lib,address) $(SAN_LIBS)
	@for p in test_c test_cpp test_fork test_race; do \
		echo "== ASan+UBSan $$p"; \
		leaks=1; [ $$p != test_fork ] || leaks=0; \
		ASAN_OPTIONS=$(SAN_ASAN_OPTIONS):detect_leaks=$$leaks UBSAN_OPTIONS=$(SAN_UBSAN_OPTIONS) \
			$(WITH_RECEIVER) $(SAN_DIR)/$${p}_asan || { echo "sanitize-asan: $$p failed"; exit 1; }; \
	done

sanitize-tsan: sanitize-toolchain build-receiver | $(SAN_DIR)
	$(call san_cargo,thread)
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fno-builtin -c tests/c/tsan_mem.c -o $(SAN_DIR)/tsan_mem.o
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fsanitize=thread tests/c/test_race.c $(SAN_DIR)/tsan_mem.o -o $(SAN_DIR)/test_race_tsan $(call san_lib,thread) $(SAN_LIBS)
	$(C_CC) -std=c11 $(SAN_CFLAGS) -fsanitize=thread tests/c/test_c.c $(SAN_DIR)/tsan_mem.o -o $(SAN_DIR)/test_c_tsan $(call san_lib,thread) $(SAN_LIBS)
	@for p in test_race test_c; do \
		echo "== TSAN $$p"; \
		TSAN_OPTIONS=$(SAN_TSAN_OPTIONS) $(WITH_RECEIVER) $(SAN_DIR)/$${p}_tsan || { echo "sanitize-tsan: $$p failed"; exit 1; }; \
	done
