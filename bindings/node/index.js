'use strict';
// The npm package `outbox`: the Outbox engine (Rust, loaded as a native
// addon) with Node manners. See docs/node.md.

const { EventEmitter } = require('node:events');
const { debuglog } = require('node:util');
const { isMainThread } = require('node:worker_threads');
const native = require('./lib/native.js');

// ---------------------------------------------------------------------------
// Errors

/** Every error Outbox throws (except TypeErrors for misused arguments). */
class OutboxError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
Object.defineProperty(OutboxError.prototype, 'name', { value: 'OutboxError', writable: true, configurable: true });

/** A webhook that failed verification; `code` says why. */
class WebhookVerificationError extends OutboxError {}
Object.defineProperty(WebhookVerificationError.prototype, 'name', {
  value: 'WebhookVerificationError',
  writable: true,
  configurable: true,
});

/** What `onError` receives: a group of events that will never be delivered. */
class DeliveryError extends Error {
  constructor(report) {
    super(report.message || `${report.count} event(s) dropped (${report.reason})`);
    this.reason = report.reason;
    this.status = report.status ?? null;
    this.count = report.count;
    this.messageIds = report.messageIds;
    this.endpoint = report.endpoint ?? null;
  }
}
Object.defineProperty(DeliveryError.prototype, 'name', { value: 'DeliveryError', writable: true, configurable: true });

const OUTBOX_CODES = new Set([
  // generated:codes:js (ErrorCode in core/src/error.rs)
  'invalid_option',
  'invalid_event',
  'event_too_large',
  'invalid_json',
  'closed',
  'no_secret',
  'invalid_secret',
  'unknown_scheme',
  'invalid_header_name',
  'verify_failed',
  'missing_header',
  'empty_header',
  'malformed_signature',
  'invalid_base64',
  'unknown_version',
  'invalid_timestamp',
  'timestamp_too_old',
  'timestamp_too_new',
  'body_not_utf8',
  'no_matching_signature',
  'null_argument',
  'invalid_utf8',
  'invalid_argument',
  'buffer_too_small',
  'not_delivered',
  'panic',
  'internal',
  // /generated
]);

/** Gives errors thrown by the addon their class (keeps message and stack). */
function adopt(err) {
  if (err instanceof Error && !(err instanceof OutboxError) && OUTBOX_CODES.has(err.code) && !(err instanceof TypeError)) {
    Object.setPrototypeOf(err, OutboxError.prototype);
  }
  return err;
}

// ---------------------------------------------------------------------------
// Live clients of this environment (main thread or worker), for exit hooks.

const live = new Map(); // key -> WeakRef(client)
const forget = new FinalizationRegistry((key) => live.delete(key));

function liveObjects() {
  const out = [];
  for (const [key, ref] of live) {
    const obj = ref.deref();
    if (obj === undefined) live.delete(key);
    else out.push(obj);
  }
  return out;
}

const kNative = Symbol('outbox.native');
const kLifecycle = Symbol('outbox.lifecycle');
const kCapture = Symbol('outbox.capture');
const kDispatch = Symbol('outbox.dispatch');

/**
 * The function the engine hands each DeliveryError to: `options.onError`,
 * then the `'error'` event if anyone listens (never thrown otherwise). The
 * emitter is held weakly so that a client nobody references can still be
 * garbage-collected (and shut down) while the engine holds this function.
 */
function makeDispatcher(onError, emitter) {
  if (onError !== undefined && onError !== null && typeof onError !== 'function') {
    throw new OutboxError(`options.onError must be a function, not ${describe(onError)}`, 'invalid_option');
  }
  const call = (what, f, error) => {
    try {
      f(error);
    } catch (err) {
      // A throwing callback never stops delivery, nor crashes the process.
      try {
        process.emitWarning(`outbox: the ${what} threw: ${err && err.stack ? err.stack : err}`);
      } catch {}
    }
  };
  return function dispatch(report) {
    const error = new DeliveryError(report);
    if (typeof onError === 'function') call('onError callback', onError, error);
    const target = emitter.ref?.deref();
    if (target !== undefined && target.listenerCount('error') > 0) {
      call("'error' listener", (e) => target.emit('error', e), error);
    }
  };
}

