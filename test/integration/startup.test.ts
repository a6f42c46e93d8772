/**
 * Start-up and shutdown: a bad setting stops the process with exit code 1 and
 * a message naming the variable; SIGTERM closes every connection with 1001,
 * takes the node's users offline and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeClient } from '../../src/store/redis-server-process.js';
import { ChatClient, type Frame } from '../helpers/client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { exitWithin, startServer, type TestServer } from '../helpers/server.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

interface Run {
  code: number | NodeJS.Signals | 'timeout';
  stdout: string;
  stderr: string;
}

/** Runs main.js with `env` (on top of a sane base) and waits at most `ms` for it to exit. */
function runMain(env: Record<string, string>, ms = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', WORKER_THREADS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'timeout', stdout, stderr });
    }, ms);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

/** Resolves with the close code, or 'timeout' after `ms`. */
function closedWithin(closed: Promise<number>, ms: number): Promise<number | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
}

const onLine = (users: Frame, userUUID: string): boolean | undefined =>
  users.users?.users?.find((u: Frame) => u.UUID === userUUID)?.OnLine;

describe('start-up and shutdown', () => {
  let redis: TestRedis;
  const servers: TestServer[] = [];
  const clients: ChatClient[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.kill('SIGKILL');
    await redis?.cleanup();
  });
  const server = async (): Promise<TestServer> => {
    const started = await startServer(redis.url);
    servers.push(started);
    return started;
  };
  const connect = async (url: string): Promise<ChatClient> => {
    const client = await ChatClient.connect(url);
    clients.push(client);
    return client;
  };

  describe('a bad setting exits with 1 and names the variable', () => {
    const cases: [string, string][] = [
      ['PORT', 'abc'],
      ['PORT', '65536'],
      ['BCRYPT_COST', '4'],
      ['LOG_LEVEL', 'loud'],
      ['REDIS_URL', 'http://x'],
      ['HEARTBEAT_MS', '-5'],
      ['MAX_FRAME_BYTES', '1.5'],
    ];
    for (const [name, value] of cases) {
      it(`${name}=${value}`, async () => {
        const run = await runMain({ REDIS_URL: redis.url, [name]: value });
        assert.equal(run.code, 1, `exit code; stderr: ${run.stderr}`);
        assert.ok(run.stderr.includes(name), `stderr names ${name}: ${JSON.stringify(run.stderr)}`);
        assert.ok(!run.stdout.includes('"msg":"listening"'), 'it never listened');
      });
    }
  });

  it('on SIGTERM closes every connection with 1001 and exits 0 within 10 s', async () => {
    const node = await server();
    const anonymous = await connect(node.url);
    const member = await connect(node.url);
    assert.equal((await member.signUp('shutdown-member')).type, 'authorized');
    const joined = await member.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    assert.equal(joined.type, 'channelJoin', JSON.stringify(joined));

    const exited = node.stop();
    const [anonymousCode, memberCode] = await Promise.all([
      closedWithin(anonymous.closed, 10_000),
      closedWithin(member.closed, 10_000),
    ]);
    assert.equal(anonymousCode, 1001);
    assert.equal(memberCode, 1001);
    assert.equal(await exitWithin(node, 10_000), 0, node.output.slice(-5).join('\n'));
    await exited;
  });

  it('on SIGTERM answers a request already in flight before closing with 1001', async () => {
    const node = await server();
    const client = await connect(node.url);
    assert.equal((await client.signUp('in-flight')).type, 'authorized');
    const frames: Frame[] = [];
    client.ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    // Redis holds every write for 1.5 s: the send is in flight, whatever the machine's load, when SIGTERM comes.
    const admin = probeClient(redis.url, 2000);
    await admin.connect();
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    admin.disconnect();
    client.sendJson({
      type: 'channelMessage',
      SUUID: client.sessionUUID,
      ...client.auth,
      id: 'inflight',
      channelMessage: { recipientUUID: 0, message: 'sent before SIGTERM' },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = node.stop();
    assert.equal(await closedWithin(client.closed, 10_000), 1001);
    const reply = frames.find((frame) => frame.id === 'inflight');
    assert.equal(reply?.type, 'channelMessage', `the in-flight send was answered: ${JSON.stringify(frames)}`);
    assert.equal(await exited, 0);
  });

  it('takes a signed-in user offline on graceful shutdown (seen from another node)', async () => {
    const leaving = await server();
    const staying = await server();
    const user = await connect(leaving.url);
    assert.equal((await user.signUp('goes-offline')).type, 'authorized');
    const joined = await user.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    assert.equal(joined.type, 'channelJoin', JSON.stringify(joined));
    const observer = await connect(staying.url);
    assert.equal((await observer.signUp('observer')).type, 'authorized');

    const before = await observer.authed({ type: 'users', users: { limit: 1000 } });
    assert.equal(onLine(before, user.auth.userUUID), true, JSON.stringify(before));

    assert.equal(await leaving.stop(), 0);
    assert.equal(await closedWithin(user.closed, 1000), 1001);

    const afterStop = await observer.authed({ type: 'users', users: { limit: 1000 } });
    assert.equal(onLine(afterStop, user.auth.userUUID), false, JSON.stringify(afterStop));
    assert.equal(onLine(afterStop, observer.auth.userUUID), true);
    // Nor is the user still listed in the public channel.
    const rejoin = await observer.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    assert.equal(rejoin.type, 'channelJoin', JSON.stringify(rejoin));
    assert.ok(
      !rejoin.channelJoin.users.some((u: Frame) => u.UUID === user.auth.userUUID),
      `public channel users: ${JSON.stringify(rejoin.channelJoin.users)}`,
    );
  });
});
