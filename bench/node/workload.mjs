// One run of the cross-language workload from Node (started by bench/compare.py).
//
//   node workload.mjs --lib outbox|segment|posthog --url URL --n N --mode loop|outage|exit --queue default|raised
//
// Creates the library's client pointed at the receiver (its defaults
// otherwise; `--queue raised` lifts its queue bound above N), prints READY,
// makes N `track` calls of the same event in a tight loop, then:
//
// - loop, outage: the library's own flush, then waits (at most 2 s more)
//   for the receiver to count N events, and prints one JSON line;
// - exit: prints the JSON line and calls process.exit(0) at once, leaving
//   the rest to the library's `exit` handling (a Node script that merely
//   ends keeps running until every library's timers and sockets are done).
//
// Outbox is loaded from bindings/node with the release addon named by
// OUTBOX_NATIVE_PATH (the driver copies target/.../release/liboutbox_node.so
// to bench/node/outbox.node).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);

const USER_ID = 'user-1234567';
const EVENT = 'Order Completed';
// The same properties in every language (bench/python/workload.py).
const PROPS = {
  order_id: 'ord-7f3a',
  plan: 'pro',
  seats: 12,
  amount: 129.99,
  currency: 'EUR',
  coupon: null,
  items: [{ sku: 'sku-1', qty: 2 }],
};

const pkgVersion = (name) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

const { values: a } = parseArgs({
  options: {
    lib: { type: 'string' },
    url: { type: 'string' },
    n: { type: 'string', default: '100000' },
    mode: { type: 'string', default: 'loop' },
    queue: { type: 'string', default: 'default' },
  },
});
const n = Number(a.n);
const raised = a.queue === 'raised';

const libs = {
  outbox() {
    const { Client, version } = require('../../bindings/node');
    // Defaults absorb a burst of 100,000 events (maxQueueSize 200,000).
    const c = new Client({ endpoint: a.url, apiKey: 'bench-key' });
    return {
      version: typeof version === 'function' ? version() : String(version),
      loop() {
        for (let i = 0; i < n; i++) c.track(USER_ID, EVENT, PROPS);
      },
      flush: () => c.flush(300_000),
    };
  },
  segment() {
    const { Analytics } = require('@segment/analytics-node');
    const version = pkgVersion('@segment/analytics-node');
    // Defaults (batches of 15, flush every 10 s, 10 retries); no queue bound.
    const s = new Analytics({ writeKey: 'bench-key', host: a.url });
    return {
      version,
      loop() {
        for (let i = 0; i < n; i++) s.track({ userId: USER_ID, event: EVENT, properties: PROPS });
      },
      flush: () => s.closeAndFlush({ timeout: 300_000 }),
    };
  },
  posthog() {
    const { PostHog } = require('posthog-node');
    const version = pkgVersion('posthog-node');
    // Defaults: maxQueueSize 10,000 (the oldest are dropped), flushAt 20,
    // batches of up to 100, every 5 s at most, gzip on, 3 retries. No
    // personal API key: no feature-flag polling.
    const p = new PostHog('bench-key', { host: a.url, ...(raised ? { maxQueueSize: 2 * n } : {}) });
    return {
      version,
      loop() {
        for (let i = 0; i < n; i++) p.capture({ distinctId: USER_ID, event: EVENT, properties: PROPS });
      },
      flush: () => p.flush(),
    };
  },
};

// CPU time of the main thread (its tid is the pid), in ns, from the scheduler.
const threadCpuNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
const rssKb = () => Math.round(process.memoryUsage.rss() / 1024);

const lib = libs[a.lib]();
const rssBefore = rssKb();
process.stdout.write('READY\n');

const cpu0 = threadCpuNs();
const t0 = process.hrtime.bigint();
lib.loop();
const t1 = process.hrtime.bigint();
const cpu1 = threadCpuNs();
const out = {
  version: lib.version,
  enqueue_wall_ns: Number(t1 - t0) / n,
  enqueue_cpu_ns: (cpu1 - cpu0) / n,
  rss_before_kb: rssBefore,
  rss_after_loop_kb: rssKb(),
};

if (a.mode === 'exit') {
  // Writes to a pipe are synchronous on Linux: nothing else runs before exit.
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
} else {
  await lib.flush();
  const t2 = process.hrtime.bigint();
  const r = await (await fetch(`${a.url}/_control/wait?unique=${n}&timeout_ms=2000`)).json();
  const t3 = process.hrtime.bigint();
  out.flush_s = Number(t2 - t0) / 1e9;
  out.total_s = r.ok ? Number(t3 - t0) / 1e9 : null;
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}
