'use strict';
// worker_threads: the addon loads in every worker (it is context-aware),
// each worker has its own client, and nothing is lost or duplicated.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const path = require('node:path');

const { useReceiver } = require('./helpers.js');

const rx = useReceiver();

const pkg = path.resolve(__dirname, '..');

function runWorker(code, workerData) {
  return new Promise((resolve, reject) => {
    const w = new Worker(`const { workerData } = require('node:worker_threads'); const outbox = require(${JSON.stringify(pkg)});\n${code}`, {
      eval: true,
      workerData,
    });
    const messages = [];
    w.on('message', (m) => messages.push(m));
    w.on('error', reject);
    w.on('exit', (code) => resolve({ code, messages }));
  });
}

describe('worker_threads', () => {
  it('4 workers x 10,000 calls deliver exactly 40,000 unique events', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const client = new outbox.Client({ endpoint: workerData.endpoint });
      const ids = new Set();
      for (let i = 0; i < 10000; i++) {
        ids.add(client.track('w' + workerData.n + '-' + i, 'Worker Event', { worker: workerData.n, i }));
      }
      parentPort.postMessage(ids.size);
      // No flush, no shutdown: the worker just ends.
    `;
    const runs = await Promise.all([0, 1, 2, 3].map((n) => runWorker(code, { endpoint: rx.url, n })));
    for (const r of runs) {
      assert.equal(r.code, 0);
      assert.deepEqual(r.messages, [10000]);
    }
    const waited = await rx.wait(40_000, 20_000);
    assert.ok(waited.ok, JSON.stringify(waited.stats));
    const s = await rx.stats();
    assert.equal(s.unique_events, 40_000);
    assert.equal(s.events, 40_000, 'no duplicates');
    const ids = await rx.ids();
    assert.equal(new Set(ids).size, 40_000);
  });

  it('a worker calling process.exit() flushes its own client first', async () => {
    const code = `
      const client = new outbox.Client({ endpoint: workerData.endpoint, flushIntervalMs: 60000, flushAt: 100000 });
      for (let i = 0; i < 500; i++) client.track('u', 'Exit From Worker', { i });
      process.exit(0);
    `;
    const r = await runWorker(code, { endpoint: rx.url });
    assert.equal(r.code, 0);
    assert.equal((await rx.stats()).unique_events, 500);
  });

  it('clients in the main thread and in a worker coexist', async () => {
    const { Client } = require('..');
    const main = new Client({ endpoint: rx.url });
    for (let i = 0; i < 100; i++) main.track('main', 'Main Event');
    const code = `
      const { parentPort } = require('node:worker_threads');
      const client = new outbox.Client({ endpoint: workerData.endpoint });
      for (let i = 0; i < 100; i++) client.track('worker', 'Worker Event');
      client.flush(5000).then(() => parentPort.postMessage(client.stats()));
    `;
    const r = await runWorker(code, { endpoint: rx.url });
    assert.equal(r.messages[0].delivered, 100);
    assert.equal(r.messages[0].enqueued, 100);
    assert.equal((await main.flush(5000)).pending, 0);
    assert.equal(main.stats().enqueued, 100);
    assert.equal(main.stats().delivered, 100);
    assert.equal((await rx.stats()).unique_events, 200);
    await main.shutdown();
  });
});
