/**
 * The control topic's watch over its own subscription: revocation notices
 * reach their handler; a dropped subscriber connection, or beacons that stop
 * coming back, end the trust in cached key checks at once; a beacon heard
 * again restores it under a new epoch and asks the channels to resync.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it, mock } from 'node:test';
import { ControlTopic } from '../../src/store/control-topic.js';
import { Keys } from '../../src/store/keys.js';
import { PubSub } from '../../src/store/pubsub.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { settle } from '../helpers/async.js';

const NODE = 'node-a';
const TOPIC = 'chat:control';

/** One Redis as far as the control topic uses it: PUBLISH reaches the subscriber unless it is cut off. */
class FakeRedis {
  readonly subscriber = Object.assign(new EventEmitter(), { subscribe: async () => 1, unsubscribe: async () => 1 });
  /** While false, published messages are lost to the subscriber (it is away). */
  delivering = true;

  async publish(topic: string, message: string): Promise<number> {
    if (this.delivering) {
      queueMicrotask(() => this.subscriber.emit('messageBuffer', Buffer.from(topic), Buffer.from(message)));
    }
    return 1;
  }
}

async function started() {
  const redis = new FakeRedis();
  const revoked: string[] = [];
  let recoveries = 0;
  const control = new ControlTopic(
    redis as unknown as RedisClient,
    new PubSub(redis.subscriber as unknown as RedisClient),
    new Keys('chat:'),
    {
      nodeId: NODE,
      beaconMs: 100,
      onRevoked: (userUUID, keyId) => revoked.push(`${userUUID} ${keyId}`),
      onRecovered: () => recoveries++,
    },
  );
  await control.start();
  await settle();
  return { redis, control, revoked, recoveries: () => recoveries };
}

describe('ControlTopic', () => {
  it('trusts cached checks from its first beacon heard, and passes revocations on', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
    try {
      const { redis, control, revoked } = await started();
      assert.equal(control.epoch(), 1);
      await redis.publish(TOPIC, 'revoke u1 k1');
      await redis.publish(TOPIC, 'beacon other-node 7');
      await settle();
      assert.deepEqual(revoked, ['u1 k1']);
      assert.equal(control.epoch(), 1, 'another node’s beacon changes nothing');
      control.stop();
    } finally {
      mock.timers.reset();
    }
  });

  it('ends the trust at once when the subscriber connection closes, and restores it under a new epoch', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
    try {
      const { redis, control, recoveries } = await started();
      redis.subscriber.emit('close');
      assert.equal(control.epoch(), null);
      mock.timers.tick(100); // the next beacon comes back
      await settle();
      assert.equal(control.epoch(), 2, 'not 1: nothing cached before the gap is trusted again');
      assert.equal(recoveries(), 1, 'the channels are asked to read what they missed');
      control.stop();
    } finally {
      mock.timers.reset();
    }
  });

  it('ends the trust when no beacon of its own came back for 2.5 periods, judged when asked', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
    try {
      const { redis, control, recoveries } = await started();
      redis.delivering = false;
      mock.timers.tick(100);
      mock.timers.tick(100);
      await settle();
      assert.equal(control.epoch(), 1, '200 ms without a beacon is not yet a gap');
      mock.timers.tick(51);
      assert.equal(control.epoch(), null, 'past 250 ms: notices may be getting lost');
      redis.delivering = true;
      mock.timers.tick(49); // the next beacon comes back
      await settle();
      assert.equal(control.epoch(), 2);
      assert.equal(recoveries(), 1);
      control.stop();
    } finally {
      mock.timers.reset();
    }
  });

  it('takes beacons that come back late, as from a stalled event loop, for a gap', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
    try {
      const { redis, control } = await started();
      mock.timers.setTime(1_000_000 + 1000); // a second passes with no beacon read
      await redis.publish(TOPIC, 'beacon node-a 2');
      await settle();
      assert.equal(control.epoch(), 2);
      control.stop();
    } finally {
      mock.timers.reset();
    }
  });
});
