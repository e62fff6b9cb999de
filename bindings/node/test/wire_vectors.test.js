'use strict';
// tests/vectors/events.json through the Node API: the wire format. Each
// vector's call is made with Node's arguments (camelCase call options),
// flushed to the real receiver, and the event it received must be the
// vector's `expected`, byte for byte (the Rust, C and Python suites run the
// same file). Then the same calls in test mode, where captured() must hold
// the same events as values: it re-encodes events, so it cannot show bytes.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const outbox = require('..');
const { Client } = outbox;
const { startReceiver, repo } = require('./helpers.js');

const FACE = 'node';
const BIGINT = '\u0000bigint:';

/** JSON with the integers a double cannot hold as BigInt, as a Node caller
 * holds them (JSON.parse alone rounds them). Strings are matched first, so
 * digits inside them are left alone. */
function parseWithBigInts(text) {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"\\u0000bigint:${token}"` : token,
  );
  return JSON.parse(marked, (_, v) => (typeof v === 'string' && v.startsWith(BIGINT) ? BigInt(v.slice(BIGINT.length)) : v));
}

const { vectors } = parseWithBigInts(fs.readFileSync(path.join(repo, 'tests', 'vectors', 'events.json'), 'utf8'));
const LIBRARY = JSON.stringify({ name: 'outbox-node', version: outbox.version });
const LIBRARY_MASK = '"@library@"';
const GENERATED_ID = '@generated-message-id@';
const GENERATED_TIMESTAMP = '@generated-timestamp@';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ENGINE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** The neutral call's option names as Node spells them. */
const OPTION_NAMES = {
  anonymous_id: 'anonymousId',
  message_id: 'messageId',
  timestamp: 'timestamp',
  context: 'context',
  integrations: 'integrations',
};

/** Makes the call as a Node caller would; returns the message id. */
function send(client, call) {
  const options = {};
  for (const [name, value] of Object.entries(call.options ?? {})) {
    assert.ok(OPTION_NAMES[name], `unknown option ${name}`);
    options[OPTION_NAMES[name]] = value;
  }
  const opts = call.options ? options : undefined;
  switch (call.call) {
    case 'track':
      return client.track(call.user_id, call.event, call.properties, opts);
    case 'identify':
      return client.identify(call.user_id, call.traits, opts);
    case 'group':
      return client.group(call.user_id, call.group_id, call.traits, opts);
    case 'alias':
      return client.alias(call.previous_id, call.user_id, opts);
    case 'page':
      return client.page(call.user_id, call.name, call.properties, opts);
    case 'screen':
      return client.screen(call.user_id, call.name, call.properties, opts);
    default:
      throw new Error(`unknown call ${call.call}`);
  }
}

/** The first reason listed in `skip` under one of `keys`, if any. */
function skipReason(vector, ...keys) {
  const key = keys.find((k) => vector.skip?.[k]);
  return key ? `${key}: ${vector.skip[key]}` : false;
}

/** What this face must send: `expected`, or a known difference's bytes. */
function bytesFor(vector) {
  return vector.differs?.[FACE]?.sent ?? vector.expected;
}

/** The event of a one-event body {"batch":[EVENT],"sentAt":"..."}. */
function eventOfBody(body) {
  const m = /^\{"batch":\[(.*)\],"sentAt":"([^"]*)"\}$/s.exec(body.toString('utf8'));
  assert.ok(m, `unexpected body ${body}`);
  assert.match(m[2], ENGINE_TIME);
  return m[1];
}

/** The first `"key":"VALUE"` (the top-level one: it precedes any caller
 * text), its VALUE checked against `shape`, then replaced. */
function mask(sent, key, shape, placeholder) {
  const prefix = `"${key}":"`;
  const start = sent.indexOf(prefix) + prefix.length;
  const end = sent.indexOf('"', start);
  assert.match(sent.slice(start, end), shape, `generated ${key}`);
  return sent.slice(0, start) + placeholder + sent.slice(end);
}

function checkBytes(sent, template, returnedId) {
  const expected = template.replaceAll(LIBRARY_MASK, LIBRARY);
  assert.equal(JSON.parse(sent).messageId, returnedId);
  if (expected.includes(GENERATED_ID)) sent = mask(sent, 'messageId', UUID_V4, GENERATED_ID);
  if (expected.includes(GENERATED_TIMESTAMP)) sent = mask(sent, 'timestamp', ENGINE_TIME, GENERATED_TIMESTAMP);
  assert.ok(Buffer.from(sent, 'utf8').equals(Buffer.from(expected, 'utf8')), `sent     ${sent}\nexpected ${expected}`);
}

describe('events.json on the wire', () => {
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

  for (const vector of vectors) {
    it(vector.name, { skip: skipReason(vector, FACE) }, async () => {
      await rx.reset();
      const id = send(client, vector.call);
      assert.equal((await client.flush(10_000)).delivered, 1);
      const [request, ...more] = await rx.requests();
      assert.equal(more.length, 0, 'one request per flushed call');
      checkBytes(eventOfBody(Buffer.from(request.body_base64, 'base64')), bytesFor(vector), id);
    });
  }
});

describe('events.json in test mode', () => {
  const client = new Client({ testMode: true });
  after(() => client.shutdown());

  for (const vector of vectors) {
    it(vector.name, { skip: skipReason(vector, FACE, 'test_mode') }, async () => {
      client.clearCaptured();
      const id = send(client, vector.call);
      await client.flush(10_000);
      const [event, ...more] = client.captured();
      assert.equal(more.length, 0);
      const expected = JSON.parse(vector.expected.replaceAll(LIBRARY_MASK, LIBRARY));
      assert.equal(event.messageId, id);
      for (const [key, generated, shape] of [
        ['messageId', GENERATED_ID, UUID_V4],
        ['timestamp', GENERATED_TIMESTAMP, ENGINE_TIME],
      ]) {
        if (expected[key] === generated) {
          assert.match(event[key], shape);
          event[key] = generated;
        }
      }
      assert.deepEqual(event, expected);
    });
  }
});
