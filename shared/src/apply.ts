/**
 * Applying a validated command to a board: the shared document and, through effects, the
 * server-private state. The permission table and the board lock are checked here; then the
 * command's handler (`handlers/`) checks everything else without writing and either refuses or
 * hands back a plan, which its apply step writes. A refused command therefore changes nothing.
 * Counts derived from other state (waiting notes) are recomputed after the write. The caller wraps
 * the call in one `doc.transact(fn, origin)` and persists the effects in the same storage
 * transaction.
 */
import type * as Y from 'yjs';
import {
  coarseTime,
  DEFAULT_GROUP_LABELS,
  DEFAULT_GROUP_THRESHOLD,
  FOLLOW_OFF,
  IDLE_TIMER,
  metaMap,
  type BoardMode,
  type RoleGroup,
  type StationAssignment,
} from './board.js';
import type { Command, CommandType } from './commands.js';
import { insertTemplate } from './handlers/board-doc.js';
import { refreshWaiting } from './handlers/derive.js';
import { refuse, type Actor, type AnyHandler } from './handlers/handler.js';
import { HANDLERS } from './handlers/index.js';
import { LOCKABLE_COMMANDS, PERMISSIONS } from './permissions.js';
import type { PrivateEffect, PrivateView } from './private-state.js';
import { ErrorCode, type ProtocolError } from './protocol.js';
import type { BuiltTemplate } from './templates.js';

export { refreshGroupCounts } from './handlers/derive.js';
export { expireTimer } from './handlers/timer.js';
export { assignStation } from './handlers/stations.js';
export type { Actor } from './handlers/handler.js';

export interface ApplyContext {
  /** Current time in ms since the epoch. */
  now: number;
  actor: Actor;
  /** Server-private state as it is before this command. */
  view: PrivateView;
  /**
   * Receives each private change; the caller applies it at once to the state `view` reads (later
   * reads in the same command see it) and persists it.
   */
  emit: (effect: PrivateEffect) => void;
}

export type ApplyResult = { ok: true } | { ok: false; error: ProtocolError };

const OK: ApplyResult = { ok: true };

/** Applies `command` to `doc`. Must run inside a transaction. */
export function applyCommand(doc: Y.Doc, command: Command, ctx: ApplyContext): ApplyResult {
  const { actor, now, view } = ctx;
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
  const handler = HANDLERS[command.type] as unknown as AnyHandler<CommandType>;
  const checked = handler.check(doc, command, { now, actor, grant, view });
  if (!checked.ok) return checked;
  let offstageChanged = false;
  handler.apply(doc, checked.plan, {
    now,
    actor,
    grant,
    view,
    emit: (e) => {
      if (e.kind === 'offstagePut' || e.kind === 'offstageDelete') offstageChanged = true;
      ctx.emit(e);
    },
  });
  if (offstageChanged) refreshWaiting(doc, view);
  return OK;
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
    meta.set('createdAt', coarseTime(init.now));
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
