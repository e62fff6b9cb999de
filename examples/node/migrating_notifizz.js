// From Notifizz (generateHashedToken, track) to Outbox.
// docs/migrating.md shows this file in parts; the tests run it.
//
//   OUTBOX_ENDPOINT=http://127.0.0.1:8080 node migrating_notifizz.js
const { WebhookSender, userHash } = require('outbox');

const authSecretKey = process.env.NOTIFIZZ_AUTH_SECRET_KEY ?? 'auth-secret';
const sdkSecretKey = process.env.NOTIFIZZ_SDK_SECRET_KEY ?? 'sdk-secret';
const baseUrl = process.env.OUTBOX_ENDPOINT ?? 'https://eu.api.notifizz.com/v1';

// notifizz.generateHashedToken(userId): the hex SHA-256 of userId + authSecretKey (not an HMAC).
const token = userHash(authSecretKey, 'user-42', { algorithm: 'sha256' });

// notifizz.track({ eventName, sdkSecretKey, properties }): the same POST, queued and retried.
const notifizz = new WebhookSender({
  endpoints: [{ url: `${baseUrl}/events/track`, headers: { Authorization: `Bearer ${sdkSecretKey}` } }],
});
notifizz.sendRaw({ eventName: 'order_shipped', sdkSecretKey, properties: { orderId: 'ord_1' }, workflows: [] }); // .workflow(...): add to `workflows`

notifizz.shutdown(5000).then((result) => console.log(token, result));
