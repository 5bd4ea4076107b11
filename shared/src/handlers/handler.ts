/**
 * The shape of a command handler. Each command has one, in the table of `handlers/index.ts`:
 * `check` reads the board and decides, without writing anything, whether the command is refused
 * (a typed error) or what it will do (a plan); `apply` writes that plan. Because only `apply`
 * writes, a refused command changes nothing — the property tests in `model/` hold every handler
 * to that.
 */
import type * as Y from 'yjs';
import type { CommandOf, CommandType } from '../commands.js';
import type { Grant } from '../permissions.js';
import type { PrivateEffect, PrivateView } from '../private-state.js';
import type { ErrorCode, ProtocolError, Role } from '../protocol.js';

/** Who runs a command. */
export interface Actor {
  role: Role;
  /** Set for participants. */
  participantId?: string;
}

/** What a check may read: the time, the actor, their grant and the private state. */
export interface CheckContext {
  /** Current time in ms since the epoch. */
  now: number;
  actor: Actor;
  /** The permission table's grant for this actor and command (never `never` here). */
  grant: Grant;
  /** Server-private state as it is before this command. */
  view: PrivateView;
}

/** What an apply step may do besides writing the document: report private changes. */
export interface WriteContext extends CheckContext {
  /**
   * Receives each private change. The caller applies it to the state `view` reads before it
   * returns, so a later read in the same command sees it, and persists it.
   */
  emit: (effect: PrivateEffect) => void;
}

/** A command refused, with the reason the client is told. */
export interface Refusal {
  ok: false;
  error: ProtocolError;
}

/** The outcome of a check: a refusal, or the plan the apply step writes. */
export type Checked<P> = Refusal | { ok: true; plan: P };

export function refuse(code: ErrorCode, message: string): Refusal {
  return { ok: false, error: { code, message } };
}

export function plan<P>(p: P): { ok: true; plan: P } {
  return { ok: true, plan: p };
}

/** A command's two steps; `P` is the plan its check hands to its apply. */
export interface Handler<K extends CommandType, P> {
  check(doc: Y.Doc, command: CommandOf<K>, ctx: CheckContext): Checked<P>;
  apply(doc: Y.Doc, plan: P, ctx: WriteContext): void;
}

/** A handler with its plan type hidden, as the table holds it. */
export interface AnyHandler<K extends CommandType> {
  check(doc: Y.Doc, command: CommandOf<K>, ctx: CheckContext): Checked<unknown>;
  apply(doc: Y.Doc, plan: unknown, ctx: WriteContext): void;
}

/**
 * Declares a handler. The plan type is checked between the two steps here and hidden from the
 * table, which only ever passes a check's plan to the same handler's apply.
 */
export function defineHandler<K extends CommandType, P>(_type: K, h: Handler<K, P>): AnyHandler<K> {
  return h as unknown as AnyHandler<K>;
}
