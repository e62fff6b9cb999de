'use strict';
// examples/node/next-app, built by the real `next build` (Turbopack) and
// served by `next start`: the native addon stays outside the bundle through
// serverExternalPackages, a tracked route reaches the receiver, and the
// webhook route verifies. The app is laid out as an installed project
// would be (outbox copied into its node_modules; Next.js and React from
// this package's devDependencies, found up the tree).

const { it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const { sign } = require('..');
const { useReceiver, deadEndpoint, pkgDir, repo } = require('./helpers.js');

const rx = useReceiver();
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const nextBin = path.join(pkgDir, 'node_modules', 'next', 'dist', 'bin', 'next');
// Under this package's node_modules: inside the workspace root Turbopack
// infers (the nearest lockfile), where `next` resolves; not in git.
const appDir = path.join(pkgDir, 'node_modules', '.cache', 'outbox-next-app');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function layOut() {
  fs.rmSync(appDir, { recursive: true, force: true });
  fs.cpSync(path.join(repo, 'examples', 'node', 'next-app'), appDir, { recursive: true });
  const installed = path.join(appDir, 'node_modules', 'outbox');
  fs.mkdirSync(installed, { recursive: true });
  for (const f of ['package.json', 'index.js', 'index.mjs', 'index.d.ts', 'lib']) {
    fs.cpSync(path.join(pkgDir, f), path.join(installed, f), { recursive: true });
  }
  const addon = fs.readdirSync(pkgDir).find((f) => /^outbox\..+\.node$/.test(f));
  fs.symlinkSync(path.join(pkgDir, addon), path.join(installed, addon));
}

let server;
after(() => {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  fs.rmSync(appDir, { recursive: true, force: true });
});

/** Starts `next start`; resolves with its base URL once it answers. */
async function start() {
  const port = new URL(await deadEndpoint()).port;
  server = spawn(process.execPath, [nextBin, 'start', '-p', port, '-H', '127.0.0.1'], {
    cwd: appDir,
    env: { ...env, OUTBOX_ENDPOINT: rx.url, WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: server.stdout });
  const out = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not get ready:\n${out.join('\n')}`)), 60_000);
    lines.on('line', (line) => {
      out.push(line);
      if (/Ready in/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => reject(new Error(`next start exited with ${code}:\n${out.join('\n')}`)));
  });
  return { url: `http://127.0.0.1:${port}`, out };
}

it('next build keeps outbox external; the built app tracks and verifies webhooks', { timeout: 300_000 }, async () => {
  layOut();
  const build = spawnSync(process.execPath, [nextBin, 'build'], { cwd: appDir, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  assert.match(build.stdout, /\/api\/checkout/);

  const { url, out } = await start();
  const res = await fetch(`${url}/api/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': 'user-42', 'user-agent': 'agent/9' },
    body: JSON.stringify({ total: 99.5 }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { messageId } = await res.json();
  assert.equal((await rx.wait(1)).ok, true, 'the server process delivered the event');
  const [event] = await rx.events();
  assert.equal(event.messageId, messageId);
  assert.equal(event.userId, 'user-42');
  assert.deepEqual(event.properties, { total: 99.5, currency: 'EUR' });
  assert.equal(event.context.userAgent, 'agent/9');
  assert.equal(event.context.page.path, '/api/checkout');

  const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_9' } });
  const headers = { ...sign(body, secret), 'content-type': 'application/json' };
  const good = await fetch(`${url}/api/webhooks`, { method: 'POST', headers, body });
  assert.equal(good.status, 204);
  const bad = await fetch(`${url}/api/webhooks`, { method: 'POST', headers, body: body.replace('inv_9', 'inv_0') });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).code, 'no_matching_signature');
  assert.ok(out.some((line) => line.includes(`webhook ${headers['webhook-id']} invoice.paid`)), out.join('\n'));
});
