/**
 * The peer we are measured against: what a team would write with Socket.IO 4
 * and @socket.io/redis-adapter to do the same work as our server — bcrypt
 * sign-in, join a room, store each message in Redis before acknowledging it,
 * broadcast it to the room (across nodes via the adapter), read history.
 *
 * Events (each with an acknowledgement callback):
 *   signIn {username, password}  → {userUUID, token} | {error}   (creates unknown users)
 *   resume {userUUID, token}     → {userUUID} | {error}   (a token from an earlier signIn)
 *   join   {room}                → {messages}             (latest 10)
 *   send   {room, message}       → {UUID, createdAt, …}   after RPUSH; broadcast 'message' to the room
 *   history {room, offset, limit} → {total, messages}     newest first
 * Run: PORT=… REDIS_URL=… node dist/bench/peers/socketio-server.js
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { hash, verify } from '@node-rs/bcrypt';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 8081);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bcryptCost = Number(process.env.BCRYPT_COST ?? 10);

const redis = new Redis(redisUrl);
const pub = new Redis(redisUrl);
const sub = new Redis(redisUrl);
const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub), serveClient: false, transports: ['websocket'] });

const historyKey = (room: string) => `peer:history:${room}`;

io.on('connection', (socket) => {
  let userUUID: string | undefined;

  const authorize = async (uuid: string, ack: (reply: object) => void) => {
    const token = randomBytes(32).toString('base64url');
    await redis.set(`peer:token:${token}`, uuid, 'EX', 30 * 86400);
    userUUID = uuid;
    ack({ userUUID, token });
  };

  socket.on('signIn', async ({ username, password }, ack) => {
    const stored = await redis.hget('peer:users', username);
    if (stored === null) {
      const uuid = randomUUID();
      await redis.hset('peer:users', username, `${uuid}:${await hash(password, bcryptCost)}`);
      return authorize(uuid, ack);
    }
    const split = stored.indexOf(':');
    if (!(await verify(password, stored.slice(split + 1)))) return ack({ error: 6 });
    await authorize(stored.slice(0, split), ack);
  });

  socket.on('resume', async ({ userUUID: claimed, token }, ack) => {
    if ((await redis.get(`peer:token:${token}`)) !== claimed) return ack({ error: 5 });
    userUUID = claimed;
    ack({ userUUID });
  });

  socket.on('join', async ({ room }, ack) => {
    await socket.join(room);
    const raw = await redis.lrange(historyKey(room), -10, -1);
    ack({ messages: raw.reverse().map((item) => JSON.parse(item)) });
  });

  socket.on('send', async ({ room, message }, ack) => {
    if (userUUID === undefined) return ack({ error: 5 });
    const stored = {
      UUID: randomUUID(),
      senderUUID: userUUID,
      recipientUUID: 0,
      message,
      createdAt: new Date().toISOString(),
    };
    await redis.rpush(historyKey(room), JSON.stringify(stored));
    socket.to(room).emit('message', stored);
    ack(stored);
  });

  socket.on('history', async ({ room, offset, limit }, ack) => {
    const key = historyKey(room);
    const [total, raw] = await Promise.all([redis.llen(key), redis.lrange(key, -(offset + limit), -(offset + 1))]);
    ack({ total, messages: raw.reverse().map((item) => JSON.parse(item)) });
  });
});

http.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port })));
process.on('SIGTERM', () => {
  io.close();
  redis.disconnect();
  process.exit(0);
});
