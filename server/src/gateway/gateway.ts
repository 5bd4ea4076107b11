/**
 * The command gateway (socket.io): authenticates each socket, accepts commands with
 * acknowledgements, sends each socket its session, the offstage notes it may see and the board's
 * aggregated presence, and relays the facilitator's pointer.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  ErrorCode,
  MAX_COORDINATE,
  MAX_COMMAND_MESSAGE_BYTES,
  parseEnvelope,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type CommandAck,
  type PointerInfo,
  type PresenceInfo,
  type ServerToClientEvents,
} from '@pajataulu/shared';
import { authenticate, type Credentials } from '../board/auth.js';
import type { DeliveryPlan, Recipient } from '../board/pipeline/audiences.js';
import type { BoardRegistry } from '../board/registry.js';
import { PRESENCE_REFRESH_MS } from '../cluster/limits.js';
import type { RedisCluster } from '../cluster/redis.js';
import type { Session } from '../board/session.js';
import type { RateLimits } from '../config.js';
import { createLogger } from '../log.js';
import { PEER_ADDRESS, type AddressOf, type Limits } from '../limits.js';
import { TokenBucket } from '../rate-limit.js';
import type { Storage } from '../storage/storage.js';
import { ANY_ORIGIN, type OriginCheck } from '../sync/origin.js';
import { HANDSHAKE_TIMEOUT_MS, PendingHandshakes, type PendingConnection } from './handshakes.js';

const log = createLogger('gateway');

/** Presence is sent to a board at most this often. */
export const PRESENCE_INTERVAL_MS = 1_000;
/** The facilitator's pointer is relayed at most this often (10 Hz). */
export const POINTER_INTERVAL_MS = 100;
/**
 * Pointer messages one board's audience receives per second, all together: a larger audience
 * gets the pointer less often (10 Hz up to 200 sockets, 1 Hz at 2,000), so presence and pointer
 * stay within two messages per second per participant however many there are.
 */
export const POINTER_FANOUT_PER_SECOND = 2_000;
/** The pointer is relayed at least this often while it moves, whatever the audience. */
export const POINTER_MAX_INTERVAL_MS = 1_000;

/** The part of an engine.io connection the handshake count reads. */
interface EngineConnection extends PendingConnection {
  request: IncomingMessage;
  once(event: 'close', listener: () => void): unknown;
}

interface SocketData {
  session: Session;
  bucket: TokenBucket;
}
type GatewayServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type GatewaySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** An error carried to the client's `connect_error` as `err.data`. */
class HandshakeError extends Error {
  readonly data: { code: ErrorCode };
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.data = { code };
  }
}

function boardRoom(boardId: string): string {
  return `board:${boardId}`;
}
function participantRoom(boardId: string, participantId: string): string {
  return `participant:${boardId}:${participantId}`;
}
function facilitatorRoom(boardId: string): string {
  return `facilitators:${boardId}`;
}

function readPointer(raw: unknown): PointerInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { x, y, visible } = raw as Record<string, unknown>;
  if (typeof x !== 'number' || typeof y !== 'number' || typeof visible !== 'boolean')
    return undefined;
  if (
    !Number.isFinite(x) ||
    !Number.isFinite(y) ||
    Math.abs(x) > MAX_COORDINATE ||
    Math.abs(y) > MAX_COORDINATE
  ) {
    return undefined;
  }
  return { x, y, visible };
}

/** What the gateway needs beyond storage, boards and limits; every field has a default. */
export interface GatewayOptions {
  /** Cluster mode: the Redis adapter and presence across instances. */
  cluster?: RedisCluster;
  /** Which pages may open a connection (others get HTTP 403); any by default. */
  allowOrigin?: OriginCheck;
  /** The address a handshake is counted against; the peer's by default (no trusted proxy). */
  addressOf?: AddressOf;
}

