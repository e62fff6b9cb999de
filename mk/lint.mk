# House rules, checked: Rust formatting (rustfmt.toml) and clippy with
# warnings as errors, Python (ruff.toml: ruff check, ruff format) and the
# Node package's JavaScript (eslint.config.js). `make test` runs `lint`.

.PHONY: lint lint-rust lint-python lint-js fmt
TEST_TARGETS += lint

lint: lint-rust lint-python lint-js
	@echo "lint: rustfmt, clippy, ruff and eslint are clean"

lint-rust:
	cargo fmt --all --check
	cd fuzz && cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings

lint-python: $(PY_DEPS_STAMP)
	$(PY_VENV)/bin/ruff check .
	$(PY_VENV)/bin/ruff format --check .

lint-js: node-deps
	cd $(NODE_DIR) && node_modules/.bin/eslint .

# Rewrites what the formatters own (Rust, Python) in place.
fmt: $(PY_DEPS_STAMP)
	cargo fmt --all
	cd fuzz && cargo fmt
	$(PY_VENV)/bin/ruff format .
