/**
 * The board's lock for one batch: across instances on shared storage, trivially on SQLite, where
 * one process is the only writer.
 */
import type { BoardLock, Storage } from '../../storage/storage.js';

/** Locks `boardId` for one batch; `seq` is the sequence a single writer is at. */
export function lockFor(storage: Storage, boardId: string, seq: number): Promise<BoardLock> {
  if (storage.lockBoard) return storage.lockBoard(boardId);
  return Promise.resolve({
    seq,
    catchUp: () => Promise.reject(new Error('one writer: nothing to catch up with')),
    async appliedCommands(keys) {
      const found = new Set<string>();
      for (const k of keys)
        if (await storage.isCommandApplied(boardId, k.actor, k.commandId))
          found.add(`${k.actor}\u0000${k.commandId}`);
      return found;
    },
    async commit(batch) {
      return { updateId: await storage.commit(batch), seq: seq + 1 };
    },
    release: () => Promise.resolve(),
  });
}
