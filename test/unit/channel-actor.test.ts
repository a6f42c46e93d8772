/**
 * The channel actor over the in-memory store: fan-out order, a join racing
 * a push, leaves while Redis is down, eviction, and the rule that a joined
 * sender is answered only after the pushes of earlier messages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelActor } from '../../src/actors/channel-actor.js';
import { USERS_LIST_MAX_AGE_MS } from '../../src/actors/member-list.js';
import type { Subscriber } from '../../src/actors/subscription.js';
import type { WatchableEvent } from '../../src/protocol/requests.js';
import { type MemoryNode, memoryNode } from '../fakes/memory-node.js';
import { isSettled, settle } from '../helpers/async.js';
import { textOf } from '../helpers/text-pieces.js';

let sessions = 0;

/** A connection as the channel sees it, recording the message text of every push, and every signal. */
class Connection implements Subscriber {
  readonly sessionUUID = `session-${++sessions}`;
  readonly userUUID: string;
  readonly pushed: string[] = [];
  readonly signals: Record<string, unknown>[] = [];
  readonly #watching: ReadonlySet<WatchableEvent>;

  constructor(userUUID: string, watching: WatchableEvent[] = []) {
    this.userUUID = userUUID;
    this.#watching = new Set(watching);
  }

  deliver(push: Buffer): void {
    const frame = JSON.parse(push.toString());
    if (frame.type === 'channelMessage') this.pushed.push(frame.channelMessage.message);
    else this.signals.push(frame);
  }

  watches(event: WatchableEvent): boolean {
    return this.#watching.has(event);
  }
}

/** Joins, and activates the subscription as the handler does once the response is out; returns the texts shown. */
async function join(channel: ChannelActor, connection: Connection): Promise<string[]> {
  const joined = await channel.join(connection, undefined);
  joined.subscription.activate();
  return JSON.parse(joined.messagesJson).map((m: { message: string }) => m.message);
}

function publicChannel(): { node: MemoryNode; channel: ChannelActor } {
  const node = memoryNode();
  return { node, channel: node.services.channelActors.get('pub') };
}

const send = (channel: ChannelActor, from: Connection, text: string, clientMessageId?: string) =>
  channel.send({
    senderUUID: from.userUUID,
    recipientUUID: '0',
    text,
    originSession: from.sessionUUID,
    clientMessageId,
    signal: undefined,
  });

