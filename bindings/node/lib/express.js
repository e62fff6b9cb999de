'use strict';
// Express (and plain node:http) helpers for `outbox`. Express is an optional
// peer dependency: nothing here requires it; the middlewares only use the
// request and response objects they are given.
//
//   const { outboxMiddleware, verifyWebhook } = require('outbox/express');
//   app.use(outboxMiddleware(client));                   // req.outbox.track(...)
//   app.post('/hooks', verifyWebhook({ secret }), handler); // 401 on a bad signature

const {
  BoundOutbox,
  defaultResolveUser,
  defaultResolveAnonymousId,
  requestContext,
  checkOptions,
  checkClient,
} = require('./request.js');
const { webhookVerifier, isJson, parseJson, DEFAULT_LIMIT } = require('./webhook.js');

// ---------------------------------------------------------------------------
// req.outbox: calls bound to the user of the request

function contextOf(req) {
  const host = req.headers?.host;
  const protocol = req.protocol ?? (req.socket?.encrypted ? 'https' : 'http');
  const path = req.originalUrl ?? req.url;
  return requestContext({
    ip: req.ip ?? req.socket?.remoteAddress,
    userAgent: req.headers?.['user-agent'],
    url: typeof host === 'string' && typeof path === 'string' ? `${protocol}://${host}${path}` : undefined,
    referrer: req.headers?.referer,
  });
}

/** Calls of one request, bound to its user (resolved at each call). */
class RequestOutbox extends BoundOutbox {
  constructor(client, req, res, options) {
    super(client, {
      userId: () => options.resolveUser(req, res),
      anonymousId: () => options.resolveAnonymousId(req, res),
      context: () => (options.context ? contextOf(req) : undefined),
    });
  }
}

/**
 * Middleware that sets `req.outbox` (or `req[property]`): `track`,
 * `identify`, `group`, `page`, `screen` and `alias` of `client`, bound to the
 * request's user, with `context.ip`, `context.userAgent` and `context.page` filled in.
 * The user is resolved when a call is made, so the order of middlewares
 * does not matter.
 */
function outboxMiddleware(client, options = {}) {
  checkClient(client, 'outboxMiddleware(client, options)');
  checkOptions(options, ['resolveUser', 'resolveAnonymousId', 'property', 'context'], 'outboxMiddleware');
  const o = {
    resolveUser: options.resolveUser ?? defaultResolveUser,
    resolveAnonymousId: options.resolveAnonymousId ?? defaultResolveAnonymousId,
    property: options.property ?? 'outbox',
    context: options.context ?? true,
  };
  if (typeof o.resolveUser !== 'function') throw new TypeError('outboxMiddleware: resolveUser must be a function (req, res) => userId');
  if (typeof o.resolveAnonymousId !== 'function') {
    throw new TypeError('outboxMiddleware: resolveAnonymousId must be a function (req, res) => anonymousId');
  }
  return function outbox(req, res, next) {
    req[o.property] = new RequestOutbox(client, req, res, o);
    next();
  };
}

// ---------------------------------------------------------------------------
// Incoming signed webhooks

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        const err = new Error(`request body larger than ${limit} bytes`);
        err.status = 413;
        finish(err);
        req.resume();
        return;
      }
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks));
    const onError = (err) => finish(err);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function send(res, status, body) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/**
 * Middleware that verifies an incoming signed webhook against its raw body
 * and answers 401 when the signature does not check out. On success it sets
 * `req.rawBody` (a Buffer), `req.body` (the parsed JSON when the body is
 * JSON) and `req.webhook` (`{ id, timestamp }`), then calls `next()`.
 *
 * It reads the body itself; mount it before any JSON body parser for its
 * routes (or after `express.raw()`, whose Buffer it uses).
 *
 * Options: `secret` (string or array, for rotation; required), `scheme`
 * ('standard-webhooks' default, or 'hmac-sha256'), `header` (hmac-sha256),
 * `toleranceSec` (default 300), `limit` (bytes, default 1 MiB).
 */
function verifyWebhook(options = {}) {
  const { limit = DEFAULT_LIMIT, check } = webhookVerifier(options, 'verifyWebhook');

  return function verifyWebhookMiddleware(req, res, next) {
    let raw;
    if (Buffer.isBuffer(req.body)) raw = Promise.resolve(req.body);
    else if (Buffer.isBuffer(req.rawBody)) raw = Promise.resolve(req.rawBody);
    else if (typeof req.body === 'string') raw = Promise.resolve(Buffer.from(req.body));
    else if (req.body !== undefined && req.body !== null && (req._body || req.readableEnded || req.complete)) {
      next(
        new TypeError(
          'verifyWebhook: the request body was already parsed, so its raw bytes (which the signature covers) are gone. ' +
            "Mount verifyWebhook() before express.json() for this route, or use express.raw({ type: 'application/json' }) before it.",
        ),
      );
      return;
    } else raw = readBody(req, limit);

    raw.then(
      (body) => {
        let verdict;
        try {
          verdict = check(body, req.headers);
        } catch (err) {
          next(err);
          return;
        }
        if (verdict.status !== undefined) {
          send(res, verdict.status, verdict.error);
          return;
        }
        req.rawBody = body;
        if (isJson(req.headers['content-type'])) {
          const parsed = parseJson(body);
          if (parsed.status !== undefined) {
            send(res, parsed.status, parsed.error);
            return;
          }
          req.body = parsed.value;
        }
        req.webhook = verdict.webhook;
        next();
      },
      (err) => {
        if (err && err.status === 413) send(res, 413, { error: err.message });
        else next(err);
      },
    );
  };
}

module.exports = { outboxMiddleware, verifyWebhook, defaultResolveUser, defaultResolveAnonymousId, RequestOutbox };
