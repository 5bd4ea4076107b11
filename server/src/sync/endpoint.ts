/**
 * The read-only sync endpoint: serves each board's Y.Doc to y-websocket clients.
 *
 * Of everything a client sends, only "sync step 1" (its state vector) is read, and answered with
 * "sync step 2" (what it lacks) once the document equals the committed state. Updates, step 2 and
 * awareness messages from clients are dropped after reading their type bytes; their payload is
 * never parsed. Committed batches are pushed to every connection of the board as one message.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, MAX_SYNC_MESSAGE_BYTES, SyncCloseCode } from '@pajataulu/shared';
import { authenticate } from '../board/auth.js';
import type { BoardRegistry } from '../board/registry.js';
import type { Session } from '../board/session.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';

const log = createLogger('sync');

/** URL prefix of the endpoint: `/sync/<boardId>?protocol=…&token=…`. */
export const SYNC_PATH = '/sync/';
/** A connection buffering more than this is too slow to keep up: it is closed and resyncs. */
export const MAX_BUFFERED_BYTES_PER_CONNECTION = 8 * 1024 * 1024;
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
}

const CLOSE_FOR_ERROR: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthorized]: SyncCloseCode.Unauthorized,
  [ErrorCode.BoardNotFound]: SyncCloseCode.BoardNotFound,
  [ErrorCode.ProtocolMismatch]: SyncCloseCode.ProtocolMismatch,
};

export class SyncEndpoint {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Set<Conn>>();
  private readonly pinger: NodeJS.Timeout;
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
        if (update) this.broadcast(boardId, update);
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
      onReset: (boardId) => this.closeBoard(boardId, SyncCloseCode.GoingAway, 'board reloading'),
    });
    this.pinger = setInterval(() => this.keepAlive(), SYNC_KEEPALIVE_INTERVAL_MS);
    this.pinger.unref();
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
    const conn: Conn = { ws, session: auth.session, alive: true };
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
      if (s?.delete(conn) && s.size === 0) this.conns.delete(id);
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
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      try {
        syncProtocol.writeSyncStep2(encoder, board.doc, stateVector);
      } catch {
        conn.ws.close(SyncCloseCode.BadMessage, 'unreadable state vector');
        return;
      }
      this.send(conn, encoding.toUint8Array(encoder));
    });
  }

  private broadcast(boardId: string, update: Uint8Array): void {
    const set = this.conns.get(boardId);
    if (!set || set.size === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeUpdate(encoder, update);
    const message = encoding.toUint8Array(encoder);
    for (const conn of set) this.send(conn, message);
  }

  private send(conn: Conn, message: Uint8Array): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > MAX_BUFFERED_BYTES_PER_CONNECTION) {
      // Rather than buffer without bound, let the client reconnect and resync from its state vector.
      conn.ws.close(SyncCloseCode.GoingAway, 'too slow');
      return;
    }
    conn.ws.send(message);
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
        this.send(conn, EMPTY_AWARENESS_MESSAGE);
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
    this.unlisten();
    for (const set of this.conns.values()) {
      for (const conn of set) conn.ws.close(SyncCloseCode.GoingAway, 'server shutting down');
    }
    this.wss.close();
  }
}
