/**
 * One conformance suite for every storage (see `test/storage-kinds.ts` for which run): the same
 * assertions on the embedded SQLite file and on PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  KINDS,
  batch,
  board,
  commit,
  docWith,
  isCommandApplied,
  participant,
  replay,
} from '../test/storage-kinds.js';
import { openSqliteStorage } from './sqlite.js';
import { JoinCodeTakenError } from './storage.js';

describe.each(KINDS)('$name storage', (kind) => {
  it('creates boards and finds them by id and code; a taken code is a typed error', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith('alku'));
    expect(await a.getBoard(b.id)).toEqual(b);
    expect(await a.getBoardByCode(b.code)).toEqual(b);
    await expect(a.createBoard(board({ code: b.code }), docWith('x'))).rejects.toBeInstanceOf(
      JoinCodeTakenError,
    );
    expect(await a.getBoard('nope')).toBeUndefined();
    await a.close();
  });

  it('keeps the document as snapshot plus log, and compaction folds the log', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith('alku'));
    const ids: (number | undefined)[] = [];
    for (const t of ['yksi', 'kaksi', 'kolme']) ids.push(await commit(a, batch(b.id, docWith(t))));
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(await commit(a, batch(b.id, null))).toBeUndefined();
    const before = await a.loadDoc(b.id);
    expect(before.updates).toHaveLength(3);
    const doc = replay(before);
    await a.compact(b.id, Y.encodeStateAsUpdate(doc), before.lastUpdateId);
    const after = await a.loadDoc(b.id);
    expect(after.updates).toHaveLength(0);
    expect(replay(after).getMap('notes').toJSON()).toEqual(doc.getMap('notes').toJSON());
    // Entries after the compaction point stay in the log.
    await commit(a, batch(b.id, docWith('neljä')));
    expect((await a.loadDoc(b.id)).updates).toHaveLength(1);
    await a.close();
  });

  it('remembers applied command ids per actor', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    await commit(
      a,
      batch(b.id, docWith('x'), {
        commands: [{ actor: 'participant:p1', commandId: 'cmd-00001' }],
      }),
    );
    expect(await isCommandApplied(a, b.id, 'participant:p1', 'cmd-00001')).toBe(true);
    expect(await isCommandApplied(a, b.id, 'participant:p2', 'cmd-00001')).toBe(false);
    await a.close();
  });

  it('stores participants and every kind of private effect', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const p = participant(b.id, { groupId: 'g3' });
    await commit(
      a,
      batch(b.id, null, {
        joined: [p],
        effects: [
          { kind: 'noteMeta', noteId: 'n1', participantId: 'p1', group: 'g3' },
          { kind: 'noteMeta', noteId: 'n2', participantId: null, group: null },
          {
            kind: 'offstagePut',
            note: {
              id: 'n3',
              promptId: null,
              text: 'salainen',
              x: 1,
              y: 2,
              color: 'yellow',
              createdAt: 3,
              state: 'private',
              participantId: 'p1',
              group: 'g3',
            },
          },
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 },
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 },
          { kind: 'reaction', noteId: 'n1', reaction: 'heart', actor: 'p1', on: true },
          { kind: 'station', participantId: 'p1', promptId: 's1' },
          { kind: 'title', title: 'Uusi' },
        ],
        facilitatorKeyHash: 'k'.repeat(64),
      }),
    );
    const priv = await a.loadPrivate(b.id);
    expect(priv.participants).toEqual([{ ...p, stationId: 's1' }]);
    expect(priv.notes.sort((x, y) => x.noteId.localeCompare(y.noteId))).toEqual([
      { noteId: 'n1', participantId: 'p1', groupId: 'g3' },
      { noteId: 'n2', participantId: null, groupId: null },
    ]);
    expect(priv.offstage.map((n) => n.text)).toEqual(['salainen']);
    expect(priv.votes).toEqual([{ roundId: 'r1', participantId: 'p1', noteId: 'n1', dots: 2 }]);
    expect(priv.reactions).toEqual([{ noteId: 'n1', reaction: 'heart', actor: 'p1' }]);
    expect(await a.getParticipantByToken(b.id, 't'.repeat(64))).toMatchObject({
      id: 'p1',
      groupId: 'g3',
    });
    expect(await a.getBoard(b.id)).toMatchObject({
      title: 'Uusi',
      facilitatorKeyHash: 'k'.repeat(64),
    });

    await commit(
      a,
      batch(b.id, null, {
        effects: [
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: -1 },
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: -1 },
          { kind: 'reaction', noteId: 'n1', reaction: 'heart', actor: 'p1', on: false },
          { kind: 'offstageDelete', noteId: 'n3' },
          { kind: 'noteForget', noteId: 'n2' },
          { kind: 'revoke', participantId: 'p1' },
        ],
      }),
    );
    const after = await a.loadPrivate(b.id);
    expect(after.votes).toEqual([]);
    expect(after.reactions).toEqual([]);
    expect(after.offstage).toEqual([]);
    expect(after.notes.map((n) => n.noteId)).toEqual(['n1']);
    expect(after.participants[0]?.revokedAt).toBe(2_000);
    await a.close();
  });

  it('two instances writing to one board concurrently lose nothing', async () => {
    const { a, b: second } = await kind.open();
    const other = await second();
    const b = board();
    await a.createBoard(b, docWith(''));
    const texts = Array.from({ length: 40 }, (_, i) => `n${i}`);
    await Promise.all(texts.map((t, i) => commit(i % 2 ? a : other, batch(b.id, docWith(t)))));
    const doc = replay(await other.loadDoc(b.id));
    expect(Object.values(doc.getMap('notes').toJSON()).sort()).toEqual(['', ...texts].sort());
    await a.close();
    await other.close();
  });

  it('erasing a board leaves nothing of it', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith('poistettava teksti'));
    await commit(
      a,
      batch(b.id, docWith('toinen teksti'), {
        effects: [{ kind: 'noteMeta', noteId: 'n1', participantId: null, group: null }],
      }),
    );
    await a.deleteBoard(b.id);
    expect(await a.getBoard(b.id)).toBeUndefined();
    const stored = await a.loadDoc(b.id);
    expect(stored.snapshot).toBeNull();
    expect(stored.updates).toEqual([]);
    expect((await a.loadPrivate(b.id)).notes).toEqual([]);
    await a.close();
  });
});

describe('sqlite erasure on disk', () => {
  it('leaves no text of an erased board in the database file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pj-erase-'));
    const file = path.join(dir, 'db.sqlite');
    const s = await openSqliteStorage(file);
    const b = board();
    const secret = 'Salainen palaute johdolle 12345';
    await s.createBoard(b, docWith(secret));
    await commit(s, batch(b.id, docWith(secret)));
    await s.deleteBoard(b.id);
    await s.close();
    for (const f of fs.readdirSync(dir)) {
      expect(fs.readFileSync(path.join(dir, f)).includes(Buffer.from(secret)), f).toBe(false);
    }
  });
});

/** The board lock that serialises batches: across processes (PostgreSQL) or in one (SQLite). */
describe.each(KINDS)('$name board lock', (kind) => {
  it('one instance’s batch waits for another’s, then catches up with what it committed', async () => {
    const { a, b: second } = await kind.open();
    const other = await second();
    const b = board();
    await a.createBoard(b, docWith('alku'));
    const first = await a.lockBoard(b.id);
    expect(first.seq).toBe(0);
    let secondHasLock = false;
    const waiting = other.lockBoard(b.id).then((l) => {
      secondHasLock = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(secondHasLock).toBe(false);
    const done = await first.commit(
      batch(b.id, docWith('ensin'), { commands: [{ actor: 'p:1', commandId: 'c1' }] }),
    );
    expect(done.seq).toBe(1);
    const next = await waiting;
    expect(next.seq).toBe(1);
    const caught = await next.catchUp(0, 0);
    expect(caught.updates.map((u) => u.id)).toEqual([done.updateId]);
    const key = (actor: string, commandId: string) => `${actor}\u0000${commandId}`;
    expect(
      await next.appliedCommands([
        { actor: 'p:1', commandId: 'c1' },
        { actor: 'p:1', commandId: 'c2' },
      ]),
    ).toEqual(new Set([key('p:1', 'c1')]));
    await next.release();
    expect((await a.boardSeqs([b.id, 'missing'])).get(b.id)).toBe(1);
    await a.close();
    await other.close();
  });

  it('a compaction never replaces a snapshot that folds more of the log', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const ids: number[] = [];
    for (const t of ['x', 'y']) ids.push((await commit(a, batch(b.id, docWith(t))))!);
    const newer = replay(await a.loadDoc(b.id));
    await a.compact(b.id, Y.encodeStateAsUpdate(newer), ids[1]!);
    // An instance that saw only the first entry compacts late: it must not win.
    await a.compact(b.id, docWith('vanha'), ids[0]!);
    const doc = replay(await a.loadDoc(b.id));
    expect(Object.values(doc.getMap('notes').toJSON()).sort()).toEqual(['', 'x', 'y']);
    await a.close();
  });

  it('a batch for an erased board finds no board to lock', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    await a.deleteBoard(b.id);
    const lock = await a.lockBoard(b.id);
    expect(lock.seq).toBeUndefined();
    await lock.release();
    await a.close();
  });
});
