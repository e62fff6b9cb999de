'use strict';
// The Next.js App Router helpers, called the way Next.js calls a route
// handler (a NextRequest and a context with params), sending to the real
// receiver. Without a build: the helpers use only Request and Response.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { NextRequest, NextResponse } = require('next/server');
const { Webhook } = require('standardwebhooks');
const { Client, WebhookSender, sign } = require('..');
const { withOutbox, withWebhook, bindRequest } = require('../lib/next.js');
const { useReceiver, runNode, waitFor } = require('./helpers.js');

const rx = useReceiver();
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** What Next.js passes a route handler as its second argument. */
const routeContext = (params) => ({ params: Promise.resolve(params) });

describe('withOutbox', () => {
  let client;
  before(() => {
    client = new Client({ endpoint: rx.url });
  });
  after(() => client.shutdown());

  it('gives the handler calls of the one shared client, bound to the request', async () => {
    const clients = new Set();
    const POST = withOutbox(
      client,
      async (request, { outbox, params }) => {
        clients.add(outbox.client);
        const { sku } = await request.json(); // the request is the handler's to read
        const id = outbox.track('Order Completed', { sku, order: (await params).order });
        return NextResponse.json({ id, userId: outbox.userId ?? null });
      },
      // As with Clerk's or Auth.js's auth(): asynchronous.
      { resolveUser: async (request) => (request.headers.get('authorization') === 'Bearer t-9' ? 'user-9' : null) },
    );
    const signedIn = await POST(
      new NextRequest('https://shop.example/api/orders/42?from=cart', {
        method: 'POST',
        body: JSON.stringify({ sku: 'book' }),
        headers: { authorization: 'Bearer t-9', 'user-agent': 'agent/3', 'x-forwarded-for': '203.0.113.7, 10.0.0.1', referer: 'https://shop.example/cart' },
      }),
      routeContext({ order: '42' }),
    );
    const anonymous = await POST(
      new NextRequest('https://shop.example/api/orders/43', {
        method: 'POST',
        body: JSON.stringify({ sku: 'pen' }),
        headers: { cookie: 'theme=dark; ajs_anonymous_id=%22anon-5%22' },
      }),
      routeContext({ order: '43' }),
    );
    assert.equal(signedIn.status, 200);
    const a = await signedIn.json();
    const b = await anonymous.json();
    assert.equal(a.userId, 'user-9');
    assert.equal(b.userId, null);
    assert.deepEqual([...clients], [client], 'no client per request');

    await client.flush(5000);
    const byId = new Map((await rx.events()).map((e) => [e.messageId, e]));
    const first = byId.get(a.id);
    assert.equal(first.userId, 'user-9');
    assert.deepEqual(first.properties, { sku: 'book', order: '42' });
    assert.equal(first.context.ip, '203.0.113.7');
    assert.equal(first.context.userAgent, 'agent/3');
    assert.deepEqual(first.context.page, {
      url: 'https://shop.example/api/orders/42?from=cart',
      path: '/api/orders/42',
      search: '?from=cart',
      referrer: 'https://shop.example/cart',
    });
    const second = byId.get(b.id);
    assert.equal(second.userId, undefined);
    assert.equal(second.anonymousId, 'anon-5');
    assert.deepEqual(second.properties, { sku: 'pen', order: '43' });
  });

  it('takes the anonymous id a resolver gives, even none, over the cookie; bindRequest binds outside a wrapper', async () => {
    const test = new Client({ testMode: true });
    const cookie = { cookie: 'ajs_anonymous_id=from-cookie' };
    const GET = withOutbox(test, async (_request, { outbox }) => Response.json({ anon: outbox.anonymousId ?? null }), {
      resolveAnonymousId: (request) => request.headers.get('x-device') ?? null,
    });
    const ask = async (headers) => (await (await GET(new NextRequest('https://a.example/', { headers }), routeContext({}))).json()).anon;
    assert.equal(await ask({ ...cookie, 'x-device': 'dev-1' }), 'dev-1');
    assert.equal(await ask(cookie), null);
    const bound = bindRequest(test, new NextRequest('https://a.example/p', { headers: cookie }), { userId: 7, context: false });
    bound.alias();
    await test.flush();
    const [alias] = test.captured();
    assert.equal(alias.type, 'alias');
    assert.equal(alias.userId, '7');
    assert.equal(alias.previousId, 'from-cookie');
    assert.equal(alias.context.page, undefined);
    await test.shutdown();
  });

  it('refuses what is not a client, a handler or a known option', () => {
    assert.throws(() => withOutbox({}, async () => new Response()), /needs an outbox Client/);
    assert.throws(() => withOutbox(client, null), /handler must be a route handler/);
    assert.throws(() => withOutbox(client, async () => new Response(), { resolveUserId: () => 'x' }), /unknown option "resolveUserId"/);
  });
});

