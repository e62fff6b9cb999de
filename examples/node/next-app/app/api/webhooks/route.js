import { withWebhook } from 'outbox/next';

const secret = process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// A bad signature gets 401 before this runs.
export const POST = withWebhook({ secret }, async (request, { webhook }) => {
  console.log('webhook', webhook.id, webhook.body.type);
  return new Response(null, { status: 204 });
});
