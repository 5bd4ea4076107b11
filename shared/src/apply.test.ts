import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCommand, initBoardDoc } from './apply.js';
import { BOARD_SCHEMA_VERSION, getNote, listNotes, readBoard } from './board.js';
import type { Command } from './commands.js';
import { NOTE_SIZE } from './limits.js';

let n = 0;
const id = () => `id${String(n++).padStart(18, '0')}`;

function board() {
  const doc = new Y.Doc();
  initBoardDoc(doc, { title: 'B', template: 'blank', now: 0, schemaVersion: BOARD_SCHEMA_VERSION });
  const run = (c: Command, now = 1_000) => {
    let r: ReturnType<typeof applyCommand> = { ok: true };
    doc.transact(() => (r = applyCommand(doc, c, { now })));
    return r;
  };
  return { doc, run };
}

describe('applyCommand', () => {
  it('places a note in the prompt that holds its centre, the newest prompt winning where they overlap', () => {
    const { doc, run } = board();
    const older = id();
    const newer = id();
    run({ type: 'prompt.add', id: older, title: 'a', x: 0, y: 0, w: 1000, h: 1000 }, 1_000);
    run({ type: 'prompt.add', id: newer, title: 'b', x: 500, y: 500, w: 400, h: 400 }, 2_000);
    const inOlder = id();
    const inBoth = id();
    const outside = id();
    run({ type: 'note.add', id: inOlder, x: 10, y: 10, text: '' });
    run({ type: 'note.add', id: inBoth, x: 600, y: 600, text: '' });
    run({ type: 'note.add', id: outside, x: 2000, y: 2000, text: '' });
    expect(getNote(doc, inOlder)?.promptId).toBe(older);
    expect(getNote(doc, inBoth)?.promptId).toBe(newer);
    expect(getNote(doc, outside)?.promptId).toBeNull();
    // The centre decides: a note hanging over the edge by less than half belongs inside.
    const edge = id();
    run({ type: 'note.add', id: edge, x: 1000 - NOTE_SIZE / 2, y: 10, text: '' });
    expect(getNote(doc, edge)?.promptId).toBe(older);
  });

  it('reassigns notes when a prompt is resized away from them, and keeps them when it moves', () => {
    const { doc, run } = board();
    const p = id();
    run({ type: 'prompt.add', id: p, title: 'a', x: 0, y: 0, w: 1000, h: 1000 });
    const far = id();
    run({ type: 'note.add', id: far, x: 800, y: 800, text: '' });
    run({ type: 'prompt.update', id: p, x: 100, y: 0 });
    expect(getNote(doc, far)).toMatchObject({ x: 900, y: 800, promptId: p });
    run({ type: 'prompt.update', id: p, w: 300, h: 300 });
    expect(getNote(doc, far)?.promptId).toBeNull();
  });

  it('refuses before writing: a refused command leaves the document byte-identical', () => {
    const { doc, run } = board();
    const before = Y.encodeStateAsUpdate(doc);
    expect(run({ type: 'note.move', id: id(), x: 0, y: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(run({ type: 'prompt.delete', id: id() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it('stores creation times at one-second resolution', () => {
    const { doc, run } = board();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: '' }, 1_234_567);
    expect(getNote(doc, a)?.createdAt).toBe(1_234_000);
  });

  it('writes nothing about who sent a command', () => {
    const { doc, run } = board();
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'x' });
    const keys = new Set<string>();
    doc.getMap<Y.Map<unknown>>('notes').forEach((m) => m.forEach((_v, k) => keys.add(k)));
    expect([...keys].sort()).toEqual(['color', 'createdAt', 'promptId', 'text', 'x', 'y']);
  });

  it('reads back a consistent board state', () => {
    const { doc, run } = board();
    run({ type: 'board.update', title: 'Uusi nimi' });
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'a' }, 5_000);
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'b' }, 3_000);
    const state = readBoard(doc);
    expect(state.meta).toMatchObject({ title: 'Uusi nimi', schemaVersion: BOARD_SCHEMA_VERSION });
    expect(listNotes(doc).map((x) => x.text)).toEqual(['b', 'a']);
  });
});
