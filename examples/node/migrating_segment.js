// From @segment/analytics-node 3.1.0 to Outbox: the same message objects,
// the same Basic auth with the write key, the same batch API.
// docs/migrating.md shows this file in parts; the tests run it.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_segment.js
const { Client } = require('outbox');

// new Analytics({ writeKey, host, ... })
const analytics = new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'https://api.segment.io', // host
  path: '/v1/batch', // path (the default in both)
  apiKey: 'my-write-key', // writeKey
  authScheme: 'basic', // Authorization: Basic base64(writeKey + ':'), as analytics-node sends it
  flushAt: 15, // flushAt (Outbox's default is 100)
  flushIntervalMs: 10000, // flushInterval, in milliseconds in both
  requestTimeoutMs: 10000, // httpRequestTimeout
  maxRetries: 10, // maxRetries: retries after the first attempt, in both
});

// 'error' gets a DeliveryError (reason, status, count, messageIds) for events given up.
analytics.on('error', (err) => console.error(`analytics: ${err.count} event(s) lost (${err.reason})`));

analytics.identify({ userId: 'user-42', traits: { name: 'Ada', plan: 'pro' } });
analytics.track({ userId: 'user-42', event: 'Order Completed', properties: { total: 99.5 }, context: { ip: '203.0.113.7' } });
analytics.group({ userId: 'user-42', groupId: 'acme', traits: { seats: 12 } });
analytics.page({ userId: 'user-42', name: 'Pricing', properties: { category: 'Docs' } }); // no top-level `category`
analytics.alias({ previousId: 'anon-7', userId: 'user-42' });

// await analytics.closeAndFlush({ timeout: 5000 })
analytics.shutdown(5000).then((result) => console.log(result));
