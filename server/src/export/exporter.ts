/**
 * Runs image and PDF exports in worker threads, one at a time per process (drawing takes a core),
 * with a short queue; more waiting exports are refused so a burst cannot pile up memory. The queue
 * is fair: one board has at most one export running or waiting, and an export whose receiver
 * stops taking bytes is stopped, so a few unread downloads cannot hold the slot for everyone.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CoreSlot } from '../core-slot.js';
import type { WorkerControl, WorkerJob, WorkerMessage } from './options.js';

/** Exports drawn at once in one process. */
export const MAX_CONCURRENT_EXPORTS = 1;
/** Exports that may wait for their turn; more are refused as busy. */
export const MAX_QUEUED_EXPORTS = 4;
/** Heap of one export worker (the pixels themselves live outside it, in native canvases). */
export const EXPORT_WORKER_HEAP_MB = 1024;
/** An export that takes longer is stopped (a 5,000-note board at 1× takes seconds). */
export const EXPORT_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * An export whose receiver takes no bytes for this long is stopped and its slot freed. A reader
 * on a slow link drains some bytes every second; one that reads nothing holds the slot for this
 * long at most.
 */
export const EXPORT_STALL_MS = 20_000;

/**
 * The board already has an export running or waiting. A second one is refused rather than
 * replacing the first: co-facilitators share a key, and one's download must not cut off the
 * other's; the client's buttons wait for the running export anyway.
 */
export class ExportPendingError extends Error {
  constructor() {
    super('an export of this board is already under way; try again when it has finished');
    this.name = 'ExportPendingError';
  }
}

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
  /** Returns false when the receiver is full; the worker then waits for `drained`. */
  chunk(bytes: Uint8Array): boolean;
  /** Subscribes to the receiver having room again. */
  onDrain(fn: () => void): void;
}

/**
 * The export was stopped: its client went away, took no bytes for EXPORT_STALL_MS, or the export
 * ran past EXPORT_TIMEOUT_MS.
 */
export class ExportAbortedError extends Error {
  constructor(reason: string) {
    super(`export stopped: ${reason}`);
    this.name = 'ExportAbortedError';
  }
}

/** The worker's file: next to this one when built; from the build when running from source (tests). */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/export/worker.js', import.meta.url);
}

export class Exporter {
  private running = 0;
  /** Boards with an export running or waiting. */
  private readonly boards = new Set<string>();
  private readonly stallMs: number;

  private readonly core: CoreSlot;

  constructor(opts: { stallMs?: number | undefined; core?: CoreSlot } = {}) {
    this.stallMs = opts.stallMs ?? EXPORT_STALL_MS;
    this.core = opts.core ?? new CoreSlot();
  }

  /** Exports drawing now. */
  get active(): number {
    return this.running;
  }
  private readonly waiting: { start: () => void; signal: AbortSignal }[] = [];

  /**
   * Runs the job of `board`; resolves when the last chunk has been given to the sink. Aborting
   * `signal` (the client went away) takes the job out of the queue or stops its worker. Throws
   * ExportPendingError when the board has an export running or waiting already.
   */
  async run(job: WorkerJob, sink: ExportSink, signal: AbortSignal, board: string): Promise<void> {
    if (this.boards.has(board)) throw new ExportPendingError();
    this.boards.add(board);
    try {
      await this.runInTurn(job, sink, signal);
    } finally {
      this.boards.delete(board);
    }
  }

  private async runInTurn(job: WorkerJob, sink: ExportSink, signal: AbortSignal): Promise<void> {
    if (this.running >= MAX_CONCURRENT_EXPORTS) {
      if (this.waiting.length >= MAX_QUEUED_EXPORTS) throw new ExportBusyError();
      await new Promise<void>((resolve, reject) => {
        const entry = { start: resolve, signal };
        this.waiting.push(entry);
        signal.addEventListener('abort', () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new ExportAbortedError('the client went away'));
        });
      });
      // The slot was handed over by the export that ended: `running` already counts this one.
    } else this.running++;
    try {
      if (signal.aborted) throw new ExportAbortedError('the client went away');
      const release = await this.core.acquire(
        signal,
        () => new ExportAbortedError('the client went away'),
      );
      try {
        await this.runWorker(job, sink, signal);
      } finally {
        release();
      }
    } finally {
      this.release();
    }
  }

  /** Hands the slot straight to the next live waiter, so no newcomer can slip in between. */
  private release(): void {
    for (;;) {
      const next = this.waiting.shift();
      if (!next) {
        this.running--;
        return;
      }
      if (!next.signal.aborted) {
        next.start();
        return;
      }
    }
  }

  private runWorker(job: WorkerJob, sink: ExportSink, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl(), {
        workerData: job,
        transferList: 'update' in job ? [job.update.buffer as ArrayBuffer] : [],
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: EXPORT_WORKER_HEAP_MB },
      });
      let settled = false;
      // Armed while the receiver is full; a drain disarms it.
      let stall: ReturnType<typeof setTimeout> | undefined;
      const timer = setTimeout(
        () => settle(new ExportAbortedError(`over ${EXPORT_TIMEOUT_MS} ms`)),
        EXPORT_TIMEOUT_MS,
      );
      const onAbort = () => settle(new ExportAbortedError('the client went away'));
      signal.addEventListener('abort', onAbort);
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(stall);
        signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (err) reject(err);
        else resolve();
      };
      sink.onDrain(() => {
        clearTimeout(stall);
        stall = undefined;
        if (!settled) worker.postMessage({ type: 'resume' } satisfies WorkerControl);
      });
      worker.on('message', (msg: WorkerMessage) => {
        if (settled) return;
        try {
          switch (msg.type) {
            case 'start':
              return sink.start(msg);
            case 'chunk':
              if (!sink.chunk(msg.bytes)) {
                worker.postMessage({ type: 'pause' } satisfies WorkerControl);
                stall ??= setTimeout(
                  () => settle(new ExportAbortedError(`no bytes taken for ${this.stallMs} ms`)),
                  this.stallMs,
                );
              }
              return;
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
