/**
 * Several server nodes on one Redis — a redis-server, or a 3-master Redis
 * Cluster (REDIS_BACKENDS) — for the multi-node and crash tests: start and stop them (by PID, bounded), clients per node that close
 * themselves, whole-history reads, bounded polling, a paced load generator
 * and sequence comparison with a readable failure message.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { WebSocket } from 'ws';
import { probeClient } from '../../src/store/redis-server-process.js';
import { type Auth, ChatClient, type Frame, pollUntil, sleep } from './client.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { startTestRedisCluster, type TestRedisCluster } from './redis-cluster.js';
import { exitWithin, startServer, type TestServer } from './server.js';

/** How long a node may take to stop on SIGTERM before it is killed with SIGKILL. */
const STOP_WITHIN_MS = 5000;

/** What the nodes share: one redis-server, or a Redis Cluster of three masters on loopback. */
export type RedisBackend = 'redis' | 'redis-cluster';
/** Multi-node tests run once per backend. */
export const REDIS_BACKENDS: readonly RedisBackend[] = ['redis', 'redis-cluster'];

export interface Nodes {
  /** The redis-server (backend 'redis' only). */
  redis: TestRedis;
  /** The Redis Cluster (backend 'redis-cluster' only). */
  redisCluster: TestRedisCluster;
  nodes: TestServer[];
  /** A connected client on node `node`, closed after the file. */
  connect(node: number): Promise<ChatClient>;
  /** A client on node `node` signed up as a new, unique user. */
  user(node: number, prefix?: string): Promise<NodeUser>;
  /** A new connection on node `node` carrying `of`'s credentials (no sign-in): bound by its first request. */
  connectAs(node: number, of: Auth): Promise<ChatClient>;
  /** kill -9 of node `node`; resolves once it has exited. */
  killNode(node: number): Promise<void>;
  /** `CLIENT KILL TYPE pubsub` on every Redis server: every node's subscriber connection is cut. */
  killSubscribers(): Promise<void>;
}

export interface NodeUser {
  client: ChatClient;
  UUID: string;
  username: string;
}

let users = 0;

/** Stops a node by its PID: SIGTERM, then SIGKILL when it has not exited within STOP_WITHIN_MS. */
export async function stopNode(server: TestServer): Promise<void> {
  void server.stop();
  if ((await exitWithin(server, STOP_WITHIN_MS)) === 'timeout') await server.kill('SIGKILL');
}

/** Longest a node may take to serve its first request after it listens (a new cluster settling, a loaded machine). */
const SERVING_WITHIN_MS = 20_000;

/**
 * Registers before/after hooks: a Redis of `backend` and `count` nodes on
 * it, all with `env`; the redis-server's AOF is flushed `appendfsync`
 * ('always' unless a test needs otherwise).
 */
export function useNodes(
  count: number,
  env: Record<string, string> = {},
  backend: RedisBackend = 'redis',
  appendfsync: 'always' | 'everysec' = 'always',
): Nodes {
  const clients: ChatClient[] = [];
  const group = { nodes: [] as TestServer[] } as Nodes;
  before(async () => {
    let redisUrl = '';
    let nodeEnv = env;
    if (backend === 'redis') {
      group.redis = await startTestRedis(appendfsync);
      redisUrl = group.redis.url;
    } else {
      group.redisCluster = await startTestRedisCluster();
      nodeEnv = { ...env, REDIS_CLUSTER_NODES: group.redisCluster.nodes };
    }
    // One at a time: 2 cores, and each node starts a worker pool.
    for (let i = 0; i < count; i++) group.nodes.push(await startServer(redisUrl, nodeEnv));
    // A cluster that has just formed may still answer 11 for a moment: tests start once every node serves.
    if (backend === 'redis-cluster') {
      for (const node of group.nodes) await untilServing(node.url);
    }
  });
  after(async () => {
    for (const client of clients) client.close();
    await Promise.all(group.nodes.map(stopNode));
    await group.redis?.cleanup();
    await group.redisCluster?.cleanup();
  });
  group.connect = async (node) => {
    const client = await ChatClient.connect(group.nodes[node]!.url);
    clients.push(client);
    return client;
  };
  group.user = async (node, prefix = 'user') => {
    const client = await group.connect(node);
    const username = `${prefix}${++users}`;
    let reply = await client.signUp(username);
    // 11: nothing was stored — or the machine is so loaded that Redis timed out; signIn creates the user or signs in.
    for (let i = 0; i < 10 && reply.error?.code === 11; i++) {
      await sleep(500);
      reply = await client.signIn(username);
    }
    assert.equal(reply.type, 'authorized', `sign-up of ${username}: ${JSON.stringify(reply)}`);
    return { client, UUID: client.auth.userUUID, username };
  };
  group.connectAs = async (node, of) => {
    const client = await group.connect(node);
    client.auth = { userUUID: of.userUUID, userAccessKey: of.userAccessKey };
    return client;
  };
  group.killNode = async (node) => {
    await group.nodes[node]!.kill('SIGKILL');
  };
  group.killSubscribers = async () => {
    const ports = backend === 'redis' ? [group.redis.port] : group.redisCluster.ports;
    for (const port of ports) {
      const probe = probeClient(`redis://127.0.0.1:${port}`, 2000);
      try {
        await probe.connect();
        await probe.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      } finally {
        probe.disconnect();
      }
    }
  };
  return group;
}

