/**
 * Runs a random workshop the way the server does (`LiveBoard`: a removed participant's commands
 * are refused before they reach `applyCommand`, each command in its own transaction, effects
 * applied to the private state as they come, joins counted into groups and stations) and checks
 * after every step that a refused command changed nothing and that the board's invariants hold.
 */
import * as Y from 'yjs';
import {
  applyCommand,
  assignStation,
  expireTimer,
  initBoardDoc,
  refreshGroupCounts,
  type Actor,
} from '../apply.js';
import {
  BOARD_SCHEMA_VERSION,
  listNotes,
  notesMap,
  listPrompts,
  listRounds,
  readMeta,
} from '../board.js';
import { COMMAND_SCHEMAS, type Command, type CommandInput, type CommandType } from '../commands.js';
import type { AnyHandler } from '../handlers/handler.js';
import { HANDLERS } from '../handlers/index.js';
import { PERMISSIONS } from '../permissions.js';
import { PrivateState, type PrivateEffect } from '../private-state.js';
import { buildTemplate } from '../templates.js';
import {
  checkInvariants,
  dotsNeverLost,
  dotsOf,
  groupTagsFixed,
  leaks,
  type Violation,
} from './invariants.js';
import {
  participantId,
  POOL,
  poolId,
  STAND_IN,
  STAND_INS_PER_KIND,
  type ActorRef,
  type Workshop,
} from './steps.js';

/** When the model's clock starts. */
const START = Date.UTC(2026, 0, 1);

/** A failed property: the step it failed at and what was wrong. */
export class ModelViolation extends Error {
  constructor(
    readonly step: number,
    readonly violations: Violation[],
  ) {
    super(`step ${step}: ${violations.join('; ')}`);
    this.name = 'ModelViolation';
  }
}

