// Types shared by the framework integrations ('outbox/express',
// 'outbox/fastify', 'outbox/next').

import type { CallOptions, Client, Id, Properties } from '../index.js';

/**
 * The calls of the one shared client, bound to one request: its user and
 * anonymous id, and `context.ip`, `context.userAgent` and `context.page`.
 */
export declare class BoundOutbox {
  readonly client: Client;
  /** The user id resolved from the request, or undefined. */
  readonly userId: string | undefined;
  /** The anonymous id resolved from the request, or undefined. */
  readonly anonymousId: string | undefined;
  track(event: string, properties?: Properties | null, options?: CallOptions): string;
  identify(traits?: Properties | null, options?: CallOptions): string;
  group(groupId: Id, traits?: Properties | null, options?: CallOptions): string;
  page(name?: string | null, properties?: Properties | null, options?: CallOptions): string;
  screen(name?: string | null, properties?: Properties | null, options?: CallOptions): string;
  /** Links `previousId` (default: the request's anonymous id) to the request's user. */
  alias(previousId?: Id, options?: CallOptions): string;
}

/** Options of every `verifyWebhook` helper. */
export interface VerifyWebhookOptions {
  /** The signing secret, or several during rotation. */
  secret: string | readonly string[];
  /** Default `'standard-webhooks'`. */
  scheme?: import('../index.js').SignatureScheme;
  /** Header of the `hmac-sha256` scheme. Default `X-Hub-Signature-256`. */
  header?: string;
  /** Allowed clock distance for Standard Webhooks timestamps. Default 300 s. */
  toleranceSec?: number;
  /** Largest body read, in bytes (413 beyond). Default 1 MiB (Fastify: the route's bodyLimit). */
  limit?: number;
}

/** What a verified webhook's headers say. */
export interface WebhookInfo {
  /** The `webhook-id` header (Standard Webhooks). */
  id?: string;
  /** The `webhook-timestamp` header, unix seconds. */
  timestamp?: number;
}