/** Signs in a probe user on the node until it is answered other than with 11 (bounded by SERVING_WITHIN_MS). */
async function untilServing(url: string): Promise<void> {
  const client = await ChatClient.connect(url);
  try {
    const { value } = await pollUntil(
      () => client.signIn('setup-probe'),
      (reply) => reply.error?.code !== 11,
      SERVING_WITHIN_MS,
      250,
    );
    assert.equal(value.type, 'authorized', `node ${url} serves: ${JSON.stringify(value)}`);
  } finally {
    client.close();
  }
}

/** A reply, or why there is none: the connection closed, or nothing came within `ms`. */
export type Outcome = { reply: Frame; ms: number } | { reply: null; ms: number; why: 'closed' | 'hang' };

/**
 * Sends an authenticated request and times it. Never throws and never waits
 * past `ms`: a request on a connection that dies (its node was killed) ends
 * as 'closed', one left unanswered as 'hang'.
 */
export async function timedRequest(client: ChatClient, body: Frame, ms = 10_000): Promise<Outcome> {
  const started = Date.now();
  if (client.ws.readyState !== WebSocket.OPEN) return { reply: null, ms: 0, why: 'closed' };
  const request = client.authed(body).catch(() => null);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    request.then((reply) => (reply === null ? ('hang' as const) : reply)),
    client.closed.then(() => 'closed' as const),
    new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), ms))),
  ]);
  clearTimeout(timer);
  const took = Date.now() - started;
  return typeof result === 'string' ? { reply: null, ms: took, why: result } : { reply: result, ms: took };
}

/** The whole history of the channel, oldest first, paged 99 at a time (bounded: 200 pages). */
export async function history(client: ChatClient, recipientUUID: unknown = 0): Promise<Frame[]> {
  const newestFirst: Frame[] = [];
  for (let page = 0; page < 200; page++) {
    const reply = await client.authed({
      type: 'channelMessages',
      channelMessages: { recipientUUID, offset: page * 99, limit: 99 },
    });
    assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
    newestFirst.push(...reply.channelMessages.messages);
    if (newestFirst.length >= reply.channelMessages.messagesTotal || reply.channelMessages.messagesReceived === 0) {
      break;
    }
  }
  return newestFirst.reverse();
}

/** The UUID of the newest message a channelJoin response showed: pushes start after it (null: from the start). */
export function joinPoint(joinReply: Frame): string | null {
  assert.equal(joinReply.type, 'channelJoin', JSON.stringify(joinReply));
  return (joinReply.channelJoin.messages[0]?.UUID as string | undefined) ?? null;
}

/** The history messages after `point` (all of them when null); asserts the point is in history. */
export function afterPoint(stored: Frame[], point: string | null): Frame[] {
  if (point === null) return stored;
  const index = stored.findIndex((m) => m.UUID === point);
  assert.ok(index !== -1, `join point ${point} is in history`);
  return stored.slice(index + 1);
}

export const uuidsOf = (frames: readonly Frame[]): string[] => frames.map((f) => (f.channelMessage ?? f).UUID);

/** Waits (at most `ms`) until `client` has at least `count` pushes matching `keep`; never throws. */
export async function settlePushes(
  client: ChatClient,
  count: number,
  keep: (push: Frame) => boolean = () => true,
  ms = 10_000,
): Promise<Frame[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const kept = client.pushes.filter(keep);
    if (kept.length >= count || Date.now() >= deadline) return kept;
    await sleep(50);
  }
}

