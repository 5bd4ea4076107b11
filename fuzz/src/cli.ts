/**
 * `pnpm fuzz [--seed N] [--frames N] [--seconds N] [--target all|sync|socketio|commands|http|backup]
 * [--replay <file>]`: fuzzes a real server on 127.0.0.1 and exits non-zero when any assertion
 * failed. The same seed sends each target the same inputs.
 */
import fs from 'node:fs';
import { fromJson, TARGET_NAMES, type TargetName } from './context.js';
import {
  HEALTH_MAX_MS,
  HEALTH_P99_MAX_MS,
  MIN_SAMPLES_FOR_P99,
  RSS_GROWTH_MAX_BYTES,
  runFuzz,
  writeFailureFile,
  type FuzzReport,
} from './run.js';

/** Frames of a run without `--frames`. */
export const DEFAULT_FRAMES = 100_000;
/** Longest run without `--seconds`: it stops by itself. */
export const DEFAULT_SECONDS = 600;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

function int(argv: string[], name: string, fallback: number, max: number): number {
  const raw = flag(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    process.stderr.write(`--${name} must be an integer from 0 to ${max}\n`);
    process.exit(2);
  }
  return n;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

function table(r: FuzzReport): string {
  const rows: [string, string][] = [];
  const total = Object.values(r.frames).reduce((a, b) => a + b, 0);
  for (const t of TARGET_NAMES)
    if (r.targets.includes(t)) rows.push([`frames ${t}`, String(r.frames[t])]);
  rows.push(['frames total', String(total)]);
  rows.push(['frames/s', (total / r.seconds).toFixed(0)]);
  rows.push(['seconds', r.seconds.toFixed(1)]);
  rows.push(['crashes', String(r.crashes)]);
  rows.push(['healthz samples', String(r.health.samples)]);
  const h = r.health;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const trio = (x: { p50: number; p99: number; max: number }) =>
    `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)}`;
  rows.push(['healthz p50 / p99 / max', trio(h)]);
  rows.push(['idle baseline p50 / p99 / max', trio(h.baseline)]);
  rows.push(['over the baseline p50 / p99 / max', trio(h.excess)]);
  rows.push([
    `  judged: p99 over the baseline (≤ ${HEALTH_P99_MAX_MS})`,
    ms(h.excess.p99) +
      (h.samples < MIN_SAMPLES_FOR_P99 ? ` (not judged under ${MIN_SAMPLES_FOR_P99} samples)` : ''),
  ]);
  rows.push([`  judged: max over the baseline (≤ ${HEALTH_MAX_MS})`, ms(h.excess.max)]);
  rows.push(['RSS start', mb(r.rss.start)]);
  rows.push(['RSS peak', mb(r.rss.peak)]);
  rows.push(['RSS end', mb(r.rss.end)]);
  rows.push([`RSS growth (≤ ${mb(RSS_GROWTH_MAX_BYTES)})`, mb(r.rss.peak - r.rss.start)]);
  rows.push(['failures', String(r.failures.length)]);
  rows.push(['seed', String(r.seed)]);
  for (const [k, v] of Object.entries(r.notes)) rows.push([k, String(v)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const replayFile = flag(argv, 'replay');
  const replay = replayFile
    ? (fromJson(fs.readFileSync(replayFile, 'utf8')) as {
        replay: Partial<Record<TargetName, unknown[]>>;
        seed: number;
      })
    : undefined;
  const seed = replay?.seed ?? int(argv, 'seed', Math.floor(Math.random() * 2 ** 31), 2 ** 31 - 1);
  const frames = int(argv, 'frames', DEFAULT_FRAMES, 100_000_000);
  const seconds = int(argv, 'seconds', DEFAULT_SECONDS, 86_400);
  const target = flag(argv, 'target') ?? 'all';
  if (target !== 'all' && !(TARGET_NAMES as readonly string[]).includes(target)) {
    process.stderr.write(`--target must be all or one of ${TARGET_NAMES.join(', ')}\n`);
    return 2;
  }
  const targets = target === 'all' ? [...TARGET_NAMES] : [target as TargetName];
  const command = `pnpm fuzz --seed ${seed} --frames ${frames} --target ${target}`;
  process.stdout.write(
    `fuzz: seed ${seed}, ${replay ? 'replaying ' + replayFile : `${frames} frames`}, targets ${targets.join(', ')}\n`,
  );
  process.stdout.write(`  replay: ${command}\n`);
  const report = await runFuzz({
    seed,
    frames,
    seconds,
    targets: replay ? TARGET_NAMES.filter((t) => replay.replay[t]?.length) : targets,
    ...(replay ? { replay: replay.replay } : {}),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`\n${table(report)}\n`);
  if (report.failures.length === 0) {
    process.stdout.write('\nfuzz: no failures\n');
    return 0;
  }
  process.stdout.write(`\nfuzz: ${report.failures.length} failures (seed ${seed}):\n`);
  for (const f of report.failures.slice(0, 40))
    process.stdout.write(`  [${f.kind}${f.target ? ' ' + f.target : ''}] ${f.message}\n`);
  const file = writeFailureFile(report, command);
  process.stdout.write(`  inputs just before each failure: ${file}\n`);
  process.stdout.write(
    `  replay the run:    ${command}\n  replay the inputs: pnpm fuzz --replay ${file}\n`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
