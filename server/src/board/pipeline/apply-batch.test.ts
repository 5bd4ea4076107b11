/**
 * The check/apply phase on a board loaded from a real SQLite file: what it writes into the
 * storage batch, what each job comes to, and that a refused job changes nothing.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ErrorCode,
  getNote,
  listNotes,
  metaMap,
  randomId,
  type CommandEnvelope,
} from '@pajataulu/shared';
import {
  applyContext,
  commandJob,
  envelope,
  facilitator,
  joinCommitted,
  joinJob,
  loadBoard,
  participantRecord,
  participantSession,
  useStoredBoard,
} from '../../test/pipeline-fixture.js';
import { applyBatch } from './apply-batch.js';
import { RecentCommands } from './dedupe.js';
import { commandKey, type WriteJob } from './jobs.js';

const fx = useStoredBoard();

/** A participant, joined and committed; returns their id. */
async function joined(): Promise<string> {
  return (await joinCommitted(fx.storage, fx.board)).participantId!;
}

function noteAdd(text: string, id = randomId(20)): CommandEnvelope {
  return envelope({ type: 'note.add', id, x: 10, y: 10, text });
}

describe('applyBatch', () => {
  it('applies a command to the document and the private state and lists it for the commit', async () => {
    const pid = await joined();
    const session = participantSession(fx.board.boardId, pid);
    const noteId = randomId(20);
    const env = noteAdd('eka', noteId);
    const recent = new RecentCommands();
    const applied = applyBatch(
      applyContext(fx.board, { recent }),
      [commandJob(session, env).job],
      [false],
      1_000,
    );
    expect(applied.outcomes).toEqual([{ kind: 'applied' }]);
    expect(applied.commit.commands).toEqual([{ actor: `participant:${pid}`, commandId: env.id }]);
    expect(applied.commit.effects).toContainEqual(
      expect.objectContaining({ kind: 'noteMeta', noteId, participantId: pid }),
    );
    expect(applied.commit.at).toBe(1_000);
    expect(getNote(fx.board.doc, noteId)?.text).toBe('eka');
    expect(fx.board.state.author(noteId)).toBe(pid);
    expect(recent.has(commandKey(session, env.id))).toBe(true);

    // The batch's update carries the whole change: a replica that applies only it agrees.
    const fromStorage = await loadBoard(fx.storage, fx.board.boardId);
    Y.applyUpdate(fromStorage.doc, applied.commit.update!);
    expect(listNotes(fromStorage.doc)).toEqual(listNotes(fx.board.doc));
    expect(metaMap(fromStorage.doc).get('rev')).toBe(1);
  });

  it('answers a retry as a duplicate and writes nothing for it', async () => {
    const pid = await joined();
    const env = noteAdd('toisto');
    const applied = applyBatch(
      applyContext(fx.board),
      [commandJob(participantSession(fx.board.boardId, pid), env).job],
      [true],
      Date.now(),
    );
    expect(applied.outcomes).toEqual([{ kind: 'duplicate' }]);
    expect(applied.commit.update).toBeNull();
    expect(applied.commit.commands).toEqual([]);
    expect(listNotes(fx.board.doc)).toEqual([]);
  });

  it('applies the same command id of one actor once within a batch', async () => {
    const pid = await joined();
    const session = participantSession(fx.board.boardId, pid);
    const env = noteAdd('kahdesti');
    const jobs = [commandJob(session, env).job, commandJob(session, env).job];
    const applied = applyBatch(applyContext(fx.board), jobs, [false, false], Date.now());
    expect(applied.outcomes.map((o) => o.kind)).toEqual(['applied', 'duplicate']);
    expect(applied.commit.commands).toHaveLength(1);
  });

  it('refuses a removed participant, an unknown group and a poisoned command, changing nothing', async () => {
    const pid = await joined();
    const removedSession = participantSession(fx.board.boardId, 'nobody-here');
    const poisonedEnv = noteAdd('myrkky');
    const poisonedSession = participantSession(fx.board.boardId, pid);
    const jobs: WriteJob[] = [
      commandJob(removedSession, noteAdd('poistettu')).job,
      joinJob(participantRecord(fx.board.boardId, undefined, 'no-such-group')).job,
      commandJob(poisonedSession, poisonedEnv).job,
    ];
    const before = Y.encodeStateVector(fx.board.doc);
    const applied = applyBatch(
      applyContext(fx.board, { poisoned: new Set([commandKey(poisonedSession, poisonedEnv.id)]) }),
      jobs,
      [false, false, false],
      Date.now(),
    );
    expect(applied.outcomes).toEqual([
      { kind: 'refused', error: expect.objectContaining({ code: ErrorCode.Unauthorized }) },
      { kind: 'refused', error: expect.objectContaining({ code: ErrorCode.InvalidMessage }) },
      { kind: 'refused', error: expect.objectContaining({ code: ErrorCode.Internal }) },
    ]);
    expect(applied.commit).toMatchObject({ update: null, commands: [], effects: [], joined: [] });
    expect(Y.encodeStateVector(fx.board.doc)).toEqual(before);
  });

  it('passes a refusal of the command itself on, with nothing in the commit', () => {
    const env = envelope({ type: 'note.move', id: randomId(20), x: 0, y: 0 });
    const applied = applyBatch(
      applyContext(fx.board),
      [commandJob(facilitator(fx.board.boardId), env).job],
      [false],
      Date.now(),
    );
    expect(applied.outcomes[0]?.kind).toBe('refused');
    expect(applied.commit.update).toBeNull();
    expect(applied.commit.commands).toEqual([]);
  });

  it('names the command it is applying, so a throw can be pinned on it', async () => {
    const pid = await joined();
    const session = participantSession(fx.board.boardId, pid);
    const env = noteAdd('vika');
    const applying: string[] = [];
    const ctx = {
      ...applyContext(fx.board, { applying }),
      beforeApply: () => {
        throw new Error('a bug in a handler');
      },
    };
    expect(() => applyBatch(ctx, [commandJob(session, env).job], [false], Date.now())).toThrow(
      'a bug in a handler',
    );
    expect(applying).toEqual([commandKey(session, env.id)]);
  });

  it('keeps a joined participant with the station it was given', async () => {
    const p = participantRecord(fx.board.boardId);
    const applied = applyBatch(applyContext(fx.board), [joinJob(p).job], [false], Date.now());
    expect(applied.outcomes).toEqual([{ kind: 'applied' }]);
    expect(applied.commit.joined).toEqual([p]);
    expect(fx.board.state.participant(p.id)).toMatchObject({ id: p.id, revoked: false });
  });
});
