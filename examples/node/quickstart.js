const { Client } = require('outbox');

const client = new Client({ endpoint: process.env.OUTBOX_ENDPOINT ?? 'http://127.0.0.1:8799', apiKey: 'my-write-key' });
const id = client.track('user-42', 'Order Completed', { total: 99.5 });
client.flush(5000).then((result) => console.log(id, result));
