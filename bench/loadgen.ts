/**
 * The load generator: a separate process that drives one server through one
 * scenario over loopback and prints one line `RESULT <json>`. Every loop is
 * bounded in count and time. Started by run.ts:
 *   node dist/bench/loadgen.js '<json LoadgenTask>'
 */

import { randomUUID } from 'node:crypto';
import { hashSync, verify } from '@node-rs/bcrypt';
import { Redis } from 'ioredis';
import { messageJson } from '../src/protocol/responses.js';
import { historyListOf } from '../src/store/channel-history.js';
import { channelIdFor } from '../src/store/channel-id.js';
import { Keys } from '../src/store/keys.js';
import { type BenchClient, connectClient } from './lib/clients.js';
import { inBatches, pace, sleep } from './lib/pacer.js';
import { rssBytes } from './lib/proc.js';
import { perMessage, redisCounters } from './lib/redis-stats.js';
import { Samples, summarize } from './lib/stats.js';
import {
  close,
  crowd,
  type LoadgenTask,
  listen,
  now,
  PASSWORD,
  publicCrowd,
  runStep,
  seedHistory,
  serverCpuMicros,
  text,
  type Window,
} from './lib/workload.js';
import { connections } from './scenarios/connections.js';
import { hotChannel } from './scenarios/hot-channel.js';
import { pipeline } from './scenarios/pipeline.js';
import { privateTraffic } from './scenarios/private-traffic.js';
import { reconnectStorm } from './scenarios/reconnect.js';

/**
 * The fan-out's warm-up before its window. Each run starts fresh processes, and a fresh
 * node is still compiling its request path seconds into a load (perf: the optimizing
 * compiler was 5–18% of our node's CPU in a window that began 2 s in): measured after
 * 15 s, the window shows what a node that has run for a while spends.
 */
const FANOUT_WARMUP_MS = 15_000;

async function fanout(task: LoadgenTask) {
  const { clients, senders, deliveriesPerMessage, setWindow } = await publicCrowd(task);
  const step = await runStep(
    task,
    senders,
    deliveriesPerMessage,
    200,
    task.quick ? 500 : FANOUT_WARMUP_MS,
    task.quick ? 2000 : 8000,
    setWindow,
  );
  close(clients);
  return { ...step, serverCpuMicrosPerMessage: step.serverCpuMicrosPerDelivery * deliveriesPerMessage };
}

async function saturation(task: LoadgenTask) {
  const { clients, senders, deliveriesPerMessage, setWindow } = await publicCrowd(task);
  const steps = [];
  let best = 0;
  for (let k = 0, rate = 200; k < (task.quick ? 2 : 10); k++, rate = Math.round(rate * 1.5)) {
    const step = await runStep(task, senders, deliveriesPerMessage, rate, 1000, task.quick ? 1000 : 4000, setWindow);
    steps.push(step);
    const passed = step.deliveredRatio >= 0.98 && step.latencyMs.p99 <= 100;
    if (!passed) break;
    best = Math.max(best, step.deliveriesPerSec);
  }
  close(clients);
  return { bestDeliveriesPerSec: best, steps };
}

async function idle(task: LoadgenTask) {
  const count = task.quick ? 200 : 5000;
  const probe = await connectClient(task.kind, task.port);
  await probe.signIn('bench-probe', PASSWORD);
  await probe.joinPublic();
  await sleep(1000);
  const before = rssBytes(task.serverPid);
  const clients = await crowd(task, count, task.quick ? 5 : 50);
  await inBatches(clients, 100, (client) => client.joinPublic());
  await sleep(2000);
  const after = rssBytes(task.serverPid);
  close([probe, ...clients]);
  return {
    connections: count,
    rssBeforeBytes: before,
    rssAfterBytes: after,
    bytesPerConnection: (after - before) / count,
  };
}

/**
 * History pages of `limit` 50 from one connection, one request at a time:
 * `requests` at each offset, then (ours only) as many by cursor just below
 * the newest and before each deeper offset's page. As many pages go first
 * uncounted, every server alike: each run starts fresh processes, and a
 * fresh server's first pages pay for compiling the path (a first page took
 * ours ~4 ms and the bare thread ~3, against ~1 ms a few dozen pages in),
 * which put a start-up cost into the first depth's p99.
 */
