/**
 * Backup imports off the serving thread: the upload is read into one buffer with a size bound,
 * then parsed and validated in a worker thread, a bounded number at once, with a bounded queue.
 * The serving thread only stores the resulting document.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CoreSlot } from '../core-slot.js';
import type { ImportWorkerMessage } from './import-worker.js';
import { ImportInvalidError, type ParsedImport } from './import-parse.js';

/** The largest backup file an import reads (a 20,000-note board fits). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/**
 * Imports parsed at once in one process: parsing takes a core, and the other one serves boards.
 */
export const MAX_CONCURRENT_IMPORTS = 1;
/**
 * Imports that may wait (uploading, or uploaded and waiting for the parser); more are refused as
 * busy. Each may hold a MAX_IMPORT_BYTES buffer, so this bounds the memory imports take.
 */
export const MAX_QUEUED_IMPORTS = 2;
/**
 * Imports one client address may have admitted at once. With fewer places than addresses, one
 * sender of many imports (valid or not) would otherwise keep everybody else's busy.
 */
export const MAX_IMPORTS_PER_ADDRESS = 1;
/** Heap of one import worker: a 16 MiB backup parses, validates and encodes in well under this. */
export const IMPORT_WORKER_HEAP_MB = 512;
/** An import whose parsing takes longer is stopped (a 16 MiB backup takes about a second). */
export const IMPORT_TIMEOUT_MS = 30_000;
/**
 * An upload that has not arrived whole by then is refused, so a slow sender cannot hold one of
 * the few import places (16 MiB in a minute is 280 kB/s).
 */
export const IMPORT_UPLOAD_TIMEOUT_MS = 60_000;

/** Every import place is taken. */
export class ImportBusyError extends Error {
  constructor() {
    super(
      `${MAX_CONCURRENT_IMPORTS + MAX_QUEUED_IMPORTS} imports are already under way; try again in a moment`,
    );
    this.name = 'ImportBusyError';
  }
}

/** The address already has {@link MAX_IMPORTS_PER_ADDRESS} imports under way. */
export class ImportPerAddressError extends Error {
  constructor() {
    super('an import from this address is already under way; wait for it to finish');
    this.name = 'ImportPerAddressError';
  }
}

/** The upload is larger than its limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The upload did not arrive whole in time, or its sender went away. */
export class BodyIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyIncompleteError';
  }
}

/** Parsing ran out of its worker's memory or time: the file costs more than an import may. */
export class ImportTooCostlyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportTooCostlyError';
  }
}

export { ImportInvalidError, type ParsedImport };

/**
 * Reads a request body into one buffer, refusing it as soon as it is known to be over `limit`
 * (by its Content-Length, or by the bytes that came) and when it has not come whole in
 * `timeoutMs`.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop taking bytes in; the response says why and closes the connection.
        req.pause();
        finish(new BodyTooLargeError(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(new BodyIncompleteError(err.message));
    const onClose = () => finish(new BodyIncompleteError('the sender went away'));
    const timer = setTimeout(
      () => finish(new BodyIncompleteError(`body not received within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** One admitted import: parse its body once, and release its place when done. */
export interface ImportTicket {
  /** Waits for a parser, then parses `bytes` in a worker (which takes the buffer over). */
  parse(bytes: Uint8Array, signal: AbortSignal): Promise<ParsedImport>;
  /** Gives the place back; safe to call more than once. */
  release(): void;
}

/** The worker's file: next to this one when built; from the build when running from source. */
function workerUrl(): URL {
  const here = new URL('./import-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/http/import-worker.js', import.meta.url);
}

export class Importer {
  private readonly core: CoreSlot;

  constructor(opts: { core?: CoreSlot } = {}) {
    this.core = opts.core ?? new CoreSlot();
  }

  private admitted = 0;
  private readonly admittedFrom = new Map<string, number>();
  private parsing = 0;
  private readonly waiting: (() => void)[] = [];

  /** Imports admitted and not yet released (uploading, waiting or parsing). */
  get inFlight(): number {
    return this.admitted;
  }

  /**
   * A place for one import from `address`, taken before its body is read; throws
   * ImportPerAddressError when the address has its share, ImportBusyError when every place is taken.
   */
  admit(address: string): ImportTicket {
    const fromAddress = this.admittedFrom.get(address) ?? 0;
    if (fromAddress >= MAX_IMPORTS_PER_ADDRESS) throw new ImportPerAddressError();
    if (this.admitted >= MAX_CONCURRENT_IMPORTS + MAX_QUEUED_IMPORTS) throw new ImportBusyError();
    this.admitted++;
    this.admittedFrom.set(address, fromAddress + 1);
    let released = false;
    return {
      parse: (bytes, signal) => this.parse(bytes, signal),
      release: () => {
        if (released) return;
        released = true;
        this.admitted--;
        const left = (this.admittedFrom.get(address) ?? 1) - 1;
        if (left > 0) this.admittedFrom.set(address, left);
        else this.admittedFrom.delete(address);
      },
    };
  }

  private async parse(bytes: Uint8Array, signal: AbortSignal): Promise<ParsedImport> {
    if (this.parsing >= MAX_CONCURRENT_IMPORTS)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    // The parser was handed over by the import that ended: `parsing` already counts this one.
    else this.parsing++;
    try {
      if (signal.aborted) throw new BodyIncompleteError('the sender went away');
      const release = await this.core.acquire(
        signal,
        () => new BodyIncompleteError('the sender went away'),
      );
      try {
        return await this.runWorker(bytes, signal);
      } finally {
        release();
      }
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.parsing--;
    }
  }

  private runWorker(bytes: Uint8Array, signal: AbortSignal): Promise<ParsedImport> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl(), {
        workerData: bytes,
        transferList: [bytes.buffer as ArrayBuffer],
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: IMPORT_WORKER_HEAP_MB },
      });
      let settled = false;
      const settle = (result: Error | ParsedImport) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(
        () => settle(new ImportTooCostlyError(`backup not read within ${IMPORT_TIMEOUT_MS} ms`)),
        IMPORT_TIMEOUT_MS,
      );
      const onAbort = () => settle(new BodyIncompleteError('the sender went away'));
      signal.addEventListener('abort', onAbort);
      worker.on('message', (msg: ImportWorkerMessage) => {
        if (msg.type === 'done')
          settle({ update: msg.update, title: msg.title, template: msg.template });
        else if (msg.type === 'invalid') settle(new ImportInvalidError(msg.message));
        else settle(new Error(`import failed: ${msg.message}`));
      });
      worker.on('error', (err: Error & { code?: string }) =>
        settle(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ImportTooCostlyError(`backup does not fit in ${IMPORT_WORKER_HEAP_MB} MB`)
            : err,
        ),
      );
      worker.on('exit', (code) => settle(new Error(`import worker exited with ${code}`)));
    });
  }
}
