'use strict';
// The Fastify plugin and webhook hook, in real Fastify apps (inject() and a
// listening server) sending to the real receiver.

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');

const Fastify = require('fastify');
const { Webhook } = require('standardwebhooks');
const { Client, WebhookSender, sign } = require('..');
const outbox = require('../lib/fastify.js');
const { useReceiver, deadEndpoint, waitFor, runNode } = require('./helpers.js');

const rx = useReceiver();
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('the outbox plugin', () => {
  let shared;
  after(() => shared?.shutdown());

  it('decorates request.outbox: calls of the one shared client, bound to the request', async () => {
    shared = new Client({ endpoint: rx.url });
    const app = Fastify({ trustProxy: true });
    await app.register(outbox, { client: shared });
    app.addHook('preHandler', async (request) => {
      // What @fastify/jwt or @fastify/passport leave behind.
      if (request.headers.authorization === 'Bearer t-7') request.user = { sub: 'user-7' };
    });
    const seen = new Set();
    app.post('/buy', async (request) => {
      seen.add(request.outbox.client);
      return { id: request.outbox.track('Order Completed', { sku: 'book' }), userId: request.outbox.userId ?? null };
    });
    const headers = { authorization: 'Bearer t-7', 'user-agent': 'agent/2', 'x-forwarded-for': '203.0.113.9', referer: 'https://shop.example/cart' };
    const first = await app.inject({ method: 'POST', url: '/buy?from=cart', headers: { ...headers, host: 'api.example' } });
    const second = await app.inject({ method: 'POST', url: '/buy', headers: { cookie: 'ajs_anonymous_id=%22anon-3%22' } });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().userId, 'user-7');
    assert.equal(second.json().userId, null);
    assert.deepEqual([...seen], [shared], 'every request used the client given, none made its own');
    assert.equal(app.outbox, shared);

    await app.close(); // flushes the client it was given, without shutting it down
    assert.equal(shared.stats().pending, 0);
    const events = await rx.events();
    const byId = new Map(events.map((e) => [e.messageId, e]));
    const a = byId.get(first.json().id);
    assert.equal(a.userId, 'user-7');
    assert.equal(a.event, 'Order Completed');
    assert.deepEqual(a.properties, { sku: 'book' });
    assert.equal(a.context.ip, '203.0.113.9');
    assert.equal(a.context.userAgent, 'agent/2');
    assert.deepEqual(a.context.page, { url: 'http://api.example/buy?from=cart', path: '/buy', search: '?from=cart', referrer: 'https://shop.example/cart' });
    const b = byId.get(second.json().id);
    assert.equal(b.userId, undefined);
    assert.equal(b.anonymousId, 'anon-3');
    shared.track('after-close', 'Still Open'); // the app's client outlives the app
    assert.equal((await shared.flush(5000)).delivered, 1);
  });

  it('creates a client of its own, logging through fastify.log, and shuts it down; resolveUser and context: false', async () => {
    const logged = [];
    const app = Fastify({ logger: { level: 'error', stream: { write: (line) => logged.push(JSON.parse(line)) } } });
    await app.register(outbox, {
      clientOptions: { endpoint: rx.url, flushAt: 1000, flushIntervalMs: 60_000 },
      resolveUser: (request) => request.headers['x-user'],
      context: false,
    });
    app.get('/', async (request) => ({ id: request.outbox.identify({ plan: 'pro' }) }));
    const res = await app.inject({ url: '/', headers: { 'x-user': 'u-1' } });
    const client = app.outbox;
    assert.equal(client.stats().pending, 1, 'nothing sent yet: the timer is a minute');
    await app.close(); // shutdown delivers it
    assert.equal(client.stats().delivered, 1);
    assert.throws(() => client.track('u', 'After'), /closed|shut down/i);
    const [event] = await rx.events();
    assert.equal(event.messageId, res.json().id);
    assert.equal(event.type, 'identify');
    assert.equal(event.userId, 'u-1');
    assert.equal(event.context.ip, undefined, 'context: false adds nothing');

    // The client logs through Fastify's logger (pino).
    const dead = Fastify({ logger: { level: 'warn', stream: { write: (line) => logged.push(JSON.parse(line)) } } });
    await dead.register(outbox, { clientOptions: { endpoint: await deadEndpoint(), maxRetries: 0, retryInitialBackoffMs: 1 } });
    dead.outbox.track('u', 'Lost');
    await dead.outbox.flush(5000);
    const dropped = (l) => /^outbox: .*dropped/.test(l.msg);
    assert.ok(await waitFor(() => logged.some(dropped)), JSON.stringify(logged));
    assert.ok(logged.find(dropped).level >= 40, 'a warning or an error');
    await dead.close();
  });

  it('refuses unclear options', async () => {
    for (const [options, message] of [
      [{}, /either `client`.*or `clientOptions`/],
      [{ client: {} }, /needs an outbox Client/],
      [{ clientOptions: { endpoint: rx.url }, resolveUser: 'id' }, /resolveUser must be a function/],
      [{ clientOptions: { endpoint: rx.url }, resolve: () => 'x' }, /unknown option "resolve"/],
    ]) {
      const app = Fastify();
      app.register(outbox, options);
      await assert.rejects(app.ready(), message);
      await app.close();
    }
  });
});

