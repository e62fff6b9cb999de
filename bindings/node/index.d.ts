// Type definitions for the npm package `outbox`.
// The guide is docs/node.md; every option's default and reason is there.

/// <reference types="node" />

import { EventEmitter } from 'node:events';

// ---------------------------------------------------------------------------
// Values

/** Anything `track()` and friends accept as properties / traits / context. */
export type JsonInput =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | Uint8Array
  | ArrayBuffer
  | DataView
  | ArrayBufferView
  | Map<string | number | bigint | boolean, unknown>
  | Set<unknown>
  | { toJSON(key?: string): unknown }
  | readonly unknown[]
  | { readonly [key: string]: unknown };

/**
 * Event properties, traits or context: an object (plain, a class instance
 * with own enumerable fields, or a Map). Values follow `JsonInput`.
 */
export type Properties = object;

/** A user, group or previous id: strings, or numbers (sent as strings). */
export type Id = string | number;

/** Why events were given up. */
export type DropReason = 'queue_full' | 'rejected' | 'too_large' | 'retries_exhausted' | 'shutdown' | 'endpoint_gone';

/** What `onFull` does when the queue is full. */
export type OnFull = 'drop_oldest' | 'drop_newest' | 'block' | 'drop-oldest' | 'drop-newest';

/** Webhook signature schemes. */
export type SignatureScheme = 'standard-webhooks' | 'hmac-sha256' | 'standard' | 'sha256';

// ---------------------------------------------------------------------------
// Options

export interface ClientOptions {
  // generated:client:dts (from the option schema)
  /** Base URL of the collector. Default: required (unless `testMode` or `disabled`). */
  endpoint?: string;
  /** Path of the batch API under the endpoint (Segment's). Default '/v1/batch'. */
  path?: string;
  /** Sent with every request, as `authScheme` says. Default: none. */
  apiKey?: string;
  /** `Authorization: Bearer <key>`, or `"basic"`: `Basic base64(key:)`, as Segment expects write keys. Default 'bearer'. */
  authScheme?: 'bearer' | 'basic';
  /** Sign every request (several during rotation). Default: none. */
  signingSecrets?: string | readonly string[];
  /** How requests are signed: Standard Webhooks, or `"hmac-sha256"` (`X-Hub-Signature-256: sha256=...`). Default 'standard-webhooks'. */
  signatureScheme?: 'standard-webhooks' | 'hmac-sha256';
  /** Header of the `"hmac-sha256"` scheme. Default 'X-Hub-Signature-256'. */
  signatureHeader?: string;
  /** Send as soon as this many events are queued. Default 100. */
  flushAt?: number;
  /** A lone event leaves within this; zero is no timer (send at `flushAt`, on flush and at exit). In milliseconds. Default 500. */
  flushIntervalMs?: number;
  /** Most events per request; under load batches grow to it. Default 1,000. */
  maxBatchSize?: number;
  /** Most bytes per request body before compression (Segment's limit). Default 500,000. */
  maxBatchBytes?: number;
  /** Largest serialized event (Segment's limit); bigger ones fail at the call. Default 32,000. */
  maxEventBytes?: number;
  /** Deadline of one request. In milliseconds. Default 10,000. */
  requestTimeoutMs?: number;
  /** Gzip request bodies of 1 KiB and more. Default true. */
  gzip?: boolean;
  /** Extra headers on every request. Default: none. */
  headers?: Readonly<Record<string, string>>;
  /** Validate calls, send nothing, start no thread. Default false. */
  disabled?: boolean;
  /** A directory where queued events survive a crash, delivered by the next process. Default: none. */
  spoolDir?: string;
  /** When the spool syncs: `"batch"` (every 100 ms) or `"event"` (each call waits for the disk). Default 'batch'. */
  spoolSync?: 'batch' | 'event';
  /** Events held, queued and in flight: the default absorbs a burst of 100,000 typical events without a drop. Default 200,000. */
  maxQueueSize?: number;
  /** Bytes of event JSON held: the real memory bound. Default 64 MiB. */
  maxQueueBytes?: number;
  /** When the queue is full: drop the oldest, drop the newest, or block the caller. Default 'drop_oldest'. */
  onFull?: 'drop_oldest' | 'drop_newest' | 'block';
  /** With `onFull` `"block"`: longest wait for room, or no limit. In milliseconds. `Infinity`: no limit. Default 1,000. */
  blockTimeoutMs?: number;
  /** Retries before an event is given up (3: four attempts in all); by default retry until delivered, shut down or pushed out by the queue bound. Default: no limit. */
  maxRetries?: number | null;
  /** First backoff cap, doubled per failed round (equal jitter). In milliseconds. Default 100. */
  retryInitialBackoffMs?: number;
  /** Largest backoff cap: the probe interval during an outage. In milliseconds. Default 2,000. */
  retryMaxBackoffMs?: number;
  /** Requests in flight at once. Default 4. */
  maxConcurrentRequests?: number;
  /** Deadline of opening a connection. In milliseconds. Default 5,000. */
  connectTimeoutMs?: number;
  /** Explicit http:// or https:// proxy URL. Default: `HTTPS_PROXY` / `NO_PROXY`. */
  proxy?: string;
  /** Called with every group of events that will never be delivered. Default: none. */
  onError?: (error: DeliveryError) => void;
  /** How long exit hooks wait for delivery; zero sends nothing at exit. In milliseconds. Default 5,000. */
  shutdownTimeoutMs?: number;
  /** Log every request and retry at debug level. Default false. */
  debug?: boolean;
  /** Keep requests in memory instead of sending them; read them with `captured()`. Default false. */
  testMode?: boolean;
  // /generated
  /**
   * Where this client's log lines go (`console`, a pino or winston logger:
   * anything with error, warn, info and debug methods). Default: warnings
   * through `process.emitWarning`, debug lines with `NODE_DEBUG=outbox`.
   */
  logger?: Logger;
}

