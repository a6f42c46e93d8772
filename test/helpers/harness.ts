/**
 * One real redis-server and one real server for a test file: useNodes with
 * a single node, named for the common case. Everything is started in
 * `before` and cleaned up in `after`; clients close themselves.
 */
import type { ChatClient } from './client.js';
import { type NodeUser, useNodes } from './nodes.js';
import type { TestRedis } from './redis.js';
import type { TestServer } from './server.js';

/** The time budget of one integration test: generous, the machine may be loaded. */
export const TEST = { timeout: 60_000 };

export interface Harness {
  /** The redis-server; a test that restarts it assigns the restarted one back. */
  redis: TestRedis;
  readonly server: TestServer;
  /** A connected client, closed after the file. */
  connect(): Promise<ChatClient>;
  /** A connected client signed up as a new, unique user. */
  user(prefix?: string): Promise<ChatClient>;
  /** Like `user`, with the new user's UUID and username alongside. */
  namedUser(prefix?: string): Promise<NodeUser>;
  /** A new connection carrying `of`'s credentials, bound to that user by its first request. */
  connectAs(of: ChatClient): Promise<ChatClient>;
}

/** Registers before/after hooks; the returned object is usable inside tests. */
export function useHarness(env: Record<string, string> = {}): Harness {
  const group = useNodes(1, env);
  return {
    get redis() {
      return group.redis;
    },
    set redis(restarted: TestRedis) {
      group.redis = restarted;
    },
    get server() {
      return group.nodes[0]!;
    },
    connect: () => group.connect(0),
    user: async (prefix) => (await group.user(0, prefix)).client,
    namedUser: (prefix) => group.user(0, prefix),
    connectAs: (of) => group.connectAs(0, of.auth),
  };
}