// `NODE_DEBUG=outbox` turns on the engine's per-request lines.
const nodeDebug = debuglog('outbox');
const LOGGER_METHODS = ['error', 'warn', 'info', 'debug'];

/**
 * Where a client's log lines go: its `logger` (console, pino and winston
 * shaped), else warnings and errors to `process.emitWarning` and the rest
 * to `NODE_DEBUG=outbox` (or, with `debug: true`, to `console.error`).
 */
function makeLogSink(logger, debug) {
  if (logger !== undefined && logger !== null) {
    const missing = LOGGER_METHODS.filter((m) => typeof logger[m] !== 'function');
    if (typeof logger !== 'object' || missing.length > 0) {
      throw new OutboxError(
        `options.logger must have ${LOGGER_METHODS.join(', ')} methods (console, pino and winston loggers do), ` +
          `not ${describe(logger)}${missing.length > 0 && typeof logger === 'object' ? ` without ${missing.join(', ')}` : ''}`,
        'invalid_option',
      );
    }
  }
  return function log({ level, message }) {
    try {
      if (logger) logger[level](`outbox: ${message}`);
      else if (level === 'error' || level === 'warn') process.emitWarning(message, 'OutboxWarning');
      else if (nodeDebug.enabled) nodeDebug('%s', message);
      else if (debug && level === 'debug') console.error(`OUTBOX ${process.pid}: ${message}`);
    } catch {
      // A logger that throws never stops delivery.
    }
  };
}

/** Builds a Lane's native object with a dispatcher bound (weakly) to the Lane. */
function nativeWithDispatch(make, options) {
  const emitter = { ref: undefined };
  const dispatch = makeDispatcher(options.onError, emitter);
  // `logger` is Node's own option; the engine reads the rest.
  const { logger, ...engineOptions } = options;
  const debug = options.debug === true || nodeDebug.enabled;
  if (debug) engineOptions.debug = true;
  const log = makeLogSink(logger, options.debug === true);
  let n;
  try {
    n = make(engineOptions, dispatch, log);
  } catch (err) {
    throw adopt(err);
  }
  return { n, dispatch, emitter };
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'undefined' : `a ${t}`;
}

function toStats(s) {
  const reasons = dropReasons();
  const dropped = {};
  let droppedTotal = 0;
  for (let i = 0; i < reasons.length; i++) {
    dropped[reasons[i]] = s.droppedByReason[i];
    droppedTotal += s.droppedByReason[i];
  }
  return {
    enqueued: s.enqueued,
    delivered: s.delivered,
    pending: s.pending,
    dropped,
    droppedTotal,
    requests: s.requests,
    retries: s.retries,
    splitRequests: s.splitRequests,
    spoolErrors: s.spoolErrors,
    lastError: s.lastError ?? null,
    lastSuccessAt: s.lastSuccessMs == null ? null : new Date(s.lastSuccessMs),
    consecutiveFailures: s.consecutiveFailures,
  };
}

let reasonNames;
function dropReasons() {
  reasonNames ??= native.dropReasons();
  return reasonNames;
}

/**
 * Base of Client and WebhookSender: flush, shutdown, stats, exit hooks. An
 * EventEmitter: `'error'` receives each DeliveryError (only when someone
 * listens: an unheard delivery error is logged, never thrown).
 */
class Lane extends EventEmitter {
  constructor({ n: nativeObj, dispatch, emitter }) {
    super();
    emitter.ref = new WeakRef(this);
    this[kNative] = nativeObj;
    // Flush, shutdown and the counters, the same for both kinds.
    this[kLifecycle] = nativeObj.lifecycle();
    this[kDispatch] = dispatch;
    this._closed = false;
    live.set(this[kLifecycle].key, new WeakRef(this));
    forget.register(this, this[kLifecycle].key);
  }

