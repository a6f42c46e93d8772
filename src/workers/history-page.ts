/**
 * A history page read from Redis and serialized to the JSON array that goes
 * into a frame. Runs in a worker thread (workers/tasks.ts) or, with
 * HISTORY_IN_POOL=false, on the main thread.
 */
import { messageJson, type TimeKey } from '../protocol/responses.js';
import { readHistoryPage } from '../store/channel-history.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

export interface HistoryPageTask {
  channelId: string;
  offset: number;
  limit: number;
  timeKey: TimeKey;
}

/** Where history pages are built: the worker pool (or the main thread with HISTORY_IN_POOL=false). */
export interface HistoryPages {
  historyPage(channelId: string, offset: number, limit: number, timeKey: TimeKey): Promise<HistoryPageResult>;
}

export interface HistoryPageResult {
  total: number;
  received: number;
  /** A JSON array of message objects, newest first, ready to splice into a frame. */
  messagesJson: string;
}

export async function buildHistoryPage(
  redis: RedisClient,
  keys: Keys,
  task: HistoryPageTask,
): Promise<HistoryPageResult> {
  const page = await readHistoryPage(redis, keys, task.channelId, task.offset, task.limit);
  const items = page.messages.map((message) => messageJson(message, task.timeKey));
  return { total: page.total, received: items.length, messagesJson: `[${items.join(',')}]` };
}
