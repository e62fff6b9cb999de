# Release artifacts. `make dist` builds into dist/ every file a release
# would publish, then dist/SHA256SUMS; `make test-dist` installs each the way
# its users would and runs it (not part of `make test`: it cross-compiles
# the engine several times). One fragment per kind: mk/dist-c.mk,
# mk/dist-cli.mk, mk/dist-python.mk, mk/dist-node.mk; this one holds what
# they share.

.PHONY: dist test-dist ensure-qemu-aarch64
# dist/ itself (DIST_DIR) and the pinned cross tools (dist-tools, DIST_PATH)
# come from mk/dist-tools.mk. Staging trees and other scratch go here:
DIST_BUILD := $(CURDIR)/build/dist

# One part per fragment: mk/dist-python.mk, mk/dist-node.mk (npm),
# mk/dist-c.mk, mk/dist-cli.mk.
DIST_PARTS := python npm c cli

dist: $(addprefix dist-,$(DIST_PARTS))
	cd $(DIST_DIR) && find . -type f \( -name '*.tar.gz' -o -name '*.whl' -o -name '*.tgz' \) \
		| sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
	@echo "dist: $$(wc -l < $(DIST_DIR)/SHA256SUMS) artifacts in dist/, checksums in dist/SHA256SUMS"

test-dist: $(addprefix test-dist-,$(DIST_PARTS))
	@echo "test-dist: every artifact installed and ran ($(DIST_PARTS))"

# ---- what the fragments share -------------------------------------------

# cargo with zig as linker and C compiler (cargo-zigbuild from the tools
# venv), for the C library and the CLI.
ZIGBUILD = PATH=$(DIST_PATH) cargo zigbuild

# The standard library of a Rust target, from rustup when missing.
rust-target-%:
	@rustup target list --installed | grep -qx '$*' || rustup target add '$*'

# An archive whose bytes depend only on the files: sorted, no owners, the
# last commit's time. $(1): directory, $(2): the folder in it to pack, $(3): archive.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
define dist_tar
	mkdir -p $(dir $(3))
	tar -C $(1) --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(SOURCE_DATE_EPOCH) -cf - $(2) | gzip -9n > $(3)
	@echo "$(3): $$(du -k $(3) | cut -f1) KiB"
endef

# Debian packages, installed when missing (CI runs as root, like c.mk's).
apt_install = apt-get -o DPkg::Lock::Timeout=300 update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $(1) >/dev/null

# Runs aarch64 programs here: qemu-user and the aarch64 C library it loads
# them with (qemu-aarch64 -L /usr/aarch64-linux-gnu).
QEMU_AARCH64 := qemu-aarch64 -L /usr/aarch64-linux-gnu
ensure-qemu-aarch64:
	@if ! command -v qemu-aarch64 >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then \
		echo "qemu-user or the aarch64 C library is missing: installing them with apt-get"; \
		$(call apt_install,qemu-user libc6-arm64-cross); \
	fi
