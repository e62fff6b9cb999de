import { Client } from 'outbox';

// One client per server process, shared by every request; globalThis keeps
// it across `next dev` reloads.
export const analytics = (globalThis.outboxAnalytics ??= new Client({
  endpoint: process.env.OUTBOX_ENDPOINT ?? 'http://127.0.0.1:8799',
  apiKey: process.env.OUTBOX_API_KEY,
  onError: (e) => console.error(`analytics: ${e.count} event(s) lost (${e.reason})`),
}));
