'use strict';
// Values far over maxEventBytes are refused before they are converted in
// full: the conversion counts its output as it goes (src/convert.rs), so a
// sparse array of 4e9 holes, a BigInt of millions of bits or a 300 MB
// string costs no more than an event of the limit's size. Each runs in a
// child process, so a crash or an out-of-memory abort fails the test
// instead of the runner, and a hang is caught by a generous time bound (the
// refusal itself takes milliseconds; the old conversion took minutes or
// aborted).

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');

const { Client, WebhookSender, OutboxError } = require('..');
const { runNode } = require('./helpers.js');

const HANG_BOUND_MS = 60_000;

/**
 * Builds `make()` in a child, passes it as properties.v to track(), and
 * reports the error and how much the process grew during the call.
 */
async function refuseInChild(make, { options = '{}', call = "client.track('u', 'e', { v: value })" } = {}) {
  const code = `
    const { Client, WebhookSender } = require('.');
    const client = new Client({ testMode: true, ...${options} });
    const sender = new WebhookSender({ testMode: true, endpoints: [{ url: 'http://127.0.0.1:9/hooks' }] });
    const value = (${make})();
    const grown = () => process.resourceUsage().maxRSS * 1024;
    const before = grown();
    let error = null;
    try {
      ${call};
    } catch (e) {
      error = { code: e.code, name: e.constructor.name, message: e.message };
    }
    const report = { error, grewBytes: grown() - before, enqueued: client.stats().enqueued };
    process.stdout.write(JSON.stringify(report));
    process.exit(0);
  `;
  const out = await runNode(code, { timeoutMs: HANG_BOUND_MS });
  assert.equal(out.code, 0, `the child crashed (signal ${out.signal}): ${out.stderr}`);
  return JSON.parse(out.stdout);
}

function assertTooLarge(report, option = 'maxEventBytes') {
  assert.ok(report.error, 'the call should have thrown');
  assert.equal(report.error.name, 'OutboxError');
  assert.equal(report.error.code, 'event_too_large', report.error.message);
  assert.match(report.error.message, new RegExp(`over the limit of \\d+ bytes \\(${option}\\)`));
  assert.equal(report.enqueued, 0);
}

// Growth of the process during the call: what the refused value is copied
// into (the old conversion copied all of it, or filled gigabytes with
// "null,"). Generous, well under the sizes involved.
const MAX_GROWTH = 64 * 1024 * 1024;

describe('values far over the size limit are refused without being converted', () => {
  it('a sparse array of 4e9 holes', async () => {
    const report = await refuseInChild('() => new Array(4e9)');
    assertTooLarge(report);
    assert.ok(report.grewBytes < MAX_GROWTH, `grew by ${report.grewBytes} bytes`);
  });

  it('a BigInt of five million bits', async () => {
    const report = await refuseInChild('() => 2n ** 5_000_000n');
    assertTooLarge(report);
  });

  it('a 300 MB string, as a value and as a key', async () => {
    const report = await refuseInChild("() => 'x'.repeat(300e6)");
    assertTooLarge(report);
    assert.ok(report.grewBytes < MAX_GROWTH, `grew by ${report.grewBytes} bytes`);
    const asKey = await refuseInChild("() => ({ ['k'.repeat(300e6)]: 1 })");
    assertTooLarge(asKey);
    assert.ok(asKey.grewBytes < MAX_GROWTH, `grew by ${asKey.grewBytes} bytes`);
  });

  it('a dense array, a Map, a Set and a 100 MB buffer', async () => {
    for (const make of [
      '() => new Array(1e7).fill(0)',
      '() => new Map(Array.from({ length: 1e6 }, (_, i) => [String(i), i]))',
      '() => new Set(Array.from({ length: 1e6 }, (_, i) => i))',
      '() => new Uint8Array(100e6)',
      '() => new Float64Array(20e6)',
    ]) {
      assertTooLarge(await refuseInChild(make));
    }
  });

  it('a webhook payload, against maxMessageBytes', async () => {
    const report = await refuseInChild("() => 'x'.repeat(300e6)", { call: "sender.send('big', { v: value })" });
    assertTooLarge(report, 'maxMessageBytes');
  });
});

describe('values within the limit still convert exactly', () => {
  it('a BigInt of 100,000 bits under a raised limit, digit for digit', async () => {
    const sender = new WebhookSender({ testMode: true, maxMessageBytes: 100_000, endpoints: [{ url: 'http://127.0.0.1:9/hooks' }] });
    const value = 2n ** 100_000n + 12345n;
    sender.send('big', { v: value });
    await sender.flush(5000);
    const [request] = sender.captured();
    assert.ok(request.body.includes(`"data":{"v":${value.toString()}}`));
    await sender.shutdown();
  });

  it('an event just under the limit is accepted; one byte more is refused', () => {
    const client = new Client({ testMode: true, maxEventBytes: 2000 });
    let size = 1000;
    // Grow the string until the engine's exact check refuses it.
    for (;;) {
      try {
        client.track('u', 'e', { s: 'x'.repeat(size) });
        size += 1;
      } catch (e) {
        assert.ok(e instanceof OutboxError && e.code === 'event_too_large', e.message);
        break;
      }
    }
    assert.ok(size > 1500, `only ${size} bytes fitted in 2000`);
    assert.equal(client.stats().enqueued, size - 1000);
  });
});

describe('lone surrogates', () => {
  const client = new Client({ testMode: true });
  after(() => client.shutdown());

  for (const [name, make] of [
    ['in a value', () => ({ v: 'ok \ud800 not ok' })],
    ['in a long value', () => ({ v: 'x'.repeat(1000) + '\udc00' })],
    ['in a key', () => ({ ['\ud83d']: 1 })],
    ['in a Map key', () => ({ m: new Map([['\ud800', 1]]) })],
    ['in an Error message', () => ({ e: new Error('\udfff') })],
  ]) {
    it(`are refused ${name}, as in Python`, () => {
      assert.throws(
        () => client.track('u', 'e', make()),
        (e) => e instanceof OutboxError && e.code === 'invalid_event' && /lone surrogate/.test(e.message),
      );
    });
  }

  it('while U+FFFD itself and surrogate pairs are fine', async () => {
    client.track('u', 'e', { v: 'replacement \ufffd, emoji \ud83d\ude00' });
    await client.flush(5000);
    const [event] = client.captured();
    assert.equal(event.properties.v, 'replacement \ufffd, emoji \ud83d\ude00');
  });
});

// Referenced so a typo in the exports fails here rather than in a child.
assert.ok(WebhookSender);
