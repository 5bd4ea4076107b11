/** Participant processes: started by the load and join benches, stopped the same way. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetKind } from '../lib/target.js';
import type { Joined, Order, WorkerMessage } from './protocol.js';

const PARTICIPANTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'participants.js');
/** Joins may take this much longer than planned before the run counts as failed. */
export const JOIN_GRACE_MS = 60_000;

/** How long a participant process may take to close its connections and exit. */
const WORKER_EXIT_TIMEOUT_MS = 5_000;

/** Asks every participant process to close its connections, and waits until each has exited. */
export async function closeWorkers(workers: ChildProcess[]): Promise<void> {
  for (const w of workers) if (w.connected) w.send({ type: 'close' } satisfies Order);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolve();
          const t = setTimeout(() => w.kill('SIGKILL'), WORKER_EXIT_TIMEOUT_MS);
          w.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}

/**
 * Starts `processes` participant processes (added to `workers`), has them join `count`
 * participants in all, evenly over `seconds`, and resolves with each process's report.
 */
export function joinParticipants(
  workers: ChildProcess[],
  o: {
    kind: TargetKind;
    urls: string[];
    boardId: string;
    code: string;
    count: number;
    seconds: number;
    processes: number;
  },
): Promise<Joined[]> {
  const per = Math.ceil(o.count / o.processes);
  const reports: Promise<Joined>[] = [];
  for (let offset = 0; offset < o.count; offset += per) {
    const count = Math.min(per, o.count - offset);
    const child = fork(PARTICIPANTS, [], { stdio: 'inherit' });
    workers.push(child);
    reports.push(nextMessage<Joined>(child, 'joined', o.seconds * 1000 + JOIN_GRACE_MS));
    child.send({
      type: 'join',
      kind: o.kind,
      urls: o.urls,
      boardId: o.boardId,
      code: o.code,
      count,
      rate: count / o.seconds,
      offset,
    } satisfies Order);
  }
  return Promise.all(reports);
}

/** The next message of a type from a participant process. */
export function nextMessage<T extends WorkerMessage>(
  child: ChildProcess,
  type: T['type'],
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`a participant process did not report '${type}' in time`));
    }, timeoutMs);
    const on = (m: unknown) => {
      if ((m as WorkerMessage).type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a participant process exited with ${code}`));
    });
  });
}
