'use strict';
// Signing: the shared vectors (tests/vectors/signatures.json), and webhooks
// sent over HTTP by WebhookSender verified by independent npm libraries:
// `standardwebhooks` (the Standard Webhooks reference implementation) and
// `@octokit/webhooks-methods` (GitHub's X-Hub-Signature-256).

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { Webhook } = require('standardwebhooks');
const outbox = require('..');
const { WebhookSender, sign, verify, userHash, verifyUserHash, OutboxError, WebhookVerificationError } = outbox;
const { startReceiver, repo } = require('./helpers.js');

const vectors = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'vectors', 'signatures.json'), 'utf8'));

function bodyOf(v) {
  return v.body_base64 !== undefined ? Buffer.from(v.body_base64, 'base64') : v.body;
}

describe('shared vectors (tests/vectors/signatures.json)', () => {
  it('sign', () => {
    assert.ok(vectors.sign.length >= 10);
    for (const v of vectors.sign) {
      const headers = sign(bodyOf(v), v.secrets, {
        scheme: v.scheme,
        header: v.header,
        id: v.id ?? 'unused',
        timestamp: v.timestamp ?? 0,
      });
      assert.deepEqual(headers, v.expected, v.name);
    }
  });

  it('sign errors', () => {
    for (const v of vectors.sign_errors) {
      assert.throws(
        () => sign('{}', v.secrets, { scheme: v.scheme, header: v.header, id: 'msg_1', timestamp: 1 }),
        (e) => e instanceof OutboxError && e.code === v.error,
        v.name,
      );
    }
  });

  it('verify', () => {
    assert.ok(vectors.verify.length >= 50);
    for (const v of vectors.verify) {
      const call = () =>
        verify(bodyOf(v), v.headers, v.secrets, {
          scheme: v.scheme,
          header: v.header,
          now: v.now,
          toleranceSec: v.tolerance,
        });
      if (v.ok) {
        assert.equal(call(), true, v.name);
      } else {
        assert.throws(call, (e) => e instanceof WebhookVerificationError && e.code === v.error, `${v.name}: expected ${v.error}`);
      }
    }
  });

  it('userHash and verifyUserHash', () => {
    for (const v of vectors.user_hash) {
      assert.equal(userHash(v.secret, v.user_id, { algorithm: v.algorithm }), v.hash, v.name);
      if (v.algorithm === 'hmac-sha256') assert.equal(userHash(v.secret, v.user_id), v.hash, v.name);
    }
    for (const v of vectors.verify_user_hash) {
      assert.equal(verifyUserHash(v.secret, v.user_id, v.hash, { algorithm: v.algorithm }), v.ok, v.name);
    }
  });

  it("userHash's sha256 form is Notifizz's user token", () => {
    const expected = require('node:crypto').createHash('sha256').update('user-42s3cret').digest('hex');
    assert.equal(userHash('s3cret', 'user-42', { algorithm: 'sha256' }), expected);
    assert.throws(
      () => userHash('s', 'u', { algorithm: 'md5' }),
      (e) => e instanceof OutboxError && e.code === 'invalid_option' && /unknown user hash algorithm "md5"/.test(e.message),
    );
    assert.throws(() => userHash('s', 'u', { algorithm: 256 }), (e) => e instanceof TypeError);
  });

  it('scheme names', () => {
    for (const v of vectors.scheme_names) {
      const call = () => sign('{}', 'c2VjcmV0', { scheme: v.input, id: 'msg_1', timestamp: 1 });
      if (v.error) {
        assert.throws(call, (e) => e instanceof OutboxError && e.code === v.error, JSON.stringify(v.input));
      } else {
        const names = Object.keys(call());
        assert.equal(names.includes('webhook-signature') ? 'standard-webhooks' : 'hmac-sha256', v.name, JSON.stringify(v.input));
      }
    }
  });
});

