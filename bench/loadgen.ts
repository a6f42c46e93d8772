/**
 * The load generator: a separate process that drives one server through one
 * scenario over loopback and prints one line `RESULT <json>`. Every loop is
 * bounded in count and time. Started by run.ts:
 *   node dist/bench/loadgen.js '<json LoadgenTask>'
 */

import { randomUUID } from 'node:crypto';
import { hashSync, verify } from '@node-rs/bcrypt';
import { Redis } from 'ioredis';
import { channelIdFor } from '../src/store/channel-id.js';
import { Keys } from '../src/store/keys.js';
import { type BenchClient, connectClient, type ServerKind } from './lib/clients.js';
import { inBatches, pace, sleep } from './lib/pacer.js';
import { cpuMicros, rssBytes } from './lib/proc.js';
import { Samples, summarize } from './lib/stats.js';

export interface LoadgenTask {
  scenario: string;
  kind: ServerKind;
  port: number;
  serverPid: number;
  redisUrl: string;
  /** A few-second smoke instead of the full scenario. */
  quick: boolean;
  /** Variant options the scenario reads (e.g. clientMessageId: send idempotently). */
  options?: LoadgenOptions;
}

/** What a scenario's variants change. */
export interface LoadgenOptions {
  /** send: send each message with a clientMessageId. */
  clientMessageId?: boolean;
  /** channels: how many private conversations the user has. */
  conversations?: number;
  /** typing: run the typing storm beside the fan-out. */
  typing?: boolean;
  /** fanout: connections that only receive, besides the 10 senders. Default 200 (20 in a quick run). */
  receivers?: number;
}

const PASSWORD = 'bench password';
/** Now, to the microsecond: exactly what a message text carries, so window bounds compare equal. */
const now = (): number => Math.round(performance.now() * 1000) / 1000;
const text = (sentAt: number) => `T${sentAt};${'x'.repeat(80)}`;

/** `count` connected clients signed in as `users` accounts (bcrypt once per account). */
async function crowd(task: LoadgenTask, count: number, users: number, prefix = 'u'): Promise<BenchClient[]> {
  const accounts = await inBatches(
    Array.from({ length: users }, (_, i) => i),
    8,
    async (i) => {
      const client = await connectClient(task.kind, task.port);
      await client.signIn(`bench-${prefix}${i}`, PASSWORD);
      return client;
    },
  );
  const rest = await inBatches(
    Array.from({ length: Math.max(0, count - users) }, (_, i) => i),
    50,
    async (i) => {
      const client = await connectClient(task.kind, task.port);
      await client.resume(accounts[i % users]!.credentials);
      return client;
    },
  );
  return [...accounts, ...rest].slice(0, count);
}

interface Window {
  start: number;
  end: number;
  latencies: Samples;
}

/** Measures pushes whose send time falls in the window. */
function listen(receivers: BenchClient[], current: () => Window | undefined): void {
  for (const receiver of receivers) {
    receiver.onPush((sentAt) => {
      const window = current();
      if (window && sentAt >= window.start && sentAt < window.end) {
        window.latencies.push(performance.now() - sentAt);
      }
    });
  }
}

/** Sends at `rate` for warm-up + window; returns what the window saw. `deliveriesPerMessage`: connections each message reaches. */
async function runStep(
  task: LoadgenTask,
  senders: BenchClient[],
  deliveriesPerMessage: number,
  rate: number,
  warmupMs: number,
  windowMs: number,
  setWindow: (window: Window | undefined) => void,
) {
  const stepStart = performance.now();
  let window: Window | undefined;
  let sentInWindow = 0;
  let failures = 0;
  let cpuStart = 0;
  await pace(rate, warmupMs + windowMs, (i) => {
    const sentAt = now();
    if (window === undefined && sentAt - stepStart >= warmupMs) {
      window = { start: sentAt, end: sentAt + windowMs, latencies: new Samples() };
      setWindow(window);
      cpuStart = cpuMicros(task.serverPid);
    }
    if (window !== undefined && sentAt < window.end) sentInWindow++;
    senders[i % senders.length]!.sendPublic(text(sentAt)).catch(() => failures++);
  });
  const cpuEnd = cpuMicros(task.serverPid);
  await sleep(1000); // let the window's pushes drain
  setWindow(undefined);
  const delivered = window?.latencies.length ?? 0;
  const expected = sentInWindow * deliveriesPerMessage;
  return {
    rate,
    sent: sentInWindow,
    expected,
    delivered,
    deliveredRatio: expected ? delivered / expected : NaN,
    deliveriesPerSec: delivered / (windowMs / 1000),
    latencyMs: summarize(window?.latencies.values() ?? []),
    serverCpuMicrosPerDelivery: delivered ? (cpuEnd - cpuStart) / delivered : NaN,
    sendFailures: failures,
  };
}

