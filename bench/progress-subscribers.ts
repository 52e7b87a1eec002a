/**
 * The subscribers of bench:progress, in a process of their own: COUNT WebSockets on one batch's
 * batchProgress. Prints "ready" once each has its snapshot, then, when each has seen the batch
 * reach vetting, one JSON line: every live event's delay from its `at` (set as it is published) to
 * its receipt here, and the events lost (gaps in each subscriber's seq).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile } from './lib.js';

const [url, token, batchId, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const QUERY = 'subscription($batchId: ID!) { batchProgress(batchId: $batchId) { seq stage at } }';

const delays: number[] = [];
let ready = 0;
let lost = 0;
let received = 0;

async function subscriber(): Promise<void> {
  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, lazy: false });
  let last: number | null = null;
  try {
    for await (const result of client.iterate<{ batchProgress: { seq: number; stage: string; at: string } }>({ query: QUERY, variables: { batchId } })) {
      const event = result.data?.batchProgress;
      if (event === undefined) throw new Error(JSON.stringify(result.errors));
      if (last === null) {
        if (++ready === count) process.stdout.write('ready\n');
      } else {
        delays.push(Date.now() - Date.parse(event.at));
        received += 1;
        lost += Math.max(0, event.seq - last - 1);
      }
      last = event.seq;
      if (event.stage === 'VETTING') break;
    }
  } finally {
    await client.dispose();
  }
}

await Promise.all(Array.from({ length: count }, () => subscriber()));
delays.sort((a, b) => a - b);
const rss = process.memoryUsage().rss;
console.log(JSON.stringify({ subscribers: count, received, lost, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), max: delays.at(-1) ?? null, subscriberRss: rss }));
