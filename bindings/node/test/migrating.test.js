'use strict';
// docs/migrating.md: every js block is an excerpt of an example in
// examples/node/migrating_*.js, and each example runs against the real
// receiver with the wire result its mapping promises (Segment's Basic auth,
// PocketPing's and RetainPixel's signatures recomputed with crypto over the
// bytes received, Notifizz's token, Whisperr's req.whisperr).

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { repo, pkgDir, useReceiver } = require('./helpers.js');

const dir = path.join(repo, 'examples', 'node');
const linked = fs.existsSync(path.join(dir, 'node_modules', 'outbox', 'package.json'));
// "before" blocks show the SDK being replaced; they are not run.
const KNOWN_FENCES = ['python', 'python before', 'js', 'js before'];

function docBlocks() {
  const doc = fs.readFileSync(path.join(repo, 'docs', 'migrating.md'), 'utf8');
  return [...doc.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1].trim(), body: m[2] }));
}

function examples() {
  const names = fs.readdirSync(dir).filter((f) => /^migrating_.*\.js$/.test(f)).sort();
  return names.map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** True when `block` is whole lines of `text`, as they are. */
const isExcerpt = (block, text) => `\n${text}`.includes(`\n${block}`);

describe('docs/migrating.md', () => {
  it('has only python, js and "before" code blocks', () => {
    const unknown = docBlocks().filter((b) => !KNOWN_FENCES.includes(b.info));
    assert.deepEqual(unknown.map((b) => b.info), [], `allowed fences: ${KNOWN_FENCES.join(', ')}`);
  });

  it('shows every js block as it is in an examples/node/migrating_*.js (so its snippets run)', () => {
    const files = examples();
    const blocks = docBlocks().filter((b) => b.info === 'js').map((b) => b.body);
    assert.ok(blocks.length > 0);
    for (const block of blocks) {
      assert.ok(files.some((f) => isExcerpt(block, f.text)), `this block is in no examples/node/migrating_*.js:\n${block}`);
    }
    for (const f of files) {
      assert.ok(blocks.some((b) => isExcerpt(b, f.text)), `docs/migrating.md shows nothing of ${f.name}`);
    }
  });
});

const rx = useReceiver();

function run(file, env = {}) {
  const r = spawnSync(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, OUTBOX_ENDPOINT: rx.url, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const rawBody = (request) => Buffer.from(request.body_base64, 'base64');
const hmacHex = (secret, body) => crypto.createHmac('sha256', secret).update(body).digest('hex');

describe('examples/node/migrating_*.js', { skip: linked ? false : 'run `npm ci` in examples/node first (make test-node does)' }, () => {
  it('segment: Basic auth with the write key, every call in the message-object form', async () => {
    const out = run('migrating_segment.js');
    assert.match(out, /^\{ delivered: \d, failed: 0, pending: 0 \}\n$/);
    const requests = await rx.requests();
    const basic = `Basic ${Buffer.from('my-write-key:').toString('base64')}`;
    assert.deepEqual([...new Set(requests.map((r) => r.headers.authorization))], [basic]);
    const events = await rx.events();
    assert.deepEqual(events.map((e) => e.type), ['identify', 'track', 'group', 'page', 'alias']);
    assert.equal(events[1].context.ip, '203.0.113.7');
    assert.deepEqual(events[3].properties, { category: 'Docs' });
    assert.equal(events[3].category, undefined);
  });

  it('posthog: capture, identify, group, alias, and captureImmediate through deliver()', async () => {
    const out = run('migrating_posthog.js');
    assert.match(out, /^captureImmediate delivered: true\n\{ delivered: \d, failed: 0, pending: 0 \}\n$/);
    const requests = await rx.requests();
    assert.deepEqual([...new Set(requests.map((r) => r.headers.authorization))], ['Bearer my-project-api-key']);
    const events = await rx.events();
    assert.deepEqual(events.map((e) => `${e.type} ${e.event ?? ''}`).sort(), [
      'alias ',
      'group ',
      'identify ',
      'track Invoice Paid',
      'track Order Completed',
    ]);
    const alias = events.find((e) => e.type === 'alias');
    assert.deepEqual([alias.previousId, alias.userId], ['anon-7', 'user-42']);
  });

  it("pocketping: X-PocketPing-Signature is sha256=<HMAC of the exact body>, PocketPing's payload", async () => {
    const out = run('migrating_pocketping.js');
    assert.match(out, /^msg_[0-9a-f]{32} \{ delivered: 1, failed: 0, pending: 0 \}\n$/);
    const [request] = await rx.requests();
    const body = rawBody(request);
    assert.equal(request.path, '/pocketping-events');
    assert.equal(request.headers['x-pocketping-signature'], `sha256=${hmacHex('your-hmac-secret', body)}`);
    const payload = JSON.parse(body);
    assert.deepEqual(Object.keys(payload), ['event', 'session', 'sentAt']);
    assert.deepEqual(payload.event, { name: 'clicked_pricing', data: { plan: 'pro' }, timestamp: '2026-01-21T00:00:00.000Z', sessionId: 'sess_abc123' });
    assert.deepEqual(payload.session, { id: 'sess_abc123', visitorId: 'visitor_xyz', metadata: { url: 'https://example.com/pricing' } });
    // The receiving side of the example accepts it, and refuses a changed body.
    const { verifyPocketPing } = require(path.join(dir, 'migrating_pocketping.js'));
    assert.equal(verifyPocketPing(body, request.headers), true);
    assert.throws(() => verifyPocketPing(Buffer.concat([body, Buffer.from(' ')]), request.headers), { code: 'no_matching_signature' });
  });

  it('whisperr: the same options, positional calls with context, and req.whisperr in Express', async () => {
    // express is a dev dependency of the package, not of examples/node.
    const out = run('migrating_whisperr.js', { NODE_PATH: path.join(pkgDir, 'node_modules') });
    assert.match(out, /^200 \{ delivered: \d, failed: 0, pending: 0 \}\n$/);
    const requests = await rx.requests();
    assert.deepEqual([...new Set(requests.map((r) => r.headers.authorization))], ['Bearer wrk_test']);
    const [track, identify, fromRequest] = await rx.events();
    assert.deepEqual([track.userId, track.event, track.context.source], ['user_8842', 'payment_failed', 'stripe']);
    assert.deepEqual(identify.traits, { email: 'ada@example.com', plan: 'pro' });
    assert.deepEqual([fromRequest.userId, fromRequest.event, fromRequest.properties], ['user_8842', 'payment_failed', { amount_cents: 4900 }]);
    assert.equal(fromRequest.context.ip, '127.0.0.1');
  });

  it("notifizz: the token is sha256(userId + secret), and track's POST is Notifizz's", async () => {
    const out = run('migrating_notifizz.js');
    const token = crypto.createHash('sha256').update('user-42' + 'auth-secret').digest('hex');
    assert.equal(out, `${token} { delivered: 1, failed: 0, pending: 0 }\n`);
    const [request] = await rx.requests();
    assert.equal(request.path, '/events/track');
    assert.equal(request.headers.authorization, 'Bearer sdk-secret');
    assert.deepEqual(JSON.parse(rawBody(request)), {
      eventName: 'order_shipped',
      sdkSecretKey: 'sdk-secret',
      properties: { orderId: 'ord_1' },
      workflows: [],
    });
  });

  it('retainpixel: every request carries X-RP-Signature: sha256=<HMAC of its body>', async () => {
    const out = run('migrating_retainpixel.js');
    assert.match(out, /^\{ delivered: \d, failed: 0, pending: 0 \}\n$/);
    const requests = await rx.requests();
    assert.ok(requests.length >= 2, 'the deliver() request and the queued batch');
    for (const request of requests) {
      assert.equal(request.gzip, false);
      assert.equal(request.headers['x-rp-signature'], `sha256=${hmacHex('rp_secret', rawBody(request))}`);
    }
    const events = await rx.events();
    assert.deepEqual(events.map((e) => `${e.type} ${e.event ?? ''}`).sort(), [
      'group ',
      'identify ',
      'track Checkout Started',
      'track Invoice Paid',
      'track Order Completed',
    ]);
  });
});