export class CommandGateway {
  readonly io: GatewayServer;
  /** Connections that have not signed in yet, per address. */
  readonly handshakes = new PendingHandshakes();
  private readonly cluster: RedisCluster | undefined;
  /** Per board: sockets per participant (a person with two tabs counts once), and other roles. */
  private readonly presence = new Map<
    string,
    { participants: Map<string, number>; facilitators: number; projectors: number }
  >();
  private readonly presenceDirty = new Set<string>();
  private readonly pointers = new Map<string, PointerInfo>();
  private readonly pointerSentAt = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: () => void;
  /** Cluster mode: when each board's presence was last written to Redis, and what was last sent. */
  private readonly reported = new Map<string, number>();
  private readonly lastSent = new Map<string, PresenceInfo>();
  private flushing = false;
  /** The socket each session is on, so a delivery can skip the one that sent the command. */
  private readonly socketOf = new WeakMap<Session, string>();

  constructor(
    httpServer: HttpServer,
    private readonly storage: Storage,
    private readonly registry: BoardRegistry,
    private readonly rates: RateLimits,
    private readonly limits: Limits,
    options: GatewayOptions = {},
  ) {
    const { cluster, allowOrigin = ANY_ORIGIN, addressOf = PEER_ADDRESS } = options;
    this.cluster = cluster;
    this.io = new Server(httpServer, {
      ...(cluster ? { adapter: cluster.socketAdapter() } : {}),
      serveClient: false,
      maxHttpBufferSize: MAX_COMMAND_MESSAGE_BYTES,
      perMessageDeflate: false,
      // The sync endpoint shares the HTTP server; leave upgrades of other paths alone.
      destroyUpgrade: false,
      // A backstop: the handshake count closes a connection that has not signed in first.
      connectTimeout: 2 * HANDSHAKE_TIMEOUT_MS,
      // Called for handshakes only. Pages from other sites are refused (HTTP 403) before any
      // credential is read, and so is an address with too many connections not yet signed in.
      allowRequest: (req, callback) => {
        if (!allowOrigin(req)) return callback('origin not allowed', false);
        if (!this.handshakes.admits(addressOf(req)))
          return callback('too many connections waiting to sign in from this address', false);
        callback(null, true);
      },
    });
    // The handshake was admitted synchronously, so the count is exact: a connection counts from
    // here until it signs in (joins the namespace) or closes.
    this.io.engine.on('connection', (conn: EngineConnection) => {
      this.handshakes.opened(conn, addressOf(conn.request));
      conn.once('close', () => this.handshakes.settled(conn));
    });
    this.io.use((socket, next) => {
      const auth = (socket.handshake.auth ?? {}) as Credentials;
      authenticate(this.storage, auth).then(
        (r) => {
          if (!r.ok) return next(new HandshakeError(r.code, r.message));
          socket.data.session = r.session;
          socket.data.bucket = new TokenBucket(rates.commandsPerSecond, rates.commandBurst);
          next();
        },
        (err: unknown) => {
          log.error('authentication failed', { err });
          next(new HandshakeError(ErrorCode.Unavailable, 'storage is unavailable'));
        },
      );
    });
    this.io.on('connection', (socket) =>
      this.onConnection(socket).catch((err: unknown) => {
        log.error('connection failed', { err });
        socket.disconnect(true);
      }),
    );
    this.unlisten = registry.listen({
      onCommitted: (boardId, _u, plan) => this.deliver(boardId, plan),
    });
    const presenceTimer = setInterval(() => this.flushPresence(), PRESENCE_INTERVAL_MS);
    const pointerTimer = setInterval(() => this.flushPointers(), POINTER_INTERVAL_MS);
    presenceTimer.unref();
    pointerTimer.unref();
    this.timers.push(presenceTimer, pointerTimer);
  }

