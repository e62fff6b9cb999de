// ES module entry point of 'outbox/next'.
import helpers from './next.js';

export const { withOutbox, withWebhook, bindRequest, defaultResolveAnonymousId } = helpers;
export default helpers;
