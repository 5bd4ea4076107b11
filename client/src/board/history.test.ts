import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BOARD_SCHEMA_VERSION, initBoardDoc, readBoard } from '@pajataulu/shared';
import { overlay } from './overlay.js';
import { inverse, UndoHistory } from './history.js';

function emptyBoard() {
  const doc = new Y.Doc();
  initBoardDoc(doc, { title: 'T', template: 'blank', now: 0, schemaVersion: BOARD_SCHEMA_VERSION });
  return readBoard(doc);
}
const ID = 'a0000000000000000000';

describe('undo and redo', () => {
  it('reverses adds, moves, edits and deletes with the state from before', () => {
    const added = overlay(
      emptyBoard(),
      [],
      [{ type: 'note.add', id: ID, x: 10, y: 20, text: 'eka', color: 'blue' }],
    );
    expect(inverse({ type: 'note.add', id: ID, x: 10, y: 20 }, emptyBoard() as never)).toEqual([
      { type: 'note.delete', id: ID },
    ]);
    expect(inverse({ type: 'note.move', id: ID, x: 99, y: 99 }, added)).toEqual([
      { type: 'note.move', id: ID, x: 10, y: 20 },
    ]);
    expect(inverse({ type: 'note.update', id: ID, text: 'toka' }, added)).toEqual([
      { type: 'note.update', id: ID, text: 'eka' },
    ]);
    expect(inverse({ type: 'note.delete', id: ID }, added)).toEqual([
      { type: 'note.add', id: ID, x: 10, y: 20, text: 'eka', color: 'blue' },
    ]);
    expect(inverse({ type: 'vote.cast', roundId: ID, noteId: ID }, added)).toBeNull();
  });

  it('undo then redo replays the step; a new action forgets the redo', () => {
    const h = new UndoHistory();
    const board = overlay(emptyBoard(), [], []);
    h.record({ type: 'note.add', id: ID, x: 0, y: 0 }, board);
    expect(h.undo()).toEqual([{ type: 'note.delete', id: ID }]);
    expect(h.canRedo).toBe(true);
    expect(h.redo()).toEqual([{ type: 'note.add', id: ID, x: 0, y: 0 }]);
    h.undo();
    h.record({ type: 'note.add', id: 'b0000000000000000000', x: 0, y: 0 }, board);
    expect(h.canRedo).toBe(false);
  });
});
