/**
 * Phase 1 of the batch pipeline: catching up with what other instances committed. Announced
 * batches are applied when they follow on from the last one seen ({@link orderAnnounced}); inside
 * the board's lock, a board behind the stored sequence reads what it missed ({@link catchUp}).
 */
import { PrivateState } from '@pajataulu/shared';
import type { BoardLock, StoredPrivate } from '../../storage/storage.js';
import { applyLoggedChanges, participantInfo } from '../private-catch-up.js';
import type { RemoteJob } from './jobs.js';

/** Where a live board stands in its board's commit order. */
export interface Position {
  /** The commit sequence the document holds (shared storage). */
  seq: number;
  /** The commit sequence the private state holds; behind `seq` after announced updates. */
  privateSeq: number;
  /** The newest update-log entry the document holds. */
  lastUpdateId: number;
}

/** Announced batches to apply now, in order, and whether one is missing before them. */
export function orderAnnounced(
  remote: readonly RemoteJob[],
  seq: number,
): { apply: RemoteJob[]; gap: boolean } {
  const apply: RemoteJob[] = [];
  let gap = false;
  let at = seq;
  for (const r of [...remote].sort((a, b) => a.seq - b.seq)) {
    if (r.seq <= at) continue;
    if (r.seq !== at + 1) {
      gap = true;
      continue;
    }
    apply.push(r);
    at = r.seq;
  }
  return { apply, gap };
}

/** What a board behind its stored sequence takes on to be current. */
export interface CaughtUp {
  /** Document updates to apply, oldest first (a newer snapshot first, when there is one). */
  updates: Uint8Array[];
  /**
   * The private state as committed: the board's own with the logged changes applied, or, when
   * the log no longer reaches back far enough, a new one read whole.
   */
  state: PrivateState;
  position: Position;
}

/**
 * Reads, inside `lock`, what was committed after `at`; undefined when the board is current.
 * `current` is the board's private state at `at.privateSeq`; logged changes are applied to it.
 * The lock must be on a board that exists (`lock.seq` defined).
 */
export async function catchUp(
  lock: BoardLock,
  at: Position,
  current: PrivateState,
): Promise<CaughtUp | undefined> {
  const seq = lock.seq;
  if (seq === undefined) throw new Error('catch-up of an erased board');
  if (seq === at.seq && seq === at.privateSeq) return undefined;
  const c = await lock.catchUp(at.lastUpdateId, at.privateSeq);
  const parts: Uint8Array[] = [];
  if (c.snapshot) parts.push(c.snapshot.data);
  for (const u of c.updates) parts.push(u.data);
  const lastUpdateId = Math.max(
    at.lastUpdateId,
    c.snapshot?.throughUpdateId ?? 0,
    c.updates.at(-1)?.id ?? 0,
  );
  return {
    updates: parts,
    state:
      c.private.kind === 'whole'
        ? buildPrivateState(c.private.state)
        : applyLoggedChanges(current, c.private.batches),
    position: { seq, privateSeq: seq, lastUpdateId },
  };
}

/** The in-memory private state from what storage holds. */
export function buildPrivateState(priv: StoredPrivate): PrivateState {
  const state = new PrivateState();
  for (const p of priv.participants) {
    state.addParticipant(participantInfo(p));
  }
  for (const n of priv.notes) state.setNoteMeta(n.noteId, n.participantId, n.groupId);
  for (const o of priv.offstage) state.putOffstage(o);
  for (const p of priv.participants) {
    if (p.stationId) state.apply({ kind: 'station', participantId: p.id, promptId: p.stationId });
  }
  for (const v of priv.votes) {
    for (let i = 0; i < v.dots; i++)
      state.apply({
        kind: 'vote',
        roundId: v.roundId,
        participantId: v.participantId,
        noteId: v.noteId,
        delta: 1,
      });
  }
  for (const r of priv.reactions)
    state.apply({
      kind: 'reaction',
      noteId: r.noteId,
      reaction: r.reaction,
      actor: r.actor,
      on: true,
    });
  return state;
}
