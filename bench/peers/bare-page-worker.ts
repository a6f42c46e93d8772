/**
 * The bare server's page thread (BARE_PAGES=thread): reads a page of the
 * public channel with our page script, on a Redis connection of its own,
 * and posts its messages back. The least a page built off the main thread
 * costs: one plain worker thread, one message each way, no pool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type PagePosition, readHistoryPage } from '../../src/store/channel-history.js';
import { Keys } from '../../src/store/keys.js';
import { connectRedis, createRedisClient } from '../../src/store/redis-client.js';

/** A page asked for: `id` pairs it with its answer. */
export interface BarePageTask {
  id: number;
  position: PagePosition;
  limit: number;
}

/** The page, or (`failed`) Redis did not answer. */
export type BarePage = { id: number; failed: false; total: number; objects: string[] } | { id: number; failed: true };

const redis = createRedisClient({
  target: { url: (workerData as { redisUrl: string }).redisUrl },
  commandTimeoutMs: 5000,
  connectionName: 'bare-pages',
});
await connectRedis(redis, 5000);
const keys = new Keys('chat:');

parentPort!.on('message', ({ id, position, limit }: BarePageTask) => {
  readHistoryPage(redis, keys, 'pub', position, limit).then(
    ({ total, objects }) => parentPort!.postMessage({ id, failed: false, total, objects } satisfies BarePage),
    () => parentPort!.postMessage({ id, failed: true } satisfies BarePage),
  );
});
