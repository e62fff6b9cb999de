# Release packages of the Python distribution `outbox-engine` (import name
# `outbox`) in dist/python/: abi3 wheels for CPython 3.9+ on manylinux2014
# x86_64 and aarch64 and musllinux_1_2 x86_64, linked by zig against glibc
# 2.17 and musl (maturin --zig, profile dist), and the sdist. Every build
# shares target/ and the dist profile with mk/dist-node.mk's addons, so the
# crates.io dependencies of one target triple are compiled once.

PY_DIST = $(DIST_DIR)/python
PY_DIST_BUILD = cd $(PY_DIR) && PATH=$(DIST_PATH) maturin build --zig --profile dist --out $(PY_DIST)

.PHONY: dist-python test-dist-python
dist-python: dist-tools
	rm -rf $(PY_DIST)
	$(PY_DIST_BUILD) --target x86_64-unknown-linux-gnu --compatibility manylinux2014
	$(PY_DIST_BUILD) --target aarch64-unknown-linux-gnu --compatibility manylinux2014
	$(PY_DIST_BUILD) --target x86_64-unknown-linux-musl --compatibility musllinux_1_2
	cd $(PY_DIR) && PATH=$(DIST_PATH) maturin sdist --out $(PY_DIST)
	python3 tests/dist/check_artifacts.py python $(PY_DIST) $(DIST_TOOLS)/bin/auditwheel

# As users install them: the x86_64 manylinux wheel into fresh venvs with no
# cargo or rustc on PATH (every CPython 3.9+ found here), and the sdist built
# from nothing but itself in another. Each delivers to `outbox listen`.
test-dist-python: dist-python build-cli
	tests/dist/python.sh $(PY_DIST) $(OUTBOX_BIN)
