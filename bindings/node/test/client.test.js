'use strict';
// Delivery, stats, flush results, onError with statuses, and bad input,
// against the real test receiver.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { Client, OutboxError, DeliveryError, verify } = require('..');
const { deadEndpoint, waitFor, useReceiver } = require('./helpers.js');

const rx = useReceiver();

/** A client on the receiver that reports to `errors`. */
function client(options = {}, errors = []) {
  return new Client({ endpoint: rx.url, onError: (e) => errors.push(e), ...options });
}

describe('delivery', () => {
  it('sends every kind of call in Segment shape and returns the message ids', async () => {
    const c = client({ apiKey: 'key-1' });
    const ids = [
      c.track('u1', 'Order Completed', { total: 99.5, items: [{ sku: 'a' }] }),
      c.identify('u1', { plan: 'pro' }),
      c.group('u1', 'g1', { name: 'Acme' }),
      c.alias('anon-1', 'u1'),
      c.page('u1', 'Home', { path: '/' }),
      c.screen('u1', 'Settings'),
    ];
    const result = await c.flush(5000);
    assert.deepEqual(result, { delivered: 6, failed: 0, pending: 0 });
    const events = await rx.events();
    assert.deepEqual(
      events.map((e) => e.messageId),
      ids,
    );
    const [track, identify, group, alias, page, screen] = events;
    assert.equal(track.type, 'track');
    assert.equal(track.userId, 'u1');
    assert.equal(track.event, 'Order Completed');
    assert.deepEqual(track.properties, { total: 99.5, items: [{ sku: 'a' }] });
    assert.deepEqual(track.context.library, { name: 'outbox-node', version: require('../package.json').version });
    assert.match(track.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(identify.traits, { plan: 'pro' });
    assert.equal(group.groupId, 'g1');
    assert.equal(alias.previousId, 'anon-1');
    assert.equal(alias.userId, 'u1');
    assert.equal(page.name, 'Home');
    assert.equal(screen.type, 'screen');
    const [req] = await rx.requests();
    assert.equal(req.path, '/v1/batch');
    assert.equal(req.headers.authorization, 'Bearer key-1');
    assert.ok(req.headers['idempotency-key']);
    await c.shutdown();
  });

  it('honours call options: anonymousId, timestamp (Date or string), context, messageId, integrations', async () => {
    const c = client();
    c.track(null, 'Viewed', undefined, { anonymousId: 'anon-7' });
    c.track('u', 'Dated', {}, { timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 5)), messageId: 'm-1' });
    c.track('u', 'Stringly', {}, { timestamp: '2024-05-01T12:00:00+02:00', context: { ip: '1.2.3.4' } });
    c.identify(42, null, { integrations: { All: false } });
    await c.flush(5000);
    const [anon, dated, stringly, numeric] = await rx.events();
    assert.equal(anon.anonymousId, 'anon-7');
    assert.equal(anon.userId, undefined);
    assert.equal(dated.timestamp, '2024-05-01T12:00:00.005Z');
    assert.equal(dated.messageId, 'm-1');
    assert.equal(stringly.timestamp, '2024-05-01T12:00:00+02:00');
    assert.equal(stringly.context.ip, '1.2.3.4');
    assert.equal(stringly.context.library.name, 'outbox-node');
    assert.equal(numeric.userId, '42');
    assert.deepEqual(numeric.integrations, { All: false });
    await c.shutdown();
  });

  it('batch() queues many events of any type, all or nothing', async () => {
    const c = client();
    const ids = c.batch([
      { type: 'track', userId: 'u', event: 'A', properties: { at: new Date(0) } },
      { type: 'identify', userId: 'u', traits: { n: 1n } },
      { type: 'page', anonymousId: 'x', name: 'P', timestamp: new Date(1000) },
    ]);
    assert.equal(ids.length, 3);
    assert.throws(
      () => c.batch([{ type: 'track', userId: 'u', event: 'ok' }, { type: 'track', userId: 'u', propertis: {} }]),
      (e) => e instanceof OutboxError && e.code === 'invalid_event' && /"propertis" in events\[1\].*did you mean "properties"/.test(e.message),
    );
    assert.throws(
      () => c.batch([{ type: 'track', userId: 'u', event: 'ok' }, { type: 'track', userId: 'u' }]),
      (e) => e.code === 'invalid_event' && /event 1/.test(e.message),
    );
    assert.throws(() => c.batch('nope'), TypeError);
    await c.flush(5000);
    const events = await rx.events();
    assert.deepEqual(
      events.map((e) => e.messageId),
      ids,
    );
    assert.equal(events[0].properties.at, '1970-01-01T00:00:00.000Z');
    assert.equal(events[2].timestamp, '1970-01-01T00:00:01.000Z');
    const body = (await rx.requests())[0].body;
    assert.match(body, /"n":1[,}]/);
    await c.shutdown();
  });

  it('signs requests when signingSecrets is set', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const c = client({ signingSecrets: secret, gzip: false });
    c.track('u', 'Signed');
    await c.flush(5000);
    const [req] = await rx.requests();
    assert.match(req.headers['webhook-signature'], /^v1,/);
    assert.equal(verify(Buffer.from(req.body_base64, 'base64'), req.headers, secret), true);
    await c.shutdown();
  });

  it('gzips large batches', async () => {
    const c = client();
    for (let i = 0; i < 50; i++) c.track('u', 'Big', { i, pad: 'x'.repeat(100) });
    await c.flush(5000);
    const reqs = await rx.requests();
    assert.ok(reqs.some((r) => r.gzip));
    assert.equal((await rx.stats()).unique_events, 50);
    await c.shutdown();
  });

  it('deliver() sends at once and reports the outcome', async () => {
    const c = client();
    const ok = await c.deliver({ type: 'track', userId: 'u', event: 'Now' });
    assert.deepEqual(ok, { delivered: true, status: 200, attempts: 1, error: null });
    await rx.faults({ kind: 'status', status: 400 });
    const refused = await c.deliver([{ type: 'track', userId: 'u', event: 'Refused' }]);
    assert.equal(refused.delivered, false);
    assert.equal(refused.status, 400);
    await assert.rejects(c.deliver({ type: 'track', userId: 'u' }), (e) => e instanceof OutboxError && e.code === 'invalid_event');
    assert.equal(c.stats().enqueued, 0, 'deliver bypasses the queue');
    await c.shutdown();
  });

  it('testMode keeps events in memory; disabled sends nothing', async () => {
    const t = new Client({ testMode: true });
    const id = t.track('u', 'Tested', { a: 1 });
    await t.flush(1000);
    assert.deepEqual(
      t.captured().map((e) => [e.messageId, e.properties]),
      [[id, { a: 1 }]],
    );
    t.clearCaptured();
    assert.deepEqual(t.captured(), []);
    const d = new Client({ endpoint: rx.url, disabled: true });
    assert.equal(typeof d.track('u', 'Nothing'), 'string');
    assert.throws(() => d.track('u', ''), OutboxError, 'disabled clients still validate');
    assert.deepEqual(await d.flush(100), { delivered: 0, failed: 0, pending: 0 });
    assert.equal((await rx.stats()).requests, 0);
  });
});

