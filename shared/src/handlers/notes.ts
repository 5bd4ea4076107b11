/** Handlers of the commands on one note: add, move, update, delete, hide and unhide. */
import type * as Y from 'yjs';
import { DEFAULT_NOTE_COLOR, coarseTime, listPrompts, notesMap, type RecordMap } from '../board.js';
import { noteCenter, promptAt } from '../geometry.js';
import { MAX_NOTES_PER_BOARD } from '../limits.js';
import type { OffstageRecord } from '../private-state.js';
import { ErrorCode } from '../protocol.js';
import {
  bringOnstage,
  insertNote,
  isPrivateWriting,
  locateNote,
  lockError,
  placeNote,
  promptIdOf,
  type Located,
  type NoteFields,
} from './board-doc.js';
import { noteTotals, tagAtWriting } from './derive.js';
import { defineHandler, plan, refuse, type CheckContext, type Checked } from './handler.js';

/** Finds the note a command names and checks that the actor may change it. */
function ownNote(
  doc: Y.Doc,
  ctx: CheckContext,
  type: string,
  id: string,
): Checked<{ loc: Located; from: string | null }> {
  const loc = locateNote(doc, ctx, id);
  if (!loc) return refuse(ErrorCode.NotFound, 'no such note');
  if (ctx.grant === 'own' && ctx.view.author(id) !== ctx.actor.participantId) {
    return refuse(ErrorCode.Forbidden, `only the author may ${type}`);
  }
  return plan({ loc, from: promptIdOf(loc) });
}

export const noteAdd = defineHandler('note.add', {
  check(doc, c, ctx) {
    const notes = notesMap(doc);
    if (notes.has(c.id) || ctx.view.offstage(c.id) || ctx.view.author(c.id) !== undefined) {
      return refuse(ErrorCode.AlreadyExists, 'note id is taken');
    }
    if (notes.size + ctx.view.offstageNotes().length >= MAX_NOTES_PER_BOARD) {
      return refuse(ErrorCode.LimitReached, `a board holds at most ${MAX_NOTES_PER_BOARD} notes`);
    }
    const promptId = promptAt(listPrompts(doc), noteCenter(c.x, c.y));
    const locked = lockError(doc, ctx.actor, [promptId]);
    if (locked) return locked;
    const { actor } = ctx;
    const participantId = actor.role === 'participant' ? (actor.participantId ?? null) : null;
    const group = participantId ? (ctx.view.participant(participantId)?.group ?? null) : null;
    const fields: NoteFields = {
      promptId,
      text: c.text,
      x: c.x,
      y: c.y,
      color: c.color ?? DEFAULT_NOTE_COLOR,
      // Coarse already while private: the author's own view carries no more than anyone's.
      createdAt: coarseTime(ctx.now),
    };
    const hidden = participantId !== null && isPrivateWriting(doc, promptId);
    // Decided now, once: a private note keeps it until its reveal, and no later join changes it.
    const tag = tagAtWriting(doc, ctx.view, group);
    return plan({ id: c.id, fields, participantId, group, tag, private: hidden });
  },
  apply(doc, p, ctx) {
    const { id, fields, participantId, group, tag } = p;
    ctx.emit({ kind: 'noteMeta', noteId: id, participantId, group });
    if (p.private && participantId !== null) {
      ctx.emit({
        kind: 'offstagePut',
        note: { id, ...fields, state: 'private', participantId, group, tag },
      });
    } else
      insertNote(doc, ctx.view, id, fields, { participantId, tag, editedByFacilitator: false });
  },
});

export const noteMove = defineHandler('note.move', {
  check(doc, c, ctx) {
    const found = ownNote(doc, ctx, c.type, c.id);
    if (!found.ok) return found;
    const to = promptAt(listPrompts(doc), noteCenter(c.x, c.y));
    const locked = lockError(doc, ctx.actor, [found.plan.from, to]);
    if (locked) return locked;
    return plan({ loc: found.plan.loc, x: c.x, y: c.y, to });
  },
  apply(doc, { loc, x, y, to }, ctx) {
    if (loc.where === 'doc') placeNote(doc, loc.map, x, y, to);
    else ctx.emit({ kind: 'offstagePut', note: { ...loc.rec, x, y, promptId: to } });
  },
});

