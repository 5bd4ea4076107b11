import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCommand, initBoardDoc, type Actor } from './apply.js';
import {
  BackupError,
  MAX_BACKUP_TIME,
  notesTable,
  readBackup,
  restoreBoardDoc,
  toBackup,
  toCsv,
} from './backup.js';
import { BOARD_SCHEMA_VERSION, readBoard } from './board.js';
import { parseEnvelope, type CommandInput } from './commands.js';
import { MAX_COORDINATE, MAX_NOTE_TEXT_LENGTH } from './limits.js';
import { PrivateState } from './private-state.js';
import { buildTemplate } from './templates.js';

const F: Actor = { role: 'facilitator' };
const NOTE = 'n0000000000000000001';
const ROUND = 'r0000000000000000001';

/** A board with one note that has a reaction and a dot, as a backup object. */
function sampleBackup(text = 'hello'): Record<string, unknown> {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'B',
    template: 'blank',
    now: 1_700_000_000_000,
    schemaVersion: BOARD_SCHEMA_VERSION,
    build: buildTemplate('blank', 'fi', { x: 0, y: 0 }),
  });
  const state = new PrivateState();
  state.addParticipant({ id: 'p1', group: 'g1', name: null, revoked: false });
  const run = (input: CommandInput, actor: Actor = F) => {
    const parsed = parseEnvelope({
      id: `c${Math.random().toString(36).slice(2, 12)}`,
      command: input,
    });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const r = doc.transact(() =>
      applyCommand(doc, parsed.envelope.command, {
        now: 1_700_000_001_000,
        actor,
        view: state,
        emit: (e) => state.apply(e),
      }),
    );
    if (!r.ok) throw new Error(r.error.message);
  };
  run({ type: 'note.add', id: NOTE, x: 0, y: 0, text });
  run(
    { type: 'reaction.toggle', noteId: NOTE, reaction: 'heart' },
    { role: 'participant', participantId: 'p1' },
  );
  run({ type: 'vote.start', roundId: ROUND, dots: 3, maxPerNote: 3 });
  return JSON.parse(JSON.stringify(toBackup(doc, 1_700_000_002_000))) as Record<string, unknown>;
}

type Mutable = {
  board: {
    meta: Record<string, unknown>;
    notes: Record<string, unknown>[];
    rounds: Record<string, unknown>[];
  };
};

function refused(mutate: (b: Mutable) => void): BackupError {
  const b = sampleBackup() as unknown as Mutable;
  mutate(b);
  try {
    readBackup(JSON.parse(JSON.stringify(b)));
  } catch (err) {
    expect(err).toBeInstanceOf(BackupError);
    return err as BackupError;
  }
  throw new Error('backup was accepted');
}

