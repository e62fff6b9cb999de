'use strict';
// Express (and plain node:http) helpers for `outbox`. Express is an optional
// peer dependency: nothing here requires it; the middlewares only use the
// request and response objects they are given.
//
//   const { outboxMiddleware, verifyWebhook } = require('outbox/express');
//   app.use(outboxMiddleware(client));                   // req.outbox.track(...)
//   app.post('/hooks', verifyWebhook({ secret }), handler); // 401 on a bad signature

const { verify, WebhookVerificationError } = require('../index.js');

// ---------------------------------------------------------------------------
// req.outbox: calls bound to the user of the request

function idOf(v) {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  // ObjectId-like values (MongoDB) print as their hex id.
  if (v !== null && typeof v === 'object' && typeof v.toHexString === 'function') return v.toHexString();
  return undefined;
}

/**
 * The user id of a request, from the usual places auth middleware puts it:
 * `req.user` (Passport: `id`, `_id`, `userId`, `sub`), `req.auth` (express-jwt,
 * Clerk: `userId`, `sub`; express-oauth2-jwt-bearer: `payload.sub`),
 * `req.session` (`userId`, `user.id`, Passport's `passport.user`) and
 * `res.locals.user`.
 */
function defaultResolveUser(req, res) {
  const user = req.user;
  const auth = req.auth;
  const session = req.session;
  return (
    idOf(user?.id) ??
    idOf(user?._id) ??
    idOf(user?.userId) ??
    idOf(user?.sub) ??
    idOf(auth?.userId) ??
    idOf(auth?.sub) ??
    idOf(auth?.payload?.sub) ??
    idOf(session?.userId) ??
    idOf(session?.user?.id) ??
    idOf(session?.passport?.user) ??
    idOf(res?.locals?.user?.id)
  );
}

function cookie(req, name) {
  if (req.cookies && typeof req.cookies[name] === 'string') return req.cookies[name];
  const header = req.headers?.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return part.slice(eq + 1).trim();
      }
    }
  }
  return undefined;
}

/**
 * The anonymous id of a request: the `X-Anonymous-Id` header, or the
 * `ajs_anonymous_id` cookie that Segment's analytics.js sets in browsers.
 */
function defaultResolveAnonymousId(req) {
  const header = req.headers?.['x-anonymous-id'];
  if (typeof header === 'string' && header !== '') return header;
  const c = cookie(req, 'ajs_anonymous_id');
  if (typeof c === 'string' && c !== '') return c.replace(/^"(.*)"$/, '$1');
  return undefined;
}

function requestContext(req) {
  const context = {};
  const ip = req.ip ?? req.socket?.remoteAddress;
  if (typeof ip === 'string') context.ip = ip;
  const ua = req.headers?.['user-agent'];
  if (typeof ua === 'string') context.userAgent = ua;
  return context;
}

/** Calls of one request, bound to its user (resolved at each call). */
class RequestOutbox {
  constructor(client, req, res, options) {
    this.client = client;
    this._req = req;
    this._res = res;
    this._options = options;
  }

  /** The user id resolved from the request (or undefined). */
  get userId() {
    const id = this._options.resolveUser(this._req, this._res);
    return id === null || id === undefined ? undefined : idOf(id) ?? id;
  }

  /** The anonymous id resolved from the request (or undefined). */
  get anonymousId() {
    return this._options.resolveAnonymousId(this._req, this._res) ?? undefined;
  }

  _callOptions(options) {
    const o = { ...options };
    if (o.anonymousId === undefined) {
      const anon = this.anonymousId;
      if (anon !== undefined) o.anonymousId = anon;
    }
    if (this._options.context) {
      o.context = { ...requestContext(this._req), ...o.context };
    }
    return o;
  }

  track(event, properties, options) {
    return this.client.track(this.userId, event, properties, this._callOptions(options));
  }
  identify(traits, options) {
    return this.client.identify(this.userId, traits, this._callOptions(options));
  }
  group(groupId, traits, options) {
    return this.client.group(this.userId, groupId, traits, this._callOptions(options));
  }
  page(name, properties, options) {
    return this.client.page(this.userId, name, properties, this._callOptions(options));
  }
  screen(name, properties, options) {
    return this.client.screen(this.userId, name, properties, this._callOptions(options));
  }
  /** Links the request's anonymous id (or `previousId`) to its user. */
  alias(previousId, options) {
    return this.client.alias(previousId ?? this.anonymousId, this.userId, this._callOptions(options));
  }
}

/**
 * Middleware that sets `req.outbox` (or `req[property]`): `track`,
 * `identify`, `group`, `page`, `screen` and `alias` of `client`, bound to the
 * request's user, with `context.ip` and `context.userAgent` filled in.
 * The user is resolved when a call is made, so the order of middlewares
 * does not matter.
 */
function outboxMiddleware(client, options = {}) {
  if (client === null || typeof client !== 'object' || typeof client.track !== 'function') {
    throw new TypeError('outboxMiddleware(client, options) needs an outbox Client');
  }
  const known = ['resolveUser', 'resolveAnonymousId', 'property', 'context'];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`outboxMiddleware: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
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
  const known = ['secret', 'scheme', 'header', 'toleranceSec', 'limit'];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`verifyWebhook: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
  const { secret, scheme, header, toleranceSec } = options;
  const limit = options.limit ?? 1 << 20;
  if (!(typeof secret === 'string' || (Array.isArray(secret) && secret.length > 0))) {
    throw new TypeError('verifyWebhook({ secret }) needs the signing secret (or an array of secrets during rotation)');
  }
  const verifyOptions = {};
  if (scheme !== undefined) verifyOptions.scheme = scheme;
  if (header !== undefined) verifyOptions.header = header;
  if (toleranceSec !== undefined) verifyOptions.toleranceSec = toleranceSec;

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
        try {
          verify(body, req.headers, secret, verifyOptions);
        } catch (err) {
          if (err instanceof WebhookVerificationError && err.code !== 'no_secret' && err.code !== 'invalid_secret') {
            send(res, 401, { error: 'invalid webhook signature', code: err.code, message: err.message });
            return;
          }
          next(err);
          return;
        }
        req.rawBody = body;
        const type = String(req.headers['content-type'] || '');
        if (/\bjson\b/i.test(type) || type === '') {
          try {
            req.body = JSON.parse(body.toString('utf8'));
          } catch {
            send(res, 400, { error: 'the webhook body is not valid JSON' });
            return;
          }
        }
        req.webhook = {
          id: req.headers['webhook-id'],
          timestamp: req.headers['webhook-timestamp'] === undefined ? undefined : Number(req.headers['webhook-timestamp']),
        };
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