async function historyPages(task: LoadgenTask, total: number, requests: number, offsets: readonly number[]) {
  await seedHistory(task, total);
  const [client] = await crowd(task, 1, 1);
  const timed = async (page: () => Promise<number>, what: string) => {
    const latencies = new Samples();
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const received = await page();
      latencies.push(performance.now() - start);
      if (received !== 50) throw new Error(`${what}: ${received} messages, expected 50`);
    }
    return summarize(latencies.values());
  };
  for (const offset of offsets) await timed(() => client!.history(offset, 50), `warm-up at ${offset}`);
  const byOffset: Record<string, ReturnType<typeof summarize>> = {};
  // What one offset page costs the server and Redis, CPU time over all of them.
  const redis = new Redis(task.redisUrl);
  const [redisBefore, serverBefore] = [await redisCounters(redis), serverCpuMicros(task)];
  for (const offset of offsets) byOffset[offset] = await timed(() => client!.history(offset, 50), `offset ${offset}`);
  const pages = requests * offsets.length;
  const serverCpuMicrosPerPage = (serverCpuMicros(task) - serverBefore) / pages;
  const redisCpuMicrosPerPage = perMessage(redisBefore, await redisCounters(redis), pages).redisCpuMicrosPerMessage;
  redis.disconnect();
  // The same pages by cursor (ours only): `before` the seq just above each offset's page.
  const byBefore: Record<string, ReturnType<typeof summarize>> = {};
  if (task.kind === 'ours') {
    for (const before of offsets.map((offset) => total - offset + 1)) {
      byBefore[before] = await timed(() => client!.historyBefore(before, 50), `before ${before}`);
    }
  }
  close([client!]);
  return { messages: total, limit: 50, byOffset, byBefore, serverCpuMicrosPerPage, redisCpuMicrosPerPage };
}

/** 1,000,000 messages: whether a page costs more at depth. */
const history = (task: LoadgenTask) =>
  historyPages(task, task.quick ? 10_000 : 1_000_000, task.quick ? 30 : 300, depths(task.quick ? 10_000 : 1_000_000));

/** 20,000 messages, 200 sequential pages at every depth: how fast one page is, against the peer's. */
const pagesAtDepth = (task: LoadgenTask) => historyPages(task, 20_000, task.quick ? 20 : 200, [0, 10_000, 19_940]);

/** Offsets 0, a thousandth, half way, and the last full page of `total`. */
const depths = (total: number) => [0, total / 1000, total / 2, total - 60];

/**
 * Sends alone — no receiver — at a fixed rate from 10 connections: the
 * server's CPU per stored message, with or without a clientMessageId
 * (options.clientMessageId), measured over the window.
 */
async function send(task: LoadgenTask) {
  const senders = await crowd(task, 10, 10, 'send');
  const rate = task.quick ? 200 : 1000;
  const warmupMs = task.quick ? 500 : 2000;
  const windowMs = task.quick ? 1000 : 8000;
  let failures = 0;
  let inWindow = 0;
  let cpuStart = 0;
  const start = performance.now();
  await pace(rate, warmupMs + windowMs, (i) => {
    if (cpuStart === 0 && performance.now() - start >= warmupMs) cpuStart = serverCpuMicros(task);
    if (cpuStart !== 0) inWindow++;
    const id = task.options?.clientMessageId ? randomUUID() : undefined;
    senders[i % senders.length]!.sendPublic(text(now()), id).catch(() => failures++);
  });
  await sleep(500);
  const cpu = serverCpuMicros(task) - cpuStart;
  close(senders);
  return { rate, messages: inWindow, serverCpuMicrosPerMessage: cpu / inWindow, sendFailures: failures };
}

/** Chatters sending at `rate` while `during` runs; their push latencies before and during. */
async function chatLatency(task: LoadgenTask, chatters: BenchClient[], rate: number, during: () => Promise<unknown>) {
  let window: Window | undefined;
  listen(chatters, () => window);
  const measure = async (ms: number, work?: () => Promise<unknown>) => {
    window = { start: now(), end: Infinity, latencies: new Samples() };
    const mine = window;
    const workDone = work?.();
    await pace(rate, ms, (i) => void chatters[i % chatters.length]!.sendPublic(text(now())).catch(() => {}));
    const result = await workDone;
    mine.end = performance.now();
    await sleep(500);
    window = undefined;
    return { latency: summarize(mine.latencies.values()), result };
  };
  const before = await measure(task.quick ? 1000 : 3000);
  const storm = await measure(task.quick ? 1000 : 3000, during);
  return { before, storm };
}

