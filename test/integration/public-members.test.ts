import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, pollListedInPublic } from '../helpers/chat.js';
import { type ChatClient, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

describe('public channel membership', () => {
  const h = useHarness();

  it('drops a user who left after a connection closed during a Redis outage', async () => {
    const first = await h.user('outage');
    const userUUID = first.auth.userUUID;
    await joined(first, 0);

    // The connection goes while Redis is down: its membership record can not be removed then.
    await h.redis.stop();
    first.close();
    await first.closed;
    await sleep(500);
    h.redis = await h.redis.restart();

    // The same user joins again once Redis is back, and leaves by closing.
    let second: ChatClient | undefined;
    for (let i = 0; i < 50 && second === undefined; i++) {
      const candidate = await h.connectAs(first);
      const reply = await candidate.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      if (reply.type === 'channelJoin') second = candidate;
      else await sleep(200);
    }
    assert.ok(second, 'joined again after Redis came back');
    const observer = await h.user('observer');
    assert.equal(await pollListedInPublic(observer, userUUID, true), true, 'listed while joined');

    second.close();
    assert.equal(await pollListedInPublic(observer, userUUID, false), false, 'no longer listed once gone');
  });
});
