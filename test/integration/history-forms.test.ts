/**
 * A channel's history in both its forms against a real redis-server, below
 * the protocol: a channel whose first messages an older server stored as
 * stream entries keeps serving them — in pages, repeats of their sends,
 * conversation lines and read markers — while its new messages go to the
 * JSON lists, across a list's end (store/scripts/lib/history.lua).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type ChatMessage, messageHead, messageJson, messagePieces } from '../../src/protocol/responses.js';
import { HISTORY_BUCKET, type PagePosition, RedisChannelHistory } from '../../src/store/channel-history.js';
import { channelIdFor } from '../../src/store/channel-id.js';
import { RedisConversations } from '../../src/store/conversations.js';
import { Keys } from '../../src/store/keys.js';
import { RedisReadMarkers } from '../../src/store/read-markers.js';
import { buildHistoryPage } from '../../src/workers/history-page.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const keys = new Keys('chat:');
const SENDER = '10000000-0000-4000-8000-000000000000';
const READER = '20000000-0000-4000-8000-000000000000';
/** Messages the older server stored. */
const OLDER = 5;
/** Then this many through today's send: past the end of the first list. */
const NEWER = HISTORY_BUCKET + 6;
const TOTAL = OLDER + NEWER;
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

const olderMessage = (seq: number): ChatMessage => ({
  UUID: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  senderUUID: SENDER,
  recipientUUID: '0',
  message: `older "${seq}"`,
  createdAt: T0 + seq,
  seq,
});

