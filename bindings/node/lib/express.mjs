// ES module entry point of 'outbox/express'.
import helpers from './express.js';

export const { outboxMiddleware, verifyWebhook, defaultResolveUser, defaultResolveAnonymousId, RequestOutbox } = helpers;
export default helpers;
