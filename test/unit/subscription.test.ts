import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Subscriber, Subscription } from '../../src/actors/subscription.js';

class RecordingSubscriber implements Subscriber {
  readonly sessionUUID = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
  readonly userUUID = '21d4b0aa-da77-4833-a315-1b13f70de65d';
  readonly delivered: string[] = [];
  deliver(frame: Buffer): void {
    this.delivered.push(frame.toString());
  }
  watches(): boolean {
    return true;
  }
}

const frame = (position: number): Buffer => Buffer.from(`m${position}`);

function subscription(): { sub: Subscription; subscriber: RecordingSubscriber } {
  const subscriber = new RecordingSubscriber();
  return { sub: new Subscription(subscriber), subscriber };
}

describe('Subscription', () => {
  it('starts inactive and holds pushes until activate', () => {
    const { sub, subscriber } = subscription();
    sub.offer(1, frame(1));
    assert.deepEqual(subscriber.delivered, [], 'inactive: held');
    sub.offer(2, frame(2));
    assert.deepEqual(subscriber.delivered, []);
    sub.activate();
    assert.deepEqual(subscriber.delivered, ['m1', 'm2']);
    sub.offer(3, frame(3));
    assert.deepEqual(subscriber.delivered, ['m1', 'm2', 'm3'], 'active: delivered directly');
  });

  it('delivers directly once active', () => {
    const { sub, subscriber } = subscription();
    sub.activate();
    sub.offer(1, frame(1));
    assert.deepEqual(subscriber.delivered, ['m1']);
    sub.offer(2, frame(2));
    assert.deepEqual(subscriber.delivered, ['m1', 'm2']);
  });

  it('drops held pushes that the join response already showed', () => {
    const { sub, subscriber } = subscription();
    // Pushes 4 and 5 arrive while the join reads history up to 5.
    sub.offer(4, frame(4));
    sub.offer(5, frame(5));
    sub.offer(6, frame(6));
    sub.markShown(5);
    sub.offer(7, frame(7));
    sub.activate();
    assert.deepEqual(subscriber.delivered, ['m6', 'm7']);
  });

  it('drops pushes at or before the shown position offered after markShown', () => {
    const { sub, subscriber } = subscription();
    sub.markShown(3);
    sub.offer(2, frame(2));
    sub.offer(3, frame(3));
    sub.offer(4, frame(4));
    sub.activate();
    sub.offer(3, frame(3));
    sub.offer(5, frame(5));
    assert.deepEqual(subscriber.delivered, ['m4', 'm5']);
  });

  it('releases held pushes in the order they arrived, before later ones', () => {
    const { sub, subscriber } = subscription();
    sub.offer(1, frame(1));
    sub.offer(2, frame(2));
    sub.offer(3, frame(3));
    sub.activate();
    sub.offer(4, frame(4));
    assert.deepEqual(subscriber.delivered, ['m1', 'm2', 'm3', 'm4']);
  });

  it('markShown never moves backwards', () => {
    const { sub, subscriber } = subscription();
    sub.markShown(5);
    sub.markShown(2);
    sub.activate();
    sub.offer(3, frame(3));
    sub.offer(5, frame(5));
    sub.offer(6, frame(6));
    assert.deepEqual(subscriber.delivered, ['m6']);
  });

  it('a join again on an active subscription raises the shown position', () => {
    const { sub, subscriber } = subscription();
    sub.activate();
    sub.offer(1, frame(1));
    sub.markShown(3);
    sub.offer(2, frame(2));
    sub.offer(3, frame(3));
    sub.offer(4, frame(4));
    assert.deepEqual(subscriber.delivered, ['m1', 'm4']);
  });

  it('activate twice delivers the held pushes once', () => {
    const { sub, subscriber } = subscription();
    sub.offer(1, frame(1));
    sub.activate();
    sub.activate();
    assert.deepEqual(subscriber.delivered, ['m1']);
  });

  it('delivers the very bytes it was offered', () => {
    const { sub } = subscription();
    const got: Buffer[] = [];
    const direct = new Subscription({
      sessionUUID: 's',
      userUUID: 'u',
      deliver: (f) => got.push(f),
      watches: () => false,
    });
    const bytes = frame(9);
    direct.offer(9, bytes);
    direct.activate();
    assert.equal(got[0], bytes);
    assert.equal(sub.subscriber.sessionUUID, '6f9353ba-92c6-41c2-89f2-60b350bf67e7');
  });

  it('drops a signal before activation, and delivers one after it, with no seq to skip by', () => {
    const { sub, subscriber } = subscription();
    sub.markShown(5);
    sub.offerSignal(Buffer.from('typing-early'));
    sub.activate();
    sub.offerSignal(Buffer.from('typing-late'));
    assert.deepEqual(subscriber.delivered, ['typing-late']);
  });
});
