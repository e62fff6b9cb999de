#!/usr/bin/env bash
# usage: python.sh DIST_PYTHON_DIR OUTBOX_BIN
#
# Installs the release packages of dist/python as a user would and sends
# events with examples/python/demo.py to `outbox listen` (tests/dist/deliver.sh):
#   - the manylinux x86_64 wheel, with pip --no-index (nothing else is
#     fetched), into a fresh venv of every CPython 3.9+ found on this machine,
#     with cargo and rustc absent from PATH;
#   - the sdist, built by pip in a fresh venv (pip fetches maturin, the build
#     backend; the build finds cargo, and nothing of this checkout).
set -euo pipefail
dist=$(realpath "$1") outbox=$(realpath "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
demo=$repo/examples/python/demo.py
work=$(mktemp -d /tmp/outbox-dist-python.XXXXXX)
trap 'rm -rf "$work"' EXIT

wheel=$(ls "$dist"/outbox_engine-*-cp39-abi3-*manylinux_2_17_x86_64*.whl)
sdist=$(ls "$dist"/outbox_engine-*.tar.gz)

# PATH without any directory that holds cargo or rustc.
no_rust_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [[ -x $d/cargo || -x $d/rustc ]] || no_rust_path=${no_rust_path:+$no_rust_path:}$d
done

# python3 and each pyenv CPython from 3.9 on (a fresh CI machine may have only python3).
pythons=(python3)
for p in "$HOME"/.pyenv/versions/3.{9,1[0-9]}.*/bin/python3; do
    [[ -x $p ]] && pythons+=("$p")
done

run_demo() { # VENV LABEL
    local out
    out=$(cd "$work" && "$repo/tests/dist/deliver.sh" "$outbox" "$1/bin/python" "$demo")
    echo "$out"
    [[ $out == *"python: FlushResult(delivered=2, failed=0, pending=0)"* ]] || { echo "python.sh: $2 did not deliver" >&2; exit 1; }
}

tested=" "
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    [[ $tested == *" $version "* ]] && continue
    tested+="$version "
    venv=$work/wheel-$version
    "$py" -m venv "$venv"
    (
        export PATH=$no_rust_path
        if command -v cargo || command -v rustc; then echo "python.sh: cargo or rustc is still on PATH" >&2; exit 1; fi
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
        "$venv/bin/python" -c "import outbox, sys; assert outbox.__file__.startswith(sys.prefix), outbox.__file__"
        run_demo "$venv" "the wheel on CPython $version"
    )
    echo "python.sh: $(basename "$wheel") installed and delivered on CPython $version, without cargo or rustc"
done

# The sdist on its own: none of make's cargo settings, its own target directory.
venv=$work/sdist
python3 -m venv "$venv"
env -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET -u PYO3_CONFIG_FILE -u PYO3_BUILD_EXTENSION_MODULE \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "$sdist"
run_demo "$venv" "the sdist"
echo "python.sh: $(basename "$sdist") built in a fresh venv and delivered"
