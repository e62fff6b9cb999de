# The `outbox` command (cli/): its tests run the built binary as a child
# process against the test receiver and against `outbox listen` itself.

.PHONY: test-cli demo-cli build-cli
TEST_TARGETS += test-cli

# The binary, for scripts and other suites that want to run it.
OUTBOX_BIN := $(TARGET_DIR)/debug/outbox

build-cli:
	cargo build -p outbox-cli

test-cli:
	cargo test -p outbox-cli

demo: demo-cli
demo-cli:
	cargo run -q -p outbox-cli --bin outbox -- demo

# The README's `outbox` block, run as written with the built binary on PATH.
test-cli: test-cli-readme
.PHONY: test-cli-readme
test-cli-readme: build-cli
	PATH=$(dir $(OUTBOX_BIN)):$$PATH python3 tests/readme_snippets.py run "outbox listen"
