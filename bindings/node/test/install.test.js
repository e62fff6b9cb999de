'use strict';
// `npm install ./bindings/node` in a fresh project builds the addon from
// source (the package's install script runs cargo), and the package then
// loads with require() and with import.

const { it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { pkgDir } = require('./helpers.js');

it('npm install <path> builds the addon; require and import both work', { timeout: 300_000 }, () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-install-'));
  try {
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const addon = fs.readdirSync(pkgDir).find((f) => f.endsWith('.node'));
    const before = addon ? fs.statSync(path.join(pkgDir, addon)).mtimeMs : 0;
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', pkgDir], {
      cwd: app,
      // The dev profile: the build `make test-node` made is reused, so cargo has nothing to do.
      env: {
        ...process.env,
        OUTBOX_NODE_PROFILE: 'debug',
        // Share make's target directory (see the Makefile) when run on its own.
        CARGO_BUILD_TARGET:
          process.env.CARGO_BUILD_TARGET ?? (process.platform === 'linux' && process.arch === 'x64' ? 'x86_64-unknown-linux-gnu' : undefined),
      },
      encoding: 'utf8',
      timeout: 280_000,
    });
    assert.equal(npm.status, 0, `${npm.stdout}\n${npm.stderr}`);
    assert.match(npm.stderr + npm.stdout, /outbox: building the native addon \(debug\)/);
    const built = fs.readdirSync(pkgDir).find((f) => /^outbox\..+\.node$/.test(f));
    assert.ok(built, 'the install script left an addon next to index.js');
    assert.ok(fs.statSync(path.join(pkgDir, built)).mtimeMs > before, 'the install script built it just now');

    const cjs = spawnSync(process.execPath, ['-e', "const { Client } = require('outbox'); console.log(typeof new Client({ testMode: true }).track)"], {
      cwd: app,
      encoding: 'utf8',
    });
    assert.equal(cjs.stdout.trim(), 'function', cjs.stderr);
    const esm = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "import { Client, sign } from 'outbox'; import { verifyWebhook } from 'outbox/express'; console.log(typeof Client, typeof sign, typeof verifyWebhook)"],
      { cwd: app, encoding: 'utf8' },
    );
    assert.equal(esm.stdout.trim(), 'function function function', esm.stderr);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
});
