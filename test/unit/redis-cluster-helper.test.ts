/**
 * The three-master test cluster (test/helpers/redis-cluster.ts) and what an
 * ioredis Cluster client does on it, configured the way the app configures
 * its single-node client (fail fast: no offline queue, a command timeout):
 * keys of different hash tags live on different masters, scripts and
 * streams work on keys of one tag, pub/sub crosses nodes, and a subscriber
 * outlives the restart of the node it listens on.
 *
 * The steps share one cluster and run in order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const COMMAND_TIMEOUT_MS = 2000;
/** Generous bounds for 2 shared cores; nothing here asserts on time. */
const READY_WITHIN_MS = 10_000;
const DELIVERED_WITHIN_MS = 10_000;
const RECOVERED_WITHIN_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Cluster client with the app's fail-fast settings (src/store/redis-client.ts). */
function createClusterClient(nodes: string, connectionName: string): Cluster {
  return new Cluster(nodes.split(','), {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    redisOptions: {
      connectionName,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: COMMAND_TIMEOUT_MS,
    },
  });
}

/** Cluster#connect() resolves on 'ready' (slots known, CLUSTER INFO ok); bounded like connectRedis. */
async function connectWithin(client: Cluster, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cluster not ready within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A plain connection to one node; the caller disconnects it. */
function nodeClient(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

async function withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = nodeClient(port);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Index of the node that holds `key` (which must exist): it answers EXISTS 1, the others MOVED. */
async function ownerOf(cluster: TestRedisCluster, key: string): Promise<number> {
  const owners: number[] = [];
  for (const [i, port] of cluster.ports.entries()) {
    const answer = await withNode(port, (client) => client.exists(key).then(String, (error: Error) => error.message));
    if (answer === '1') owners.push(i);
    else assert.match(answer, /^MOVED \d+ 127\.0\.0\.1:\d+$/);
  }
  assert.equal(owners.length, 1, `${key} is held by nodes ${owners.join(', ')}`);
  return owners[0]!;
}

/** Index of the node where the connection named `name` is connected (CLIENT LIST), or -1. */
async function nodeWithConnection(cluster: TestRedisCluster, name: string): Promise<number> {
  for (const [i, port] of cluster.ports.entries()) {
    if (cluster.pids[i] === -1) continue;
    const list = await withNode(port, (client) => client.client('LIST') as Promise<string>);
    if (list.split('\n').some((line) => line.includes(` name=${name} `))) return i;
  }
  return -1;
}

/** The app's Script.run (src/store/script.ts), typed for either client: EVALSHA, then EVAL on NOSCRIPT. */
async function runScript(
  client: Redis | Cluster,
  lua: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const sha = createHash('sha1').update(lua).digest('hex');
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await client.eval(lua, keys.length, ...keys, ...args);
  }
}

/** Resolves with the next message on `topic`, or rejects after `timeoutMs`. */
function nextMessage(client: Cluster, topic: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (channel: string, message: string): void => {
      if (channel !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(message);
    };
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on('message', onMessage);
  });
}

/**
 * Publishes `message` every 200 ms until the subscriber gets it (bounded):
 * a publish made while the subscription is moving to another node is lost,
 * which is pub/sub's contract.
 */
async function publishUntilDelivered(
  publisher: Cluster,
  subscriber: Cluster,
  topic: string,
  message: string,
): Promise<void> {
  const received = nextMessage(subscriber, topic, DELIVERED_WITHIN_MS);
  let delivered = false;
  received.then(
    () => (delivered = true),
    () => {},
  );
  const deadline = Date.now() + DELIVERED_WITHIN_MS;
  while (!delivered && Date.now() < deadline) {
    await publisher.publish(topic, message).catch(() => 0);
    await sleep(200);
  }
  assert.equal(await received, message);
}

