'use strict';
// Fastify helpers for `outbox`. Fastify is an optional peer dependency:
// nothing here requires it.
//
//   const outbox = require('outbox/fastify');
//   fastify.register(outbox, { client });                 // request.outbox.track(...)
//   fastify.post('/hooks', { preParsing: outbox.verifyWebhook({ secret }) }, handler); // 401 on a bad signature

const { Readable } = require('node:stream');
const { Client } = require('../index.js');
const {
  BoundOutbox,
  defaultResolveUser,
  defaultResolveAnonymousId,
  requestContext,
  checkOptions,
  checkClient,
} = require('./request.js');
const { webhookVerifier, DEFAULT_LIMIT } = require('./webhook.js');

// ---------------------------------------------------------------------------
// The plugin: fastify.outbox (the client) and request.outbox (its calls bound
// to the request)

// What Fastify itself puts in a plugin's options (register's own options).
const REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];
const PLUGIN_OPTIONS = ['client', 'clientOptions', 'resolveUser', 'resolveAnonymousId', 'context'];

function contextOf(request) {
  const host = request.host ?? request.hostname;
  return requestContext({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    url: host ? `${request.protocol}://${host}${request.url}` : undefined,
    referrer: request.headers.referer,
  });
}

/**
 * The client's options, with Fastify's logger as its `logger` when Fastify
 * logs (a disabled Fastify logger has no level) and none was given.
 */
function withFastifyLogger(fastify, clientOptions) {
  if (clientOptions === null || typeof clientOptions !== 'object') return clientOptions; // Client explains
  if (clientOptions.logger !== undefined || typeof fastify.log?.level !== 'string') return clientOptions;
  return { ...clientOptions, logger: fastify.log };
}

/**
 * The plugin. Options: `client` (a Client the app owns: flushed when Fastify
 * closes) or `clientOptions` (the plugin creates the client, logging
 * through `fastify.log`, and shuts it down when Fastify closes);
 * `resolveUser(request)`, `resolveAnonymousId(request)`, `context` (default
 * true). Decorates `fastify.outbox` (the client) and `request.outbox` (its
 * calls bound to the request's user).
 */
async function fastifyOutbox(fastify, options) {
  checkOptions(options, [...PLUGIN_OPTIONS, ...REGISTER_OPTIONS], 'outbox/fastify');
  if ((options.client === undefined) === (options.clientOptions === undefined)) {
    throw new TypeError('outbox/fastify needs either `client` (an outbox Client) or `clientOptions` (to create one)');
  }
  const owned = options.client === undefined;
  const client = owned ? new Client(withFastifyLogger(fastify, options.clientOptions)) : options.client;
  checkClient(client, 'outbox/fastify: `client`');
  const resolveUser = options.resolveUser ?? defaultResolveUser;
  const resolveAnonymousId = options.resolveAnonymousId ?? defaultResolveAnonymousId;
  const withContext = options.context ?? true;
  if (typeof resolveUser !== 'function') throw new TypeError('outbox/fastify: resolveUser must be a function (request) => userId');
  if (typeof resolveAnonymousId !== 'function') {
    throw new TypeError('outbox/fastify: resolveAnonymousId must be a function (request) => anonymousId');
  }

  fastify.decorate('outbox', client);
  fastify.decorateRequest('outbox', null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    // One small object per request; every request shares the one client.
    request.outbox = new BoundOutbox(client, {
      userId: () => resolveUser(request),
      anonymousId: () => resolveAnonymousId(request),
      context: () => (withContext ? contextOf(request) : undefined),
    });
    done();
  });
  fastify.addHook('onClose', async () => {
    if (owned) await client.shutdown();
    else await client.flush();
  });
}

// What fastify-plugin would set: the decorations and hooks apply to the
// scope that registers the plugin (not a child scope), and Fastify names it
// in errors. Set by hand so that the package needs no dependency.
fastifyOutbox[Symbol.for('skip-override')] = true;
fastifyOutbox[Symbol.for('fastify.display-name')] = 'outbox';
fastifyOutbox[Symbol.for('plugin-meta')] = { name: 'outbox', fastify: '>=5.0.0-0' };

// ---------------------------------------------------------------------------
// Incoming signed webhooks

function tooLarge(limit) {
  const err = new Error(`request body larger than ${limit} bytes`);
  err.statusCode = 413;
  err.code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  return err;
}

async function readAll(payload, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A route's `preParsing` hook that verifies an incoming signed webhook
 * against the bytes as received, before Fastify parses them: a bad
 * signature is an error with `statusCode` 401 and the verification `code`
 * (Fastify answers `{ statusCode, code, error, message }`), so the handler
 * never runs. Otherwise it sets `request.rawBody` (a Buffer) and
 * `request.webhook` (`{ id, timestamp }`), and Fastify parses the body as
 * usual (`request.body`).
 *
 * Options: `secret` (string or array, for rotation; required), `scheme`
 * ('standard-webhooks' default, or 'hmac-sha256'), `header` (hmac-sha256),
 * `toleranceSec` (default 300), `limit` (bytes; default the route's
 * bodyLimit).
 */
function verifyWebhook(options) {
  const { limit, check } = webhookVerifier(options, 'verifyWebhook');
  return async function verifyWebhookHook(request, _reply, payload) {
    if (payload === null || typeof payload !== 'object' || typeof payload[Symbol.asyncIterator] !== 'function') {
      // By preHandler, Fastify has parsed the body: the signed bytes are gone.
      throw new TypeError('verifyWebhook() is a preParsing hook (it needs the body before Fastify parses it): { preParsing: verifyWebhook({ secret }) }');
    }
    const max = limit ?? request.routeOptions?.bodyLimit ?? DEFAULT_LIMIT;
    const declared = Number(request.headers['content-length']);
    if (declared > max) throw tooLarge(max);
    const raw = await readAll(payload, max);
    const verdict = check(raw, request.headers);
    if (verdict.status !== undefined) {
      const err = new Error(verdict.error.message);
      err.statusCode = verdict.status;
      err.code = verdict.error.code;
      throw err;
    }
    request.rawBody = raw;
    request.webhook = verdict.webhook;
    // Fastify parses what this returns, the same bytes.
    const again = Readable.from([raw], { objectMode: false });
    again.receivedEncodedLength = raw.length;
    return again;
  };
}

module.exports = fastifyOutbox;
module.exports.default = fastifyOutbox;
module.exports.fastifyOutbox = fastifyOutbox;
module.exports.verifyWebhook = verifyWebhook;
module.exports.defaultResolveUser = defaultResolveUser;
module.exports.defaultResolveAnonymousId = defaultResolveAnonymousId;
