// Sending signed webhooks (Standard Webhooks) to your customers' endpoints.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8799 node send-webhooks.js
//
// Each endpoint gets its own queue and retries; a 410 Gone disables only it.
const { WebhookSender } = require('outbox');

const base = process.env.OUTBOX_ENDPOINT ?? 'http://127.0.0.1:8799';
const sender = new WebhookSender({
  endpoints: [
    { url: `${base}/customer-a`, secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    { url: `${base}/customer-b`, secrets: "It's a Secret to Everybody", scheme: 'hmac-sha256' },
  ],
  onError: (e) => console.error(`webhook ${e.reason} at ${e.endpoint}: ${e.message}`),
});

const id = sender.send('invoice.paid', { invoice: 'inv_123', amount: 4200, paidAt: new Date() });
sender.shutdown(5000).then(() => {
  const [a, b] = sender.endpointStats();
  console.log(`${id}: customer-a delivered ${a.delivered}, customer-b delivered ${b.delivered}`);
});
