// Outbox in an Express app: `req.outbox` tracks for the logged-in user, and
// a route receives signed webhooks, verified against the raw body.
//
//   npm install express
//   OUTBOX_ENDPOINT=http://127.0.0.1:8799 WEBHOOK_SECRET=whsec_... node express-app.js
const express = require('express');
const { Client } = require('outbox');
const { outboxMiddleware, verifyWebhook } = require('outbox/express');

const analytics = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'http://127.0.0.1:8799',
  apiKey: process.env.OUTBOX_API_KEY,
  onError: (e) => console.error(`analytics: ${e.count} event(s) lost (${e.reason})`),
});

const app = express();

// Your auth sets req.user; outboxMiddleware finds it there (or in req.auth,
// req.session, ... or wherever `resolveUser` says).
app.use((req, _res, next) => {
  req.user = { id: 'user-42' };
  next();
});
app.use(outboxMiddleware(analytics));

app.post('/checkout', (req, res) => {
  req.outbox.track('Order Completed', { total: 99.5, currency: 'EUR' });
  res.json({ ok: true });
});

// Incoming webhooks: mount verifyWebhook before any JSON parser for the route.
app.post('/webhooks', verifyWebhook({ secret: process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), (req, res) => {
  console.log('webhook', req.webhook.id, req.body.type);
  res.sendStatus(204);
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
// On SIGTERM: stop taking requests, then deliver what is queued.
process.on('SIGTERM', () => server.close(() => analytics.shutdown().then(() => process.exit(0))));
