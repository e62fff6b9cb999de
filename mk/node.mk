# The Node.js package (bindings/node): the napi-rs addon, its JavaScript
# layer, examples/node, and their tests (node:test, against the real test
# receiver). Needs only Node 20+ with npm, and the Rust toolchain.

.PHONY: test-node build-node node-deps test-node-types test-node-readme
TEST_TARGETS += test-node

NODE_DIR := bindings/node
NODE_EXAMPLES := examples/node

# Dev dependencies (express, typescript, standardwebhooks, ...) from the
# committed lockfile. `npm ci` works here because the package has no
# platform-specific optional dependencies; --ignore-scripts because the
# package's own install script (a release build) is not wanted for tests:
# build-node makes the dev build instead. npm touches the stamp on success.
node-deps: $(NODE_DIR)/node_modules/.package-lock.json
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# The addon, dev profile, in the shared target/ (cargo decides what is stale).
build-node: node-deps
	cd $(NODE_DIR) && node scripts/build.js --debug

# examples/node depends on the package as `file:../../bindings/node`, as a
# user's project would; `npm ci` there runs the package's install script,
# which builds from source (dev profile here: nothing left to do).
$(NODE_EXAMPLES)/node_modules/.package-lock.json: $(NODE_EXAMPLES)/package.json $(NODE_EXAMPLES)/package-lock.json | build-node
	cd $(NODE_EXAMPLES) && OUTBOX_NODE_PROFILE=debug npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-node-types: node-deps
	$(NODE_DIR)/node_modules/.bin/tsc --noEmit -p $(NODE_EXAMPLES)/tsconfig.json

# The README's Node quickstart must be examples/node/quickstart.js, verbatim.
test-node-readme:
	python3 tests/readme_snippets.py js $(NODE_EXAMPLES)/quickstart.js

test-node: build-node build-receiver $(NODE_EXAMPLES)/node_modules/.package-lock.json test-node-types test-node-readme
	cd $(NODE_DIR) && OUTBOX_RECEIVER_BIN=$(RECEIVER_BIN) node --test --test-concurrency=2 test/

# track() cost and end-to-end throughput beside @segment/analytics-node and
# posthog-node (bindings/node/bench). Not part of `make test`.
.PHONY: bench-node
bench-node:
	cargo build --release -p outbox-node -p outbox-test-receiver
	cp $(TARGET_DIR)/release/liboutbox_node.so $(NODE_DIR)/bench/outbox.node
	cd $(NODE_DIR)/bench && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	cd $(NODE_DIR)/bench && OUTBOX_NATIVE_PATH=$(CURDIR)/$(NODE_DIR)/bench/outbox.node node bench.js --events 100000 --runs 3
