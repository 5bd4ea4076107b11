/**
 * One fuzz run: starts a server, sets up a play board and a canary board (thousands of notes,
 * sent only input that must be refused), runs the targets concurrently on their shares of the
 * frames, and checks throughout that the process stays up, answers `/healthz` in time and keeps
 * its memory, and at the end that the canary board did not change.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Arbitrary } from 'fast-check';
import { NOTE_COLORS } from '@pajataulu/shared';
import {
  FuzzContext,
  TARGET_NAMES,
  toJson,
  type BoardCreds,
  type Failure,
  type InputSource,
  type TargetName,
} from './context.js';
import { excessMs, Monitor, quantile } from './monitor.js';
import { deriveSeed, InputStream } from './rng.js';
import { ServerProcess } from './server.js';
import { backupInputs, runBackup, type BackupBases } from './targets/backup.js';
import { commandInputs } from './targets/command-inputs.js';
import { runCommands } from './targets/commands.js';
import { agent, send } from './targets/http-client.js';
import { httpInputs, runHttp } from './targets/http.js';
import { runSocketIo, socketIoInputs } from './targets/socketio.js';
import { syncInputs } from './targets/sync-inputs.js';
import { runSync } from './targets/sync.js';

/** `/healthz` latency bounds the run asserts. */
export const HEALTH_P99_MAX_MS = 100;
export const HEALTH_MAX_MS = 250;
/**
 * The p99 bound is judged only over at least this many samples (50 s of asking every 50 ms): over
 * a hundred, "p99" is the second-worst sample, a maximum with another name, which
 * `HEALTH_MAX_MS` already bounds. Short runs report it without judging it.
 */
export const MIN_SAMPLES_FOR_P99 = 1_000;
/** RSS the server may grow by over a run. */
export const RSS_GROWTH_MAX_BYTES = 200 * 1024 * 1024;
/** Notes on the canary board: enough that answering a forged state vector costs real time. */
export const CANARY_NOTES = 3_000;
/** Crashes after which a run stops (each is recorded; more would only repeat them). */
export const MAX_CRASHES = 10;
/** Freezes recorded at most (one freeze gives many slow samples). */
export const MAX_FREEZES_RECORDED = 10;

/**
 * Each target's share of the frames when all run. Frames over websockets cost the server
 * microseconds; a command is applied and stored; an HTTP request or an import costs a request
 * each, up to seconds for big bodies. The shares follow, so that no target waits long for another.
 */
export const SHARES: Record<TargetName, number> = {
  sync: 0.5,
  socketio: 0.38,
  // About 130 commands are acknowledged a second (each is applied and committed, and lanes wait
  // for reconnects after the facilitator removes their participant); at this share they end with
  // the websocket targets.
  commands: 0.04,
  http: 0.05,
  backup: 0.03,
};

/**
 * Targets paced by the server's cost per request: when all targets run, they stop (at their
 * share or before) once the other targets have sent theirs, so `--frames` bounds the run's
 * length. Each still sends its seed's inputs in order; only how far it gets depends on time.
 */
export const PACED_TARGETS: readonly TargetName[] = ['http', 'backup'];

export interface FuzzOptions {
  seed: number;
  frames: number;
  seconds: number;
  targets: TargetName[];
  /** Inputs to send instead of generated ones, one at a time (from a failure file). */
  replay?: Partial<Record<TargetName, unknown[]>>;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  targets: TargetName[];
  seconds: number;
  frames: Record<TargetName, number>;
  crashes: number;
  /**
   * `/healthz` latency as measured; the same for an idle process asked at the same moments
   * (`baseline`); and per sample the server's latency beyond the baseline's (`excess`), which the
   * bounds judge: on a machine others share, the baseline takes what scheduling adds.
   */
  health: {
    samples: number;
    p50: number;
    p99: number;
    max: number;
    baseline: { p50: number; p99: number; max: number };
    excess: { p50: number; p99: number; max: number };
  };
  rss: { start: number; peak: number; end: number };
  failures: Failure[];
  notes: Record<string, number>;
}