/** A logger `outbox` can write to: `console`, pino and winston loggers fit. */
export interface Logger {
  error(message: string): unknown;
  warn(message: string): unknown;
  info(message: string): unknown;
  debug(message: string): unknown;
}

/** Options of one call. */
export interface CallOptions {
  /** Identifies a visitor who is not logged in (with or instead of the user id). */
  anonymousId?: Id;
  /** When it happened. Default: the time of the call. */
  timestamp?: Date | string;
  /** Merged into the event's context (`context.library` is added unless given). */
  context?: Properties;
  /** Segment's `integrations` object. */
  integrations?: Properties;
  /** Your own id for the event (deduplication). Default: a new UUID v4. */
  messageId?: string;
}

/** The fields every message-object call takes (`userId` or `anonymousId` is needed). */
export interface MessageBase extends CallOptions {
  userId?: Id | null;
}

/** `client.track({ ... })`, as @segment/analytics-node and posthog-node take it. */
export interface TrackMessage extends MessageBase {
  event: string;
  properties?: Properties | null;
}

/** `client.identify({ ... })`. */
export interface IdentifyMessage extends MessageBase {
  traits?: Properties | null;
}

/** `client.group({ ... })`. */
export interface GroupMessage extends MessageBase {
  groupId: Id;
  traits?: Properties | null;
}

/** `client.alias({ ... })`: `previousId` becomes `userId`. */
export interface AliasMessage extends MessageBase {
  previousId: Id;
  userId: Id;
}

/** `client.page({ ... })` and `client.screen({ ... })`. */
export interface PageMessage extends MessageBase {
  name?: string | null;
  properties?: Properties | null;
}

/** One event in Segment's shape, for `batch()` and `deliver()`. */
export interface EventInput {
  type: 'track' | 'identify' | 'group' | 'alias' | 'page' | 'screen';
  userId?: Id | null;
  anonymousId?: Id | null;
  /** The event name (`track`). */
  event?: string | null;
  /** The page or screen name. */
  name?: string | null;
  groupId?: Id | null;
  previousId?: Id | null;
  properties?: Properties | null;
  traits?: Properties | null;
  context?: Properties | null;
  integrations?: Properties | null;
  timestamp?: Date | string | null;
  messageId?: string | null;
}

