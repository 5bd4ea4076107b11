/**
 * The read-only sync endpoint: serves each board's Y.Doc to y-websocket clients.
 *
 * Of everything a client sends, only "sync step 1" (its state vector) is read, and answered with
 * "sync step 2" (what it lacks) once the document equals the committed state. Updates, step 2 and
 * awareness messages from clients are dropped after reading their type bytes; their payload is
 * never parsed.
 *
 * Fan-out grows with the number of connections, not with their square: the committed updates of a
 * board are gathered for up to `SYNC_COALESCE_MS` and sent as one merged message, the same bytes to
 * every connection. A connection that cannot keep up (its send buffer is over
 * `SLOW_CLIENT_BUFFERED_BYTES`) is sent nothing until it drains; then it gets what it missed as one
 * merged update. Late joiners with an empty replica are served one encoding of the whole document,
 * cached until the document changes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { ErrorCode, MAX_SYNC_MESSAGE_BYTES, SyncCloseCode } from '@pajataulu/shared';
import { authenticate } from '../board/auth.js';
import type { LiveBoard } from '../board/live-board.js';
import type { BoardRegistry } from '../board/registry.js';
import type { Session } from '../board/session.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';

const log = createLogger('sync');

/** URL prefix of the endpoint: `/sync/<boardId>?protocol=…&token=…`. */
export const SYNC_PATH = '/sync/';
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
 * A late joiner gets the cached encoding of the whole document plus the changes since, until the
 * changes since exceed this (or a quarter of the whole); then the document is encoded again.
 */
export const FULL_STATE_MAX_CHANGE_BYTES = 256 * 1024;
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
/** Frames read from a connection that is still being authenticated; later ones are dropped. */
export const MAX_FRAMES_BEFORE_AUTH = 4;
/**
 * Interval of keep-alives. Each round sends a WebSocket ping (a connection that missed the previous
 * round's pong is terminated) and an empty awareness message: y-websocket clients reconnect when
 * they have read no message for 30 s, and this endpoint relays no awareness that would keep them busy.
 */
export const SYNC_KEEPALIVE_INTERVAL_MS = 15_000;

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** An awareness message announcing no clients: a no-op for the receiver. */
const EMPTY_AWARENESS_MESSAGE = (() => {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 0);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
})();

interface Conn {
  ws: WebSocket;
  session: Session;
  alive: boolean;
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

/** A board's whole document as a step 2 message, for replicas that have nothing yet. */
interface FullState {
  stateVector: Uint8Array;
  message: Uint8Array;
}

/** Counters an operator or a test can read: how much fan-out work the endpoint did. */
export interface SyncStats {
  /** Update messages handed to connections (one per connection per flush). */
  updateMessages: number;
  /** Flushes: merged batches sent to a board's connections. */
  flushes: number;
  /** Times a connection started lagging and was held back. */
  slowClientHolds: number;
  /** Times a lagging connection was sent what it missed. */
  slowClientCatchUps: number;
  /** Connections closed for lagging too long or missing too much. */
  slowClientCloses: number;
  /** Step 2 answers served from the cached whole-document encoding. */
  fullStateCacheHits: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

const CLOSE_FOR_ERROR: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthorized]: SyncCloseCode.Unauthorized,
  [ErrorCode.BoardNotFound]: SyncCloseCode.BoardNotFound,
  [ErrorCode.ProtocolMismatch]: SyncCloseCode.ProtocolMismatch,
};

export class SyncEndpoint {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Set<Conn>>();
  private readonly outboxes = new Map<string, Outbox>();
  private readonly lagging = new Set<Conn>();
  private readonly fullStates = new WeakMap<LiveBoard, FullState>();
  private readonly pinger: NodeJS.Timeout;
  private readonly slowChecker: NodeJS.Timeout;
  readonly stats: SyncStats = {
    updateMessages: 0,
    flushes: 0,
    slowClientHolds: 0,
    slowClientCatchUps: 0,
    slowClientCloses: 0,
    fullStateCacheHits: 0,
  };
  private readonly unlisten: () => void;

