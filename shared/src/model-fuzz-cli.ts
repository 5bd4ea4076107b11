/**
 * `pnpm fuzz:model [--runs N] [--seed N] [--steps N] [--path P] [--property workshop|groupTags]`:
 * runs the property tests over the command handlers (`model/properties.ts`; by default every one,
 * each with the same seed) longer than the test suite does, and exits non-zero
 * when one fails. It prints its seed; the same seed (with the printed path) replays a failure and
 * its shrinking exactly. A failure worth keeping goes into `model/regressions.ts` once fixed.
 */
import {
  MAX_STEPS,
  MODEL_PROPERTIES,
  checkModel,
  type ModelPropertyName,
} from './model/properties.js';
import { newStats } from './model/run.js';

// `shared` is written for browsers too, so Node's types are not in its build; this is all it uses.
declare const process: {
  argv: string[];
  exitCode?: number;
  stdout: { write(s: string): boolean };
  stderr: { write(s: string): boolean };
};

/** Runs without `--runs`. */
const DEFAULT_RUNS = 2_000;
/** Largest `--runs` and `--steps`: a run stays well under an hour on one core. */
const MAX_RUNS = 10_000_000;
const MAX_STEPS_FLAG = 10_000;
const MAX_SEED = 2 ** 31 - 1;

class UsageError extends Error {}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function int(argv: string[], name: string, fallback: number, min: number, max: number): number {
  const raw = flag(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function main(argv: string[]): number {
  const runs = int(argv, 'runs', DEFAULT_RUNS, 1, MAX_RUNS);
  const seed = int(argv, 'seed', Math.floor(Math.random() * MAX_SEED), 0, MAX_SEED);
  const maxSteps = int(argv, 'steps', MAX_STEPS, 1, MAX_STEPS_FLAG);
  const path = flag(argv, 'path');
  const names = Object.keys(MODEL_PROPERTIES) as ModelPropertyName[];
  const only = flag(argv, 'property');
  if (only !== undefined && !names.includes(only as ModelPropertyName))
    throw new UsageError(`--property must be one of ${names.join(', ')}`);
  if (path !== undefined && only === undefined)
    throw new UsageError('--path replays one property: give --property too');
  for (const name of only !== undefined ? [only as ModelPropertyName] : names) {
    const code = runOne(name, { runs, seed, maxSteps, path });
    if (code !== 0) return code;
  }
  return 0;
}

function runOne(
  name: ModelPropertyName,
  { runs, seed, maxSteps, path }: { runs: number; seed: number; maxSteps: number; path?: string },
): number {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`fuzz:model ${name}: seed ${seed}, ${runs} workshops of up to ${maxSteps} steps`);
  const stats = newStats();
  const started = Date.now();
  const details = checkModel({ runs, seed, maxSteps, ...(path ? { path } : {}) }, stats, name);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const outcomes = [...stats.byOutcome].sort(([a], [b]) => (a < b ? -1 : 1));
  const width = Math.max(0, ...outcomes.map(([k]) => k.length));
  for (const [k, n] of outcomes) out(`  ${k.padEnd(width)}  ${n}`);
  out(`  commands applied ${stats.applied}, refused ${stats.refused}, in ${seconds} s`);
  out(
    `  notes tagged ${stats.tagged}, untagged below K ${stats.withheld} (group reached K later: ${stats.withheldThenReached}); facilitator rewrites ${stats.rewrites}`,
  );
  if (!details.failed) {
    out(`fuzz:model ${name}: every property held (seed ${seed})`);
    return 0;
  }
  out(`\nfuzz:model ${name}: a property failed after ${details.numRuns} workshops (seed ${seed})`);
  out(String(details.errorInstance));
  out(`shrunk ${details.numShrinks} times to:\n${JSON.stringify(details.counterexample?.[0])}`);
  out(
    `replay: pnpm fuzz:model --property ${name} --seed ${seed} --steps ${maxSteps} --path "${details.counterexamplePath}"`,
  );
  return 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 2;
}
