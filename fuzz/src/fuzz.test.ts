/**
 * A short fuzz run of every target against a real server built from the workspace, and every
 * regression seed: each must end without a failure (crash, freeze, slow /healthz, RSS growth,
 * a changed canary board, a server error or an untyped answer).
 */
import { describe, expect, it } from 'vitest';
import { TARGET_NAMES } from './context.js';
import { REGRESSIONS } from './regressions.js';
import { runFuzz, type FuzzReport } from './run.js';

/** Frames of the short run in `npm test`. */
export const SHORT_RUN_FRAMES = 3_000;
export const SHORT_RUN_SEED = 12;

function failures(r: FuzzReport): string[] {
  return r.failures.map((f) => `[${f.kind}${f.target ? ' ' + f.target : ''}] ${f.message}`);
}

describe('fuzz', () => {
  it(`a short run of all targets (seed ${SHORT_RUN_SEED}, ${SHORT_RUN_FRAMES} frames) finds nothing`, async () => {
    const r = await runFuzz({
      seed: SHORT_RUN_SEED,
      frames: SHORT_RUN_FRAMES,
      seconds: 120,
      targets: [...TARGET_NAMES],
    });
    expect(failures(r)).toEqual([]);
    expect(r.crashes).toBe(0);
  }, 180_000);

  for (const reg of REGRESSIONS) {
    it(`regression ${reg.name}: ${reg.description}`, async () => {
      const r = await runFuzz({
        seed: reg.seed,
        frames: reg.frames,
        seconds: 120,
        targets: [reg.target],
      });
      expect(failures(r)).toEqual([]);
    }, 180_000);
  }
});
