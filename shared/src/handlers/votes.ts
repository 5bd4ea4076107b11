/**
 * Handlers of dot voting: a round starts, participants cast and retract dots within its budget,
 * and the round ends. Each person's dots are private state; the totals a note shows are derived
 * from them.
 */
import type * as Y from 'yjs';
import { notesMap, promptsMap, roundsMap } from '../board.js';
import type { CommandOf } from '../commands.js';
import { MAX_ROUNDS_PER_BOARD } from '../limits.js';
import { ErrorCode } from '../protocol.js';
import { createdAt } from './board-doc.js';
import { noteRoundTotal, roundTotals, writeRoundTotal } from './derive.js';
import { defineHandler, plan, refuse, type CheckContext } from './handler.js';

export const voteStart = defineHandler('vote.start', {
  check(doc, c, ctx) {
    const rounds = roundsMap(doc);
    if (rounds.has(c.roundId)) return refuse(ErrorCode.AlreadyExists, 'round id is taken');
    if (rounds.size >= MAX_ROUNDS_PER_BOARD)
      return refuse(ErrorCode.LimitReached, `at most ${MAX_ROUNDS_PER_BOARD} rounds`);
    if (c.maxPerNote > c.dots)
      return refuse(ErrorCode.InvalidCommand, 'maxPerNote is more than dots');
    if (c.promptIds?.some((id) => !promptsMap(doc).has(id)))
      return refuse(ErrorCode.NotFound, 'no such prompt');
    return plan({
      id: c.roundId,
      label: c.label,
      dots: c.dots,
      maxPerNote: c.maxPerNote,
      promptIds: c.promptIds,
      showTotals: c.showTotals,
      state: 'open' as const,
      createdAt: createdAt(ctx.now),
      endedAt: 0,
    });
  },
  apply(doc, round) {
    roundsMap(doc).set(round.id, round);
  },
});

/** The open round and the note a dot goes on or comes off, and what the voter has given. */
function dotTarget(doc: Y.Doc, c: { roundId: string; noteId: string }, ctx: CheckContext) {
  const round = roundsMap(doc).get(c.roundId);
  if (!round) return refuse(ErrorCode.NotFound, 'no such round');
  if (round.state !== 'open') return refuse(ErrorCode.RoundClosed, 'the round is closed');
  const note = notesMap(doc).get(c.noteId);
  if (!note) return refuse(ErrorCode.NotFound, 'no such note');
  const promptId = note.get('promptId');
  if (round.promptIds && !(typeof promptId === 'string' && round.promptIds.includes(promptId))) {
    return refuse(ErrorCode.NotVotable, 'the note is not in this round');
  }
  const participantId = ctx.actor.participantId ?? '';
  const mine = ctx.view.votesOf(round.id, participantId);
  return plan({
    round,
    note,
    noteId: c.noteId,
    participantId,
    mine,
    onNote: mine.get(c.noteId) ?? 0,
  });
}

function dotHandler<K extends 'vote.cast' | 'vote.retract'>(type: K) {
  return defineHandler(type, {
    check(doc, c, ctx) {
      const t = dotTarget(doc, c as CommandOf<'vote.cast' | 'vote.retract'>, ctx);
      if (!t.ok) return t;
      const { round, mine, onNote } = t.plan;
      if (type === 'vote.cast') {
        // Dots on notes that are gone (deleted or hidden) stay counted: handing them back would
        // let a participant hide-and-vote past the round's budget.
        let used = 0;
        for (const n of mine.values()) used += n;
        if (used >= round.dots) return refuse(ErrorCode.VoteBudget, 'no dots left');
        if (onNote >= round.maxPerNote)
          return refuse(ErrorCode.VoteBudget, 'most dots on this note already');
      } else if (onNote === 0) return refuse(ErrorCode.NotFound, 'no dot on this note');
      const delta: 1 | -1 = type === 'vote.cast' ? 1 : -1;
      return plan({ ...t.plan, delta });
    },
    apply(_doc, { round, note, noteId, participantId, delta }, ctx) {
      ctx.emit({ kind: 'vote', roundId: round.id, participantId, noteId, delta });
      if (round.showTotals)
        writeRoundTotal(note, round.id, noteRoundTotal(ctx.view, round.id, noteId));
    },
  });
}

export const voteCast = dotHandler('vote.cast');
export const voteRetract = dotHandler('vote.retract');

export const voteEnd = defineHandler('vote.end', {
  check(doc, c, ctx) {
    const round = roundsMap(doc).get(c.roundId);
    if (!round) return refuse(ErrorCode.NotFound, 'no such round');
    if (round.state !== 'open') return refuse(ErrorCode.RoundClosed, 'the round is closed');
    return plan({ ...round, state: 'closed' as const, endedAt: createdAt(ctx.now) });
  },
  apply(doc, closed, ctx) {
    const wasShown = closed.showTotals;
    roundsMap(doc).set(closed.id, closed);
    // Totals withheld while the round ran appear all at once now.
    if (wasShown) return;
    const totals = roundTotals(ctx.view, closed.id);
    notesMap(doc).forEach((m, id) => writeRoundTotal(m, closed.id, totals.get(id) ?? 0));
  },
});
