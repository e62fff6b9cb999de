'use strict';
// Node manners: the Segment / PostHog object form of every call, the
// 'error' event, and `await using` (Symbol.asyncDispose).

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');

const { Client, WebhookSender, OutboxError, DeliveryError } = require('..');
const { useReceiver, waitFor, runNode } = require('./helpers.js');

const rx = useReceiver();

describe('message objects', () => {
  it('every call takes the object @segment/analytics-node takes, with the same result as the positional form', async () => {
    const c = new Client({ endpoint: rx.url });
    const when = new Date('2026-05-01T12:00:00.000Z');
    const ids = [
      c.track({
        userId: 'u1',
        event: 'Order Completed',
        properties: { total: 99.5 },
        context: { ip: '203.0.113.9' },
        timestamp: when,
        messageId: 'm-track',
        integrations: { All: false },
      }),
      c.identify({ userId: 'u1', traits: { plan: 'pro' } }),
      c.group({ userId: 'u1', groupId: 'g1', traits: { name: 'Acme' } }),
      c.alias({ previousId: 'anon-1', userId: 'u1' }),
      c.page({ anonymousId: 'a1', name: 'Home', properties: { path: '/' } }),
      c.screen({ userId: 'u1', name: 'Settings' }),
    ];
    assert.equal(ids[0], 'm-track');
    assert.deepEqual(await c.flush(5000), { delivered: 6, failed: 0, pending: 0 });
    const events = await rx.events();
    assert.deepEqual(
      events.map((e) => e.messageId),
      ids,
    );
    const [track, identify, group, alias, page, screen] = events;
    assert.deepEqual(
      [track.type, track.userId, track.event, track.properties, track.context.ip, track.timestamp, track.integrations],
      ['track', 'u1', 'Order Completed', { total: 99.5 }, '203.0.113.9', '2026-05-01T12:00:00.000Z', { All: false }],
    );
    assert.deepEqual([identify.type, identify.traits], ['identify', { plan: 'pro' }]);
    assert.deepEqual([group.groupId, group.traits], ['g1', { name: 'Acme' }]);
    assert.deepEqual([alias.previousId, alias.userId], ['anon-1', 'u1']);
    assert.deepEqual([page.anonymousId, page.name, page.properties], ['a1', 'Home', { path: '/' }]);
    assert.deepEqual([screen.type, screen.name], ['screen', 'Settings']);
    await c.shutdown();
  });

  it('a misspelt field, a missing one or a mixed call says so at the call', async () => {
    const c = new Client({ endpoint: rx.url, testMode: true });
    assert.throws(
      () => c.track({ userId: 'u', event: 'e', propertes: {} }),
      (e) => e instanceof OutboxError && e.code === 'invalid_event' && /propertes/.test(e.message) && /properties/.test(e.message),
    );
    assert.throws(
      () => c.track({ userId: 'u' }),
      (e) => e instanceof OutboxError && e.code === 'invalid_event' && /event/.test(e.message),
    );
    assert.throws(
      () => c.track({ event: 'e' }),
      (e) => e instanceof OutboxError && e.code === 'invalid_event' && /userId|anonymousId/.test(e.message),
    );
    assert.throws(
      () => c.track({ userId: 'u', event: 'e' }, 'extra'),
      (e) => e instanceof TypeError && /the message form takes one object: track\(\{ userId, event, properties \}\)/.test(e.message),
    );
    assert.throws(() => c.identify([]), (e) => e instanceof TypeError);
    assert.throws(
      () => c.track({ type: 'identify', userId: 'u', event: 'e' }),
      (e) => e instanceof OutboxError && /type/.test(e.message),
    );
    assert.equal(c.stats().enqueued, 0, 'nothing refused was queued');
    await c.shutdown();
  });
});

describe("the 'error' event", () => {
  it('carries each DeliveryError, after onError, and a client is an EventEmitter', async () => {
    const heard = [];
    const c = new Client({ endpoint: rx.url, onError: (e) => heard.push(['onError', e]) });
    assert.ok(c instanceof EventEmitter);
    c.on('error', (e) => heard.push(['event', e]));
    await rx.faults({ kind: 'status', status: 400 });
    const id = c.track('u', 'e');
    await c.flush(5000);
    await waitFor(() => heard.length === 2);
    assert.deepEqual(
      heard.map(([from]) => from),
      ['onError', 'event'],
    );
    const error = heard[1][1];
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.reason, 'rejected');
    assert.equal(error.status, 400);
    assert.deepEqual(error.messageIds, [id]);
    await c.shutdown();
  });

  it('is never thrown when nobody listens', async () => {
    const c = new Client({ endpoint: rx.url, maxRetries: 0 });
    await rx.faults({ kind: 'status', status: 400 });
    c.track('u', 'e');
    const result = await c.flush(5000);
    assert.equal(result.failed, 1);
    assert.equal(c.stats().dropped.rejected, 1);
    await c.shutdown();
  });

  it('a throwing listener does not stop delivery', async () => {
    const c = new Client({ endpoint: rx.url });
    let calls = 0;
    c.on('error', () => {
      calls++;
      throw new Error('listener bug');
    });
    await rx.faults({ kind: 'status', status: 400, times: 1 });
    c.track('u', 'rejected');
    await c.flush(5000);
    await waitFor(() => calls === 1);
    c.track('u', 'delivered');
    assert.equal((await c.flush(5000)).delivered, 1);
    await c.shutdown();
  });

  it('webhook senders emit it too', async () => {
    const s = new WebhookSender({ endpoints: [{ url: `${rx.url}/hooks/gone` }] });
    const heard = [];
    s.on('error', (e) => heard.push(e));
    await rx.faults({ kind: 'status', status: 410 });
    s.send('t', {});
    await s.flush(5000);
    await waitFor(() => heard.length === 1);
    assert.equal(heard[0].reason, 'endpoint_gone');
    await s.shutdown();
  });
});

