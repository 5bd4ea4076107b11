/**
 * Reads and writes of the board document that several handlers share: where a note is, which lock
 * stops it, how a note or a template's prompts are written, and the reveal of private writing.
 */
import * as Y from 'yjs';
import {
  clustersMap,
  coarseTime,
  listPrompts,
  metaMap,
  notesMap,
  promptsMap,
  readMeta,
  type RecordMap,
  type StationAssignment,
} from '../board.js';
import { noteCenter, promptAt, promptContains } from '../geometry.js';
import { randomId } from '../ids.js';
import { MAX_COORDINATE } from '../limits.js';
import type { OffstageRecord, PrivateView } from '../private-state.js';
import { ErrorCode, type OffstageNote } from '../protocol.js';
import type { BuiltTemplate, TemplatePrompt } from '../templates.js';
import { monthAt } from '../wheel.js';
import { noteTotals, voteTotals, type VoteTotals } from './derive.js';
import {
  refuse,
  type Actor,
  type CheckContext,
  type Refusal,
  type WriteContext,
} from './handler.js';

/**
 * Seconds resolution, for what a facilitator creates (prompts, clusters, vote rounds): their order
 * on the board follows these times. Notes and the board itself carry {@link coarseTime} instead.
 */
export function createdAt(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

export function clampCoord(v: number): number {
  return Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, v));
}

/** Where a note a command names is, as far as the caller may know. */
export type Located = { where: 'doc'; map: RecordMap } | { where: 'offstage'; rec: OffstageRecord };

export function locateNote(doc: Y.Doc, ctx: CheckContext, id: string): Located | undefined {
  const map = notesMap(doc).get(id);
  if (map) return { where: 'doc', map };
  const rec = ctx.view.offstage(id);
  if (!rec) return undefined;
  const { role, participantId } = ctx.actor;
  // A private note exists only for its author; a hidden one only for facilitators.
  if (rec.state === 'private' && role === 'participant' && rec.participantId === participantId) {
    return { where: 'offstage', rec };
  }
  if (rec.state === 'hidden' && role === 'facilitator') return { where: 'offstage', rec };
  return undefined;
}

export function promptIdOf(loc: Located): string | null {
  if (loc.where === 'offstage') return loc.rec.promptId;
  const v = loc.map.get('promptId');
  return typeof v === 'string' ? v : null;
}

/** The lock that stops a participant, if any, for notes in these prompts. */
export function lockError(
  doc: Y.Doc,
  actor: Actor,
  promptIds: (string | null)[],
): Refusal | undefined {
  if (actor.role !== 'participant') return undefined;
  if (metaMap(doc).get('locked') === true) return refuse(ErrorCode.Locked, 'the board is locked');
  for (const id of promptIds) {
    if (id !== null && promptsMap(doc).get(id)?.get('locked') === true) {
      return refuse(ErrorCode.Locked, 'the prompt is locked');
    }
  }
  return undefined;
}

/** The annual-clock month under a note at (x, y), or null on boards without a wheel. */
export function monthOf(doc: Y.Doc, x: number, y: number): number | null {
  const wheel = readMeta(doc).wheel;
  return wheel ? monthAt(wheel, noteCenter(x, y)) : null;
}

/**
 * Writes each note's annual-clock month as its place and the wheel decide, where it changed: the
 * month follows from both, so it is recomputed whenever the wheel appears or moves.
 */
export function refreshMonths(doc: Y.Doc): void {
  notesMap(doc).forEach((n) => {
    const month = monthOf(doc, n.get('x') as number, n.get('y') as number);
    if ((n.get('month') ?? null) !== month) n.set('month', month);
  });
}

/** Moves a note in the document; its prompt and month are written only when they change. */
export function placeNote(
  doc: Y.Doc,
  m: RecordMap,
  x: number,
  y: number,
  promptId: string | null,
): void {
  m.set('x', x);
  m.set('y', y);
  if ((m.get('promptId') ?? null) !== promptId) m.set('promptId', promptId);
  const month = monthOf(doc, x, y);
  if ((m.get('month') ?? null) !== month) m.set('month', month);
}

export function isPrivateWriting(doc: Y.Doc, promptId: string | null): boolean {
  if (metaMap(doc).get('privateWriting') === true) return true;
  return promptId !== null && promptsMap(doc).get(promptId)?.get('privateWriting') === true;
}

/** What a note is, apart from its id and its counts. */
export type NoteFields = Omit<OffstageNote, 'id' | 'state'>;

/** What the board may show about a note's author and its edits, decided before it is written. */
export interface ShownFacts {
  participantId: string | null;
  /** The group tag decided when the note was written (see `tagAtWriting`). */
  tag: string | null;
  /** Whether a facilitator changed the text of this participant's note. */
  editedByFacilitator: boolean;
}

/**
 * Writes a note into the document with exactly the author facts the board may show. Its counts
 * (reactions, shown vote totals) are derived from the private state, so a note that comes back —
 * unhidden, revealed, or re-added by an undo — shows what is counted for it.
 */
