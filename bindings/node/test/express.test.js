'use strict';
// The Express helpers, in a real Express app on 127.0.0.1 sending to the
// real receiver.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');

const express = require('express');
const { Client, WebhookSender, sign } = require('..');
const { outboxMiddleware, verifyWebhook } = require('../lib/express.js');
const { startReceiver, waitFor } = require('./helpers.js');

let rx;
let client;
before(async () => {
  rx = await startReceiver();
  client = new Client({ endpoint: rx.url });
});
after(async () => {
  await client.shutdown();
  rx.stop();
});
beforeEach(() => rx.reset());

/** Serves `app` on 127.0.0.1; resolves with { url, close }. */
function serve(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

describe('outboxMiddleware', () => {
  it('binds req.outbox to the user set by auth middleware (mounted before or after it)', async () => {
    const app = express();
    app.use(outboxMiddleware(client)); // before auth: users are resolved when a call is made
    app.use((req, _res, next) => {
      if (req.headers.authorization === 'Bearer t-42') req.user = { id: 'user-42', name: 'Ada' };
      next();
    });
    app.post('/buy', (req, res) => {
      const id = req.outbox.track('Order Completed', { sku: 'book' });
      res.json({ id, userId: req.outbox.userId });
    });
    const server = await serve(app);
    const res = await fetch(`${server.url}/buy?from=cart`, {
      method: 'POST',
      headers: { authorization: 'Bearer t-42', 'user-agent': 'test-agent/1.0' },
    });
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.userId, 'user-42');
    await client.flush(5000);
    const [event] = await rx.events();
    assert.equal(event.messageId, body.id);
    assert.equal(event.userId, 'user-42');
    assert.equal(event.event, 'Order Completed');
    assert.deepEqual(event.properties, { sku: 'book' });
    assert.equal(event.context.ip, '127.0.0.1');
    assert.equal(event.context.userAgent, 'test-agent/1.0');
    assert.deepEqual(event.context.page, { url: `${server.url}/buy?from=cart`, path: '/buy', search: '?from=cart' });
    assert.equal(event.context.library.name, 'outbox-node');
    await server.close();
  });

  it('knows the common auth shapes, anonymous ids, and a resolveUser option', async () => {
    const shapes = [
      [{ user: { _id: { toHexString: () => '65f0c0ffee' } } }, '65f0c0ffee'],
      [{ auth: { userId: 'clerk_1' } }, 'clerk_1'],
      [{ auth: { sub: 'jwt|2' } }, 'jwt|2'],
      [{ auth: { payload: { sub: 'auth0|3' } } }, 'auth0|3'],
      [{ session: { userId: 4 } }, '4'],
      [{ session: { passport: { user: 'p-5' } } }, 'p-5'],
    ];
    const app = express();
    let next = 0;
    app.use((req, _res, nextFn) => {
      Object.assign(req, shapes[next++][0]);
      nextFn();
    });
    app.use(outboxMiddleware(client));
    app.get('/', (req, res) => res.json({ userId: req.outbox.userId ?? null }));
    const server = await serve(app);
    for (const [, expected] of shapes) {
      const res = await fetch(`${server.url}/`);
      assert.deepEqual(await res.json(), { userId: expected });
    }
    await server.close();

    const custom = express();
    custom.use(outboxMiddleware(client, { resolveUser: (req) => req.headers['x-user'], property: 'analytics', context: false }));
    custom.get('/', (req, res) => res.json({ id: req.analytics.identify({ plan: 'pro' }) }));
    custom.get('/anon', (req, res) => res.json({ id: req.analytics.track('Visited') }));
    const s2 = await serve(custom);
    const { id } = await (await fetch(`${s2.url}/`, { headers: { 'x-user': 'header-user' } })).json();
    const anon = await (await fetch(`${s2.url}/anon`, { headers: { cookie: 'ajs_anonymous_id=%22anon-9%22; other=1' } })).json();
    await client.flush(5000);
    const events = await rx.events();
    const identify = events.find((e) => e.messageId === id);
    assert.equal(identify.userId, 'header-user');
    assert.deepEqual(identify.traits, { plan: 'pro' });
    assert.equal(identify.context.ip, undefined, 'context: false adds nothing');
    const visited = events.find((e) => e.messageId === anon.id);
    assert.equal(visited.userId, undefined);
    assert.equal(visited.anonymousId, 'anon-9');
    await s2.close();
  });

  it('a request with no user and no anonymous id fails at the call, clearly', async () => {
    const app = express();
    app.use(outboxMiddleware(client));
    app.get('/', (req, res) => {
      try {
        req.outbox.track('Nobody');
        res.json({ ok: true });
      } catch (e) {
        res.status(400).json({ code: e.code, message: e.message });
      }
    });
    const server = await serve(app);
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /needs a userId or an anonymousId/);
    await server.close();
  });
});

