/**
 * The command gateway (socket.io): authenticates each socket, accepts commands with
 * acknowledgements, and sends each socket its session and the board's aggregated presence.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  ErrorCode,
  MAX_COMMAND_MESSAGE_BYTES,
  parseEnvelope,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type CommandAck,
  type PresenceInfo,
  type ServerToClientEvents,
} from '@pajataulu/shared';
import { authenticate, type Credentials } from '../board/auth.js';
import type { BoardRegistry } from '../board/registry.js';
import type { Session } from '../board/session.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';

const log = createLogger('gateway');

/** Presence is sent to a board at most this often. */
export const PRESENCE_INTERVAL_MS = 1_000;

interface SocketData {
  session: Session;
}
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
function participantRoom(participantId: string): string {
  return `participant:${participantId}`;
}

export class CommandGateway {
  readonly io: Server<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    SocketData
  >;
  /** Per board: sockets per participant (a person with two tabs counts once), and other roles. */
  private readonly presence = new Map<
    string,
    { participants: Map<string, number>; facilitators: number; projectors: number }
  >();
  private readonly presenceDirty = new Set<string>();
  private readonly presenceTimer: NodeJS.Timeout;

  constructor(
    httpServer: HttpServer,
    private readonly storage: Storage,
    private readonly registry: BoardRegistry,
  ) {
    this.io = new Server(httpServer, {
      serveClient: false,
      maxHttpBufferSize: MAX_COMMAND_MESSAGE_BYTES,
      perMessageDeflate: false,
      // The sync endpoint shares the HTTP server; leave upgrades of other paths alone.
      destroyUpgrade: false,
    });
    this.io.use((socket, next) => {
      const auth = (socket.handshake.auth ?? {}) as Credentials;
      authenticate(this.storage, auth).then(
        (r) => {
          if (!r.ok) return next(new HandshakeError(r.code, r.message));
          socket.data.session = r.session;
          next();
        },
        (err: unknown) => {
          log.error('authentication failed', { err });
          next(new HandshakeError(ErrorCode.Unavailable, 'storage is unavailable'));
        },
      );
    });
    this.io.on('connection', (socket) => void this.onConnection(socket));
    this.presenceTimer = setInterval(() => this.flushPresence(), PRESENCE_INTERVAL_MS);
    this.presenceTimer.unref();
  }

  private async onConnection(socket: GatewaySocket): Promise<void> {
    const session = socket.data.session;
    this.registry.retain(session.boardId);
    this.countPresence(session, +1);
    socket.on('disconnect', () => {
      this.countPresence(session, -1);
      this.registry.release(session.boardId);
    });
    socket.on('command', (envelope, ack) => {
      if (typeof ack !== 'function') return; // Nobody to tell: a command needs an acknowledgement.
      void this.onCommand(socket, envelope).then(ack);
    });
    void socket.join(boardRoom(session.boardId));
    if (session.participantId) void socket.join(participantRoom(session.participantId));
    try {
      const board = await this.registry.get(session.boardId);
      socket.emit('session', {
        protocol: PROTOCOL_VERSION,
        role: session.role,
        boardId: session.boardId,
        code: session.code,
        ...(session.participantId ? { participantId: session.participantId } : {}),
        ownNotes: session.participantId ? board.ownNotes(session.participantId) : [],
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
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    try {
      const board = await this.registry.get(session.boardId);
      const ack = await board.submit(session, parsed.envelope);
      const c = parsed.envelope.command;
      if (ack.ok && ack.applied && c.type === 'note.add' && session.participantId) {
        // Other tabs of the same person learn that the note is theirs; nobody else does.
        socket.to(participantRoom(session.participantId)).emit('own.notes', [c.id]);
      }
      return ack;
    } catch (err) {
      log.error('command failed', { board: session.boardId, err });
      return { ok: false, error: { code: ErrorCode.Internal, message: 'unexpected server error' } };
    }
  }

  private presenceOf(boardId: string): PresenceInfo {
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
    if (p.participants.size + p.facilitators + p.projectors <= 0)
      this.presence.delete(session.boardId);
    this.presenceDirty.add(session.boardId);
  }

  private flushPresence(): void {
    for (const boardId of this.presenceDirty) {
      this.io.to(boardRoom(boardId)).emit('presence', this.presenceOf(boardId));
    }
    this.presenceDirty.clear();
  }

  /** Stops accepting sockets and disconnects the ones open (clients reconnect elsewhere or later). */
  async close(): Promise<void> {
    clearInterval(this.presenceTimer);
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}
