/**
 * The read-only sync endpoint: serves each board's Y.Doc to y-websocket clients.
 *
 * Of everything a client sends, only "sync step 1" (its state vector) is read, and answered with
 * "sync step 2" (what it lacks) once the document equals the committed state. Updates, step 2 and
 * awareness messages from clients are dropped after reading their type bytes; their payload is
 * never parsed. How answers are computed and cached is in `step2.ts`; how committed updates reach
 * the connections, slow ones included, in `fanout.ts`.
 *
 * No input makes the endpoint do unbounded work: an upgrade that cannot be read is refused with
 * HTTP 400 before it becomes a websocket (`upgrade.ts`); every step of an upgrade and of message
 * handling catches what it throws; a connection may send `SYNC_MESSAGE_BURST` messages at once and
 * `SYNC_MESSAGES_PER_SECOND` on average. Each connection has at most one step 1 waiting to be
 * answered (a newer one replaces it), answers are computed one per turn of the event loop, and
 * none is computed for a connection whose send buffer is over `SLOW_CLIENT_BUFFERED_BYTES` until
 * it drains.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import {
  ErrorCode,
  MAX_SYNC_MESSAGE_BYTES,
  SyncCloseCode,
  readSyncSubprotocols,
} from '@pajataulu/shared';
import { authenticate } from '../board/auth.js';
import type { LiveBoard } from '../board/live-board.js';
import { endings } from '../board/pipeline/audiences.js';
import type { BoardRegistry } from '../board/registry.js';
import type { Session } from '../board/session.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';
import {
  FanOut,
  SLOW_CLIENT_BUFFERED_BYTES,
  SLOW_CLIENT_CHECK_MS,
  SLOW_CLIENT_RESUME_BYTES,
  type Receiver,
} from './fanout.js';
import {
  EMPTY_AWARENESS_MESSAGE,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
} from './messages.js';
import { ANY_ORIGIN, type OriginCheck } from './origin.js';
import { newSyncStats, type SyncStats } from './stats.js';
import { Step2Answers, type Step2Waiter } from './step2.js';
import { parseSyncRequest, refuseUpgrade, SYNC_PATH, type UpgradeRequest } from './upgrade.js';

export {
  FLUSH_CONNECTIONS_PER_TURN,
  SLOW_CLIENT_BUFFERED_BYTES,
  SLOW_CLIENT_CHECK_MS,
  SLOW_CLIENT_MAX_LAG_MS,
  SLOW_CLIENT_MAX_MISSED_BYTES,
  SLOW_CLIENT_RESUME_BYTES,
  SYNC_COALESCE_MS,
} from './fanout.js';
export type { SyncStats } from './stats.js';
export { FULL_STATE_REFRESH_FACTOR, FULL_STATE_REFRESH_MIN_MS } from './step2.js';
export { parseSyncRequest, refuseUpgrade, SYNC_PATH } from './upgrade.js';

const log = createLogger('sync');

/**
 * Sync messages a connection may send in a burst, and per second on average. An honest client sends
 * step 1 on connecting and an awareness message when its presence changes (every 15 s at most when
 * idle); a client over the budget is closed with `SyncCloseCode.TooManyMessages`.
 */
export const SYNC_MESSAGE_BURST = 64;
export const SYNC_MESSAGES_PER_SECOND = 4;
/** Frames read from a connection that is still being authenticated; later ones are dropped. */
export const MAX_FRAMES_BEFORE_AUTH = 4;
/**
 * Interval of keep-alives. Each round sends a WebSocket ping (a connection that missed the previous
 * round's pong is terminated) and an empty awareness message: y-websocket clients reconnect when
 * they have read no message for 30 s, and this endpoint relays no awareness that would keep them busy.
 */
export const SYNC_KEEPALIVE_INTERVAL_MS = 15_000;

interface Conn extends Receiver, Step2Waiter<Conn> {
  session: Session;
  alive: boolean;
  /** Message budget: tokens left and when they were last counted. */
  tokens: number;
  tokensAt: number;
}

const CLOSE_FOR_ERROR: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthorized]: SyncCloseCode.Unauthorized,
  [ErrorCode.BoardNotFound]: SyncCloseCode.BoardNotFound,
  [ErrorCode.ProtocolMismatch]: SyncCloseCode.ProtocolMismatch,
};