export interface WebhookEndpoint {
  // generated:endpoint:dts (from the option schema)
  /** The http:// or https:// URL messages are posted to. Default: required. */
  url: string;
  /** Signing secrets (several during rotation); none sends unsigned requests. Default: none. */
  secrets?: string | readonly string[];
  /** How messages are signed: Standard Webhooks, or `"hmac-sha256"`. Default 'standard-webhooks'. */
  scheme?: 'standard-webhooks' | 'hmac-sha256';
  /** Header of the `"hmac-sha256"` scheme. Default 'X-Hub-Signature-256'. */
  header?: string;
  /** Deadline of one delivery attempt (receivers should answer fast). In milliseconds. Default 5,000. */
  timeoutMs?: number;
  /** Extra headers on every request to this endpoint. Default: none. */
  headers?: Readonly<Record<string, string>>;
  // /generated
}

export interface WebhookSenderOptions {
  // generated:webhook:dts (from the option schema)
  /** Where every message goes: one or more endpoints. Default: required. */
  endpoints: readonly WebhookEndpoint[];
  /** Largest message body accepted; bigger ones fail at the call. Default 256,000. */
  maxMessageBytes?: number;
  /** Events held, queued and in flight: the default absorbs a burst of 100,000 typical events without a drop. Default 10,000. */
  maxQueueSize?: number;
  /** Bytes of event JSON held: the real memory bound. Default 64 MiB. */
  maxQueueBytes?: number;
  /** When the queue is full: drop the oldest, drop the newest, or block the caller. Default 'drop_oldest'. */
  onFull?: 'drop_oldest' | 'drop_newest' | 'block';
  /** With `onFull` `"block"`: longest wait for room, or no limit. In milliseconds. `Infinity`: no limit. Default 1,000. */
  blockTimeoutMs?: number;
  /** Retries before an event is given up (3: four attempts in all); by default retry until delivered, shut down or pushed out by the queue bound. Default: no limit. */
  maxRetries?: number | null;
  /** First backoff cap, doubled per failed round (equal jitter). In milliseconds. Default 500. */
  retryInitialBackoffMs?: number;
  /** Largest backoff cap: the probe interval during an outage. In milliseconds. Default 60,000. */
  retryMaxBackoffMs?: number;
  /** Requests in flight at once. Default 4. */
  maxConcurrentRequests?: number;
  /** Deadline of opening a connection. In milliseconds. Default 5,000. */
  connectTimeoutMs?: number;
  /** Explicit http:// or https:// proxy URL. Default: `HTTPS_PROXY` / `NO_PROXY`. */
  proxy?: string;
  /** Called with every group of events that will never be delivered. Default: none. */
  onError?: (error: DeliveryError) => void;
  /** How long exit hooks wait for delivery; zero sends nothing at exit. In milliseconds. Default 5,000. */
  shutdownTimeoutMs?: number;
  /** Log every request and retry at debug level. Default false. */
  debug?: boolean;
  /** Keep requests in memory instead of sending them; read them with `captured()`. Default false. */
  testMode?: boolean;
  // /generated
  /**
   * Where this sender's log lines go (`console`, a pino or winston logger:
   * anything with error, warn, info and debug methods). Default: warnings
   * through `process.emitWarning`, debug lines with `NODE_DEBUG=outbox`.
   */
  logger?: Logger;
}

// ---------------------------------------------------------------------------
// Results

/** The outcome of `flush()` / `shutdown()` for the events queued before the call. */
export interface FlushResult {
  /** Events delivered while the call waited. */
  delivered: number;
  /** Events given up while the call waited (any reason). */
  failed: number;
  /** Events still neither delivered nor given up (for `shutdown`: given up, reason `shutdown`). */
  pending: number;
}

/** Counters: `enqueued === delivered + droppedTotal + pending` always holds. */
export interface Stats {
  enqueued: number;
  delivered: number;
  /** Queued or in flight. */
  pending: number;
  /** Events given up, by reason. */
  dropped: Record<DropReason, number>;
  droppedTotal: number;
  /** Requests sent, retries included. */
  requests: number;
  /** Attempts that failed transiently and were retried. */
  retries: number;
  /** Requests (counted in `requests` too) that were halves of a batch split to isolate refused events. */
  splitRequests: number;
  /** Spool writes that failed (disk full, I/O error); events accepted meanwhile live in memory only. */
  spoolErrors: number;
  /** The last failed attempt (`'HTTP 503'`, `'connection refused'`...), or null. */
  lastError: string | null;
  /** When the receiver last acknowledged a request, or null. */
  lastSuccessAt: Date | null;
  /** Transient failures in a row, since the receiver last answered. */
  consecutiveFailures: number;
}

