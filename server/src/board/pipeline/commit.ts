/**
 * Phase 4 of the batch pipeline: the storage write. A batch that changed anything is written in
 * one commit under the board's lock (document update, command ids, private effects, joins); one
 * that changed nothing only releases the lock.
 */
import type { BoardLock, CommitBatch } from '../../storage/storage.js';

/** Where a change to a live board came from, and where it stands in the board's commit order. */
export interface CommitInfo {
  /** True when another instance committed it (already announced; not to be published again). */
  remote: boolean;
  /** The board's commit sequence after it (shared storage only). */
  seq?: number;
  /** The log entry written, when the batch changed the document. */
  updateId?: number;
}

/** Whether a batch has anything to write. */
export function hasChanges(commit: CommitBatch): boolean {
  return (
    commit.update !== null ||
    commit.commands.length > 0 ||
    commit.joined.length > 0 ||
    commit.effects.length > 0
  );
}

/**
 * Writes the batch and releases the lock; undefined when there was nothing to write. Rejects when
 * the write failed: then nothing of the batch is durable.
 */
export async function commitBatch(
  lock: BoardLock,
  commit: CommitBatch,
): Promise<CommitInfo | undefined> {
  if (!hasChanges(commit)) {
    await lock.release().catch(() => undefined);
    return undefined;
  }
  const { updateId, seq } = await lock.commit(commit);
  const info: CommitInfo = { remote: false, seq };
  if (updateId !== undefined) info.updateId = updateId;
  return info;
}
