/**
 * The floor: a bare in-memory server on our wire protocol, for the `floor`
 * scenario. It is not a chat server — no Redis, no access-key check, no
 * validation, no history, nothing survives it — only what the load
 * generator's fan-out needs: ready, signIn, channelJoin and channelMessage
 * on the public channel, each push framed once and written straight to
 * every other joined socket. Whatever no server can do more cheaply on this
 * machine shows here; the targets were set against such a server.
 * With REDIS_URL it is the floor of a server that stores (the `hot`
 * scenario): a channelMessage is first appended with our very send script,
 * on a connection made as ours makes it, and answered when Redis has it.
 * Redis answers many appends in one read, so then the pushes of one
 * event-loop iteration leave each socket in one write, as ours gather them.
 * With REDIS_URL it also serves the public channel's history pages
 * (channelMessages by offset or `before`) with our page script: read on the
 * main thread, or with BARE_PAGES=thread in a worker thread of its own (the
 * `pages` scenario's floors, with and without the hop off the main thread).
 *
 * Run: PORT=… [REDIS_URL=…] [BARE_PAGES=thread] node dist/bench/peers/bare-server.js   (PORT 0: any free port)
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type WebSocket, WebSocketServer } from 'ws';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  channelReadFrame,
  errorFrame,
  jsonArray,
  messageHead,
  messagePieces,
  type NewMessage,
} from '../../src/protocol/responses.js';
import { textFrame } from '../../src/server/text-frame.js';
import { type PagePosition, RedisChannelHistory, readHistoryPage } from '../../src/store/channel-history.js';
import { Keys } from '../../src/store/keys.js';
import { connectRedis, createRedisClient, type RedisClient } from '../../src/store/redis-client.js';
import type { BarePage, BarePageTask } from './bare-page-worker.js';

const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false, clientTracking: false });
const joined = new Set<WebSocket>();
const redisUrl = process.env.REDIS_URL;
const redis = redisUrl === undefined ? undefined : await connected(redisUrl);
const history = redis && new RedisChannelHistory(redis, new Keys('chat:'), 'pub', 86_400_000);
const readPage = redis && (process.env.BARE_PAGES === 'thread' ? pageThread(redisUrl!) : pageInline(redis));

/** A connection to the run's Redis (none: the in-memory floor). */
async function connected(url: string): Promise<RedisClient> {
  const client = createRedisClient({ target: { url }, commandTimeoutMs: 5000, connectionName: 'bare' });
  await connectRedis(client, 5000);
  return client;
}

type ReadPage = (position: PagePosition, limit: number) => Promise<{ total: number; objects: string[] }>;

function pageInline(client: RedisClient): ReadPage {
  const keys = new Keys('chat:');
  return (position, limit) => readHistoryPage(client, keys, 'pub', position, limit);
}

/** Pages read by a worker thread: each task posted to it, each answer matched by its id. */
function pageThread(redisUrl: string): ReadPage {
  const worker = new Worker(new URL('./bare-page-worker.js', import.meta.url), { workerData: { redisUrl } });
  const waiting = new Map<
    number,
    { resolve: (page: { total: number; objects: string[] }) => void; reject: () => void }
  >();
  let nextId = 0;
  worker.on('message', (page: BarePage) => {
    const waiter = waiting.get(page.id);
    waiting.delete(page.id);
    if (page.failed) waiter?.reject();
    else waiter?.resolve(page);
  });
  return (position, limit) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, position, limit } satisfies BarePageTask);
    });
}

wss.on('connection', (ws) => {
  let userUUID = '';
  ws.send(JSON.stringify({ type: 'ready', ready: { sessionUUID: randomUUID() } }));
  ws.on('message', (data: Buffer) => {
    const request = JSON.parse(data.toString());
    const id = request.id === undefined ? '' : `,"id":${JSON.stringify(request.id)}`;
    switch (request.type) {
      case 'signIn':
        userUUID = randomUUID();
        ws.send(
          `{"type":"authorized","authorized":{"userUUID":"${userUUID}","accessKey":"bare.${randomUUID()}"}${id}}`,
        );
        break;
      case 'channelJoin':
        joined.add(ws);
        ws.send(`{"type":"channelJoin","channelJoin":{"messages":[],"users":[]}${id}}`);
        break;
      case 'channelMessage':
        send(ws, request.channelMessage.message, userUUID || String(request.userUUID ?? ''), id);
        break;
      case 'channelMessages':
        page(ws, request.channelMessages, request.id);
        break;
    }
  });
  ws.on('close', () => joined.delete(ws));
});

const session = randomUUID();

/** Stores the message (with REDIS_URL), then answers the sender and pushes it to every other joined socket. */
function send(ws: WebSocket, text: string, senderUUID: string, id: string): void {
  const message = { UUID: randomUUID(), senderUUID, recipientUUID: '0', message: text, createdAt: Date.now() };
  if (history === undefined) {
    deliver(ws, message, id);
    return;
  }
  history.append(message, messagePieces(messageHead(message, 'createdAt')), session, '', undefined, undefined).then(
    () => deliver(ws, message, id),
    () => ws.send(`{"type":"error","error":{"code":11,"message":"Redis is unavailable"}${id}}`),
  );
}

/** A page of the public channel's history, by offset or `before`, answered as ours answers it. */
function page(ws: WebSocket, { offset, before, limit }: PageRequest, id: string | undefined): void {
  readPage!(before === undefined ? { offset: offset ?? 0 } : { before }, limit).then(
    ({ total, objects }) => ws.send(channelReadFrame(total, objects.length, jsonArray(objects), id)),
    () => ws.send(errorFrame(ErrorCode.Unavailable, 'Redis is unavailable', id)),
  );
}

interface PageRequest {
  offset?: number;
  before?: number;
  limit: number;
}

function deliver(ws: WebSocket, message: NewMessage, id: string): void {
  const object =
    `{"UUID":"${message.UUID}","senderUUID":"${message.senderUUID}","recipientUUID":0,` +
    `"message":${JSON.stringify(message.message)},"createdAt":"${new Date(message.createdAt).toISOString()}"}`;
  const push = textFrame(Buffer.from(`{"type":"channelMessage","channelMessage":${object}}`));
  for (const other of joined) {
    if (other !== ws && other.readyState === other.OPEN) write((other as unknown as { _socket: Duplex })._socket, push);
  }
  ws.send(`{"type":"channelMessage","channelMessage":${object}${id}}`);
}

const corked = new Set<Duplex>();

/** Writes straight away in memory; when storing, corks the socket until the end of this event-loop iteration. */
function write(socket: Duplex, frame: Buffer): void {
  if (history !== undefined && !corked.has(socket)) {
    if (corked.size === 0) setImmediate(uncorkAll);
    socket.cork();
    corked.add(socket);
  }
  socket.write(frame);
}

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = http.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => process.exit(0));
