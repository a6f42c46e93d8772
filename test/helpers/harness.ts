/**
 * One real redis-server and one real server for a test file, started in
 * `before` and cleaned up in `after`, plus clients that close themselves.
 */
import { after, before } from 'node:test';
import { ChatClient } from './client.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { startServer, type TestServer } from './server.js';

export interface Harness {
  redis: TestRedis;
  server: TestServer;
  /** A connected client, closed after the file. */
  connect(): Promise<ChatClient>;
  /** A connected client signed up as a new, unique user. */
  user(prefix?: string): Promise<ChatClient>;
  /** Like `user`, with the new user's UUID and username alongside. */
  namedUser(prefix?: string): Promise<NamedUser>;
  /** A new connection carrying `of`'s credentials, bound to that user by its first request. */
  connectAs(of: ChatClient): Promise<ChatClient>;
}

/** A signed-up client with the UUID and username it signed up as. */
export interface NamedUser {
  client: ChatClient;
  UUID: string;
  username: string;
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
  harness.namedUser = async (prefix = 'user') => {
    const client = await harness.connect();
    const username = `${prefix}${++users}`;
    const reply = await client.signUp(username);
    if (reply.type !== 'authorized') throw new Error(`sign-up failed: ${JSON.stringify(reply)}`);
    return { client, UUID: client.auth.userUUID, username };
  };
  harness.user = async (prefix) => (await harness.namedUser(prefix)).client;
  harness.connectAs = async (of) => {
    const client = await harness.connect();
    client.auth = { ...of.auth };
    return client;
  };
  return harness;
}