describe('stats and flush results', () => {
  it('balances and counts requests and retries', async () => {
    const c = client({ maxBatchSize: 10, flushAt: 10 });
    await rx.faults({ kind: 'status', status: 503, times: 1 });
    for (let i = 0; i < 25; i++) c.track('u', 'Counted', { i });
    // `delivered` counts what arrived while flush waited; some may be earlier.
    const result = await c.flush(10_000);
    assert.equal(result.failed, 0);
    assert.equal(result.pending, 0);
    const s = c.stats();
    assert.equal(s.enqueued, 25);
    assert.equal(s.delivered, 25);
    assert.equal(s.pending, 0);
    assert.equal(s.droppedTotal, 0);
    assert.equal(s.enqueued, s.delivered + s.droppedTotal + s.pending);
    assert.ok(s.requests >= 4, `requests ${s.requests}`);
    assert.ok(s.retries >= 1, `retries ${s.retries}`);
    assert.equal(s.spoolErrors, 0);
    assert.deepEqual(Object.keys(s.dropped).sort(), [
      'endpoint_gone',
      'queue_full',
      'rejected',
      'retries_exhausted',
      'shutdown',
      'too_large',
    ]);
    await c.shutdown();
  });

  it('flush reports what is still pending when its timeout passes', async () => {
    const c = client({ requestTimeoutMs: 5000 });
    await rx.faults({ kind: 'hang', times: 1 });
    c.track('u', 'Slow');
    const result = await c.flush(300);
    assert.deepEqual(result, { delivered: 0, failed: 0, pending: 1 });
    await rx.clearFaults();
    const errors = [];
    const c2 = client({ requestTimeoutMs: 5000 }, errors);
    await rx.faults({ kind: 'hang', times: 1 });
    c2.track('u', 'Given up');
    const down = await c2.shutdown(300);
    assert.deepEqual(down, { delivered: 0, failed: 0, pending: 1 });
    assert.equal(errors.length, 1, 'onError has heard of the loss when shutdown() resolves');
    assert.equal(errors[0].reason, 'shutdown');
    assert.equal(c2.stats().dropped.shutdown, 1);
    await c.shutdown(0);
  });

  it('shutdown is idempotent and later calls fail with code closed', async () => {
    const c = client();
    c.track('u', 'Last');
    assert.deepEqual(await c.shutdown(5000), { delivered: 1, failed: 0, pending: 0 });
    assert.deepEqual(await c.shutdown(5000), { delivered: 1, failed: 0, pending: 0 });
    assert.throws(() => c.track('u', 'Late'), (e) => e instanceof OutboxError && e.code === 'closed');
  });
});

