import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChannelMembers, type MembersSnapshot } from '../../src/actors/channel-members.js';
import type { FeedEntry } from '../../src/store/feed-entry.js';

const ALICE = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const BOB = '8c1f8a64-3c59-4a8e-9a55-3d3f0c0e6b11';
const CAROL = 'f3b0c442-98fc-4c14-9afb-4c8996fb9242';
const N1 = 'node-1';
const N2 = 'node-2';

let id = 0;
const join = (userUUID: string, nodeId: string): FeedEntry => ({ id: ++id, kind: 'join', userUUID, nodeId });
const leave = (userUUID: string, nodeId: string): FeedEntry => ({ id: ++id, kind: 'leave', userUUID, nodeId });
const gone = (nodeId: string): FeedEntry => ({ id: ++id, kind: 'nodeGone', nodeId });
const message = (): FeedEntry => ({
  id: ++id,
  kind: 'message',
  seq: id,
  origin: 'session',
  traceparent: '',
  frame: Buffer.from('{}'),
});

function members(...entries: FeedEntry[]): ChannelMembers {
  const m = new ChannelMembers();
  for (const entry of entries) m.apply(entry);
  return m;
}

/** Order-free form of a snapshot: users sorted, each user's nodes sorted. */
function normalized(snapshot: MembersSnapshot): [string, string[]][] {
  return Object.entries(snapshot)
    .map(([user, nodes]): [string, string[]] => [user, [...nodes].sort()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const sortedUsers = (m: ChannelMembers): string[] => m.users().sort();

/** As the channel actor stores and restores it: through JSON. */
const roundTrip = (m: ChannelMembers): ChannelMembers =>
  ChannelMembers.fromSnapshot(JSON.parse(JSON.stringify(m.toSnapshot())));

describe('ChannelMembers', () => {
  it('starts empty', () => {
    const m = new ChannelMembers();
    assert.deepEqual(m.users(), []);
    assert.deepEqual(m.toSnapshot(), {});
  });

  it('tells who an entry made a member and who it made stop being one', () => {
    const m = new ChannelMembers();
    assert.deepEqual(m.apply(join(ALICE, N1)), { added: ALICE, removed: [] });
    assert.deepEqual(m.apply(join(ALICE, N2)), { added: undefined, removed: [] }, 'already a member');
    assert.deepEqual(m.apply(join(BOB, N2)), { added: BOB, removed: [] });
    assert.deepEqual(m.apply(join(CAROL, N2)), { added: CAROL, removed: [] });
    assert.deepEqual(m.apply(leave(ALICE, N1)), { added: undefined, removed: [] }, 'still joined on N2');
    assert.deepEqual(m.apply(leave(CAROL, N1)), { added: undefined, removed: [] }, 'never joined on N1');
    assert.deepEqual(m.apply(message()), { added: undefined, removed: [] });
    assert.deepEqual(m.apply(gone(N2)), { added: undefined, removed: [ALICE, BOB, CAROL] });
    assert.deepEqual(m.users(), []);
  });

  it('a join makes the user a member on that node', () => {
    const m = members(join(ALICE, N1));
    assert.deepEqual(m.users(), [ALICE]);
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('joining twice on the same node is the same as joining once', () => {
    const m = members(join(ALICE, N1), join(ALICE, N1));
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
    m.apply(leave(ALICE, N1));
    assert.deepEqual(m.users(), [], 'one leave undoes any number of joins on one node');
  });

  it('a leave removes the user once no node holds them', () => {
    const m = members(join(ALICE, N1), join(BOB, N1), leave(ALICE, N1));
    assert.deepEqual(m.users(), [BOB]);
    assert.deepEqual(m.toSnapshot(), { [BOB]: [N1] });
  });

  it('a leave of an unknown user, or of a node the user is not on, changes nothing', () => {
    const m = members(join(ALICE, N1));
    m.apply(leave(BOB, N1));
    m.apply(leave(ALICE, N2));
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
    const empty = members(leave(ALICE, N1));
    assert.deepEqual(empty.toSnapshot(), {});
  });

  it('a user joined on two nodes stays until both leave', () => {
    const m = members(join(ALICE, N1), join(ALICE, N2));
    assert.deepEqual(normalized(m.toSnapshot()), [[ALICE, [N1, N2]]]);
    m.apply(leave(ALICE, N1));
    assert.deepEqual(m.users(), [ALICE]);
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N2] });
    m.apply(leave(ALICE, N2));
    assert.deepEqual(m.users(), []);
  });

  it('a user joined on three nodes stays until the last of them leaves or goes', () => {
    const N3 = 'node-3';
    const m = members(join(ALICE, N1), join(ALICE, N2), join(ALICE, N3), join(ALICE, N2));
    assert.deepEqual(normalized(m.toSnapshot()), [[ALICE, [N1, N2, N3]]]);
    assert.deepEqual(m.apply(leave(ALICE, N2)), { added: undefined, removed: [] });
    assert.deepEqual(normalized(m.toSnapshot()), [[ALICE, [N1, N3]]]);
    assert.deepEqual(m.apply(gone(N1)), { added: undefined, removed: [] });
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N3] });
    assert.deepEqual(m.apply(join(ALICE, N1)), { added: undefined, removed: [] }, 'a second node again');
    assert.deepEqual(m.apply(leave(ALICE, N3)), { added: undefined, removed: [] });
    assert.deepEqual(m.apply(leave(ALICE, N1)), { added: undefined, removed: [ALICE] });
    assert.deepEqual(m.users(), []);
  });

  it('a user joined on two nodes stays until one leaves and the other goes', () => {
    const m = members(join(ALICE, N1), join(ALICE, N2), gone(N2));
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
    m.apply(leave(ALICE, N1));
    assert.deepEqual(m.users(), []);
  });

  it('a user joined on two nodes stays until both nodes are gone', () => {
    const m = members(join(ALICE, N1), join(ALICE, N2), gone(N1));
    assert.deepEqual(m.users(), [ALICE]);
    m.apply(gone(N2));
    assert.deepEqual(m.users(), []);
  });

  it('nodeGone removes that node from every user and drops those left on no node', () => {
    const m = members(join(ALICE, N1), join(BOB, N1), join(BOB, N2), join(CAROL, N2), gone(N1));
    assert.deepEqual(normalized(m.toSnapshot()), normalized({ [BOB]: [N2], [CAROL]: [N2] }));
    assert.deepEqual(sortedUsers(m), [BOB, CAROL].sort());
  });

  it('nodeGone of an unknown node changes nothing', () => {
    const m = members(join(ALICE, N1), gone('node-x'));
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('a user can join again after leaving or after their node is gone', () => {
    const m = members(join(ALICE, N1), leave(ALICE, N1), join(ALICE, N1));
    assert.deepEqual(m.users(), [ALICE]);
    m.apply(gone(N1));
    m.apply(join(ALICE, N1));
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('message entries change nothing', () => {
    const m = members(join(ALICE, N1), message(), message());
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
    assert.deepEqual(members(message()).toSnapshot(), {});
  });

  it('toSnapshot returns a copy: changing it does not change the members', () => {
    const m = members(join(ALICE, N1));
    const snapshot = m.toSnapshot();
    snapshot[ALICE]!.push(N2);
    snapshot[BOB] = [N1];
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('fromSnapshot(toSnapshot()) holds the same members, directly and through JSON', () => {
    const m = members(join(ALICE, N1), join(ALICE, N2), join(BOB, N2), join(CAROL, N1), leave(CAROL, N1));
    assert.deepEqual(normalized(ChannelMembers.fromSnapshot(m.toSnapshot()).toSnapshot()), normalized(m.toSnapshot()));
    assert.deepEqual(normalized(roundTrip(m).toSnapshot()), normalized(m.toSnapshot()));
    assert.deepEqual(sortedUsers(roundTrip(m)), sortedUsers(m));
  });

  it('a restored state keeps applying entries the same way', () => {
    const restored = roundTrip(members(join(ALICE, N1), join(ALICE, N2)));
    restored.apply(leave(ALICE, N1));
    assert.deepEqual(restored.toSnapshot(), { [ALICE]: [N2] });
    restored.apply(gone(N2));
    assert.deepEqual(restored.users(), []);
  });

  it('fromSnapshot({}) is empty', () => {
    assert.deepEqual(ChannelMembers.fromSnapshot({}).users(), []);
  });

  it('fromSnapshot ignores users whose nodes are not a non-empty array', () => {
    const raw = {
      [ALICE]: [N1],
      [BOB]: [],
      [CAROL]: 'node-1',
      u4: null,
      u5: 5,
      u6: { 0: N1, length: 1 },
      u7: true,
    } as unknown as MembersSnapshot;
    const m = ChannelMembers.fromSnapshot(raw);
    assert.deepEqual(m.users(), [ALICE]);
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('fromSnapshot does not keep a reference to the arrays it was given', () => {
    const raw: MembersSnapshot = { [ALICE]: [N1] };
    const m = ChannelMembers.fromSnapshot(raw);
    raw[ALICE]!.push(N2);
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
  });

  it('fromSnapshot collapses a node listed twice', () => {
    const m = ChannelMembers.fromSnapshot({ [ALICE]: [N1, N1] });
    assert.deepEqual(m.toSnapshot(), { [ALICE]: [N1] });
    m.apply(leave(ALICE, N1));
    assert.deepEqual(m.users(), []);
  });
});

describe('ChannelMembers (property)', () => {
  const users = ['u1', 'u2', 'u3', ALICE];
  const nodes = ['n1', 'n2', 'n3'];
  const entryArb: fc.Arbitrary<FeedEntry> = fc
    .oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('join' as const),
          userUUID: fc.constantFrom(...users),
          nodeId: fc.constantFrom(...nodes),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('leave' as const),
          userUUID: fc.constantFrom(...users),
          nodeId: fc.constantFrom(...nodes),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('nodeGone' as const), nodeId: fc.constantFrom(...nodes) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('message' as const),
          seq: fc.integer({ min: 1, max: 100 }),
          origin: fc.constant('s'),
          traceparent: fc.constant(''),
          frame: fc.constant(Buffer.from('{}')),
        }),
      },
    )
    .map((entry) => ({ ...entry, id: 1 }) as FeedEntry);
  const entriesArb = fc
    .array(entryArb, { maxLength: 60 })
    .map((entries) => entries.map((e, i) => ({ ...e, id: i + 1 })));

  it('snapshot-replay law: apply a prefix, snapshot, restore, apply the rest == apply all', () => {
    fc.assert(
      fc.property(entriesArb, fc.nat(), (entries, cut) => {
        const split = entries.length === 0 ? 0 : cut % (entries.length + 1);
        const all = members(...entries);
        const resumed = roundTrip(members(...entries.slice(0, split)));
        for (const entry of entries.slice(split)) resumed.apply(entry);
        assert.deepEqual(normalized(resumed.toSnapshot()), normalized(all.toSnapshot()));
        assert.deepEqual(sortedUsers(resumed), sortedUsers(all));
      }),
      { numRuns: 1000 },
    );
  });

  it('matches a model: a user is a member while some (user, node) pair joined and not since left or gone', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const pairs = new Set<string>();
        for (const entry of entries) {
          if (entry.kind === 'join') pairs.add(`${entry.userUUID} ${entry.nodeId}`);
          else if (entry.kind === 'leave') pairs.delete(`${entry.userUUID} ${entry.nodeId}`);
          else if (entry.kind === 'nodeGone')
            for (const pair of [...pairs]) if (pair.endsWith(` ${entry.nodeId}`)) pairs.delete(pair);
        }
        const model: MembersSnapshot = {};
        for (const pair of pairs) {
          const [user, node] = pair.split(' ') as [string, string];
          (model[user] ??= []).push(node);
        }
        const m = members(...entries);
        assert.deepEqual(normalized(m.toSnapshot()), normalized(model));
        assert.deepEqual(sortedUsers(m), Object.keys(model).sort());
        for (const nodesOfUser of Object.values(m.toSnapshot()))
          assert.ok(nodesOfUser.length > 0, 'no user is listed with no node');
      }),
      { numRuns: 1000 },
    );
  });
});
