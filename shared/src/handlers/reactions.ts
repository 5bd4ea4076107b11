/** The handler of reactions: one of each per person, toggled; the note shows how many gave each. */
import { notesMap } from '../board.js';
import { ErrorCode } from '../protocol.js';
import { refreshReactions } from './derive.js';
import { defineHandler, plan, refuse } from './handler.js';

export const reactionToggle = defineHandler('reaction.toggle', {
  check(doc, c, ctx) {
    const note = notesMap(doc).get(c.noteId);
    if (!note) return refuse(ErrorCode.NotFound, 'no such note');
    const { actor } = ctx;
    // Facilitators react as one: the board shows one facilitator's reaction, not who gave it.
    const who = actor.role === 'participant' ? (actor.participantId ?? '') : 'facilitator';
    const on = !ctx.view.hasReacted(c.noteId, c.reaction, who);
    return plan({ note, noteId: c.noteId, reaction: c.reaction, who, on });
  },
  apply(_doc, { note, noteId, reaction, who, on }, ctx) {
    ctx.emit({ kind: 'reaction', noteId, reaction, actor: who, on });
    refreshReactions(ctx.view, noteId, note);
  },
});
