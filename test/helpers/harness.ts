/**
 * One real redis-server and one real server for a test file, started in
 * `before` and cleaned up in `after`, plus clients that close themselves.
 */
import { after, before } from 'node:test';
import { ChatClient } from './client.js';
import { type TestRedis, startTestRedis } from './redis.js';
import { type TestServer, startServer } from './server.js';

export interface Harness {
  redis: TestRedis;
  server: TestServer;
  /** A connected client, closed after the file. */
  connect(): Promise<ChatClient>;
  /** A connected client signed up as a new, unique user. */
  user(prefix?: string): Promise<ChatClient>;
}

let users = 0;

/** Registers before/after hooks; the returned object is usable inside tests. */
export function useHarness(env: Record<string, string> = {}): Harness {
  const clients: ChatClient[] = [];
  const harness = {} as Harness;
  before(async () => {
    harness.redis = await startTestRedis();
    harness.server = await startServer(harness.redis.url, env);
  });
  after(async () => {
    for (const client of clients) client.close();
    await harness.server?.stop();
    await harness.redis?.cleanup();
  });
  harness.connect = async () => {
    const client = await ChatClient.connect(harness.server.url);
    clients.push(client);
    return client;
  };
  harness.user = async (prefix = 'user') => {
    const client = await harness.connect();
    const reply = await client.signUp(`${prefix}${++users}`);
    if (reply.type !== 'authorized') throw new Error(`sign-up failed: ${JSON.stringify(reply)}`);
    return client;
  };
  return harness;
}
