/**
 * A Redis connection sends the commands of one event-loop iteration in one
 * socket write (store/gathered-writes.ts), against real redis-servers: the
 * replies are the same and in order, the socket sees one write, a new
 * socket after a restart gathers too, and so does every node of a cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis, createRedisClient, type RedisClient } from '../../src/store/redis-client.js';
import { settle, until } from '../helpers/async.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const COMMANDS = 200;
const CONNECT_WITHIN_MS = 5000;

/** Counts the writes that reach `redis`'s current socket (net.Socket's _write and _writev). */
function countSocketWrites(redis: Redis): { readonly writes: number } {
  const socket = redis.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  const counter = { writes: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name];
    socket[name] = function counted(...args: unknown[]) {
      counter.writes++;
      return original.apply(this, args);
    };
  }
  return counter;
}

/** Issues COMMANDS INCRs on `key` in one callback; resolves with their replies. */
function incrementsInOneIteration(client: RedisClient, key: string): Promise<number[]> {
  const replies: Promise<number>[] = [];
  for (let i = 0; i < COMMANDS; i++) replies.push(client.incr(key));
  return Promise.all(replies);
}

const oneToCommands = Array.from({ length: COMMANDS }, (_, i) => i + 1);

describe('command writes gathered per event-loop iteration, one redis-server', () => {
  let server: TestRedis;
  let client: RedisClient;
  before(async () => {
    server = await startTestRedis();
    client = createRedisClient({
      target: { url: server.url },
      commandTimeoutMs: 2000,
      connectionName: 'gathered-writes-test',
    });
    await connectRedis(client, CONNECT_WITHIN_MS);
  });
  after(async () => {
    client?.disconnect();
    await server?.cleanup();
  });

  it(`sends ${COMMANDS} commands issued in one callback in one socket write, replied in order`, async () => {
    const counter = countSocketWrites(client as Redis);
    const replies = await incrementsInOneIteration(client, 'one');
    assert.deepEqual(replies, oneToCommands);
    assert.equal(counter.writes, 1);
  });

  it('sends commands of separate iterations in separate writes, none held back', async () => {
    const counter = countSocketWrites(client as Redis);
    assert.equal(await client.incr('separate'), 1);
    await settle();
    assert.equal(await client.incr('separate'), 2);
    assert.equal(counter.writes, 2);
  });

  it('gathers on the new socket after Redis restarts', async () => {
    const before = (client as Redis).stream;
    await server.kill('SIGKILL');
    server = await server.restart();
    const redis = client as Redis;
    await until(() => redis.stream !== before && redis.status === 'ready', 'reconnected', CONNECT_WITHIN_MS);
    const counter = countSocketWrites(redis);
    const replies = await incrementsInOneIteration(client, 'restarted');
    assert.deepEqual(replies, oneToCommands);
    assert.equal(counter.writes, 1);
  });
});

describe('command writes gathered per event-loop iteration, Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let client: RedisClient;
  before(async () => {
    cluster = await startTestRedisCluster();
    client = createRedisClient({
      target: { clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) },
      commandTimeoutMs: 2000,
      connectionName: 'gathered-writes-test',
    });
    await connectRedis(client, CONNECT_WITHIN_MS);
  });
  after(async () => {
    client?.disconnect();
    await cluster?.cleanup();
  });

  it('sends each master its share of one callback’s commands in one socket write', async () => {
    assert.ok('nodes' in client);
    // Keys {k0}…{k29}: spread over the three masters' slots. The first round
    // connects each master (a cluster connects to a node on first use).
    const keys = Array.from({ length: 30 }, (_, i) => `{k${i}}`);
    await Promise.all(keys.map((key) => client.incr(key)));
    const masters = client.nodes('master');
    assert.equal(masters.length, 3);
    const counters = masters.map((node) => countSocketWrites(node));
    const replies = await Promise.all(keys.map((key) => client.incr(key)));
    assert.deepEqual(
      replies,
      keys.map(() => 2),
    );
    assert.deepEqual(
      counters.map((counter) => counter.writes),
      [1, 1, 1],
    );
  });
});
