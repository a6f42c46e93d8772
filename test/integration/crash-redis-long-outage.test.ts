/**
 * Error 11 means nothing was stored — without exception. A send whose
 * reply is lost (Redis killed with -9 while the send is in it) is answered
 * only once its outcome is known, however long Redis stays away (here 12 s,
 * past the old 10 s limit after which the node used to give up and answer
 * 11 for a send that may have been stored); or never, when its connection
 * closes first, and then the client's repeat with the same clientMessageId
 * settles it. Sends made while Redis is down are refused with 11 at once.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { probeClient } from '../../src/store/redis-server-process.js';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { history, useNodes } from '../helpers/nodes.js';

const DOWN_MS = 12_000;

/** Makes Redis hold every write for `ms`: a command sent now waits in Redis. */
async function holdWrites(url: string, ms: number): Promise<void> {
  const admin = probeClient(url, 2000);
  await admin.connect();
  await admin.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
  admin.disconnect();
}

describe(`a send in flight when Redis is killed, and Redis away for ${DOWN_MS / 1000} s`, { timeout: 90_000 }, () => {
  const c = useNodes(1);
  let patient: ChatClient;
  let leaver: ChatClient;
  let latecomer: ChatClient;
  const replies: { patient?: Frame; leaverRepeat?: Frame; duringOutage?: Frame; duringMs?: number } = {};
  let patientAnsweredAfterRestart = false;
  let restartedAt = 0;

  before(async () => {
    patient = (await c.user(0, 'patient')).client;
    leaver = (await c.user(0, 'leaver')).client;
    latecomer = (await c.user(0, 'late')).client;
    await holdWrites(c.redis.url, 2000);
    const patientReply = patient
      .authed(
        { type: 'channelMessage', channelMessage: { recipientUUID: 0, message: 'patient', clientMessageId: 'p' } },
        DOWN_MS + 20_000,
      )
      .then((reply) => {
        patientAnsweredAfterRestart = restartedAt > 0;
        replies.patient = reply;
      });
    leaver.sendJson({
      type: 'channelMessage',
      SUUID: leaver.sessionUUID,
      ...leaver.auth,
      id: 'lost',
      channelMessage: { recipientUUID: 0, message: 'leaver', clientMessageId: 'l' },
    });
    await sleep(300); // both sends wait in the paused Redis
    await c.redis.kill('SIGKILL');
    const started = Date.now();
    replies.duringOutage = await latecomer.authed({
      type: 'channelMessage',
      channelMessage: { recipientUUID: 0, message: 'during the outage' },
    });
    replies.duringMs = Date.now() - started;
    leaver.close();
    await sleep(DOWN_MS);
    c.redis = await c.redis.restart();
    restartedAt = Date.now();
    await patientReply;
    // The leaver comes back on a new connection and sends again with the same id.
    const back = await c.connectAs(0, leaver.auth);
    for (let i = 0; i < 50 && replies.leaverRepeat?.type !== 'channelMessage'; i++) {
      replies.leaverRepeat = await back.authed({
        type: 'channelMessage',
        channelMessage: { recipientUUID: 0, message: 'leaver', clientMessageId: 'l' },
      });
      if (replies.leaverRepeat.type !== 'channelMessage') await sleep(200);
    }
  });

  it('answers the send in flight with success once Redis is back, not 11', () => {
    assert.equal(replies.patient?.type, 'channelMessage', JSON.stringify(replies.patient));
    assert.equal(patientAnsweredAfterRestart, true, 'answered after the restart');
  });

  it('refuses a send made while Redis is down with 11 at once', () => {
    assert.equal(replies.duringOutage?.error?.code, 11, JSON.stringify(replies.duringOutage));
    assert.ok(replies.duringMs! < 2500, `within the 2 s command timeout (${replies.duringMs} ms)`);
  });

  it('stores each of the two sends once, the closed connection’s through its repeat, and not the refused one', async () => {
    assert.equal(replies.leaverRepeat?.type, 'channelMessage', JSON.stringify(replies.leaverRepeat));
    const stored = await history(latecomer);
    assert.deepEqual(stored.map((m) => m.message).sort(), ['leaver', 'patient']);
    assert.equal(stored.find((m) => m.message === 'patient')?.UUID, replies.patient?.channelMessage.UUID);
    assert.equal(stored.find((m) => m.message === 'leaver')?.UUID, replies.leaverRepeat?.channelMessage.UUID);
  });
});
