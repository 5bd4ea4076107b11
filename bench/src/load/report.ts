/**
 * What one run of `pnpm bench load` measured, and its tables: one set-up against the reference
 * relay, and the set-ups side by side.
 */
import type { ProcessMetrics } from '../lib/metrics.js';
import { fmt, percentile, printGrid, printTable, rowsOf } from '../lib/stats.js';
import type { TargetKind } from '../lib/target.js';

/** What one set-up measured under the load. */
export interface LoadResult {
  kind: TargetKind;
  /** The set-up as `startTarget` names it. */
  label: string;
  connected: number;
  joinFailed: number;
  joinSeconds: number;
  latencies: number[];
  measuredOps: number;
  notVisible: number;
  finalMismatches: number;
  finalChecked: number;
  opsSent: number;
  opsAcked: number;
  opsRefused: number;
  opsTimedOut: number;
  refusedCodes: Record<string, number>;
  ackP95: number;
  reconnects: number;
  cpuPercent: number;
  rssIdleMB: number;
  rssEndMB: number;
  idleBytesPerParticipant: number;
  bytesPerClientPerS: number;
  messagesPerClientPerS: number;
  presencePerClientPerS: number;
  pointerPerClientPerS: number;
  joinLoopMaxMs: number;
  opsLoop: ProcessMetrics;
  /** Acknowledged operations (participants' and measuring clients') per second of the operations. */
  ackedPerS: number;
  /** Per instance, in order: CPU during the operations (% of a core), RSS at the end (MB). */
  cpuPercentEach: number[];
  rssEndMBEach: number[];
  /** Per instance: the longest event-loop stall while joining, and during the operations (ms). */
  joinLoopMaxEach: number[];
  opsLoopMaxEach: number[];
}

/** The set-ups side by side: the embedded default, then cluster mode with 1 and N instances. */
export function reportInstances(runs: LoadResult[]): void {
  const each = (values: number[], unit: string) =>
    `${values.map((v) => fmt(v, 0)).join(' / ')} ${unit}`;
  const cell = (f: (x: LoadResult) => string) => runs.map(f);
  const num = (n: number, unit: string, digits = 1) => `${fmt(n, digits)} ${unit}`.trim();
  printGrid(
    'Instances (same load, same run; per-instance figures in instance order)',
    ['', ...runs.map((x) => x.label)],
    [
      ['participants connected', ...cell((x) => num(x.connected, ''))],
      ['join failures', ...cell((x) => num(x.joinFailed, ''))],
      [
        'latency p50 (op → visible at every other measuring client)',
        ...cell((x) => num(percentile(x.latencies, 50), 'ms')),
      ],
      ['latency p95', ...cell((x) => num(percentile(x.latencies, 95), 'ms'))],
      ['latency p99', ...cell((x) => num(percentile(x.latencies, 99), 'ms'))],
      [
        'lost: never visible everywhere',
        ...cell((x) => `${fmt(x.notVisible)} of ${fmt(x.measuredOps)}`),
      ],
      [
        'lost: final positions wrong or missing',
        ...cell((x) => `${fmt(x.finalMismatches)} of ${fmt(x.finalChecked)}`),
      ],
      ['throughput (acknowledged ops)', ...cell((x) => num(x.ackedPerS, 'ops/s'))],
      [
        'ops refused / without acknowledgement',
        ...cell((x) => `${fmt(x.opsRefused)} / ${fmt(x.opsTimedOut)}`),
      ],
      ['command acknowledgement p95', ...cell((x) => num(x.ackP95, 'ms'))],
      ['server CPU, all instances', ...cell((x) => num(x.cpuPercent, '% of a core', 0))],
      ['server CPU per instance', ...cell((x) => each(x.cpuPercentEach, '%'))],
      ['server RSS at the end, all instances', ...cell((x) => num(x.rssEndMB, 'MB', 0))],
      ['server RSS per instance', ...cell((x) => each(x.rssEndMBEach, 'MB'))],
      ['received per client per second', ...cell((x) => num(x.bytesPerClientPerS, 'bytes', 0))],
      [
        'event-loop stall max, joining, per instance',
        ...cell((x) => each(x.joinLoopMaxEach, 'ms')),
      ],
      [
        'event-loop stall max, operations, per instance',
        ...cell((x) => each(x.opsLoopMaxEach, 'ms')),
      ],
    ],
  );
}

/** One set-up beside the reference relay (when it ran). */
export function report(ours: LoadResult, base?: LoadResult): void {
  const r = rowsOf(ours, base);
  printTable(
    'Results (operations phase unless noted)',
    [
      r('participants connected', '', (x) => x.connected),
      r('join failures', '', (x) => x.joinFailed),
      r('latency p50 (op → visible at every other measuring client)', 'ms', (x) =>
        percentile(x.latencies, 50),
      ),
      r('latency p95', 'ms', (x) => percentile(x.latencies, 95)),
      r('latency p99', 'ms', (x) => percentile(x.latencies, 99)),
      r('measured ops', '', (x) => x.measuredOps),
      r('measured ops never visible everywhere (lost)', '', (x) => x.notVisible),
      r('final positions wrong or missing (lost)', '', (x) => x.finalMismatches),
      r('final positions checked', '', (x) => x.finalChecked),
      r('ops sent (all clients)', '', (x) => x.opsSent),
      r('ops refused by the server', '', (x) => x.opsRefused),
      r('ops without acknowledgement (timed out)', '', (x) => x.opsTimedOut),
      r('reconnects (server closed a connection)', '', (x) => x.reconnects),
      r('server CPU', '% of a core', (x) => x.cpuPercent),
      r('server RSS, all joined and idle', 'MB', (x) => x.rssIdleMB),
      r('server RSS at the end', 'MB', (x) => x.rssEndMB),
      r('server memory per idle participant', 'KB', (x) => x.idleBytesPerParticipant / 1024),
      r('received per client per second', 'bytes', (x) => x.bytesPerClientPerS),
      r('messages per client per second', '', (x) => x.messagesPerClientPerS),
      r('presence messages per client per second', '', (x) => x.presencePerClientPerS),
      r('facilitator pointer messages per client per second', '', (x) => x.pointerPerClientPerS),
      r('event-loop delay max, joining', 'ms', (x) => x.joinLoopMaxMs),
      r('event-loop delay p95, operations', 'ms', (x) => x.opsLoop.loopP95Ms),
      r('event-loop delay max, operations', 'ms', (x) => x.opsLoop.loopMaxMs),
    ],
    [`Pajataulu (${ours.label})`, '@y/websocket-server'],
  );
  if (Object.keys(ours.refusedCodes).length > 0)
    process.stdout.write(`\nrefusals: ${JSON.stringify(ours.refusedCodes)}\n`);
  process.stdout.write(`command acknowledgement p95 (Pajataulu): ${fmt(ours.ackP95)} ms\n`);
}