  /**
   * Waits until everything queued before the call is delivered or given up,
   * or `timeoutMs` (default 30000; Infinity waits without limit) passes.
   * Resolves with `{ delivered, failed, pending }`.
   */
  flush(timeoutMs) {
    let task;
    try {
      task = this[kLifecycle].flush(timeoutMs);
    } catch (err) {
      return Promise.reject(adopt(err));
    }
    return task.then((out) => this._settle(out));
  }

  /**
   * Flushes for up to `timeoutMs` (default `shutdownTimeoutMs`), gives up
   * what is left (reported to `onError`, reason `shutdown`) and stops.
   * Idempotent. Resolves with `{ delivered, failed, pending }`.
   */
  shutdown(timeoutMs) {
    let task;
    try {
      task = this[kLifecycle].shutdown(timeoutMs);
    } catch (err) {
      return Promise.reject(adopt(err));
    }
    this._closed = true;
    return task.then((out) => {
      live.delete(this[kLifecycle].key);
      return this._settle(out);
    });
  }

  /** `await using client = new Client(...)`: shuts the client down when the scope ends. */
  [Symbol.asyncDispose]() {
    return this.shutdown().then(() => undefined);
  }

  /** Counters: `enqueued == delivered + droppedTotal + pending`. */
  stats() {
    return toStats(this[kLifecycle].stats());
  }

  /** How long exit hooks wait for delivery, in milliseconds. */
  get shutdownTimeoutMs() {
    return this[kLifecycle].shutdownTimeoutMs;
  }

  _settle(out) {
    this._report(out.errors);
    return { delivered: out.delivered, failed: out.failed, pending: out.pending };
  }

  _report(errors) {
    const dispatch = this[kDispatch];
    if (dispatch === undefined) return;
    for (const e of errors) dispatch(e);
  }
}

// ---------------------------------------------------------------------------
// Client

const TRACK = 0, IDENTIFY = 1, GROUP = 2, ALIAS = 3, PAGE = 4, SCREEN = 5;
const CALL_NAMES = ['track', 'identify', 'group', 'alias', 'page', 'screen'];

// The six capture calls are one native function, `capture(kind, userId,
// second, payload, options)`: `second` is the event name, group id,
// previous id or page name. A call whose first argument is an object is the
// Segment / PostHog form, `track({ userId, event, properties, ... })`.
function capture(client, kind, userId, second, payload, options) {
  try {
    if (typeof userId === 'object' && userId !== null) {
      return captureMessage(client, kind, userId, second !== undefined || payload !== undefined || options !== undefined);
    }
    return client[kCapture](kind, userId, second, payload, options);
  } catch (err) {
    throw adopt(err);
  }
}

