/**
 * A history page read from Redis and serialized, one JSON string per
 * message, for a frame. Runs in a worker thread (workers/history-tasks.ts) or, with
 * HISTORY_IN_POOL=false, on the main thread.
 */
import { messageJson, type TimeKey, withTimeKey } from '../protocol/responses.js';
import { type PagePosition, readHistoryPage } from '../store/channel-history.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

export interface HistoryPageTask {
  channelId: string;
  position: PagePosition;
  limit: number;
  timeKey: TimeKey;
}

/** Where history pages are built: the worker pool (or the main thread with HISTORY_IN_POOL=false). */
export interface HistoryPages {
  historyPage(task: HistoryPageTask): Promise<HistoryPageResult>;
}

export interface HistoryPageResult {
  /** Messages in the channel when the page was read: the newest one's seq. */
  total: number;
  /** Each message object as JSON, newest first, ready to splice into a frame. */
  items: string[];
}

export async function buildHistoryPage(
  redis: RedisClient,
  keys: Keys,
  task: HistoryPageTask,
): Promise<HistoryPageResult> {
  const { total, objects, older } = await readHistoryPage(redis, keys, task.channelId, task.position, task.limit);
  const items = objects.map((object) => withTimeKey(object, task.timeKey));
  for (const message of older) items.push(messageJson(message, task.timeKey));
  return { total, items };
}
