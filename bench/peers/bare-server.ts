/**
 * The floor: a bare in-memory server on our wire protocol, for the `floor`
 * scenario. It is not a chat server — no Redis, no access-key check, no
 * validation, no history, nothing survives it — only what the load
 * generator's fan-out needs: ready, signIn, channelJoin and channelMessage
 * on the public channel, each push framed once and written straight to
 * every other joined socket. Whatever no server can do more cheaply on this
 * machine shows here; the targets were set against such a server.
 *
 * Run: PORT=… node dist/bench/peers/bare-server.js   (PORT 0: any free port)
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { textFrame } from '../../src/server/text-frame.js';

const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false, clientTracking: false });
const joined = new Set<WebSocket>();

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
      case 'channelMessage': {
        const object =
          `{"UUID":"${randomUUID()}","senderUUID":"${userUUID}","recipientUUID":0,` +
          `"message":${JSON.stringify(request.channelMessage.message)},"createdAt":"${new Date().toISOString()}"}`;
        const push = textFrame(Buffer.from(`{"type":"channelMessage","channelMessage":${object}}`));
        for (const other of joined) {
          if (other !== ws && other.readyState === other.OPEN)
            (other as unknown as { _socket: Duplex })._socket.write(push);
        }
        ws.send(`{"type":"channelMessage","channelMessage":${object}${id}}`);
        break;
      }
    }
  });
  ws.on('close', () => joined.delete(ws));
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = http.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => process.exit(0));