/** bcrypt verifications per second on this machine, all cores, nothing else running. */
async function rawBcryptRate(ms: number): Promise<number> {
  const hash = hashSync(PASSWORD, 10);
  let done = 0;
  const deadline = performance.now() + ms;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      await verify(PASSWORD, hash);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return done / ((performance.now() - start) / 1000);
}

async function storm(task: LoadgenTask) {
  const stormSize = task.quick ? 20 : 200;
  const chatters = await crowd(task, 50, 10, 'chat');
  await inBatches(chatters, 50, (client) => client.joinPublic());
  // Create the storm's accounts first, so the storm itself is sign-ins to existing users (bcrypt verify).
  await crowd(task, stormSize, stormSize, 'storm').then(close);
  const fresh = await inBatches(
    Array.from({ length: stormSize }, () => 0),
    50,
    () => connectClient(task.kind, task.port),
  );
  let signInsPerSec = 0;
  const chat = await chatLatency(task, chatters, 100, async () => {
    const start = performance.now();
    await Promise.all(fresh.map((client, i) => client.signIn(`bench-storm${i}`, PASSWORD)));
    signInsPerSec = stormSize / ((performance.now() - start) / 1000);
  });
  close([...chatters, ...fresh]);
  await sleep(500);
  const rawRate = await rawBcryptRate(task.quick ? 1000 : 3000);
  return {
    signIns: stormSize,
    signInsPerSec,
    rawBcryptPerSec: rawRate,
    signInsVsRaw: signInsPerSec / rawRate,
    chatP99BeforeMs: chat.before.latency.p99,
    chatP99DuringMs: chat.storm.latency.p99,
    chatP99Ratio: chat.storm.latency.p99 / chat.before.latency.p99,
  };
}

async function poolOrInline(task: LoadgenTask) {
  await seedHistory(task, task.quick ? 10_000 : 100_000);
  const chatters = await crowd(task, 50, 10, 'chat');
  await inBatches(chatters, 50, (client) => client.joinPublic());
  const readers = await crowd(task, 20, 2, 'reader');
  const readLatencies = new Samples();
  let reading = true;
  const wallStart = Date.now();
  const chat = await chatLatency(task, chatters, 100, async () => {
    setTimeout(() => (reading = false), task.quick ? 1000 : 3000);
    await Promise.all(
      readers.map(async (reader) => {
        for (let i = 0; reading && i < 100_000; i++) {
          const start = performance.now();
          await reader.history(Math.floor(Math.random() * 9_000), 50);
          readLatencies.push(performance.now() - start);
        }
      }),
    );
  });
  close([...chatters, ...readers]);
  return {
    historyLatencyMs: summarize(readLatencies.values()),
    chatP99DuringMs: chat.storm.latency.p99,
    windowWallClock: { from: wallStart, to: Date.now() },
  };
}

/**
 * Gives `userUUID` `count` private conversations, one message each, written
 * straight into our storage format (history entry, conversation index,
 * the other participant's name): seeding 10,000 through the protocol would
 * take 10,000 sign-ups.
 */
