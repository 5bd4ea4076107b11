/**
 * The last phase: every job of a batch gets its answer, and the jobs of a batch are sorted by
 * phase without reordering the writes.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, randomId } from '@pajataulu/shared';
import {
  commandJob,
  envelope,
  facilitator,
  joinJob,
  participantRecord,
} from '../../test/pipeline-fixture.js';
import { sortJobs, type Job } from './jobs.js';
import { acknowledge } from './publish.js';

const version = { client: 7, clock: 42 };

describe('acknowledge', () => {
  it('acknowledges applied and retried commands with the version, and passes refusals on', async () => {
    const f = facilitator(randomId(20));
    const applied = commandJob(f, envelope({ type: 'timer.start' }));
    const retried = commandJob(f, envelope({ type: 'timer.start' }));
    const refused = commandJob(f, envelope({ type: 'timer.start' }));
    const joined = joinJob(participantRecord(f.boardId));
    const badJoin = joinJob(participantRecord(f.boardId));
    const error = { code: ErrorCode.Forbidden, message: 'no' };
    acknowledge(
      [applied.job, retried.job, refused.job, joined.job, badJoin.job],
      [
        { kind: 'applied', result: { id: 'x' } },
        { kind: 'duplicate' },
        { kind: 'refused', error },
        { kind: 'applied' },
        { kind: 'refused', error },
      ],
      version,
    );
    expect(await applied.ack).toEqual({ ok: true, applied: true, version, result: { id: 'x' } });
    expect(await retried.ack).toEqual({ ok: true, applied: false, version });
    expect(await refused.ack).toEqual({ ok: false, error });
    expect(await joined.done).toEqual({ ok: true });
    expect(await badJoin.done).toEqual({ ok: false, error });
  });
});

describe('sortJobs', () => {
  it('sorts announcements by sequence and keeps the writes in order', () => {
    const f = facilitator(randomId(20));
    const w1 = commandJob(f, envelope({ type: 'timer.start' })).job;
    const w2 = joinJob(participantRecord(f.boardId)).job;
    const jobs: Job[] = [
      { kind: 'remote', seq: 9, updateId: undefined, update: null },
      w1,
      { kind: 'catchUp', resolve: () => undefined },
      { kind: 'remote', seq: 8, updateId: undefined, update: null },
      w2,
    ];
    const sorted = sortJobs(jobs);
    expect(sorted.remote.map((r) => r.seq)).toEqual([8, 9]);
    expect(sorted.catchUps).toHaveLength(1);
    expect(sorted.writes).toEqual([w1, w2]);
  });
});
