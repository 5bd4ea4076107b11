/**
 * Runs image and PDF exports in worker threads, one at a time per process (drawing takes a core),
 * with a short queue; more waiting exports are refused so a burst cannot pile up memory.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerJob, WorkerMessage } from './options.js';

/** Exports drawn at once in one process. */
export const MAX_CONCURRENT_EXPORTS = 1;
/** Exports that may wait for their turn; more are refused as busy. */
export const MAX_QUEUED_EXPORTS = 4;
/** Heap of one export worker (the pixels themselves live outside it, in native canvases). */
export const EXPORT_WORKER_HEAP_MB = 1024;

export class ExportBusyError extends Error {
  constructor() {
    super(`${MAX_QUEUED_EXPORTS} exports are already waiting; try again in a moment`);
    this.name = 'ExportBusyError';
  }
}

/** The export was refused before any byte: the picture is too large or the request invalid. */
export class ExportRefusedError extends Error {
  constructor(
    readonly reason: 'too_large' | 'invalid',
    message: string,
    readonly maxScale: number,
  ) {
    super(message);
    this.name = 'ExportRefusedError';
  }
}

export interface ExportSink {
  /** Called once, before the first chunk, with the image size (0 × 0 for a PDF). */
  start(size: { width: number; height: number }): void;
  chunk(bytes: Uint8Array): void;
}

/** The worker's file: next to this one when built; from the build when running from source (tests). */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/export/worker.js', import.meta.url);
}

export class Exporter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** Runs the job; resolves when the last chunk has been given to the sink. */
  async run(job: WorkerJob, sink: ExportSink): Promise<void> {
    if (this.running >= MAX_CONCURRENT_EXPORTS) {
      if (this.waiting.length >= MAX_QUEUED_EXPORTS) throw new ExportBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      await this.runWorker(job, sink);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private runWorker(job: WorkerJob, sink: ExportSink): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl(), {
        workerData: job,
        transferList: 'update' in job ? [job.update.buffer as ArrayBuffer] : [],
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: EXPORT_WORKER_HEAP_MB },
      });
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        if (err) reject(err);
        else resolve();
      };
      worker.on('message', (msg: WorkerMessage) => {
        try {
          switch (msg.type) {
            case 'start':
              return sink.start(msg);
            case 'chunk':
              return sink.chunk(msg.bytes);
            case 'done':
              return settle();
            case 'refused':
              return settle(new ExportRefusedError(msg.code, msg.message, msg.maxScale));
            case 'failed':
              return settle(new Error(`export failed: ${msg.message}`));
          }
        } catch (err) {
          settle(err instanceof Error ? err : new Error(String(err)));
        }
      });
      worker.on('error', (err) => settle(err));
      worker.on('exit', (code) =>
        settle(code === 0 ? undefined : new Error(`export worker exited with ${code}`)),
      );
    });
  }
}
