/** Handlers of the commands on prompts: add, update (move, resize, lock, private writing), delete. */
import type * as Y from 'yjs';
import { metaMap, notesMap, promptsMap, readMeta, readPrompt } from '../board.js';
import type { CommandOf } from '../commands.js';
import { promptContains } from '../geometry.js';
import { MAX_PROMPTS_PER_BOARD } from '../limits.js';
import { ErrorCode } from '../protocol.js';
import {
  clampCoord,
  createdAt,
  newPrompt,
  reassignNotes,
  refreshMonths,
  reveal,
} from './board-doc.js';
import { defineHandler, plan, refuse, type WriteContext } from './handler.js';

export const promptAdd = defineHandler('prompt.add', {
  check(doc, c) {
    const prompts = promptsMap(doc);
    if (prompts.has(c.id)) return refuse(ErrorCode.AlreadyExists, 'prompt id is taken');
    if (prompts.size >= MAX_PROMPTS_PER_BOARD) {
      return refuse(
        ErrorCode.LimitReached,
        `a board holds at most ${MAX_PROMPTS_PER_BOARD} prompts`,
      );
    }
    return plan(c);
  },
  apply(doc, c, ctx) {
    const m = newPrompt({ ...c, description: '', createdAt: createdAt(ctx.now), station: null });
    promptsMap(doc).set(c.id, m);
    reassignNotes(doc);
  },
});

/** Moves a prompt's notes, waiting ones too, and the annual clock drawn inside it, by (dx, dy). */
function carry(doc: Y.Doc, id: string, dx: number, dy: number, ctx: WriteContext): void {
  const m = promptsMap(doc).get(id)!;
  const wheel = readMeta(doc).wheel;
  const old = { x: (m.get('x') as number) - dx, y: (m.get('y') as number) - dy };
  const wheelMoves = wheel !== null && promptContains({ ...readPrompt(id, m), ...old }, wheel);
  if (wheelMoves) metaMap(doc).set('wheel', { ...wheel, x: wheel.x + dx, y: wheel.y + dy });
  // A prompt carries its notes along, as a frame does.
  notesMap(doc).forEach((n) => {
    if (n.get('promptId') !== id) return;
    n.set('x', clampCoord((n.get('x') as number) + dx));
    n.set('y', clampCoord((n.get('y') as number) + dy));
  });
  // Notes moved, or the wheel under others did.
  refreshMonths(doc);
  for (const rec of ctx.view.offstageNotes()) {
    if (rec.promptId !== id) continue;
    const note = { ...rec, x: clampCoord(rec.x + dx), y: clampCoord(rec.y + dy) };
    ctx.emit({ kind: 'offstagePut', note });
  }
}

export const promptUpdate = defineHandler('prompt.update', {
  check(doc, c) {
    const m = promptsMap(doc).get(c.id);
    if (!m) return refuse(ErrorCode.NotFound, 'no such prompt');
    const dx = c.x === undefined ? 0 : c.x - (m.get('x') as number);
    const dy = c.y === undefined ? 0 : c.y - (m.get('y') as number);
    return plan({ c, dx, dy });
  },
  apply(doc, { c, dx, dy }: { c: CommandOf<'prompt.update'>; dx: number; dy: number }, ctx) {
    const m = promptsMap(doc).get(c.id)!;
    if (c.title !== undefined && m.get('title') !== c.title) m.set('title', c.title);
    for (const key of ['x', 'y', 'w', 'h', 'locked'] as const) {
      const v = c[key];
      if (v !== undefined && m.get(key) !== v) m.set(key, v);
    }
    if (c.privateWriting !== undefined && m.get('privateWriting') !== c.privateWriting) {
      m.set('privateWriting', c.privateWriting);
      // Ending private writing reveals what was written during it.
      if (!c.privateWriting) reveal(doc, ctx, c.id);
    }
    if (dx !== 0 || dy !== 0) carry(doc, c.id, dx, dy, ctx);
    if (dx !== 0 || dy !== 0 || c.w !== undefined || c.h !== undefined) reassignNotes(doc);
  },
});

export const promptDelete = defineHandler('prompt.delete', {
  check(doc, c) {
    if (!promptsMap(doc).has(c.id)) return refuse(ErrorCode.NotFound, 'no such prompt');
    return plan(c.id);
  },
  apply(doc, id, ctx) {
    promptsMap(doc).delete(id);
    // Waiting notes now wait on the open canvas; notes stay where they are, on the open canvas
    // or in a prompt underneath.
    for (const rec of ctx.view.offstageNotes()) {
      if (rec.promptId === id) ctx.emit({ kind: 'offstagePut', note: { ...rec, promptId: null } });
    }
    reassignNotes(doc);
  },
});
