/**
 * Counts the document shows that follow from other state: how many private notes wait in each
 * prompt, each note's reactions and shown vote totals, each group's members. They are
 * recomputed from the private state and the document, never patched by ±1, so they cannot drift.
 * Each refresh writes only values that changed.
 */
import type * as Y from 'yjs';
import {
  DEFAULT_GROUP_THRESHOLD,
  metaMap,
  promptsMap,
  readMeta,
  roundsMap,
  type RecordMap,
  type VoteRound,
} from '../board.js';
import type { PrivateView } from '../private-state.js';

function sameCounts(a: unknown, b: Record<string, number>): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  const keys = Object.keys(b);
  return Object.keys(x).length === keys.length && keys.every((k) => x[k] === b[k]);
}

/**
 * The tag a note written now from `group` shows: the group if it has at least K members at this
 * moment, otherwise none. It is decided once, when the note is written, and kept with the note.
 */
export function tagAtWriting(doc: Y.Doc, view: PrivateView, group: string | null): string | null {
  return groupVisible(doc, view, group) ? group : null;
}

/** Whether a group's tag may show on a note written now: it has at least K members. */
export function groupVisible(doc: Y.Doc, view: PrivateView, group: string | null): boolean {
  if (group === null) return false;
  const k = metaMap(doc).get('groupThreshold');
  return view.groupMembers(group) >= (typeof k === 'number' ? k : DEFAULT_GROUP_THRESHOLD);
}

/** Whether a round's totals are in the document: while it runs if it shows them, and once closed. */
export function totalsShown(round: VoteRound): boolean {
  return round.showTotals || round.state === 'closed';
}

/** Dots per note in one round, summed over everyone who voted. */
export function roundTotals(view: PrivateView, roundId: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const byNote of view.roundVotes(roundId).values()) {
    for (const [noteId, n] of byNote) totals.set(noteId, (totals.get(noteId) ?? 0) + n);
  }
  return totals;
}

/** The vote totals notes show, per round whose totals are shown. */
export interface VoteTotals {
  of(noteId: string): Record<string, number>;
}

/** Totals for one note at a time: each call sums that note's dots in every shown round. */
export function noteTotals(doc: Y.Doc, view: PrivateView): VoteTotals {
  return {
    of(noteId) {
      const out: Record<string, number> = {};
      roundsMap(doc).forEach((r) => {
        const n = totalsShown(r) ? noteRoundTotal(view, r.id, noteId) : 0;
        if (n > 0) out[r.id] = n;
      });
      return out;
    },
  };
}

/** Totals for many notes: every shown round is summed once, when first asked. */
export function voteTotals(doc: Y.Doc, view: PrivateView): VoteTotals {
  let rounds: Map<string, Map<string, number>> | undefined;
  return {
    of(noteId) {
      if (!rounds) {
        rounds = new Map();
        roundsMap(doc).forEach((r) => {
          if (totalsShown(r)) rounds!.set(r.id, roundTotals(view, r.id));
        });
      }
      const out: Record<string, number> = {};
      for (const [roundId, totals] of rounds) {
        const n = totals.get(noteId) ?? 0;
        if (n > 0) out[roundId] = n;
      }
      return out;
    },
  };
}

/** Writes a note's reaction counts as the private state has them. */
export function refreshReactions(view: PrivateView, noteId: string, m: RecordMap): void {
  const reactions = view.reactionCounts(noteId);
  if (!sameCounts(m.get('reactions'), reactions)) m.set('reactions', reactions);
}

/** A note's total in one round, summed over everyone's dots. */
export function noteRoundTotal(view: PrivateView, roundId: string, noteId: string): number {
  let n = 0;
  for (const byNote of view.roundVotes(roundId).values()) n += byNote.get(noteId) ?? 0;
  return n;
}

/** Writes one round's total `n` on a note (absent when zero), leaving its other rounds alone. */
export function writeRoundTotal(m: RecordMap, roundId: string, n: number): void {
  const votes = { ...(m.get('votes') as Record<string, number> | undefined) };
  if (n > 0 ? votes[roundId] === n : !Object.hasOwn(votes, roundId)) return;
  if (n > 0) votes[roundId] = n;
  else delete votes[roundId];
  m.set('votes', votes);
}

/**
 * How many private notes wait for the reveal, per prompt and (for notes outside any prompt) on
 * the board. A note whose prompt is gone counts on the board.
 */
export function waitingCounts(
  doc: Y.Doc,
  view: PrivateView,
): { board: number; prompts: Map<string, number> } {
  const prompts = new Map<string, number>();
  const all = promptsMap(doc);
  let board = 0;
  for (const rec of view.offstageNotes()) {
    if (rec.state !== 'private') continue;
    if (rec.promptId !== null && all.has(rec.promptId))
      prompts.set(rec.promptId, (prompts.get(rec.promptId) ?? 0) + 1);
    else board += 1;
  }
  return { board, prompts };
}

/** Writes the `waiting` counts of the board and every prompt as the offstage notes have them. */
export function refreshWaiting(doc: Y.Doc, view: PrivateView): void {
  const { board, prompts } = waitingCounts(doc, view);
  const meta = metaMap(doc);
  if (meta.get('waiting') !== board) meta.set('waiting', board);
  promptsMap(doc).forEach((p, id) => {
    const n = prompts.get(id) ?? 0;
    if (p.get('waiting') !== n) p.set('waiting', n);
  });
}

/** Members per group, only for groups that have reached the threshold. */
export function groupCounts(doc: Y.Doc, view: PrivateView): Record<string, number> {
  const meta = readMeta(doc);
  const counts: Record<string, number> = {};
  for (const g of meta.groups) {
    const n = view.groupMembers(g.id);
    if (n >= meta.groupThreshold) counts[g.id] = n;
  }
  return counts;
}

/**
 * Makes the document's group counts match the threshold: a group's count shows in
 * `meta.groupCounts` only while it has at least K members. Notes' tags are not touched: each was
 * decided when its note was written ({@link tagAtWriting}), so a later join can never put a tag on
 * a note written while its group was too small. Writes only changes.
 */
export function refreshGroupCounts(doc: Y.Doc, view: PrivateView): void {
  const counts = groupCounts(doc, view);
  if (JSON.stringify(counts) !== JSON.stringify(readMeta(doc).groupCounts))
    metaMap(doc).set('groupCounts', counts);
}
