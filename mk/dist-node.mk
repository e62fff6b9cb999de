# Release packages of the npm package `outbox` in dist/npm/, laid out as
# napi-rs projects do: outbox-<v>.tgz (JavaScript and types, no install
# script) and one outbox-<platform>-<v>.tgz per target with the prebuilt,
# stripped addon (profile dist), linked by zig against glibc 2.17 or musl
# (cargo zigbuild). Shares target/ and the dist profile with mk/dist-python.mk.

NPM_DIST = $(DIST_DIR)/npm
NPM_STAGE = $(CURDIR)/build/dist-npm
NODE_ZIGBUILD = PATH=$(DIST_PATH) cargo zigbuild --profile dist -p outbox-node --lib
# A cdylib on musl needs the C runtime linked dynamically (the default is
# static); for every crate, as maturin does for the wheel.
NODE_MUSL_FLAGS := CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"

.PHONY: dist-npm test-dist-npm
dist-npm: dist-tools
	rm -rf $(NPM_DIST)
	$(NODE_ZIGBUILD) --target x86_64-unknown-linux-gnu.2.17
	$(NODE_ZIGBUILD) --target aarch64-unknown-linux-gnu.2.17
	$(NODE_MUSL_FLAGS) $(NODE_ZIGBUILD) --target x86_64-unknown-linux-musl
	node $(NODE_DIR)/scripts/dist-packages.js --stage $(NPM_STAGE) --out $(NPM_DIST) \
		linux-x64-gnu=target/x86_64-unknown-linux-gnu/dist/liboutbox_node.so \
		linux-arm64-gnu=target/aarch64-unknown-linux-gnu/dist/liboutbox_node.so \
		linux-x64-musl=target/x86_64-unknown-linux-musl/dist/liboutbox_node.so
	python3 tests/dist/check_artifacts.py npm $(NPM_DIST)

# As users install them: a fresh npm project in /tmp installs outbox and
# outbox-linux-x64-gnu from dist/npm with --ignore-scripts and no cargo on
# PATH, then sends events with require() and import to `outbox listen`.
test-dist-npm: dist-npm build-cli
	tests/dist/npm.sh $(NPM_DIST) $(OUTBOX_BIN)