  constructor(
    private readonly storage: Storage,
    private readonly registry: BoardRegistry,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_SYNC_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    this.unlisten = registry.listen({
      onCommitted: (boardId, update, outcome) => {
        if (update) this.enqueue(boardId, update);
        for (const pid of outcome.revoked)
          this.closeWhere(
            boardId,
            (s) => s.participantId === pid,
            SyncCloseCode.Revoked,
            'removed',
          );
        if (outcome.keyRotated) {
          this.closeWhere(
            boardId,
            (s) => s.role === 'facilitator',
            SyncCloseCode.Unauthorized,
            'key rotated',
          );
        }
      },
      onReset: (boardId) => {
        this.dropOutbox(boardId);
        this.closeBoard(boardId, SyncCloseCode.GoingAway, 'board reloading');
      },
    });
    this.pinger = setInterval(() => this.keepAlive(), SYNC_KEEPALIVE_INTERVAL_MS);
    this.pinger.unref();
    this.slowChecker = setInterval(() => this.checkLagging(), SLOW_CLIENT_CHECK_MS);
    this.slowChecker.unref();
  }

  /** Number of open sync connections. */
  get connectionCount(): number {
    let n = 0;
    for (const s of this.conns.values()) n += s.size;
    return n;
  }

  /** Whether this endpoint handles the request's path. */
  handles(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith(SYNC_PATH);
  }

