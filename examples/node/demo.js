// make demo: Node's part. Signs with OUTBOX_SIGNING_SECRET and sends to
// OUTBOX_ENDPOINT (the demo's `outbox listen`, which verifies the signature).
const { Client } = require('outbox');

const client = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT,
  signingSecrets: [process.env.OUTBOX_SIGNING_SECRET],
});
client.track('node-user', 'Signed Up', { language: 'node', plan: 'pro' });
client.identify('node-user', { email: 'grace@example.com' });
client.flush(5000).then((result) => console.log('node:', result));