describe('onError', () => {
  it('reports rejected events with their status and ids, and never retries them', async () => {
    const errors = [];
    const c = client({}, errors);
    // 403 is about the whole client: the batch is refused whole (a 400 would
    // split it to find the event at fault).
    await rx.faults({ kind: 'status', status: 403, times: 1 });
    const ids = [c.track('u', 'A'), c.track('u', 'B')];
    const result = await c.flush(5000);
    assert.deepEqual(result, { delivered: 0, failed: 2, pending: 0 });
    assert.ok(await waitFor(() => errors.length === 1));
    const [e] = errors;
    assert.ok(e instanceof DeliveryError);
    assert.ok(e instanceof Error);
    assert.equal(e.reason, 'rejected');
    assert.equal(e.status, 403);
    assert.equal(e.count, 2);
    assert.deepEqual(e.messageIds, ids);
    assert.match(e.message, /403/);
    assert.equal(c.stats().dropped.rejected, 2);
    assert.equal((await rx.stats()).requests, 1);
    await c.shutdown();
  });

  it('reports retries_exhausted with the last status, too_large for a lone 413, queue_full', async () => {
    const errors = [];
    const c = client({ maxRetries: 1, retryInitialBackoffMs: 10 }, errors);
    await rx.faults({ kind: 'status', status: 500, times: 2 });
    c.track('u', 'Flaky');
    await c.flush(5000);
    await rx.faults({ kind: 'status', status: 413, times: 1 });
    c.track('u', 'Huge');
    await c.flush(5000);
    assert.ok(await waitFor(() => errors.length === 2));
    assert.deepEqual(
      errors.map((e) => [e.reason, e.status, e.count]),
      [
        ['retries_exhausted', 500, 1],
        ['too_large', 413, 1],
      ],
    );
    await c.shutdown();

    const full = [];
    const q = client({ maxQueueSize: 2, flushAt: 1000, flushIntervalMs: 60_000 }, full);
    const first = q.track('u', '1');
    q.track('u', '2');
    q.track('u', '3');
    await q.flush(5000);
    assert.ok(await waitFor(() => full.length === 1));
    assert.equal(full[0].reason, 'queue_full');
    assert.equal(full[0].status, null);
    assert.deepEqual(full[0].messageIds, [first], 'the oldest event is dropped by default');
    assert.equal(q.stats().dropped.queue_full, 1);
    await q.shutdown();
  });

  it('a throwing onError callback does not stop delivery', async () => {
    let calls = 0;
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    const c = new Client({
      endpoint: rx.url,
      onError: () => {
        calls++;
        throw new Error('callback bug');
      },
    });
    await rx.faults({ kind: 'status', status: 422, times: 1 });
    c.track('u', 'Rejected');
    await c.flush(5000);
    c.track('u', 'Fine');
    assert.deepEqual(await c.flush(5000), { delivered: 1, failed: 0, pending: 0 });
    await waitFor(() => warnings.length > 0);
    process.off('warning', onWarning);
    assert.equal(calls, 1);
    assert.ok(warnings.some((w) => /callback bug/.test(w.message)));
    await c.shutdown();
  });
});

