/**
 * One conformance suite for every storage: the embedded SQLite file and PostgreSQL (when
 * DATABASE_URL is set, as it is in CI). Each Postgres run gets a schema of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomId } from '@pajataulu/shared';
import { openPostgresStorage } from './postgres.js';
import { MAX_ROWS_PER_STATEMENT } from './dialect.js';
import { openSqliteStorage } from './sqlite.js';
import { EFFECT_LOG_RETENTION_MS } from './writes.js';
import { JoinCodeTakenError, type BoardRecord, type CommitBatch, type Storage } from './storage.js';
import { setLogLevel } from '../log.js';

setLogLevel('silent');

const DATABASE_URL = process.env['DATABASE_URL'];
const schemas: string[] = [];

interface Kind {
  name: string;
  /** Opens storage; a second call opens a second connection to the same data. */
  open: () => Promise<{ a: Storage; b: () => Promise<Storage> }>;
}

const KINDS: Kind[] = [
  {
    name: 'sqlite',
    open: async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pj-store-')), 'db.sqlite');
      return { a: await openSqliteStorage(file), b: () => openSqliteStorage(file) };
    },
  },
];
if (DATABASE_URL) {
  KINDS.push({
    name: 'postgres',
    open: async () => {
      const schema = `pj_test_${randomId(10)}`;
      schemas.push(schema);
      return {
        a: await openPostgresStorage(DATABASE_URL, { schema }),
        b: () => openPostgresStorage(DATABASE_URL, { schema }),
      };
    },
  });
} else {
  console.warn('DATABASE_URL is not set: the PostgreSQL storage is not tested in this run');
}

afterAll(async () => {
  if (!DATABASE_URL || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const s of schemas)
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await client.end();
});

function board(overrides: Partial<BoardRecord> = {}): BoardRecord {
  return {
    id: randomId(20),
    code: randomId(7).toUpperCase(),
    title: 'Työpaja',
    template: 'blank',
    createdAt: 1_000,
    facilitatorKeyHash: 'f'.repeat(64),
    projectorKeyHash: 'p'.repeat(64),
    projectorKey: 'q'.repeat(43),
    ...overrides,
  };
}

function docWith(text: string): Uint8Array {
  const d = new Y.Doc();
  d.getMap('notes').set(randomId(20), text);
  return Y.encodeStateAsUpdate(d);
}

function batch(
  boardId: string,
  update: Uint8Array | null,
  extra: Partial<CommitBatch> = {},
): CommitBatch {
  return { boardId, update, commands: [], effects: [], joined: [], at: 2_000, ...extra };
}

/** Commits one batch under the board's lock, the only way to commit; resolves to the log entry id. */
async function commit(s: Storage, b: CommitBatch): Promise<number | undefined> {
  const lock = await s.lockBoard(b.boardId);
  return (await lock.commit(b)).updateId;
}

/** Whether `actor` had `commandId` applied on the board, as a batch checks it under the lock. */
async function isCommandApplied(
  s: Storage,
  boardId: string,
  actor: string,
  commandId: string,
): Promise<boolean> {
  const lock = await s.lockBoard(boardId);
  try {
    return (await lock.appliedCommands([{ actor, commandId }])).size > 0;
  } finally {
    await lock.release();
  }
}

