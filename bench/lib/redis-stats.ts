/** Redis's own view of a workload: INFO commandstats, stats and cpu, read before and after. */
import type { Redis } from 'ioredis';

/** A number field `name:<value>` of an INFO section. */
const infoField = (info: string, name: string): number =>
  Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);

/** Redis's own counters: calls per command, its CPU time (µs, user + system), network bytes in and out. */
export async function redisCounters(redis: Redis) {
  const [commandstats, stats, cpu] = await Promise.all([
    redis.info('commandstats'),
    redis.info('stats'),
    redis.info('cpu'),
  ]);
  const calls: Record<string, number> = {};
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return {
    calls,
    cpuMicros: (infoField(cpu, 'used_cpu_user') + infoField(cpu, 'used_cpu_sys')) * 1e6,
    inBytes: infoField(stats, 'total_net_input_bytes'),
    outBytes: infoField(stats, 'total_net_output_bytes'),
  };
}

export type Counters = Awaited<ReturnType<typeof redisCounters>>;

/**
 * Per unit of work (a message, a page) between two readings: all commands
 * (those run inside scripts included; INFO's own left out), each command,
 * Redis's CPU, bytes in and out.
 */
export function perMessage(before: Counters, after: Counters, units: number) {
  const byCommand: Record<string, number> = {};
  let all = 0;
  for (const [name, calls] of Object.entries(after.calls)) {
    const delta = calls - (before.calls[name] ?? 0);
    if (delta <= 0 || name === 'info') continue;
    byCommand[name] = delta / units;
    all += delta;
  }
  return {
    commandsPerMessage: all / units,
    redisCpuMicrosPerMessage: (after.cpuMicros - before.cpuMicros) / units,
    byCommand,
    inBytesPerMessage: (after.inBytes - before.inBytes) / units,
    outBytesPerMessage: (after.outBytes - before.outBytes) / units,
  };
}
