// Types of 'outbox/express'. They use Node's own request and response
// types, so they need no @types/express; the middlewares type-check as
// Express request handlers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client, Id } from '../index.js';
import { BoundOutbox } from './request.js';
import type { VerifyWebhookOptions, WebhookInfo } from './request.js';

export type { BoundOutbox, VerifyWebhookOptions, WebhookInfo };

/** Calls of one request, bound to its user (resolved when a call is made). */
export declare class RequestOutbox extends BoundOutbox {}

export type Next = (err?: unknown) => void;

export interface OutboxMiddlewareOptions<Req extends IncomingMessage = IncomingMessage> {
  /** The user id of a request. Default: `defaultResolveUser`. */
  resolveUser?: (req: Req, res: ServerResponse) => Id | null | undefined;
  /** The anonymous id of a request. Default: `defaultResolveAnonymousId`. */
  resolveAnonymousId?: (req: Req, res: ServerResponse) => string | null | undefined;
  /** Where to put the bound calls. Default `'outbox'` (`req.outbox`). */
  property?: string;
  /** Add `context.ip`, `context.userAgent` and `context.page` from the request. Default true. */
  context?: boolean;
}

/** Sets `req.outbox`: the client's calls bound to the user of the request. */
export declare function outboxMiddleware<Req extends IncomingMessage = IncomingMessage>(
  client: Client,
  options?: OutboxMiddlewareOptions<Req>,
): (req: Req, res: ServerResponse, next: Next) => void;

/**
 * Verifies incoming signed webhooks against the raw body: 401 (JSON
 * `{ error, code, message }`) when the signature does not check out;
 * otherwise sets `req.rawBody`, `req.body` (parsed JSON) and `req.webhook`.
 */
export declare function verifyWebhook(options: VerifyWebhookOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** req.user.id / _id / userId / sub, req.auth.userId / sub / payload.sub, req.session.userId / user.id / passport.user, res.locals.user.id. */
export declare function defaultResolveUser(req: IncomingMessage, res?: ServerResponse): string | undefined;

/** The `X-Anonymous-Id` header, or the `ajs_anonymous_id` cookie set by analytics.js. */
export declare function defaultResolveAnonymousId(req: IncomingMessage): string | undefined;

declare global {
  // Express's request type gains what the middlewares set.
  namespace Express {
    interface Request {
      /** Set by `outboxMiddleware()`. */
      outbox: RequestOutbox;
      /** Set by `verifyWebhook()`: the body as received. */
      rawBody?: Buffer;
      /** Set by `verifyWebhook()`. */
      webhook?: WebhookInfo;
    }
  }
}