/** The outcome of `deliver()`. */
export interface DeliverOutcome {
  delivered: boolean;
  /** The last HTTP status received, if any. */
  status: number | null;
  attempts: number;
  /** Why it was not delivered. */
  error: string | null;
}

/** A request a `WebhookSender` in test mode would have sent. */
export interface CapturedRequest {
  url: string;
  /** Header names in lowercase. */
  headers: Record<string, string>;
  body: string;
}

/** A delivered event as `captured()` returns it (Segment's shape). */
export interface CapturedEvent {
  type: EventInput['type'];
  messageId: string;
  timestamp: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  groupId?: string;
  previousId?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  context: Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// Errors

export type OutboxErrorCode =
  // generated:codes:dts (ErrorCode in core/src/error.rs)
  | 'invalid_option'
  | 'invalid_event'
  | 'event_too_large'
  | 'invalid_json'
  | 'closed'
  | 'no_secret'
  | 'invalid_secret'
  | 'unknown_scheme'
  | 'invalid_header_name'
  | 'verify_failed'
  | 'null_argument'
  | 'invalid_utf8'
  | 'invalid_argument'
  | 'buffer_too_small'
  | 'not_delivered'
  | 'panic'
  | 'internal'
  // /generated
  ;

/** Every error Outbox throws, except `TypeError`s for arguments of the wrong type. */
export class OutboxError extends Error {
  readonly code: OutboxErrorCode | VerificationErrorCode;
}

export type VerificationErrorCode =
  // generated:verifycodes:dts (ErrorCode in core/src/error.rs)
  | 'no_secret'
  | 'invalid_secret'
  | 'missing_header'
  | 'empty_header'
  | 'malformed_signature'
  | 'invalid_base64'
  | 'unknown_version'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'body_not_utf8'
  | 'no_matching_signature'
  // /generated
  ;

/** Thrown by `verify()` when a webhook does not verify. */
export class WebhookVerificationError extends OutboxError {
  readonly code: VerificationErrorCode;
}

/** What `onError` receives: a group of events lost for one reason. */
export class DeliveryError extends Error {
  readonly reason: DropReason;
  /** The HTTP status that caused it, when there was one. */
  readonly status: number | null;
  /** Exact number of events lost. */
  readonly count: number;
  /** Their message ids (at most 1,000; `count` is always exact). */
  readonly messageIds: string[];
  /** For webhook senders: the endpoint concerned. */
  readonly endpoint: string | null;
}

// ---------------------------------------------------------------------------
// Classes

/** The events a client or webhook sender emits. */
export interface LaneEvents {
  /**
   * Each group of events that will never be delivered (after `onError`, if
   * given). Emitted only when a listener is attached: with none, it is
   * logged, never thrown.
   */
  error: [error: DeliveryError];
}

declare abstract class Lane extends EventEmitter<LaneEvents> {
  /**
   * Waits until everything queued before the call is delivered or given up,
   * or `timeoutMs` passes (default 30,000; `Infinity` waits without limit).
   * Runs on Node's thread pool; never blocks the event loop.
   */
  flush(timeoutMs?: number): Promise<FlushResult>;
  /**
   * Flushes for up to `timeoutMs` (default `shutdownTimeoutMs`), gives up
   * what is left (reported to `onError` before the Promise resolves) and
   * stops. Idempotent; later calls return the first result.
   */
  shutdown(timeoutMs?: number): Promise<FlushResult>;
  stats(): Stats;
  /** How long exit hooks wait for delivery, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** `await using client = new Client(...)` shuts it down when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** An Outbox client. Create one per process and destination, and share it. */
export class Client extends Lane {
  constructor(options: ClientOptions);
  /** Queues a `track` event; returns its message id. Never waits for the network. */
  track(userId: Id | null | undefined, event: string, properties?: Properties | null, options?: CallOptions): string;
  /** The Segment / PostHog form: `track({ userId, event, properties, ... })`. */
  track(message: TrackMessage): string;
  identify(userId: Id | null | undefined, traits?: Properties | null, options?: CallOptions): string;
  identify(message: IdentifyMessage): string;
  group(userId: Id | null | undefined, groupId: Id, traits?: Properties | null, options?: CallOptions): string;
  group(message: GroupMessage): string;
  /** Links `previousId` (e.g. an anonymous id) to `userId`. */
  alias(previousId: Id, userId: Id, options?: CallOptions): string;
  alias(message: AliasMessage): string;
  page(userId: Id | null | undefined, name?: string | null, properties?: Properties | null, options?: CallOptions): string;
  page(message: PageMessage): string;
  screen(userId: Id | null | undefined, name?: string | null, properties?: Properties | null, options?: CallOptions): string;
  screen(message: PageMessage): string;
  /** Queues many events; all are checked first (none is queued if one is invalid). Returns their ids. */
  batch(events: readonly EventInput[]): string[];
  /** Sends now, bypassing the queue, retrying transient failures within `timeoutMs` (default 10,000). */
  deliver(events: EventInput | readonly EventInput[], timeoutMs?: number): Promise<DeliverOutcome>;
  /** In test mode: every event delivered so far. */
  captured(): CapturedEvent[];
  clearCaptured(): void;
}

/** Sends signed webhooks to one or more endpoints, each with its own queue and retries. */
export class WebhookSender extends Lane {
  constructor(options: WebhookSenderOptions);
  /** Queues `{ type, timestamp, data }` to every endpoint; returns the message id (`webhook-id`). */
  send(type: string, data: JsonInput): string;
  /** Queues `body` as it is to every endpoint; returns the message id. */
  sendRaw(body: JsonInput): string;
  /** Counters of each endpoint, in the order given. */
  endpointStats(): Stats[];
  captured(): CapturedRequest[];
}

// ---------------------------------------------------------------------------
// Helpers

export interface SignOptions {
  /** Default `'standard-webhooks'`. */
  scheme?: SignatureScheme;
  /** Header of the `hmac-sha256` scheme. */
  header?: string;
  /** The message id (`webhook-id`). Default: a new `msg_...` id. */
  id?: string;
  /** Default: now. Unix seconds or a Date. */
  timestamp?: number | Date;
}

export interface VerifyOptions {
  /** Default `'standard-webhooks'`. */
  scheme?: SignatureScheme;
  /** Header of the `hmac-sha256` scheme. */
  header?: string;
  /** Allowed clock distance for Standard Webhooks timestamps. Default 300 s. */
  toleranceSec?: number;
  /** The current time (tests, stored requests). Unix seconds or a Date. */
  now?: number | Date;
}

/** Raw request bodies: what the signature covers. */
export type RawBody = string | Buffer | Uint8Array | ArrayBuffer | ArrayBufferView;

/** Request headers: Node's `req.headers`, a fetch `Headers`, or `[name, value]` pairs. */
export type HeadersInput =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { entries(): IterableIterator<[string, string]>; get(name: string): string | null }
  | ReadonlyArray<readonly [string, string]>;

/** Signs one webhook body; returns the headers to send with it. */
export function sign(payload: RawBody, secret: string | readonly string[], options?: SignOptions): Record<string, string>;

/**
 * Verifies a received webhook against its raw body. Returns true, or throws
 * a `WebhookVerificationError` (never returns false). A parsed body (an
 * object) is refused with a `TypeError`: the raw bytes are needed.
 */
export function verify(payload: RawBody, headers: HeadersInput, secret: string | readonly string[], options?: VerifyOptions): true;

/** How a user hash is computed. */
export interface UserHashOptions {
  /**
   * `'hmac-sha256'` (default): HMAC-SHA256 of `userId` keyed with `secret`.
   * `'sha256'`: plain SHA-256 of `userId + secret` (Notifizz's user token).
   */
  algorithm?: 'hmac-sha256' | 'sha256';
}

/** Lowercase hex user hash of `userId` (default: HMAC-SHA256 keyed with `secret`), for front-end identity verification. */
export function userHash(secret: string, userId: Id, options?: UserHashOptions): string;

/** Whether `hash` is `userHash(secret, userId, options)`, compared in constant time. */
export function verifyUserHash(secret: string, userId: Id, hash: string, options?: UserHashOptions): boolean;

/** The version of the engine. */
export const version: string;
