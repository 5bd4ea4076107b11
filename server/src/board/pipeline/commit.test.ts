/**
 * The commit phase against a real SQLite file: a batch with changes is durable with its command
 * ids, one without writes nothing, and a failed write rejects.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listNotes, randomId } from '@pajataulu/shared';
import { setLogLevel } from '../../log.js';
import type { Storage } from '../../storage/storage.js';
import {
  applyContext,
  commandJob,
  createStoredBoard,
  envelope,
  facilitator,
  loadBoard,
  sqliteFile,
  sqliteStorage,
  type LoadedBoard,
} from '../../test/pipeline-fixture.js';
import { applyBatch } from './apply-batch.js';
import { commitBatch, hasChanges } from './commit.js';
import { lockFor } from './lock.js';

setLogLevel('silent');

let file: string;
let storage: Storage;
let board: LoadedBoard;
beforeEach(async () => {
  file = sqliteFile();
  storage = sqliteStorage(file);
  board = await loadBoard(storage, await createStoredBoard(storage));
});
afterEach(async () => {
  board.doc.destroy();
  await storage.close();
});

describe('commitBatch', () => {
  it('makes the batch durable: the document, and the command id for retries', async () => {
    const f = facilitator(board.boardId);
    const env = envelope({ type: 'note.add', id: randomId(20), x: 5, y: 5, text: 'tallessa' });
    const { commit } = applyBatch(applyContext(board), [commandJob(f, env).job], [false], 1);
    const info = await commitBatch(await lockFor(storage, board.boardId, board.seq), commit);
    expect(info).toMatchObject({ remote: false, seq: board.seq + 1 });
    expect(info?.updateId).toBeGreaterThan(board.lastUpdateId);
    const reloaded = await loadBoard(storage, board.boardId);
    expect(listNotes(reloaded.doc).map((n) => n.text)).toEqual(['tallessa']);
    expect(reloaded.lastUpdateId).toBe(info?.updateId);
    expect(await storage.isCommandApplied(board.boardId, 'facilitator', env.id)).toBe(true);
  });

  it('writes nothing for a batch that changed nothing', async () => {
    const missing = envelope({ type: 'note.delete', id: randomId(20) });
    const { commit } = applyBatch(
      applyContext(board),
      [commandJob(facilitator(board.boardId), missing).job],
      [false],
      1,
    );
    expect(hasChanges(commit)).toBe(false);
    expect(await commitBatch(await lockFor(storage, board.boardId, board.seq), commit)).toBe(
      undefined,
    );
    const reloaded = await loadBoard(storage, board.boardId);
    expect(reloaded.lastUpdateId).toBe(board.lastUpdateId);
    expect(await storage.isCommandApplied(board.boardId, 'facilitator', missing.id)).toBe(false);
  });

  it('rejects when the write fails, and nothing of the batch is stored', async () => {
    const f = facilitator(board.boardId);
    const env = envelope({ type: 'note.add', id: randomId(20), x: 5, y: 5, text: 'ei tallessa' });
    const { commit } = applyBatch(applyContext(board), [commandJob(f, env).job], [false], 1);
    const lock = await lockFor(storage, board.boardId, board.seq);
    await storage.close();
    await expect(commitBatch(lock, commit)).rejects.toThrow();
    storage = sqliteStorage(file);
    const reloaded = await loadBoard(storage, board.boardId);
    expect(listNotes(reloaded.doc)).toEqual([]);
    expect(await storage.isCommandApplied(board.boardId, 'facilitator', env.id)).toBe(false);
  });
});