/** Retries `attempt` every 200 ms until it resolves, at most `timeoutMs`; returns its value. */
async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${String(error)}`);
      await sleep(200);
    }
  }
}

/** Runs `command`, which must fail; returns its error message and how long it took. */
async function failure(command: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  try {
    await command();
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error), ms: Date.now() - started };
  }
  assert.fail('the command succeeded');
}

describe('test Redis Cluster helper', () => {
  let cluster: TestRedisCluster;
  let client: Cluster;
  let publisher: Cluster;
  let subscriber: Cluster;

  before(async () => {
    cluster = await startTestRedisCluster();
    client = createClusterClient(cluster.nodes, 'test-client');
    publisher = createClusterClient(cluster.nodes, 'test-publisher');
    subscriber = createClusterClient(cluster.nodes, 'test-subscriber');
    for (const each of [client, publisher, subscriber]) each.on('error', () => {});
  });

  after(async () => {
    for (const each of [client, publisher, subscriber]) each?.disconnect();
    await cluster?.cleanup();
  });

  it('starts three masters on distinct loopback ports, each with a third of the slots', async (t) => {
    assert.equal(cluster.ports.length, 3);
    assert.equal(new Set(cluster.ports).size, 3);
    assert.equal(cluster.nodes, cluster.ports.map((port) => `127.0.0.1:${port}`).join(','));
    assert.equal(cluster.pids.filter((pid) => pid > 0).length, 3);
    for (const port of cluster.ports) {
      const nodes = await withNode(port, (node) => node.cluster('NODES') as Promise<string>);
      const masters = nodes
        .trim()
        .split('\n')
        .filter((line) => line.split(' ')[2]?.includes('master'));
      assert.equal(masters.length, 3, nodes);
      for (const line of masters) assert.match(line, / connected \d+-\d+$/, line);
    }
    t.diagnostic(`nodes ${cluster.nodes} pids ${cluster.pids.join(',')}`);
  });

  it('a Cluster client with the fail-fast options becomes ready', async () => {
    assert.equal(client.status, 'wait');
    await Promise.all([client, publisher, subscriber].map((each) => connectWithin(each, READY_WITHIN_MS)));
    assert.equal(client.status, 'ready');
    assert.equal(client.nodes('master').length, 3);
  });

  it('keys of tags {a} and {b} are stored on different masters and read back', async (t) => {
    assert.equal(await client.set('{a}x', 'value-a'), 'OK');
    assert.equal(await client.set('{b}y', 'value-b'), 'OK');
    assert.equal(await client.get('{a}x'), 'value-a');
    assert.equal(await client.get('{b}y'), 'value-b');
    const ownerA = await ownerOf(cluster, '{a}x');
    const ownerB = await ownerOf(cluster, '{b}y');
    assert.notEqual(ownerA, ownerB);
    t.diagnostic(`{a}x on node ${ownerA}, {b}y on node ${ownerB}`);
  });

  it('a script runs by EVALSHA after NOSCRIPT fell back to EVAL, on two keys of one tag', async () => {
    const lua =
      "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[2]); return redis.call('MGET', KEYS[1], KEYS[2])";
    const sha = createHash('sha1').update(lua).digest('hex');
    const keys = ['{a}one', '{a}two'];
    const owner = await ownerOf(cluster, '{a}x');
    await withNode(cluster.ports[owner]!, (node) => node.script('FLUSH'));
    const notLoaded = await failure(() => client.evalsha(sha, 2, ...keys, '1', '2'));
    assert.match(notLoaded.message, /^NOSCRIPT/);
    assert.deepEqual(await runScript(client, lua, keys, [1, 2]), ['1', '2']);
    const loaded = await withNode(cluster.ports[owner]!, (node) => node.script('EXISTS', sha));
    assert.deepEqual(loaded, [1]);
    assert.deepEqual(await client.evalsha(sha, 2, ...keys, '3', '4'), ['3', '4']);
    const crossSlot = await failure(() => runScript(client, lua, ['{a}one', '{b}two'], [5, 6]));
    assert.match(crossSlot.message, /^CROSSSLOT/);
  });

  it('a script defined with defineCommand runs on the node of its keys', async () => {
    client.defineCommand('swapPair', {
      numberOfKeys: 2,
      lua: "local a = redis.call('GET', KEYS[1]); local b = redis.call('GET', KEYS[2]); redis.call('SET', KEYS[1], b); redis.call('SET', KEYS[2], a); return {b, a}",
    });
    const swapPair = (client as unknown as { swapPair(k1: string, k2: string): Promise<string[]> }).swapPair.bind(
      client,
    );
    assert.deepEqual(await swapPair('{a}one', '{a}two'), ['4', '3']);
    assert.deepEqual(await client.mget('{a}one', '{a}two'), ['4', '3']);
  });

  it('XADD and XRANGE work on a hash-tagged stream', async () => {
    const stream = '{c:42}:messages';
    const first = await client.xadd(stream, '*', 'body', 'hello');
    const second = await client.xadd(stream, '*', 'body', 'world');
    assert.ok(first && second);
    assert.deepEqual(await client.xrange(stream, '-', '+'), [
      [first, ['body', 'hello']],
      [second, ['body', 'world']],
    ]);
    assert.equal(await client.xlen(stream), 2);
    await ownerOf(cluster, stream);
  });

  it('a message published by one Cluster client reaches another one subscribed', async (t) => {
    assert.equal(await subscriber.subscribe('topic-1'), 1);
    const subscriberNode = await nodeWithConnection(cluster, 'ioredis-cluster(subscriber):test-subscriber');
    assert.notEqual(subscriberNode, -1);
    const received = nextMessage(subscriber, 'topic-1', DELIVERED_WITHIN_MS);
    const receivers = await publisher.publish('topic-1', 'hello');
    assert.equal(await received, 'hello');
    // PUBLISH counts only the subscribers on the node it ran on; the cluster bus carries it to the others.
    t.diagnostic(`subscriber on node ${subscriberNode}; PUBLISH answered ${receivers}`);
  });

  it('with a node stopped, a command for its slots fails (no hang); the cluster then goes down for every slot', async (t) => {
    const stopped = await ownerOf(cluster, '{a}x');
    const live = await ownerOf(cluster, '{b}y');
    const oldPid = cluster.pids[stopped]!;
    await cluster.stopNode(stopped);
    assert.equal(cluster.pids[stopped], -1);
    assert.throws(() => process.kill(oldPid, 0), { code: 'ESRCH' });

    const deadSlot = await failure(() => client.get('{a}x'));
    t.diagnostic(`GET on the stopped node's slot: "${deadSlot.message}" after ${deadSlot.ms} ms`);

    await eventually('cluster_state:fail on a live node', RECOVERED_WITHIN_MS, async () => {
      const info = await withNode(cluster.ports[live]!, (node) => node.cluster('INFO') as Promise<string>);
      assert.match(info, /cluster_state:fail/);
    });
    const down = await failure(() => client.get('{b}y'));
    t.diagnostic(`GET on a live node's slot once the cluster is down: "${down.message}" after ${down.ms} ms`);
  });

  it('restartNode brings the node back on the same port, and the client recovers by itself', async (t) => {
    const stopped = cluster.pids.indexOf(-1);
    assert.notEqual(stopped, -1);
    await cluster.restartNode(stopped);
    assert.ok(cluster.pids[stopped]! > 0);
    // The node kept its data (AOF in its directory) and its slots (nodes.conf).
    const value = await eventually('GET after restart', RECOVERED_WITHIN_MS, () => client.get('{a}x'));
    assert.equal(value, 'value-a');
    assert.equal(await ownerOf(cluster, '{a}x'), stopped);
    t.diagnostic(`node ${stopped} back with pid ${cluster.pids[stopped]}`);
  });

  it('the subscription survives the restart of the node it was on', async (t) => {
    const before = await nodeWithConnection(cluster, 'ioredis-cluster(subscriber):test-subscriber');
    assert.notEqual(before, -1);
    await cluster.stopNode(before);
    await publishUntilDelivered(publisher, subscriber, 'topic-1', 'while-down');
    const during = await nodeWithConnection(cluster, 'ioredis-cluster(subscriber):test-subscriber');
    assert.notEqual(during, -1);
    assert.notEqual(during, before);
    await cluster.restartNode(before);
    await publishUntilDelivered(publisher, subscriber, 'topic-1', 'after-restart');
    t.diagnostic(`subscriber moved from node ${before} to node ${during}`);
  });

  it('stopNode and restartNode accept only the three nodes', async () => {
    await assert.rejects(cluster.stopNode(3), RangeError);
    await assert.rejects(cluster.restartNode(-1), RangeError);
  });
});
