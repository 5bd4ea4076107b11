/**
 * The import worker: one per import, so parsing and validating a large or hostile backup never
 * blocks the event loop that serves the live boards, and its memory is returned when it ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ImportInvalidError, parseImport } from './import-parse.js';

/** From the import worker to the serving thread. */
export type ImportWorkerMessage =
  | { type: 'done'; update: Uint8Array; title: string; template: string }
  | { type: 'invalid'; message: string }
  | { type: 'failed'; message: string };

const port = parentPort!;
const send = (msg: ImportWorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(msg, transfer);

try {
  const parsed = parseImport(workerData as Uint8Array);
  send({ type: 'done', ...parsed }, [parsed.update.buffer as ArrayBuffer]);
} catch (err) {
  if (err instanceof ImportInvalidError) send({ type: 'invalid', message: err.message });
  else send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
