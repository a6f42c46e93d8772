/**
 * Start-up: read the configuration, find Redis, start one chat node
 * (chat-node.ts), then serve until SIGTERM/SIGINT: stop accepting, answer
 * what is in flight, close connections with 1001, flush, exit 0 within 10 s.
 */
import { randomUUID } from 'node:crypto';
import { type ChatNode, StartupError, startChatNode } from './chat-node.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { locateRedis, type RedisLocation, RedisUnavailableError } from './store/redis-location.js';
import { createLogger } from './telemetry/logger.js';
import { startTracing } from './telemetry/tracing.js';

const SHUTDOWN_LIMIT_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`wschat: ${error.message}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  const nodeId = randomUUID();
  // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing at all otherwise.
  const tracing = startTracing({ serviceName: 'wschat', nodeId });

  let location: RedisLocation;
  try {
    location = await locateRedis({ clusterNodes: config.redisClusterNodes, url: config.redisUrl }, config.redisDataDir);
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    log.fatal(error.message);
    console.error(`wschat: ${error.message}`);
    process.exit(1);
  }
  if (location.source.startsWith('embedded')) {
    const adopted = location.source === 'embedded (adopted)';
    log.info(
      { redis: location.target.url, dataDir: config.redisDataDir },
      adopted ? 'using the private redis-server an earlier node left running' : 'started a private redis-server',
    );
  }
  log.info({ redis: location.source }, 'redis located');

  let node: ChatNode;
  try {
    node = await startChatNode(config, location.target, log, nodeId);
  } catch (error) {
    await location.stop();
    if (!(error instanceof StartupError)) throw error;
    log.fatal(error.message);
    console.error(`wschat: ${error.message}`);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'signal received');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await node.stop();
    await location.stop();
    await tracing.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('wschat: failed to start:', error);
  process.exit(1);
});