/**
 * 200 receivers and 10 senders, all joined to the public channel (20 + 10 in
 * a quick run): each message reaches everyone but its sender, 209
 * connections, so 200 msg/s is 41,800 deliveries/s.
 */
async function publicCrowd(task: LoadgenTask) {
  const clients = await crowd(task, (task.options?.receivers ?? (task.quick ? 20 : 200)) + 10, 10);
  const senders = clients.slice(0, 10);
  await inBatches(clients, 50, (client) => client.joinPublic());
  let window: Window | undefined;
  listen(clients, () => window);
  return {
    clients,
    senders,
    deliveriesPerMessage: clients.length - 1,
    setWindow: (w: Window | undefined) => (window = w),
  };
}

async function fanout(task: LoadgenTask) {
  const { clients, senders, deliveriesPerMessage, setWindow } = await publicCrowd(task);
  const step = await runStep(
    task,
    senders,
    deliveriesPerMessage,
    200,
    task.quick ? 500 : 2000,
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

/** Writes `total` public messages straight into the server's own storage format. */
async function seedHistory(task: LoadgenTask, total: number): Promise<void> {
  const redis = new Redis(task.redisUrl);
  try {
    const sender = randomUUID();
    const key = task.kind === 'ours' ? 'chat:{c:pub}:log' : 'peer:history:public';
    const existing = task.kind === 'ours' ? await redis.xlen(key) : await redis.llen(key);
    for (let n = existing + 1; n <= total; ) {
      const pipeline = redis.pipeline();
      const batchEnd = Math.min(total, n + 999);
      if (task.kind === 'ours') {
        for (; n <= batchEnd; n++) {
          pipeline.xadd(
            key,
            `${n}-0`,
            'id',
            randomUUID(),
            's',
            sender,
            'r',
            '0',
            'm',
            text(n),
            't',
            String(Date.now()),
          );
        }
      } else {
        const items: string[] = [];
        for (; n <= batchEnd; n++) {
          items.push(
            JSON.stringify({
              UUID: randomUUID(),
              senderUUID: sender,
              recipientUUID: 0,
              message: text(n),
              createdAt: new Date().toISOString(),
            }),
          );
        }
        pipeline.rpush(key, ...items);
      }
      await pipeline.exec();
    }
  } finally {
    redis.disconnect();
  }
}

async function history(task: LoadgenTask) {
  const total = task.quick ? 10_000 : 1_000_000;
  await seedHistory(task, total);
  const [client] = await crowd(task, 1, 1);
  const offsets = [0, total / 1000, total / 2, total - 60];
  const requests = task.quick ? 30 : 300;
  const byOffset: Record<string, ReturnType<typeof summarize>> = {};
  for (const offset of offsets) {
    const latencies = new Samples();
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const received = await client!.history(offset, 50);
      latencies.push(performance.now() - start);
      if (received !== 50) throw new Error(`offset ${offset}: ${received} messages, expected 50`);
    }
    byOffset[offset] = summarize(latencies.values());
  }
  // Cursor pages (ours only): just below the newest, and at the depth of the deepest offset.
  const byBefore: Record<string, ReturnType<typeof summarize>> = {};
  if (task.kind === 'ours') {
    for (const before of [total + 1, 61]) {
      const latencies = new Samples();
      for (let i = 0; i < requests; i++) {
        const start = performance.now();
        const received = await client!.historyBefore(before, 50);
        latencies.push(performance.now() - start);
        if (received !== 50) throw new Error(`before ${before}: ${received} messages, expected 50`);
      }
      byBefore[before] = summarize(latencies.values());
    }
  }
  close([client!]);
  return { messages: total, limit: 50, byOffset, byBefore };
}

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
    if (cpuStart === 0 && performance.now() - start >= warmupMs) cpuStart = cpuMicros(task.serverPid);
    if (cpuStart !== 0) inWindow++;
    const id = task.options?.clientMessageId ? randomUUID() : undefined;
    senders[i % senders.length]!.sendPublic(text(now()), id).catch(() => failures++);
  });
  await sleep(500);
  const cpu = cpuMicros(task.serverPid) - cpuStart;
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
        const fields = ['id', randomUUID(), 's', other, 'r', userUUID, 'm', text(i), 't', String(createdAt)];
        pipeline.xadd(keys.channelHistory(channelId), '1-0', ...fields);
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

function close(clients: BenchClient[]): void {
  for (const client of clients) client.close();
}

const scenarios: Record<string, (task: LoadgenTask) => Promise<unknown>> = {
  fanout,
  floor: fanout,
  permessage: fanout,
  saturation,
  idle,
  history,
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
