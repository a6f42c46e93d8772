/**
 * A hot channel: as many senders as it takes, each with a few sends in
 * flight, into the public channel, against the Redis-bound limit measured
 * in the same run — the very send script (the store's
 * RedisChannelHistory.append) called straight from here in a pipelined
 * loop. Also Redis's commands and network bytes per acknowledged message,
 * and how busy the whole machine was: run against the storing bare server (`stored`)
 * too, it shows what any server that stores each message reaches here.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { messageHead, messagePieces } from '../../src/protocol/responses.js';
import { RedisChannelHistory } from '../../src/store/channel-history.js';
import { Keys } from '../../src/store/keys.js';
import { type BenchClient, connectClient } from '../lib/clients.js';
import { inBatches, sleep } from '../lib/pacer.js';
import { machineBusyMicros } from '../lib/proc.js';
import { perMessage, redisCounters } from '../lib/redis-stats.js';
import { seedUsers } from '../lib/seed-users.js';
import { close, type LoadgenTask, now, PASSWORD, serverCpuMicros, text } from '../lib/workload.js';

/** Sends each sender keeps in flight. */
const IN_FLIGHT = 4;
/** Script calls the direct loop keeps in flight on its one connection. */
const DIRECT_IN_FLIGHT = 256;

/** The channel the direct loop stores into: its own, so that no server is subscribed to it and pushes its messages. */
const LIMIT_CHANNEL = 'bench-hot-limit';
/** The share of the Redis-bound limit the target asks of the server. */
const TARGET_SHARE = 0.7;

/**
 * The send script straight from here, DIRECT_IN_FLIGHT calls at a time, for
 * `ms`: stored messages per second. Into a channel of its own, with one
 * subscriber here taking its topic as a node would — so Redis does all it
 * does for a message of a followed channel, and no server spends CPU on
 * pushing the loop's messages while it runs (our server follows the public
 * channel: measured there, the limit fell by a third under ours and not
 * under the storing bare server, which subscribes to nothing).
 */
async function directLimit(redisUrl: string, ms: number) {
  const redis = new Redis(redisUrl);
  const keys = new Keys('chat:');
  const history = new RedisChannelHistory(redis, keys, LIMIT_CHANNEL, 86_400_000);
  const subscriber = new Redis(redisUrl);
  let published = 0;
  subscriber.on('messageBuffer', () => published++);
  await subscriber.subscribe(keys.channelTopic(LIMIT_CHANNEL));
  const senderUUID = randomUUID();
  const session = randomUUID();
  let stored = 0;
  const deadline = performance.now() + ms;
  const before = await redisCounters(redis);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: DIRECT_IN_FLIGHT }, async () => {
      for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) {
        const message = {
          UUID: randomUUID(),
          senderUUID,
          recipientUUID: '0',
          message: text(now()),
          createdAt: Date.now(),
        };
        await history.append(
          message,
          messagePieces(messageHead(message, 'createdAt')),
          session,
          '',
          undefined,
          undefined,
        );
        stored++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cost = perMessage(before, await redisCounters(redis), stored);
  await sleep(200);
  redis.disconnect();
  subscriber.disconnect();
  return { messagesPerSec: stored / seconds, publishedRatio: published / stored, ...cost };
}

/**
 * What TARGET_SHARE of the limit would leave the server on this machine:
 * its cores less what Redis and this load generator spend at that rate, at
 * their per-message costs measured through the server at the best step.
 */
function budgetAtTarget(
  limitPerSec: number,
  best: { messagesPerSec: number; redisCpuMicrosPerMessage: number; loadgenCoresBusy: number },
) {
  const rate = TARGET_SHARE * limitPerSec;
  const loadgenMicrosPerMessage = (best.loadgenCoresBusy / best.messagesPerSec) * 1e6;
  const othersCores = (rate * (best.redisCpuMicrosPerMessage + loadgenMicrosPerMessage)) / 1e6;
  const coresLeft = availableParallelism() - othersCores;
  return { messagesPerSec: rate, coresLeft, serverCpuMicrosPerMessage: (Math.max(0, coresLeft) / rate) * 1e6 };
}

