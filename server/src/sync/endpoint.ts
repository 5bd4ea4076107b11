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
 * merged update.
 *
 * No input makes the endpoint do unbounded work: an upgrade that cannot be read is refused with
 * HTTP 400 before it becomes a websocket; every step of an upgrade and of message handling catches
 * what it throws; a connection may send `SYNC_MESSAGE_BURST` messages at once and
 * `SYNC_MESSAGES_PER_SECOND` on average. Step 1 is answered from a state vector clamped to the
 * document's (client ids the document does not know are dropped), so a made-up vector costs no more
 * than an empty one: an empty vector gets the cached encoding of the whole document, an up-to-date
 * one the cached "nothing new" answer of the revision. Each connection has at most one step 1
 * waiting to be answered (a newer one replaces it), answers are computed one per turn of the event
 * loop, and none is computed for a connection whose send buffer is over
 * `SLOW_CLIENT_BUFFERED_BYTES` until it drains.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import {
  ErrorCode,
  MAX_SYNC_MESSAGE_BYTES,
  SyncCloseCode,
  readSyncSubprotocols,
  type SyncOffer,
} from '@pajataulu/shared';
import { authenticate } from '../board/auth.js';
import type { LiveBoard } from '../board/live-board.js';
import { endings } from '../board/pipeline/audiences.js';
import type { BoardRegistry } from '../board/registry.js';
import type { Session } from '../board/session.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';
import { ANY_ORIGIN, type OriginCheck } from './origin.js';

const log = createLogger('sync');

/**
 * URL prefix of the endpoint: `/sync/<boardId>`. Version and credential travel as subprotocols
 * (see `syncSubprotocols`), never in the URL.
 */
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
 * The whole document is encoded for late joiners at most once per this interval, or per
 * `FULL_STATE_REFRESH_FACTOR` times the last encoding's duration if longer: a joiner arriving while
 * the cached encoding is stale waits for the next one, so encoding takes at most a tenth of the
 * event loop however many join. Step 2 always holds the whole committed board (y-websocket reports
 * `synced` on it), never a stale encoding followed by the changes since.
 */
export const FULL_STATE_REFRESH_MIN_MS = 100;
export const FULL_STATE_REFRESH_FACTOR = 10;
/**
 * Sync messages a connection may send in a burst, and per second on average. An honest client sends
 * step 1 on connecting and an awareness message when its presence changes (every 15 s at most when
 * idle); a client over the budget is closed with `SyncCloseCode.TooManyMessages`.
 */
export const SYNC_MESSAGE_BURST = 64;
export const SYNC_MESSAGES_PER_SECOND = 4;
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
  /** The state vector of the newest step 1 not yet answered. */
  pendingStep1?: Uint8Array;
  /** The full-state refresh this connection waits for, if any. */
  waitingFor?: FullState;
  /** Message budget: tokens left and when they were last counted. */
  tokens: number;
  tokensAt: number;
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
  /** When it was encoded and how long that took, in ms: the next encoding waits in proportion. */
  encodedAt: number;
  took: number;
  /** Joiners waiting for the next encoding. */
  waiters: Set<Conn>;
  timer: NodeJS.Timeout | undefined;
}

/** The "nothing new" step 2 of a board at one revision. */
interface UpToDate {
  stateVector: Uint8Array;
  message: Uint8Array;
}

