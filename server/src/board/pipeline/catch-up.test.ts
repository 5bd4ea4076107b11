/**
 * The catch-up phase: which announced batches apply and when one is missing; the private state
 * rebuilt from what a real SQLite file holds; and, on PostgreSQL (DATABASE_URL), an instance that
 * is behind reading exactly what another committed, inside the board's lock.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listNotes, randomId } from '@pajataulu/shared';
import { openPostgresStorage } from '../../storage/postgres.js';
import type { Storage } from '../../storage/storage.js';
import {
  commandJob,
  commitJobs,
  createStoredBoard,
  envelope,
  facilitator,
  joinJob,
  loadBoard,
  participantRecord,
  participantSession,
  sqliteStorage,
  type LoadedBoard,
} from '../../test/pipeline-fixture.js';
import { buildPrivateState, catchUp, orderAnnounced } from './catch-up.js';
import type { RemoteJob } from './jobs.js';
import { lockFor } from './lock.js';

const DATABASE_URL = process.env['DATABASE_URL'];

const announced = (...seqs: number[]): RemoteJob[] =>
  seqs.map((seq) => ({ kind: 'remote', seq, updateId: undefined, update: null }));

/** A participant who wrote a note, voted for it and reacted to it, committed in one batch. */
async function busyBatch(
  storage: Storage,
  board: LoadedBoard,
): Promise<{ pid: string; noteId: string; roundId: string }> {
  const p = participantRecord(board.boardId);
  const me = participantSession(board.boardId, p.id);
  const f = facilitator(board.boardId);
  const noteId = randomId(20);
  const roundId = randomId(20);
  const jobs = [
    joinJob(p).job,
    commandJob(me, envelope({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'oma' })).job,
    commandJob(f, envelope({ type: 'vote.start', roundId, dots: 3, maxPerNote: 2 })).job,
    commandJob(me, envelope({ type: 'vote.cast', roundId, noteId })).job,
    commandJob(me, envelope({ type: 'reaction.toggle', noteId, reaction: 'idea' })).job,
  ];
  const applied = await commitJobs(storage, board, jobs);
  expect(applied.outcomes.map((o) => o.kind)).toEqual(jobs.map(() => 'applied'));
  return { pid: p.id, noteId, roundId };
}

describe('orderAnnounced', () => {
  it.each([
    { seq: 3, announced: [4, 5], apply: [4, 5], gap: false },
    { seq: 3, announced: [5, 4], apply: [4, 5], gap: false },
    { seq: 3, announced: [2, 3, 4], apply: [4], gap: false },
    { seq: 3, announced: [5], apply: [], gap: true },
    { seq: 3, announced: [4, 6], apply: [4], gap: true },
    { seq: 3, announced: [], apply: [], gap: false },
  ])('at $seq, announced $announced: applies $apply, gap $gap', (c) => {
    const r = orderAnnounced(announced(...c.announced), c.seq);
    expect(r.apply.map((j) => j.seq)).toEqual(c.apply);
    expect(r.gap).toBe(c.gap);
  });
});

describe('catch-up on SQLite', () => {
  it('rebuilds the private state exactly as the batches left it', async () => {
    const storage = await sqliteStorage();
    const board = await loadBoard(storage, await createStoredBoard(storage));
    const { pid, noteId, roundId } = await busyBatch(storage, board);
    const rebuilt = buildPrivateState(await storage.loadPrivate(board.boardId));
    for (const s of [board.state, rebuilt]) {
      expect(s.participant(pid)).toMatchObject({ id: pid, revoked: false });
      expect(s.author(noteId)).toBe(pid);
      expect(s.hasReacted(noteId, 'idea', pid)).toBe(true);
      expect([...s.votesOf(roundId, pid)]).toEqual([[noteId, 1]]);
    }
    board.doc.destroy();
    await storage.close();
  });

  it('reads nothing when the board is current (one writer is never behind)', async () => {
    const storage = await sqliteStorage();
    const board = await loadBoard(storage, await createStoredBoard(storage));
    const lock = await lockFor(storage, board.boardId);
    await expect(
      catchUp(
        lock,
        { seq: board.seq, privateSeq: board.seq, lastUpdateId: board.lastUpdateId },
        board.state,
      ),
    ).resolves.toBeUndefined();
    await lock.release();
    board.doc.destroy();
    await storage.close();
  });
});

describe.skipIf(!DATABASE_URL)('catch-up on PostgreSQL', () => {
  const schema = `pj_catchup_${randomId(10)}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await client.end();
  });

  it('brings an instance that is behind to what another committed', async () => {
    const a = await openPostgresStorage(DATABASE_URL!, { schema });
    const b = await openPostgresStorage(DATABASE_URL!, { schema });
    try {
      const boardId = await createStoredBoard(a);
      const behind = await loadBoard(b, boardId);
      const ahead = await loadBoard(a, boardId);
      const { pid } = await busyBatch(a, ahead);

      const lock = await lockFor(b, boardId);
      const at = { seq: behind.seq, privateSeq: behind.seq, lastUpdateId: behind.lastUpdateId };
      const caught = await catchUp(lock, at, behind.state);
      await lock.release();
      expect(caught?.position.seq).toBe(behind.seq + 1);
      for (const u of caught!.updates) Y.applyUpdate(behind.doc, u);
      expect(listNotes(behind.doc)).toEqual(listNotes(ahead.doc));
      expect(caught!.state.notesBy(pid)).toEqual(ahead.state.notesBy(pid));

      // Current now: nothing more is read.
      const again = await lockFor(b, boardId);
      expect(await catchUp(again, caught!.position, caught!.state)).toBeUndefined();
      await again.release();
      behind.doc.destroy();
      ahead.doc.destroy();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads only the private state when the document is current but the private state is not', async () => {
    const a = await openPostgresStorage(DATABASE_URL!, { schema });
    try {
      const boardId = await createStoredBoard(a);
      const board = await loadBoard(a, boardId);
      const { pid } = await busyBatch(a, board);
      const now = await loadBoard(a, boardId);
      const lock = await lockFor(a, boardId);
      const caught = await catchUp(
        lock,
        {
          seq: now.seq,
          privateSeq: now.seq - 1,
          lastUpdateId: now.lastUpdateId,
        },
        board.state,
      );
      await lock.release();
      expect(caught?.updates).toEqual([]);
      expect(caught?.state.participant(pid)).toBeDefined();
      board.doc.destroy();
      now.doc.destroy();
    } finally {
      await a.close();
    }
  });
});
