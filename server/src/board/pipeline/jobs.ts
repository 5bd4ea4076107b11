/**
 * What waits in a board's queue, what each job comes to, and how a job is answered. Shared by the
 * phases of the batch pipeline (see `live-board.ts`).
 */
import {
  type ErrorCode,
  type CommandAck,
  type CommandEnvelope,
  type ProtocolError,
} from '@pajataulu/shared';
import type { ParticipantRecord } from '../../storage/storage.js';
import { actorKey, type Session } from '../session.js';

export type JoinResult = { ok: true } | { ok: false; error: ProtocolError };

export interface CommandJob {
  kind: 'command';
  session: Session;
  envelope: CommandEnvelope;
  resolve: (ack: CommandAck) => void;
}
export interface JoinJob {
  kind: 'join';
  participant: ParticipantRecord;
  resolve: (r: JoinResult) => void;
}
/** The timer's end has come: run what it was set to do. */
export interface TickJob {
  kind: 'tick';
  resolve: (r: JoinResult) => void;
}
/** Another instance committed batch `seq` (announced over Redis). */
export interface RemoteJob {
  kind: 'remote';
  seq: number;
  updateId: number | undefined;
  update: Uint8Array | null;
}
/** Catch up with storage (shared storage); resolves false when storage cannot be read. */
export interface CatchUpJob {
  kind: 'catchUp';
  resolve: (ok: boolean) => void;
}

export type Job = CommandJob | JoinJob | TickJob | RemoteJob | CatchUpJob;
/** A job that changes the board and is committed: what the check/apply phase takes. */
export type WriteJob = CommandJob | JoinJob | TickJob;

/** What one write job came to. */
export type Outcome =
  | { kind: 'applied'; result?: Record<string, string> }
  | { kind: 'duplicate' }
  | { kind: 'refused'; error: ProtocolError };

/** The jobs of one batch, by what the pipeline does with them. */
export interface SortedJobs {
  /** Announcements of other instances' batches, oldest first. */
  remote: RemoteJob[];
  catchUps: CatchUpJob[];
  writes: WriteJob[];
}

/** Splits a batch's jobs by phase; write jobs keep their order. */
export function sortJobs(jobs: readonly Job[]): SortedJobs {
  const sorted: SortedJobs = { remote: [], catchUps: [], writes: [] };
  for (const j of jobs) {
    if (j.kind === 'remote') sorted.remote.push(j);
    else if (j.kind === 'catchUp') sorted.catchUps.push(j);
    else sorted.writes.push(j);
  }
  sorted.remote.sort((a, b) => a.seq - b.seq);
  return sorted;
}

/** The key under which a command is remembered as applied: actor and command id. */
export function commandKey(session: Session, commandId: string): string {
  return `${actorKey(session)}\u0000${commandId}`;
}

export function err(code: ErrorCode, message: string): ProtocolError {
  return { code, message };
}

/** Answers a job with a refusal (a catch-up with false; an announcement needs no answer). */
export function resolveRefused(job: Job, error: ProtocolError): void {
  if (job.kind === 'command') job.resolve({ ok: false, error });
  else if (job.kind === 'catchUp') job.resolve(false);
  else if (job.kind !== 'remote') job.resolve({ ok: false, error });
}
