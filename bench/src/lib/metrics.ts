/**
 * Figures a server process reports about itself over IPC when started with
 * `PAJATAULU_METRICS_IPC=1` (Pajataulu's `server/src/metrics-ipc.ts`; the baseline relay in
 * `baseline-relay.ts` answers them with the same code).
 */
import type { ChildProcess } from 'node:child_process';
import type { ProcessMetrics } from '@pajataulu/server/metrics-ipc';

export {
  LOOP_DELAY_RESOLUTION_MS,
  METRICS_IPC_ENV,
  type ProcessMetrics,
} from '@pajataulu/server/metrics-ipc';
/** How long a server may take to answer a metrics request. */
export const METRICS_TIMEOUT_MS = 10_000;

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
