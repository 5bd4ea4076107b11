import { describe, expect, it } from 'vitest';
import { notesMap } from '../board.js';
import { COMMAND_TYPES } from '../commands.js';
import { checkModel } from './properties.js';
import { MODEL_REGRESSIONS } from './regressions.js';
import { newStats, runWorkshop } from './run.js';

/** Bounded runs: enough to meet most interactions, fast enough for every test run. */
const RUNS = 100;
/** Far above what the runs take alone, for a machine busy with other suites. */
const TIMEOUT_MS = 60_000;
/** Fixed, so a failure here is the same failure on every machine; `pnpm fuzz:model` varies it. */
const SEED = 1_302_026;

describe('command handlers under random workshops', () => {
  it(
    'a check only reads, a refused command changes nothing, and the invariants hold after every step',
    () => {
      const stats = newStats();
      const details = checkModel({ runs: RUNS, seed: SEED }, stats);
      expect(details.failed ? String(details.errorInstance) : 'held').toBe('held');
      // The runs reach both outcomes, so both halves of the property are exercised.
      expect(stats.refused).toBeGreaterThan(100);
      expect(stats.applied).toBeGreaterThan(1_000);
      for (const outcome of ['vote.cast applied', 'note.unhide applied', 'board.reveal applied'])
        expect(stats.byOutcome.get(outcome) ?? 0).toBeGreaterThan(0);
      // Group tags are met both ways, and notes written below K whose group grew past it later.
      expect(stats.tagged).toBeGreaterThan(10);
      expect(stats.withheld).toBeGreaterThan(10);
      expect(stats.withheldThenReached).toBeGreaterThan(0);
      expect(stats.rewrites).toBeGreaterThan(0);
      // Every command has a generator (model/steps.ts): a new command without one fails here.
      const reached = new Set([...stats.byOutcome.keys()].map((k) => k.split(' ')[0]));
      expect(COMMAND_TYPES.filter((t) => !reached.has(t))).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'a note shows a group tag only if its group had K members when it was written, and keeps it',
    () => {
      const stats = newStats();
      const details = checkModel({ runs: RUNS, seed: SEED }, stats, 'groupTags');
      expect(details.failed ? String(details.errorInstance) : 'held').toBe('held');
      // Both sides of the rule are met, and the case that matters: a note written below K whose
      // group reached K afterwards, which must stay untagged.
      expect(stats.tagged).toBeGreaterThan(50);
      expect(stats.withheld).toBeGreaterThan(50);
      expect(stats.withheldThenReached).toBeGreaterThan(20);
      // Facilitators rewrite participants' notes, which must then carry the mark.
      expect(stats.rewrites).toBeGreaterThan(20);
      for (const outcome of ['board.reveal applied', 'note.unhide applied', 'board.update applied'])
        expect(stats.byOutcome.get(outcome) ?? 0).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it.each(MODEL_REGRESSIONS.map((r) => [r.name, r] as const))('regression: %s', (_name, r) => {
    expect(() => runWorkshop(r.workshop)).not.toThrow();
  });

  it('a note unhidden after a round that withheld totals shows the total it got', () => {
    const r = MODEL_REGRESSIONS.find((x) => x.name === 'hidden-note-total-after-withheld-round')!;
    const b = runWorkshop(r.workshop);
    const votes = notesMap(b.doc).get('n0'.padEnd(20, '0'))?.get('votes');
    expect(votes).toEqual({ ['r0'.padEnd(20, '0')]: 1 });
  });

  it('a note re-added after its delete shows the reaction still counted, and a toggle takes it back', () => {
    const r = MODEL_REGRESSIONS.find(
      (x) => x.name === 'note-re-added-after-delete-keeps-its-reactions',
    )!;
    const b = runWorkshop(r.workshop);
    // The participant's heart was still counted; their second toggle takes it back.
    expect(notesMap(b.doc).get('n1'.padEnd(20, '0'))?.get('reactions')).toEqual({});
    expect(b.state.hasReacted('n1'.padEnd(20, '0'), 'heart', 'q1'.padEnd(20, '0'))).toBe(false);
  });
});
