/**
 * Answers to "sync step 2", the document a client lacks given its state vector.
 *
 * Step 1 is answered from a state vector clamped to the document's (client ids the document does
 * not know are dropped), so a made-up vector costs no more than an empty one: an empty vector gets
 * the cached encoding of the whole document, an up-to-date one the cached "nothing new" answer of
 * the revision. The whole document is encoded at most once per refresh interval; joiners that
 * arrive while the cached encoding is stale wait together for the next one.
 */
import * as Y from 'yjs';
import type { LiveBoard } from '../board/live-board.js';
import { createLogger } from '../log.js';
import { encodeStep2 } from './messages.js';
import type { SyncStats } from './stats.js';

const log = createLogger('sync');

/**
 * The whole document is encoded for late joiners at most once per this interval, or per
 * `FULL_STATE_REFRESH_FACTOR` times the last encoding's duration if longer: a joiner arriving while
 * the cached encoding is stale waits for the next one, so encoding takes at most a tenth of the
 * event loop however many join. Step 2 always holds the whole committed board (y-websocket reports
 * `synced` on it), never a stale encoding followed by the changes since.
 */
export const FULL_STATE_REFRESH_MIN_MS = 100;
export const FULL_STATE_REFRESH_FACTOR = 10;

/** A board's whole document as a step 2 message, for replicas that have nothing yet. */
export interface FullState<C> {
  stateVector: Uint8Array;
  message: Uint8Array;
  /** When it was encoded and how long that took, in ms: the next encoding waits in proportion. */
  encodedAt: number;
  took: number;
  /** Joiners waiting for the next encoding. */
  waiters: Set<C>;
  timer: NodeJS.Timeout | undefined;
}

/** What a connection keeps of its step 1 while it waits for an answer. */
export interface Step2Waiter<C> {
  /** The state vector of the newest step 1 not yet answered. */
  pendingStep1?: Uint8Array;
  /** The full-state refresh this connection waits for, if any. */
  waitingFor?: FullState<C>;
}

/** The "nothing new" step 2 of a board at one revision. */
interface UpToDate {
  stateVector: Uint8Array;
  message: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** How long after an encoding of the whole document the next may be made. */
function refreshInterval<C>(state: FullState<C>): number {
  return Math.max(FULL_STATE_REFRESH_MIN_MS, FULL_STATE_REFRESH_FACTOR * state.took);
}

/** Step 2 answers of every board, with the encodings they share. */
export class Step2Answers<C extends Step2Waiter<C>> {
  private readonly fullStates = new WeakMap<LiveBoard, FullState<C>>();
  private readonly upToDate = new WeakMap<LiveBoard, UpToDate>();

  /** `send` delivers an answer to a connection that waited for the next encoding. */
  constructor(
    private readonly stats: SyncStats,
    private readonly send: (conn: C, message: Uint8Array) => void,
  ) {}

  /**
   * The client's state vector restricted to what the document has: client ids it does not know
   * are dropped and clocks cut to the document's. The answer to the clamped vector is the same
   * update (what the client lacks), and made-up vectors collapse onto a few cached answers.
   */
  clamp(board: LiveBoard, clientVector: Map<number, number>): Map<number, number> {
    const ours = Y.decodeStateVector(Y.encodeStateVector(board.doc));
    const clamped = new Map<number, number>();
    for (const [client, clock] of clientVector) {
      const have = ours.get(client);
      if (have !== undefined && clock > 0) clamped.set(client, Math.min(clock, have));
    }
    return clamped;
  }

  /**
   * Step 2 for a clamped state vector, or undefined when the connection waits for the next
   * encoding of the whole document. An empty replica gets the whole document (cached per
   * revision, re-encoded at most once per refresh interval); an up-to-date one the cached
   * "nothing new"; anything else the diff (bounded per connection by the message budget and the
   * one-pending rule).
   */
  step2(
    conn: C,
    board: LiveBoard,
    clamped: Map<number, number>,
    raw: Uint8Array,
  ): Uint8Array | undefined {
    // Every changing batch advances the server's clock (ARCHITECTURE: `meta.rev`), so the state
    // vector names the committed revision an encoding was made from.
    const current = Y.encodeStateVector(board.doc);
    if (clamped.size === 0) return this.fullState(conn, board, current, raw);
    const ours = Y.decodeStateVector(current);
    let upToDate = clamped.size === ours.size;
    for (const [client, clock] of ours) if (clamped.get(client) !== clock) upToDate = false;
    if (upToDate) {
      const cached = this.upToDate.get(board);
      if (cached && sameBytes(cached.stateVector, current)) {
        this.stats.upToDateCacheHits++;
        return cached.message;
      }
      const message = encodeStep2(board.doc, current);
      this.upToDate.set(board, { stateVector: current, message });
      return message;
    }
    return encodeStep2(board.doc, Y.encodeStateVector(clamped));
  }

  private fullState(
    conn: C,
    board: LiveBoard,
    current: Uint8Array,
    raw: Uint8Array,
  ): Uint8Array | undefined {
    const cached = this.fullStates.get(board);
    if (cached && sameBytes(cached.stateVector, current)) {
      this.stats.fullStateCacheHits++;
      return cached.message;
    }
    const now = Date.now();
    if (!cached || now >= cached.encodedAt + refreshInterval(cached)) {
      return this.encodeFullState(board, current).message;
    }
    // Stale, and encoded too recently to encode again: wait with the other joiners.
    conn.pendingStep1 = raw;
    conn.waitingFor = cached;
    cached.waiters.add(conn);
    cached.timer ??= setTimeout(
      () => this.refreshFullState(board, cached),
      cached.encodedAt + refreshInterval(cached) - now,
    );
    return undefined;
  }

  private encodeFullState(board: LiveBoard, current: Uint8Array): FullState<C> {
    const started = performance.now();
    const message = encodeStep2(board.doc, new Uint8Array([0]));
    // Joiners waiting on an older encoding keep waiting on it; its timer answers them.
    const fresh: FullState<C> = {
      stateVector: current,
      message,
      encodedAt: Date.now(),
      took: performance.now() - started,
      waiters: new Set(),
      timer: undefined,
    };
    this.stats.fullStateEncodes++;
    this.fullStates.set(board, fresh);
    return fresh;
  }

  /** Encodes the whole document once and answers every joiner waiting for it. */
  private refreshFullState(board: LiveBoard, waitedOn: FullState<C>): void {
    waitedOn.timer = undefined;
    board.whenCommitted(() => {
      try {
        const waiters = [...waitedOn.waiters];
        waitedOn.waiters.clear();
        if (waiters.length === 0) return;
        const current = Y.encodeStateVector(board.doc);
        const latest = this.fullStates.get(board);
        const state =
          latest && sameBytes(latest.stateVector, current)
            ? latest
            : this.encodeFullState(board, current);
        for (const conn of waiters) {
          if (conn.waitingFor !== waitedOn) continue;
          conn.waitingFor = undefined;
          conn.pendingStep1 = undefined;
          this.send(conn, state.message);
        }
      } catch (err) {
        log.error('full-state encoding failed', { err });
      }
    });
  }
}
