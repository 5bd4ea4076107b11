/**
 * Conformance of what the one storage adds over writing rows one by one: multi-row writes that end
 * where one-by-one writes would, and the effect log that catch-up reads on shared storage.
 */
import { describe, expect, it } from 'vitest';
import { KINDS, batch, board, commit, docWith, participant } from '../test/storage-kinds.js';
import { MAX_ROWS_PER_STATEMENT } from './dialect.js';
import { EFFECT_LOG_RETENTION_MS } from './writes.js';

describe.each(KINDS)('$name batched writes', (kind) => {
  it('a batch with many effects on the same rows ends where applying them one by one would', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const many = MAX_ROWS_PER_STATEMENT + 50;
    const joined = Array.from({ length: many }, (_, i) =>
      participant(b.id, { id: `p${i}`, tokenHash: String(i).padStart(64, '0'), createdAt: i }),
    );

    const note = (id: string, text: string) => ({
      id,
      promptId: null,
      text,
      x: 0,
      y: 0,
      color: 'yellow',
      createdAt: 1,
      state: 'private' as const,
      participantId: 'p0',
      group: null,
    });
    const vote = (participantId: string, noteId: string, delta: 1 | -1) =>
      ({ kind: 'vote', roundId: 'r1', participantId, noteId, delta }) as const;
    const reaction = (on: boolean) =>
      ({ kind: 'reaction', noteId: 'n1', reaction: 'heart', actor: 'p1', on }) as const;
    await commit(
      a,
      batch(b.id, null, {
        joined,
        commands: joined.map((p) => ({ actor: `participant:${p.id}`, commandId: 'c1' })),
        effects: [
          { kind: 'noteMeta', noteId: 'n1', participantId: 'p0', group: null },
          { kind: 'noteMeta', noteId: 'n1', participantId: 'p1', group: 'g1' },
          ...joined.map((p) => vote(p.id, 'n1', 1)),
          vote('p0', 'n1', 1),
          vote('p0', 'n1', -1),
          vote('p1', 'n1', -1),
          vote('p1', 'n2', 1),
          reaction(true),
          reaction(true),
          reaction(false),
          reaction(true),
          { kind: 'offstagePut', note: note('n3', 'eka') },
          { kind: 'offstagePut', note: note('n3', 'toka') },
          { kind: 'offstagePut', note: note('n4', 'pois') },
          { kind: 'offstageDelete', noteId: 'n4' },
          { kind: 'station', participantId: 'p2', promptId: 's1' },
          { kind: 'station', participantId: 'p2', promptId: 's2' },
          { kind: 'revoke', participantId: 'p3' },
          { kind: 'revoke', participantId: 'p4' },
          { kind: 'title', title: 'Eka' },
          { kind: 'title', title: 'Toka' },
        ],
      }),
    );
    const priv = await a.loadPrivate(b.id);
    expect(priv.participants).toHaveLength(many);
    expect(priv.notes).toEqual([{ noteId: 'n1', participantId: 'p1', groupId: 'g1' }]);
    const dots = new Map(priv.votes.map((v) => [`${v.participantId}/${v.noteId}`, v.dots]));
    expect(dots.size).toBe(many);
    expect(dots.get('p0/n1')).toBe(1);
    expect(dots.has('p1/n1')).toBe(false);
    expect(dots.get('p1/n2')).toBe(1);
    expect(priv.reactions).toEqual([{ noteId: 'n1', reaction: 'heart', actor: 'p1' }]);
    expect(priv.offstage.map((n) => n.text)).toEqual(['toka']);
    const byId = new Map(priv.participants.map((p) => [p.id, p]));
    expect(byId.get('p2')?.stationId).toBe('s2');
    expect([byId.get('p3')?.revokedAt, byId.get('p4')?.revokedAt]).toEqual([2_000, 2_000]);
    expect((await a.getBoard(b.id))?.title).toBe('Toka');
    const lock = await a.lockBoard(b.id);
    const applied = await lock.appliedCommands(
      joined.map((p) => ({ actor: `participant:${p.id}`, commandId: 'c1' })),
    );
    await lock.release();
    expect(applied.size).toBe(many);
    await a.close();
  });
});

/** Storages other processes write to: catching up reads only the batches a process missed. */
describe.each(KINDS.filter((k) => k.name !== 'sqlite'))('$name effect log', (kind) => {
  it('a process catching up reads the private changes of the batches it missed', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const p = participant(b.id, { stationId: 's1' });
    await commit(a, batch(b.id, null, { joined: [p] }));
    await commit(
      a,
      batch(b.id, null, {
        effects: [
          { kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 },
          { kind: 'rotateKey', key: 'salainen-avain' },
        ],
        facilitatorKeyHash: 'k'.repeat(64),
      }),
    );
    const lock = await a.lockBoard(b.id);
    const all = (await lock.catchUp(0, 0)).private;
    const last = (await lock.catchUp(0, 1)).private;
    await lock.release();
    expect(all).toEqual({
      kind: 'changes',
      batches: [
        { seq: 1, joined: [p], effects: [] },
        {
          seq: 2,
          joined: [],
          effects: [{ kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: 1 }],
        },
      ],
    });
    // The facilitator key itself is never stored, not even in the log.
    expect(JSON.stringify(all)).not.toContain('salainen-avain');
    expect(last).toMatchObject({ kind: 'changes', batches: [{ seq: 2 }] });
    await a.close();
  });

  it('keeps the log bounded; a process behind what it keeps reads the whole state', async () => {
    const { a } = await kind.open();
    const b = board();
    await a.createBoard(b, docWith(''));
    const effect = (noteId: string) =>
      ({ kind: 'noteMeta', noteId, participantId: null, group: null }) as const;
    await commit(a, batch(b.id, null, { effects: [effect('n1')], at: 0 }));
    await commit(
      a,
      batch(b.id, null, { effects: [effect('n2')], at: EFFECT_LOG_RETENTION_MS + 1 }),
    );
    const lock = await a.lockBoard(b.id);
    const behind = (await lock.catchUp(0, 0)).private;
    const recent = (await lock.catchUp(0, 1)).private;
    await lock.release();
    expect(behind.kind).toBe('whole');
    if (behind.kind === 'whole')
      expect(behind.state.notes.map((n) => n.noteId).sort()).toEqual(['n1', 'n2']);
    expect(recent).toMatchObject({ kind: 'changes', batches: [{ seq: 2 }] });
    await a.close();
  });
});
