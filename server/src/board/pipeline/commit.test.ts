/**
 * The commit phase against a real SQLite file: a batch with changes is durable with its command
 * ids, one without writes nothing, and a failed write rejects.
 */
import { describe, expect, it } from 'vitest';
import { listNotes, randomId } from '@pajataulu/shared';
import {
  applyContext,
  commandJob,
  envelope,
  facilitator,
  loadBoard,
  sqliteStorage,
  useStoredBoard,
} from '../../test/pipeline-fixture.js';
import { applyBatch } from './apply-batch.js';
import { commitBatch, hasChanges } from './commit.js';
import { lockFor } from './lock.js';
import { isCommandApplied } from '../../test/storage-kinds.js';

const fx = useStoredBoard();

describe('commitBatch', () => {
  it('makes the batch durable: the document, and the command id for retries', async () => {
    const f = facilitator(fx.board.boardId);
    const env = envelope({ type: 'note.add', id: randomId(20), x: 5, y: 5, text: 'tallessa' });
    const { commit } = applyBatch(applyContext(fx.board), [commandJob(f, env).job], [false], 1);
    const info = await commitBatch(await lockFor(fx.storage, fx.board.boardId), commit);
    expect(info).toMatchObject({ remote: false, seq: fx.board.seq + 1 });
    expect(info?.updateId).toBeGreaterThan(fx.board.lastUpdateId);
    const reloaded = await loadBoard(fx.storage, fx.board.boardId);
    expect(listNotes(reloaded.doc).map((n) => n.text)).toEqual(['tallessa']);
    expect(reloaded.lastUpdateId).toBe(info?.updateId);
    expect(await isCommandApplied(fx.storage, fx.board.boardId, 'facilitator', env.id)).toBe(true);
  });

  it('writes nothing for a batch that changed nothing', async () => {
    const missing = envelope({ type: 'note.delete', id: randomId(20) });
    const { commit } = applyBatch(
      applyContext(fx.board),
      [commandJob(facilitator(fx.board.boardId), missing).job],
      [false],
      1,
    );
    expect(hasChanges(commit)).toBe(false);
    expect(await commitBatch(await lockFor(fx.storage, fx.board.boardId), commit)).toBe(undefined);
    const reloaded = await loadBoard(fx.storage, fx.board.boardId);
    expect(reloaded.lastUpdateId).toBe(fx.board.lastUpdateId);
    expect(await isCommandApplied(fx.storage, fx.board.boardId, 'facilitator', missing.id)).toBe(
      false,
    );
  });

  it('rejects when the write fails, and nothing of the batch is stored', async () => {
    const f = facilitator(fx.board.boardId);
    const env = envelope({ type: 'note.add', id: randomId(20), x: 5, y: 5, text: 'ei tallessa' });
    const { commit } = applyBatch(applyContext(fx.board), [commandJob(f, env).job], [false], 1);
    const lock = await lockFor(fx.storage, fx.board.boardId);
    await fx.storage.close();
    await expect(commitBatch(lock, commit)).rejects.toThrow();
    fx.storage = await sqliteStorage(fx.file);
    const reloaded = await loadBoard(fx.storage, fx.board.boardId);
    expect(listNotes(reloaded.doc)).toEqual([]);
    expect(await isCommandApplied(fx.storage, fx.board.boardId, 'facilitator', env.id)).toBe(false);
  });
});