describe('ChannelActor', () => {
  it('pushes each message to every joined connection but the sending one, in history order', async () => {
    const { channel } = publicChannel();
    const [a, b, c] = [new Connection('ua'), new Connection('ub'), new Connection('uc')];
    for (const connection of [a, b, c]) await join(channel, connection);
    await send(channel, a, 'one');
    await send(channel, b, 'two');
    await send(channel, a, 'three');
    await settle();
    assert.deepEqual(a.pushed, ['two']);
    assert.deepEqual(b.pushed, ['one', 'three']);
    assert.deepEqual(c.pushed, ['one', 'two', 'three']);
  });

  it('gives a message stored while a join reads history to the joiner once, as a push after the page', async () => {
    const { node, channel } = publicChannel();
    const sender = new Connection('us');
    await send(channel, sender, 'before');
    const joiner = new Connection('uj');
    const release = node.pages.hold();
    const joining = channel.join(joiner, undefined);
    while (node.pages.reads === 0) await settle(); // the page's content is fixed now
    await send(channel, sender, 'racing');
    await settle(); // applied: held for the joiner until its response is out
    release();
    const joined = await joining;
    assert.deepEqual(
      JSON.parse(joined.messagesJson).map((m: { message: string }) => m.message),
      ['before'],
    );
    assert.deepEqual(joiner.pushed, [], 'nothing before the response');
    joined.subscription.activate();
    assert.deepEqual(joiner.pushed, ['racing']);
  });

  it('does not push a message the join response already shows, although it was applied after the subscription', async () => {
    const { node, channel } = publicChannel();
    const sender = new Connection('us');
    const joiner = new Connection('uj');
    await join(channel, sender);
    // Pub/sub brings nothing: the message is applied only when the join reads the feed for its own
    // entry, after the joiner's subscription exists — and before its page is read.
    node.feedOf('pub').publishing = false;
    await send(channel, sender, 'shown');
    const shown = await join(channel, joiner);
    assert.deepEqual(shown, ['shown']);
    await settle();
    assert.deepEqual(joiner.pushed, [], 'in the page, so never pushed as well');
  });

  it('shows in a private join’s page a message stored before the join but not yet applied on this node', async () => {
    const node = memoryNode();
    const channel = node.services.channelActors.get('ua:ub');
    await join(channel, new Connection('ua')); // the node's page of the channel is now cached, empty
    node.feedOf('ua:ub').publishing = false; // the push has not reached this node yet
    await channel.send({
      senderUUID: 'ub',
      recipientUUID: 'ua',
      text: 'stored elsewhere',
      originSession: 'another-node-session',
      clientMessageId: undefined,
      signal: undefined,
    });
    const late = new Connection('ub');
    assert.deepEqual(await join(channel, late), ['stored elsewhere']);
    await settle();
    assert.deepEqual(late.pushed, [], 'in the page, so never pushed as well');
  });

  it('records a user’s first joined connection and the last one’s departure in the feed, once each', async () => {
    const { node, channel } = publicChannel();
    const first = new Connection('ua');
    const second = new Connection('ua');
    await join(channel, first);
    await join(channel, second);
    await channel.disconnect(first);
    const kinds = () => node.feedOf('pub').entries.map((entry) => entry.kind);
    assert.deepEqual(kinds(), ['join']);
    await channel.leave(second);
    assert.deepEqual(kinds(), ['join', 'leave']);
  });

  it('refuses a leave Redis can not record: nothing changes, the connection still gets pushes', async () => {
    const { node, channel } = publicChannel();
    const leaver = new Connection('ul');
    const sender = new Connection('us');
    await join(channel, leaver);
    node.feedOf('pub').failAppends = 1;
    await assert.rejects(channel.leave(leaver), /append failed/);
    await send(channel, sender, 'still joined');
    await settle();
    assert.deepEqual(leaver.pushed, ['still joined']);
  });

  it('stops pushing to a connection that closed while Redis was down, and records its leave on a later tick', async () => {
    const { node, channel } = publicChannel();
    const gone = new Connection('ug');
    const stays = new Connection('uk');
    await join(channel, gone);
    await join(channel, stays);
    const feed = node.feedOf('pub');
    feed.failAppends = 1;
    await channel.disconnect(gone);
    await send(channel, stays, 'after the close');
    await settle();
    assert.deepEqual(gone.pushed, [], 'no push after the close');
    assert.deepEqual(
      feed.entries.filter((entry) => entry.kind === 'leave'),
      [],
      'the leave could not be written',
    );
    channel.tick();
    await settle();
    assert.deepEqual(
      feed.entries.filter((entry) => entry.kind === 'leave').map((entry) => entry.kind === 'leave' && entry.userUUID),
      ['ug'],
    );
  });

  it('can be evicted only while no connection is joined, the feed is not read and no leave waits', async () => {
    const { node, channel } = publicChannel();
    assert.equal(channel.isEvictable(), true, 'fresh');
    const connection = new Connection('ue');
    await join(channel, connection);
    assert.equal(channel.isEvictable(), false, 'joined');
    node.feedOf('pub').failAppends = 1;
    await channel.disconnect(connection);
    assert.equal(channel.isEvictable(), false, 'a leave waits to be retried');
    channel.tick();
    await settle();
    assert.equal(channel.isEvictable(), true, 'left, and the leave recorded');
    assert.equal(node.feedOf('pub').listening, false, 'no longer reading the feed');
  });

  it('answers a joined sender only once the push of an earlier message reached it', async () => {
    const { node, channel } = publicChannel();
    const other = new Connection('uo');
    const sender = new Connection('us');
    await join(channel, sender);
    const feed = node.feedOf('pub');
    feed.publishing = false; // pub/sub has not brought anything yet
    await send(channel, other, 'earlier');
    const { entryId } = await send(channel, sender, 'mine');
    const answered = channel.waitUntilPushed(entryId);
    assert.equal(await isSettled(answered), false, 'the earlier push has not been applied');
    channel.resync(); // what a topic reconnect does: read the stream
    await answered;
    assert.deepEqual(sender.pushed, ['earlier'], 'the earlier push came first; its own message is never pushed back');
  });

  it('answers a sender that is not joined at once', async () => {
    const { channel } = publicChannel();
    const sender = new Connection('us');
    const { entryId } = await send(channel, sender, 'hello');
    assert.equal(await isSettled(channel.waitUntilPushed(entryId)), true);
  });

  it('lists the participants of a private channel as its users, and the joined users of the public one', async () => {
    const node = memoryNode();
    await node.directory.create('ann', 'ua', 'Ann', 'h');
    await node.directory.create('bob', 'ub', 'Bob', 'h');
    const priv = node.services.channelActors.get('ua:ub');
    const joined = await priv.join(new Connection('ua'), undefined);
    assert.deepEqual(JSON.parse(textOf(joined.usersJson)), [
      { UUID: 'ua', username: 'Ann' },
      { UUID: 'ub', username: 'Bob' },
    ]);
    assert.deepEqual(node.feedOf('ua:ub').entries, [], 'a private channel records no membership');
    const pub = node.services.channelActors.get('pub');
    const inPublic = await pub.join(new Connection('ub'), undefined);
    assert.deepEqual(JSON.parse(textOf(inPublic.usersJson)), [{ UUID: 'ub', username: 'Bob' }]);
  });

  it('shows every public joiner of a burst itself, and drops a user who left from a list made after the interval', async () => {
    const node = memoryNode();
    const users = ['ua', 'ub', 'uc', 'ud'];
    for (const userUUID of users) await node.directory.create(userUUID, userUUID, `name ${userUUID}`, 'h');
    const pub = node.services.channelActors.get('pub');
    const connections = users.map((userUUID) => new Connection(userUUID));
    const answers = await Promise.all(connections.map((connection) => pub.join(connection, undefined)));
    answers.forEach((joined, i) => {
      const listed = JSON.parse(textOf(joined.usersJson)).map((user: { UUID: string }) => user.UUID);
      assert.ok(listed.includes(users[i]), `${users[i]} sees itself in ${listed}`);
      assert.equal(new Set(listed).size, listed.length, 'nobody twice');
    });
    await pub.leave(connections[1]!);
    await new Promise((resolve) => setTimeout(resolve, USERS_LIST_MAX_AGE_MS + 10));
    const again = await pub.join(connections[0]!, undefined);
    assert.deepEqual(
      JSON.parse(textOf(again.usersJson)).map((user: { UUID: string }) => user.UUID),
      ['ua', 'uc', 'ud'],
    );
  });

  it('tells typing to the joined connections that watch it, on every node, but none of the typist’s own', async () => {
    const { channel } = publicChannel();
    const typist = new Connection('ut', ['typing']);
    const typistElsewhere = new Connection('ut', ['typing']);
    const watcher = new Connection('uw', ['typing']);
    const deaf = new Connection('ud', ['inbox']);
    for (const connection of [typist, typistElsewhere, watcher, deaf]) await join(channel, connection);
    await channel.typing('ut', '0', true);
    await settle();
    assert.deepEqual(watcher.signals, [{ type: 'typing', typing: { userUUID: 'ut', recipientUUID: 0, typing: true } }]);
    assert.deepEqual([typist.signals, typistElsewhere.signals, deaf.signals], [[], [], []]);
  });

  it('drops a signal for a connection whose join response is not out yet', async () => {
    const { channel } = publicChannel();
    const early = new Connection('ue', ['typing']);
    const joined = await channel.join(early, undefined); // not activated
    await channel.typing('ut', '0', true);
    await settle();
    joined.subscription.activate();
    assert.deepEqual(early.signals, []);
  });

  it('moves a read marker only forward and never past the newest message, and sends a receipt when it moved', async () => {
    const node = memoryNode();
    const channel = node.services.channelActors.get('ua:ub');
    const reader = new Connection('ua');
    const other = new Connection('ub', ['channelSeen']);
    await join(channel, other);
    await join(channel, reader);
    for (const text of ['one', 'two', 'three']) {
      await channel.send({
        senderUUID: 'ub',
        recipientUUID: 'ua',
        text,
        originSession: other.sessionUUID,
        clientMessageId: undefined,
        signal: undefined,
      });
    }
    assert.equal(await channel.markSeen('ua', 'ub', 2), 2);
    assert.equal(await channel.markSeen('ua', 'ub', 1), 2, 'never back');
    assert.equal(await channel.markSeen('ua', 'ub', 99), 3, 'never past the newest');
    assert.equal(await channel.markSeen('ua', 'ub', 3), 3);
    await settle();
    assert.deepEqual(
      other.signals.map((s: any) => s.channelSeen),
      [
        { userUUID: 'ua', recipientUUID: 'ub', seq: 2 },
        { userUUID: 'ua', recipientUUID: 'ub', seq: 3 },
      ],
      'a receipt each time it moved, none when it did not',
    );
    assert.equal(await channel.markSeen('ub', 'ua', 0), 3, 'a sender’s marker is at its own last message');
  });
});
