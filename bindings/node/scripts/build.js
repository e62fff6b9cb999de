#!/usr/bin/env node
'use strict';
// Builds the native addon from source with cargo and puts it next to
// index.js as `outbox.<platform>.node` (the name napi-rs gives it).
//
//   node scripts/build.js            release build (what `npm install` runs)
//   node scripts/build.js --debug    dev profile (what `make test-node` runs)
//
// OUTBOX_NODE_PROFILE=debug|release overrides the flag (useful when a parent
// `npm install ./bindings/node` runs the install script). It does what
// `napi build --platform` does on this platform, without needing
// @napi-rs/cli at install time. Honours CARGO, CARGO_BUILD_TARGET and
// CARGO_TARGET_DIR like any cargo build.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const binaryName = (pkg.napi && pkg.napi.binaryName) || 'outbox';

let profile = process.argv.includes('--debug') ? 'debug' : 'release';
if (process.env.OUTBOX_NODE_PROFILE) profile = process.env.OUTBOX_NODE_PROFILE;
if (profile !== 'debug' && profile !== 'release') {
  console.error(`outbox: OUTBOX_NODE_PROFILE must be "debug" or "release", not ${JSON.stringify(profile)}`);
  process.exit(2);
}

if (!fs.existsSync(path.join(pkgDir, 'Cargo.toml')) || !fs.existsSync(path.join(pkgDir, 'src', 'lib.rs'))) {
  console.error('outbox: the Rust sources are not here; build from a checkout of the Outbox repository.');
  process.exit(1);
}

const cargo = process.env.CARGO || 'cargo';
const args = ['build', '--manifest-path', path.join(pkgDir, 'Cargo.toml'), '--lib', '--message-format=json-render-diagnostics'];
if (profile === 'release') args.push('--release');

console.error(`outbox: building the native addon (${profile}) with ${cargo}...`);
const run = spawnSync(cargo, args, { cwd: pkgDir, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20 });
if (run.error) {
  console.error(
    `outbox: could not run ${cargo} (${run.error.code || run.error.message}). ` +
      'Building the addon from source needs Rust: https://rustup.rs',
  );
  process.exit(1);
}
if (run.status !== 0) {
  console.error(`outbox: cargo build failed (exit ${run.status})`);
  process.exit(run.status || 1);
}

let artifact;
for (const line of run.stdout.toString('utf8').split('\n')) {
  if (!line.startsWith('{')) continue;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    continue;
  }
  if (msg.reason === 'compiler-artifact' && msg.target && msg.target.kind.includes('cdylib')) {
    artifact = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
  }
}
if (!artifact) {
  console.error('outbox: cargo did not report the cdylib it built');
  process.exit(1);
}

function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    let musl = false;
    try {
      musl = !process.report.getReport().header.glibcVersionRuntime;
    } catch {}
    return `linux-${arch}-${musl ? 'musl' : 'gnu'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

// Copy, then rename: a process that has the old file loaded keeps its mapping.
const dest = path.join(pkgDir, `${binaryName}.${platformTriple()}.node`);
const tmp = `${dest}.${process.pid}.tmp`;
fs.copyFileSync(artifact, tmp);
fs.renameSync(tmp, dest);
console.error(`outbox: ${path.relative(process.cwd(), dest) || dest}`);