async function json(
  ctx: { url: string },
  fetchPath: string,
  init: RequestInit = {},
): Promise<unknown> {
  const res = await fetch(`${ctx.url}${fetchPath}`, init);
  if (!res.ok) throw new Error(`set-up: ${fetchPath} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

interface Created {
  boardId: string;
  code: string;
  facilitatorKey: string;
  projectorKey: string;
}

async function join(url: string, created: Created): Promise<BoardCreds> {
  const j = (await json({ url }, `/api/boards/${created.code}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  })) as { token: string; participantId: string };
  return { ...created, token: j.token, participantId: j.participantId };
}

function exportOf(url: string, b: { boardId: string; facilitatorKey: string }): Promise<unknown> {
  return json({ url }, `/api/boards/${b.boardId}/export.json`, {
    headers: { Authorization: `Bearer ${b.facilitatorKey}` },
  });
}

/**
 * Export formats made once from the canary board before memory is first measured: the first
 * export of each loads its engine (Skia and the fonts, PDFKit, ExcelJS) into the process for
 * good, a one-time cost of the product and not growth caused by input.
 */
export const WARM_UP_EXPORTS = ['png', 'pdf', 'xlsx', 'csv'] as const;

async function warmUp(url: string, b: { boardId: string; facilitatorKey: string }): Promise<void> {
  for (const format of WARM_UP_EXPORTS) {
    const res = await fetch(`${url}/api/boards/${b.boardId}/export.${format}`, {
      headers: { Authorization: `Bearer ${b.facilitatorKey}` },
    });
    if (!res.ok) throw new Error(`set-up: export.${format} answered ${res.status}`);
    await res.arrayBuffer();
  }
}

/** The boards of a run: a play board from a template, and the canary with many notes. */
async function setUpBoards(
  url: string,
): Promise<{ play: BoardCreds; canary: BoardCreds; bases: BackupBases }> {
  const post = (p: string, body: unknown) =>
    json({ url }, p, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }) as Promise<Created>;
  const play = await join(
    url,
    await post('/api/boards', { title: 'fuzz play', template: 'retro' }),
  );
  const backup = (await exportOf(url, play)) as { board: { notes: unknown[] } };
  const notes = Array.from({ length: CANARY_NOTES }, (_, i) => ({
    id: `q${String(i).padStart(19, '0')}`,
    promptId: null,
    text: `canary note ${i} `.repeat(1 + (i % 5)),
    x: (i % 60) * 170,
    y: Math.floor(i / 60) * 170,
    color: NOTE_COLORS[i % NOTE_COLORS.length],
    createdAt: 1_700_000_000_000 + i,
    group: null,
    author: null,
    month: null,
    reactions: {},
    votes: {},
    cluster: null,
  }));
  const large = { ...backup, board: { ...backup.board, notes } };
  const canary = await join(url, await post('/api/boards/import', large));
  const small = { ...backup, board: { ...backup.board, notes: notes.slice(0, 20) } };
  return { play, canary, bases: { small, large } };
}

/** A backup without its export time, for comparing board states. */
function stateOf(backup: unknown): string {
  const { exportedAt: _t, ...rest } = backup as Record<string, unknown>;
  return JSON.stringify(rest);
}

class ListSource<T> implements InputSource<T> {
  private i = 0;
  constructor(private readonly xs: T[]) {}
  next(): T | undefined {
    return this.xs[this.i++];
  }
}

