'use strict';
// The programs in examples/node run as written (the README's quickstart is
// examples/node/quickstart.js), against the real receiver.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { repo, useReceiver } = require('./helpers.js');

const dir = path.join(repo, 'examples', 'node');
const linked = fs.existsSync(path.join(dir, 'node_modules', 'outbox', 'package.json'));

const rx = useReceiver();

function run(file) {
  return spawnSync(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, OUTBOX_ENDPOINT: rx.url },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('examples/node', { skip: linked ? false : 'run `npm ci` in examples/node first (make test-node does)' }, () => {
  it('quickstart.js delivers its event and prints the flush result', async () => {
    const r = run('quickstart.js');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f-]{36} \{ delivered: 1, failed: 0, pending: 0 \}\n$/);
    const [event] = await rx.events();
    assert.equal(event.event, 'Order Completed');
    assert.deepEqual(event.properties, { total: 99.5 });
    const [req] = await rx.requests();
    assert.equal(req.headers.authorization, 'Bearer my-write-key');
  });

  it('send-webhooks.js signs and delivers to both endpoints', async () => {
    const r = run('send-webhooks.js');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^msg_[0-9a-f]{32}: customer-a delivered 1, customer-b delivered 1\n$/);
    const reqs = await rx.requests();
    assert.deepEqual(reqs.map((q) => q.path).sort(), ['/customer-a', '/customer-b']);
  });
});