  private async onConnection(socket: GatewaySocket): Promise<void> {
    this.handshakes.settled(socket.conn);
    const session = socket.data.session;
    this.socketOf.set(session, socket.id);
    this.registry.retain(session.boardId);
    this.countPresence(session, +1);
    socket.on('disconnect', () => {
      this.countPresence(session, -1);
      this.registry.release(session.boardId);
    });
    socket.on('command', (envelope, ack) => {
      if (typeof ack !== 'function') return; // Nobody to tell: a command needs an acknowledgement.
      this.onCommand(socket, envelope).then(ack, (err: unknown) => {
        log.error('command failed', { board: session.boardId, err });
        ack({ ok: false, error: { code: ErrorCode.Internal, message: 'unexpected server error' } });
      });
    });
    socket.on('pointer', (raw) => {
      if (session.role !== 'facilitator') return;
      const p = readPointer(raw);
      if (p) this.pointers.set(session.boardId, p);
    });
    void socket.join(boardRoom(session.boardId));
    if (session.participantId)
      void socket.join(participantRoom(session.boardId, session.participantId));
    if (session.role === 'facilitator') void socket.join(facilitatorRoom(session.boardId));
    try {
      const board = await this.registry.get(session.boardId);
      // Another instance may have committed this person's notes or votes a moment ago.
      await board.fresh();
      const record =
        session.role === 'facilitator' ? await this.storage.getBoard(session.boardId) : undefined;
      const pid = session.participantId;
      const view = board.viewFor(session);
      if (!view) {
        socket.emit('removed');
        socket.disconnect(true);
        return;
      }
      socket.emit('session', {
        protocol: PROTOCOL_VERSION,
        role: session.role,
        boardId: session.boardId,
        code: session.code,
        ...(pid ? { participantId: pid } : {}),
        ...(view.group ? { group: view.group } : {}),
        ...(record?.projectorKey ? { projectorKey: record.projectorKey } : {}),
        ...(view.station ? { station: view.station } : {}),
        ownNotes: view.ownNotes,
        votes: view.votes,
        reactions: view.reactions,
        offstage: view.offstage,
        ...(view.flags ? { flags: view.flags } : {}),
        serverTime: Date.now(),
      });
      socket.emit('presence', this.presenceOf(session.boardId));
    } catch (err) {
      log.error('board load failed', { board: session.boardId, err });
      socket.disconnect(true);
    }
  }

  private async onCommand(socket: GatewaySocket, raw: unknown): Promise<CommandAck> {
    const session = socket.data.session;
    if (!socket.data.bucket.take()) {
      return {
        ok: false,
        error: { code: ErrorCode.RateLimited, message: 'too many commands; slow down' },
      };
    }
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const c = parsed.envelope.command;
    if (
      c.type === 'note.add' &&
      session.participantId &&
      !(await this.limits.take(
        'notesPerParticipant',
        `${session.boardId}:${session.participantId}`,
      ))
    ) {
      return {
        ok: false,
        error: {
          code: ErrorCode.RateLimited,
          message: `at most ${this.rates.notesPerMinute} notes a minute`,
        },
      };
    }
    try {
      const board = await this.registry.get(session.boardId);
      return await board.submit(session, parsed.envelope);
    } catch (err) {
      log.error('command failed', { board: session.boardId, err });
      return {
        ok: false,
        error: { code: ErrorCode.Unavailable, message: 'the board could not be loaded; retry' },
      };
    }
  }

  private roomOf(boardId: string, to: Recipient): string {
    return 'facilitators' in to
      ? facilitatorRoom(boardId)
      : participantRoom(boardId, to.participantId);
  }

  /** Sends what a committed batch's plan says, to whom it says; decides nothing itself. */
  private deliver(boardId: string, plan: DeliveryPlan): void {
    for (const { to, deliveries } of plan.entries) {
      const room = this.roomOf(boardId, to);
      for (const d of deliveries) {
        switch (d.event) {
          case 'offstage':
            this.io.to(room).emit('offstage', d.change);
            break;
          case 'votes':
            this.io.to(room).emit('votes', d.change);
            break;
          case 'station':
            this.io.to(room).emit('station', d.promptId);
            break;
          case 'reactions':
            this.io.to(room).emit('reactions', d.change);
            break;
          case 'own.notes': {
            const sender = this.socketOf.get(d.except);
            (sender ? this.io.to(room).except(sender) : this.io.to(room)).emit(
              'own.notes',
              d.noteIds,
            );
            break;
          }
          case 'removed':
            this.io.to(room).emit('removed');
            // Let the acknowledgement and the notice go out first.
            setImmediate(() => this.io.in(room).disconnectSockets(true));
            break;
          case 'flags':
            this.io.to(room).emit('flags', d.flags);
            break;
          case 'keyRotated':
            // Sessions opened with the old key end; the facilitator who rotated reconnects with the new one.
            setImmediate(() => this.io.in(room).disconnectSockets(true));
            break;
        }
      }
    }
  }