async function seedConversations(redisUrl: string, userUUID: string, count: number): Promise<void> {
  const keys = new Keys('chat:');
  const redis = new Redis(redisUrl);
  try {
    const newest = Date.now();
    for (let i = 0; i < count; ) {
      const pipeline = redis.pipeline();
      for (const end = Math.min(count, i + 500); i < end; i++) {
        const other = randomUUID();
        const createdAt = newest - i * 1000;
        const channelId = channelIdFor(userUUID, other);
        const message = { UUID: randomUUID(), senderUUID: other, recipientUUID: userUUID, message: text(i) };
        pipeline.rpush(historyListOf(keys, channelId, 1), messageJson({ ...message, createdAt, seq: 1 }, 'createdAt'));
        pipeline.set(keys.channelMessageCount(channelId), 1);
        pipeline.hset(keys.userNames, other, `bench-other-${i}`);
        pipeline.zadd(keys.userConversations(userUUID), -createdAt, other);
        pipeline.hset(keys.userConversationSeqs(userUUID), other, 1);
      }
      await pipeline.exec();
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * `channels` pages of `limit` 10 for a user with options.conversations
 * private conversations: the first page, the last page, and pages at random
 * offsets — whether the cost depends on how many conversations there are.
 */
async function channelsPage(task: LoadgenTask) {
  const conversations = task.options?.conversations ?? 10;
  const [client] = await crowd(task, 1, 1, `conversations${conversations}-`);
  await seedConversations(task.redisUrl, (client!.credentials as { userUUID: string }).userUUID, conversations);
  const total = conversations + 1; // the public channel is the list's first entry
  const limit = 10;
  const requests = task.quick ? 30 : 300;
  const pages: Record<string, () => number> = {
    first: () => 0,
    last: () => total - limit,
    random: () => Math.floor(Math.random() * (total - limit + 1)),
  };
  const latencyMs: Record<string, ReturnType<typeof summarize>> = {};
  for (const [name, offsetOf] of Object.entries(pages)) {
    const latencies = new Samples();
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const received = await client!.channels(offsetOf(), limit);
      latencies.push(performance.now() - start);
      if (received !== limit) throw new Error(`${name} page: ${received} entries, expected ${limit}`);
    }
    latencyMs[name] = summarize(latencies.values());
  }
  close([client!]);
  return { conversations, limit, latencyMs };
}

/**
 * The fan-out workload, with (options.typing) or without a typing storm
 * beside it: 200 more connections (40 users, 5 connections each) joined in
 * pairs to 20 private channels and watching typing, each sending
 * `typing: true` every 3 s. Both variants have the 200 connections; only
 * the storm differs.
 */
async function typingBeside(task: LoadgenTask) {
  const { clients, senders, deliveriesPerMessage, setWindow } = await publicCrowd(task);
  const channels = task.quick ? 4 : 20;
  const perUser = 5;
  const users = channels * 2;
  const typists = await crowd(task, users * perUser, users, 'typist');
  // Client j is signed in as user j % users; users 2p and 2p+1 share channel p.
  const uuidOf = (user: number) => (typists[user]!.credentials as { userUUID: string }).userUUID;
  const partnerOf = (j: number) => uuidOf((j % users) ^ 1);
  await inBatches(typists, 50, async (typist) => {
    const j = typists.indexOf(typist);
    await typist.joinPrivate(partnerOf(j));
    await typist.watch(['typing']);
  });
  let typingDelivered = 0;
  for (const typist of typists) typist.onSignal(() => typingDelivered++);
  const warmupMs = task.quick ? 500 : 2000;
  const windowMs = task.quick ? 2000 : 8000;
  let typingSent = 0;
  const storm = task.options?.typing
    ? pace(typists.length / 3, warmupMs + windowMs, (i) => {
        typingSent++;
        void typists[i % typists.length]!.typing(partnerOf(i % typists.length), true).catch(() => {});
      })
    : Promise.resolve(0);
  const [step] = await Promise.all([
    runStep(task, senders, deliveriesPerMessage, 200, warmupMs, windowMs, setWindow),
    storm,
  ]);
  close([...clients, ...typists]);
  return {
    ...step,
    typingSent,
    typingDelivered,
    // Each typing signal reaches the other user's connections in the channel.
    typingDeliveredRatio: typingSent ? typingDelivered / (typingSent * perUser) : NaN,
  };
}

const scenarios: Record<string, (task: LoadgenTask) => Promise<unknown>> = {
  fanout,
  permessage: fanout,
  connections,
  reconnect: reconnectStorm,
  hot: hotChannel,
  nodes: fanout,
  pipeline,
  private: privateTraffic,
  saturation,
  idle,
  history,
  pages: pagesAtDepth,
  storm,
  pool: poolOrInline,
  send,
  channels: channelsPage,
  typing: typingBeside,
  metrics: fanout,
};

const task = JSON.parse(process.argv[2] ?? '{}') as LoadgenTask;
const scenario = scenarios[task.scenario];
if (!scenario) {
  console.error(`unknown scenario ${task.scenario}`);
  process.exit(2);
}
const deadline = setTimeout(() => {
  console.error('loadgen: scenario exceeded 10 minutes');
  process.exit(3);
}, 600_000);
const result = await scenario(task);
clearTimeout(deadline);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
