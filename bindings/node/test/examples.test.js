'use strict';
// The programs in examples/node run as written (the README's quickstart is
// examples/node/quickstart.js), against the real receiver.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const readline = require('node:readline');
const fs = require('node:fs');
const path = require('node:path');

const { repo, useReceiver, waitFor } = require('./helpers.js');
const { sign } = require('..');

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

  it('fastify-app.js tracks for its user, verifies webhooks, and delivers on SIGTERM', { skip: hasFastify() ? false : 'fastify not installed' }, async () => {
    const app = spawn(process.execPath, ['fastify-app.js'], {
      cwd: dir,
      env: { ...process.env, OUTBOX_ENDPOINT: rx.url, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out = [];
    const url = await new Promise((resolve, reject) => {
      readline.createInterface({ input: app.stdout }).on('line', (line) => {
        out.push(line);
        const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (m) resolve(m[1]);
      });
      app.once('exit', (code) => reject(new Error(`fastify-app.js exited with ${code}`)));
    });
    try {
      const checkout = await fetch(`${url}/checkout`, { method: 'POST', headers: { 'user-agent': 'agent/1' } });
      assert.deepEqual(await checkout.json(), { ok: true });
      const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } });
      const headers = { ...sign(body, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'content-type': 'application/json' };
      assert.equal((await fetch(`${url}/webhooks`, { method: 'POST', headers, body })).status, 204);
      const forged = await fetch(`${url}/webhooks`, { method: 'POST', headers, body: body.replace('inv_1', 'inv_2') });
      assert.equal(forged.status, 401);
      assert.equal((await forged.json()).code, 'no_matching_signature');
      assert.ok(await waitFor(() => out.includes(`webhook ${headers['webhook-id']} invoice.paid`)), out.join('\n'));
    } finally {
      app.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => app.once('exit', resolve));
    assert.equal(code, 0);
    const [event] = await rx.events();
    assert.equal(event.event, 'Order Completed');
    assert.equal(event.userId, 'user-42');
    assert.equal(event.context.userAgent, 'agent/1');
  });
});

function hasFastify() {
  return fs.existsSync(path.join(dir, 'node_modules', 'fastify', 'package.json'));
}

it('docs/node.md shows the Fastify and Next.js examples as they are (so its snippets run)', () => {
  const doc = fs.readFileSync(path.join(repo, 'docs', 'node.md'), 'utf8');
  const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1].trimEnd());
  for (const file of [
    'fastify-app.js',
    'next-app/next.config.js',
    'next-app/lib/analytics.js',
    'next-app/app/api/checkout/route.js',
    'next-app/app/api/webhooks/route.js',
  ]) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8').trimEnd();
    assert.ok(blocks.includes(text), `docs/node.md has no js block equal to examples/node/${file}; update one from the other`);
  }
});
