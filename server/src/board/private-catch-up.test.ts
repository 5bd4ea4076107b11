/**
 * A board catching up from the effect log ends with the private state a fresh load would give:
 * the log is a faithful record, not a second model of the state.
 */
import { describe, expect, it } from 'vitest';
import type { PrivateEffect } from '@pajataulu/shared';
import { KINDS, batch, board, commit, docWith, participant } from '../test/storage-kinds.js';
import { buildPrivateState } from './pipeline/catch-up.js';
import { applyLoggedChanges } from './private-catch-up.js';

/**
 * The state as its readers see it: maps and sets by content, in no particular order, an empty
 * one the same as none (a participant who took every dot back has no dots either way).
 */
function seen(v: unknown): unknown {
  if (v instanceof Map || v instanceof Set) {
    const entries = (v instanceof Map ? [...v.entries()] : [...v].map((x) => [x, true]))
      .map(([k, x]) => [String(k), seen(x)] as const)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, seen(x)]));
  }
  return v;
}

const vote = (participantId: string, noteId: string, delta: 1 | -1): PrivateEffect => ({
  kind: 'vote',
  roundId: 'r1',
  participantId,
  noteId,
  delta,
});

describe.each(KINDS.filter((k) => k.name !== 'sqlite'))(
  '$name catch-up from the effect log',
  (kind) => {
    it('applying the missed batches equals loading the board afresh', async () => {
      const { a } = await kind.open();
      const b = board();
      await a.createBoard(b, docWith(''));
      await commit(a, batch(b.id, null, { joined: [participant(b.id, { groupId: 'g1' })] }));
      const before = buildPrivateState(await a.loadPrivate(b.id));
      await commit(
        a,
        batch(b.id, null, {
          joined: [participant(b.id, { id: 'p2', tokenHash: 'u'.repeat(64), stationId: 's1' })],
          effects: [
            { kind: 'noteMeta', noteId: 'n1', participantId: 'p1', group: 'g1' },
            vote('p1', 'n1', 1),
            vote('p2', 'n1', 1),
            { kind: 'reaction', noteId: 'n1', reaction: 'heart', actor: 'p2', on: true },
          ],
        }),
      );
      await commit(
        a,
        batch(b.id, null, {
          effects: [
            vote('p1', 'n1', -1),
            { kind: 'revoke', participantId: 'p2' },
            { kind: 'noteForget', noteId: 'n1' },
            { kind: 'station', participantId: 'p1', promptId: 's2' },
          ],
        }),
      );
      const lock = await a.lockBoard(b.id);
      const missed = (await lock.catchUp(0, 1)).private;
      await lock.release();
      expect(missed.kind).toBe('changes');
      if (missed.kind !== 'changes') return;
      expect(seen(applyLoggedChanges(before, missed.batches))).toEqual(
        seen(buildPrivateState(await a.loadPrivate(b.id))),
      );
      await a.close();
    });
  },
);
