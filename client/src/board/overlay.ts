/**
 * What the user sees before the server has confirmed it: commands not yet visible in the replica
 * are laid over the board, so a dragged note stays where it was dropped and a new note shows at
 * once. Pure functions of the board and the unsettled commands.
 */
import {
  coarseTime,
  DEFAULT_NOTE_COLOR,
  newNote,
  type BoardState,
  type CommandInput,
  type Note,
  type OffstageNote,
  type Prompt,
} from '@pajataulu/shared';

/** A note as drawn: a note of the board, or an own note not yet confirmed or kept offstage. */
export interface ViewNote extends Note {
  /** Not confirmed by the server yet. */
  pending: boolean;
  /** Seen only by this user until a reveal (`private`) or hidden by a facilitator (`hidden`). */
  offstage: 'private' | 'hidden' | null;
}

export interface ViewBoard extends Omit<BoardState, 'notes'> {
  notes: ViewNote[];
}

/** A note not confirmed yet sorts as the server will keep it: by the coarse time, then id. */
function blankNote(id: string, x: number, y: number): Note {
  return newNote({ id, x, y, createdAt: coarseTime(Date.now()) });
}

function fromOffstage(n: OffstageNote): ViewNote {
  return {
    ...blankNote(n.id, n.x, n.y),
    promptId: n.promptId,
    text: n.text,
    color: n.color as Note['color'],
    createdAt: n.createdAt,
    pending: false,
    offstage: n.state,
  };
}

/** A confirmed note as drawn, one object per note object, so unchanged notes keep their identity. */
const settledNotes = new WeakMap<Note, ViewNote>();
function settled(n: Note): ViewNote {
  let v = settledNotes.get(n);
  if (!v) settledNotes.set(n, (v = { ...n, pending: false, offstage: null }));
  return v;
}

/** The board as it should look with `unsettled` commands applied on top, oldest first. */
export function overlay(
  board: BoardState,
  offstage: readonly OffstageNote[],
  unsettled: readonly CommandInput[],
): ViewBoard {
  const notes = new Map<string, ViewNote>();
  for (const n of board.notes) notes.set(n.id, settled(n));
  for (const n of offstage) if (!notes.has(n.id)) notes.set(n.id, fromOffstage(n));
  const prompts = new Map<string, Prompt>(board.prompts.map((p) => [p.id, p]));
  for (const c of unsettled) {
    switch (c.type) {
      case 'note.add':
        if (!notes.has(c.id)) {
          notes.set(c.id, {
            ...blankNote(c.id, c.x, c.y),
            text: c.text ?? '',
            color: c.color ?? DEFAULT_NOTE_COLOR,
            pending: true,
            offstage: null,
          });
        }
        break;
      case 'note.move': {
        const n = notes.get(c.id);
        if (n) notes.set(c.id, { ...n, x: c.x, y: c.y, pending: true });
        break;
      }
      case 'notes.move':
        for (const m of c.moves) {
          const n = notes.get(m.id);
          if (n) notes.set(m.id, { ...n, x: m.x, y: m.y, pending: true });
        }
        break;
      case 'note.update': {
        const n = notes.get(c.id);
        if (n)
          notes.set(c.id, {
            ...n,
            text: c.text ?? n.text,
            color: c.color ?? n.color,
            pending: true,
          });
        break;
      }
      case 'note.delete':
      case 'note.hide':
        notes.delete(c.id);
        break;
      case 'prompt.add':
        if (!prompts.has(c.id)) {
          prompts.set(c.id, {
            id: c.id,
            title: c.title,
            x: c.x,
            y: c.y,
            w: c.w,
            h: c.h,
            createdAt: Date.now(),
            locked: false,
            privateWriting: false,
            waiting: 0,
            description: '',
            station: null,
          });
        }
        break;
      case 'prompt.update': {
        const p = prompts.get(c.id);
        if (!p) break;
        const dx = c.x === undefined ? 0 : c.x - p.x;
        const dy = c.y === undefined ? 0 : c.y - p.y;
        prompts.set(c.id, {
          ...p,
          title: c.title ?? p.title,
          x: c.x ?? p.x,
          y: c.y ?? p.y,
          w: c.w ?? p.w,
          h: c.h ?? p.h,
          locked: c.locked ?? p.locked,
          privateWriting: c.privateWriting ?? p.privateWriting,
        });
        if (dx !== 0 || dy !== 0) {
          for (const n of notes.values()) {
            if (n.promptId === c.id) notes.set(n.id, { ...n, x: n.x + dx, y: n.y + dy });
          }
        }
        break;
      }
      case 'prompt.delete':
        prompts.delete(c.id);
        break;
      default:
        break;
    }
  }
  const order = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
    a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
  return {
    ...board,
    notes: [...notes.values()].sort(order),
    prompts: [...prompts.values()].sort(order),
  };
}
