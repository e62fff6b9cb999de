#!/usr/bin/env node
'use strict';
// track() cost per call and end-to-end throughput of `outbox`, beside
// @segment/analytics-node and posthog-node doing the same work against the
// same local receiver (outbox-test-receiver --no-record), in the same run.
//
//   make bench-node        (builds the release addon and receiver first)
//   node bench.js [--events 100000] [--runs 3] [--receiver PATH]
//
// Each library runs in its own child process (fresh heap) and its own
// receiver. Measured per run: the calling thread's wall time per call for
// N calls in a tight loop; events/s from the first call until the receiver
// has counted all N; the process's peak RSS. Not a test: nothing asserted.

const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const events = Number(arg('--events', 100_000));
const runs = Number(arg('--runs', 3));
const repo = path.resolve(__dirname, '..', '..', '..');
const receiverBin = arg(
  '--receiver',
  path.join(repo, 'target', process.env.CARGO_BUILD_TARGET || 'x86_64-unknown-linux-gnu', 'release', 'outbox-test-receiver'),
);

const props = (i) => ({ orderId: `o-${i}`, total: 99.5, currency: 'EUR', items: [{ sku: 'sku-1', qty: 1 }], coupon: null });

// ---------------------------------------------------------------------------
// One library, in a child process: node bench.js --child LIB URL N

const libraries = {
  outbox: (url) => {
    const { Client } = require('..');
    const c = new Client({ endpoint: url, apiKey: 'key' });
    return {
      track: (i) => c.track(`user-${i % 1000}`, 'Order Completed', props(i)),
      flush: () => c.shutdown(60_000),
    };
  },
  'segment': (url) => {
    const { Analytics } = require('@segment/analytics-node');
    // Defaults (batches of 15, every 10 s) except the host; no queue bound to raise.
    const a = new Analytics({ writeKey: 'key', host: url, path: '/v1/batch' });
    return {
      track: (i) => a.track({ userId: `user-${i % 1000}`, event: 'Order Completed', properties: props(i) }),
      flush: () => a.closeAndFlush({ timeout: 60_000 }),
    };
  },
  'posthog': (url) => {
    const { PostHog } = require('posthog-node');
    // Defaults (batches of 20, every 5 s) except the host and a queue that
    // holds the whole burst (the default, 10,000, would drop events).
    const p = new PostHog('key', { host: url, maxQueueSize: events * 2, disableGeoip: true });
    return {
      track: (i) => p.capture({ distinctId: `user-${i % 1000}`, event: 'Order Completed', properties: props(i) }),
      flush: () => p.shutdown(60_000),
    };
  },
};

async function child(lib, url, n) {
  const stats = async () => (await fetch(`${url}/_control/stats`)).json();
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const rssBefore = process.memoryUsage().rss;
  const client = libraries[lib](url);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) client.track(i);
  const t1 = process.hrtime.bigint();
  peak = Math.max(peak, process.memoryUsage().rss);
  const flushed = client.flush();
  let s = await stats();
  while (s.events < n && Number(process.hrtime.bigint() - t0) / 1e9 < 120) {
    await new Promise((r) => setTimeout(r, 10));
    s = await stats();
  }
  const t2 = process.hrtime.bigint();
  await flushed;
  clearInterval(sample);
  const out = {
    lib,
    usPerCall: Number(t1 - t0) / 1e3 / n,
    eventsPerSec: s.events / (Number(t2 - t0) / 1e9),
    received: s.events,
    requests: s.requests,
    peakRssMb: peak / 2 ** 20,
    rssGrowthMb: (peak - rssBefore) / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// The driver

async function startReceiver() {
  const rx = spawn(receiverBin, ['--no-record', '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: rx.stdout }).once('line', resolve);
    rx.once('error', reject);
  });
  return { url: line.replace('LISTENING ', '').trim(), stop: () => rx.stdin.end() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const results = {};
  for (let run = 0; run < runs; run++) {
    for (const lib of Object.keys(libraries)) {
      const rx = await startReceiver();
      const r = spawnSync(process.execPath, [__filename, '--child', lib, rx.url, String(events)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 300_000,
      });
      rx.stop();
      const line = r.stdout.trim().split('\n').pop();
      if (!line) {
        console.error(`${lib}: no result (exit ${r.status})`);
        continue;
      }
      (results[lib] ??= []).push(JSON.parse(line));
    }
  }
  console.log(`${events} track() calls of a typical event, median of ${runs} runs (node ${process.version})\n`);
  console.log('| library | wall per call | events/s end to end | received | requests | peak RSS | RSS growth |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [lib, rs] of Object.entries(results)) {
    const m = (k) => median(rs.map((r) => r[k]));
    console.log(
      `| ${lib} | ${m('usPerCall').toFixed(2)} µs | ${Math.round(m('eventsPerSec')).toLocaleString('en')} | ${m('received')} | ${m('requests')} | ${m('peakRssMb').toFixed(0)} MB | ${m('rssGrowthMb').toFixed(0)} MB |`,
    );
  }
}

if (args[0] === '--child') child(args[1], args[2], Number(args[3]));
else main();
