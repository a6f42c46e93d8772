/**
 * `npm run bench:path`: our own main-thread path of one durable send, in
 * process and hot — a Session over the in-memory node (test/fakes), one
 * signed-in connection joined to the public channel, sending channelMessage
 * after channelMessage, each once the one before is answered. No sockets,
 * no Redis, no other process: what is left is our code (framing, the
 * pipeline, validation, the key check, the actors, the response) and the
 * in-memory store's, so a change to the path shows in a few per cent where
 * the loopback scenarios' runs spread by tens of per cent on these
 * machines. It measures path length, not the cold-cache cost a server at
 * 200 msg/s pays per message (`permessage` in run.ts).
 *
 *   node dist/bench/request-path.js [--rounds N] [--sends N] [--quick]
 *
 * Prints CPU µs per send for each round and their median, first round
 * (warm-up) left out.
 */
import { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import type { WebSocket } from 'ws';
import { Session } from '../src/server/session.js';
import { memoryNode } from '../test/fakes/memory-node.js';
import { median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    sends: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = args.quick ?? false;
const rounds = Number(args.rounds ?? (quick ? 2 : 7));
const sends = Number(args.sends ?? (quick ? 500 : 20_000));

type Frame = Record<string, any>;

/** The payload of one unmasked server frame (RFC 6455 §5.2). */
function unframe(frame: Buffer): Frame {
  const length = frame[1]! & 0x7f;
  return JSON.parse(frame.subarray(length === 126 ? 4 : length === 127 ? 10 : 2).toString());
}

/** What a Session touches of a ws socket; each write (a corked run is one) is the latest frame. */
class SinkSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  writes = 0;
  latest: Buffer = Buffer.alloc(0);
  #corked: Buffer[] | undefined;
  #onWrite: (() => void) | undefined;
  readonly _socket = Object.assign(new EventEmitter(), {
    writableNeedDrain: false,
    write: (data: Buffer): boolean => {
      if (this.#corked !== undefined) this.#corked.push(data);
      else this.#written(data);
      return true;
    },
    cork: (): void => {
      this.#corked = [];
    },
    uncork: (): void => {
      const corked = this.#corked ?? [];
      this.#corked = undefined;
      this.#written(Buffer.concat(corked));
    },
  });

  /** Resolves at the next write. */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => (this.#onWrite = resolve));
  }

  #written(data: Buffer): void {
    this.writes++;
    this.latest = data;
    const onWrite = this.#onWrite;
    this.#onWrite = undefined;
    onWrite?.();
  }

  ping(): void {}
  pause(): void {}
  resume(): void {}
  close(): void {}
  terminate(): void {}
}

const node = memoryNode({ RATE_LIMIT_PER_SEC: '1000000', RATE_LIMIT_BURST: '1000000' });
const socket = new SinkSocket();
new Session(socket as unknown as WebSocket, node.services, () => {});
const SUUID = unframe(socket.latest).ready.sessionUUID as string;
let credentials = {};

const frameOf = (body: Frame): Buffer => Buffer.from(JSON.stringify({ SUUID, ...credentials, ...body }));

/** Sends one request and resolves with the frame that answers it (the sender gets no pushes of its own sends). */
async function request(frame: Buffer): Promise<Buffer> {
  const writes = socket.writes;
  const written = socket.nextWrite();
  socket.emit('message', frame, false);
  if (socket.writes === writes) await written;
  return socket.latest;
}

const signedUp = unframe(
  await request(frameOf({ type: 'signUp', signUp: { username: 'bench', password: 'password1' } })),
);
credentials = { userUUID: signedUp.authorized.userUUID, userAccessKey: signedUp.authorized.accessKey };
unframe(await request(frameOf({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } })));

// Prebuilt, so the loop spends nothing on making them; the texts are as long as the fan-out's.
const sendFrames = Array.from({ length: 100 }, (_, i) =>
  frameOf({
    type: 'channelMessage',
    id: `m${i}`,
    channelMessage: { recipientUUID: 0, message: `message ${i} `.repeat(4) },
  }),
);

const perSend: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = process.cpuUsage();
  for (let i = 0; i < sends; i++) await request(sendFrames[i % sendFrames.length]!);
  const used = process.cpuUsage(started);
  perSend.push((used.user + used.system) / sends);
}
const last = unframe(socket.latest);
if (last.type !== 'channelMessage') throw new Error(`a send was not answered as stored: ${JSON.stringify(last)}`);
const counted = perSend.length > 1 ? perSend.slice(1) : perSend;
console.log(`rounds (CPU µs per send, ${sends} sends each): ${perSend.map((us) => us.toFixed(1)).join(' ')}`);
console.log(`median, first round left out: ${median(counted).toFixed(1)} µs per send`);
