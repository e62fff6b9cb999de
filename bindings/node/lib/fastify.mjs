// ES module entry point of 'outbox/fastify'.
import plugin from './fastify.js';

export const { fastifyOutbox, verifyWebhook, defaultResolveUser, defaultResolveAnonymousId } = plugin;
export default plugin;
