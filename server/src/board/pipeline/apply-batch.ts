/**
 * Phase 3 of the batch pipeline: checking and applying. Each job of the batch is checked (removed
 * session, retry, poisoned command) and applied to the document, each in its own transaction, and
 * to the private state. The result is the storage write for the batch, what each job came to, and
 * the audience ledger that becomes the batch's delivery plan.
 */
import * as Y from 'yjs';
import {
  applyCommand,
  assignStation,
  ErrorCode,
  expireTimer,
  metaMap,
  readMeta,
  refreshGroupCounts,
  type CommandEnvelope,
  type PrivateEffect,
  type PrivateState,
} from '@pajataulu/shared';
import { hashSecret } from '../../crypto.js';
import type { CommitBatch, ParticipantRecord } from '../../storage/storage.js';
import { actorKey, type Session } from '../session.js';
import { AudienceLedger } from './audiences.js';
import type { RecentCommands } from './dedupe.js';
import { commandKey, err, type Outcome, type WriteJob } from './jobs.js';

/** Transaction origin of every change the server makes through a command or a join. */
export const COMMAND_ORIGIN = Symbol('pajataulu.command');

/** What the apply phase works on: one board, as it stands after catching up. */
export interface ApplyContext {
  readonly boardId: string;
  readonly doc: Y.Doc;
  readonly state: PrivateState;
  readonly recent: RecentCommands;
  /** Whether a command (by its key) threw here before; it is then refused unapplied. */
  poisoned(commandKey: string): boolean;
  /** Told the key of the command being applied (undefined after), so a throw can be pinned on it. */
  applying(commandKey: string | undefined): void;
  /** The revision to record in the document for a batch that changed it. */
  nextRevision(): number;
  /** Test seam: see `RegistryOptions.beforeApply`. */
  beforeApply?: (boardId: string, envelope: CommandEnvelope) => void;
}

/** A batch applied in memory, not yet committed. */
export interface AppliedBatch {
  /** The storage write: merged document update, command ids, private effects, joins. */
  commit: CommitBatch;
  /** What each job came to, in the order of the jobs. */
  outcomes: Outcome[];
  /** Who must hear of what, once the batch is committed. */
  ledger: AudienceLedger;
}

/**
 * Applies `jobs` to the board. `duplicate[i]` says job i is a retry (see `findRetries`). Throws
 * only on a bug; the document may then hold part of the batch.
 */
export function applyBatch(
  ctx: ApplyContext,
  jobs: readonly WriteJob[],
  duplicate: readonly boolean[],
  at: number,
): AppliedBatch {
  const updates: Uint8Array[] = [];
  const onUpdate = (u: Uint8Array, origin: unknown) => {
    if (origin === COMMAND_ORIGIN) updates.push(u);
  };
  const commit: CommitBatch = {
    boardId: ctx.boardId,
    update: null,
    commands: [],
    effects: [],
    joined: [],
    at,
  };
  const ledger = new AudienceLedger();
  const outcomes: Outcome[] = [];
  ctx.doc.on('update', onUpdate);
  try {
    jobs.forEach((job, i) => {
      if (job.kind === 'join') {
        outcomes.push(applyJoin(ctx, job.participant, commit, ledger));
        return;
      }
      if (job.kind === 'tick') {
        outcomes.push(applyTick(ctx, at, commit, ledger));
        return;
      }
      const key = commandKey(job.session, job.envelope.id);
      if (duplicate[i] || ctx.recent.has(key)) {
        outcomes.push({ kind: 'duplicate' });
        return;
      }
      if (ctx.poisoned(key)) {
        outcomes.push({
          kind: 'refused',
          error: err(ErrorCode.Internal, 'this command failed on the server; it is not retried'),
        });
        return;
      }
      ctx.applying(key);
      ctx.beforeApply?.(ctx.boardId, job.envelope);
      const o = applyOne(ctx, job.session, job.envelope, at, commit, ledger);
      ctx.applying(undefined);
      if (o.kind === 'applied') {
        ctx.recent.remember(key);
        commit.commands.push({ actor: actorKey(job.session), commandId: job.envelope.id });
        ledger.applied(job.session, job.envelope.command);
      }
      outcomes.push(o);
    });
    if (updates.length > 0) {
      // Deletions do not advance a Yjs clock; this write does, so the version in the
      // acknowledgements marks every change of the batch, deletions included.
      ctx.doc.transact(() => metaMap(ctx.doc).set('rev', ctx.nextRevision()), COMMAND_ORIGIN);
    }
  } finally {
    ctx.doc.off('update', onUpdate);
  }
  if (updates.length > 0)
    commit.update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
  return { commit, outcomes, ledger };
}