function replay(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): Y.Doc {
  const d = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(d, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(d, u);
  return d;
}

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
    const p = {
      id: 'p1',
      boardId: b.id,
      tokenHash: 't'.repeat(64),
      displayName: null,
      groupId: 'g3',
      stationId: null,
      createdAt: 5,
      revokedAt: null,
    };
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

describe.each(KINDS)('$name batched writes', (kind) => {
  it('a batch with many effects on the same rows ends where applying them one by one would', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const many = MAX_ROWS_PER_STATEMENT + 50;
    const joined = Array.from({ length: many }, (_, i) => ({
      id: `p${i}`,
      boardId: b.id,
      tokenHash: String(i).padStart(64, '0'),
      displayName: null,
      groupId: null,
      stationId: null,
      createdAt: i,
      revokedAt: null,
    }));
    const note = (id: string, text: string) => ({
      id,
      promptId: null,
      text,
      x: 0,
      y: 0,
      color: 'yellow',
      createdAt: 1,
      state: 'private' as const,
      participantId: 'p0',
      group: null,
    });
    const vote = (participantId: string, noteId: string, delta: 1 | -1) =>
      ({ kind: 'vote', roundId: 'r1', participantId, noteId, delta }) as const;
    const reaction = (on: boolean) =>
      ({ kind: 'reaction', noteId: 'n1', reaction: 'heart', actor: 'p1', on }) as const;
    await commit(
      a,
      batch(b.id, null, {
        joined,
        commands: joined.map((p) => ({ actor: `participant:${p.id}`, commandId: 'c1' })),
        effects: [
          { kind: 'noteMeta', noteId: 'n1', participantId: 'p0', group: null },
          { kind: 'noteMeta', noteId: 'n1', participantId: 'p1', group: 'g1' },
          ...joined.map((p) => vote(p.id, 'n1', 1)),
          vote('p0', 'n1', 1),
          vote('p0', 'n1', -1),
          vote('p1', 'n1', -1),
          vote('p1', 'n2', 1),
          reaction(true),
          reaction(true),
          reaction(false),
          reaction(true),
          { kind: 'offstagePut', note: note('n3', 'eka') },
          { kind: 'offstagePut', note: note('n3', 'toka') },
          { kind: 'offstagePut', note: note('n4', 'pois') },
          { kind: 'offstageDelete', noteId: 'n4' },
          { kind: 'station', participantId: 'p2', promptId: 's1' },
          { kind: 'station', participantId: 'p2', promptId: 's2' },
          { kind: 'revoke', participantId: 'p3' },
          { kind: 'revoke', participantId: 'p4' },
          { kind: 'title', title: 'Eka' },
          { kind: 'title', title: 'Toka' },
        ],
      }),
    );
    const priv = await a.loadPrivate(b.id);
    expect(priv.participants).toHaveLength(many);
    expect(priv.notes).toEqual([{ noteId: 'n1', participantId: 'p1', groupId: 'g1' }]);
    const dots = new Map(priv.votes.map((v) => [`${v.participantId}/${v.noteId}`, v.dots]));
    expect(dots.size).toBe(many);
    expect(dots.get('p0/n1')).toBe(1);
    expect(dots.has('p1/n1')).toBe(false);
    expect(dots.get('p1/n2')).toBe(1);
    expect(priv.reactions).toEqual([{ noteId: 'n1', reaction: 'heart', actor: 'p1' }]);
    expect(priv.offstage.map((n) => n.text)).toEqual(['toka']);
    const byId = new Map(priv.participants.map((p) => [p.id, p]));
    expect(byId.get('p2')?.stationId).toBe('s2');
    expect([byId.get('p3')?.revokedAt, byId.get('p4')?.revokedAt]).toEqual([2_000, 2_000]);
    expect((await a.getBoard(b.id))?.title).toBe('Toka');
    const lock = await a.lockBoard(b.id);
    const applied = await lock.appliedCommands(
      joined.map((p) => ({ actor: `participant:${p.id}`, commandId: 'c1' })),
    );
    await lock.release();
    expect(applied.size).toBe(many);
    await a.close();
  });
});

/** Storages other processes write to: catching up reads only the batches a process missed. */
describe.each(KINDS.filter((k) => k.name !== 'sqlite'))('$name effect log', (kind) => {
  it('a process catching up reads the private changes of the batches it missed', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const p = {
      id: 'p1',
      boardId: b.id,
      tokenHash: 't'.repeat(64),
      displayName: null,
      groupId: null,
      stationId: 's1',
      createdAt: 5,
      revokedAt: null,
    };
    await commit(a, batch(b.id, null, { joined: [p] }));
    await commit(
      a,
      batch(b.id, null, {
        effects: [
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 },
          { kind: 'rotateKey', key: 'salainen-avain' },
        ],
        facilitatorKeyHash: 'k'.repeat(64),
      }),
    );
    const lock = await a.lockBoard(b.id);
    const all = (await lock.catchUp(0, 0)).private;
    const last = (await lock.catchUp(0, 1)).private;
    await lock.release();
    expect(all).toEqual({
      kind: 'changes',
      batches: [
        { seq: 1, joined: [p], effects: [] },
        {
          seq: 2,
          joined: [],
          effects: [{ kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 }],
        },
      ],
    });
    // The facilitator key itself is never stored, not even in the log.
    expect(JSON.stringify(all)).not.toContain('salainen-avain');
    expect(last).toMatchObject({ kind: 'changes', batches: [{ seq: 2 }] });
    await a.close();
  });

  it('keeps the log bounded; a process behind what it keeps reads the whole state', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const effect = (noteId: string) =>
      ({ kind: 'noteMeta', noteId, participantId: null, group: null }) as const;
    await commit(a, batch(b.id, null, { effects: [effect('n1')], at: 0 }));
    await commit(
      a,
      batch(b.id, null, { effects: [effect('n2')], at: EFFECT_LOG_RETENTION_MS + 1 }),
    );
    const lock = await a.lockBoard(b.id);
    const behind = (await lock.catchUp(0, 0)).private;
    const recent = (await lock.catchUp(0, 1)).private;
    await lock.release();
    expect(behind.kind).toBe('whole');
    if (behind.kind === 'whole')
      expect(behind.state.notes.map((n) => n.noteId).sort()).toEqual(['n1', 'n2']);
    expect(recent).toMatchObject({ kind: 'changes', batches: [{ seq: 2 }] });
    await a.close();
  });
});
