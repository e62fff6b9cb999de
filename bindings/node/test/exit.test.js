'use strict';
// Outbox never keeps a Node process alive, never hangs it, and loses
// nothing queued when a script just ends. Each case runs a real child
// process against the real receiver (or against a port nobody listens on).
// Times are generous hang checks, not benchmarks.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { runNode, deadEndpoint, useReceiver } = require('./helpers.js');

const rx = useReceiver();

// Prints from a child without keeping anything alive (console.log is async
// when stdout is a pipe).
const PRELUDE = `
const fs = require('node:fs');
const say = (x) => fs.writeSync(1, JSON.stringify(x) + '\\n');
const { Client } = require('.');
`;

function lines(stdout) {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('a script that just ends', () => {
  it('delivers all 5,000 events it tracked, then exits promptly', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP });
      for (let i = 0; i < 5000; i++) c.track('user-' + i, 'Ended', { i });
      `,
      { env: { EP: rx.url } },
    );
    assert.equal(run.code, 0, run.stderr);
    const s = await rx.stats();
    assert.equal(s.unique_events, 5000);
    assert.equal(s.duplicate_events, 0);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });

  it('with the endpoint down, exits by its shutdownTimeoutMs and reports what it gave up', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, shutdownTimeoutMs: 1000,
        onError: (e) => say({ reason: e.reason, count: e.count }) });
      for (let i = 0; i < 100; i++) c.track('u', 'Lost');
      `,
      { env: { EP: await deadEndpoint() } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.ms >= 900, `exited before its deadline (${run.ms} ms)`);
    assert.ok(run.ms < 6000, `took ${run.ms} ms for a 1000 ms deadline`);
    const total = lines(run.stdout)
      .filter((l) => l.reason === 'shutdown')
      .reduce((n, l) => n + l.count, 0);
    assert.equal(total, 100, run.stdout);
  });

  it('with shutdownTimeoutMs: 0, exits at once', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, shutdownTimeoutMs: 0 });
      for (let i = 0; i < 100; i++) c.track('u', 'Dropped');
      `,
      { env: { EP: await deadEndpoint() } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.ms < 3000, `took ${run.ms} ms`);
  });

  it('an idle client does not keep the process alive', async () => {
    const run = await runNode(`${PRELUDE} new Client({ endpoint: process.env.EP, onError: () => {} });`, { env: { EP: rx.url } });
    assert.equal(run.code, 0);
    assert.ok(run.ms < 3000, `took ${run.ms} ms`);
  });
});

describe('shutdown()', () => {
  it('lets the process exit within a second of resolving', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, onError: () => {} });
      for (let i = 0; i < 1000; i++) c.track('u', 'Shut');
      c.shutdown().then((r) => say({ r, at: Date.now() }));
      `,
      { env: { EP: rx.url } },
    );
    const exitedAt = Date.now();
    assert.equal(run.code, 0, run.stderr);
    const [{ r, at }] = lines(run.stdout);
    // delivered/failed count what settled while shutdown waited; the rest was already out.
    assert.equal(r.failed, 0);
    assert.equal(r.pending, 0);
    assert.ok(exitedAt - at < 3000, `exited ${exitedAt - at} ms after shutdown resolved`);
    assert.equal((await rx.stats()).unique_events, 1000);
  });

  it('with the endpoint down, resolves by its timeout and the process exits', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP });
      c.track('u', 'Shut');
      c.shutdown(500).then((r) => say({ r, at: Date.now() }));
      `,
      { env: { EP: await deadEndpoint() } },
    );
    const exitedAt = Date.now();
    assert.equal(run.code, 0, run.stderr);
    const [{ r, at }] = lines(run.stdout);
    assert.deepEqual(r, { delivered: 0, failed: 0, pending: 1 });
    assert.ok(exitedAt - at < 3000, `exited ${exitedAt - at} ms after shutdown resolved`);
    assert.ok(run.ms < 5000, `took ${run.ms} ms`);
  });
});

describe('process.exit()', () => {
  it('flushes synchronously in native code before the process ends', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, flushIntervalMs: 60000, flushAt: 100000 });
      for (let i = 0; i < 1000; i++) c.track('u', 'Exit', { i });
      process.exit(3);
      `,
      { env: { EP: rx.url } },
    );
    assert.equal(run.code, 3);
    assert.equal((await rx.stats()).unique_events, 1000);
  });

  it('is bounded by shutdownTimeoutMs with the endpoint down, and reports the loss', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, shutdownTimeoutMs: 700,
        onError: (e) => say({ reason: e.reason, count: e.count }) });
      for (let i = 0; i < 10; i++) c.track('u', 'Exit');
      process.exit(0);
      `,
      { env: { EP: await deadEndpoint() } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.ms < 5000, `took ${run.ms} ms`);
    assert.deepEqual(lines(run.stdout), [{ reason: 'shutdown', count: 10 }]);
  });

  it('also runs after an uncaught exception', async () => {
    const run = await runNode(
      `${PRELUDE}
      const c = new Client({ endpoint: process.env.EP, flushIntervalMs: 60000, flushAt: 100000 });
      for (let i = 0; i < 10; i++) c.track('u', 'Crash');
      setImmediate(() => { throw new Error('app bug'); });
      `,
      { env: { EP: rx.url } },
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /app bug/);
    assert.equal((await rx.stats()).unique_events, 10);
  });
});

describe('garbage collection', () => {
  it('collecting a client with pending events does not block the main thread', async () => {
    const run = await runNode(
      `${PRELUDE}
      (function () {
        const c = new Client({ endpoint: process.env.EP, shutdownTimeoutMs: 5000 });
        for (let i = 0; i < 10; i++) c.track('u', 'Orphan');
      })();
      (async () => {
        const started = Date.now();
        for (let i = 0; i < 10; i++) {
          global.gc();
          await new Promise((r) => setImmediate(r));
        }
        say({ ms: Date.now() - started });
      })();
      `,
      { env: { EP: await deadEndpoint() }, args: ['--expose-gc'] },
    );
    assert.equal(run.code, 0, run.stderr);
    const [{ ms }] = lines(run.stdout);
    assert.ok(ms < 2000, `the loop was blocked for ${ms} ms`);
    // The collected client's shutdown is under way on a background thread;
    // exit waits for it up to its own deadline (shutdownTimeoutMs, 5 s), as
    // for any client: its events get the same chance as everyone's.
    assert.ok(run.ms < 9000, `took ${run.ms} ms`);
  });
});
