/**
 * Figures a server process reports about itself over IPC when started with
 * `PAJATAULU_METRICS_IPC=1` (Pajataulu's `server/src/metrics-ipc.ts`; the baseline relay in
 * `baseline-relay.ts` answers the same messages).
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export const METRICS_IPC_ENV = 'PAJATAULU_METRICS_IPC';
/** Sampling interval of the event-loop delay histogram. */
export const LOOP_DELAY_RESOLUTION_MS = 10;
/** How long a server may take to answer a metrics request. */
export const METRICS_TIMEOUT_MS = 10_000;

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

interface MetricsReply {
  type: 'metrics';
  seq: number;
  metrics: ProcessMetrics;
}

let seq = 0;

/** Asks a child server for its figures; `reset` restarts its event-loop histogram afterwards. */
export function requestMetrics(child: ChildProcess, reset = false): Promise<ProcessMetrics> {
  const mySeq = ++seq;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the server did not report its metrics in time'));
    }, METRICS_TIMEOUT_MS);
    const onMessage = (m: unknown) => {
      const r = m as MetricsReply;
      if (r?.type !== 'metrics' || r.seq !== mySeq) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(r.metrics);
    };
    child.on('message', onMessage);
    child.send({ type: 'metrics', seq: mySeq, reset });
  });
}

/** Answers metrics requests from the parent (used by the baseline relay). */
export function answerMetricsRequests(): void {
  if (process.env[METRICS_IPC_ENV] !== '1' || !process.send) return;
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  process.on('message', (m: unknown) => {
    const req = m as { type?: string; seq?: number; reset?: boolean };
    if (req?.type !== 'metrics') return;
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    // The histogram holds whole intervals between samples: what exceeds the interval is the stall.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    process.send!({
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
    if (req.reset) loop.reset();
  });
}
