// From PocketPing's webhook forwarding (webhookUrl, webhookSecret,
// webhookTimeout) to Outbox. PocketPing posted each custom event once,
// unqueued and never retried; Outbox queues the same body, signs the exact
// bytes it sends with the same header, and retries until the endpoint takes it.
// docs/migrating.md shows this file in parts; the tests run it.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_pocketping.js
const { WebhookSender, verify } = require('outbox');

const webhookSecret = 'your-hmac-secret';

const forwarder = new WebhookSender({
  endpoints: [
    {
      url: `${process.env.OUTBOX_ENDPOINT ?? 'https://your-server.com'}/pocketping-events`, // webhookUrl
      secrets: webhookSecret, // webhookSecret
      scheme: 'hmac-sha256', // X-PocketPing-Signature: sha256=<hex HMAC of the body>; not the default scheme
      header: 'X-PocketPing-Signature',
      timeoutMs: 5000, // webhookTimeout, in milliseconds in both
    },
  ],
  onError: (e) => console.error(`[PocketPing] webhook gave up: ${e.reason} ${e.status ?? ''}`),
});

// PocketPing's webhook body for one custom event; call it from your onEvent handler.
function forwardEvent(event, session) {
  return forwarder.sendRaw({
    event: { name: event.name, data: event.data, timestamp: event.timestamp, sessionId: session.id },
    session: { id: session.id, visitorId: session.visitorId, metadata: session.metadata },
    sentAt: new Date().toISOString(),
  });
}

// The receiving side: throws a WebhookVerificationError unless the signature matches.
function verifyPocketPing(rawBody, headers) {
  return verify(rawBody, headers, webhookSecret, { scheme: 'hmac-sha256', header: 'X-PocketPing-Signature' });
}

module.exports = { verifyPocketPing };

if (require.main === module) {
  const session = { id: 'sess_abc123', visitorId: 'visitor_xyz', metadata: { url: 'https://example.com/pricing' } };
  const event = { name: 'clicked_pricing', data: { plan: 'pro' }, timestamp: '2026-01-21T00:00:00.000Z' };
  const id = forwardEvent(event, session);
  forwarder.shutdown(5000).then((result) => console.log(id, result));
}
