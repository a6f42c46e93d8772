/**
 * Private traffic (ours only): 10,000 users in 5,000 private conversations,
 * each user connected once, joined to their conversation and sending in it
 * every 10 s — against the same users each sending to the public channel
 * every 10 s with one connection joined there (so each message is pushed
 * once either way). Figures: server CPU per message, and Redis memory per
 * connected user and per conversation (INFO used_memory, before and after).
 */
import { Redis } from 'ioredis';
import { type BenchClient, connectClient } from '../lib/clients.js';
import { inBatches, pace, sleep } from '../lib/pacer.js';
import { seedUsers } from '../lib/seed-users.js';
import { close, type LoadgenTask, now, PASSWORD, serverCpuMicros, text } from '../lib/workload.js';

const SEND_EVERY_MS = 10_000;

const usedMemory = async (redis: Redis) => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))![1]);

export async function privateTraffic(task: LoadgenTask) {
  const isPrivate = task.options?.traffic === 'private';
  const count = task.quick ? 200 : 10_000;
  const redis = new Redis(task.redisUrl);
  const users = await seedUsers(task.redisUrl, 'bench-pair', count, PASSWORD);
  const partner = (i: number) => users[i ^ 1]!.userUUID;
  await sleep(500);
  const seeded = await usedMemory(redis);
  const clients: BenchClient[] = await inBatches([...Array(count).keys()], 100, async (i) => {
    const client = await connectClient('ours', task.port);
    await client.resume(users[i]);
    if (isPrivate) await client.joinPrivate(partner(i));
    return client;
  });
  const receiver = await connectClient('ours', task.port);
  await receiver.resume(users[0]);
  if (!isPrivate) await receiver.joinPublic();
  let pushes = 0;
  for (const client of [...clients, receiver]) client.onPush(() => pushes++);
  await sleep(1000);
  const connected = await usedMemory(redis);

  const warmupMs = task.quick ? 500 : 2000;
  const windowMs = task.quick ? 2000 : SEND_EVERY_MS;
  // Every user once per SEND_EVERY_MS, spread evenly: count / 10 messages a second in all.
  const rate = (count * 1000) / SEND_EVERY_MS;
  let cpuStart = 0;
  let inWindow = 0;
  let failures = 0;
  const start = performance.now();
  const sent = await pace(rate, warmupMs + windowMs, (i) => {
    if (cpuStart === 0 && performance.now() - start >= warmupMs) cpuStart = serverCpuMicros(task);
    if (cpuStart !== 0) inWindow++;
    const from = i % count;
    const sending = isPrivate
      ? clients[from]!.sendPrivate(partner(from), text(now()))
      : clients[from]!.sendPublic(text(now()));
    sending.catch(() => failures++);
  });
  const cpu = serverCpuMicros(task) - cpuStart;
  await sleep(1500);
  const after = await usedMemory(redis);
  redis.disconnect();
  close([...clients, receiver]);
  const conversations = count / 2;
  return {
    users: count,
    messages: sent,
    messagesPerSec: rate,
    serverCpuMicrosPerMessage: cpu / inWindow,
    pushedRatio: pushes / (sent - failures),
    failures,
    redisBytesPerConnectedUser: (connected - seeded) / count,
    redisBytesPerMessage: (after - connected) / sent,
    ...(isPrivate ? { conversations, redisBytesPerConversation: (after - connected) / conversations } : {}),
  };
}