  private presenceOf(boardId: string): PresenceInfo {
    const sent = this.lastSent.get(boardId);
    if (sent) return sent;
    const p = this.presence.get(boardId);
    return p
      ? {
          participants: p.participants.size,
          facilitators: p.facilitators,
          projectors: p.projectors,
        }
      : { participants: 0, facilitators: 0, projectors: 0 };
  }

  private countPresence(session: Session, delta: 1 | -1): void {
    let p = this.presence.get(session.boardId);
    if (!p) {
      p = { participants: new Map(), facilitators: 0, projectors: 0 };
      this.presence.set(session.boardId, p);
    }
    if (session.role === 'participant' && session.participantId) {
      const n = (p.participants.get(session.participantId) ?? 0) + delta;
      if (n > 0) p.participants.set(session.participantId, n);
      else p.participants.delete(session.participantId);
    } else if (session.role === 'facilitator') p.facilitators += delta;
    else if (session.role === 'projector') p.projectors += delta;
    if (p.participants.size + p.facilitators + p.projectors <= 0) {
      this.presence.delete(session.boardId);
      this.pointerSentAt.delete(session.boardId);
    }
    this.presenceDirty.add(session.boardId);
  }

  private localPresence(boardId: string) {
    const p = this.presence.get(boardId);
    return {
      participants: p ? [...p.participants.keys()] : [],
      facilitators: p?.facilitators ?? 0,
      projectors: p?.projectors ?? 0,
    };
  }

  /**
   * Cluster mode: writes this instance's counts to Redis when they change (and now and then, so
   * they do not expire), reads the board's total across instances, and sends it to the sockets
   * here when it changed. Every instance does the same for its own sockets.
   */
  private async flushClusterPresence(cluster: RedisCluster): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const now = Date.now();
      const boards = new Set([...this.presence.keys(), ...this.presenceDirty]);
      const dirty = new Set(this.presenceDirty);
      this.presenceDirty.clear();
      for (const boardId of boards) {
        if (dirty.has(boardId) || now - (this.reported.get(boardId) ?? 0) >= PRESENCE_REFRESH_MS) {
          await cluster.reportPresence(boardId, this.localPresence(boardId));
          if (this.presence.has(boardId)) this.reported.set(boardId, now);
          else this.reported.delete(boardId);
        }
        if (!this.presence.has(boardId)) {
          this.lastSent.delete(boardId);
          continue;
        }
        const total = await cluster.presence(boardId);
        const last = this.lastSent.get(boardId);
        if (
          last?.participants !== total.participants ||
          last.facilitators !== total.facilitators ||
          last.projectors !== total.projectors
        ) {
          this.lastSent.set(boardId, total);
          this.io.local.to(boardRoom(boardId)).emit('presence', total);
        }
      }
    } catch (err) {
      // Redis is away; counts catch up when it is back.
      log.warn('presence not shared', { err });
    } finally {
      this.flushing = false;
    }
  }

  private flushPresence(): void {
    if (this.cluster) {
      void this.flushClusterPresence(this.cluster);
      return;
    }
    for (const boardId of this.presenceDirty) {
      this.io.to(boardRoom(boardId)).emit('presence', this.presenceOf(boardId));
    }
    this.presenceDirty.clear();
  }

  private flushPointers(): void {
    const now = Date.now();
    for (const [boardId, p] of this.pointers) {
      const room = boardRoom(boardId);
      const audience = this.io.sockets.adapter.rooms.get(room)?.size ?? 0;
      const interval = Math.min(
        POINTER_MAX_INTERVAL_MS,
        Math.max(POINTER_INTERVAL_MS, (audience * 1000) / POINTER_FANOUT_PER_SECOND),
      );
      // Not due yet: the latest position waits for its turn.
      if (now - (this.pointerSentAt.get(boardId) ?? 0) < interval - POINTER_INTERVAL_MS / 2)
        continue;
      this.pointerSentAt.set(boardId, now);
      this.pointers.delete(boardId);
      this.io.to(room).volatile.emit('pointer', p);
    }
  }

  /** Stops accepting sockets and disconnects the ones open (clients reconnect elsewhere or later). */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.unlisten();
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}
