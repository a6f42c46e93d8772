/**
 * Users and access keys written straight into Redis by the server's own
 * store code (so in its own format): thousands of accounts in a second,
 * where signing each in through the protocol would cost a bcrypt hash each.
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/bcrypt';
import { Redis } from 'ioredis';
import { digestSecret, formatAccessKey, newAccessKey } from '../../src/actors/access-key.js';
import { normalizeUsername } from '../../src/protocol/text-rules.js';
import { RedisAccessKeys } from '../../src/store/access-keys.js';
import { Keys } from '../../src/store/keys.js';
import { RedisUserDirectory } from '../../src/store/user-directory.js';
import { inBatches } from './pacer.js';

/** What a client presents: ours takes it as `{ userUUID, userAccessKey }`. */
export interface Credentials {
  userUUID: string;
  userAccessKey: string;
}

const ACCESS_KEY_TTL_MS = 30 * 86_400_000;

/** Creates `count` users `<prefix><i>` with `password`, each with one access key. */
export async function seedUsers(redisUrl: string, prefix: string, count: number, password: string) {
  const redis = new Redis(redisUrl);
  const keys = new Keys('chat:');
  const directory = new RedisUserDirectory(redis, keys);
  const accessKeys = new RedisAccessKeys(redis, keys, ACCESS_KEY_TTL_MS);
  const passwordHash = await hash(password, 10);
  try {
    return await inBatches(
      Array.from({ length: count }, (_, i) => `${prefix}${i}`),
      200,
      async (username): Promise<Credentials> => {
        const { userUUID } = await directory.create(normalizeUsername(username), randomUUID(), username, passwordHash);
        const key = newAccessKey();
        await accessKeys.save(userUUID, key.keyId, digestSecret(key.secret));
        return { userUUID, userAccessKey: formatAccessKey(key) };
      },
    );
  } finally {
    redis.disconnect();
  }
}
