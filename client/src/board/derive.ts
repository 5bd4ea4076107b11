/**
 * What the board screen shows that follows from the board alone: the voting round and its top
 * notes, the dots this user has left, groups that can be filtered by, what waits for a reveal.
 * Pure functions, so components compute them with `useMemo` and tests call them directly.
 */
import type { BoardMeta, VoteRound } from '@pajataulu/shared';
import type { ConnectionState } from './connection.js';
import type { ViewBoard, ViewNote } from './overlay.js';

/** Notes highlighted as the top of a voting round. */
export const TOP_NOTES = 3;

/** The voting rounds as the screen needs them. */
export interface Voting {
  /** The round open now, if any. */
  openRound: VoteRound | undefined;
  /** The open round, or the latest closed one, when its totals may be shown. */
  shownRound: VoteRound | undefined;
  /** The latest closed round (its results list). */
  lastClosed: VoteRound | undefined;
  /** This user's dots on each note in the open round. */
  myDots: Readonly<Record<string, number>>;
  /** Dots this user still has in the open round. */
  dotsLeft: number;
}

export function voting(board: ViewBoard, myVotes: ConnectionState['myVotes']): Voting {
  const openRound = [...board.rounds].reverse().find((r) => r.state === 'open');
  const lastRound = openRound ?? board.rounds.at(-1);
  const shownRound =
    lastRound && (lastRound.state === 'closed' || lastRound.showTotals) ? lastRound : undefined;
  const myDots = openRound ? (myVotes[openRound.id] ?? {}) : {};
  const dotsLeft = openRound
    ? openRound.dots - Object.values(myDots).reduce((a, b) => a + b, 0)
    : 0;
  const lastClosed = [...board.rounds].reverse().find((r) => r.state === 'closed');
  return { openRound, shownRound, lastClosed, myDots, dotsLeft };
}

/** The most voted notes of a closed round, at most {@link TOP_NOTES}. */
export function topNotes(
  notes: readonly ViewNote[],
  round: VoteRound | undefined,
): ReadonlySet<string> {
  if (!round || round.state !== 'closed') return new Set<string>();
  const ranked = notes
    .filter((n) => (n.votes[round.id] ?? 0) > 0)
    .sort((a, b) => (b.votes[round.id] ?? 0) - (a.votes[round.id] ?? 0));
  return new Set(ranked.slice(0, TOP_NOTES).map((n) => n.id));
}

/** Only groups that reached K have tags on notes; only they can be shown or coloured. */
export function taggedGroups(meta: BoardMeta): BoardMeta['groups'] {
  return meta.groups.filter((g) => meta.groupCounts[g.id] !== undefined);
}

/** Notes written privately and not revealed yet, on the board and in its prompts. */
export function waitingTotal(board: ViewBoard): number {
  return board.meta.waiting + board.prompts.reduce((s, p) => s + p.waiting, 0);
}

/** Labels by id, for the groups and for the clusters drawn on notes. */
export function groupLabels(meta: BoardMeta): ReadonlyMap<string, string> {
  return new Map(meta.groups.map((g) => [g.id, g.label]));
}
export function clusterLabels(board: ViewBoard): ReadonlyMap<string, string> {
  return new Map(board.clusters.map((c) => [c.id, c.label]));
}

/**
 * The display names the board shows (named boards: the authors of its notes), for the
 * personal-data guard. Anonymous boards show none.
 */
export function boardNames(board: ViewBoard): string[] {
  if (board.meta.mode !== 'named') return [];
  const names = new Set<string>();
  for (const n of board.notes) if (n.author) names.add(n.author);
  return [...names];
}
