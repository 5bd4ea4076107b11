/**
 * Undo and redo of one's own last actions. Each undoable command is recorded with the commands that
 * reverse it, computed from the board as it was just before; undoing sends those (as new commands
 * through the same queue), so the server checks them like any other.
 */
import type { CommandInput, Note, Prompt } from '@pajataulu/shared';
import type { ViewBoard } from './overlay.js';

/** Steps kept in each direction. */
export const HISTORY_LIMIT = 100;

export interface Step {
  forward: CommandInput[];
  back: CommandInput[];
}

function noteFields(n: Note): Pick<Note, 'x' | 'y' | 'text' | 'color'> {
  return { x: n.x, y: n.y, text: n.text, color: n.color };
}

function promptFields(p: Prompt) {
  return { title: p.title, x: p.x, y: p.y, w: p.w, h: p.h };
}

/** The commands that undo `c` on `board` (the board before `c`), or null if it cannot be undone. */
export function inverse(c: CommandInput, board: ViewBoard): CommandInput[] | null {
  const note = (id: string) => board.notes.find((n) => n.id === id);
  const prompt = (id: string) => board.prompts.find((p) => p.id === id);
  switch (c.type) {
    case 'note.add':
      return [{ type: 'note.delete', id: c.id }];
    case 'note.delete': {
      const n = note(c.id);
      return n ? [{ type: 'note.add', id: n.id, ...noteFields(n) }] : null;
    }
    case 'note.move': {
      const n = note(c.id);
      return n ? [{ type: 'note.move', id: n.id, x: n.x, y: n.y }] : null;
    }
    case 'note.update': {
      const n = note(c.id);
      if (!n) return null;
      return [
        {
          type: 'note.update',
          id: n.id,
          ...(c.text !== undefined ? { text: n.text } : {}),
          ...(c.color !== undefined ? { color: n.color } : {}),
        },
      ];
    }
    case 'notes.move': {
      const moves = c.moves.flatMap((m) => {
        const n = note(m.id);
        return n ? [{ id: n.id, x: n.x, y: n.y }] : [];
      });
      return moves.length ? [{ type: 'notes.move', moves }] : null;
    }
    case 'notes.update': {
      const back = c.ids.flatMap((id) => {
        const n = note(id);
        return n ? [{ type: 'note.update' as const, id, color: n.color }] : [];
      });
      return back.length ? back : null;
    }
    case 'prompt.add':
      return [{ type: 'prompt.delete', id: c.id }];
    case 'prompt.delete': {
      const p = prompt(c.id);
      return p ? [{ type: 'prompt.add', id: p.id, ...promptFields(p) }] : null;
    }
    case 'prompt.update': {
      const p = prompt(c.id);
      if (!p) return null;
      const back: CommandInput = { type: 'prompt.update', id: p.id };
      for (const k of ['title', 'x', 'y', 'w', 'h', 'locked', 'privateWriting'] as const) {
        if (c[k] !== undefined) Object.assign(back, { [k]: p[k] });
      }
      return [back];
    }
    case 'cluster.add':
      return [{ type: 'cluster.delete', id: c.id }];
    default:
      return null;
  }
}

export class UndoHistory {
  private undos: Step[] = [];
  private redos: Step[] = [];

  /** Records a command the user just made; forgets what could be redone. */
  record(c: CommandInput, before: ViewBoard): void {
    const back = inverse(c, before);
    if (!back) return;
    this.undos.push({ forward: [c], back });
    if (this.undos.length > HISTORY_LIMIT) this.undos.shift();
    this.redos = [];
  }

  get canUndo(): boolean {
    return this.undos.length > 0;
  }
  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  /** The commands to send to undo the last step. */
  undo(): CommandInput[] {
    const step = this.undos.pop();
    if (!step) return [];
    this.redos.push(step);
    return step.back;
  }

  /** The commands to send to redo the last undone step. */
  redo(): CommandInput[] {
    const step = this.redos.pop();
    if (!step) return [];
    this.undos.push(step);
    return step.forward;
  }
}
