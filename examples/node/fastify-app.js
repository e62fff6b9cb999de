// Outbox in a Fastify app: `request.outbox` tracks for the signed-in user,
// and a route receives signed webhooks, verified against the raw body.
//
//   npm install fastify
//   OUTBOX_ENDPOINT=http://127.0.0.1:8799 WEBHOOK_SECRET=whsec_... node fastify-app.js
const Fastify = require('fastify');
const outbox = require('outbox/fastify');

const app = Fastify();

// The plugin creates the client (fastify.outbox) and shuts it down, delivering
// what is queued, when the app closes.
app.register(outbox, {
  clientOptions: { endpoint: process.env.OUTBOX_ENDPOINT ?? 'http://127.0.0.1:8799', apiKey: process.env.OUTBOX_API_KEY },
});

// Your auth sets request.user (@fastify/jwt, @fastify/passport); the plugin
// finds the user there (or in request.session, or wherever `resolveUser` says).
app.addHook('preHandler', async (request) => {
  request.user = { id: 'user-42' };
});

app.post('/checkout', async (request) => {
  request.outbox.track('Order Completed', { total: 99.5, currency: 'EUR' });
  return { ok: true };
});

// Incoming webhooks: verified before Fastify parses the body; 401 if forged.
const secret = process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
app.post('/webhooks', { preParsing: outbox.verifyWebhook({ secret }) }, async (request, reply) => {
  console.log('webhook', request.webhook.id, request.body.type);
  return reply.code(204).send();
});

app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' }).then((address) => console.log(`listening on ${address}`));
// On SIGTERM: stop taking requests; closing the app delivers what is queued.
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
