/**
 * `pnpm bench join`: late joiners on boards of 1,000 and 10,000 notes — the time until a full
 * client (a real replica) has the whole board, the server CPU each join costs, and a storm of
 * joins in a few seconds with the event-loop stalls it causes. With `--baseline`, the same
 * against the reference Yjs relay in the same run.
 */
import type { ChildProcess } from 'node:child_process';
import { randomId } from '@pajataulu/shared';
import { boolFlag, numberFlag, numberListFlag, type Args } from '../lib/args.js';
import {
  connectFull,
  joinToken,
  seedBaseline,
  seedPajataulu,
  type FullClient,
} from '../lib/clients.js';
import type { ProcessMetrics } from '../lib/metrics.js';
import { fmt, machineLine, percentile, printTable, rowsOf, sleep } from '../lib/stats.js';
import { readMetrics, startTarget, type TargetKind } from '../lib/target.js';
import { LOAD_SERVER_ENV } from '../load/load.js';
import { closeWorkers, joinParticipants } from '../load/workers.js';

/** Quiet time before the storm, so its figures are its own. */
const SETTLE_MS = 2_000;

interface JoinOptions {
  notes: number[];
  joins: number;
  storm: number;
  stormSeconds: number;
  workers: number;
}

interface JoinResult {
  coldMs: number;
  warmMs: number[];
  cpuPerWarmJoinMs: number;
  boardMB: number;
  stormJoined: number;
  stormFailed: number;
  stormLatencies: number[];
  stormSeconds: number;
  stormCpuPerJoinMs: number;
  storm: ProcessMetrics;
  warmLoopMaxMs: number;
}

const cpuMs = (m: ProcessMetrics) => (m.cpuUserUs + m.cpuSystemUs) / 1000;

async function runOne(kind: TargetKind, n: number, o: JoinOptions): Promise<JoinResult> {
  const log = (s: string) => process.stdout.write(`[${kind}, ${n} notes] ${s}\n`);
  const target = await startTarget(kind, { env: LOAD_SERVER_ENV });
  const open: FullClient[] = [];
  const workers: ChildProcess[] = [];
  try {
    const url = target.urls[0]!;
    let room = `bench-${randomId(8)}`;
    let code = room;
    if (kind === 'pajataulu') {
      const b = await seedPajataulu(url, n);
      room = b.boardId;
      code = b.code;
    } else await seedBaseline(url, room, n);
    const join = async (name: string) => {
      const t0 = performance.now();
      const creds = kind === 'pajataulu' ? { token: await joinToken(url, code) } : undefined;
      const c = await connectFull(kind, url, room, creds, name);
      open.push(c);
      return performance.now() - t0;
    };
    const before = await readMetrics(target, true);
    // The first join loads the board from storage (Pajataulu); the relay holds it in memory.
    const coldMs = await join('first');
    const loaded = await readMetrics(target, true);
    const warmMs: number[] = [];
    for (let i = 0; i < o.joins; i++) warmMs.push(await join(`late ${i + 1}`));
    const warm = await readMetrics(target, true);
    log(`first join ${fmt(coldMs)} ms, late joins p50 ${fmt(percentile(warmMs, 50))} ms`);

    await sleep(SETTLE_MS);
    const calm = await readMetrics(target, true);
    const stormStart = performance.now();
    const joined = await joinParticipants(workers, {
      kind,
      urls: target.urls,
      boardId: room,
      code,
      count: o.storm,
      seconds: o.stormSeconds,
      processes: o.workers,
    });
    const stormSeconds = (performance.now() - stormStart) / 1000;
    const storm = await readMetrics(target);
    const stormJoined = joined.reduce((a, j) => a + j.ok, 0);
    log(`storm: ${stormJoined} joined in ${fmt(stormSeconds)} s`);
    return {
      coldMs,
      warmMs,
      cpuPerWarmJoinMs: (cpuMs(warm) - cpuMs(loaded)) / o.joins,
      boardMB: (loaded.rssBytes - before.rssBytes) / 2 ** 20,
      stormJoined,
      stormFailed: joined.reduce((a, j) => a + j.failed, 0),
      stormLatencies: joined.flatMap((j) => j.latenciesMs),
      stormSeconds,
      stormCpuPerJoinMs: stormJoined > 0 ? (cpuMs(storm) - cpuMs(calm)) / stormJoined : NaN,
      storm,
      warmLoopMaxMs: warm.loopMaxMs,
    };
  } finally {
    for (const c of open) c.close();
    await closeWorkers(workers);
    await target.close();
  }
}

export async function benchJoin(args: Args): Promise<void> {
  const o: JoinOptions = {
    notes: numberListFlag(args, 'notes', [1_000, 10_000], { min: 0, max: 20_000 }),
    joins: numberFlag(args, 'joins', 10, { min: 1, max: 200 }),
    storm: numberFlag(args, 'storm', 500, { min: 0, max: 5_000 }),
    stormSeconds: numberFlag(args, 'storm-seconds', 10, { min: 1, max: 120 }),
    workers: numberFlag(args, 'workers', 2, { min: 1, max: 16 }),
  };
  const baseline = boolFlag(args, 'baseline');
  // Each y-websocket provider listens for the process's exit; the late joiners stay open together.
  process.setMaxListeners(o.joins + 10);
  process.stdout.write(
    `join: boards of ${o.notes.join(', ')} notes; ${o.joins} late joins one after another, then ` +
      `${o.storm} joins in ${o.stormSeconds} s\n`,
  );
  process.stdout.write(`${machineLine()}\n`);
  for (const n of o.notes) {
    const ours = await runOne('pajataulu', n, o);
    const base = baseline ? await runOne('baseline', n, o) : undefined;
    const r = rowsOf(ours, base);
    printTable(
      `Board of ${n.toLocaleString('en-US')} notes`,
      [
        r('first join (board loaded from storage)', 'ms', (x) => x.coldMs),
        r('late join p50 (full replica synced)', 'ms', (x) => percentile(x.warmMs, 50)),
        r('late join max', 'ms', (x) => Math.max(...x.warmMs)),
        r('server CPU per late join', 'ms', (x) => x.cpuPerWarmJoinMs),
        r('event-loop stall max, late joins', 'ms', (x) => x.warmLoopMaxMs),
        r('server memory of the loaded board', 'MB', (x) => x.boardMB),
        r(`storm: joined`, '', (x) => x.stormJoined),
        r('storm: failed', '', (x) => x.stormFailed),
        r('storm: took', 's', (x) => x.stormSeconds),
        r('storm: join p50 (to whole document)', 'ms', (x) => percentile(x.stormLatencies, 50)),
        r('storm: join p95', 'ms', (x) => percentile(x.stormLatencies, 95)),
        r('storm: server CPU per join', 'ms', (x) => x.stormCpuPerJoinMs),
        r('storm: event-loop stall p95', 'ms', (x) => x.storm.loopP95Ms),
        r('storm: event-loop stall max', 'ms', (x) => x.storm.loopMaxMs),
      ],
      ['Pajataulu', '@y/websocket-server'],
    );
  }
  process.stdout.write(`after the run: ${machineLine()}\n`);
}
