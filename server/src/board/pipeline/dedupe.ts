/**
 * Phase 2 of the batch pipeline: recognising retries. A command id its actor had applied before
 * (remembered in memory, or found in storage inside the board's lock) is acknowledged again, not
 * applied again.
 */
import type { BoardLock } from '../../storage/storage.js';
import { actorKey } from '../session.js';
import { commandKey, type WriteJob } from './jobs.js';

/** Recently applied command keys remembered in memory (older ones are looked up in storage). */
export const RECENT_COMMAND_MEMORY = 20_000;

/** The keys of commands applied lately, oldest forgotten first. */
export class RecentCommands {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = RECENT_COMMAND_MEMORY) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  remember(key: string): void {
    if (this.keys.size >= this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    this.keys.add(key);
  }
}

/**
 * For each job, whether it is a command applied before. Commands not remembered in memory are
 * looked up in storage, all in one call; rejects when storage cannot be read.
 */
export async function findRetries(
  lock: BoardLock,
  jobs: readonly WriteJob[],
  recent: RecentCommands,
): Promise<boolean[]> {
  const unknown: { actor: string; commandId: string }[] = [];
  for (const job of jobs) {
    if (job.kind === 'command' && !recent.has(commandKey(job.session, job.envelope.id)))
      unknown.push({ actor: actorKey(job.session), commandId: job.envelope.id });
  }
  const applied = await lock.appliedCommands(unknown);
  return jobs.map((job) => {
    if (job.kind !== 'command') return false;
    const key = commandKey(job.session, job.envelope.id);
    return recent.has(key) || applied.has(key);
  });
}