export const noteUpdate = defineHandler('note.update', {
  check(doc, c, ctx) {
    const found = ownNote(doc, ctx, c.type, c.id);
    if (!found.ok) return found;
    const locked = lockError(doc, ctx.actor, [found.plan.from]);
    if (locked) return locked;
    // A facilitator who changes the words of a participant's note marks it, for everyone and for
    // the author; only the fact is recorded, never whose note it is.
    const current = textOf(found.plan.loc);
    const byOther =
      ctx.actor.role === 'facilitator' &&
      ctx.view.author(c.id) !== null &&
      c.text !== undefined &&
      c.text !== current;
    return plan({ loc: found.plan.loc, text: c.text, color: c.color, mark: byOther });
  },
  apply(_doc, { loc, text, color, mark }, ctx) {
    if (loc.where === 'doc') {
      if (text !== undefined && loc.map.get('text') !== text) loc.map.set('text', text);
      if (color !== undefined && loc.map.get('color') !== color) loc.map.set('color', color);
      if (mark && loc.map.get('editedByFacilitator') !== true)
        loc.map.set('editedByFacilitator', true);
    } else {
      const note = {
        ...loc.rec,
        text: text ?? loc.rec.text,
        color: color ?? loc.rec.color,
        ...(mark ? { editedByFacilitator: true } : {}),
      };
      ctx.emit({ kind: 'offstagePut', note });
    }
  },
});

export const noteDelete = defineHandler('note.delete', {
  check(doc, c, ctx) {
    const found = ownNote(doc, ctx, c.type, c.id);
    if (!found.ok) return found;
    const locked = lockError(doc, ctx.actor, [found.plan.from]);
    if (locked) return locked;
    return plan({ id: c.id, where: found.plan.loc.where });
  },
  apply(doc, { id, where }, ctx) {
    if (where === 'doc') notesMap(doc).delete(id);
    else ctx.emit({ kind: 'offstageDelete', noteId: id });
    ctx.emit({ kind: 'noteForget', noteId: id });
  },
});

/** A located note's text as it stands. */
function textOf(l: Located): string {
  return l.where === 'doc' ? String(l.map.get('text') ?? '') : l.rec.text;
}

/** What a hidden note keeps of itself while it is out of the document. */
function hiddenRecord(id: string, m: RecordMap, ctx: CheckContext): OffstageRecord {
  const promptId = m.get('promptId');
  const cluster = m.get('cluster');
  return {
    id,
    promptId: typeof promptId === 'string' ? promptId : null,
    text: String(m.get('text') ?? ''),
    x: Number(m.get('x') ?? 0),
    y: Number(m.get('y') ?? 0),
    color: String(m.get('color') ?? DEFAULT_NOTE_COLOR),
    createdAt: Number(m.get('createdAt') ?? 0),
    state: 'hidden',
    participantId: ctx.view.author(id) ?? null,
    group: ctx.view.noteGroup(id),
    // The tag it showed, which comes back with it: hiding and unhiding never add or drop one.
    tag: typeof m.get('group') === 'string' ? (m.get('group') as string) : null,
    editedByFacilitator: m.get('editedByFacilitator') === true,
    // Stored records carry the counts as they were; on unhide the counts are derived again from
    // who gave what, and only the cluster is taken from here.
    kept: {
      reactions: { ...(m.get('reactions') as Record<string, number> | undefined) },
      votes: { ...(m.get('votes') as Record<string, number> | undefined) },
      cluster: typeof cluster === 'string' ? cluster : null,
    },
  };
}

export const noteHide = defineHandler('note.hide', {
  check(doc, c, ctx) {
    const m = notesMap(doc).get(c.id);
    if (!m) return refuse(ErrorCode.NotFound, 'no such note');
    return plan(hiddenRecord(c.id, m, ctx));
  },
  apply(doc, note, ctx) {
    ctx.emit({ kind: 'offstagePut', note });
    notesMap(doc).delete(note.id);
  },
});

export const noteUnhide = defineHandler('note.unhide', {
  check(_doc, c, ctx) {
    const rec = ctx.view.offstage(c.id);
    if (!rec || rec.state !== 'hidden') return refuse(ErrorCode.NotFound, 'no such hidden note');
    return plan(rec);
  },
  apply(doc, rec, ctx) {
    // Reactions and votes were counted server-side all along; the note shows them again.
    bringOnstage(doc, ctx, rec, noteTotals(doc, ctx.view));
  },
});
