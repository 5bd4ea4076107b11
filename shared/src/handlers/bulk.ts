/** Handlers of the facilitator's commands on many notes at once: moving and recolouring. */
import { listPrompts, notesMap } from '../board.js';
import { noteCenter, promptAt } from '../geometry.js';
import { ErrorCode } from '../protocol.js';
import { placeNote } from './board-doc.js';
import { defineHandler, plan, refuse } from './handler.js';

export const notesMove = defineHandler('notes.move', {
  check(doc, c) {
    const notes = notesMap(doc);
    for (const m of c.moves)
      if (!notes.has(m.id)) return refuse(ErrorCode.NotFound, `no such note ${m.id}`);
    return plan(c.moves);
  },
  apply(doc, moves) {
    const prompts = listPrompts(doc);
    for (const mv of moves) {
      const to = promptAt(prompts, noteCenter(mv.x, mv.y));
      placeNote(doc, notesMap(doc).get(mv.id)!, mv.x, mv.y, to);
    }
  },
});

export const notesUpdate = defineHandler('notes.update', {
  check(doc, c) {
    const notes = notesMap(doc);
    for (const id of c.ids)
      if (!notes.has(id)) return refuse(ErrorCode.NotFound, `no such note ${id}`);
    return plan(c);
  },
  apply(doc, { ids, color }) {
    for (const id of ids) {
      const n = notesMap(doc).get(id)!;
      if (n.get('color') !== color) n.set('color', color);
    }
  },
});
