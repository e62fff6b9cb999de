# The pinned tools of the release packages (mk/dist-tools.txt: maturin, zig,
# cargo-zigbuild, auditwheel) in a venv of their own, the Rust targets they
# cross-compile to, and musl's loader (Debian's musl package), with which
# tests/dist/check_artifacts.py checks the musl builds. mk/dist-python.mk and
# mk/dist-node.mk sort before this file: they depend on `dist-tools` by name
# and use these variables only in recipes and recursive (=) variables.

DIST_DIR := $(CURDIR)/dist
DIST_TOOLS := $(CURDIR)/build/dist-tools
DIST_TOOLS_STAMP := $(DIST_TOOLS)/.installed
# zig is found as `python3 -m ziglang` on this PATH (maturin and cargo-zigbuild both look there).
DIST_PATH := $(DIST_TOOLS)/bin:$(PATH)
DIST_RUST_TARGETS := x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl

.PHONY: dist-tools
dist-tools: $(DIST_TOOLS_STAMP)
	@for t in $(DIST_RUST_TARGETS); do \
		rustup target list --installed | grep -qx "$$t" || rustup target add "$$t"; \
	done
	@[ -e /lib/ld-musl-x86_64.so.1 ] || apt-get install -y -q musl || { apt-get update -q && apt-get install -y -q musl; }

$(DIST_TOOLS_STAMP): mk/dist-tools.txt
	python3 -m venv $(DIST_TOOLS)
	$(DIST_TOOLS)/bin/pip install --quiet --disable-pip-version-check -r mk/dist-tools.txt
	touch $@