/** An effect as every apply step takes it: noted for its audience, then applied, then kept. */
function taker(ctx: ApplyContext, ledger: AudienceLedger, effects: PrivateEffect[]) {
  return (e: PrivateEffect) => {
    // Audiences are worked out before the state forgets what the effect removes.
    ledger.effect(e, ctx.state);
    ctx.state.apply(e);
    effects.push(e);
  };
}

function applyTick(
  ctx: ApplyContext,
  now: number,
  commit: CommitBatch,
  ledger: AudienceLedger,
): Outcome {
  const effects: PrivateEffect[] = [];
  ctx.doc.transact(() => {
    expireTimer(ctx.doc, {
      now,
      actor: { role: 'facilitator' },
      view: ctx.state,
      emit: taker(ctx, ledger, effects),
    });
  }, COMMAND_ORIGIN);
  commit.effects.push(...effects);
  return { kind: 'applied' };
}

function applyOne(
  ctx: ApplyContext,
  session: Session,
  envelope: CommandEnvelope,
  now: number,
  commit: CommitBatch,
  ledger: AudienceLedger,
): Outcome {
  if (session.role === 'participant') {
    const p = session.participantId ? ctx.state.participant(session.participantId) : undefined;
    if (!p || p.revoked)
      return { kind: 'refused', error: err(ErrorCode.Unauthorized, 'the session was removed') };
  }
  const effects: PrivateEffect[] = [];
  let result: ReturnType<typeof applyCommand> = { ok: true };
  ctx.doc.transact(() => {
    result = applyCommand(ctx.doc, envelope.command, {
      now,
      actor: session.participantId
        ? { role: session.role, participantId: session.participantId }
        : { role: session.role },
      view: ctx.state,
      emit: taker(ctx, ledger, effects),
    });
  }, COMMAND_ORIGIN);
  const r = result as ReturnType<typeof applyCommand>;
  if (!r.ok) return { kind: 'refused', error: r.error };
  commit.effects.push(...effects);
  for (const e of effects)
    if (e.kind === 'rotateKey') commit.facilitatorKeyHash = hashSecret(e.key);
  return { kind: 'applied' };
}

function applyJoin(
  ctx: ApplyContext,
  p: ParticipantRecord,
  commit: CommitBatch,
  ledger: AudienceLedger,
): Outcome {
  const meta = readMeta(ctx.doc);
  if (p.groupId !== null && !meta.groups.some((g) => g.id === p.groupId)) {
    return { kind: 'refused', error: err(ErrorCode.InvalidMessage, 'unknown group') };
  }
  const before = p.groupId === null ? 0 : ctx.state.groupMembers(p.groupId);
  ctx.state.addParticipant({ id: p.id, group: p.groupId, name: p.displayName, revoked: false });
  const station = assignStation(ctx.doc, ctx.state, p.groupId);
  if (station) {
    const e: PrivateEffect = { kind: 'station', participantId: p.id, promptId: station };
    ledger.effect(e, ctx.state);
    ctx.state.apply(e);
  }
  commit.joined.push(station ? { ...p, stationId: station } : p);
  if (p.groupId !== null && before + 1 >= meta.groupThreshold) {
    // The group has (or still has) enough members: its count changes, and its tag may appear.
    ctx.doc.transact(() => refreshGroupCounts(ctx.doc, ctx.state), COMMAND_ORIGIN);
  }
  return { kind: 'applied' };
}