describe('history stored in the older form and the new', () => {
  let server: TestRedis;
  let redis: Redis;
  /** Every message of the channel by seq, as the protocol writes it (createdAt). */
  const expected: string[] = [''];

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
    // As the older server wrote them: stream entries '<seq>-0' with one field per part.
    for (let seq = 1; seq <= OLDER; seq++) {
      const m = olderMessage(seq);
      await redis.xadd(
        keys.channelHistory('pub'),
        `${seq}-0`,
        'id',
        m.UUID,
        's',
        m.senderUUID,
        'r',
        '0',
        'm',
        m.message,
        't',
        String(m.createdAt),
      );
      expected.push(messageJson(m, 'createdAt'));
    }
    // A send of seq 3 whose dedupe record outlived the upgrade.
    await redis.set(keys.channelSent('pub', olderMessage(3).UUID), '3:3');
    const history = new RedisChannelHistory(redis, keys, 'pub', 60_000);
    for (let i = 1; i <= NEWER; i++) {
      const message = {
        UUID: randomUUID(),
        senderUUID: SENDER,
        recipientUUID: '0',
        message: `new ${i}`,
        createdAt: T0 + 100 + i,
      };
      const appended = await history.append(
        message,
        messagePieces(messageHead(message, 'createdAt')),
        's',
        '',
        undefined,
        undefined,
      );
      assert.equal(appended.seq, OLDER + i);
      expected.push(messageJson({ ...message, seq: appended.seq }, 'createdAt'));
    }
  });
  after(async () => {
    redis?.disconnect();
    await server?.cleanup();
  });

  const page = (position: PagePosition, limit: number) =>
    buildHistoryPage(redis, keys, { channelId: 'pub', position, limit, timeKey: 'createdAt' });
  /** The expected page of seqs hi down to lo. */
  const seqs = (hi: number, lo: number) => Array.from({ length: hi - lo + 1 }, (_, i) => expected[hi - i]!);

  it('leaves the stream as it was and puts the new messages in lists of HISTORY_BUCKET', async () => {
    assert.equal(await redis.xlen(keys.channelHistory('pub')), OLDER);
    assert.equal(await redis.get(keys.channelMessageCount('pub')), String(TOTAL));
    assert.equal(await redis.llen(`${keys.channelHistoryLists('pub')}0`), HISTORY_BUCKET);
    assert.equal(await redis.llen(`${keys.channelHistoryLists('pub')}1`), NEWER - HISTORY_BUCKET);
  });

  it('pages across the end of a list, across the two forms, and in the older form alone', async () => {
    assert.deepEqual(await page({ offset: 0 }, 10), { total: TOTAL, items: seqs(TOTAL, TOTAL - 9) });
    assert.deepEqual(await page({ offset: NEWER - 5 }, 10), { total: TOTAL, items: seqs(OLDER + 5, 1) });
    assert.deepEqual(await page({ offset: NEWER }, 10), { total: TOTAL, items: seqs(OLDER, 1) });
    assert.deepEqual(await page({ offset: TOTAL }, 10), { total: TOTAL, items: [] });
    assert.deepEqual(await page({ before: OLDER + HISTORY_BUCKET + 2 }, 3), {
      total: TOTAL,
      items: seqs(OLDER + HISTORY_BUCKET + 1, OLDER + HISTORY_BUCKET - 1),
    });
    assert.deepEqual(await page({ after: 3 }, 4), { total: TOTAL, items: seqs(7, 4) });
    assert.deepEqual(await page({ after: TOTAL }, 4), { total: TOTAL, items: [] });
  });

  it('lists the join page with created_at in both forms', async () => {
    const join = await buildHistoryPage(redis, keys, {
      channelId: 'pub',
      position: { offset: NEWER - 1 },
      limit: 2,
      timeKey: 'created_at',
    });
    assert.deepEqual(
      join.items.map((item) => JSON.parse(item)),
      [OLDER + 1, OLDER].map((seq) => {
        const { createdAt, ...rest } = JSON.parse(expected[seq]!);
        return { ...rest, created_at: createdAt };
      }),
    );
  });

  it('answers a repeated send with the first as stored, in either form', async () => {
    const history = new RedisChannelHistory(redis, keys, 'pub', 60_000);
    const older = olderMessage(3);
    const repeat = { ...older, message: 'changed', createdAt: 1 };
    assert.deepEqual(
      await history.append(repeat, messagePieces(messageHead(repeat, 'createdAt')), 's', '', undefined, undefined),
      {
        seq: 3,
        entryId: 3,
        original: { UUID: older.UUID, createdAt: older.createdAt, message: older.message },
      },
    );
    const newer = JSON.parse(expected[TOTAL]!);
    await redis.set(keys.channelSent('pub', newer.UUID), `${TOTAL}:${TOTAL}`);
    const again = { ...newer, recipientUUID: '0', message: 'changed', createdAt: 1 };
    assert.deepEqual(
      await history.append(again, messagePieces(messageHead(again, 'createdAt')), 's', '', undefined, undefined),
      {
        seq: TOTAL,
        entryId: TOTAL,
        original: { UUID: newer.UUID, createdAt: Date.parse(newer.createdAt), message: newer.message },
      },
    );
    assert.equal(await redis.get(keys.channelMessageCount('pub')), String(TOTAL), 'nothing stored');
  });

  it("shows the newest message in a conversation line, and keeps read markers within both forms' count", async () => {
    const line = (await new RedisConversations(redis, keys).page(READER, 0, 1)).channels[0]!;
    assert.equal(line.messagesTotal, TOTAL);
    assert.equal(messageJson(line.lastMessage!, 'createdAt'), expected[TOTAL]);
    const markers = new RedisReadMarkers(redis, keys, 'pub');
    assert.equal(await markers.markSeen(READER, TOTAL + 50, undefined), TOTAL);
  });

  it('serves a channel held in the older form only: its page, conversation line and read marker', async () => {
    const channelId = channelIdFor(READER, SENDER);
    const m = { ...olderMessage(1), recipientUUID: READER };
    await redis.xadd(
      keys.channelHistory(channelId),
      '1-0',
      'id',
      m.UUID,
      's',
      m.senderUUID,
      'r',
      READER,
      'm',
      m.message,
      't',
      String(m.createdAt),
    );
    const read = await buildHistoryPage(redis, keys, {
      channelId,
      position: { offset: 0 },
      limit: 5,
      timeKey: 'createdAt',
    });
    assert.deepEqual(read, { total: 1, items: [messageJson(m, 'createdAt')] });
    const conversations = new RedisConversations(redis, keys);
    await conversations.indexed(READER, SENDER, m, undefined);
    const line = (await conversations.page(READER, 1, 1)).channels[0]!;
    assert.deepEqual([line.recipientUUID, line.messagesTotal, line.lastMessage], [SENDER, 1, m]);
    assert.equal(await new RedisReadMarkers(redis, keys, channelId).markSeen(READER, 9, undefined), 1);
  });
});
