/**
 * Phase 5 of the batch pipeline, after the delivery plan went to the listeners: every job of the
 * batch is answered. Applied and retried commands are acknowledged with the version that holds
 * the batch; refusals carry their typed error.
 */
import type { CommandAck, DocVersion } from '@pajataulu/shared';
import type { Outcome, WriteJob } from './jobs.js';

/** Answers `jobs[i]` with `outcomes[i]`. */
export function acknowledge(
  jobs: readonly WriteJob[],
  outcomes: readonly Outcome[],
  version: DocVersion,
): void {
  jobs.forEach((job, i) => {
    const o = outcomes[i]!;
    if (job.kind === 'join' || job.kind === 'tick') {
      job.resolve(o.kind === 'refused' ? { ok: false, error: o.error } : { ok: true });
    } else if (o.kind === 'refused') job.resolve({ ok: false, error: o.error });
    else {
      const ack: CommandAck = { ok: true, applied: o.kind === 'applied', version };
      if (o.kind === 'applied' && o.result) ack.result = o.result;
      job.resolve(ack);
    }
  });
}
