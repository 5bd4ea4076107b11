/**
 * Catching the in-memory private state up with batches other instances committed, from the
 * storage's effect log: the same changes, applied in the order they were committed.
 */
import type { ParticipantInfo, PrivateState } from '@pajataulu/shared';
import type { LoggedChanges, ParticipantRecord } from '../storage/storage.js';

/** What the in-memory state keeps of a stored participant. */
export function participantInfo(p: ParticipantRecord): ParticipantInfo {
  return { id: p.id, group: p.groupId, name: p.displayName, revoked: p.revokedAt !== null };
}

/** Applies logged batches to `state` (which holds everything before the first) and returns it. */
export function applyLoggedChanges(state: PrivateState, batches: LoggedChanges[]): PrivateState {
  for (const b of batches) {
    // A batch's joins come before its effects can concern the people who joined.
    for (const p of b.joined) {
      state.addParticipant(participantInfo(p));
      if (p.stationId) state.apply({ kind: 'station', participantId: p.id, promptId: p.stationId });
    }
    for (const e of b.effects) state.apply(e);
  }
  return state;
}
