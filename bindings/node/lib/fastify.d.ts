// Types of 'outbox/fastify'. Fastify's instance and request types gain
// `fastify.outbox` and `request.outbox` (and what verifyWebhook sets).

import type { FastifyPluginAsync, FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import type { Client, ClientOptions, Id } from '../index.js';
import type { BoundOutbox, VerifyWebhookOptions, WebhookInfo } from './request.js';

export type { BoundOutbox, VerifyWebhookOptions, WebhookInfo };

export type FastifyOutboxOptions = (
  | {
      /** A client the app owns and shares: flushed (not shut down) when Fastify closes. */
      client: Client;
      clientOptions?: never;
    }
  | {
      /** The plugin creates the client (its `logger` defaulting to `fastify.log` when Fastify logs), and shuts it down when Fastify closes. */
      clientOptions: ClientOptions;
      client?: never;
    }
) & {
  /** The user id of a request. Default: `defaultResolveUser` (request.user, request.session, ...). */
  resolveUser?: (request: FastifyRequest) => Id | null | undefined;
  /** The anonymous id of a request. Default: the `X-Anonymous-Id` header or the `ajs_anonymous_id` cookie. */
  resolveAnonymousId?: (request: FastifyRequest) => string | null | undefined;
  /** Add `context.ip`, `context.userAgent` and `context.page` from the request. Default true. */
  context?: boolean;
};

/** The plugin: `fastify.register(fastifyOutbox, { client })`. */
export declare const fastifyOutbox: FastifyPluginAsync<FastifyOutboxOptions>;
export default fastifyOutbox;

/**
 * A route's `preParsing` hook: verifies the signed webhook against the bytes
 * as received (401 `{ statusCode, code, error, message }` when it does not
 * check out), then sets `request.rawBody` and `request.webhook`; Fastify
 * parses the body as usual.
 */
export declare function verifyWebhook(options: VerifyWebhookOptions): preParsingAsyncHookHandler;

/** request.user.id / _id / userId / sub, request.auth..., request.session.userId / user.id / passport.user. */
export declare function defaultResolveUser(request: FastifyRequest): string | undefined;

/** The `X-Anonymous-Id` header, or the `ajs_anonymous_id` cookie set by analytics.js. */
export declare function defaultResolveAnonymousId(request: FastifyRequest): string | undefined;

declare module 'fastify' {
  interface FastifyInstance {
    /** The client, set by the outbox plugin. */
    outbox: Client;
  }
  interface FastifyRequest {
    /** The client's calls bound to this request, set by the outbox plugin. */
    outbox: BoundOutbox;
    /** Set by `verifyWebhook()`: the body as received. */
    rawBody?: Buffer;
    /** Set by `verifyWebhook()`. */
    webhook?: WebhookInfo;
  }
}