/**
 * `senders` connections, IN_FLIGHT sends each, for `ms`: acknowledged
 * messages per second, and how busy the server, this load generator and the
 * whole machine were (CPU seconds per second: 1 is one core).
 */
async function throughServer(task: LoadgenTask, senders: BenchClient[], ms: number) {
  let acknowledged = 0;
  let failures = 0;
  const deadline = performance.now() + ms;
  const cpuStart = serverCpuMicros(task);
  const machineStart = machineBusyMicros();
  const loadgenStart = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    senders.flatMap((sender) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) {
          await sender.sendPublic(text(now())).then(
            () => acknowledged++,
            () => failures++,
          );
        }
      }),
    ),
  );
  const micros = (performance.now() - start) * 1000;
  const cpu = serverCpuMicros(task) - cpuStart;
  const machine = machineBusyMicros() - machineStart;
  const loadgen = process.cpuUsage(loadgenStart);
  return {
    acknowledged,
    failures,
    messagesPerSec: acknowledged / (micros / 1e6),
    serverCpuMicrosPerMessage: cpu / acknowledged,
    serverCoresBusy: cpu / micros,
    machineCoresBusy: machine / micros,
    loadgenCoresBusy: (loadgen.user + loadgen.system) / micros,
  };
}

export async function hotChannel(task: LoadgenTask) {
  const stepMs = task.quick ? 1000 : 4000;
  const senderCounts = task.quick ? [4, 8] : [8, 16, 32, 64, 128];
  const users = await seedUsers(task.redisUrl, 'bench-hot', senderCounts.at(-1)! + 10, PASSWORD);
  const connect = (i: number) =>
    connectClient('ours', task.port).then(async (client) => {
      await client.resume(users[i]);
      return client;
    });
  // Ten receivers joined, so every message is also pushed.
  const receivers = await inBatches([...Array(10).keys()], 10, async (i) => {
    const client = await connect(i);
    await client.joinPublic();
    return client;
  });
  let pushes = 0;
  for (const receiver of receivers) receiver.onPush(() => pushes++);
  const senders = await inBatches([...Array(senderCounts.at(-1)!).keys()], 50, (i) => connect(10 + i));

  const redis = new Redis(task.redisUrl);
  const limit = await directLimit(task.redisUrl, stepMs);
  let acknowledged = 0;
  const steps = [];
  let best: (Awaited<ReturnType<typeof throughServer>> & ReturnType<typeof perMessage> & { senders: number }) | null =
    null;
  let previous = 0;
  for (const count of senderCounts) {
    const before = await redisCounters(redis);
    const step = await throughServer(task, senders.slice(0, count), stepMs);
    acknowledged += step.acknowledged;
    const measured = { senders: count, ...step, ...perMessage(before, await redisCounters(redis), step.acknowledged) };
    steps.push({
      senders: count,
      messagesPerSec: step.messagesPerSec,
      serverCoresBusy: step.serverCoresBusy,
      machineCoresBusy: step.machineCoresBusy,
      loadgenCoresBusy: step.loadgenCoresBusy,
      failures: step.failures,
    });
    if (best === null || measured.messagesPerSec > best.messagesPerSec) best = measured;
    // Doubling the senders gained less than 5%: the channel is as hot as it gets.
    if (measured.messagesPerSec < previous * 1.05) break;
    previous = measured.messagesPerSec;
  }
  await sleep(1000);
  const stored = Number(await redis.get(new Keys('chat:').channelMessageCount('pub')));
  redis.disconnect();
  close([...receivers, ...senders]);
  return {
    redisLimitPerSec: limit.messagesPerSec,
    redisLimitCost: {
      commandsPerMessage: limit.commandsPerMessage,
      redisCpuMicrosPerMessage: limit.redisCpuMicrosPerMessage,
      byCommand: limit.byCommand,
    },
    best,
    ratioToLimit: best!.messagesPerSec / limit.messagesPerSec,
    limitPublishedRatio: limit.publishedRatio,
    atTarget: budgetAtTarget(limit.messagesPerSec, best!),
    steps,
    stored,
    pushedRatio: pushes / receivers.length / acknowledged,
  };
}
