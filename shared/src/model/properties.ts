/**
 * The properties over the command handlers, run in two ways: bounded in the `shared` test suite
 * (`model.test.ts`) and as long, seeded runs by `pnpm fuzz:model` (`model-fuzz-cli.ts`). A run is
 * replayed exactly from the seed (and path) it prints.
 */
import fc from 'fast-check';
import { newStats, runWorkshop, type RunStats } from './run.js';
import { groupTagWorkshopArb, workshopArb } from './steps.js';

/** Steps of one workshop at most: long enough for rounds, reveals and timers to meet. */
export const MAX_STEPS = 80;

export interface ModelRun {
  runs: number;
  seed: number;
  /** A failure's path, to replay only it (and its shrinking) from the same seed. */
  path?: string;
  maxSteps?: number;
}

/**
 * Every workshop, step by step: a refused command changes neither the document nor the private
 * state (byte for byte) and emits no effect; after each step the invariants of `invariants.ts`
 * hold and no dot is lost.
 */
export function workshopProperty(stats: RunStats, maxSteps = MAX_STEPS) {
  return fc.property(workshopArb(maxSteps), (w) => {
    runWorkshop(w, stats);
  });
}

/**
 * Group tags under every order of joins, removals, notes and threshold changes: each note shows
 * exactly the tag due when it was written (its author's group if that group had at least K members
 * then), before and after reveals, hides and unhides. Checked by `runWorkshop` after every step,
 * here over workshops made mostly of what decides tags.
 */
export function groupTagProperty(stats: RunStats, maxSteps = MAX_STEPS) {
  return fc.property(groupTagWorkshopArb(maxSteps), (w) => {
    runWorkshop(w, stats);
  });
}

/** The properties `checkModel` runs, by name (`--property` of `pnpm fuzz:model`). */
export const MODEL_PROPERTIES = {
  workshop: workshopProperty,
  groupTags: groupTagProperty,
} as const;
export type ModelPropertyName = keyof typeof MODEL_PROPERTIES;

/** Runs the property; the details say whether it held and, if not, how to replay the failure. */
export function checkModel(
  run: ModelRun,
  stats: RunStats = newStats(),
  property: ModelPropertyName = 'workshop',
) {
  return fc.check(MODEL_PROPERTIES[property](stats, run.maxSteps), {
    numRuns: run.runs,
    seed: run.seed,
    ...(run.path !== undefined ? { path: run.path } : {}),
  });
}