describe('readBackup', () => {
  it('reads a backup of a board and the restored board exports as CSV', () => {
    const backup = readBackup(sampleBackup());
    const doc = new Y.Doc();
    restoreBoardDoc(doc, backup);
    const csv = toCsv(notesTable(readBoard(doc), 'en'));
    expect(csv).toContain('hello');
  });

  it('imports a backup that carries seconds, with its note and board times coarsened', () => {
    const b = sampleBackup() as unknown as Mutable;
    b.board.meta['createdAt'] = 1_700_000_012_345;
    b.board.notes[0]!['createdAt'] = 1_700_000_059_999;
    const backup = readBackup(JSON.parse(JSON.stringify(b)));
    expect(backup.board.meta.createdAt).toBe(1_699_999_980_000);
    expect(backup.board.notes[0]?.createdAt).toBe(1_700_000_040_000);
    const doc = new Y.Doc();
    restoreBoardDoc(doc, backup);
    expect(readBoard(doc).notes[0]?.createdAt).toBe(1_700_000_040_000);
    // The round trip: what the restored board backs up imports again, unchanged.
    const again = readBackup(JSON.parse(JSON.stringify(toBackup(doc, 1_700_000_100_000))));
    expect(again.board.notes).toEqual(backup.board.notes);
  });

  it('exports of a document with finer times carry minutes, in an order the seconds do not set', () => {
    const doc = new Y.Doc();
    restoreBoardDoc(doc, readBackup(sampleBackup()));
    const notes = doc.getMap<Y.Map<unknown>>('notes');
    // As a board written by an older server holds them: 'late' has the smaller id.
    const fields = [...notes.get(NOTE)!.entries()];
    const note = (text: string, t: number) =>
      new Y.Map<unknown>([...fields, ['text', text], ['createdAt', t]]);
    notes.delete(NOTE);
    notes.set('n0000000000000000009', note('early', 1_700_000_041_000));
    notes.set('n0000000000000000002', note('late', 1_700_000_059_000));
    doc.getMap('meta').set('createdAt', 1_700_000_012_345);
    const backup = toBackup(doc, 1_700_000_100_000);
    expect(backup.board.meta.createdAt).toBe(1_699_999_980_000);
    expect(backup.board.notes.map((n) => [n.text, n.createdAt])).toEqual([
      ['late', 1_700_000_040_000],
      ['early', 1_700_000_040_000],
    ]);
    const table = notesTable(readBoard(doc), 'fi');
    const created = table.headers.indexOf('Luotu');
    expect(table.rows.map((r) => [r[1], r[created]])).toEqual([
      ['late', '2023-11-14T22:14:00.000Z'],
      ['early', '2023-11-14T22:14:00.000Z'],
    ]);
  });

  it('keeps the facilitator’s edit mark through a backup, and shows it in the table', () => {
    const b = sampleBackup() as unknown as Mutable;
    const plainCopy = readBackup(JSON.parse(JSON.stringify(b)));
    expect(plainCopy.board.notes[0]!.editedByFacilitator).toBe(false);
    b.board.notes[0]!['editedByFacilitator'] = true;
    const doc = new Y.Doc();
    restoreBoardDoc(doc, readBackup(JSON.parse(JSON.stringify(b))));
    expect(readBoard(doc).notes[0]!.editedByFacilitator).toBe(true);
    expect(toBackup(doc, 0).board.notes[0]!.editedByFacilitator).toBe(true);
    const table = notesTable(readBoard(doc), 'fi');
    const col = table.headers.indexOf('Fasilitaattorin muokkaama');
    expect(table.rows[0]![col]).toBe('muokattu');
    // A backup from before the mark existed restores without it.
    delete b.board.notes[0]!['editedByFacilitator'];
    const older = new Y.Doc();
    restoreBoardDoc(older, readBackup(JSON.parse(JSON.stringify(b))));
    expect(readBoard(older).notes[0]!.editedByFacilitator).toBe(false);
    expect(notesTable(readBoard(older), 'en').rows[0]![col]).toBe('');
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'heart2'])(
    'refuses %s as a reaction key, naming the field',
    (key) => {
      const err = refused((b) => {
        // A JSON text can carry `__proto__` as an own key; JSON.parse keeps it.
        b.board.notes[0]!['reactions'] = JSON.parse(`{${JSON.stringify(key)}: 1}`);
      });
      expect(err.field).toMatch(/^board\.notes\.0\.reactions/);
    },
  );

  it.each(['__proto__', 'constructor', 'g0', 'x'])('refuses %s as a group count key', (key) => {
    const err = refused((b) => {
      b.board.meta['groupCounts'] = JSON.parse(`{${JSON.stringify(key)}: 3}`);
    });
    expect(err.field).toMatch(/^board\.meta\.groupCounts/);
  });

  it('refuses a vote key that is not a round id', () => {
    const err = refused((b) => {
      b.board.notes[0]!['votes'] = { constructor: 1 };
    });
    expect(err.field).toMatch(/^board\.notes\.0\.votes/);
  });

  it.each([
    ['board.meta.createdAt', (b: Mutable) => (b.board.meta['createdAt'] = 1e308)],
    ['board.meta.createdAt', (b: Mutable) => (b.board.meta['createdAt'] = -1)],
    [
      'board.notes.0.createdAt',
      (b: Mutable) => (b.board.notes[0]!['createdAt'] = MAX_BACKUP_TIME + 1),
    ],
    ['board.rounds.0.endedAt', (b: Mutable) => (b.board.rounds[0]!['endedAt'] = 1e300)],
    ['board.rounds.0.dots', (b: Mutable) => (b.board.rounds[0]!['dots'] = 1e9)],
    ['board.notes.0.x', (b: Mutable) => (b.board.notes[0]!['x'] = MAX_COORDINATE * 2)],
    [
      'board.notes.0.reactions.heart',
      (b: Mutable) => (b.board.notes[0]!['reactions'] = { heart: -1 }),
    ],
    [
      'board.notes.0.reactions.heart',
      (b: Mutable) => (b.board.notes[0]!['reactions'] = { heart: 1.5 }),
    ],
    ['board.meta.waiting', (b: Mutable) => (b.board.meta['waiting'] = 1e12)],
  ])('refuses an out-of-range %s', (field, mutate) => {
    expect(refused(mutate).field).toBe(field);
  });

  it('counts text after NFC normalisation: text that grows past the limit is refused', () => {
    // U+FB2C is one code unit and three under NFC.
    const err = refused((b) => {
      b.board.notes[0]!['text'] = '\uFB2C'.repeat(MAX_NOTE_TEXT_LENGTH / 2);
    });
    expect(err.field).toBe('board.notes.0.text');
  });

  it('gives records without a prototype, so lookups by other names find nothing', () => {
    const backup = readBackup(sampleBackup());
    const note = backup.board.notes[0]!;
    expect(note.reactions['heart']).toBe(1);
    expect(note.reactions['constructor']).toBeUndefined();
    expect(backup.board.meta.groupCounts['toString']).toBeUndefined();
  });
});

describe('toCsv', () => {
  it.each(['=HYPERLINK("http://x")', '+1', '-1+1', '@SUM(A1)', '\tx', '\rx'])(
    'neutralises a text cell that starts like a formula: %j',
    (text) => {
      const csv = toCsv({ headers: ['t'], rows: [[text]] });
      const field = csv.slice(1).split('\r\n')[1]!;
      expect(field).toBe(`"'${text.replace(/"/g, '""')}"`);
    },
  );

  it('leaves ordinary text and numbers as they are', () => {
    expect(toCsv({ headers: ['a', 'b'], rows: [['plain', -3]] })).toBe('\uFEFFa;b\r\nplain;-3\r\n');
  });
});
