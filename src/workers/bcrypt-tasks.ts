/**
 * bcrypt, executed in the Piscina threads of pool.ts's bcrypt pool: each
 * export is a task, called by name. Nothing else is loaded here, so these
 * threads hold no Redis connection.
 */
import { workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/bcrypt';
import { setThreadNice } from './thread-priority.js';

/** What a bcrypt thread is started with (Piscina's workerData). */
export interface BcryptSettings {
  bcryptCost: number;
  nice: number;
}

const settings = workerData as BcryptSettings;
setThreadNice(settings.nice);

export function hashPassword({ password }: { password: string }): string {
  return hashSync(password, settings.bcryptCost);
}

export function verifyPassword({ password, hash }: { password: string; hash: string }): boolean {
  return verifySync(password, hash);
}
