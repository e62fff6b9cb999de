# The Python package `outbox` (bindings/python): a venv with pinned dev
# requirements, the extension built by maturin (dev profile, shared target/),
# and the pytest suite against the real test receiver.

PY_DIR := bindings/python
PY_VENV := $(CURDIR)/$(PY_DIR)/.venv
PY := $(PY_VENV)/bin/python
PY_DEPS_STAMP := $(PY_VENV)/.dev-requirements
PY_INSTALL_STAMP := $(PY_VENV)/.outbox-editable

# Every cargo call made through make (test-rust's too) builds PyO3 with the
# configuration maturin uses (abi3-py39 extension module, described by a
# file, so no interpreter is probed): the pyo3 crates are compiled once and
# shared, instead of rebuilt each time plain cargo and maturin alternate.
export PYO3_CONFIG_FILE := $(CURDIR)/$(PY_DIR)/pyo3-config.txt
export PYO3_BUILD_EXTENSION_MODULE := 1

MATURIN = cd $(PY_DIR) && VIRTUAL_ENV=$(PY_VENV) PATH=$(PY_VENV)/bin:$$PATH $(PY_VENV)/bin/maturin

.PHONY: test-python python-dev python-wheel
TEST_TARGETS += test-python

$(PY_DEPS_STAMP): $(PY_DIR)/requirements-dev.txt
	python3 -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(PY_DIR)/requirements-dev.txt
	@touch $@

# The first time installs the package into the venv in editable mode; later
# runs only rebuild the extension in place (a no-op when nothing changed).
python-dev: $(PY_DEPS_STAMP)
	@if [ -f $(PY_INSTALL_STAMP) ] && [ -f $(PY_DIR)/python/outbox/_outbox.abi3.so ]; then \
		$(MATURIN) develop --skip-install; \
	else \
		$(MATURIN) develop && touch $(PY_INSTALL_STAMP); \
	fi

test-python: build-receiver python-dev
	cd $(PY_DIR) && OUTBOX_RECEIVER_BIN=$(RECEIVER_BIN) $(PY) -m pytest -q -p no:cacheprovider tests

# A release wheel (abi3: one wheel for CPython 3.9+) in target/wheels/.
python-wheel: $(PY_DEPS_STAMP)
	$(MATURIN) build --release --strip --out $(CURDIR)/target/wheels
