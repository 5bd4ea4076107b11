/**
 * What must hold on a board after any sequence of commands, each checked against a value
 * recomputed from scratch: where notes sit, the counts the document shows, vote budgets, and that
 * nothing identifying a participant reaches the document.
 */
import type * as Y from 'yjs';
import {
  clustersMap,
  listPrompts,
  notesMap,
  promptsMap,
  readMeta,
  readNote,
  roundsMap,
} from '../board.js';
import { noteCenter, promptAt, promptContains } from '../geometry.js';
import { monthOf } from '../handlers/board-doc.js';
import { groupCounts, voteTotals, waitingCounts } from '../handlers/derive.js';
import type { PrivateView } from '../private-state.js';

/** One broken invariant, said in words. */
export type Violation = string;

function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) =>
    JSON.stringify(Object.entries(v ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
  return norm(a) === norm(b);
}

/** Every dot given: `round/participant/note` → dots. */
export function dotsOf(doc: Y.Doc, view: PrivateView): Map<string, number> {
  const out = new Map<string, number>();
  roundsMap(doc).forEach((r) => {
    for (const [pid, byNote] of view.roundVotes(r.id))
      for (const [noteId, n] of byNote) out.set(`${r.id}/${pid}/${noteId}`, n);
  });
  return out;
}

/**
 * Dots stay counted whatever happens to their note (hidden, deleted, moved out of the round's
 * prompts); only their giver takes one back, one at a time.
 */
export function dotsNeverLost(
  before: Map<string, number>,
  after: Map<string, number>,
  retract: { roundId: string; noteId: string; participantId: string } | undefined,
): Violation[] {
  const out: Violation[] = [];
  const retracted = retract && `${retract.roundId}/${retract.participantId}/${retract.noteId}`;
  for (const [key, n] of before) {
    const m = after.get(key) ?? 0;
    const allowed = key === retracted ? n - 1 : n;
    if (m < allowed) out.push(`dots ${key} went from ${n} to ${m}`);
  }
  return out;
}

export function checkInvariants(doc: Y.Doc, view: PrivateView): Violation[] {
  const out: Violation[] = [];
  const meta = readMeta(doc);
  const prompts = listPrompts(doc);
  const promptIds = new Set(prompts.map((p) => p.id));
  const totals = voteTotals(doc, view);
  const counts = groupCounts(doc, view);

  notesMap(doc).forEach((m, id) => {
    const n = readNote(id, m);
    const centre = noteCenter(n.x, n.y);
    // A note's prompt is one that holds its centre; a note on the open canvas is in none.
    if (n.promptId === null) {
      if (promptAt(prompts, centre) !== null) out.push(`note ${id} lies in a prompt but has none`);
    } else {
      const p = prompts.find((q) => q.id === n.promptId);
      if (!p) out.push(`note ${id} is in a deleted prompt ${n.promptId}`);
      else if (!promptContains(p, centre)) out.push(`note ${id} is outside its prompt ${p.id}`);
    }
    if (n.month !== monthOf(doc, n.x, n.y)) out.push(`note ${id} has month ${n.month}`);
    if (view.offstage(id)) out.push(`note ${id} is both on the board and offstage`);
    if (view.author(id) === undefined) out.push(`note ${id} has no author record`);
    if (!same(m.get('reactions'), view.reactionCounts(id)))
      out.push(`note ${id} shows reactions ${JSON.stringify(m.get('reactions'))}`);
    if (!same(m.get('votes'), totals.of(id)))
      out.push(
        `note ${id} shows votes ${JSON.stringify(m.get('votes'))}, counted ${JSON.stringify(totals.of(id))}`,
      );
    // A tag is its author's group or nothing; whether it shows was decided at writing, which
    // `groupTagsFixed` checks against the history of the run.
    if (n.group !== null && n.group !== view.noteGroup(id))
      out.push(`note ${id} shows group ${n.group}, not its author's ${view.noteGroup(id)}`);
    if (n.cluster !== null && !clustersMap(doc).has(n.cluster))
      out.push(`note ${id} is in a deleted cluster`);
    if (meta.mode === 'anonymous' && n.author !== null)
      out.push(`note ${id} names its author on an anonymous board`);
  });

  for (const rec of view.offstageNotes()) {
    if (rec.promptId !== null && !promptIds.has(rec.promptId))
      out.push(`offstage note ${rec.id} is in a deleted prompt`);
    if (rec.state === 'private' && rec.participantId === null)
      out.push(`private note ${rec.id} has no participant`);
    if (view.author(rec.id) === undefined) out.push(`offstage note ${rec.id} has no author record`);
    if (rec.tag != null && rec.tag !== rec.group)
      out.push(`offstage note ${rec.id} keeps tag ${rec.tag}, not its author's ${rec.group}`);
  }

  // Derived counts equal their recomputation.
  const waiting = waitingCounts(doc, view);
  if (meta.waiting !== waiting.board)
    out.push(`board waiting ${meta.waiting}, counted ${waiting.board}`);
  for (const p of prompts) {
    const n = waiting.prompts.get(p.id) ?? 0;
    if (p.waiting !== n) out.push(`prompt ${p.id} waiting ${p.waiting}, counted ${n}`);
  }
  if (!same(meta.groupCounts, counts))
    out.push(`group counts ${JSON.stringify(meta.groupCounts)}, counted ${JSON.stringify(counts)}`);

  // Budgets: nobody has more dots in a round than it gives, or more on one note than it allows.
  roundsMap(doc).forEach((r) => {
    for (const [pid, byNote] of view.roundVotes(r.id)) {
      let used = 0;
      for (const [noteId, n] of byNote) {
        used += n;
        if (n > r.maxPerNote) out.push(`${pid} has ${n} dots on ${noteId} in ${r.id}`);
      }
      if (used > r.dots) out.push(`${pid} used ${used} of ${r.dots} dots in ${r.id}`);
    }
  });
  if (promptsMap(doc).size !== prompts.length) out.push('prompts unreadable');
  return out;
}

/**
 * Every note on the board shows the tag `written` says was due when it was written: its author's
 * group if that group had at least K members at that moment, otherwise none — whatever joined,
 * left or changed the threshold since.
 */
export function groupTagsFixed(
  doc: Y.Doc,
  written: ReadonlyMap<string, string | null>,
): Violation[] {
  const out: Violation[] = [];
  notesMap(doc).forEach((m, id) => {
    const n = readNote(id, m);
    if (!written.has(id)) out.push(`note ${id} is on the board but was never written`);
    else if (n.group !== written.get(id))
      out.push(`note ${id} shows group ${n.group}, decided at writing ${written.get(id)}`);
  });
  return out;
}

/** Whether any of these strings (participant ids) appears anywhere in the document. */
export function leaks(doc: Y.Doc, secrets: readonly string[]): Violation[] {
  const text = JSON.stringify(doc.toJSON());
  return secrets.filter((s) => text.includes(s)).map((s) => `the document holds ${s}`);
}
