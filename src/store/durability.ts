/**
 * What Redis's persistence settings promise about acknowledged writes, read
 * at start-up (CONFIG GET appendonly, appendfsync, save) and never changed.
 * On a cluster every master is read and the weakest promise counts. A Redis
 * that refuses CONFIG (managed services often do) is reported as unknown.
 */
import type { RedisClient } from './redis-client.js';

/**
 * - always: AOF fsynced before each reply — nothing acknowledged is lost, even if Redis is killed.
 * - everysec: AOF fsynced every second — up to a second of acknowledged writes lost if Redis crashes.
 * - os: AOF without fsync — survives a Redis restart; up to ~30 s lost if the machine crashes.
 * - snapshot: RDB snapshots only — everything since the last snapshot lost if Redis crashes.
 * - none: nothing on disk — every acknowledged message is lost when Redis restarts.
 * - unknown: CONFIG refused.
 */
export type DurabilityLevel = 'always' | 'everysec' | 'os' | 'snapshot' | 'none' | 'unknown';

/** Weakest last: a cluster's level is its weakest master's. */
const STRENGTH: readonly DurabilityLevel[] = ['always', 'everysec', 'os', 'snapshot', 'none', 'unknown'];

export const DURABILITY_PROMISES: Readonly<Record<DurabilityLevel, string>> = {
  always: 'nothing acknowledged is lost, even if Redis is killed',
  everysec: 'up to a second of acknowledged messages is lost if Redis itself crashes',
  os: 'acknowledged messages survive a Redis restart; up to ~30 s is lost if the machine crashes',
  snapshot: 'acknowledged messages since the last RDB snapshot are lost if Redis crashes',
  none: 'acknowledged messages will not survive a Redis restart: Redis keeps nothing on disk',
  unknown: 'Redis refused CONFIG GET: its persistence, and so what acknowledged means, is unknown',
};

/** The level the three settings give. */
export function durabilityOf(settings: { appendonly: string; appendfsync: string; save: string }): DurabilityLevel {
  if (settings.appendonly === 'yes') {
    if (settings.appendfsync === 'always') return 'always';
    if (settings.appendfsync === 'everysec') return 'everysec';
    return 'os';
  }
  return settings.save.trim() === '' ? 'none' : 'snapshot';
}

/** The level of the Redis behind `redis` (of its weakest master on a cluster). */
export async function readDurability(redis: RedisClient): Promise<DurabilityLevel> {
  const servers = 'nodes' in redis ? redis.nodes('master') : [redis];
  const levels = await Promise.all(servers.map(readOne));
  return levels.reduce((weakest, level) => (STRENGTH.indexOf(level) > STRENGTH.indexOf(weakest) ? level : weakest));
}

async function readOne(server: { config(...args: string[]): Promise<unknown> }): Promise<DurabilityLevel> {
  try {
    const settings: Record<string, string> = {};
    for (const name of ['appendonly', 'appendfsync', 'save']) {
      const pair = (await server.config('GET', name)) as string[];
      settings[name] = pair[1] ?? '';
    }
    return durabilityOf(settings as { appendonly: string; appendfsync: string; save: string });
  } catch {
    return 'unknown';
  }
}
