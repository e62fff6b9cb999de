'use strict';
// Incoming signed webhooks, for the framework integrations: the options
// they all take, and what a request's raw bytes and headers come to (the
// verification itself is outbox.verify, in the engine).

const { verify, WebhookVerificationError } = require('../index.js');
const { checkOptions } = require('./request.js');

const KNOWN = ['secret', 'scheme', 'header', 'toleranceSec', 'limit'];
const DEFAULT_LIMIT = 1 << 20;

/**
 * Checks the options of a `verifyWebhook`-style helper named `fn`; returns
 * `{ limit, check(raw, headers) }` (`limit` as given, or undefined). `check` returns `{ webhook: { id,
 * timestamp } }` when the signature holds, or `{ status: 401, error }` (the
 * JSON to answer with) when it does not; a misconfiguration (a malformed
 * secret) throws.
 */
function webhookVerifier(options, fn) {
  checkOptions(options ?? {}, KNOWN, fn);
  const { secret, scheme, header, toleranceSec, limit } = options ?? {};
  if (!(typeof secret === 'string' || (Array.isArray(secret) && secret.length > 0))) {
    throw new TypeError(`${fn}({ secret }) needs the signing secret (or an array of secrets during rotation)`);
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) throw new TypeError(`${fn}: limit must be a positive number of bytes`);
  const verifyOptions = {};
  if (scheme !== undefined) verifyOptions.scheme = scheme;
  if (header !== undefined) verifyOptions.header = header;
  if (toleranceSec !== undefined) verifyOptions.toleranceSec = toleranceSec;

  function check(raw, headers) {
    try {
      verify(raw, headers, secret, verifyOptions);
    } catch (err) {
      // A bad secret is the server's fault, not the sender's: not a 401.
      if (err instanceof WebhookVerificationError && err.code !== 'no_secret' && err.code !== 'invalid_secret') {
        return { status: 401, error: { error: 'invalid webhook signature', code: err.code, message: err.message } };
      }
      throw err;
    }
    const get = (name) => (typeof headers.get === 'function' ? (headers.get(name) ?? undefined) : headers[name]);
    const timestamp = get('webhook-timestamp');
    return { webhook: { id: get('webhook-id'), timestamp: timestamp === undefined ? undefined : Number(timestamp) } };
  }

  return { limit, check };
}

/** Whether a body of this Content-Type is parsed as JSON (no type counts). */
function isJson(contentType) {
  const type = String(contentType ?? '');
  return type === '' || /\bjson\b/i.test(type);
}

/**
 * The verified body parsed as JSON: `{ value }`, or `{ status: 400, error }`
 * when it is not JSON. An empty body is `undefined`.
 */
function parseJson(raw) {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  if (text === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { status: 400, error: { error: 'the webhook body is not valid JSON' } };
  }
}

module.exports = { webhookVerifier, isJson, parseJson, DEFAULT_LIMIT };