describe('withWebhook', () => {
  const handled = [];
  const POST = withWebhook({ secret }, async (request, { webhook, params }) => {
    handled.push({ webhook, text: await request.text(), params: await params });
    return new Response(null, { status: 204 });
  });
  const post = (body, headers, params = { source: 'billing' }) =>
    POST(new NextRequest('https://app.example/api/hooks', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }), routeContext(params));

  it('hands a good signature to the handler: parsed body, bytes, id; the request still readable', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_2', note: 'naïve' } });
    const headers = sign(body, secret);
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body), 'the reference implementation agrees');
    const res = await post(body, headers);
    assert.equal(res.status, 204);
    const { webhook, text, params } = handled.at(-1);
    assert.deepEqual(webhook.body, JSON.parse(body));
    assert.equal(webhook.rawBody.toString(), body);
    assert.equal(webhook.id, headers['webhook-id']);
    assert.equal(webhook.timestamp, Number(headers['webhook-timestamp']));
    assert.equal(text, body);
    assert.deepEqual(params, { source: 'billing' });
  });

  it('answers 401 with the code for a tampered, unsigned or stale webhook; the handler never runs', async () => {
    const count = handled.length;
    const body = JSON.stringify({ amount: 100 });
    const tampered = await post(JSON.stringify({ amount: 1000000 }), sign(body, secret));
    assert.equal(tampered.status, 401);
    assert.equal((await tampered.json()).code, 'no_matching_signature');
    const unsigned = await post(body, {});
    assert.equal(unsigned.status, 401);
    assert.equal((await unsigned.json()).code, 'missing_header');
    const stale = await post(body, sign(body, secret, { timestamp: new Date(Date.now() - 3600_000) }));
    assert.equal(stale.status, 401);
    assert.equal((await stale.json()).code, 'timestamp_too_old');
    assert.equal(handled.length, count);
  });

  it('has the hmac-sha256 scheme and a body limit (413)', async () => {
    const GITHUB = withWebhook({ secret: 'gh', scheme: 'hmac-sha256', limit: 64 }, async (_request, { webhook }) => Response.json(webhook.body));
    const body = '{"ref":"main"}';
    const request = (b, s) => new NextRequest('https://app.example/api/github', {
        method: 'POST',
        body: b,
        headers: { ...sign(b, s, { scheme: 'hmac-sha256' }), 'content-type': 'application/json' },
      });
    assert.deepEqual(await (await GITHUB(request(body, 'gh'), routeContext({}))).json(), { ref: 'main' });
    assert.equal((await GITHUB(request(body, 'other'), routeContext({}))).status, 401);
    const big = JSON.stringify({ padding: 'x'.repeat(100) });
    assert.equal((await GITHUB(request(big, 'gh'), routeContext({}))).status, 413);
    // A chunked body with no Content-Length is counted as it arrives.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('{"x":"0123456789"}'));
        c.close();
      },
    });
    const chunked = new NextRequest('https://app.example/api/github', { method: 'POST', body: stream, duplex: 'half' });
    assert.equal((await GITHUB(chunked, routeContext({}))).status, 413);
  });

  it('composes with withOutbox, and verifies what WebhookSender sends, end to end', async () => {
    const client = new Client({ endpoint: rx.url });
    const ROUTE = withWebhook(
      { secret },
      withOutbox(client, async (_request, { webhook, outbox }) => {
        outbox.track('Webhook Received', { type: webhook.body.type });
        return new Response(null, { status: 204 });
      }, { resolveUser: () => 'system' }),
    );
    // A tiny server standing for `next start`: Node's Request in, Response out.
    const http = require('node:http');
    const server = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const request = new NextRequest(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      const response = await ROUTE(request, routeContext({}));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const sender = new WebhookSender({ endpoints: [{ url: `http://127.0.0.1:${server.address().port}/api/hooks`, secrets: secret }] });
    sender.send('user.created', { id: 'u_1' });
    await sender.flush(5000);
    assert.equal(sender.stats().delivered, 1);
    await client.flush(5000);
    assert.ok(await waitFor(() => client.stats().delivered === 1));
    const [event] = await rx.events();
    assert.equal(event.event, 'Webhook Received');
    assert.deepEqual(event.properties, { type: 'user.created' });
    assert.equal(event.userId, 'system');
    await sender.shutdown();
    await client.shutdown();
    await new Promise((r) => server.close(r));
  });
});

it("import 'outbox/next' gives the same functions as require", async () => {
  const r = await runNode(
    "import { withOutbox, withWebhook } from 'outbox/next'; import { createRequire } from 'node:module';" +
      "const cjs = createRequire(import.meta.url)('outbox/next');" +
      'console.log(withOutbox === cjs.withOutbox, withWebhook === cjs.withWebhook)',
    { args: ['--input-type=module'] },
  );
  assert.equal(r.stdout.trim(), 'true true', r.stderr);
});
