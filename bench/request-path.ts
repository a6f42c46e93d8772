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
import { parseArgs } from 'node:util';
import type { WebSocket } from 'ws';
import { Session } from '../src/server/session.js';
import { FakeSocket } from '../test/fakes/fake-socket.js';
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

const node = memoryNode({ RATE_LIMIT_PER_SEC: '1000000', RATE_LIMIT_BURST: '1000000' });
const socket = new FakeSocket();
new Session(socket as unknown as WebSocket, node.services, () => {});
const SUUID = socket.frames[0]!.ready.sessionUUID as string;
let credentials = {};

const frameOf = (body: Frame): Buffer => Buffer.from(JSON.stringify({ SUUID, ...credentials, ...body }));

/** Sends one request and resolves once it is answered (the sender gets no pushes of its own sends). */
async function request(frame: Buffer): Promise<void> {
  const writes = socket.writes;
  const written = new Promise<void>((resolve) => (socket.onWrite = resolve));
  socket.emit('message', frame, false);
  if (socket.writes === writes) await written;
  socket.onWrite = undefined;
}

/** The answer to `frame`, parsed. */
async function answer(frame: Buffer): Promise<Frame> {
  await request(frame);
  return socket.frames.at(-1)!;
}

const signedUp = await answer(frameOf({ type: 'signUp', signUp: { username: 'bench', password: 'password1' } }));
credentials = { userUUID: signedUp.authorized.userUUID, userAccessKey: signedUp.authorized.accessKey };
await answer(frameOf({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } }));

// Prebuilt, so the loop spends nothing on making them; the texts are as long as the fan-out's.
const sendFrames = Array.from({ length: 100 }, (_, i) =>
  frameOf({
    type: 'channelMessage',
    id: `m${i}`,
    channelMessage: { recipientUUID: 0, message: `message ${i} `.repeat(4) },
  }),
);

// The loop only counts writes: parsing every answer would be a good part of what is measured.
socket.recording = false;
const perSend: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = process.cpuUsage();
  for (let i = 0; i < sends; i++) await request(sendFrames[i % sendFrames.length]!);
  const used = process.cpuUsage(started);
  perSend.push((used.user + used.system) / sends);
}
socket.recording = true;
const last = await answer(sendFrames[0]!);
if (last.type !== 'channelMessage') throw new Error(`a send was not answered as stored: ${JSON.stringify(last)}`);
const counted = perSend.length > 1 ? perSend.slice(1) : perSend;
console.log(`rounds (CPU µs per send, ${sends} sends each): ${perSend.map((us) => us.toFixed(1)).join(' ')}`);
console.log(`median, first round left out: ${median(counted).toFixed(1)} µs per send`);
