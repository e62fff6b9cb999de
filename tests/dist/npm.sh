#!/usr/bin/env bash
# usage: npm.sh DIST_NPM_DIR OUTBOX_BIN
#
# Installs the release packages of dist/npm as a user would: a fresh npm
# project in /tmp installs outbox-<v>.tgz and outbox-linux-x64-gnu-<v>.tgz
# with --ignore-scripts, with cargo and rustc absent from PATH, then sends
# events to `outbox listen` (tests/dist/deliver.sh) with require() (the
# examples/node/demo.js program) and with import. Also checks that without
# the platform package, require('outbox') says what is missing.
set -euo pipefail
dist=$(realpath "$1") outbox=$(realpath "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
app=$(mktemp -d /tmp/outbox-dist-npm.XXXXXX)
trap 'rm -rf "$app"' EXIT

main=$(ls "$dist"/outbox-[0-9]*.tgz)
platform=$(ls "$dist"/outbox-linux-x64-gnu-*.tgz)

no_rust_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [[ -x $d/cargo || -x $d/rustc ]] || no_rust_path=${no_rust_path:+$no_rust_path:}$d
done
export PATH=$no_rust_path
if command -v cargo || command -v rustc; then echo "npm.sh: cargo or rustc is still on PATH" >&2; exit 1; fi

cd "$app"
npm init -y >/dev/null
npm_install() { npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$@"; }

# The main package alone: the platform package is not there (as with
# --omit=optional), and the error says so and how to fix it.
npm_install --omit=optional "$main"
if node -e "require('outbox')" 2>err.txt; then echo "npm.sh: require('outbox') loaded with no addon" >&2; exit 1; fi
for expected in "os linux, cpu x64, libc glibc" "outbox-linux-x64-gnu" "npm install outbox-linux-x64-gnu@" "from source"; do
    grep -qF "$expected" err.txt || { echo "npm.sh: the error does not say \"$expected\":" >&2; cat err.txt >&2; exit 1; }
done
echo "npm.sh: without its platform package: $(grep -o 'outbox: no native addon.*(os[^)]*)' err.txt)"

npm_install "$main" "$platform"
cp "$repo/examples/node/demo.js" demo.js
out=$("$repo/tests/dist/deliver.sh" "$outbox" node demo.js)
echo "$out"
[[ $out == *"node: { delivered: 2, failed: 0, pending: 0 }"* ]] || { echo "npm.sh: require('outbox') did not deliver" >&2; exit 1; }

cat >demo.mjs <<'JS'
import { Client, version } from 'outbox';
const client = new Client({ endpoint: process.env.OUTBOX_ENDPOINT, signingSecrets: [process.env.OUTBOX_SIGNING_SECRET] });
client.track('esm-user', 'Signed Up', { language: 'node', module: 'esm' });
console.log('esm:', version, await client.flush(5000));
JS
out=$("$repo/tests/dist/deliver.sh" "$outbox" node demo.mjs)
echo "$out"
[[ $out == *"delivered: 1, failed: 0, pending: 0"* ]] || { echo "npm.sh: import from 'outbox' did not deliver" >&2; exit 1; }
echo "npm.sh: $(basename "$main") + $(basename "$platform") installed with --ignore-scripts, no cargo, and delivered"