describe('verifyWebhook', () => {
  let app;
  const handled = [];
  after(() => app?.close());

  async function build() {
    app = Fastify();
    app.post('/hooks', { preParsing: outbox.verifyWebhook({ secret }) }, async (request) => {
      handled.push({ body: request.body, raw: request.rawBody.toString(), webhook: request.webhook });
      return { ok: true };
    });
    app.post('/github', { preParsing: outbox.verifyWebhook({ secret: 'gh', scheme: 'hmac-sha256' }) }, async (request) => ({ got: request.body }));
    app.post('/small', { preParsing: outbox.verifyWebhook({ secret, limit: 16 }) }, async () => ({ ok: true }));
    return app;
  }

  it('hands a good signature to the handler with the parsed body, the bytes and the webhook id', async () => {
    await build();
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', note: 'café' } });
    const headers = sign(body, secret);
    // standardwebhooks (the reference implementation) agrees with what is sent.
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    const res = await app.inject({ method: 'POST', url: '/hooks', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const last = handled.at(-1);
    assert.deepEqual(last.body, JSON.parse(body));
    assert.equal(last.raw, body);
    assert.equal(last.webhook.id, headers['webhook-id']);
    assert.equal(last.webhook.timestamp, Number(headers['webhook-timestamp']));
  });

  it('answers 401 with the code, and the handler never runs, for a bad or missing signature', async () => {
    const count = handled.length;
    const body = JSON.stringify({ amount: 100 });
    const headers = sign(body, secret);
    const tampered = await app.inject({
      method: 'POST',
      url: '/hooks',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: 1000000 }),
    });
    assert.equal(tampered.statusCode, 401);
    assert.equal(tampered.json().code, 'no_matching_signature');
    const unsigned = await app.inject({ method: 'POST', url: '/hooks', headers: { 'content-type': 'application/json' }, payload: body });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(unsigned.json().code, 'missing_header');
    // Not JSON at all: refused as unsigned before anything parses it.
    const junk = await app.inject({ method: 'POST', url: '/hooks', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    assert.equal(junk.statusCode, 401);
    assert.equal(handled.length, count);
  });

  it('supports the hmac-sha256 scheme and a body limit (413)', async () => {
    const body = '{"ref":"main"}';
    const good = await app.inject({
      method: 'POST',
      url: '/github',
      headers: { ...sign(body, 'gh', { scheme: 'hmac-sha256' }), 'content-type': 'application/json' },
      payload: body,
    });
    assert.deepEqual(good.json(), { got: { ref: 'main' } });
    const bad = await app.inject({
      method: 'POST',
      url: '/github',
      headers: { ...sign(body, 'other', { scheme: 'hmac-sha256' }), 'content-type': 'application/json' },
      payload: body,
    });
    assert.equal(bad.statusCode, 401);
    const big = JSON.stringify({ padding: 'x'.repeat(100) });
    const large = await app.inject({ method: 'POST', url: '/small', headers: { ...sign(big, secret), 'content-type': 'application/json' }, payload: big });
    assert.equal(large.statusCode, 413);
  });

  it('explains itself when mounted as a preHandler, where the bytes are gone', async () => {
    const wrong = Fastify();
    wrong.post('/hooks', { preHandler: outbox.verifyWebhook({ secret }) }, async () => ({ ok: true }));
    const body = '{"a":1}';
    const res = await wrong.inject({ method: 'POST', url: '/hooks', headers: { ...sign(body, secret), 'content-type': 'application/json' }, payload: body });
    assert.equal(res.statusCode, 500);
    assert.match(res.json().message, /preParsing hook/);
    await wrong.close();
  });

  it('verifies what WebhookSender sends over the network, end to end', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address();
    const sender = new WebhookSender({ endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secrets: secret }] });
    const count = handled.length;
    const id = sender.send('user.created', { id: 'u_1' });
    await sender.flush(5000);
    assert.equal(sender.stats().delivered, 1);
    assert.ok(await waitFor(() => handled.length === count + 1));
    assert.equal(handled.at(-1).webhook.id, id);
    assert.deepEqual(handled.at(-1).body.data, { id: 'u_1' });
    await sender.shutdown();
  });
});

it("import 'outbox/fastify' gives the same plugin as require", async () => {
  const r = await runNode(
    "import plugin, { fastifyOutbox, verifyWebhook } from 'outbox/fastify'; import { createRequire } from 'node:module';" +
      "const cjs = createRequire(import.meta.url)('outbox/fastify');" +
      'console.log(plugin === cjs, fastifyOutbox === cjs, verifyWebhook === cjs.verifyWebhook, typeof verifyWebhook)',
    { args: ['--input-type=module'] },
  );
  assert.equal(r.stdout.trim(), 'true true true function', r.stderr);
});
