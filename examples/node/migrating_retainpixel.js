// From RetainPixel's server SDK to Outbox: every request signed with
// X-RP-Signature: sha256=<hex HMAC of the body>, batched and retried.
// docs/migrating.md shows this file in parts; the tests run it.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_retainpixel.js
const { Client } = require('outbox');

// new RetainPixel({ apiKey, secret })
const rp = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'https://collector.example.com', // RetainPixel's docs give no ingest URL
  apiKey: process.env.RETAINPIXEL_API_KEY ?? 'rp_key', // apiKey, sent as a Bearer token
  signingSecrets: process.env.RETAINPIXEL_SECRET ?? 'rp_secret', // secret
  signatureScheme: 'hmac-sha256',
  signatureHeader: 'X-RP-Signature',
  gzip: false, // the HMAC covers the body before compression: send it as signed
});

rp.track({ userId: 'user-42', event: 'Order Completed', properties: { total: 99.5 } });
rp.identify({ userId: 'user-42', traits: { plan: 'pro' } });
rp.group({ userId: 'user-42', groupId: 'acme', traits: { seats: 12 } });
rp.batch([{ type: 'track', userId: 'user-42', event: 'Invoice Paid', properties: { amount: 4200 } }]);

// `await rp.track({ ... })`, which throws when delivery fails: one request now, outside the queue.
async function trackNow(message) {
  const outcome = await rp.deliver({ type: 'track', ...message });
  if (!outcome.delivered) throw new Error(`RetainPixel: ${outcome.error}`);
  return outcome;
}

trackNow({ userId: 'user-42', event: 'Checkout Started' })
  .then(() => rp.shutdown(5000))
  .then((result) => console.log(result));
