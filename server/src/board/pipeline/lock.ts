/** The board's lock for one batch: across instances on PostgreSQL, in-process on SQLite. */
import type { BoardLock, Storage } from '../../storage/storage.js';

/** Locks `boardId` for one batch. */
export function lockFor(storage: Storage, boardId: string): Promise<BoardLock> {
  return storage.lockBoard(boardId);
}
