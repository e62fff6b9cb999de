# House rules, checked: Rust formatting (rustfmt.toml) and clippy with
# warnings as errors, Python (ruff.toml: ruff check, ruff format) and the
# Node package's JavaScript (eslint.config.js), and that every package
# carries the same version (scripts/bump-version --check). `make test` runs
# `lint`.

.PHONY: lint lint-rust lint-python lint-js lint-versions fmt
TEST_TARGETS += lint

lint: lint-rust lint-python lint-js lint-versions
	@echo "lint: rustfmt, clippy, ruff and eslint are clean; one version everywhere"

lint-rust:
	cargo fmt --all --check
	cd fuzz && cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings

lint-python: $(PY_DEPS_STAMP)
	$(PY_VENV)/bin/ruff check .
	$(PY_VENV)/bin/ruff format --check .

lint-versions:
	scripts/bump-version --check

lint-js: node-deps
	cd $(NODE_DIR) && node_modules/.bin/eslint .

# Rewrites what the formatters own (Rust, Python) in place.
fmt: $(PY_DEPS_STAMP)
	cargo fmt --all
	cd fuzz && cargo fmt
	$(PY_VENV)/bin/ruff format .
