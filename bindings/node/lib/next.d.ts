// Types of 'outbox/next'. The helpers take and return the Web standard
// Request and Response (a NextRequest is a Request), so they need no types
// from Next.js.

import type { Client, Id } from '../index.js';
import type { BoundOutbox, VerifyWebhookOptions, WebhookInfo } from './request.js';

export type { BoundOutbox, VerifyWebhookOptions, WebhookInfo };

/** What a route handler returns. */
type Returned = Response | Promise<Response>;

export interface WithOutboxOptions<R extends Request = Request> {
  /** The user id of a request; may be async (e.g. `async () => (await auth())?.userId`). Default: none. */
  resolveUser?: (request: R) => Id | null | undefined | Promise<Id | null | undefined>;
  /** The anonymous id of a request. Default: the `X-Anonymous-Id` header or the `ajs_anonymous_id` cookie. */
  resolveAnonymousId?: (request: R) => string | null | undefined | Promise<string | null | undefined>;
  /** Add `context.ip` (from X-Forwarded-For), `context.userAgent` and `context.page`. Default true. */
  context?: boolean;
}

/**
 * Wraps a route handler: its context gains `outbox`, the calls of the one
 * shared client bound to the request's user.
 */
export declare function withOutbox<R extends Request, C extends object = { params: Promise<Record<string, string | string[]>> }>(
  client: Client,
  handler: (request: R, context: C & { outbox: BoundOutbox }) => Returned,
  options?: WithOutboxOptions<R>,
): (request: R, context: C) => Promise<Response>;

/** A verified webhook, as the handler of `withWebhook` receives it. */
export interface VerifiedWebhook<Body = unknown> extends WebhookInfo {
  /** The body parsed as JSON (undefined when it is not JSON, or empty). */
  body: Body;
  /** The body as received. */
  rawBody: Buffer;
}

/**
 * Wraps a route handler that receives signed webhooks: 401 `{ error, code,
 * message }` when the signature does not check out (the handler does not
 * run), 413 past `limit`; otherwise the context gains `webhook`.
 */
export declare function withWebhook<Body = unknown, R extends Request = Request, C extends object = { params: Promise<Record<string, string | string[]>> }>(
  options: VerifyWebhookOptions,
  handler: (request: R, context: C & { webhook: VerifiedWebhook<Body> }) => Returned,
): (request: R, context: C) => Promise<Response>;

/** The client's calls bound to one request, for code outside a wrapped handler (a Server Action, a proxy). */
export declare function bindRequest(
  client: Client,
  request: Request,
  /** `anonymousId`: default read from the request; null for none. */
  options?: { userId?: Id; anonymousId?: string | null; context?: boolean },
): BoundOutbox;

/** The `X-Anonymous-Id` header, or the `ajs_anonymous_id` cookie set by analytics.js. */
export declare function defaultResolveAnonymousId(request: Request): string | undefined;
