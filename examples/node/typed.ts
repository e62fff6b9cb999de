// A typed tour of the package, compiled with `tsc --noEmit` by `make test`
// (it checks index.d.ts and the integrations' types against real use).
import express from 'express';
import Fastify from 'fastify';
import { Client, DeliveryError, OutboxError, WebhookSender, WebhookVerificationError, sign, userHash, verify, verifyUserHash } from 'outbox';
import type { ClientOptions, FlushResult, Stats, DeliverOutcome, DropReason, EventInput } from 'outbox';
import { outboxMiddleware, verifyWebhook } from 'outbox/express';
import fastifyOutbox, { verifyWebhook as verifyFastifyWebhook } from 'outbox/fastify';
import { withOutbox, withWebhook } from 'outbox/next';

const options: ClientOptions = {
  endpoint: 'https://collector.example.com',
  apiKey: 'key',
  flushAt: 50,
  flushIntervalMs: 250,
  maxRetries: null,
  onFull: 'drop_oldest',
  headers: { 'x-team': 'growth' },
  signingSecrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  shutdownTimeoutMs: 2000,
  onError: (e: DeliveryError) => {
    const reason: DropReason = e.reason;
    console.error(reason, e.status ?? 'no status', e.count, e.messageIds.length, e.message);
  },
};
const client = new Client(options);

class Cart {
  constructor(public items: string[], public total: bigint) {}
}

const id: string = client.track('user-1', 'Checkout', { cart: new Cart(['a'], 10n), at: new Date() }, { anonymousId: 'a-1', timestamp: new Date() });
client.identify(42, { plan: 'pro' });
client.group('user-1', 'org-1', new Map([['seats', 5]]));
client.alias('anon-1', 'user-1');
client.page('user-1', 'Home', { path: '/' }, { context: { ip: '1.2.3.4' } });
client.screen(null, 'Settings', undefined, { anonymousId: 'device-9' });
const events: EventInput[] = [{ type: 'track', userId: 'u', event: 'E', properties: { n: 1 } }];
const ids: string[] = client.batch(events);

async function main(): Promise<void> {
  const flushed: FlushResult = await client.flush(1000);
  const stats: Stats = client.stats();
  console.log(id, ids, flushed.pending, stats.dropped.queue_full, stats.droppedTotal);
  const outcome: DeliverOutcome = await client.deliver({ type: 'identify', userId: 'u' }, 2000);
  console.log(outcome.delivered, outcome.status);
  try {
    client.track('u', '');
  } catch (e) {
    if (e instanceof OutboxError) console.log(e.code);
  }
  await client.shutdown();

  const sender = new WebhookSender({ endpoints: [{ url: 'https://hooks.example.com', secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', timeoutMs: 3000 }] });
  sender.send('invoice.paid', { id: 'inv_1' });
  const perEndpoint: Stats[] = sender.endpointStats();
  console.log(perEndpoint.length);
  await sender.shutdown(1000);

  const headers = sign('{"a":1}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { timestamp: new Date() });
  try {
    verify(Buffer.from('{"a":1}'), headers, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { toleranceSec: 60 });
  } catch (e) {
    if (e instanceof WebhookVerificationError) console.log(e.code);
  }
  const hash: string = userHash('secret', 'user-1');
  console.log(verifyUserHash('secret', 'user-1', hash));
}

const app = express();
app.use(outboxMiddleware(client, { resolveUser: (req) => req.headers['x-user-id'] as string | undefined }));
app.post('/checkout', (req, res) => {
  req.outbox.track('Order Completed', { total: 10 });
  res.json({ user: req.outbox.userId });
});
app.post('/hooks', verifyWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), (req, res) => {
  res.json({ id: req.webhook?.id, size: req.rawBody?.length });
});

const fastify = Fastify();
void fastify.register(fastifyOutbox, { client, resolveUser: (request) => request.headers['x-user-id'] as string | undefined });
fastify.post('/checkout', async (request) => {
  const messageId: string = request.outbox.track('Order Completed', { total: 10 });
  const shared: Client = fastify.outbox;
  return { messageId, user: request.outbox.userId, same: shared === request.outbox.client };
});
fastify.post('/hooks', { preParsing: verifyFastifyWebhook({ secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], toleranceSec: 60 }) }, async (request) => {
  return { id: request.webhook?.id, size: request.rawBody?.length, body: request.body };
});
void Fastify().register(fastifyOutbox, { clientOptions: { endpoint: 'https://collector.example.com', flushAt: 10 } });

// Next.js route handlers (app/api/.../route.ts). A NextRequest is a
// Request with more; Next's own types are not compiled here (they need React's).
class AppRequest extends Request {
  readonly uid = 'u-1';
}
export const POST = withOutbox(
  client,
  async (request: AppRequest, { outbox, params }) => {
    const { slug } = await params;
    return Response.json({ id: outbox.track('Viewed', { slug, path: new URL(request.url).pathname }) });
  },
  { resolveUser: async (request) => request.uid },
);
interface InvoicePaid {
  type: 'invoice.paid';
  data: { id: string };
}
export const PUT = withWebhook<InvoicePaid>({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, async (_request, { webhook }) => {
  const invoice: string = webhook.body.data.id;
  return Response.json({ invoice, id: webhook.id, bytes: webhook.rawBody.length });
});
void POST(new AppRequest('https://example.com/a'), { params: Promise.resolve({ slug: 'a' }) });

void main();
