// From posthog-node 5.70.0 to Outbox, for code moving to a Segment-compatible
// collector (Outbox does not speak PostHog's capture API).
// docs/migrating.md shows this file in parts; the tests run it.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_posthog.js
const { Client } = require('outbox');

// new PostHog(apiKey, { host, ... })
const posthog = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'https://collector.example.com', // host
  apiKey: 'my-project-api-key', // apiKey, sent as a Bearer token
  flushAt: 20, // flushAt
  flushIntervalMs: 5000, // flushInterval, in milliseconds in both
  maxBatchSize: 100, // maxBatchSize
  maxQueueSize: 10000, // maxQueueSize
  maxRetries: 3, // fetchRetryCount
  requestTimeoutMs: 10000, // requestTimeout
  gzip: true, // disableCompression: false
});

posthog.track({ userId: 'user-42', event: 'Order Completed', properties: { total: 99.5 } }); // capture({ distinctId, event, properties })
posthog.identify({ userId: 'user-42', traits: { email: 'ada@example.com' } }); // identify({ distinctId, properties })
posthog.group({ userId: 'user-42', groupId: 'acme', traits: { name: 'Acme' } }); // groupIdentify({ groupType, groupKey, properties, distinctId })
posthog.alias({ previousId: 'anon-7', userId: 'user-42' }); // alias({ distinctId: 'user-42', alias: 'anon-7' })

// await posthog.captureImmediate({ distinctId, event }): one request now, outside the queue.
async function captureImmediate(distinctId, event, properties) {
  const outcome = await posthog.deliver({ type: 'track', userId: distinctId, event, properties });
  if (!outcome.delivered) console.error(`analytics: ${event} not delivered (${outcome.error})`);
  return outcome;
}

captureImmediate('user-42', 'Invoice Paid', { amount: 4200 })
  .then((outcome) => console.log('captureImmediate delivered:', outcome.delivered))
  .then(() => posthog.shutdown(5000)) // await posthog.shutdown(5000)
  .then((result) => console.log(result));