/** What an upgrade request asks for, read before the upgrade so that a bad one is refused. */
interface UpgradeRequest {
  boardId: string;
  offer: SyncOffer;
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
  /** Encodings of the whole document made for late joiners. */
  fullStateEncodes: number;
  /** Step 2 answers served from the cached "nothing new" answer. */
  upToDateCacheHits: number;
  /** Step 1 messages replaced by a newer one before they were answered. */
  step1Replaced: number;
  /** Connections closed for going over their message budget. */
  budgetCloses: number;
  /** Upgrades refused before becoming a websocket (origin not allowed, unreadable path). */
  upgradesRefused: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** How long after an encoding of the whole document the next may be made. */
function refreshInterval(state: FullState): number {
  return Math.max(FULL_STATE_REFRESH_MIN_MS, FULL_STATE_REFRESH_FACTOR * state.took);
}

function encodeStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(encoder, doc, stateVector);
  return encoding.toUint8Array(encoder);
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

/** The entries of a `Sec-WebSocket-Protocol` header. */
function offeredSubprotocols(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * Reads the board id of a sync upgrade and what its subprotocols offer; undefined when they cannot
 * be read. Anything in the URL query is ignored, credentials included.
 */
export function parseSyncRequest(
  rawUrl: string | undefined,
  protocolHeader?: string | string[],
): UpgradeRequest | undefined {
  try {
    const url = new URL(rawUrl ?? '', 'http://localhost');
    if (!url.pathname.startsWith(SYNC_PATH)) return undefined;
    const boardId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length));
    if (boardId.length === 0) return undefined;
    return { boardId, offer: readSyncSubprotocols(offeredSubprotocols(protocolHeader)) };
  } catch {
    // A malformed percent-escape or URL: nothing any board could answer.
    return undefined;
  }
}

/** Ends a not-yet-upgraded socket with an HTTP status, the way `ws` refuses a bad handshake. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  try {
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
      );
    } else {
      socket.destroy();
    }
  } catch {
    socket.destroy();
  }
}

export class SyncEndpoint {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Set<Conn>>();
  private readonly outboxes = new Map<string, Outbox>();
  private readonly lagging = new Set<Conn>();
  private readonly fullStates = new WeakMap<LiveBoard, FullState>();
  private readonly upToDate = new WeakMap<LiveBoard, UpToDate>();
  /** Connections with a step 1 to answer, in arrival order; answered one per turn. */
  private readonly step1Queue = new Set<Conn>();
  /** Connections whose step 1 waits for their send buffer to drain. */
  private readonly step1Held = new Set<Conn>();
  private answering = false;
  private readonly pinger: NodeJS.Timeout;
  private readonly slowChecker: NodeJS.Timeout;
  readonly stats: SyncStats = {
    updateMessages: 0,
    flushes: 0,
    slowClientHolds: 0,
    slowClientCatchUps: 0,
    slowClientCloses: 0,
    fullStateCacheHits: 0,
    fullStateEncodes: 0,
    upToDateCacheHits: 0,
    step1Replaced: 0,
    budgetCloses: 0,
    upgradesRefused: 0,
  };
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
        if (update) this.enqueue(boardId, update);
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
        this.dropOutbox(id);
      }
      this.lagging.delete(conn);
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
      clamped = this.clamp(board, Y.decodeStateVector(stateVector));
    } catch {
      conn.ws.close(SyncCloseCode.BadMessage, 'unreadable state vector');
      return;
    }
    const message = this.step2(conn, board, clamped, stateVector);
    if (message) this.sendStep2(conn, message);
  }

  /**
   * The client's state vector restricted to what the document has: client ids it does not know
   * are dropped and clocks cut to the document's. The answer to the clamped vector is the same
   * update (what the client lacks), and made-up vectors collapse onto a few cached answers.
   */
  private clamp(board: LiveBoard, clientVector: Map<number, number>): Map<number, number> {
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
  private step2(
    conn: Conn,
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
    conn: Conn,
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

  private encodeFullState(board: LiveBoard, current: Uint8Array): FullState {
    const started = performance.now();
    const message = encodeStep2(board.doc, new Uint8Array([0]));
    // Joiners waiting on an older encoding keep waiting on it; its timer answers them.
    const fresh: FullState = {
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
  private refreshFullState(board: LiveBoard, waitedOn: FullState): void {
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
          this.sendStep2(conn, state.message);
        }
      } catch (err) {
        log.error('full-state encoding failed', { err });
      }
    });
  }

  private sendStep2(conn: Conn, message: Uint8Array): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // The answer holds everything committed so far, whatever the connection was held back from.
    this.stopLagging(conn);
    conn.ws.send(message);
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
    for (const conn of this.step1Held) {
      if (conn.ws.readyState !== WebSocket.OPEN) this.forgetStep1(conn);
      else if (conn.ws.bufferedAmount <= SLOW_CLIENT_RESUME_BYTES) {
        this.step1Held.delete(conn);
        this.step1Queue.add(conn);
        this.pumpStep1();
      }
    }
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
