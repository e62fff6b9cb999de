// ES module entry point: the same objects as require('outbox').
import outbox from './index.js';

export const {
  Client,
  WebhookSender,
  OutboxError,
  WebhookVerificationError,
  DeliveryError,
  sign,
  verify,
  userHash,
  verifyUserHash,
  version,
} = outbox;
export default outbox;
