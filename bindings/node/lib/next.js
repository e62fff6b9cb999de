'use strict';
// Next.js (App Router) helpers for `outbox`. They use only the Web
// standard Request and Response that route handlers receive and return, so
// nothing here requires Next.js (they also fit other fetch-style servers).
//
//   // next.config.js: serverExternalPackages: ['outbox'] (a native addon must not be bundled)
//   const { withOutbox, withWebhook } = require('outbox/next');
//   export const POST = withOutbox(client, async (request, { outbox }) => { outbox.track('Signed Up'); ... });
//   export const POST = withWebhook({ secret }, async (request, { webhook }) => { webhook.body ... });

const {
  BoundOutbox,
  anonymousIdFrom,
  requestContext,
  checkOptions,
  checkClient,
} = require('./request.js');
const { webhookVerifier, isJson, parseJson, DEFAULT_LIMIT } = require('./webhook.js');

// ---------------------------------------------------------------------------
// A request-bound tracker

/**
 * The client address as the proxy in front says (Next.js has no socket
 * address to give): the first `X-Forwarded-For` entry, or `X-Real-IP`.
 */
function forwardedIp(headers) {
  const forwarded = headers.get('x-forwarded-for');
  if (forwarded) return forwarded.split(',')[0].trim();
  return headers.get('x-real-ip') ?? undefined;
}

function contextOf(request) {
  const h = request.headers;
  return requestContext({
    ip: forwardedIp(h),
    userAgent: h.get('user-agent') ?? undefined,
    url: request.url,
    referrer: h.get('referer') ?? undefined,
  });
}

/** The anonymous id of a Web Request: `X-Anonymous-Id`, or the `ajs_anonymous_id` cookie. */
function defaultResolveAnonymousId(request) {
  return anonymousIdFrom((name) => request.headers.get(name) ?? undefined);
}

/**
 * The client's calls bound to a Web Request: `context.ip`, `userAgent` and
 * `page` from it; the user id given (resolved by the caller, who may have
 * had to await it), the anonymous id from the request.
 */
function bindRequest(client, request, { userId, anonymousId, context = true } = {}) {
  checkClient(client, 'bindRequest(client, request)');
  // undefined: read it from the request; null: there is none.
  const anon = anonymousId === undefined ? defaultResolveAnonymousId(request) : (anonymousId ?? undefined);
  return new BoundOutbox(client, {
    userId: () => userId,
    anonymousId: () => anon,
    context: () => (context ? contextOf(request) : undefined),
  });
}

/**
 * Wraps a route handler: it gets `context.outbox`, the calls of the one
 * shared `client` bound to the request's user. Options: `resolveUser(request)`
 * (may be async, e.g. `async () => (await auth())?.userId`),
 * `resolveAnonymousId(request)`, `context` (default true).
 */
function withOutbox(client, handler, options = {}) {
  checkClient(client, 'withOutbox(client, handler)');
  if (typeof handler !== 'function') throw new TypeError('withOutbox(client, handler): handler must be a route handler function');
  checkOptions(options, ['resolveUser', 'resolveAnonymousId', 'context'], 'withOutbox');
  const { resolveUser, resolveAnonymousId = defaultResolveAnonymousId, context = true } = options;
  if (resolveUser !== undefined && typeof resolveUser !== 'function') {
    throw new TypeError('withOutbox: resolveUser must be a function (request) => userId (or a Promise of it)');
  }
  if (typeof resolveAnonymousId !== 'function') throw new TypeError('withOutbox: resolveAnonymousId must be a function (request) => anonymousId');
  return async function routeWithOutbox(request, routeContext) {
    const [userId, anonymousId] = await Promise.all([resolveUser?.(request), resolveAnonymousId(request)]);
    const outbox = bindRequest(client, request, { userId: userId ?? undefined, anonymousId: anonymousId ?? null, context });
    return handler(request, { ...routeContext, outbox });
  };
}

// ---------------------------------------------------------------------------
// Incoming signed webhooks

function jsonResponse(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/** The bytes of `stream`, or null once they pass `limit`. */
async function readLimited(stream, limit) {
  if (stream === null) return Buffer.alloc(0);
  const chunks = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: a cancelled branch of a clone settles only when the
      // other branch (the request the handler never gets) is cancelled too.
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Wraps a route handler that receives signed webhooks: the raw body is
 * verified first, and a bad signature gets **401** `{ error, code, message }`
 * without the handler running. The handler gets `context.webhook`:
 * `{ id, timestamp, body (parsed JSON), rawBody (a Buffer) }`; the request
 * itself is left unread, so `await request.text()` still works.
 *
 * Options: `secret` (string or array, for rotation; required), `scheme`
 * ('standard-webhooks' default, or 'hmac-sha256'), `header` (hmac-sha256),
 * `toleranceSec` (default 300), `limit` (bytes, default 1 MiB; 413 beyond).
 */
function withWebhook(options, handler) {
  const { limit = DEFAULT_LIMIT, check } = webhookVerifier(options, 'withWebhook');
  if (typeof handler !== 'function') throw new TypeError('withWebhook(options, handler): handler must be a route handler function');
  return async function routeWithWebhook(request, routeContext) {
    const tooLarge = jsonResponse(413, { error: `request body larger than ${limit} bytes` });
    if (Number(request.headers.get('content-length')) > limit) return tooLarge;
    // A clone, so that the handler may still read the request as usual.
    const raw = await readLimited(request.clone().body, limit);
    if (raw === null) return tooLarge;
    const verdict = check(raw, request.headers);
    if (verdict.status !== undefined) return jsonResponse(verdict.status, verdict.error);
    let body;
    if (isJson(request.headers.get('content-type'))) {
      const parsed = parseJson(raw);
      if (parsed.status !== undefined) return jsonResponse(parsed.status, parsed.error);
      body = parsed.value;
    }
    return handler(request, { ...routeContext, webhook: { ...verdict.webhook, body, rawBody: raw } });
  };
}

module.exports = { withOutbox, withWebhook, bindRequest, defaultResolveAnonymousId };
