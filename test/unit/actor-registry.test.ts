import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Actor, ActorRegistry } from '../../src/actors/actor-registry.js';
import { Mailbox } from '../../src/actors/mailbox.js';

const IDLE_MS = 1000;

class TestActor implements Actor {
  readonly mailbox = new Mailbox();
  evictable = true;
  constructor(readonly key: string) {}
  isEvictable(): boolean {
    return this.evictable;
  }
}

function registry(): { registry: ActorRegistry<TestActor>; made: string[] } {
  const made: string[] = [];
  return {
    made,
    registry: new ActorRegistry((key) => {
      made.push(key);
      return new TestActor(key);
    }, IDLE_MS),
  };
}

describe('ActorRegistry', () => {
  it('makes an actor on first get and returns the same one after', () => {
    const { registry: actors, made } = registry();
    const a = actors.get('a');
    assert.equal(a.key, 'a');
    assert.equal(actors.get('a'), a);
    assert.deepEqual(made, ['a']);
    assert.equal([...actors.values()].length, 1);
  });

  it('keeps one actor per key', () => {
    const { registry: actors, made } = registry();
    const a = actors.get('a');
    const b = actors.get('b');
    assert.notEqual(a, b);
    assert.deepEqual(made, ['a', 'b']);
    assert.deepEqual([...actors.values()], [a, b]);
  });

  it('peek never makes an actor', () => {
    const { registry: actors, made } = registry();
    assert.equal(actors.peek('a'), undefined);
    assert.equal([...actors.values()].length, 0);
    const a = actors.get('a');
    assert.equal(actors.peek('a'), a);
    assert.deepEqual(made, ['a']);
  });

  it('sweep keeps an idle actor until idleMs have passed', () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    const since = a.mailbox.lastActiveAt;
    assert.equal(actors.sweep(since), 0);
    assert.equal(actors.sweep(since + IDLE_MS - 1), 0);
    assert.equal(actors.peek('a'), a);
  });

  it('sweep evicts an idle, evictable actor past idleMs', () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    assert.equal(actors.sweep(a.mailbox.lastActiveAt + IDLE_MS + 1), 1);
    assert.equal(actors.peek('a'), undefined);
    assert.equal([...actors.values()].length, 0);
  });

  it('makes a fresh actor after eviction', () => {
    const { registry: actors, made } = registry();
    const a = actors.get('a');
    actors.sweep(a.mailbox.lastActiveAt + IDLE_MS + 1);
    const again = actors.get('a');
    assert.notEqual(again, a);
    assert.deepEqual(made, ['a', 'a']);
  });

  it('sweep never evicts an actor that is not evictable', () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    a.evictable = false;
    assert.equal(actors.sweep(a.mailbox.lastActiveAt + 100 * IDLE_MS), 0);
    assert.equal(actors.peek('a'), a);
    a.evictable = true;
    assert.equal(actors.sweep(a.mailbox.lastActiveAt + 100 * IDLE_MS), 1);
  });

  it('sweep never evicts an actor with a letter running or queued', async () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    let release!: () => void;
    const running = a.mailbox.post(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = a.mailbox.post(() => 'queued');
    assert.equal(a.mailbox.idle, false);
    assert.equal(actors.sweep(a.mailbox.lastActiveAt + 100 * IDLE_MS), 0);
    assert.equal(actors.peek('a'), a);
    release();
    await running;
    await queued;
    assert.equal(a.mailbox.idle, true);
    assert.equal(actors.sweep(a.mailbox.lastActiveAt + IDLE_MS + 1), 1);
  });

  it('sweep measures idleness from the last finished letter', async () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    const made = a.mailbox.lastActiveAt;
    // Bounded wait for the clock to pass the creation time.
    for (let i = 0; i < 1000 && Date.now() <= made; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    await a.mailbox.post(() => undefined);
    const finished = a.mailbox.lastActiveAt;
    assert.ok(finished > made);
    assert.equal(actors.sweep(made + IDLE_MS), 0, 'idle counted from the letter, not the creation');
    assert.equal(actors.sweep(finished + IDLE_MS + 1), 1);
  });

  it('sweep evicts only the actors that qualify, and counts them', () => {
    const { registry: actors } = registry();
    const a = actors.get('a');
    const b = actors.get('b');
    const c = actors.get('c');
    b.evictable = false;
    const latest = Math.max(a.mailbox.lastActiveAt, b.mailbox.lastActiveAt, c.mailbox.lastActiveAt);
    assert.equal(actors.sweep(latest + IDLE_MS + 1), 2);
    assert.deepEqual([...actors.values()], [b]);
  });

  it('start and stop can be called repeatedly', () => {
    const { registry: actors } = registry();
    actors.start();
    actors.start();
    actors.stop();
    actors.stop();
    assert.equal([...actors.values()].length, 0);
  });
});
