/**
 * Redis key names are data that deployments already hold: a release that
 * renames one loses what is stored under the old name. These are the names
 * as stored; a change here needs a reader of the old name and a test that
 * old data is still served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keys } from '../../src/store/keys.js';

const USER = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const CHANNEL = `${USER}:9c1e0000-0000-4000-8000-000000000001`;
const k = new Keys('chat:');

describe('Redis key names', () => {
  it('keeps every key name of the user directory, presence and nodes', () => {
    assert.deepEqual(
      [
        k.usersByName,
        k.userNames,
        k.userPasswords,
        k.userIndex,
        k.usersOnline,
        k.usersOnlineOnNode('n1'),
        k.nodeAlive('n1'),
        k.nodes,
        k.nodesGone,
        k.signInFailures('alice', '203.0.113.7'),
        k.signInFailuresFrom('::ffff:203.0.113.7'),
        k.signUpsFrom('203.0.113.7'),
        k.userConnections,
      ],
      [
        'chat:{users}:byname',
        'chat:{users}:names',
        'chat:{users}:passwords',
        'chat:{users}:index',
        'chat:{users}:online',
        'chat:{users}:online:n1',
        'chat:{users}:node:n1',
        'chat:{users}:nodes',
        'chat:{users}:nodes:gone',
        // Counters that expire within their window: renamed in 0.1 (they were per name only), no data to keep.
        'chat:{users}:fails:203.0.113.7|alice',
        'chat:{users}:failsfrom:::ffff:203.0.113.7',
        'chat:{users}:signups:203.0.113.7',
        'chat:{users}:conns',
      ],
    );
  });

  it('keeps the access key names', () => {
    assert.equal(k.accessKey(USER, 'kid'), `chat:{u:${USER}}:key:kid`);
  });

  it('keeps every key name of a channel (the feed is still :mailbox, older history :log)', () => {
    assert.deepEqual(
      [
        k.channelHistory(CHANNEL),
        k.channelHistoryLists(CHANNEL),
        k.channelMessageCount(CHANNEL),
        k.channelFeed(CHANNEL),
        k.channelFeedCounter(CHANNEL),
        k.channelSent(CHANNEL, 'm1'),
        k.channelSnapshot(CHANNEL),
        k.channelFeedReaders(CHANNEL),
        k.channelTopic(CHANNEL),
        k.controlTopic,
      ],
      [
        `chat:{c:${CHANNEL}}:log`,
        `chat:{c:${CHANNEL}}:msgs:`,
        `chat:{c:${CHANNEL}}:count`,
        `chat:{c:${CHANNEL}}:mailbox`,
        `chat:{c:${CHANNEL}}:seq`,
        `chat:{c:${CHANNEL}}:sent:m1`,
        `chat:{c:${CHANNEL}}:snapshot`,
        `chat:{c:${CHANNEL}}:readers`,
        `chat:{c:${CHANNEL}}:push`,
        'chat:control',
      ],
    );
  });

  it('keeps every key name of protocol 1.1: dedupe records, read markers, conversations, inbox', () => {
    assert.deepEqual(
      [
        k.channelClientMessage(CHANNEL, USER, 'c1'),
        k.channelSeen(CHANNEL),
        k.userConversations(USER),
        k.userConversationSeqs(USER),
        k.userConversationsPending(USER),
        k.userInboxTopic(USER),
      ],
      [
        `chat:{c:${CHANNEL}}:cmid:${USER}:c1`,
        `chat:{c:${CHANNEL}}:seen`,
        `chat:{u:${USER}}:channels`,
        `chat:{u:${USER}}:channels:seq`,
        `chat:{u:${USER}}:channels:pending`,
        `chat:{u:${USER}}:inbox`,
      ],
    );
  });

  it('puts REDIS_PREFIX before every name', () => {
    assert.equal(new Keys('x/').channelFeed('pub'), 'x/{c:pub}:mailbox');
  });
});