/** Private state as plain data, for comparing before and after (its fields are private). */
export function privateSnapshot(state: PrivateState): string {
  return JSON.stringify(state, (_k, v: unknown) => {
    if (v instanceof Map)
      return [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    if (v instanceof Set) return [...v].sort();
    return v;
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface ModelBoard {
  doc: Y.Doc;
  state: PrivateState;
  now: number;
  /** Each participant's group, as the run joined them (kept apart from the private state). */
  groups: Map<string, string | null>;
  /** Note id → the tag due when it was last written, counted from `groups` and the threshold then. */
  written: Map<string, string | null>;
  /** Participants' notes whose text a facilitator changed since they were written. */
  rewritten: Set<string>;
}

export function newBoard(w: Workshop): ModelBoard {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'model',
    template: w.template,
    now: START,
    schemaVersion: BOARD_SCHEMA_VERSION,
    mode: w.mode,
    groupThreshold: w.groupThreshold,
    build: buildTemplate(w.template, 'fi', { x: 0, y: 0 }, w.stations),
    stationAssignment: w.assignment,
  });
  return {
    doc,
    state: new PrivateState(),
    now: START,
    groups: new Map(),
    written: new Map(),
    rewritten: new Set(),
  };
}

/** Replaces stand-ins by the ids of the records they stand for (an absent one stays unknown). */
function resolveStandIns(b: ModelBoard, c: CommandInput): unknown {
  const standIns = new Map<string, string>();
  // The k-th of however many there are: a stand-in misses only when there are none.
  const add = (kind: string, ids: string[]) => {
    for (let k = 0; k < STAND_INS_PER_KIND && ids.length > 0; k++)
      standIns.set(poolId(kind, k), ids[k % ids.length]!);
  };
  add(
    STAND_IN.prompt,
    listPrompts(b.doc).map((p) => p.id),
  );
  add(
    STAND_IN.note,
    listNotes(b.doc).map((n) => n.id),
  );
  add(
    STAND_IN.round,
    listRounds(b.doc).map((r) => r.id),
  );
  add(
    STAND_IN.offstage,
    b.state.offstageNotes().map((n) => n.id),
  );
  return JSON.parse(JSON.stringify(c), (_k, v: unknown) =>
    typeof v === 'string' ? (standIns.get(v) ?? v) : v,
  );
}

function actorOf(b: ModelBoard, ref: ActorRef): Actor | undefined {
  if (ref === 'facilitator' || ref === 'projector') return { role: ref };
  const pid = participantId(ref);
  const p = b.state.participant(pid);
  // The server refuses a session that never joined or was removed before applying anything.
  return p && !p.revoked ? { role: 'participant', participantId: pid } : undefined;
}

function join(b: ModelBoard, i: number, group: string | null): void {
  const id = participantId(i);
  if (b.state.participant(id)) return;
  b.groups.set(id, group);
  const before = group === null ? 0 : b.state.groupMembers(group);
  b.state.addParticipant({ id, group, name: `Nimi ${i}`, revoked: false });
  const station = assignStation(b.doc, b.state, group);
  if (station) b.state.apply({ kind: 'station', participantId: id, promptId: station });
  if (group !== null && before + 1 >= readMeta(b.doc).groupThreshold)
    b.doc.transact(() => refreshGroupCounts(b.doc, b.state));
}

/**
 * Runs one command; its check step alone, and a refusal, must leave the document and the private
 * state as they were.
 */
function command(
  b: ModelBoard,
  actor: Actor,
  c: Command,
): { ok: boolean; code: string; effects: PrivateEffect[]; violations: Violation[] } {
  const docBefore = Y.encodeStateAsUpdate(b.doc);
  const stateBefore = privateSnapshot(b.state);
  const violations: Violation[] = [];
  // A check step only reads, whatever it decides: run alone, it leaves everything as it was.
  const grant = PERMISSIONS[c.type][actor.role];
  if (grant !== 'never') {
    const handler = HANDLERS[c.type] as unknown as AnyHandler<CommandType>;
    b.doc.transact(() => handler.check(b.doc, c, { now: b.now, actor, grant, view: b.state }));
    if (!sameBytes(docBefore, Y.encodeStateAsUpdate(b.doc)))
      violations.push(`the check of ${c.type} wrote the document`);
    if (stateBefore !== privateSnapshot(b.state))
      violations.push(`the check of ${c.type} changed the private state`);
  }
  const effects: PrivateEffect[] = [];
  let result: ReturnType<typeof applyCommand> = { ok: true };
  b.doc.transact(() => {
    result = applyCommand(b.doc, c, {
      now: b.now,
      actor,
      view: b.state,
      emit: (e) => {
        effects.push(e);
        b.state.apply(e);
      },
    });
  });
  const r = result as ReturnType<typeof applyCommand>;
  if (!r.ok) {
    if (effects.length > 0)
      violations.push(`refused ${c.type} (${r.error.code}) emitted ${effects.length} effects`);
    if (!sameBytes(docBefore, Y.encodeStateAsUpdate(b.doc)))
      violations.push(`refused ${c.type} (${r.error.code}) wrote the document`);
    if (stateBefore !== privateSnapshot(b.state))
      violations.push(`refused ${c.type} (${r.error.code}) changed the private state`);
  }
  return { ok: r.ok, code: r.ok ? '' : r.error.code, effects, violations };
}

/** What runs did, for reports: per command type, how often it was applied and refused (by code). */
export interface RunStats {
  applied: number;
  refused: number;
  byOutcome: Map<string, number>;
  /** Participants' notes written with a tag, and without one though their author had a group. */
  tagged: number;
  withheld: number;
  /** Notes written below K whose group had reached K by the end of the run. */
  withheldThenReached: number;
  /** Facilitator changes to the text of a participant's note. */
  rewrites: number;
}

export function newStats(): RunStats {
  return {
    applied: 0,
    refused: 0,
    byOutcome: new Map(),
    tagged: 0,
    withheld: 0,
    withheldThenReached: 0,
    rewrites: 0,
  };
}

/** The tag due for a note `actor` writes now, counted by the run itself from its joins. */
function tagDue(b: ModelBoard, actor: Actor): string | null {
  const g = actor.participantId !== undefined ? (b.groups.get(actor.participantId) ?? null) : null;
  return g !== null && membersOf(b, g) >= readMeta(b.doc).groupThreshold ? g : null;
}

/** A note's text where it is, on the board or offstage. */
function textOf(b: ModelBoard, id: string): string | undefined {
  const m = notesMap(b.doc).get(id);
  return m ? String(m.get('text') ?? '') : b.state.offstage(id)?.text;
}

/** A note is marked edited exactly when a facilitator changed its text since it was written. */
function editMarks(b: ModelBoard): Violation[] {
  const out: Violation[] = [];
  notesMap(b.doc).forEach((m, id) => {
    const marked = m.get('editedByFacilitator') === true;
    if (marked !== b.rewritten.has(id))
      out.push(`note ${id} ${marked ? 'is' : 'is not'} marked edited by the facilitator`);
  });
  return out;
}

/** Members of a group as the run joined them; a removed participant still counts. */
function membersOf(b: ModelBoard, g: string): number {
  return [...b.groups.values()].filter((x) => x === g).length;
}

/** Runs a workshop and throws a {@link ModelViolation} at the first step that breaks a property. */
export function runWorkshop(w: Workshop, stats: RunStats = newStats()): ModelBoard {
  const b = newBoard(w);
  const fail = (i: number, v: Violation[]) => {
    if (v.length > 0) throw new ModelViolation(i, v);
  };
  const secrets = Array.from({ length: POOL.participants }, (_, i) => participantId(i));
  for (const [i, group] of w.joined.entries()) if (group !== 'late') join(b, i, group);
  fail(-1, checkInvariants(b.doc, b.state));
  for (const [i, step] of w.steps.entries()) {
    b.now += step.advance;
    const votesBefore = dotsOf(b.doc, b.state);
    let retract: { roundId: string; noteId: string; participantId: string } | undefined;
    if (step.kind === 'join') join(b, step.participant, step.group);
    else if (step.kind === 'tick') {
      b.doc.transact(() =>
        expireTimer(b.doc, {
          now: b.now,
          actor: { role: 'facilitator' },
          view: b.state,
          emit: (e) => b.state.apply(e),
        }),
      );
    } else {
      const actor = actorOf(b, step.actor);
      const parsed = COMMAND_SCHEMAS[step.command.type].safeParse(resolveStandIns(b, step.command));
      if (!actor || !parsed.success) continue;
      const c = parsed.data as Command;
      const due = c.type === 'note.add' && actor.role === 'participant' ? tagDue(b, actor) : null;
      const textBefore = c.type === 'note.update' ? textOf(b, c.id) : undefined;
      const r = command(b, actor, c);
      if (r.ok) stats.applied += 1;
      else stats.refused += 1;
      const outcome = r.ok ? `${c.type} applied` : `${c.type} ${r.code}`;
      stats.byOutcome.set(outcome, (stats.byOutcome.get(outcome) ?? 0) + 1);
      fail(i, r.violations);
      // A refusal was just shown to change nothing, so the invariants stand as they were.
      if (!r.ok) continue;
      if (
        c.type === 'note.update' &&
        actor.role === 'facilitator' &&
        c.text !== undefined &&
        c.text !== textBefore &&
        b.state.author(c.id) !== null
      ) {
        b.rewritten.add(c.id);
        stats.rewrites += 1;
      }
      if (c.type === 'note.add') {
        b.rewritten.delete(c.id);
        b.written.set(c.id, due);
        const hasGroup = actor.participantId !== undefined && b.groups.get(actor.participantId);
        if (due !== null) stats.tagged += 1;
        else if (hasGroup) stats.withheld += 1;
      }
      if (c.type === 'vote.retract')
        retract = {
          roundId: c.roundId,
          noteId: c.noteId,
          participantId: actor.participantId ?? '',
        };
    }
    fail(i, [
      ...checkInvariants(b.doc, b.state),
      ...dotsNeverLost(votesBefore, dotsOf(b.doc, b.state), retract),
      ...leaks(b.doc, secrets),
      ...groupTagsFixed(b.doc, b.written),
      ...editMarks(b),
    ]);
  }
  const k = readMeta(b.doc).groupThreshold;
  for (const [id, tag] of b.written) {
    const g = tag === null ? b.state.noteGroup(id) : null;
    const exists = notesMap(b.doc).has(id) || b.state.offstage(id) !== undefined;
    if (g !== null && exists && membersOf(b, g) >= k) stats.withheldThenReached += 1;
  }
  return b;
}
