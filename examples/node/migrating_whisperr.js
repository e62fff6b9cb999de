// From @whisperr/node 0.1.2 to Outbox: the same option names and defaults,
// the same positional calls, `req.whisperr` in Express.
// docs/migrating.md shows this file in parts; the tests run it.
//
//   npm install express
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_whisperr.js
const express = require('express');
const { Client } = require('outbox');
const { outboxMiddleware } = require('outbox/express');

// createWhisperr({ apiKey, ... }), with Whisperr's defaults
const whisperr = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'https://collector.example.com', // baseUrl
  apiKey: process.env.WHISPERR_API_KEY ?? 'wrk_test', // apiKey, sent as a Bearer token
  flushAt: 20, // flushAt
  flushIntervalMs: 10000, // flushIntervalMs: 0 disables the timer in both
  maxQueueSize: 10000, // maxQueueSize: the oldest events drop on overflow in both
  maxBatchSize: 500, // maxBatchSize
  requestTimeoutMs: 10000, // requestTimeoutMs
  disabled: false, // disabled
  debug: false, // debug
  onError: (e) => console.error(`whisperr: ${e.count} event(s) lost (${e.reason})`), // a DeliveryError
});

// whisperr.track(userId, eventType, properties, context)
whisperr.track('user_8842', 'payment_failed', { amount_cents: 4900, reason: 'card_declined' }, { context: { source: 'stripe' } });
// whisperr.identify(userId, { email, traits: { plan } })
whisperr.identify('user_8842', { email: 'ada@example.com', plan: 'pro' });

const app = express();
app.use(authenticate); // your auth middleware, as before
app.use(outboxMiddleware(whisperr, { property: 'whisperr' })); // whisperrExpress(whisperr)

app.post('/billing/webhook', (req, res) => {
  req.whisperr.track('payment_failed', { amount_cents: 4900 });
  res.sendStatus(200);
});

function authenticate(req, _res, next) {
  req.user = { id: 'user_8842' };
  next();
}

const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch(`http://127.0.0.1:${server.address().port}/billing/webhook`, { method: 'POST' });
  server.close();
  const result = await whisperr.shutdown(5000); // await whisperr.shutdown()
  console.log(res.status, result);
});