describe('verifyWebhook', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  let server;
  const received = [];
  before(async () => {
    const app = express();
    app.post('/hooks', verifyWebhook({ secret }), (req, res) => {
      received.push({ body: req.body, raw: req.rawBody.toString(), webhook: req.webhook });
      res.json({ ok: true });
    });
    app.post('/github', express.raw({ type: 'application/json' }), verifyWebhook({ secret: 'gh', scheme: 'hmac-sha256' }), (req, res) =>
      res.json({ got: req.body }),
    );
    app.post('/parsed', express.json(), verifyWebhook({ secret }), (_req, res) => res.json({ ok: true }));
    app.use((err, _req, res, _next) => res.status(500).json({ error: err.message }));
    server = await serve(app);
  });
  after(() => server.close());

  it('accepts a good signature and hands the parsed body on', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } });
    const headers = sign(body, secret);
    const res = await fetch(`${server.url}/hooks`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
    const last = received.at(-1);
    assert.deepEqual(last.body, { type: 'invoice.paid', data: { id: 'inv_1' } });
    assert.equal(last.raw, body);
    assert.equal(last.webhook.id, headers['webhook-id']);
  });

  it('rejects a tampered body with 401', async () => {
    const body = JSON.stringify({ amount: 100 });
    const headers = sign(body, secret);
    const count = received.length;
    const res = await fetch(`${server.url}/hooks`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1000000 }),
    });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).code, 'no_matching_signature');
    const unsigned = await fetch(`${server.url}/hooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(unsigned.status, 401);
    assert.equal((await unsigned.json()).code, 'missing_header');
    assert.equal(received.length, count, 'the handler never ran');
  });

  it('works after express.raw(), with the hmac-sha256 scheme', async () => {
    const body = '{"ref":"main"}';
    const good = await fetch(`${server.url}/github`, {
      method: 'POST',
      headers: { ...sign(body, 'gh', { scheme: 'hmac-sha256' }), 'content-type': 'application/json' },
      body,
    });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { got: { ref: 'main' } });
    const bad = await fetch(`${server.url}/github`, {
      method: 'POST',
      headers: { ...sign(body, 'other', { scheme: 'hmac-sha256' }), 'content-type': 'application/json' },
      body,
    });
    assert.equal(bad.status, 401);
  });

  it('explains when a JSON parser already consumed the raw body', async () => {
    const body = '{"a":1}';
    const res = await fetch(`${server.url}/parsed`, { method: 'POST', headers: { ...sign(body, secret), 'content-type': 'application/json' }, body });
    assert.equal(res.status, 500);
    assert.match((await res.json()).error, /already parsed/);
  });

  it('verifies what WebhookSender sends, end to end', async () => {
    const sender = new WebhookSender({ endpoints: [{ url: `${server.url}/hooks`, secrets: secret }] });
    const count = received.length;
    const id = sender.send('user.created', { id: 'u_1' });
    const r = await sender.flush(5000);
    assert.equal(r.pending, 0);
    assert.equal(sender.stats().delivered, 1);
    assert.ok(await waitFor(() => received.length === count + 1));
    const last = received.at(-1);
    assert.equal(last.webhook.id, id);
    assert.equal(last.body.type, 'user.created');
    assert.deepEqual(last.body.data, { id: 'u_1' });
    await sender.shutdown();
  });
});
