import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, defaultMaxConnections, loadConfig, openFilesLimit, originWarning } from '../../src/config.js';

const DAY_MS = 86_400_000;

/** The ConfigError loadConfig throws for `env`. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('gives every documented default for an empty environment', () => {
    assert.deepEqual(loadConfig({}, 20_000), {
      port: 8080,
      host: '127.0.0.1',
      redisUrl: undefined,
      redisPrefix: 'chat:',
      redisDataDir: './data/redis',
      redisCommandTimeoutMs: 2000,
      logLevel: 'info',
      bcryptCost: 10,
      accessKeyTtlMs: 30 * DAY_MS,
      maxFrameBytes: 65536,
      maxBufferedBytes: 1024 * 1024,
      maxPipelinedSends: 64,
      heartbeatMs: 30_000,
      rateLimitPerSec: 100,
      rateLimitBurst: 200,
      idempotencyWindowMs: 86400000,
      signInFailuresMax: 10,
      signInFailuresWindowMs: 300_000,
      workerThreads: availableParallelism(),
      workerNice: 19,
      historyWorkerThreads: 1,
      historyWorkerNice: 0,
      workerQueueMax: 512,
      historyInPool: true,
      webUi: true,
      metrics: true,
      maxConnections: 18_976,
      maxConnectionsPerUser: 100,
      signInFailuresPerIpMax: 100,
      signUpsPerIpMax: 60,
      signUpsWindowMs: 3_600_000,
      trustProxy: [],
      maxConnectionsPerIp: 1000,
      maxChannelsPerConnection: 1000,
      handshakeTimeoutMs: 10_000,
      allowedOrigins: '*',
      redisRequirePersistence: false,
      statsIntervalMs: 0,
      actorIdleMs: 60_000,
      nodeTtlMs: 15_000,
      feedCheckpointEvery: 1000,
      feedCheckpointMs: 5000,
      redisClusterNodes: undefined,
      testCrashAt: undefined,
    });
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', REDIS_URL: '', LOG_LEVEL: '', REDIS_PREFIX: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.redisPrefix, 'chat:');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      REDIS_URL: 'rediss://redis.example:6380/2',
      REDIS_PREFIX: 'test:',
      REDIS_DATA_DIR: '/var/lib/chat',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      LOG_LEVEL: 'debug',
      BCRYPT_COST: '12',
      ACCESS_KEY_TTL_MS: '60000',
      MAX_FRAME_BYTES: '2048',
      MAX_BUFFERED_BYTES: '4096',
      MAX_PIPELINED_SENDS: '8',
      HEARTBEAT_MS: '1000',
      RATE_LIMIT_PER_SEC: '50',
      RATE_LIMIT_BURST: '75',
      IDEMPOTENCY_WINDOW_MS: '5000',
      SIGNIN_FAILURES_MAX: '3',
      SIGNIN_FAILURES_WINDOW_MS: '10000',
      WORKER_THREADS: '4',
      WORKER_NICE: '5',
      HISTORY_WORKER_THREADS: '3',
      HISTORY_WORKER_NICE: '2',
      WORKER_QUEUE_MAX: '16',
      HISTORY_IN_POOL: 'false',
      WEB_UI: 'false',
      METRICS: 'false',
      MAX_CONNECTIONS: '50',
      MAX_CONNECTIONS_PER_USER: '4',
      SIGNIN_FAILURES_PER_IP_MAX: '30',
      SIGNUPS_PER_IP_MAX: '3',
      SIGNUPS_WINDOW_MS: '60000',
      TRUST_PROXY: '10.0.0.1, ::1',
      MAX_CONNECTIONS_PER_IP: '0',
      MAX_CHANNELS_PER_CONNECTION: '7',
      HANDSHAKE_TIMEOUT_MS: '500',
      ALLOWED_ORIGINS: ' https://Chat.Example.com/ , http://localhost:8080',
      REDIS_REQUIRE_PERSISTENCE: 'true',
      STATS_INTERVAL_MS: '5000',
      ACTOR_IDLE_MS: '100',
      NODE_TTL_MS: '3000',
      FEED_CHECKPOINT_EVERY: '50',
      FEED_CHECKPOINT_MS: '250',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, [::1]:7001,localhost:7002',
      WSCHAT_TEST_CRASH_AT: 'message-stored',
    });
    assert.deepEqual(config, {
      port: 9000,
      host: '0.0.0.0',
      redisUrl: 'rediss://redis.example:6380/2',
      redisPrefix: 'test:',
      redisDataDir: '/var/lib/chat',
      redisCommandTimeoutMs: 500,
      logLevel: 'debug',
      bcryptCost: 12,
      accessKeyTtlMs: 60000,
      maxFrameBytes: 2048,
      maxBufferedBytes: 4096,
      maxPipelinedSends: 8,
      heartbeatMs: 1000,
      rateLimitPerSec: 50,
      rateLimitBurst: 75,
      idempotencyWindowMs: 5000,
      signInFailuresMax: 3,
      signInFailuresWindowMs: 10000,
      workerThreads: 4,
      workerNice: 5,
      historyWorkerThreads: 3,
      historyWorkerNice: 2,
      workerQueueMax: 16,
      historyInPool: false,
      webUi: false,
      metrics: false,
      maxConnections: 50,
      maxConnectionsPerUser: 4,
      signInFailuresPerIpMax: 30,
      signUpsPerIpMax: 3,
      signUpsWindowMs: 60_000,
      trustProxy: ['10.0.0.1', '::ffff:10.0.0.1', '::1'],
      maxConnectionsPerIp: 0,
      maxChannelsPerConnection: 7,
      handshakeTimeoutMs: 500,
      allowedOrigins: ['https://chat.example.com', 'http://localhost:8080'],
      redisRequirePersistence: true,
      statsIntervalMs: 5000,
      actorIdleMs: 100,
      nodeTtlMs: 3000,
      feedCheckpointEvery: 50,
      feedCheckpointMs: 250,
      redisClusterNodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
        { host: 'localhost', port: 7002 },
      ],
      testCrashAt: 'message-stored',
    });
  });

  it('still reads MAILBOX_CHECKPOINT_EVERY and _MS, the earlier names of FEED_CHECKPOINT_EVERY and _MS', () => {
    const earlier = loadConfig({ MAILBOX_CHECKPOINT_EVERY: '70', MAILBOX_CHECKPOINT_MS: '700' });
    assert.equal(earlier.feedCheckpointEvery, 70);
    assert.equal(earlier.feedCheckpointMs, 700);
    const both = loadConfig({ FEED_CHECKPOINT_EVERY: '80', MAILBOX_CHECKPOINT_EVERY: '70' });
    assert.equal(both.feedCheckpointEvery, 80, 'the new name wins');
  });

  it('accepts port 0 (any free port) and the range ends', () => {
    assert.equal(loadConfig({ PORT: '0' }).port, 0);
    assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
    assert.equal(loadConfig({ BCRYPT_COST: '20' }).bcryptCost, 20);
    assert.equal(loadConfig({ BCRYPT_COST: '10' }).bcryptCost, 10);
  });

  it('defaults the burst to the rate when the rate is above 200', () => {
    assert.equal(loadConfig({ RATE_LIMIT_PER_SEC: '1000' }).rateLimitBurst, 1000);
    assert.equal(loadConfig({ RATE_LIMIT_PER_SEC: '50' }).rateLimitBurst, 200);
    assert.equal(loadConfig({ RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '10' }).rateLimitBurst, 10);
  });

  it('accepts redis:// and rediss:// URLs only', () => {
    assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl, 'redis://127.0.0.1:6379');
    for (const url of ['http://x', 'localhost:6379', 'redis:/x', 'REDIS://x', ' redis://x']) {
      const error = configError({ REDIS_URL: url });
      assert.match(error.message, /^REDIS_URL /, url);
    }
  });

  it('accepts every pino level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level);
    }
  });

  it('refuses an unknown log level, naming LOG_LEVEL', () => {
    for (const level of ['verbose', 'INFO', 'info ', 'warning']) {
      assert.match(configError({ LOG_LEVEL: level }).message, /^LOG_LEVEL /, level);
    }
  });

  it('reads HISTORY_IN_POOL as true/1 or false/0', () => {
    assert.equal(loadConfig({ HISTORY_IN_POOL: 'true' }).historyInPool, true);
    assert.equal(loadConfig({ HISTORY_IN_POOL: '1' }).historyInPool, true);
    assert.equal(loadConfig({ HISTORY_IN_POOL: 'false' }).historyInPool, false);
    assert.equal(loadConfig({ HISTORY_IN_POOL: '0' }).historyInPool, false);
    assert.equal(loadConfig({ STATS_INTERVAL_MS: '0' }).statsIntervalMs, 0);
  });

  it('refuses any other HISTORY_IN_POOL, naming it', () => {
    for (const value of ['yes', 'TRUE', 'no', '2', ' true']) {
      const error = configError({ HISTORY_IN_POOL: value });
      assert.equal(error.message, `HISTORY_IN_POOL must be true or false, got "${value}"`);
    }
  });

  it('refuses a Redis prefix with braces or white space, naming REDIS_PREFIX', () => {
    for (const prefix of ['{chat}:', 'a b', 'chat}', 'tab\t']) {
      assert.match(configError({ REDIS_PREFIX: prefix }).message, /^REDIS_PREFIX /, prefix);
    }
  });

  const numeric: [name: string, bad: string[]][] = [
    ['PORT', ['-1', '65536', 'http', '80.5', '1e3', '0x50', '+80', '８０']],
    ['REDIS_COMMAND_TIMEOUT_MS', ['49', '60001', 'abc']],
    ['BCRYPT_COST', ['9', '21', '4', 'ten']],
    ['ACCESS_KEY_TTL_MS', ['999', String(3651 * DAY_MS)]],
    ['MAX_FRAME_BYTES', ['1023', String(64 * 1024 * 1024 + 1)]],
    ['MAX_BUFFERED_BYTES', ['1023', String(1024 * 1024 * 1024 + 1)]],
    ['HEARTBEAT_MS', ['99', '3600001']],
    ['RATE_LIMIT_PER_SEC', ['0', '1000001', '-5']],
    ['RATE_LIMIT_BURST', ['0', '10000001']],
    ['IDEMPOTENCY_WINDOW_MS', ['999', String(30 * DAY_MS + 1)]],
    ['SIGNIN_FAILURES_MAX', ['0', '1000001']],
    ['SIGNIN_FAILURES_WINDOW_MS', ['999', String(7 * DAY_MS + 1)]],
    ['WORKER_THREADS', ['0', '257']],
    ['WORKER_NICE', ['-1', '20', 'low']],
    ['HISTORY_WORKER_THREADS', ['0', '257']],
    ['HISTORY_WORKER_NICE', ['-1', '20', 'high']],
    ['WORKER_QUEUE_MAX', ['0', '1000001']],
    ['STATS_INTERVAL_MS', ['-1', '3600001']],
    ['ACTOR_IDLE_MS', ['9', '86400001']],
    ['NODE_TTL_MS', ['999', 'x']],
    ['FEED_CHECKPOINT_EVERY', ['0']],
    ['FEED_CHECKPOINT_MS', ['99']],
    ['MAILBOX_CHECKPOINT_EVERY', ['0']],
    ['MAILBOX_CHECKPOINT_MS', ['99']],
  ];

  for (const [name, values] of numeric) {
    it(`refuses a bad ${name}, naming it`, () => {
      for (const value of [...values, '99999999999999999999', '1.0', ' ', 'NaN', 'Infinity']) {
        const error = configError({ [name]: value });
        assert.equal(error.name, 'ConfigError');
        assert.ok(error.message.startsWith(`${name} must be an integer from `), `${name}=${value}: ${error.message}`);
        assert.ok(error.message.includes(`"${value}"`), error.message);
      }
    });
  }

  it('refuses a REDIS_CLUSTER_NODES that is not a host:port list, naming it', () => {
    for (const value of ['127.0.0.1', '127.0.0.1:0', 'a:1,,b:2', 'host:70000', 'a b:1']) {
      const error = configError({ REDIS_CLUSTER_NODES: value });
      assert.ok(error.message.startsWith('REDIS_CLUSTER_NODES must be host:port'), `${value}: ${error.message}`);
    }
  });

  it('reports the first bad variable when several are bad', () => {
    assert.match(configError({ PORT: 'x', BCRYPT_COST: 'y' }).message, /^(PORT|BCRYPT_COST) /);
  });
});

describe('limits derived from the machine', () => {
  it('leaves 1,024 descriptors below the open-files limit for MAX_CONNECTIONS, at least 100', () => {
    assert.equal(defaultMaxConnections(20_000), 18_976);
    assert.equal(defaultMaxConnections(1024), 100);
    assert.equal(loadConfig({}, 4096).maxConnections, 3072);
  });

  it('reads this process’s soft open-files limit', () => {
    const limit = openFilesLimit();
    assert.ok(Number.isInteger(limit) && limit > 0, String(limit));
  });

  it('refuses an ALLOWED_ORIGINS entry that is not an origin', () => {
    assert.throws(() => loadConfig({ ALLOWED_ORIGINS: 'chat.example.com' }), /ALLOWED_ORIGINS must be \* or origins/);
    assert.throws(() => loadConfig({ ALLOWED_ORIGINS: 'https://a.example/path' }), /ALLOWED_ORIGINS/);
  });
});

describe('originWarning', () => {
  it('warns about ALLOWED_ORIGINS=* only when the server listens beyond loopback', () => {
    const any = '*' as const;
    assert.match(String(originWarning({ host: '0.0.0.0', allowedOrigins: any })), /^ALLOWED_ORIGINS is \*/);
    assert.match(String(originWarning({ host: '192.0.2.10', allowedOrigins: any })), /list your sites/);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      assert.equal(originWarning({ host, allowedOrigins: any }), undefined, host);
    }
    assert.equal(originWarning({ host: '0.0.0.0', allowedOrigins: ['https://chat.example.com'] }), undefined);
  });
});
