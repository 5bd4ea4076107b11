/**
 * The retry phase against a real SQLite file: a command id its actor had applied is recognised
 * from memory or from storage (after a restart), and nothing else is taken for a retry.
 */
import { describe, expect, it } from 'vitest';
import { randomId } from '@pajataulu/shared';
import type { BoardLock } from '../../storage/storage.js';
import {
  commandJob,
  commitJobs,
  envelope,
  facilitator,
  joinJob,
  participantRecord,
  participantSession,
  sqliteStorage,
  useStoredBoard,
} from '../../test/pipeline-fixture.js';
import { findRetries, RecentCommands } from './dedupe.js';
import { commandKey } from './jobs.js';
import { lockFor } from './lock.js';

const fx = useStoredBoard();

/** The board's lock, recording which keys were looked up in storage. */
async function recordingLock(lookedUp: string[]): Promise<BoardLock> {
  const lock = await lockFor(fx.storage, fx.board.boardId);
  return {
    ...lock,
    seq: lock.seq,
    appliedCommands: (keys) => {
      lookedUp.push(...keys.map((k) => k.commandId));
      return lock.appliedCommands(keys);
    },
  };
}

describe('RecentCommands', () => {
  it('forgets the oldest key first when full', () => {
    const recent = new RecentCommands(2);
    recent.remember('a');
    recent.remember('b');
    recent.remember('c');
    expect([recent.has('a'), recent.has('b'), recent.has('c')]).toEqual([false, true, true]);
  });
});

describe('findRetries', () => {
  it('finds a committed command in storage once memory has forgotten it (a restart)', async () => {
    const p = participantRecord(fx.board.boardId);
    const session = participantSession(fx.board.boardId, p.id);
    const add = envelope({ type: 'note.add', id: randomId(20), x: 0, y: 0, text: 'kerran' });
    await commitJobs(fx.storage, fx.board, [joinJob(p).job, commandJob(session, add).job]);

    const again = commandJob(session, add).job;
    const other = commandJob(facilitator(fx.board.boardId), add).job;
    const fresh = commandJob(session, envelope(add.command)).job;
    const join = joinJob(participantRecord(fx.board.boardId)).job;
    const lookedUp: string[] = [];
    const found = await findRetries(
      await recordingLock(lookedUp),
      [again, other, fresh, join],
      new RecentCommands(),
    );
    // Same actor and id: a retry. Another actor with that id, a new id, a join: not.
    expect(found).toEqual([true, false, false, false]);
    expect(lookedUp).toHaveLength(3);
  });

  it('answers from memory without asking storage', async () => {
    const session = facilitator(fx.board.boardId);
    const env = envelope({ type: 'board.update', title: 'Uusi' });
    const recent = new RecentCommands();
    recent.remember(commandKey(session, env.id));
    const lookedUp: string[] = [];
    const found = await findRetries(
      await recordingLock(lookedUp),
      [commandJob(session, env).job],
      recent,
    );
    expect(found).toEqual([true]);
    expect(lookedUp).toEqual([]);
  });

  it('rejects when storage cannot be read', async () => {
    const lock = await lockFor(fx.storage, fx.board.boardId);
    await fx.storage.close();
    const job = commandJob(facilitator(fx.board.boardId), envelope({ type: 'timer.start' })).job;
    await expect(findRetries(lock, [job], new RecentCommands())).rejects.toThrow();
    fx.storage = await sqliteStorage(fx.file);
  });
});