describe('helpers', () => {
  it('sign fills in a message id and the current time', () => {
    const headers = sign('{"a":1}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    assert.match(headers['webhook-id'], /^msg_[0-9a-f]{32}$/);
    assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 5);
    assert.equal(verify('{"a":1}', headers, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), true);
  });

  it('verify takes Buffers, strings, Headers objects, header pairs and several secrets', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = Buffer.from('{"x":true}');
    const headers = sign(body, secret, { timestamp: new Date() });
    assert.equal(verify(body, new Headers(headers), secret), true);
    assert.equal(verify(body.toString(), Object.entries(headers), ['whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', secret]), true);
    assert.equal(verify(new Uint8Array(body), headers, secret), true);
  });

  it('verify refuses a parsed body with a TypeError that says the raw body is needed', () => {
    assert.throws(
      () => verify({ x: true }, {}, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
      (e) => e instanceof TypeError && /raw request body/.test(e.message) && /express\.raw/.test(e.message),
    );
    assert.throws(() => verify(undefined, {}, 'x'), TypeError);
    assert.throws(() => verify('{}', 'headers', 'x'), TypeError);
    assert.throws(() => verify('{}', {}, 42), TypeError);
  });

  it('verify says why a request fails', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = sign('{"a":1}', secret);
    const check = (body, h, code) =>
      assert.throws(() => verify(body, h, secret), (e) => e instanceof WebhookVerificationError && e.code === code && e.message.length > 0);
    check('{"a":2}', headers, 'no_matching_signature');
    check('{"a":1}', { ...headers, 'webhook-signature': undefined }, 'missing_header');
    check('{"a":1}', { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }, 'timestamp_too_old');
  });
});

