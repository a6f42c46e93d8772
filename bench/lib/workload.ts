/**
 * What the scenarios share: the task a load generator runs, signed-in
 * crowds, paced sends measured in a window, seeded history.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { messageJson } from '../../src/protocol/responses.js';
import { historyListOf } from '../../src/store/channel-history.js';
import { Keys } from '../../src/store/keys.js';
import { type BenchClient, connectClient, type ServerKind } from './clients.js';
import { inBatches, pace, sleep } from './pacer.js';
import { cpuMicros } from './proc.js';
import { Samples, summarize } from './stats.js';

export interface LoadgenTask {
  scenario: string;
  kind: ServerKind;
  /** Node 0's port and pid (every scenario's server). */
  port: number;
  serverPid: number;
  /** Every node's, node 0 first (the `nodes` scenario runs two). */
  ports: number[];
  serverPids: number[];
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
  /** connections: open connections past the node's MAX_CONNECTIONS at the end. */
  pastTheLimit?: boolean;
  /** private: whether the users send in their private conversations or to the public channel. */
  traffic?: 'private' | 'public';
}

/** Node 0 after a restart: its new pid, and when (Date.now()) the old one was signalled and the new one listened. */
export interface Restarted {
  pid: number;
  stoppedAt: number;
  listeningAt: number;
}

/**
 * Asks run.ts (over the IPC channel it opens) to stop node 0 with SIGTERM
 * and start it again on the same port.
 */
export function restartNode(): Promise<Restarted> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('no IPC channel to run.ts'));
    process.once('message', (reply: Restarted | { error: string }) =>
      'error' in reply ? reject(new Error(reply.error)) : resolve(reply),
    );
    process.send({ restart: true });
  });
}

export const PASSWORD = 'bench password';
/** Now, to the microsecond: exactly what a message text carries, so window bounds compare equal. */
export const now = (): number => Math.round(performance.now() * 1000) / 1000;
export const text = (sentAt: number) => `T${sentAt};${'x'.repeat(80)}`;

/** Loopback source addresses that crowds of thousands spread over: one address has only ~28,000 ports. */
const SOURCE_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

/** The source address of the i-th connection of a large crowd. */
export const sourceAddress = (i: number): string => SOURCE_ADDRESSES[i % SOURCE_ADDRESSES.length]!;

/** The port of the node that the i-th client of a crowd connects to: the nodes take turns. */
const portFor = (task: LoadgenTask, i: number): number => task.ports[i % task.ports.length]!;

/** CPU time of every server node together, in microseconds. */
export const serverCpuMicros = (task: LoadgenTask): number =>
  task.serverPids.reduce((sum, pid) => sum + cpuMicros(pid), 0);

/** `count` connected clients signed in as `users` accounts (bcrypt once per account). */
export async function crowd(task: LoadgenTask, count: number, users: number, prefix = 'u'): Promise<BenchClient[]> {
  const accounts = await inBatches(
    Array.from({ length: users }, (_, i) => i),
    8,
    async (i) => {
      const client = await connectClient(task.kind, portFor(task, i));
      await client.signIn(`bench-${prefix}${i}`, PASSWORD);
      return client;
    },
  );
  const rest = await inBatches(
    Array.from({ length: Math.max(0, count - users) }, (_, i) => i),
    50,
    async (i) => {
      const client = await connectClient(task.kind, portFor(task, users + i));
      await client.resume(accounts[i % users]!.credentials);
      return client;
    },
  );
  return [...accounts, ...rest].slice(0, count);
}

export interface Window {
  start: number;
  end: number;
  latencies: Samples;
}

/** Measures pushes whose send time falls in the window. */
export function listen(receivers: BenchClient[], current: () => Window | undefined): void {
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
export async function runStep(
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
      cpuStart = serverCpuMicros(task);
    }
    if (window !== undefined && sentAt < window.end) sentInWindow++;
    senders[i % senders.length]!.sendPublic(text(sentAt)).catch(() => failures++);
  });
  const cpuEnd = serverCpuMicros(task);
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
export async function publicCrowd(task: LoadgenTask) {
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

/** Writes `total` public messages straight into the server's own storage format. */
export async function seedHistory(task: LoadgenTask, total: number): Promise<void> {
  const redis = new Redis(task.redisUrl);
  try {
    const sender = randomUUID();
    const keys = new Keys('chat:');
    const existing =
      task.kind === 'ours'
        ? Number((await redis.get(keys.channelMessageCount('pub'))) ?? 0)
        : await redis.llen('peer:history:public');
    for (let n = existing + 1; n <= total; ) {
      const pipeline = redis.pipeline();
      const batchEnd = Math.min(total, n + 999);
      if (task.kind === 'ours') {
        for (; n <= batchEnd; n++) {
          const message = { UUID: randomUUID(), senderUUID: sender, recipientUUID: '0', message: text(n) };
          const object = messageJson({ ...message, createdAt: Date.now(), seq: n }, 'createdAt');
          pipeline.rpush(historyListOf(keys, 'pub', n), object);
        }
        pipeline.set(keys.channelMessageCount('pub'), batchEnd);
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
        pipeline.rpush('peer:history:public', ...items);
      }
      await pipeline.exec();
    }
  } finally {
    redis.disconnect();
  }
}

export function close(clients: BenchClient[]): void {
  for (const client of clients) client.close();
}