export class SyncEndpoint {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Set<Conn>>();
  readonly stats: SyncStats = newSyncStats();
  private readonly fanOut = new FanOut<Conn>(this.conns, this.stats);
  private readonly answers = new Step2Answers<Conn>(this.stats, (conn, message) =>
    this.sendStep2(conn, message),
  );
  /** Connections with a step 1 to answer, in arrival order; answered one per turn. */
  private readonly step1Queue = new Set<Conn>();
  /** Connections whose step 1 waits for their send buffer to drain. */
  private readonly step1Held = new Set<Conn>();
  private answering = false;
  private readonly pinger: NodeJS.Timeout;
  private readonly slowChecker: NodeJS.Timeout;
  private readonly unlisten: () => void;

  constructor(
    private readonly storage: Storage,
    private readonly registry: BoardRegistry,
    private readonly allowOrigin: OriginCheck = ANY_ORIGIN,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_SYNC_MESSAGE_BYTES,
      perMessageDeflate: false,
      // Answer with the version entry only: the credential entry is never echoed.
      handleProtocols: (offered) => readSyncSubprotocols(offered).versionEntry ?? false,
    });
    this.unlisten = registry.listen({
      onCommitted: (boardId, update, plan) => {
        if (update) this.fanOut.enqueue(boardId, update);
        // The plan names whose connections end; this endpoint only closes its own of them.
        for (const { to, reason } of endings(plan)) {
          const pid = 'participantId' in to ? to.participantId : undefined;
          this.closeWhere(
            boardId,
            (s) => (pid === undefined ? s.role === 'facilitator' : s.participantId === pid),
            reason === 'removed' ? SyncCloseCode.Revoked : SyncCloseCode.Unauthorized,
            reason === 'removed' ? 'removed' : 'key rotated',
          );
        }
      },
      onReset: (boardId) => {
        this.fanOut.dropOutbox(boardId);
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

  /** Takes over an HTTP upgrade for the sync path. Never throws. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!this.allowOrigin(req)) {
      this.stats.upgradesRefused++;
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    const request = parseSyncRequest(req.url, req.headers['sec-websocket-protocol']);
    if (!request) {
      this.stats.upgradesRefused++;
      refuseUpgrade(socket, 400, 'Bad Request');
      return;
    }
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.accept(ws, request).catch((err: unknown) => {
          log.error('sync connection failed', { err });
          ws.terminate();
        });
      });
    } catch (err) {
      log.error('sync upgrade failed', { err });
      socket.destroy();
    }
  }

  private async accept(ws: WebSocket, request: UpgradeRequest): Promise<void> {
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => ws.terminate());
    // A client sends its step 1 as soon as the socket opens, possibly before authentication is
    // done: keep the first few frames and read them once it is.
    const early: [WebSocket.RawData, boolean][] = [];
    const keepEarly = (data: WebSocket.RawData, isBinary: boolean) => {
      if (early.length < MAX_FRAMES_BEFORE_AUTH) early.push([data, isBinary]);
    };
    ws.on('message', keepEarly);
    const { boardId, offer } = request;
    if (offer.conflicting) {
      ws.close(SyncCloseCode.Unauthorized, ErrorCode.Unauthorized);
      return;
    }
    let auth;
    try {
      auth = await authenticate(this.storage, {
        protocol: offer.protocol,
        board: boardId,
        token: offer.token,
        facilitatorKey: offer.facilitatorKey,
        projectorKey: offer.projectorKey,
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
    const conn: Conn = {
      ws,
      session: auth.session,
      alive: true,
      missedBytes: 0,
      lagSince: 0,
      tokens: SYNC_MESSAGE_BURST,
      tokensAt: Date.now(),
    };
    const id = auth.session.boardId;
    this.registry.retain(id);
    let set = this.conns.get(id);
    if (!set) this.conns.set(id, (set = new Set()));
    set.add(conn);
    ws.on('close', () => {
      const s = this.conns.get(id);
      if (s?.delete(conn) && s.size === 0) {
        this.conns.delete(id);
        this.fanOut.dropOutbox(id);
      }
      this.fanOut.forget(conn);
      this.forgetStep1(conn);
      this.registry.release(id);
    });
    ws.on('pong', () => (conn.alive = true));
    ws.off('message', keepEarly);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    for (const [data, isBinary] of early) this.onMessage(conn, data, isBinary);
  }

  /** Counts a message against the connection's budget; false (and closed) when it is spent. */
  private spend(conn: Conn): boolean {
    const now = Date.now();
    conn.tokens = Math.min(
      SYNC_MESSAGE_BURST,
      conn.tokens + ((now - conn.tokensAt) / 1000) * SYNC_MESSAGES_PER_SECOND,
    );
    conn.tokensAt = now;
    if (conn.tokens >= 1) {
      conn.tokens -= 1;
      return true;
    }
    this.stats.budgetCloses++;
    this.forgetStep1(conn);
    conn.ws.close(SyncCloseCode.TooManyMessages, 'too many messages');
    return false;
  }

  private onMessage(conn: Conn, data: WebSocket.RawData, isBinary: boolean): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (!this.spend(conn)) return;
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
        this.queueStep1(conn, stateVector);
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

  /** Keeps a step 1 to answer; a newer one from the same connection replaces it. */
  private queueStep1(conn: Conn, stateVector: Uint8Array): void {
    if (conn.pendingStep1) this.stats.step1Replaced++;
    conn.pendingStep1 = stateVector;
    if (conn.waitingFor) {
      conn.waitingFor.waiters.delete(conn);
      conn.waitingFor = undefined;
    }
    if (!this.step1Held.has(conn)) this.step1Queue.add(conn);
    this.pumpStep1();
  }

  private forgetStep1(conn: Conn): void {
    conn.pendingStep1 = undefined;
    this.step1Queue.delete(conn);
    this.step1Held.delete(conn);
    conn.waitingFor?.waiters.delete(conn);
    conn.waitingFor = undefined;
  }

  /**
   * Answers queued step 1 messages one per turn of the event loop, so that however many arrive,
   * HTTP requests and other boards are served between two answers.
   */
  private pumpStep1(): void {
    if (this.answering) return;
    const next = this.step1Queue.values().next();
    if (next.done) return;
    const conn = next.value;
    this.step1Queue.delete(conn);
    this.answering = true;
    this.answerStep1(conn)
      .catch((err: unknown) => {
        log.error('step 1 answer failed', { board: conn.session.boardId, err });
        this.forgetStep1(conn);
        conn.ws.close(SyncCloseCode.GoingAway, 'unavailable');
      })
      .finally(() => {
        setImmediate(() => {
          this.answering = false;
          this.pumpStep1();
        });
      });
  }

  private async answerStep1(conn: Conn): Promise<void> {
    if (conn.ws.readyState !== WebSocket.OPEN || !conn.pendingStep1) return;
    if (conn.ws.bufferedAmount > SLOW_CLIENT_BUFFERED_BYTES) {
      // Slow-client rule: nothing more for a connection that does not read; checkLagging
      // queues the answer again once the buffer drains.
      this.step1Held.add(conn);
      return;
    }
    const boardId = conn.session.boardId;
    const board = this.registry.peek(boardId) ?? (await this.registry.get(boardId));
    if (conn.ws.readyState !== WebSocket.OPEN || !conn.pendingStep1) return;
    let now = true;
    board.whenCommitted(() => {
      if (now) {
        this.respond(conn, board);
        return;
      }
      // The document was mid-batch; answering here could run many answers in one turn, so the
      // connection goes back in the queue.
      if (conn.pendingStep1 && !this.step1Held.has(conn)) {
        this.step1Queue.add(conn);
        this.pumpStep1();
      }
    });
    now = false;
  }

  /** Answers the connection's pending step 1 from a document that equals the committed state. */
  private respond(conn: Conn, board: LiveBoard): void {
    const stateVector = conn.pendingStep1;
    conn.pendingStep1 = undefined;
    if (!stateVector || conn.ws.readyState !== WebSocket.OPEN) return;
    let clamped: Map<number, number>;
    try {
      clamped = this.answers.clamp(board, Y.decodeStateVector(stateVector));
    } catch {
      conn.ws.close(SyncCloseCode.BadMessage, 'unreadable state vector');
      return;
    }
    const message = this.answers.step2(conn, board, clamped, stateVector);
    if (message) this.sendStep2(conn, message);
  }

  private sendStep2(conn: Conn, message: Uint8Array): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // The answer holds everything committed so far, whatever the connection was held back from.
    this.fanOut.stopLagging(conn);
    conn.ws.send(message);
  }

  private checkLagging(): void {
    for (const conn of this.step1Held) {
      if (conn.ws.readyState !== WebSocket.OPEN) this.forgetStep1(conn);
      else if (conn.ws.bufferedAmount <= SLOW_CLIENT_RESUME_BYTES) {
        this.step1Held.delete(conn);
        this.step1Queue.add(conn);
        this.pumpStep1();
      }
    }
    this.fanOut.checkLagging();
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
    this.fanOut.flushAll();
    for (const set of this.conns.values()) {
      for (const conn of set) conn.ws.close(SyncCloseCode.GoingAway, 'server shutting down');
    }
    this.wss.close();
  }
}