/** settlePushes for several clients at once, within one shared `ms`. */
export function settleAll(
  items: readonly { client: ChatClient; count: number; keep?: (push: Frame) => boolean }[],
  ms = 10_000,
): Promise<Frame[][]> {
  return Promise.all(items.map((item) => settlePushes(item.client, item.count, item.keep, ms)));
}

/**
 * Asserts two UUID sequences are equal; on a difference the message says
 * how (lengths, first difference, missing, duplicated, unexpected) instead
 * of printing both arrays whole.
 */
export function assertSameSequence(actual: readonly string[], expected: readonly string[], what: string): void {
  if (actual.length === expected.length && actual.every((u, i) => u === expected[i])) return;
  const first = actual.findIndex((u, i) => u !== expected[i]);
  const firstDiff = first === -1 ? Math.min(actual.length, expected.length) : first;
  const expectedSet = new Set(expected);
  const actualSet = new Set(actual);
  const missing = expected.filter((u) => !actualSet.has(u)).length;
  const unexpected = actual.filter((u) => !expectedSet.has(u)).length;
  const duplicated = actual.length - actualSet.size;
  const inOrder = actual.filter((u) => expectedSet.has(u));
  const wanted = expected.filter((u) => actualSet.has(u));
  const reordered = inOrder.some((u, i) => u !== wanted[i]);
  assert.fail(
    `${what}: got ${actual.length}, expected ${expected.length}; first difference at index ${firstDiff}; ` +
      `missing ${missing}, duplicated ${duplicated}, unexpected ${unexpected}, ` +
      `order of the common ones ${reordered ? 'DIFFERS' : 'the same'}`,
  );
}

/**
 * Asserts every acknowledged message (as its response carried it) is in
 * `stored` exactly once, with the text, sender, recipient and time it was
 * acknowledged with, and that no message is stored twice at all.
 */
export function assertStoredOnce(stored: readonly Frame[], acked: readonly Frame[], what: string): void {
  const byUUID = new Map<string, Frame[]>();
  for (const m of stored) byUUID.set(m.UUID, [...(byUUID.get(m.UUID) ?? []), m]);
  const missing = acked.filter((m) => !byUUID.has(m.UUID));
  const twice = [...byUUID].filter(([, copies]) => copies.length > 1).map(([u]) => u);
  assert.equal(
    missing.length,
    0,
    `${what}: ${missing.length} of ${acked.length} acknowledged messages missing from history`,
  );
  assert.equal(twice.length, 0, `${what}: ${twice.length} messages stored more than once`);
  const fields = (m: Frame) => ({
    message: m.message,
    senderUUID: m.senderUUID,
    recipientUUID: m.recipientUUID,
    createdAt: m.createdAt,
  });
  for (const m of acked) {
    assert.deepEqual(fields(byUUID.get(m.UUID)![0]!), fields(m), `${what}: message ${m.UUID} as stored`);
  }
}

/** One request of a paced load, with when it started (ms since the epoch). */
export interface Sent {
  text: string;
  startedAt: number;
  outcome: Outcome;
}

/**
 * A paced sender: one message at a time, one every `intervalMs` at most,
 * until `count` are sent, `stop()` is called, or its connection closes.
 * Records every outcome, and every stored message in `acked`.
 */
export class PacedSender {
  readonly client: ChatClient;
  readonly label: string;
  readonly sent: Sent[] = [];
  /** The stored messages, as their responses carried them. */
  readonly acked: Frame[] = [];
  #stopped = false;
  #done: Promise<void> | undefined;

  constructor(client: ChatClient, label: string) {
    this.client = client;
    this.label = label;
  }

  start(count: number, intervalMs: number, recipientUUID: unknown = 0): void {
    this.#done = this.#run(count, intervalMs, recipientUUID);
  }

  /** Resolves once the sender has stopped by itself (count reached, connection closed) or been stopped. */
  async finished(): Promise<void> {
    await this.#done;
  }

  /** Stops sending and resolves once the request in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async #run(count: number, intervalMs: number, recipientUUID: unknown): Promise<void> {
    for (let i = 0; i < count && !this.#stopped; i++) {
      const text = `${this.label} #${i}`;
      const startedAt = Date.now();
      const outcome = await timedRequest(this.client, {
        type: 'channelMessage',
        channelMessage: { recipientUUID, message: text },
      });
      this.sent.push({ text, startedAt, outcome });
      if (outcome.reply?.type === 'channelMessage') this.acked.push(outcome.reply.channelMessage);
      if (outcome.reply === null && outcome.why === 'closed') return;
      await sleep(Math.max(0, intervalMs - (Date.now() - startedAt)));
    }
  }
}
