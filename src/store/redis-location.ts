/**
 * Which Redis to use: the cluster in REDIS_CLUSTER_NODES when set; else
 * REDIS_URL when set; otherwise a Redis already on 127.0.0.1:6379;
 * otherwise a private redis-server (AOF on, data under REDIS_DATA_DIR,
 * loopback only) — the one an earlier node left running there, or a new one
 * (private-redis.ts).
 */
import { resolve } from 'node:path';
import { startPrivateRedis } from './private-redis.js';
import type { HostPort, RedisTarget } from './redis-client.js';
import { answersPing, hasRedisServerBinary } from './redis-server-process.js';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisLocation {
  target: RedisTarget;
  /** How it was found, for the start-up log. */
  source: 'REDIS_CLUSTER_NODES' | 'REDIS_URL' | 'default' | 'embedded' | 'embedded (adopted)';
  /** Stops the private redis-server, if one was started. */
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * @param settings REDIS_CLUSTER_NODES and REDIS_URL, if set
 * @param dataDir where a private redis-server keeps its data
 * @param defaultUrl the Redis tried when neither is set
 */
export async function locateRedis(
  settings: { clusterNodes: HostPort[] | undefined; url: string | undefined },
  dataDir: string,
  defaultUrl = DEFAULT_REDIS_URL,
): Promise<RedisLocation> {
  const none = async () => {};
  if (settings.clusterNodes !== undefined) {
    return { target: { clusterNodes: settings.clusterNodes }, source: 'REDIS_CLUSTER_NODES', stop: none };
  }
  if (settings.url !== undefined) return { target: { url: settings.url }, source: 'REDIS_URL', stop: none };
  if (await answersPing(defaultUrl, 500)) return { target: { url: defaultUrl }, source: 'default', stop: none };
  if (!hasRedisServerBinary()) {
    throw new RedisUnavailableError(
      `no Redis answers at ${defaultUrl} and no redis-server binary was found: ` +
        'install one (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) ' +
        'or set REDIS_URL=redis://host:port',
    );
  }
  const server = await startPrivateRedis(resolve(dataDir));
  return {
    target: { url: server.url },
    source: server.adopted ? 'embedded (adopted)' : 'embedded',
    stop: () => server.stop(),
  };
}