function captureMessage(client, kind, message, moreArguments) {
  if (Array.isArray(message) || moreArguments) {
    const name = CALL_NAMES[kind];
    const fields = kind === TRACK ? 'userId, event, properties' : kind === ALIAS ? 'previousId, userId' : 'userId, ...';
    const err = new TypeError(
      `${name}(): ${kind === ALIAS ? 'previousId' : 'userId'} must be a string (or a number), not ${describe(message)}; ` +
        `the message form takes one object: ${name}({ ${fields} })`,
    );
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  return client[kNative].captureMessage(kind, message);
}

class Client extends Lane {
  /**
   * @param {object} options `{ endpoint, apiKey, ... }`, see index.d.ts.
   */
  constructor(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(
        `new Client(options) needs an options object, e.g. { endpoint: "https://collector.example.com" }, not ${describe(options)}`,
      );
    }
    const parts = nativeWithDispatch((o, dispatch, log) => new native.NativeClient(o, dispatch, log), options);
    super(parts);
    this[kCapture] = parts.n.captureFn();
  }

  /**
   * Queues a `track` event; returns its message id. Also
   * `track({ userId, anonymousId, event, properties, context, timestamp, messageId, integrations })`.
   */
  track(userId, event, properties, options) {
    return capture(this, TRACK, userId, event, properties, options);
  }

  /** Queues an `identify` event; returns its message id. Also `identify({ userId, traits, ... })`. */
  identify(userId, traits, options) {
    return capture(this, IDENTIFY, userId, undefined, traits, options);
  }

  /** Queues a `group` event; returns its message id. Also `group({ userId, groupId, traits, ... })`. */
  group(userId, groupId, traits, options) {
    return capture(this, GROUP, userId, groupId, traits, options);
  }

  /** Queues an `alias` event (previousId becomes userId); returns its message id. Also `alias({ previousId, userId })`. */
  alias(previousId, userId, options) {
    if (typeof previousId === 'object' && previousId !== null) return capture(this, ALIAS, previousId, userId, undefined, options);
    return capture(this, ALIAS, userId, previousId, undefined, options);
  }

  /** Queues a `page` event; returns its message id. Also `page({ userId, name, properties, ... })`. */
  page(userId, name, properties, options) {
    return capture(this, PAGE, userId, name, properties, options);
  }

  /** Queues a `screen` event; returns its message id. Also `screen({ userId, name, properties, ... })`. */
  screen(userId, name, properties, options) {
    return capture(this, SCREEN, userId, name, properties, options);
  }

  /**
   * Queues many events in Segment's shape (`{ type: 'track', userId, event,
   * properties, ... }`). All are checked first: if one is invalid, none is
   * queued. Returns their message ids.
   */
  batch(events) {
    try {
      return this[kNative].batch(events);
    } catch (err) {
      throw adopt(err);
    }
  }

  /**
   * Sends one event (or an array) now, bypassing the queue, retrying
   * transient failures for up to `timeoutMs` (default 10000). Resolves with
   * `{ delivered, status, attempts, error }`.
   */
  deliver(events, timeoutMs) {
    let task;
    try {
      task = this[kNative].deliver(events, timeoutMs);
    } catch (err) {
      return Promise.reject(adopt(err));
    }
    return task.then((out) => {
      if (out.failCode != null) throw new OutboxError(out.failMessage, out.failCode);
      return { delivered: out.delivered, status: out.status ?? null, attempts: out.attempts, error: out.error ?? null };
    });
  }

  /** In test mode: every event delivered so far, in order. */
  captured() {
    return JSON.parse(this[kNative].capturedJson());
  }

  /** In test mode: forgets what was captured. */
  clearCaptured() {
    this[kNative].clearCaptured();
  }
}

// ---------------------------------------------------------------------------
// Webhooks

class WebhookSender extends Lane {
  constructor(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(
        `new WebhookSender(options) needs an options object, e.g. { endpoints: [{ url, secrets }] }, not ${describe(options)}`,
      );
    }
    super(nativeWithDispatch((o, dispatch, log) => new native.NativeWebhookSender(o, dispatch, log), options));
  }

  /**
   * Queues `{ type, timestamp, data }` to every endpoint, signed; returns
   * the message id (the `webhook-id` header).
   */
  send(type, data) {
    try {
      return this[kNative].send(type, data);
    } catch (err) {
      throw adopt(err);
    }
  }

  /** Queues `body` (any JSON value) as it is to every endpoint. */
  sendRaw(body) {
    try {
      return this[kNative].sendRaw(body);
    } catch (err) {
      throw adopt(err);
    }
  }

  /** Counters of each endpoint, in the order given. */
  endpointStats() {
    return this[kNative].endpointStats().map(toStats);
  }

  /** In test mode: the requests that would have been sent. */
  captured() {
    return JSON.parse(this[kNative].capturedJson()).map((r) => ({
      url: r.url,
      headers: Object.fromEntries(r.headers.map(([k, v]) => [k.toLowerCase(), v])),
      body: r.body,
    }));
  }
}

// ---------------------------------------------------------------------------
// Signing helpers