  /** Takes over an HTTP upgrade for the sync path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.accept(ws, req));
  }

  private async accept(ws: WebSocket, req: IncomingMessage): Promise<void> {
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => ws.terminate());
    // A client sends its step 1 as soon as the socket opens, possibly before authentication is
    // done: keep the first few frames and read them once it is.
    const early: [WebSocket.RawData, boolean][] = [];
    const keepEarly = (data: WebSocket.RawData, isBinary: boolean) => {
      if (early.length < MAX_FRAMES_BEFORE_AUTH) early.push([data, isBinary]);
    };
    ws.on('message', keepEarly);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const boardId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length));
    let auth;
    try {
      auth = await authenticate(this.storage, {
        protocol: url.searchParams.get('protocol'),
        board: boardId,
        token: url.searchParams.get('token') ?? undefined,
        facilitatorKey: url.searchParams.get('facilitatorKey') ?? undefined,
        projectorKey: url.searchParams.get('projectorKey') ?? undefined,
      });
    } catch (err) {
      log.error('authentication failed', { err });
      ws.close(SyncCloseCode.GoingAway, 'unavailable');
      return;
    }
    if (!auth.ok) {
      ws.close(CLOSE_FOR_ERROR[auth.code] ?? SyncCloseCode.Unauthorized, auth.code);
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    const conn: Conn = { ws, session: auth.session, alive: true, missedBytes: 0, lagSince: 0 };
    const id = auth.session.boardId;
    this.registry.retain(id);
    let set = this.conns.get(id);
    if (!set) this.conns.set(id, (set = new Set()));
    set.add(conn);
    ws.on('pong', () => (conn.alive = true));
    ws.off('message', keepEarly);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    for (const [data, isBinary] of early) this.onMessage(conn, data, isBinary);
    ws.on('close', () => {
      const s = this.conns.get(id);
      if (s?.delete(conn) && s.size === 0) {
        this.conns.delete(id);
        this.dropOutbox(id);
      }
      this.lagging.delete(conn);
      this.registry.release(id);
    });
  }

  private onMessage(conn: Conn, data: WebSocket.RawData, isBinary: boolean): void {
    if (!isBinary || !Buffer.isBuffer(data)) {
      conn.ws.close(SyncCloseCode.BadMessage, 'binary frames only');
      return;
    }
    try {
      const decoder = decoding.createDecoder(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) {
        const step = decoding.readVarUint(decoder);
        // Step 2 and updates are the client writing: dropped unread.
        if (step !== syncProtocol.messageYjsSyncStep1) return;
        const stateVector = decoding.readVarUint8Array(decoder);
        void this.answerStep1(conn, stateVector);
      } else if (
        type === MESSAGE_AWARENESS ||
        type === MESSAGE_AUTH ||
        type === MESSAGE_QUERY_AWARENESS
      ) {
        // Presence travels over the command gateway, aggregated; nothing to answer here.
      } else {
        conn.ws.close(SyncCloseCode.BadMessage, 'unknown message type');
      }
    } catch {
      conn.ws.close(SyncCloseCode.BadMessage, 'unreadable message');
    }
  }

  private async answerStep1(conn: Conn, stateVector: Uint8Array): Promise<void> {
    let board;
    try {
      board = await this.registry.get(conn.session.boardId);
    } catch (err) {
      log.error('board load failed', { board: conn.session.boardId, err });
      conn.ws.close(SyncCloseCode.GoingAway, 'unavailable');
      return;
    }
    board.whenCommitted(() => {
      if (conn.ws.readyState !== WebSocket.OPEN) return;
      let messages: Uint8Array[];
      try {
        messages = this.step2(board, stateVector);
      } catch {
        conn.ws.close(SyncCloseCode.BadMessage, 'unreadable state vector');
        return;
      }
      // The answer holds everything committed so far, whatever the connection was held back from.
      this.stopLagging(conn);
      for (const m of messages) conn.ws.send(m);
    });
  }

  /**
   * The answer to step 1. A replica with nothing gets the cached encoding of the whole document,
   * and, if the document has changed since, an update with the changes since the encoding: one
   * whole encoding of a 10,000-note board takes about 100 ms of the event loop, and joins must not
   * pay it each time someone writes.
   */
  private step2(board: LiveBoard, stateVector: Uint8Array): Uint8Array[] {
    const encode = (sv: Uint8Array) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep2(encoder, board.doc, sv);
      return encoding.toUint8Array(encoder);
    };
    if (Y.decodeStateVector(stateVector).size > 0) return [encode(stateVector)];
    // Every changing batch advances the server's clock (ARCHITECTURE: `meta.rev`), so the state
    // vector names the committed revision the cached encoding was made from.
    const current = Y.encodeStateVector(board.doc);
    const cached = this.fullStates.get(board);
    if (cached && sameBytes(cached.stateVector, current)) {
      this.stats.fullStateCacheHits++;
      return [cached.message];
    }
    if (cached) {
      const since = Y.encodeStateAsUpdate(board.doc, cached.stateVector);
      if (
        since.byteLength <= Math.max(FULL_STATE_MAX_CHANGE_BYTES, cached.message.byteLength / 4)
      ) {
        this.stats.fullStateCacheHits++;
        return [cached.message, updateMessage(since)];
      }
    }
    const message = encode(stateVector);
    this.fullStates.set(board, { stateVector: current, message });
    return [message];
  }

  private enqueue(boardId: string, update: Uint8Array): void {
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

  private dropOutbox(boardId: string): void {
    const box = this.outboxes.get(boardId);
    if (box) clearTimeout(box.timer);
    this.outboxes.delete(boardId);
  }

  /** Sends an update, or holds it back while the connection cannot keep up. */
  private deliver(conn: Conn, update: Uint8Array, message: Uint8Array): void {
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

  private checkLagging(): void {
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

  private stopLagging(conn: Conn): void {
    conn.missed = undefined;
    conn.missedBytes = 0;
    this.lagging.delete(conn);
  }

  private closeSlow(conn: Conn): void {
    this.stopLagging(conn);
    this.stats.slowClientCloses++;
    // Rather than hold its updates without bound, let the client reconnect and resync.
    conn.ws.close(SyncCloseCode.GoingAway, 'too slow');
  }

  private keepAlive(): void {
    for (const set of this.conns.values()) {
      for (const conn of set) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        conn.ws.ping();
        if (!conn.missed) conn.ws.send(EMPTY_AWARENESS_MESSAGE);
      }
    }
  }

  private closeWhere(
    boardId: string,
    match: (s: Session) => boolean,
    code: number,
    reason: string,
  ): void {
    for (const conn of this.conns.get(boardId) ?? [])
      if (match(conn.session)) conn.ws.close(code, reason);
  }

  /** Closes every connection of a board, e.g. when the board must be reloaded. */
  closeBoard(boardId: string, code: number, reason: string): void {
    for (const conn of this.conns.get(boardId) ?? []) conn.ws.close(code, reason);
  }

  /** Closes every connection with "going away" (clients reconnect) and stops the endpoint. */
  close(): void {
    clearInterval(this.pinger);
    clearInterval(this.slowChecker);
    this.unlisten();
    // What was committed goes out before the connections close.
    for (const boardId of [...this.outboxes.keys()]) {
      this.flush(boardId, true);
      this.dropOutbox(boardId);
    }
    for (const set of this.conns.values()) {
      for (const conn of set) conn.ws.close(SyncCloseCode.GoingAway, 'server shutting down');
    }
    this.wss.close();
  }
}