/** Properties nested `levels` deep: {a: {a: ... 1}}. */
function nested(levels) {
  let value = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('bad input fails at the call site with a clear error', () => {
  it('refuses bad options', () => {
    const cases = [
      [{}, /endpoint is required/],
      [{ endpoint: 'ftp://x' }, /http:\/\//],
      [{ endpoint: rx.url, flushat: 10 }, /unknown option "flushat".*did you mean "flushAt"/],
      [{ endpoint: rx.url, flushAt: 0 }, /options\.flushAt must be at least 1, got 0/],
      [{ endpoint: rx.url, flushAt: '10' }, /flushAt must be a whole number.*not a string/],
      [{ endpoint: rx.url, flushIntervalMs: -1 }, /flushIntervalMs must be 0 or more/],
      [{ endpoint: rx.url, maxRetries: -1 }, /maxRetries/],
      [{ endpoint: rx.url, onFull: 'explode' }, /onFull must be "drop_oldest", "drop_newest" or "block"/],
      [{ endpoint: rx.url, blockTimeoutMs: 5 }, /blockTimeoutMs only applies with onFull "block"/],
      [{ endpoint: rx.url, headers: { 'a b': 'v' } }, /header name/],
      [{ endpoint: rx.url, headers: { x: 1 } }, /headers\["x"\] must be a string/],
      [{ endpoint: rx.url, signingSecrets: 'not base64!' }, /signingSecrets/],
      [{ endpoint: rx.url, signatureScheme: 'sha1' }, /unknown signature scheme/],
      [{ endpoint: rx.url, signatureHeader: 'X-Sig' }, /signatureHeader only applies/],
      [{ endpoint: rx.url, authScheme: 'digest' }, /authScheme/],
      [{ endpoint: rx.url, maxBatchBytes: 100 }, /maxBatchBytes/],
      [{ endpoint: rx.url, onError: 'yes' }, /onError must be a function/],
      [{ endpoint: rx.url, gzip: 'yes' }, /gzip must be true or false/],
      // Durations past one day used to reach the engine and stall it.
      [{ endpoint: rx.url, flushIntervalMs: 1e22 }, /flushIntervalMs must be at most one day \(86400 s, 86400000 ms\)/],
      [{ endpoint: rx.url, retryMaxBackoffMs: 86_400_001 }, /retryMaxBackoffMs must be/],
      [{ endpoint: rx.url, shutdownTimeoutMs: Infinity }, /shutdownTimeoutMs must be/],
      [{ endpoint: rx.url, onFull: 'block', blockTimeoutMs: 1e22 }, /blockTimeoutMs must be at most one day .*, or no limit/],
      // What HTTP refuses fails here, not as an endless retry.
      [{ endpoint: rx.url, headers: { 'X-Trace(id)': '1' } }, /header name "X-Trace\(id\)"/],
      [{ endpoint: rx.url, headers: { 'X-Color': '\u001b[31m' } }, /header "X-Color"/],
      [{ endpoint: 'https://collector:99999' }, /invalid port number/],
      [{ endpoint: rx.url, proxy: 'socks5://proxy:1080' }, /proxy/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new Client(options),
        (e) => e instanceof OutboxError && e.code === 'invalid_option' && message.test(e.message),
        `${JSON.stringify(options)} should fail with ${message}`,
      );
    }
    assert.throws(() => new Client(), TypeError);
    assert.throws(() => new Client('http://x'), TypeError);
    assert.throws(
      () => new Client({ endpoint: 'http://user:pass@exa mple.com/?token=abc' }),
      (e) => e.code === 'invalid_option' && !/pass|abc/.test(e.message),
    );
  });

  it('accepts blockTimeoutMs: Infinity (no limit) and one day', async () => {
    for (const blockTimeoutMs of [Infinity, 86_400_000]) {
      const c = new Client({ testMode: true, onFull: 'block', blockTimeoutMs });
      c.track('u', 'e');
      assert.equal((await c.flush(5000)).delivered, 1);
      await c.shutdown();
    }
  });

  it('refuses bad calls without queuing anything', async () => {
    const c = client();
    const cases = [
      [() => c.track('u', ''), OutboxError, /event name/],
      [() => c.track('', 'e'), OutboxError, /needs a userId or an anonymousId/],
      [() => c.track('u', 'e', [1, 2]), OutboxError, /properties must be a JSON object/],
      [() => c.track('u', 'e', 'text'), OutboxError, /properties must be a JSON object/],
      [() => c.track('u', 'e', () => 1), TypeError, /properties must be an object, not a function/],
      [() => c.track({ id: 1 }, 'e'), TypeError, /userId must be a string \(or a number\), not an object/],
      [() => c.track('u', 42), TypeError, /event must be a string/],
      [() => c.track('u', 'e', {}, { timestamp: 'yesterday' }), OutboxError, /RFC 3339/],
      [() => c.track('u', 'e', {}, { timestamp: new Date('x') }), OutboxError, /invalid Date/],
      [() => c.track('u', 'e', {}, { timestamp: 5 }), TypeError, /timestamp must be a Date or an ISO 8601 string/],
      [() => c.track('u', 'e', {}, { messageID: 'x' }), OutboxError, /unknown option "messageID".*did you mean "messageId"/],
      [() => c.track('u', 'e', {}, { messageId: '' }), OutboxError, /messageId, when given, must not be empty/],
      [() => c.track('u', 'e', {}, { context: [1] }), OutboxError, /context must be a JSON object/],
      [() => c.track('u', 'e', { big: 'x'.repeat(40_000) }), OutboxError, /over the limit of 32000 bytes \(maxEventBytes\)/],
      [() => c.track('u', 'e', nested(65)), OutboxError, /nested more than 64 levels deep/],
      [() => c.track('u', 'e', nested(5000)), OutboxError, /nested more than 64 levels deep/],
      [() => c.group('u', ''), OutboxError, /groupId/],
      [() => c.alias('', 'u'), OutboxError, /previousId/],
      [() => c.flush('soon'), null, null],
    ];
    for (const [call, type, message] of cases) {
      if (type === null) continue;
      assert.throws(call, (e) => e instanceof type && message.test(e.message), `${call} should throw ${message}`);
    }
    await assert.rejects(c.flush('soon'), TypeError);
    const big = (() => {
      try {
        c.track('u', 'e', { big: 'x'.repeat(40_000) });
      } catch (e) {
        return e;
      }
    })();
    assert.equal(big.code, 'event_too_large');
    assert.equal(c.stats().enqueued, 0);
    c.track('u', 'e', nested(64));
    assert.equal(c.stats().enqueued, 1, 'one nesting limit for every language: 64 levels pass');
    await c.shutdown();
  });
});

describe('several clients in one process', () => {
  it('keep their own queues, counters and callbacks', async () => {
    const errorsA = [];
    const errorsB = [];
    const a = new Client({ endpoint: rx.url, onError: (e) => errorsA.push(e), path: '/a' });
    const b = new Client({ endpoint: rx.url, onError: (e) => errorsB.push(e), path: '/b' });
    await rx.faults({ kind: 'status', status: 400, path: '/b', times: 1 });
    for (let i = 0; i < 10; i++) a.track('u', 'A');
    b.track('u', 'B');
    await Promise.all([a.flush(5000), b.flush(5000)]);
    assert.equal(a.stats().delivered, 10);
    assert.equal(b.stats().dropped.rejected, 1);
    assert.ok(await waitFor(() => errorsB.length === 1));
    assert.equal(errorsA.length, 0);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});

describe('a dead endpoint', () => {
  it('never makes track() wait', async () => {
    const c = new Client({ endpoint: await deadEndpoint(), shutdownTimeoutMs: 0 });
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) c.track('u', 'Nowhere');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2000, `1000 calls took ${ms} ms`);
    await c.shutdown(0);
  });
});
