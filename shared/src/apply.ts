/**
 * Applying a validated command to a board: the shared document and, through effects, the
 * server-private state. Every precondition (permission, ownership, locks, existence, limits) is
 * checked before the first write, so a refused command changes nothing. The caller wraps the call
 * in one `doc.transact(fn, origin)` and persists the effects in the same storage transaction.
 */
import * as Y from 'yjs';
import {
  clustersMap,
  DEFAULT_GROUP_LABELS,
  DEFAULT_GROUP_THRESHOLD,
  DEFAULT_NOTE_COLOR,
  FOLLOW_OFF,
  IDLE_TIMER,
  listPrompts,
  metaMap,
  notesMap,
  promptsMap,
  readMeta,
  readPrompt,
  roundsMap,
  type BoardMode,
  type RecordMap,
  type RoleGroup,
  type StationAssignment,
  type TimerState,
} from './board.js';
import { randomId } from './ids.js';
import { buildTemplate, type BuiltTemplate } from './templates.js';
import { monthAt } from './wheel.js';
import type { Command } from './commands.js';
import { noteCenter, promptAt, promptContains } from './geometry.js';
import {
  MAX_CLUSTERS_PER_BOARD,
  MAX_COORDINATE,
  MAX_NOTES_PER_BOARD,
  MAX_PROMPTS_PER_BOARD,
  MAX_ROUNDS_PER_BOARD,
  MAX_TIMER_MS,
} from './limits.js';
import { LOCKABLE_COMMANDS, PERMISSIONS } from './permissions.js';
import type { PrivateEffect, PrivateView, OffstageRecord } from './private-state.js';
import { ErrorCode, type ProtocolError, type Role } from './protocol.js';

/** Who runs a command. */
export interface Actor {
  role: Role;
  /** Set for participants. */
  participantId?: string;
}

export interface ApplyContext {
  /** Current time in ms since the epoch. */
  now: number;
  actor: Actor;
  /** Server-private state as it is before this command. */
  view: PrivateView;
  /** Receives each private change; the caller applies it to its state and persists it. */
  emit: (effect: PrivateEffect) => void;
}

export type ApplyResult = { ok: true } | { ok: false; error: ProtocolError };

const OK: ApplyResult = { ok: true };
function refuse(code: ErrorCode, message: string): ApplyResult {
  return { ok: false, error: { code, message } };
}

/** Seconds resolution: creation times carry no more precision than a reader needs. */
function createdAt(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

function clampCoord(v: number): number {
  return Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, v));
}

/** Where a note a command names is, as far as the caller may know. */
type Located = { where: 'doc'; map: RecordMap } | { where: 'offstage'; rec: OffstageRecord };