function rawBody(body, fn) {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body !== null && typeof body === 'object') {
    const err = new TypeError(
      `${fn}() needs the raw request body (a Buffer or string), but got ${describe(body)}: ` +
        'the body was probably already parsed as JSON, and re-serializing it does not give back the signed bytes. ' +
        "Read the body raw (e.g. express.raw({ type: 'application/json' }), or the verifyWebhook() middleware from 'outbox/express') " +
        'and parse it after verifying.',
    );
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const err = new TypeError(`${fn}() needs the body as a Buffer or string, not ${describe(body)}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  throw err;
}

function secretList(secret, fn) {
  if (typeof secret === 'string') return [secret];
  if (Array.isArray(secret) && secret.every((s) => typeof s === 'string')) return secret;
  const err = new TypeError(`${fn}() needs a secret (a string) or an array of secrets, not ${describe(secret)}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  throw err;
}

function checkKeys(obj, known, fn) {
  if (obj === undefined || obj === null) return {};
  if (typeof obj !== 'object') {
    const err = new TypeError(`${fn}() options must be an object, not ${describe(obj)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) {
      throw new OutboxError(`unknown option ${JSON.stringify(k)} for ${fn}() (known: ${known.join(', ')})`, 'invalid_option');
    }
  }
  return obj;
}

function unixSeconds(v, name, fn) {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) throw new OutboxError(`${fn}(): ${name} is an invalid Date`, 'invalid_option');
    return Math.floor(t / 1000);
  }
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  throw new OutboxError(`${fn}(): ${name} must be a Date or unix seconds, not ${describe(v)}`, 'invalid_option');
}

/**
 * Signs one webhook: returns the headers to send with `payload`.
 * `options`: `{ scheme = 'standard-webhooks', header, id, timestamp }`.
 */
function sign(payload, secret, options) {
  const body = rawBody(payload, 'sign');
  const secrets = secretList(secret, 'sign');
  const o = checkKeys(options, ['scheme', 'header', 'id', 'timestamp'], 'sign');
  const id = o.id ?? native.newWebhookId();
  if (typeof id !== 'string') throw new OutboxError(`sign(): id must be a string, not ${describe(id)}`, 'invalid_option');
  const timestamp = unixSeconds(o.timestamp, 'timestamp', 'sign') ?? Math.floor(Date.now() / 1000);
  try {
    const pairs = native.signRaw(o.scheme ?? 'standard-webhooks', o.header ?? undefined, secrets, id, timestamp, body);
    return Object.fromEntries(pairs);
  } catch (err) {
    throw adopt(err);
  }
}

function headerPairs(headers) {
  if (headers === null || typeof headers !== 'object') {
    const err = new TypeError(`verify() needs the request headers (an object, a Headers or [name, value] pairs), not ${describe(headers)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const pairs = [];
  const add = (k, v) => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) for (const x of v) pairs.push([String(k), String(x)]);
    else pairs.push([String(k), String(v)]);
  };
  if (Array.isArray(headers)) {
    for (const p of headers) if (Array.isArray(p) && p.length === 2) add(p[0], p[1]);
  } else if (typeof headers.entries === 'function' && typeof headers.get === 'function') {
    for (const [k, v] of headers.entries()) add(k, v);
  } else {
    for (const k of Object.keys(headers)) add(k, headers[k]);
  }
  return pairs;
}

/**
 * Verifies a received webhook against its raw body. Returns true, or throws
 * a WebhookVerificationError whose `code` says why (never returns false).
 * `options`: `{ scheme = 'standard-webhooks', header, toleranceSec = 300, now }`.
 */
function verify(payload, headers, secret, options) {
  const body = rawBody(payload, 'verify');
  const pairs = headerPairs(headers);
  const secrets = secretList(secret, 'verify');
  const o = checkKeys(options, ['scheme', 'header', 'toleranceSec', 'now'], 'verify');
  if (o.toleranceSec !== undefined && typeof o.toleranceSec !== 'number') {
    throw new OutboxError(`verify(): toleranceSec must be a number of seconds, not ${describe(o.toleranceSec)}`, 'invalid_option');
  }
  let out;
  try {
    out = native.verifyRaw(
      o.scheme ?? 'standard-webhooks',
      o.header ?? undefined,
      body,
      pairs,
      secrets,
      o.toleranceSec,
      unixSeconds(o.now, 'now', 'verify'),
    );
  } catch (err) {
    throw adopt(err);
  }
  if (!out.ok) throw new WebhookVerificationError(out.message, out.code);
  return true;
}

/** The `algorithm` of userHash's options, or undefined for the default. */
function hashAlgorithm(options, call) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    const err = new TypeError(`${call}: options must be an object, not ${describe(options)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const { algorithm } = options;
  if (algorithm === undefined || algorithm === null) return undefined;
  if (typeof algorithm !== 'string') {
    const err = new TypeError(`${call}: algorithm must be "hmac-sha256" or "sha256", not ${describe(algorithm)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  return algorithm;
}

/**
 * Hex HMAC-SHA256 of `userId` keyed with `secret` (front-end identity
 * verification); `{ algorithm: 'sha256' }`: hex SHA-256 of `userId + secret`.
 */
function userHash(secret, userId, options) {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new OutboxError('userHash(secret, userId): secret must be a non-empty string', 'invalid_option');
  }
  if (typeof userId === 'number') userId = String(userId);
  if (typeof userId !== 'string') {
    const err = new TypeError(`userHash(secret, userId): userId must be a string, not ${describe(userId)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const algorithm = hashAlgorithm(options, 'userHash(secret, userId, options)');
  try {
    return native.userHash(secret, userId, algorithm);
  } catch (err) {
    throw adopt(err);
  }
}

/** Whether `hash` is `userHash(secret, userId, options)`, compared in constant time. */
function verifyUserHash(secret, userId, hash, options) {
  const algorithm = hashAlgorithm(options, 'verifyUserHash(secret, userId, hash, options)');
  if (typeof userId === 'number') userId = String(userId);
  if (typeof secret !== 'string' || typeof userId !== 'string' || typeof hash !== 'string') return false;
  try {
    return native.verifyUserHash(secret, userId, hash, algorithm);
  } catch (err) {
    throw adopt(err);
  }
}

// ---------------------------------------------------------------------------
// Exit hooks. Nothing of Outbox keeps the event loop alive; these make sure
// nothing queued is lost when the program ends.

// When the loop runs dry: flush whatever is pending (the flush itself keeps
// the loop alive until it is done), each client within its
// shutdownTimeoutMs counted from the first time; past that, give up what is
// left (reported to onError) so that this never loops.
let exitDeadlines = null;
function onBeforeExit() {
  const busy = liveObjects().filter((c) => !c._closed && c[kLifecycle].pending() > 0);
  if (busy.length === 0) {
    exitDeadlines = null;
    return;
  }
  exitDeadlines ??= new Map();
  const now = Date.now();
  for (const c of busy) {
    const timeout = c[kLifecycle].shutdownTimeoutMs;
    if (timeout <= 0) continue; // shutdownTimeoutMs: 0 sends nothing at exit
    let deadline = exitDeadlines.get(c);
    if (deadline === undefined) {
      deadline = now + timeout;
      exitDeadlines.set(c, deadline);
    }
    const left = deadline - now;
    if (left <= 0) {
      c._closed = true;
      c._report(c[kLifecycle].shutdownSync(0).errors);
    } else {
      c.flush(left).catch(() => {});
    }
  }
}

// process.exit() (or the end after beforeExit): a bounded synchronous
// shutdown in native code. On the main thread it covers every client of the
// process, workers' included; in a worker, that worker's.
function onExit() {
  let captured;
  try {
    captured = native.shutdownAtExit(isMainThread);
  } catch {
    return;
  }
  for (const { key, errors } of captured) {
    const obj = live.get(key)?.deref();
    if (obj !== undefined) obj._report(errors);
  }
}

process.on('beforeExit', onBeforeExit);
process.on('exit', onExit);

module.exports = {
  Client,
  WebhookSender,
  OutboxError,
  WebhookVerificationError,
  DeliveryError,
  sign,
  verify,
  userHash,
  verifyUserHash,
  version: native.version(),
};