/** Frames per target: all to one target, or split by {@link SHARES}. */
export function quotas(frames: number, targets: TargetName[]): Record<TargetName, number> {
  const total = targets.reduce((a, t) => a + SHARES[t], 0);
  const q = {} as Record<TargetName, number>;
  for (const t of TARGET_NAMES)
    q[t] = targets.includes(t) ? Math.ceil((frames * SHARES[t]) / total) : 0;
  return q;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const server = await ServerProcess.start();
  const monitor = new Monitor();
  let ctx: FuzzContext | undefined;
  const onSignal = () => {
    if (ctx) ctx.stopped = true;
  };
  const hardExit = () => server.killNow();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', hardExit);
  try {
    const { play, canary, bases } = await setUpBoards(server.url);
    const before = stateOf(await exportOf(server.url, canary));
    await warmUp(server.url, canary);
    monitor.watch(server.url, server.pid);
    const c = new FuzzContext(server, canary, play, started + opts.seconds * 1000);
    ctx = c;
    let freezes = 0;
    monitor.onHealth = (s) => {
      if (excessMs(s) > HEALTH_MAX_MS && freezes++ < MAX_FREEZES_RECORDED)
        c.fail(
          'freeze',
          `/healthz took ${Math.round(s.ms)} ms (the idle baseline ${Math.round(s.baselineMs)} ms)`,
          undefined,
          s.ms + 3_000,
        );
    };
    server.onCrash = (exit) => {
      c.crashes++;
      c.lastCrashAt = Date.now();
      monitor.pause();
      c.fail(
        'crash',
        `the server exited (code ${exit.code}, signal ${exit.signal}): ${exit.stderr.trim().split('\n').slice(-6).join(' | ')}`,
      );
      log(`  crash #${c.crashes}: exit ${exit.code ?? exit.signal}; restarting`);
      if (c.crashes >= MAX_CRASHES) {
        c.stopped = true;
        return;
      }
      void c
        .restart(() => monitor.watch(server.url, server.pid))
        .catch((err: unknown) => {
          c.fail('crash', `the server did not restart: ${String(err)}`);
          c.stopped = true;
        });
    };
    const q = quotas(opts.frames, opts.targets);
    const source = <T>(t: TargetName, arb: () => Arbitrary<T>): InputSource<T> =>
      opts.replay
        ? new ListSource((opts.replay[t] ?? []) as T[])
        : new InputStream(arb(), deriveSeed(opts.seed, t));
    const quota = (t: TargetName) => (opts.replay ? (opts.replay[t]?.length ?? 0) : q[t]);
    const runs: Record<TargetName, () => Promise<void>> = {
      sync: () =>
        runSync(
          c,
          source('sync', () => syncInputs(canary)),
          quota('sync'),
          opts.replay ? 1 : undefined,
        ),
      socketio: () =>
        runSocketIo(
          c,
          source('socketio', socketIoInputs),
          quota('socketio'),
          opts.replay ? 1 : undefined,
        ),
      commands: () => runCommands(c, source('commands', commandInputs), quota('commands')),
      http: () =>
        runHttp(c, source('http', httpInputs), quota('http'), opts.replay ? 1 : undefined),
      backup: () =>
        runBackup(
          c,
          bases,
          source('backup', backupInputs),
          quota('backup'),
          opts.replay ? 1 : undefined,
        ),
    };
    const ticker = setInterval(() => {
      const sent = [...c.frames.values()].reduce((a, b) => a + b, 0);
      log(
        `  ${Math.round((Date.now() - started) / 1000)} s: ${sent} frames, ${c.failures.length} failures`,
      );
    }, 10_000);
    ticker.unref();
    try {
      if (opts.replay) for (const t of opts.targets) await runs[t]();
      else {
        const paced = opts.targets.filter((t) => PACED_TARGETS.includes(t));
        const framed = opts.targets.filter((t) => !PACED_TARGETS.includes(t));
        const pacedRuns = paced.map((t) => runs[t]());
        await Promise.all(framed.map((t) => runs[t]()));
        if (framed.length > 0) for (const t of paced) c.pacedStopped.add(t);
        await Promise.all(pacedRuns);
      }
    } finally {
      clearInterval(ticker);
    }
    // Let the last answers and health samples arrive.
    await new Promise((r) => setTimeout(r, 500));
    await c.up();
    if (server.alive) {
      const after = stateOf(await exportOf(server.url, canary));
      if (after !== before)
        c.fail('canary', 'the canary board changed: it was sent only input that must be refused');
      // A board's own backup must import again (limits checked after normalisation).
      const own = await send(c, {
        method: 'POST',
        path: '/api/boards/import',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(await exportOf(server.url, c.play)),
      });
      if (own && own.status !== 201)
        c.fail(
          'round-trip',
          `the play board's own backup does not import: ${own.status} ${own.body.toString().slice(0, 200)}`,
        );
    }
    await monitor.stop();
    const crashTimes = c.failures.filter((f) => f.kind === 'crash').map((f) => f.at);
    // Requests cut off as the server died fail a moment before its exit is seen: part of the crash.
    const cutOff = c.failures.filter(
      (f) => f.kind === 'no-answer' && crashTimes.some((t) => f.at <= t && t - f.at < 3_000),
    );
    for (const f of cutOff) c.failures.splice(c.failures.indexOf(f), 1);
    const stray = monitor.errors.filter((at) => !crashTimes.some((t) => Math.abs(t - at) < 3_000));
    if (stray.length > 0)
      c.fail('health', `/healthz failed ${stray.length} times while the server was up`);
    const summary = (xs: number[]) => ({
      p50: quantile(xs, 0.5),
      p99: quantile(xs, 0.99),
      max: xs.length ? Math.max(...xs) : NaN,
    });
    const health = {
      samples: monitor.health.length,
      ...summary(monitor.health.map((h) => h.ms)),
      baseline: summary(monitor.health.map((h) => h.baselineMs).filter(Number.isFinite)),
      excess: summary(monitor.health.map(excessMs)),
    };
    if (health.samples >= MIN_SAMPLES_FOR_P99 && health.excess.p99 > HEALTH_P99_MAX_MS)
      c.fail(
        'health',
        `/healthz p99 ${health.p99.toFixed(1)} ms, ${health.excess.p99.toFixed(1)} ms over the idle baseline > ${HEALTH_P99_MAX_MS} ms`,
      );
    const rssBytes = monitor.rss.map((r) => r.bytes);
    const rss = {
      start: rssBytes[0] ?? NaN,
      peak: rssBytes.length ? Math.max(...rssBytes) : NaN,
      end: rssBytes[rssBytes.length - 1] ?? NaN,
    };
    if (rss.peak - rss.start > RSS_GROWTH_MAX_BYTES)
      c.fail(
        'rss',
        `RSS grew by ${((rss.peak - rss.start) / 2 ** 20).toFixed(0)} MB > ${RSS_GROWTH_MAX_BYTES / 2 ** 20} MB`,
      );
    const frames = {} as Record<TargetName, number>;
    for (const t of TARGET_NAMES) frames[t] = c.frames.get(t) ?? 0;
    return {
      seed: opts.seed,
      targets: opts.targets,
      seconds: (Date.now() - started) / 1000,
      frames,
      crashes: c.crashes,
      health,
      rss,
      failures: c.failures,
      notes: Object.fromEntries(c.notes),
    };
  } finally {
    if (ctx) ctx.stopped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', hardExit);
    await monitor.stop().catch(() => undefined);
    agent.destroy();
    await server.stop();
  }
}

/** Failures whose preceding inputs go into a failure file. */
export const FAILURES_REPLAYED = 10;

/** Writes the failures of a report (with the inputs just before each) for `--replay`. */
export function writeFailureFile(report: FuzzReport, command: string): string {
  const file = path.join(os.tmpdir(), `pajataulu-fuzz-${report.seed}-${Date.now()}.json`);
  const replay: Partial<Record<TargetName, unknown[]>> = {};
  const seen = new Set<string>();
  for (const f of report.failures.slice(0, FAILURES_REPLAYED))
    for (const [t, xs] of Object.entries(f.recent ?? {}))
      for (const x of xs) {
        const key = `${t}:${toJson(x)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        (replay[t as TargetName] ??= []).push(x);
      }
  const failures = report.failures.map(({ recent: _r, ...f }) => f);
  fs.writeFileSync(file, toJson({ seed: report.seed, command, failures, replay }));
  return file;
}