describe('Symbol.asyncDispose', () => {
  it('shuts the client down and delivers what it queued', async () => {
    const c = new Client({ endpoint: rx.url, flushIntervalMs: 60_000 });
    c.track('u', 'before dispose');
    await c[Symbol.asyncDispose]();
    assert.equal(c.stats().delivered, 1);
    assert.throws(() => c.track('u', 'late'), (e) => e.code === 'closed');
  });
});

describe('logging', () => {
  /** A console-shaped logger that records what it is given. */
  function recorder() {
    const lines = [];
    const logger = {};
    for (const level of ['error', 'warn', 'info', 'debug']) logger[level] = (message) => lines.push([level, message]);
    return { lines, logger };
  }

  it("a client's lines go to its logger, debug lines only with debug: true", async () => {
    const quiet = recorder();
    const chatty = recorder();
    const a = new Client({ endpoint: rx.url, logger: quiet.logger });
    const b = new Client({ endpoint: rx.url, logger: chatty.logger, debug: true });
    await rx.faults({ kind: 'status', status: 400, times: 1 });
    a.track('u', 'rejected');
    await a.flush(5000);
    b.track('u', 'delivered');
    await b.flush(5000);
    await waitFor(() => quiet.lines.length > 0 && chatty.lines.some(([level]) => level === 'debug'));
    assert.ok(
      quiet.lines.some(([level, m]) => level === 'warn' && /^outbox: 1 event\(s\) dropped/.test(m)),
      JSON.stringify(quiet.lines),
    );
    assert.ok(quiet.lines.every(([level]) => level !== 'debug'), 'no debug lines without debug');
    assert.ok(chatty.lines.some(([level, m]) => level === 'debug' && /^outbox: POST http:\/\/127\.0\.0\.1/.test(m)));
    assert.ok(!chatty.lines.some(([, m]) => /dropped/.test(m)), "one client's lines never reach another's logger");
    await a.shutdown();
    await b.shutdown();
  });

  it('without a logger, warnings go through process.emitWarning', async () => {
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const c = new Client({ endpoint: rx.url });
      await rx.faults({ kind: 'status', status: 400, times: 1 });
      c.track('u', 'rejected');
      await c.flush(5000);
      await waitFor(() => warnings.some((w) => w.name === 'OutboxWarning'));
      assert.match(warnings.find((w) => w.name === 'OutboxWarning').message, /1 event\(s\) dropped/);
      await c.shutdown();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('NODE_DEBUG=outbox shows each request through util.debuglog, and nothing else reaches stderr', async () => {
    const code = `
      const { Client } = require('.');
      const c = new Client({ endpoint: ${JSON.stringify(rx.url)} });
      c.track('u', 'e');
      c.flush(5000).then(() => c.shutdown());
    `;
    const on = await runNode(code, { env: { NODE_DEBUG: 'outbox' } });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stderr, /OUTBOX \d+: POST http:\/\/127\.0\.0\.1:\d+\/v1\/batch \(1 events\)/);
    const off = await runNode(code, { env: { NODE_DEBUG: '' } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stderr, '');
  });

  it('a logger without the four methods is refused at construction', () => {
    assert.throws(
      () => new Client({ endpoint: rx.url, logger: { warn() {} } }),
      (e) => e instanceof OutboxError && e.code === 'invalid_option' && /without error, info, debug/.test(e.message),
    );
    assert.throws(() => new Client({ endpoint: rx.url, logger: 'console' }), (e) => e.code === 'invalid_option');
  });
});

describe('stats', () => {
  it('show the last error and the last success', async () => {
    const c = new Client({ endpoint: rx.url, retryInitialBackoffMs: 10, retryMaxBackoffMs: 50 });
    assert.deepEqual([c.stats().lastError, c.stats().lastSuccessAt, c.stats().consecutiveFailures], [null, null, 0]);
    await rx.faults({ kind: 'status', status: 503, times: 2 });
    c.track('u', 'e');
    assert.equal((await c.flush(10_000)).pending, 0);
    const s = c.stats();
    assert.equal(s.lastError, 'HTTP 503');
    assert.equal(s.consecutiveFailures, 0);
    assert.ok(s.lastSuccessAt instanceof Date && Math.abs(Date.now() - s.lastSuccessAt.getTime()) < 60_000);
    await c.shutdown();
  });
});
