/**
 * Fan-out of committed updates to a board's sync connections.
 *
 * Fan-out grows with the number of connections, not with their square: the committed updates of a
 * board are gathered for up to `SYNC_COALESCE_MS` and sent as one merged message, the same bytes to
 * every connection, at most `FLUSH_CONNECTIONS_PER_TURN` connections per turn of the event loop. A
 * connection that cannot keep up (its send buffer is over `SLOW_CLIENT_BUFFERED_BYTES`) is sent
 * nothing until it drains; then it gets what it missed as one merged update.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { SyncCloseCode } from '@pajataulu/shared';
import { updateMessage } from './messages.js';
import type { SyncStats } from './stats.js';

/**
 * Committed updates of one board are gathered for at most this long and sent as one message per
 * connection. The first update after a quiet spell goes out at once; under load a board sends at
 * most one message per connection per interval.
 */
export const SYNC_COALESCE_MS = 30;
/** A connection with more than this in its send buffer is sent nothing more until it drains. */
export const SLOW_CLIENT_BUFFERED_BYTES = 256 * 1024;
/** A lagging connection whose buffer is down to this gets what it missed, merged into one update. */
export const SLOW_CLIENT_RESUME_BYTES = 64 * 1024;
/**
 * A flush writes to at most this many connections per turn of the event loop: one board's
 * fan-out to 2,000 connections is 2,000 socket writes, too long a task to run in one go.
 */
export const FLUSH_CONNECTIONS_PER_TURN = 250;
/** How often lagging connections are looked at. */
export const SLOW_CLIENT_CHECK_MS = 100;
/**
 * A connection lagging longer than this, or missing more than `SLOW_CLIENT_MAX_MISSED_BYTES`, is
 * closed with "going away"; the client reconnects and resyncs from its state vector.
 */
export const SLOW_CLIENT_MAX_LAG_MS = 30_000;
export const SLOW_CLIENT_MAX_MISSED_BYTES = 4 * 1024 * 1024;

/** What the fan-out keeps on a connection. */
export interface Receiver {
  ws: WebSocket;
  /** Updates held back while the connection lags, oldest first; undefined when it keeps up. */
  missed?: Uint8Array[];
  missedBytes: number;
  lagSince: number;
}

/** Committed updates of a board waiting for the next flush. */
interface Outbox {
  updates: Uint8Array[];
  timer: NodeJS.Timeout | undefined;
  lastFlush: number;
  /** A flush is still being written out, a slice of connections per turn. */
  sending: boolean;
}

/** The outboxes of every board, and the connections held back from them. */
export class FanOut<C extends Receiver> {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly lagging = new Set<C>();

  /** `conns` are the open connections of each board, kept by the endpoint. */
  constructor(
    private readonly conns: ReadonlyMap<string, ReadonlySet<C>>,
    private readonly stats: SyncStats,
  ) {}

  /** Queues a committed update for the board's connections. */
  enqueue(boardId: string, update: Uint8Array): void {
    // Nobody to tell: a later connection gets the document in its step 2.
    if (!this.conns.get(boardId)?.size) return;
    let box = this.outboxes.get(boardId);
    if (!box)
      this.outboxes.set(
        boardId,
        (box = { updates: [], timer: undefined, lastFlush: 0, sending: false }),
      );
    box.updates.push(update);
    if (box.timer) return;
    const wait = box.lastFlush + SYNC_COALESCE_MS - Date.now();
    if (wait <= 0) this.flush(boardId);
    else box.timer = setTimeout(() => this.flush(boardId), wait);
  }

  /**
   * Sends what a board has committed since its last flush, at most
   * `FLUSH_CONNECTIONS_PER_TURN` connections per turn of the event loop (`whole`: all at once).
   * The next flush waits until this one is written out, so every connection gets them in order.
   */
  private flush(boardId: string, whole = false): void {
    const box = this.outboxes.get(boardId);
    if (!box) return;
    clearTimeout(box.timer);
    box.timer = undefined;
    if (box.updates.length === 0 || (box.sending && !whole)) return;
    const update = box.updates.length === 1 ? box.updates[0]! : Y.mergeUpdates(box.updates);
    box.updates = [];
    box.lastFlush = Date.now();
    const set = this.conns.get(boardId);
    if (!set) return;
    this.stats.flushes++;
    const message = updateMessage(update);
    const conns = [...set];
    const step = whole ? conns.length : FLUSH_CONNECTIONS_PER_TURN;
    const sendFrom = (start: number) => {
      const end = Math.min(conns.length, start + step);
      for (let i = start; i < end; i++) this.deliver(conns[i]!, update, message);
      if (end < conns.length) {
        setImmediate(() => sendFrom(end));
        return;
      }
      box.sending = false;
      // Whatever was committed meanwhile has waited long enough.
      if (box.updates.length > 0 && !box.timer && this.outboxes.get(boardId) === box)
        this.flush(boardId);
    };
    box.sending = true;
    sendFrom(0);
  }

  /** Sends what every board has committed, to all its connections at once, and drops the outboxes. */
  flushAll(): void {
    for (const boardId of [...this.outboxes.keys()]) {
      this.flush(boardId, true);
      this.dropOutbox(boardId);
    }
  }

  /** Forgets what a board has not sent yet, e.g. when it is reloaded or its last connection goes. */
  dropOutbox(boardId: string): void {
    const box = this.outboxes.get(boardId);
    if (box) clearTimeout(box.timer);
    this.outboxes.delete(boardId);
  }

  /** Sends an update, or holds it back while the connection cannot keep up. */
  private deliver(conn: C, update: Uint8Array, message: Uint8Array): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (!conn.missed && conn.ws.bufferedAmount > SLOW_CLIENT_BUFFERED_BYTES) {
      conn.missed = [];
      conn.missedBytes = 0;
      conn.lagSince = Date.now();
      this.lagging.add(conn);
      this.stats.slowClientHolds++;
    }
    if (conn.missed) {
      conn.missed.push(update);
      conn.missedBytes += update.byteLength;
      if (conn.missedBytes > SLOW_CLIENT_MAX_MISSED_BYTES) this.closeSlow(conn);
      return;
    }
    this.stats.updateMessages++;
    conn.ws.send(message);
  }

  /**
   * Sends each lagging connection that has drained what it missed, and closes those lagging too
   * long.
   */
  checkLagging(): void {
    const now = Date.now();
    for (const conn of this.lagging) {
      if (conn.ws.readyState !== WebSocket.OPEN) {
        this.stopLagging(conn);
      } else if (now - conn.lagSince > SLOW_CLIENT_MAX_LAG_MS) {
        this.closeSlow(conn);
      } else if (conn.ws.bufferedAmount <= SLOW_CLIENT_RESUME_BYTES) {
        const missed = conn.missed ?? [];
        this.stopLagging(conn);
        if (missed.length === 0) continue;
        this.stats.slowClientCatchUps++;
        this.stats.updateMessages++;
        conn.ws.send(updateMessage(missed.length === 1 ? missed[0]! : Y.mergeUpdates(missed)));
      }
    }
  }

  /** Stops holding updates back from a connection: what it was held back from is not sent. */
  stopLagging(conn: C): void {
    conn.missed = undefined;
    conn.missedBytes = 0;
    this.lagging.delete(conn);
  }

  /** Forgets a closed connection. */
  forget(conn: C): void {
    this.lagging.delete(conn);
  }

  private closeSlow(conn: C): void {
    this.stopLagging(conn);
    this.stats.slowClientCloses++;
    // Rather than hold its updates without bound, let the client reconnect and resync.
    conn.ws.close(SyncCloseCode.GoingAway, 'too slow');
  }
}
