/**
 * Connections per node: 15,000 signed-in, joined, idle connections (each its
 * own user), RSS sampled as they grow; one message to all of them (time from
 * send to the last delivery); then (options.pastTheLimit) connections opened past the
 * node's MAX_CONNECTIONS (its open-files limit − 1,024) while two users keep
 * chatting — each refused one counted by how it was refused.
 */
import { WebSocket } from 'ws';
import { defaultMaxConnections } from '../../src/config.js';
import { type BenchClient, connectClient } from '../lib/clients.js';
import { inBatches, sleep } from '../lib/pacer.js';
import { isAlive, openFilesLimit, rssBytes } from '../lib/proc.js';
import { seedUsers } from '../lib/seed-users.js';
import { close, type LoadgenTask, now, PASSWORD, sourceAddress, text } from '../lib/workload.js';

/** How one connection attempt past the limit ended. */
type Attempt = 'opened' | 'http 503' | `http ${number}` | 'closed' | 'error';

export async function connections(task: LoadgenTask) {
  const total = task.quick ? 200 : 15_000;
  const steps = 6;
  const users = task.kind === 'ours' ? await seedUsers(task.redisUrl, 'bench-idle', total, PASSWORD) : [];
  const sender = await connectClient(task.kind, task.port);
  await sender.signIn('bench-conn-sender', PASSWORD);
  await sender.joinPublic();
  await sleep(1000);
  const rssCurve = [{ connections: 0, rssBytes: rssBytes(task.serverPid) }];
  const clients: BenchClient[] = [];
  const connectStart = performance.now();
  for (let step = 1; step <= steps; step++) {
    const upTo = Math.round((total * step) / steps);
    const added = await inBatches(
      Array.from({ length: upTo - clients.length }, (_, i) => clients.length + i),
      100,
      async (i) => {
        const client = await connectClient(task.kind, task.port, sourceAddress(i));
        if (task.kind === 'ours') await client.resume(users[i]);
        else await client.signIn(`bench-idle${i}`, PASSWORD);
        await client.joinPublic();
        return client;
      },
    );
    clients.push(...added);
    await sleep(task.quick ? 200 : 2000);
    rssCurve.push({ connections: clients.length, rssBytes: rssBytes(task.serverPid) });
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;

  const broadcast = await broadcastToAll(task, sender, clients);
  const limit = task.options?.pastTheLimit ? await pastTheLimit(task, clients.length + 1) : undefined;
  close([sender, ...clients]);
  const last = rssCurve.at(-1)!;
  return {
    connections: clients.length,
    connectSeconds,
    rssCurve,
    bytesPerConnection: (last.rssBytes - rssCurve[0]!.rssBytes) / last.connections,
    ...broadcast,
    limit,
  };
}

/** A few messages, 1 s apart, each to every connection: how long until the last one has it. */
async function broadcastToAll(task: LoadgenTask, sender: BenchClient, receivers: BenchClient[]) {
  const arrivals = new Map<number, { count: number; last: number }>();
  for (const receiver of receivers) {
    receiver.onPush((sentAt) => {
      const arrival = arrivals.get(sentAt);
      if (arrival) {
        arrival.count++;
        arrival.last = performance.now();
      }
    });
  }
  const messages = task.quick ? 2 : 5;
  for (let i = 0; i < messages; i++) {
    const sentAt = now();
    arrivals.set(sentAt, { count: 0, last: sentAt });
    await sender.sendPublic(text(sentAt));
    await sleep(1000);
  }
  await sleep(2000);
  const lastDeliveryMs = [...arrivals].map(([sentAt, arrival]) => arrival.last - sentAt);
  const delivered = [...arrivals.values()].reduce((sum, arrival) => sum + arrival.count, 0);
  return {
    broadcastMessages: messages,
    lastDeliveryMs: lastDeliveryMs.sort((a, b) => a - b)[Math.floor(messages / 2)]!,
    broadcastDeliveredRatio: delivered / (messages * receivers.length),
  };
}

/**
 * Opens connections until well past the node's limit while two users chat
 * in a private channel: how the ones over the limit were refused, and
 * whether the chat went on.
 */
async function pastTheLimit(task: LoadgenTask, open: number) {
  const maxConnections = defaultMaxConnections(openFilesLimit(task.serverPid));
  const [alice, bob] = await Promise.all([connectClient('ours', task.port), connectClient('ours', task.port)]);
  await alice!.signIn('bench-limit-alice', PASSWORD);
  await bob!.signIn('bench-limit-bob', PASSWORD);
  const bobUUID = (bob!.credentials as { userUUID: string }).userUUID;
  await bob!.joinPrivate((alice!.credentials as { userUUID: string }).userUUID);
  let received = 0;
  bob!.onPush(() => received++);
  let sent = 0;
  let chatFailures = 0;
  let chatting = true;
  const chat = (async () => {
    for (let i = 0; chatting && i < 10_000; i++) {
      await alice!
        .sendPrivate(bobUUID, text(now()))
        .then(() => sent++)
        .catch(() => chatFailures++);
      await sleep(50);
    }
  })();
  const attempts = maxConnections - open - 2 + 300;
  const sockets: WebSocket[] = [];
  const outcomes = await inBatches(
    Array.from({ length: attempts }, (_, i) => i),
    200,
    (i) => attempt(task.port, sourceAddress(i), sockets),
  );
  await sleep(1000);
  chatting = false;
  await chat;
  await sleep(500);
  const byOutcome: Record<string, number> = {};
  for (const outcome of outcomes) byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  for (const socket of sockets) socket.terminate();
  close([alice!, bob!]);
  return {
    maxConnections,
    attempts,
    byOutcome,
    chatSent: sent,
    chatReceived: received,
    chatFailures,
    serverAlive: isAlive(task.serverPid),
  };
}

/** One connection attempt; an opened socket is kept (in `sockets`) so the node stays full. */
function attempt(port: number, localAddress: string, sockets: WebSocket[]): Promise<Attempt> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false, localAddress });
    const timer = setTimeout(() => done('error'), 10_000);
    let settled = false;
    const done = (outcome: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome === 'opened') sockets.push(ws);
      else ws.terminate();
      resolve(outcome);
    };
    ws.once('message', () => done('opened'));
    ws.once('unexpected-response', (_request, response) => done(`http ${response.statusCode ?? 0}`));
    ws.once('close', () => done('closed'));
    ws.once('error', () => done('error'));
  });
}