describe('webhooks over HTTP', () => {
  let rx;
  before(async () => {
    rx = await startReceiver();
  });
  after(() => rx.stop());
  beforeEach(() => rx.reset());

  it('Standard Webhooks signatures verify with the standardwebhooks package', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const sender = new WebhookSender({ endpoints: [{ url: `${rx.url}/hooks`, secrets: secret }] });
    const ids = [
      sender.send('invoice.paid', { id: 'inv_1', amount: 4200n, at: new Date(0) }),
      sender.send('user.deleted', { id: 'u_1', note: 'h\u00e9llo \u2603' }),
    ];
    assert.equal((await sender.flush(5000)).pending, 0);
    assert.equal(sender.stats().delivered, 2);
    const reqs = await rx.requests();
    assert.equal(reqs.length, 2);
    // Up to 4 requests are in flight at once: match them by id, not order.
    reqs.sort((a, b) => ids.indexOf(a.headers['webhook-id']) - ids.indexOf(b.headers['webhook-id']));
    assert.deepEqual(
      reqs.map((r) => r.headers['webhook-id']),
      ids,
    );
    const wh = new Webhook(secret);
    for (const r of reqs) {
      const payload = wh.verify(r.body, r.headers);
      assert.equal(typeof payload.type, 'string');
      assert.equal(verify(Buffer.from(r.body_base64, 'base64'), r.headers, secret), true);
      assert.throws(() => wh.verify(r.body.replace('"u_1"', '"u_2"').replace('"inv_1"', '"inv_2"'), r.headers));
    }
    const first = JSON.parse(reqs[0].body);
    assert.equal(first.type, 'invoice.paid');
    assert.deepEqual(first.data, { id: 'inv_1', amount: 4200, at: '1970-01-01T00:00:00.000Z' });
    await sender.shutdown();
  });

  it('hmac-sha256 signatures verify with @octokit/webhooks-methods', async () => {
    const { verify: octokitVerify } = await import('@octokit/webhooks-methods');
    const secret = "It's a Secret to Everybody";
    const sender = new WebhookSender({ endpoints: [{ url: `${rx.url}/github`, secrets: secret, scheme: 'hmac-sha256' }] });
    sender.send('push', { ref: 'refs/heads/main', commits: [{ id: 'abc' }] });
    sender.sendRaw({ zen: 'Keep it logically awesome.' });
    await sender.flush(5000);
    const reqs = await rx.requests();
    assert.equal(reqs.length, 2);
    for (const r of reqs) {
      const signature = r.headers['x-hub-signature-256'];
      assert.match(signature, /^sha256=[0-9a-f]{64}$/);
      assert.equal(await octokitVerify(secret, r.body, signature), true);
      assert.equal(await octokitVerify(secret, `${r.body} `, signature), false);
      assert.equal(verify(r.body, r.headers, secret, { scheme: 'hmac-sha256' }), true);
    }
    assert.ok(reqs.some((r) => r.body === '{"zen":"Keep it logically awesome."}'));
    await sender.shutdown();
  });

  it('several endpoints, rotation secrets, a custom header, stats per endpoint and onError', async () => {
    const errors = [];
    const sender = new WebhookSender({
      endpoints: [
        { url: `${rx.url}/a`, secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'] },
        { url: `${rx.url}/b`, secrets: 'plain secret', scheme: 'hmac-sha256', header: 'X-Signature' },
        { url: `${rx.url}/gone`, secrets: 'x' , scheme: 'sha256' },
      ],
      onError: (e) => errors.push(e),
    });
    await rx.faults({ kind: 'status', status: 410, path: '/gone', times: 1 });
    const id = sender.send('ping', {});
    await sender.flush(5000);
    const byPath = Object.fromEntries((await rx.requests()).map((r) => [r.path, r]));
    assert.equal(byPath['/a'].headers['webhook-signature'].split(' ').length, 2);
    assert.equal(new Webhook('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD').verify(byPath['/a'].body, byPath['/a'].headers).type, 'ping');
    assert.equal(verify(byPath['/b'].body, byPath['/b'].headers, 'plain secret', { scheme: 'hmac-sha256', header: 'X-Signature' }), true);
    const [a, b, gone] = sender.endpointStats();
    assert.equal(a.delivered, 1);
    assert.equal(b.delivered, 1);
    assert.equal(gone.dropped.endpoint_gone, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].reason, 'endpoint_gone');
    assert.equal(errors[0].status, 410);
    assert.equal(errors[0].endpoint, `${rx.url}/gone`);
    assert.deepEqual(errors[0].messageIds, [id]);
    await sender.shutdown();
  });

  it('refuses bad sender options', () => {
    const cases = [
      [{}, /endpoints is required/],
      [{ endpoints: [] }, /at least one endpoint/],
      [{ endpoints: [{ url: 'ftp://x' }] }, /http:\/\//],
      [{ endpoints: [{ url: 'http://x', secret: 's' }] }, /unknown option "secret".*did you mean "secrets"/],
      [{ endpoints: [{ url: 'http://x', secrets: 'not base64!' }] }, /invalid signing secret/],
      [{ endpoints: [{ url: 'http://x' }], maxQueueSize: 0 }, /maxQueueSize must be at least 1/],
      // What HTTP refuses, and durations past one day, fail here, not at send time.
      [{ endpoints: [{ url: 'http://x', headers: { 'X(1)': 'v' } }] }, /header name "X\(1\)"/],
      [{ endpoints: [{ url: 'http://x', headers: { 'X-Ok': 'a\u007fb' } }] }, /header "X-Ok"/],
      [{ endpoints: [{ url: 'https://hooks:99999/x' }] }, /invalid port number/],
      [{ endpoints: [{ url: 'http://x', timeoutMs: 1e22 }] }, /endpoints\[0\]\.timeoutMs must be at most one day/],
      [{ endpoints: [{ url: 'http://x' }], connectTimeoutMs: 1e22 }, /connectTimeoutMs must be at most one day/],
      [{ endpoints: [{ url: 'http://x' }], proxy: 'socks5://proxy:1080' }, /proxy/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new WebhookSender(options),
        (e) => e instanceof OutboxError && message.test(e.message),
        `${JSON.stringify(options)} should fail with ${message}`,
      );
    }
  });
});
