import { withOutbox } from 'outbox/next';
import { analytics } from '../../../lib/analytics.js';

// Your auth decides who the user is (e.g. `(await auth())?.userId`).
async function currentUser(request) {
  return request.headers.get('x-user-id');
}

export const POST = withOutbox(
  analytics,
  async (request, { outbox }) => {
    const { total } = await request.json();
    const messageId = outbox.track('Order Completed', { total, currency: 'EUR' });
    return Response.json({ messageId });
  },
  { resolveUser: currentUser },
);