export function insertNote(
  doc: Y.Doc,
  view: PrivateView,
  id: string,
  f: NoteFields,
  author: ShownFacts,
  totals: VoteTotals = noteTotals(doc, view),
  cluster: string | null = null,
): void {
  const named = metaMap(doc).get('mode') === 'named';
  const pid = author.participantId;
  const record = {
    promptId: f.promptId,
    text: f.text,
    x: f.x,
    y: f.y,
    color: f.color,
    createdAt: coarseTime(f.createdAt),
    group: author.tag,
    author: named && pid ? (view.participant(pid)?.name ?? null) : null,
    month: monthOf(doc, f.x, f.y),
    reactions: view.reactionCounts(id),
    votes: totals.of(id),
    cluster: cluster !== null && clustersMap(doc).has(cluster) ? cluster : null,
    // Written only when set, so notes nobody but their author touched carry no such key.
    ...(author.editedByFacilitator ? { editedByFacilitator: true } : {}),
  };
  notesMap(doc).set(id, new Y.Map<unknown>(Object.entries(record)));
}

/**
 * Puts an offstage note into the document where it lies now, and out of the offstage set. `time`
 * replaces the note's own creation time (a reveal gives every note it shows the reveal's time).
 */
export function bringOnstage(
  doc: Y.Doc,
  ctx: WriteContext,
  rec: OffstageRecord,
  totals: VoteTotals,
  time: number = rec.createdAt,
): void {
  const at = promptAt(listPrompts(doc), noteCenter(rec.x, rec.y));
  // The tag is the one decided when the note was written, never one its group earned since; a
  // record stored before tags were decided at writing shows none.
  const shown: ShownFacts = {
    participantId: rec.participantId,
    tag: rec.tag ?? null,
    editedByFacilitator: rec.editedByFacilitator === true,
  };
  insertNote(
    doc,
    ctx.view,
    rec.id,
    { ...rec, promptId: at, createdAt: coarseTime(time) },
    shown,
    totals,
    rec.kept?.cluster,
  );
  ctx.emit({ kind: 'offstageDelete', noteId: rec.id });
}

/**
 * Moves every private note (of one prompt, or all) into the document in this transaction, so they
 * appear for everyone at the same moment and carry the same time: the reveal's, so neither the
 * document nor an export tells in which order, or when, the hidden notes were written.
 */
export function reveal(doc: Y.Doc, ctx: WriteContext, promptId: string | undefined): void {
  const totals = voteTotals(doc, ctx.view);
  // Written in id order (ids are random), not the order they were written in: the document's own
  // item clocks would otherwise tell that order to anyone who reads the update.
  const waiting = [...ctx.view.offstageNotes()].sort((x, y) =>
    x.id < y.id ? -1 : x.id > y.id ? 1 : 0,
  );
  for (const rec of waiting) {
    if (rec.state !== 'private') continue;
    if (promptId !== undefined && rec.promptId !== promptId) continue;
    bringOnstage(doc, ctx, rec, totals, ctx.now);
  }
}

/** Recomputes which prompt holds each note, writing only what changed. */
export function reassignNotes(doc: Y.Doc): void {
  const prompts = listPrompts(doc);
  notesMap(doc).forEach((n) => {
    const x = n.get('x') as number;
    const y = n.get('y') as number;
    const current = n.get('promptId');
    const keep =
      typeof current === 'string' &&
      prompts.some((p) => p.id === current && promptContains(p, noteCenter(x, y)));
    if (keep) return;
    const next = promptAt(prompts, noteCenter(x, y));
    if (current !== next) n.set('promptId', next);
  });
}

/** A new prompt record with the fields every prompt has. */
export function newPrompt(
  p: Omit<TemplatePrompt, 'station'> & { createdAt: number; station: number | null },
): RecordMap {
  const { title, description, x, y, w, h, createdAt, station } = p;
  const fresh = { locked: false, privateWriting: false, waiting: 0 };
  return new Y.Map<unknown>(
    Object.entries({ title, description, x, y, w, h, createdAt, ...fresh, station }),
  );
}

/** Adds a built template's prompts (and wheel) to the document. */
export function insertTemplate(
  doc: Y.Doc,
  built: BuiltTemplate,
  now: number,
  assignment: StationAssignment | null,
): void {
  const prompts = promptsMap(doc);
  for (const [i, p] of built.prompts.entries()) {
    // Successive milliseconds keep the template's order stable for every reader.
    const m = newPrompt({ ...p, createdAt: createdAt(now) + i, station: p.station ?? null });
    prompts.set(randomId(20), m);
  }
  if (built.wheel) metaMap(doc).set('wheel', built.wheel);
  if (assignment) metaMap(doc).set('stationAssignment', assignment);
  reassignNotes(doc);
  if (built.wheel) refreshMonths(doc);
}
