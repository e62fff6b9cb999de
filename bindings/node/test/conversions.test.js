'use strict';
// How JavaScript values become event JSON: the shared table of
// tests/vectors/conversions.json (the Python package passes the same one),
// then Node-only cases. Each value goes through track() to the real
// receiver, and the body it received is checked.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { Client, OutboxError } = require('..');
const { startReceiver, repo } = require('./helpers.js');

const vectors = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'vectors', 'conversions.json'), 'utf8'));

class Point {
  constructor() {
    this.a = 1;
    this.b = 'x';
  }
  get computed() {
    return 'not own';
  }
  method() {}
}
class WithToJSON {
  toJSON() {
    return { t: 1 };
  }
}

/** The Node value for each vector name (see `input` in the JSON file). */
const inputs = {
  nested: () => ({ a: { b: [1, 2.5, 'x', true, null] } }),
  unicode: () => 'h\u00e9llo \u2603 \ud83d\ude00',
  negative_zero_and_floats: () => [0.1, -2.5e-7, 1e21],
  int_64: () => 9007199254740993n,
  big_int: () => 123456789012345678901234567890n,
  negative_big_int: () => -123456789012345678901234567890n,
  datetime_utc: () => new Date(Date.UTC(2024, 4, 1, 12, 30, 45, 123)),
  set_one: () => new Set([1]),
  bytes: () => Buffer.from('hello'),
  map: () => new Map([['k', 1]]),
  undefined_in_object: () => ({ a: 1, b: undefined }),
  undefined_in_array: () => [1, undefined],
  to_json: () => new WithToJSON(),
  class_instance: () => new Point(),
  nan: () => NaN,
  infinity: () => Infinity,
  invalid_date: () => new Date('nope'),
  circular: () => {
    const o = { a: 1 };
    o.self = o;
    return o;
  },
  function: () => ({ f: () => 1, a: 1 }),
  lone_surrogate: () => 'a \ud800 b',
};

let rx;
let client;
before(async () => {
  rx = await startReceiver();
  client = new Client({ endpoint: rx.url, gzip: false, flushAt: 1000 });
});
after(async () => {
  await client.shutdown();
  rx.stop();
});

/** Sends {v: value}; resolves with the raw body text and the parsed event. */
async function roundTrip(value) {
  await rx.reset();
  const id = client.track('u', 'Converted', { v: value });
  const result = await client.flush(5000);
  assert.equal(result.delivered, 1);
  const [req] = await rx.requests();
  const event = JSON.parse(req.body).batch.find((e) => e.messageId === id);
  return { body: req.body, properties: event.properties };
}

describe('shared conversion vectors (tests/vectors/conversions.json)', () => {
  const cases = vectors.cases.filter((c) => !c.languages || c.languages.includes('node'));

  it('covers every Node case of the table', () => {
    for (const c of cases) assert.ok(inputs[c.name], `no Node input for vector ${c.name}`);
    assert.ok(cases.length >= 15);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const value = inputs[c.name]();
      if (c.error) {
        const before = client.stats().enqueued;
        assert.throws(
          () => client.track('u', 'Converted', { v: value }),
          (e) => e instanceof OutboxError && e.code === 'invalid_event' && e.message.includes(c.error),
          `expected an error containing ${JSON.stringify(c.error)}`,
        );
        assert.equal(client.stats().enqueued, before, 'nothing is queued');
        return;
      }
      const { body, properties } = await roundTrip(value);
      if (c.expected_json !== undefined) {
        assert.ok(body.includes(`"properties":{"v":${c.expected_json}}`), `body ${body} should carry ${c.expected_json} exactly`);
      } else {
        assert.deepEqual(properties, { v: c.expected });
      }
    });
  }
});

