'use strict';
// What the framework integrations (Express, Fastify, Next.js) share: who a
// request is, what it adds to an event's context, and the client's six calls
// bound to one request. Nothing here knows a framework.

/** A user id as sent: non-empty strings, finite numbers, ObjectId-like values. */
function idOf(v) {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  // ObjectId-like values (MongoDB) print as their hex id.
  if (v !== null && typeof v === 'object' && typeof v.toHexString === 'function') return v.toHexString();
  return undefined;
}

/**
 * The user id of a request, from the usual places auth middleware puts it:
 * `req.user` (Passport, @fastify/jwt: `id`, `_id`, `userId`, `sub`),
 * `req.auth` (express-jwt, Clerk: `userId`, `sub`; express-oauth2-jwt-bearer:
 * `payload.sub`), `req.session` (`userId`, `user.id`, Passport's
 * `passport.user`) and Express's `res.locals.user`.
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

/** The value of cookie `name` in a `Cookie` header, or undefined. */
function cookieValue(header, name) {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/**
 * The anonymous id of a request: the `X-Anonymous-Id` header, or the
 * `ajs_anonymous_id` cookie that Segment's analytics.js sets in browsers
 * (stored JSON-quoted). `header(name)` reads a request header.
 */
function anonymousIdFrom(header, cookies) {
  const given = header('x-anonymous-id');
  if (typeof given === 'string' && given !== '') return given;
  const c = cookies?.ajs_anonymous_id ?? cookieValue(header('cookie'), 'ajs_anonymous_id');
  if (typeof c === 'string' && c !== '') return c.replace(/^"(.*)"$/, '$1');
  return undefined;
}

/** defaultResolveAnonymousId for requests with Node's header object. */
function defaultResolveAnonymousId(req) {
  return anonymousIdFrom((name) => req.headers?.[name], req.cookies);
}

/**
 * `context.ip`, `context.userAgent` and `context.page` (`url`, `path`,
 * `search`, `referrer`) from what a request says. `url` is absolute or
 * missing; the event gets only what is known.
 */
function requestContext({ ip, userAgent, url, referrer }) {
  const context = {};
  if (typeof ip === 'string' && ip !== '') context.ip = ip;
  if (typeof userAgent === 'string') context.userAgent = userAgent;
  let parsed;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    const page = { url: parsed.href, path: parsed.pathname };
    if (parsed.search !== '') page.search = parsed.search;
    if (typeof referrer === 'string' && referrer !== '') page.referrer = referrer;
    context.page = page;
  }
  return context;
}

/**
 * The six calls of a shared client bound to one request: its user and
 * anonymous id (asked of `who` at each call) and its context (merged under
 * the call's own). Requests share the client; this object is cheap.
 */
class BoundOutbox {
  /**
   * @param client the shared Client
   * @param who `{ userId(), anonymousId(), context() }`; context() may
   *   return undefined for none.
   */
  constructor(client, who) {
    this.client = client;
    this._who = who;
  }

  /** The user id resolved from the request (or undefined). */
  get userId() {
    const id = this._who.userId();
    return id === null || id === undefined ? undefined : (idOf(id) ?? id);
  }

  /** The anonymous id resolved from the request (or undefined). */
  get anonymousId() {
    return this._who.anonymousId() ?? undefined;
  }

  _callOptions(options) {
    const o = { ...options };
    if (o.anonymousId === undefined) {
      const anon = this.anonymousId;
      if (anon !== undefined) o.anonymousId = anon;
    }
    const context = this._who.context();
    if (context !== undefined) o.context = { ...context, ...o.context };
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

/** Throws a TypeError naming an option of `fn` that is not in `known`. */
function checkOptions(options, known, fn) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`${fn}: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
}

/** Throws unless `client` looks like an outbox Client. */
function checkClient(client, fn) {
  if (client === null || typeof client !== 'object' || typeof client.track !== 'function') {
    throw new TypeError(`${fn} needs an outbox Client`);
  }
}

module.exports = {
  idOf,
  defaultResolveUser,
  cookieValue,
  anonymousIdFrom,
  defaultResolveAnonymousId,
  requestContext,
  BoundOutbox,
  checkOptions,
  checkClient,
};
