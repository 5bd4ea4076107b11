/**
 * Opt-in self-reporting for benchmarks: with `PAJATAULU_METRICS_IPC=1`, a server started by a
 * parent process over an IPC channel answers `{ type: 'metrics', seq, reset }` with its CPU time,
 * memory and event-loop delay. Nothing listens on the network, and without the variable (or
 * without an IPC channel) this does nothing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export const METRICS_IPC_ENV = 'PAJATAULU_METRICS_IPC';
/** Sampling resolution of the event-loop delay histogram. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** What a process reports about itself. */
export interface ProcessMetrics {
  /** CPU time used since start, microseconds. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop stalls (delay beyond the sampling interval) since the last reset, milliseconds. */
  loopMaxMs: number;
  loopP50Ms: number;
  loopP95Ms: number;
  loopP99Ms: number;
}

/**
 * Answers metrics requests from the parent process. Used by the server (`main.ts`) and by the
 * benchmarks' baseline relay, so both report the same figures the same way.
 */
export function startMetricsIpc(env: NodeJS.ProcessEnv = process.env): boolean {
  const send = process.send?.bind(process);
  if (env[METRICS_IPC_ENV] !== '1' || !send) return false;
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  process.on('message', (m: unknown) => {
    const req = m as { type?: unknown; seq?: unknown; reset?: unknown } | null;
    if (req?.type !== 'metrics') return;
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    // The histogram holds whole intervals between samples: what exceeds the interval is the stall.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    send({
      type: 'metrics',
      seq: req.seq,
      metrics: {
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        loopMaxMs: ms(loop.max),
        loopP50Ms: ms(loop.percentile(50)),
        loopP95Ms: ms(loop.percentile(95)),
        loopP99Ms: ms(loop.percentile(99)),
      } satisfies ProcessMetrics,
    });
    if (req.reset === true) loop.reset();
  });
  return true;
}