describe('Node-only conversions', () => {
  const table = [
    ['integers stay integers', () => 3, '3'],
    ['negative zero', () => -0, '0'],
    ['large doubles, shortest round trip', () => 2 ** 60, '1.152921504606847e+18'],
    ['small BigInt', () => 5n, '5'],
    ['BigInt beyond 128 bits', () => 2n ** 200n, (2n ** 200n).toString()],
    ['Uint8Array as base64', () => new Uint8Array([0, 255]), '"AP8="'],
    ['ArrayBuffer as base64', () => new Uint8Array([1, 2, 3]).buffer, '"AQID"'],
    ['DataView as base64', () => new DataView(new Uint8Array([1, 2, 3]).buffer, 1), '"AgM="'],
    ['Float64Array as numbers', () => new Float64Array([1.5, -2]), '[1.5,-2]'],
    ['Int16Array as numbers', () => new Int16Array([-1, 300]), '[-1,300]'],
    ['BigInt64Array exact', () => new BigInt64Array([-(2n ** 63n)]), '[-9223372036854775808]'],
    ['symbols omitted in objects', () => ({ s: Symbol('x'), a: 1 }), '{"a":1}'],
    ['symbols and functions null in arrays', () => [Symbol('x'), () => 1], '[null,null]'],
    ['symbol keys ignored', () => ({ [Symbol('k')]: 1, a: 2 }), '{"a":2}'],
    ['Map with number and boolean keys', () => new Map([[1, 'a'], [true, 'b'], [null, 'c']]), '{"1":"a","true":"b","null":"c"}'],
    ['nested Map and Set', () => ({ m: new Map([['s', new Set(['x'])]]) }), '{"m":{"s":["x"]}}'],
    ['toJSON receives the key', () => ({ k: { toJSON: (key) => `key=${key}` } }), '{"k":"key=k"}'],
    ['toJSON returning undefined omits the key', () => ({ k: { toJSON: () => undefined }, a: 1 }), '{"a":1}'],
    ['Date nested in arrays', () => [new Date(0)], '["1970-01-01T00:00:00.000Z"]'],
    ['Date far in the future', () => new Date(Date.UTC(20000, 0, 1)), '"+020000-01-01T00:00:00.000Z"'],
    ['boxed primitives', () => [new Number(1), new String('s'), new Boolean(false)], '[1,"s",false]'],
    ['Error as name and message', () => new TypeError('bad'), '{"name":"TypeError","message":"bad"}'],
    ['null-prototype object', () => Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
    ['getters are read, like JSON.stringify', () => ({ get g() { return 2; } }), '{"g":2}'],
    ['non-enumerable properties skipped', () => Object.defineProperty({ a: 1 }, 'hidden', { value: 2 }), '{"a":1}'],
    ['integer-like keys first, as in JSON.stringify', () => ({ b: 1, 2: 'x', a: 2, 1: 'y' }), '{"1":"y","2":"x","b":1,"a":2}'],
    ['shared (non-circular) references are fine', () => { const x = { n: 1 }; return { a: x, b: x }; }, '{"a":{"n":1},"b":{"n":1}}'],
    ['strings needing escapes', () => 'quote " backslash \\ newline \n', JSON.stringify('quote " backslash \\ newline \n')],
  ];
  for (const [name, make, json] of table) {
    it(name, async () => {
      const { body } = await roundTrip(make());
      assert.ok(body.includes(`"properties":{"v":${json}}`), `body ${body} should carry ${json}`);
    });
  }

  it('matches JSON.stringify for plain data', async () => {
    const value = { s: 'x', n: [1, 2.25, -3e-9], b: [true, false], z: null, o: { deep: { deeper: [{}] } } };
    const { body } = await roundTrip(value);
    assert.ok(body.includes(`"properties":{"v":${JSON.stringify(value)}}`));
  });

  const errors = [
    ['-Infinity', () => -Infinity, /properties\.v is -Infinity/],
    ['NaN deep inside, with its path', () => ({ a: [{ b: NaN }] }), /properties\.v\.a\[0\]\.b is NaN/],
    ['NaN in a Float64Array', () => new Float64Array([NaN]), /properties\.v\[0\] is NaN/],
    ['circular through an array', () => { const a = []; a.push({ a }); return a; }, /properties\.v\[0\]\.a is a circular reference/],
    ['circular through a Map', () => { const m = new Map(); m.set('me', m); return m; }, /circular/],
    ['object Map keys', () => new Map([[{}, 1]]), /Map key that is an object/],
    ['absurd depth', () => { let o = {}; for (let i = 0; i < 150; i++) o = { o }; return o; }, /nested more than 64 levels deep/],
  ];
  for (const [name, make, message] of errors) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => client.track('u', 'Converted', { v: make() }),
        (e) => e instanceof OutboxError && e.code === 'invalid_event' && message.test(e.message),
      );
    });
  }

  it('accepts 64 levels of nesting, the limit in every language', async () => {
    // properties (1) > v (2) > 61 more > { leaf } (64)
    let o = { leaf: true };
    for (let i = 0; i < 62; i++) o = { o };
    const { body } = await roundTrip(o);
    assert.ok(body.includes('"leaf":true'));
  });

  it('lets exceptions from toJSON and getters through unchanged', () => {
    const boom = new RangeError('from user code');
    assert.throws(
      () => client.track('u', 'Converted', { v: { toJSON() { throw boom; } } }),
      (e) => e === boom,
    );
    assert.throws(
      () => client.track('u', 'Converted', { v: { get g() { throw boom; } } }),
      (e) => e === boom,
    );
  });

  it('does not keep or change the caller\'s objects', async () => {
    const props = { list: [1, 2], when: new Date(0) };
    const id = client.track('u', 'Converted', props);
    props.list.push(3);
    props.when.setTime(1000);
    await client.flush(5000);
    const event = (await rx.events()).find((e) => e.messageId === id);
    assert.deepEqual(event.properties, { list: [1, 2], when: '1970-01-01T00:00:00.000Z' });
  });
});