function locateNote(doc: Y.Doc, ctx: ApplyContext, id: string): Located | undefined {
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

function promptIdOf(loc: Located): string | null {
  if (loc.where === 'offstage') return loc.rec.promptId;
  const v = loc.map.get('promptId');
  return typeof v === 'string' ? v : null;
}

/** The lock that stops a participant, if any, for notes in these prompts. */
function lockError(
  doc: Y.Doc,
  actor: Actor,
  promptIds: (string | null)[],
): ApplyResult | undefined {
  if (actor.role !== 'participant') return undefined;
  if (metaMap(doc).get('locked') === true) return refuse(ErrorCode.Locked, 'the board is locked');
  for (const id of promptIds) {
    if (id !== null && promptsMap(doc).get(id)?.get('locked') === true) {
      return refuse(ErrorCode.Locked, 'the prompt is locked');
    }
  }
  return undefined;
}

function groupVisible(doc: Y.Doc, view: PrivateView, group: string | null): boolean {
  if (group === null) return false;
  const k = metaMap(doc).get('groupThreshold');
  return view.groupMembers(group) >= (typeof k === 'number' ? k : DEFAULT_GROUP_THRESHOLD);
}

interface NoteFields {
  promptId: string | null;
  text: string;
  x: number;
  y: number;
  color: string;
  createdAt: number;
}

/** Writes a note into the document with exactly the author facts the board may show. */
function insertNote(
  doc: Y.Doc,
  view: PrivateView,
  id: string,
  f: NoteFields,
  participantId: string | null,
  group: string | null,
): void {
  const m = new Y.Map<unknown>();
  m.set('promptId', f.promptId);
  m.set('text', f.text);
  m.set('x', f.x);
  m.set('y', f.y);
  m.set('color', f.color);
  m.set('createdAt', f.createdAt);
  m.set('group', groupVisible(doc, view, group) ? group : null);
  const named = metaMap(doc).get('mode') === 'named';
  m.set('author', named && participantId ? (view.participant(participantId)?.name ?? null) : null);
  m.set('month', monthOf(doc, f.x, f.y));
  m.set('reactions', {});
  m.set('votes', {});
  m.set('cluster', null);
  notesMap(doc).set(id, m);
}

/** The annual-clock month under a note at (x, y), or null on boards without a wheel. */
function monthOf(doc: Y.Doc, x: number, y: number): number | null {
  const wheel = readMeta(doc).wheel;
  return wheel ? monthAt(wheel, noteCenter(x, y)) : null;
}

function bumpWaiting(doc: Y.Doc, promptId: string | null, delta: number): void {
  const target = promptId === null ? metaMap(doc) : promptsMap(doc).get(promptId);
  if (!target) {
    if (promptId !== null) bumpWaiting(doc, null, delta);
    return;
  }
  const now = target.get('waiting');
  target.set('waiting', Math.max(0, (typeof now === 'number' ? now : 0) + delta));
}

function isPrivateWriting(doc: Y.Doc, promptId: string | null): boolean {
  if (metaMap(doc).get('privateWriting') === true) return true;
  return promptId !== null && promptsMap(doc).get(promptId)?.get('privateWriting') === true;
}

/**
 * Moves every private note (of one prompt, or all) into the document in this transaction, so they
 * appear for everyone at the same moment.
 */
function reveal(doc: Y.Doc, ctx: ApplyContext, promptId: string | undefined): void {
  const prompts = listPrompts(doc);
  for (const rec of ctx.view.offstageNotes()) {
    if (rec.state !== 'private') continue;
    if (promptId !== undefined && rec.promptId !== promptId) continue;
    const at = promptAt(prompts, noteCenter(rec.x, rec.y));
    insertNote(doc, ctx.view, rec.id, { ...rec, promptId: at }, rec.participantId, rec.group);
    ctx.emit({ kind: 'offstageDelete', noteId: rec.id });
  }
  if (promptId !== undefined) promptsMap(doc).get(promptId)?.set('waiting', 0);
  else {
    metaMap(doc).set('waiting', 0);
    promptsMap(doc).forEach((p) => p.set('waiting', 0));
  }
}

/** Applies `command` to `doc`. Must run inside a transaction. */
export function applyCommand(doc: Y.Doc, command: Command, ctx: ApplyContext): ApplyResult {
  const { actor } = ctx;
  const grant = PERMISSIONS[command.type][actor.role];
  if (grant === 'never')
    return refuse(ErrorCode.Forbidden, `a ${actor.role} may not ${command.type}`);
  if (
    actor.role === 'participant' &&
    LOCKABLE_COMMANDS.has(command.type) &&
    metaMap(doc).get('locked') === true
  ) {
    return refuse(ErrorCode.Locked, 'the board is locked');
  }
  const notes = notesMap(doc);
  const prompts = promptsMap(doc);

  // Note commands on an existing note: find it, then check ownership and locks.
  if (
    command.type === 'note.move' ||
    command.type === 'note.update' ||
    command.type === 'note.delete'
  ) {
    const loc = locateNote(doc, ctx, command.id);
    if (!loc) return refuse(ErrorCode.NotFound, 'no such note');
    if (grant === 'own' && ctx.view.author(command.id) !== actor.participantId) {
      return refuse(ErrorCode.Forbidden, `only the author may ${command.type}`);
    }
    const from = promptIdOf(loc);
    if (command.type === 'note.move') {
      const to = promptAt(listPrompts(doc), noteCenter(command.x, command.y));
      const locked = lockError(doc, actor, [from, to]);
      if (locked) return locked;
      if (loc.where === 'doc') {
        loc.map.set('x', command.x);
        loc.map.set('y', command.y);
        if (from !== to) loc.map.set('promptId', to);
        const month = monthOf(doc, command.x, command.y);
        if ((loc.map.get('month') ?? null) !== month) loc.map.set('month', month);
      } else {
        if (from !== to && loc.rec.state === 'private') {
          bumpWaiting(doc, from, -1);
          bumpWaiting(doc, to, +1);
        }
        ctx.emit({
          kind: 'offstagePut',
          note: { ...loc.rec, x: command.x, y: command.y, promptId: to },
        });
      }
      return OK;
    }
    const locked = lockError(doc, actor, [from]);
    if (locked) return locked;
    if (command.type === 'note.update') {
      if (loc.where === 'doc') {
        if (command.text !== undefined && loc.map.get('text') !== command.text)
          loc.map.set('text', command.text);
        if (command.color !== undefined && loc.map.get('color') !== command.color)
          loc.map.set('color', command.color);
      } else {
        ctx.emit({
          kind: 'offstagePut',
          note: {
            ...loc.rec,
            text: command.text ?? loc.rec.text,
            color: command.color ?? loc.rec.color,
          },
        });
      }
      return OK;
    }
    // note.delete
    if (loc.where === 'doc') notes.delete(command.id);
    else {
      if (loc.rec.state === 'private') bumpWaiting(doc, from, -1);
      ctx.emit({ kind: 'offstageDelete', noteId: command.id });
    }
    ctx.emit({ kind: 'noteForget', noteId: command.id });
    return OK;
  }

  switch (command.type) {
    case 'note.add': {
      if (
        notes.has(command.id) ||
        ctx.view.offstage(command.id) ||
        ctx.view.author(command.id) !== undefined
      ) {
        return refuse(ErrorCode.AlreadyExists, 'note id is taken');
      }
      if (notes.size + ctx.view.offstageNotes().length >= MAX_NOTES_PER_BOARD) {
        return refuse(ErrorCode.LimitReached, `a board holds at most ${MAX_NOTES_PER_BOARD} notes`);
      }
      const promptId = promptAt(listPrompts(doc), noteCenter(command.x, command.y));
      const locked = lockError(doc, actor, [promptId]);
      if (locked) return locked;
      const participantId = actor.role === 'participant' ? (actor.participantId ?? null) : null;
      const group = participantId ? (ctx.view.participant(participantId)?.group ?? null) : null;
      const fields: NoteFields = {
        promptId,
        text: command.text,
        x: command.x,
        y: command.y,
        color: command.color ?? DEFAULT_NOTE_COLOR,
        createdAt: createdAt(ctx.now),
      };
      ctx.emit({ kind: 'noteMeta', noteId: command.id, participantId, group });
      if (participantId && isPrivateWriting(doc, promptId)) {
        ctx.emit({
          kind: 'offstagePut',
          note: { id: command.id, ...fields, state: 'private', participantId, group },
        });
        bumpWaiting(doc, promptId, +1);
      } else {
        insertNote(doc, ctx.view, command.id, fields, participantId, group);
      }
      return OK;
    }
    case 'note.hide': {
      const m = notes.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such note');
      const participantId = ctx.view.author(command.id) ?? null;
      ctx.emit({
        kind: 'offstagePut',
        note: {
          id: command.id,
          promptId: typeof m.get('promptId') === 'string' ? (m.get('promptId') as string) : null,
          text: String(m.get('text') ?? ''),
          x: Number(m.get('x') ?? 0),
          y: Number(m.get('y') ?? 0),
          color: String(m.get('color') ?? DEFAULT_NOTE_COLOR),
          createdAt: Number(m.get('createdAt') ?? 0),
          state: 'hidden',
          participantId,
          group: ctx.view.noteGroup(command.id),
          kept: {
            reactions: { ...(m.get('reactions') as Record<string, number> | undefined) },
            votes: { ...(m.get('votes') as Record<string, number> | undefined) },
            cluster: typeof m.get('cluster') === 'string' ? (m.get('cluster') as string) : null,
          },
        },
      });
      notes.delete(command.id);
      return OK;
    }
    case 'note.unhide': {
      const rec = ctx.view.offstage(command.id);
      if (!rec || rec.state !== 'hidden') return refuse(ErrorCode.NotFound, 'no such hidden note');
      const at = promptAt(listPrompts(doc), noteCenter(rec.x, rec.y));
      insertNote(doc, ctx.view, rec.id, { ...rec, promptId: at }, rec.participantId, rec.group);
      if (rec.kept) {
        // Reactions and votes were counted server-side all along; the note gets its totals back.
        const m = notes.get(rec.id)!;
        m.set('reactions', rec.kept.reactions);
        m.set('votes', rec.kept.votes);
        if (rec.kept.cluster && clustersMap(doc).has(rec.kept.cluster))
          m.set('cluster', rec.kept.cluster);
      }
      ctx.emit({ kind: 'offstageDelete', noteId: rec.id });
      return OK;
    }
    case 'prompt.add': {
      if (prompts.has(command.id)) return refuse(ErrorCode.AlreadyExists, 'prompt id is taken');
      if (prompts.size >= MAX_PROMPTS_PER_BOARD) {
        return refuse(
          ErrorCode.LimitReached,
          `a board holds at most ${MAX_PROMPTS_PER_BOARD} prompts`,
        );
      }
      const m = new Y.Map<unknown>();
      m.set('title', command.title);
      m.set('x', command.x);
      m.set('y', command.y);
      m.set('w', command.w);
      m.set('h', command.h);
      m.set('createdAt', createdAt(ctx.now));
      m.set('locked', false);
      m.set('privateWriting', false);
      m.set('waiting', 0);
      m.set('description', '');
      m.set('station', null);
      prompts.set(command.id, m);
      reassignNotes(doc);
      return OK;
    }
    case 'prompt.update': {
      const m = prompts.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such prompt');
      const dx = command.x === undefined ? 0 : command.x - (m.get('x') as number);
      const dy = command.y === undefined ? 0 : command.y - (m.get('y') as number);
      if (command.title !== undefined && m.get('title') !== command.title)
        m.set('title', command.title);
      for (const key of ['x', 'y', 'w', 'h', 'locked'] as const) {
        const v = command[key];
        if (v !== undefined && m.get(key) !== v) m.set(key, v);
      }
      if (
        command.privateWriting !== undefined &&
        m.get('privateWriting') !== command.privateWriting
      ) {
        m.set('privateWriting', command.privateWriting);
        // Ending private writing reveals what was written during it.
        if (!command.privateWriting) reveal(doc, ctx, command.id);
      }
      if (dx !== 0 || dy !== 0) {
        // The annual clock drawn inside a prompt moves with it.
        const wheel = readMeta(doc).wheel;
        const old = { x: m.get('x') as number, y: m.get('y') as number };
        if (
          wheel &&
          promptContains({ ...readPrompt(command.id, m), x: old.x - dx, y: old.y - dy }, wheel)
        ) {
          metaMap(doc).set('wheel', { ...wheel, x: wheel.x + dx, y: wheel.y + dy });
        }
        // A prompt carries its notes along, as a frame does; waiting notes too.
        notes.forEach((n) => {
          if (n.get('promptId') !== command.id) return;
          const x = clampCoord((n.get('x') as number) + dx);
          const y = clampCoord((n.get('y') as number) + dy);
          n.set('x', x);
          n.set('y', y);
          const month = monthOf(doc, x, y);
          if ((n.get('month') ?? null) !== month) n.set('month', month);
        });
        for (const rec of ctx.view.offstageNotes()) {
          if (rec.promptId !== command.id) continue;
          ctx.emit({
            kind: 'offstagePut',
            note: { ...rec, x: clampCoord(rec.x + dx), y: clampCoord(rec.y + dy) },
          });
        }
      }
      if (dx !== 0 || dy !== 0 || command.w !== undefined || command.h !== undefined)
        reassignNotes(doc);
      return OK;
    }
    case 'prompt.delete': {
      const m = prompts.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such prompt');
      const waiting = m.get('waiting');
      prompts.delete(command.id);
      for (const rec of ctx.view.offstageNotes()) {
        if (rec.promptId === command.id)
          ctx.emit({ kind: 'offstagePut', note: { ...rec, promptId: null } });
      }
      if (typeof waiting === 'number' && waiting > 0) bumpWaiting(doc, null, waiting);
      // Notes stay where they are, on the open canvas or in a prompt underneath.
      reassignNotes(doc);
      return OK;
    }
    case 'board.update': {
      const meta = metaMap(doc);
      if (command.title !== undefined && meta.get('title') !== command.title) {
        meta.set('title', command.title);
        ctx.emit({ kind: 'title', title: command.title });
      }
      if (command.locked !== undefined && meta.get('locked') !== command.locked)
        meta.set('locked', command.locked);
      if (
        command.privateWriting !== undefined &&
        meta.get('privateWriting') !== command.privateWriting
      ) {
        meta.set('privateWriting', command.privateWriting);
        if (!command.privateWriting) reveal(doc, ctx, undefined);
      }
      if (
        command.groupThreshold !== undefined &&
        meta.get('groupThreshold') !== command.groupThreshold
      ) {
        meta.set('groupThreshold', command.groupThreshold);
        refreshGroupTags(doc, ctx.view);
      }
      if (
        command.participantExport !== undefined &&
        (meta.get('participantExport') ?? false) !== command.participantExport
      )
        meta.set('participantExport', command.participantExport);
      return OK;
    }
    case 'board.reveal': {
      if (command.promptId !== undefined && !prompts.has(command.promptId)) {
        return refuse(ErrorCode.NotFound, 'no such prompt');
      }
      reveal(doc, ctx, command.promptId);
      return OK;
    }
    case 'participant.remove': {
      let participantId: string | null | undefined;
      if ('participantId' in command) participantId = command.participantId;
      else {
        const loc = locateNote(doc, ctx, command.noteId);
        participantId = loc ? ctx.view.author(command.noteId) : undefined;
        if (participantId === undefined) return refuse(ErrorCode.NotFound, 'no such note');
        if (participantId === null)
          return refuse(ErrorCode.NotFound, 'the note has no participant author');
      }
      const p = ctx.view.participant(participantId);
      if (!p || p.revoked) return refuse(ErrorCode.NotFound, 'no such participant');
      ctx.emit({ kind: 'revoke', participantId });
      return OK;
    }
    case 'board.rotateKey': {
      ctx.emit({ kind: 'rotateKey', key: command.key });
      return OK;
    }
    case 'timer.set':
    case 'timer.start':
    case 'timer.pause':
    case 'timer.stop':
    case 'timer.addTime':
      return applyTimer(doc, command, ctx.now);
    case 'vote.start': {
      const rounds = roundsMap(doc);
      if (rounds.has(command.roundId)) return refuse(ErrorCode.AlreadyExists, 'round id is taken');
      if (rounds.size >= MAX_ROUNDS_PER_BOARD)
        return refuse(ErrorCode.LimitReached, `at most ${MAX_ROUNDS_PER_BOARD} rounds`);
      if (command.maxPerNote > command.dots)
        return refuse(ErrorCode.InvalidCommand, 'maxPerNote is more than dots');
      if (command.promptIds?.some((id) => !prompts.has(id)))
        return refuse(ErrorCode.NotFound, 'no such prompt');
      rounds.set(command.roundId, {
        id: command.roundId,
        label: command.label,
        dots: command.dots,
        maxPerNote: command.maxPerNote,
        promptIds: command.promptIds,
        showTotals: command.showTotals,
        state: 'open',
        createdAt: createdAt(ctx.now),
        endedAt: 0,
      });
      return OK;
    }
    case 'vote.cast':
    case 'vote.retract': {
      const round = roundsMap(doc).get(command.roundId);
      if (!round) return refuse(ErrorCode.NotFound, 'no such round');
      if (round.state !== 'open') return refuse(ErrorCode.RoundClosed, 'the round is closed');
      const note = notes.get(command.noteId);
      if (!note) return refuse(ErrorCode.NotFound, 'no such note');
      const promptId = note.get('promptId');
      if (
        round.promptIds &&
        !(typeof promptId === 'string' && round.promptIds.includes(promptId))
      ) {
        return refuse(ErrorCode.NotVotable, 'the note is not in this round');
      }
      const pid = actor.participantId ?? '';
      const mine = ctx.view.votesOf(round.id, pid);
      const onNote = mine.get(command.noteId) ?? 0;
      if (command.type === 'vote.cast') {
        // Dots on notes that are gone (deleted or hidden) stay counted: handing them back would let
        // a participant hide-and-vote past the round's budget.
        let used = 0;
        for (const n of mine.values()) used += n;
        if (used >= round.dots) return refuse(ErrorCode.VoteBudget, 'no dots left');
        if (onNote >= round.maxPerNote)
          return refuse(ErrorCode.VoteBudget, 'most dots on this note already');
      } else if (onNote === 0) return refuse(ErrorCode.NotFound, 'no dot on this note');
      const delta = command.type === 'vote.cast' ? 1 : -1;
      ctx.emit({
        kind: 'vote',
        roundId: round.id,
        participantId: pid,
        noteId: command.noteId,
        delta,
      });
      if (round.showTotals) addToTotal(note, round.id, delta);
      return OK;
    }
    case 'vote.end': {
      const round = roundsMap(doc).get(command.roundId);
      if (!round) return refuse(ErrorCode.NotFound, 'no such round');
      if (round.state !== 'open') return refuse(ErrorCode.RoundClosed, 'the round is closed');
      if (!round.showTotals) {
        // Totals were withheld while the round ran; they appear all at once now.
        const totals = new Map<string, number>();
        for (const byNote of ctx.view.roundVotes(round.id).values()) {
          for (const [noteId, n] of byNote) totals.set(noteId, (totals.get(noteId) ?? 0) + n);
        }
        for (const [noteId, n] of totals) {
          const note = notes.get(noteId);
          if (note) addToTotal(note, round.id, n);
        }
      }
      roundsMap(doc).set(round.id, { ...round, state: 'closed', endedAt: createdAt(ctx.now) });
      return OK;
    }
    case 'reaction.toggle': {
      const note = notes.get(command.noteId);
      if (!note) return refuse(ErrorCode.NotFound, 'no such note');
      const who = actor.role === 'participant' ? (actor.participantId ?? '') : 'facilitator';
      const on = !ctx.view.hasReacted(command.noteId, command.reaction, who);
      ctx.emit({
        kind: 'reaction',
        noteId: command.noteId,
        reaction: command.reaction,
        actor: who,
        on,
      });
      const counts = { ...(note.get('reactions') as Record<string, number> | undefined) };
      const n = (counts[command.reaction] ?? 0) + (on ? 1 : -1);
      if (n > 0) counts[command.reaction] = n;
      else delete counts[command.reaction];
      note.set('reactions', counts);
      return OK;
    }
    case 'notes.move': {
      for (const m of command.moves)
        if (!notes.has(m.id)) return refuse(ErrorCode.NotFound, `no such note ${m.id}`);
      const all = listPrompts(doc);
      for (const mv of command.moves) {
        const n = notes.get(mv.id)!;
        n.set('x', mv.x);
        n.set('y', mv.y);
        const to = promptAt(all, noteCenter(mv.x, mv.y));
        if ((n.get('promptId') ?? null) !== to) n.set('promptId', to);
        const month = monthOf(doc, mv.x, mv.y);
        if ((n.get('month') ?? null) !== month) n.set('month', month);
      }
      return OK;
    }
    case 'notes.update': {
      for (const id of command.ids)
        if (!notes.has(id)) return refuse(ErrorCode.NotFound, `no such note ${id}`);
      for (const id of command.ids) {
        const n = notes.get(id)!;
        if (n.get('color') !== command.color) n.set('color', command.color);
      }
      return OK;
    }
    case 'cluster.add': {
      const clusters = clustersMap(doc);
      if (clusters.has(command.id)) return refuse(ErrorCode.AlreadyExists, 'cluster id is taken');
      if (clusters.size >= MAX_CLUSTERS_PER_BOARD)
        return refuse(ErrorCode.LimitReached, `at most ${MAX_CLUSTERS_PER_BOARD} clusters`);
      for (const id of command.noteIds)
        if (!notes.has(id)) return refuse(ErrorCode.NotFound, `no such note ${id}`);
      clusters.set(command.id, {
        id: command.id,
        label: command.label,
        createdAt: createdAt(ctx.now),
      });
      for (const id of command.noteIds) notes.get(id)!.set('cluster', command.id);
      return OK;
    }
    case 'cluster.update': {
      const c = clustersMap(doc).get(command.id);
      if (!c) return refuse(ErrorCode.NotFound, 'no such cluster');
      clustersMap(doc).set(command.id, { ...c, label: command.label });
      return OK;
    }
    case 'cluster.delete': {
      if (!clustersMap(doc).has(command.id)) return refuse(ErrorCode.NotFound, 'no such cluster');
      clustersMap(doc).delete(command.id);
      notes.forEach((n) => {
        if (n.get('cluster') === command.id) n.set('cluster', null);
      });
      return OK;
    }
    case 'follow.set': {
      if (
        command.mode === 'prompt' &&
        (command.promptId === undefined || !prompts.has(command.promptId))
      ) {
        return refuse(ErrorCode.NotFound, 'no such prompt');
      }
      const prev = readMeta(doc).follow;
      metaMap(doc).set('follow', {
        mode: command.mode,
        x: command.x ?? prev.x,
        y: command.y ?? prev.y,
        zoom: command.zoom ?? prev.zoom,
        promptId: command.mode === 'prompt' ? (command.promptId ?? null) : null,
        seq: prev.seq + 1,
      });
      return OK;
    }
    case 'template.insert': {
      const built = buildTemplate(
        command.template,
        command.locale,
        { x: command.x, y: command.y },
        command.stations,
      );
      if (built.wheel && readMeta(doc).wheel)
        return refuse(ErrorCode.AlreadyExists, 'the board has a wheel already');
      if (prompts.size + built.prompts.length > MAX_PROMPTS_PER_BOARD) {
        return refuse(
          ErrorCode.LimitReached,
          `a board holds at most ${MAX_PROMPTS_PER_BOARD} prompts`,
        );
      }
      insertTemplate(
        doc,
        built,
        ctx.now,
        command.template === 'stations' ? (command.assignment ?? 'balanced') : null,
      );
      return OK;
    }
    case 'station.choose': {
      const meta = readMeta(doc);
      if (meta.stationAssignment !== 'self')
        return refuse(ErrorCode.Forbidden, 'stations are assigned by the facilitator');
      const p = prompts.get(command.promptId);
      if (!p || typeof p.get('station') !== 'number')
        return refuse(ErrorCode.NotFound, 'no such station');
      ctx.emit({
        kind: 'station',
        participantId: actor.participantId ?? '',
        promptId: command.promptId,
      });
      return OK;
    }
  }
}

function addToTotal(note: RecordMap, roundId: string, delta: number): void {
  const votes = { ...(note.get('votes') as Record<string, number> | undefined) };
  const n = (votes[roundId] ?? 0) + delta;
  if (n > 0) votes[roundId] = n;
  else delete votes[roundId];
  note.set('votes', votes);
}

type TimerCommand = Extract<Command, { type: `timer.${string}` }>;

function applyTimer(doc: Y.Doc, command: TimerCommand, now: number): ApplyResult {
  const t = readMeta(doc).timer;
  let next: TimerState;
  switch (command.type) {
    case 'timer.set':
      next = {
        state: 'idle',
        durationMs: command.durationMs,
        endsAt: 0,
        remainingMs: command.durationMs,
        onEnd: command.onEnd ?? t.onEnd,
        sound: command.sound ?? t.sound,
      };
      break;
    case 'timer.start':
      if (t.state === 'running') return OK;
      if (t.remainingMs <= 0) return refuse(ErrorCode.InvalidCommand, 'set the timer first');
      next = { ...t, state: 'running', endsAt: now + t.remainingMs };
      break;
    case 'timer.pause':
      if (t.state !== 'running') return OK;
      next = { ...t, state: 'paused', remainingMs: Math.max(0, t.endsAt - now), endsAt: 0 };
      break;
    case 'timer.stop':
      next = { ...t, state: 'idle', endsAt: 0, remainingMs: t.durationMs };
      break;
    case 'timer.addTime':
      if (t.state === 'running') {
        next = { ...t, endsAt: Math.max(now, Math.min(now + MAX_TIMER_MS, t.endsAt + command.ms)) };
      } else {
        const remaining = Math.max(0, Math.min(MAX_TIMER_MS, t.remainingMs + command.ms));
        next = { ...t, remainingMs: remaining, state: t.state === 'ended' ? 'paused' : t.state };
      }
      break;
  }
  metaMap(doc).set('timer', next);
  return OK;
}

/**
 * Ends a running timer whose time is up, and does what it was set to do at the end. Returns
 * whether anything changed. The server calls it when the timer's end arrives.
 */
export function expireTimer(doc: Y.Doc, ctx: ApplyContext): boolean {
  const t = readMeta(doc).timer;
  if (t.state !== 'running' || t.endsAt > ctx.now) return false;
  metaMap(doc).set('timer', { ...t, state: 'ended', endsAt: 0, remainingMs: 0 });
  if (t.onEnd === 'lock') metaMap(doc).set('locked', true);
  if (t.onEnd === 'reveal') {
    metaMap(doc).set('privateWriting', false);
    promptsMap(doc).forEach((p) => {
      if (p.get('privateWriting') === true) p.set('privateWriting', false);
    });
    reveal(doc, ctx, undefined);
  }
  return true;
}

/** Adds a built template's prompts (and wheel) to the document. */
function insertTemplate(
  doc: Y.Doc,
  built: BuiltTemplate,
  now: number,
  assignment: StationAssignment | null,
): void {
  const prompts = promptsMap(doc);
  for (const [i, p] of built.prompts.entries()) {
    const m = new Y.Map<unknown>();
    m.set('title', p.title);
    m.set('description', p.description);
    m.set('x', p.x);
    m.set('y', p.y);
    m.set('w', p.w);
    m.set('h', p.h);
    // Successive milliseconds keep the template's order stable for every reader.
    m.set('createdAt', createdAt(now) + i);
    m.set('locked', false);
    m.set('privateWriting', false);
    m.set('waiting', 0);
    m.set('station', p.station ?? null);
    prompts.set(randomId(20), m);
  }
  if (built.wheel) metaMap(doc).set('wheel', built.wheel);
  if (assignment) metaMap(doc).set('stationAssignment', assignment);
  reassignNotes(doc);
}

/**
 * The station a newly joined participant goes to, by the board's rule: `balanced` fills the
 * emptiest station; `mixed` spreads each role group evenly across stations; `self` assigns none.
 */
export function assignStation(
  doc: Y.Doc,
  view: PrivateView,
  group: string | null,
): string | undefined {
  const mode = readMeta(doc).stationAssignment;
  if (!mode || mode === 'self') return undefined;
  const stations = listPrompts(doc).filter((p) => p.station !== null);
  if (stations.length === 0) return undefined;
  const { total, byGroup } = view.stationCounts();
  let best = stations[0]!;
  let bestKey = [Infinity, Infinity];
  for (const s of stations) {
    const all = total.get(s.id) ?? 0;
    const same = mode === 'mixed' ? (byGroup.get(s.id)?.get(group ?? '') ?? 0) : 0;
    const key = [same, all];
    if (key[0]! < bestKey[0]! || (key[0] === bestKey[0] && key[1]! < bestKey[1]!)) {
      best = s;
      bestKey = key;
    }
  }
  return best.id;
}

/** Recomputes which prompt holds each note, writing only what changed. */
function reassignNotes(doc: Y.Doc): void {
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

/**
 * Makes the document's group tags and counts match the threshold: a group's tag shows on notes,
 * and its count in `meta.groupCounts`, only while it has at least K members. Writes only changes.
 */
export function refreshGroupTags(doc: Y.Doc, view: PrivateView): void {
  const meta = readMeta(doc);
  const counts: Record<string, number> = {};
  for (const g of meta.groups) {
    const n = view.groupMembers(g.id);
    if (n >= meta.groupThreshold) counts[g.id] = n;
  }
  if (JSON.stringify(counts) !== JSON.stringify(meta.groupCounts))
    metaMap(doc).set('groupCounts', counts);
  notesMap(doc).forEach((m, id) => {
    const g = view.noteGroup(id);
    const want = g !== null && counts[g] !== undefined ? g : null;
    if ((m.get('group') ?? null) !== want) m.set('group', want);
  });
}

/** Settings of a new board. */
export interface BoardInit {
  title: string;
  template: string;
  now: number;
  schemaVersion: number;
  mode?: BoardMode;
  groups?: RoleGroup[];
  groupThreshold?: number;
  /** The template's prompts, from {@link buildTemplate}. */
  build?: BuiltTemplate;
  stationAssignment?: StationAssignment;
}

/** The default role groups, with stable ids. */
export function defaultGroups(): RoleGroup[] {
  return DEFAULT_GROUP_LABELS.map((label, i) => ({ id: `g${i + 1}`, label }));
}

/** Fills a fresh document with a new board's meta record. */
export function initBoardDoc(doc: Y.Doc, init: BoardInit): void {
  doc.transact(() => {
    const meta = metaMap(doc);
    meta.set('schemaVersion', init.schemaVersion);
    meta.set('title', init.title);
    meta.set('template', init.template);
    meta.set('createdAt', createdAt(init.now));
    meta.set('mode', init.mode ?? 'anonymous');
    meta.set('locked', false);
    meta.set('privateWriting', false);
    meta.set('waiting', 0);
    meta.set('groups', init.groups ?? defaultGroups());
    meta.set('groupThreshold', init.groupThreshold ?? DEFAULT_GROUP_THRESHOLD);
    meta.set('groupCounts', {});
    meta.set('wheel', null);
    meta.set('timer', IDLE_TIMER);
    meta.set('follow', FOLLOW_OFF);
    meta.set('stationAssignment', null);
    meta.set('participantExport', false);
    if (init.build) insertTemplate(doc, init.build, init.now, init.stationAssignment ?? null);
  });
}
