import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelIdFor, PUBLIC_CHANNEL_ID, participantsOfChannel } from '../../src/store/channel-id.js';

const ALICE = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const BOB = '9c1e0f7a-3b1d-4c55-8f00-0123456789ab';
const CAROL = '00000000-0000-4000-8000-000000000000';

describe('channelIdFor', () => {
  it('names the public channel pub for recipient 0, whoever asks', () => {
    assert.equal(PUBLIC_CHANNEL_ID, 'pub');
    assert.equal(channelIdFor(ALICE, '0'), 'pub');
    assert.equal(channelIdFor(BOB, '0'), 'pub');
  });

  it('gives the same private channel seen from either side', () => {
    assert.equal(channelIdFor(ALICE, BOB), `${ALICE}:${BOB}`);
    assert.equal(channelIdFor(BOB, ALICE), `${ALICE}:${BOB}`);
  });

  it('orders the pair so the smaller UUID comes first', () => {
    assert.equal(channelIdFor(BOB, CAROL), `${CAROL}:${BOB}`);
    assert.equal(channelIdFor(CAROL, BOB), `${CAROL}:${BOB}`);
  });

  it('gives different channels for different pairs', () => {
    const ids = new Set([
      channelIdFor(ALICE, BOB),
      channelIdFor(ALICE, CAROL),
      channelIdFor(BOB, CAROL),
      channelIdFor(ALICE, ALICE),
    ]);
    assert.equal(ids.size, 4);
  });

  it('names a user’s notes by their UUID twice', () => {
    assert.equal(channelIdFor(ALICE, ALICE), `${ALICE}:${ALICE}`);
  });
});

describe('participantsOfChannel', () => {
  it('lists both users of a private channel, whichever side named it', () => {
    assert.deepEqual(participantsOfChannel(channelIdFor(ALICE, BOB)), [ALICE, BOB].sort());
    assert.deepEqual(participantsOfChannel(channelIdFor(BOB, ALICE)), [ALICE, BOB].sort());
  });

  it('lists one user for private notes', () => {
    assert.deepEqual(participantsOfChannel(channelIdFor(ALICE, ALICE)), [ALICE]);
  });
});
