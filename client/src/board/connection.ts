/**
 * The board engine: owns the read-only replica, the command channel and the queue of commands not
 * yet acknowledged. React reads its state through {@link BoardConnection.subscribe} and
 * {@link BoardConnection.getState}; nothing here depends on React.
 *
 * Transport is behind two small interfaces ({@link CommandChannel}, {@link DocChannel}) so the
 * logic is tested without sockets; `transport.ts` implements them with socket.io and y-websocket.
 */
import * as Y from 'yjs';
import {
  ErrorCode,
  randomId,
  readBoard,
  type BoardState,
  type CommandAck,
  type CommandInput,
  type DocVersion,
  type OffstageChange,
  type OffstageNote,
  type PointerInfo,
  type PresenceInfo,
  type SessionInfo,
} from '@pajataulu/shared';
import { overlay, type ViewBoard } from './overlay.js';
import { CommandQueue, MEMORY_STORE, type PendingCommand, type QueueStore } from './queue.js';

/** How long an unanswered command waits before it is sent again on the same connection. */
export const ACK_TIMEOUT_MS = 15_000;
/** Errors after which the same command may succeed later: it stays queued and is retried. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.Unavailable,
  ErrorCode.RateLimited,
  ErrorCode.Internal,
]);
/** Wait before retrying a command refused with a retryable error. */
export const RETRY_DELAY_MS = 2_000;

export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'refused' | 'removed';

/** Server events the engine listens to. */
export interface ChannelEvents {
  session: (s: SessionInfo) => void;
  presence: (p: PresenceInfo) => void;
  'own.notes': (ids: string[]) => void;
  offstage: (c: OffstageChange) => void;
  pointer: (p: PointerInfo) => void;
  removed: () => void;
  votes: (c: { roundId: string; byNote: Record<string, number> }) => void;
  station: (promptId: string) => void;
}

/** The command channel (socket.io in the app). */
export interface CommandChannel {
  send(envelope: { id: string; command: CommandInput }, timeoutMs: number): Promise<CommandAck>;
  on<K extends keyof ChannelEvents>(event: K, handler: ChannelEvents[K]): void;
  onStatus(handler: (s: { connected: boolean; refusal?: ErrorCode }) => void): void;
  /** Sends the facilitator's pointer (dropped when offline). */
  pointer(p: PointerInfo): void;
  close(): void;
}

/** The replica channel (y-websocket in the app). */
export interface DocChannel {
  onSynced(handler: (synced: boolean) => void): void;
  /** The server closed the replica for good (wrong credentials, removed). */
  onRefused(handler: (code: number) => void): void;
  close(): void;
}

export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the server refused us, when status is `refused`. */
  refusal: ErrorCode | undefined;
  synced: boolean;
  session: SessionInfo | undefined;
  presence: PresenceInfo;
  /** The board with unconfirmed commands laid over it. */
  board: ViewBoard;
  /** Notes this user wrote. */
  own: ReadonlySet<string>;
  /** Commands not yet acknowledged. */
  queued: number;
  myVotes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  station: string | undefined;
  pointer: PointerInfo | undefined;
  /** Server time minus local time, in ms (for the timer). */
  clockOffset: number;
  /** The latest refusal of a command, for a toast. */
  lastError: { code: ErrorCode; at: number } | undefined;
}

interface Awaiting {
  id: string;
  command: CommandInput;
  version: DocVersion;
  /** When the acknowledgement came. */
  at: number;
}

/** How long an acknowledged new note is drawn from its draft while its record is on the way. */
const SETTLE_GRACE_MS = 5_000;

const EMPTY_PRESENCE: PresenceInfo = { participants: 0, facilitators: 0, projectors: 0 };

export class BoardConnection {
  readonly doc: Y.Doc;
  private state: ConnectionState;
  private readonly listeners = new Set<() => void>();
  private readonly queue: CommandQueue;
  private readonly inFlight = new Set<string>();
  private awaiting: Awaiting[] = [];
  private offstage = new Map<string, OffstageNote>();
  private board: BoardState;
  private framePending = false;
  private closed = false;
  private connected = false;
  private command: CommandChannel | undefined;
  private docChannel: DocChannel | undefined;
  private readonly schedule: (fn: () => void) => number;

  constructor(
    opts: { doc?: Y.Doc; store?: QueueStore; schedule?: (fn: () => void) => number } = {},
  ) {
    this.doc = opts.doc ?? new Y.Doc();
    this.queue = new CommandQueue(opts.store ?? MEMORY_STORE);
    this.schedule = opts.schedule ?? ((fn) => requestAnimationFrame(fn));
    this.board = readBoard(this.doc);
    this.state = {
      status: 'connecting',
      refusal: undefined,
      synced: false,
      session: undefined,
      presence: EMPTY_PRESENCE,
      board: overlay(
        this.board,
        [],
        this.queue.pending.map((p) => p.command),
      ),
      own: new Set(
        this.queue.pending
          .filter((p) => p.command.type === 'note.add')
          .map((p) => (p.command as { id: string }).id),
      ),
      queued: this.queue.pending.length,
      myVotes: {},
      station: undefined,
      pointer: undefined,
      clockOffset: 0,
      lastError: undefined,
    };
    // Remote changes are batched per frame: a burst of updates costs one render.
    this.doc.on('update', () => this.requestRefresh());
  }

  /** Wires the channels. Call once. */
  attach(command: CommandChannel, docChannel: DocChannel): void {
    this.command = command;
    this.docChannel = docChannel;
    command.onStatus(({ connected, refusal }) => {
      this.connected = connected;
      if (refusal) {
        this.set({ status: 'refused', refusal });
        return;
      }
      if (this.state.status === 'removed' || this.state.status === 'refused') return;
      this.set({ status: connected ? 'online' : 'offline' });
      if (connected) this.flush();
      else this.inFlight.clear();
    });
    command.on('session', (s) => {
      const own = new Set(this.state.own);
      for (const id of s.ownNotes) own.add(id);
      this.offstage = new Map(s.offstage.map((n) => [n.id, n]));
      this.set({
        session: s,
        own,
        myVotes: s.votes,
        station: s.station,
        clockOffset: s.serverTime - Date.now(),
      });
      this.refresh();
    });
    command.on('presence', (presence) => this.set({ presence }));
    command.on('own.notes', (ids) => {
      const own = new Set(this.state.own);
      for (const id of ids) own.add(id);
      this.set({ own });
    });
    command.on('offstage', (c) => {
      for (const id of c.remove) this.offstage.delete(id);
      for (const n of c.upsert) this.offstage.set(n.id, n);
      this.refresh();
    });
    command.on('pointer', (pointer) => this.set({ pointer }));
    command.on('removed', () => this.set({ status: 'removed' }));
    command.on('votes', ({ roundId, byNote }) =>
      this.set({ myVotes: { ...this.state.myVotes, [roundId]: byNote } }),
    );
    command.on('station', (station) => this.set({ station }));
    docChannel.onSynced((synced) => {
      this.set({ synced });
      this.refresh();
    });
    docChannel.onRefused(() => {
      if (this.state.status !== 'removed')
        this.set({ status: 'refused', refusal: this.state.refusal ?? ErrorCode.Unauthorized });
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): ConnectionState => this.state;

  /**
   * Queues a command and sends it when online. Resolves with the acknowledgement, or with the
   * refusal; a command still queued when the page closes is sent after the next load.
   */
  run(command: CommandInput): string {
    const item: PendingCommand = { id: randomId(20), command, at: Date.now() };
    this.queue.add(item);
    if (command.type === 'note.add') {
      const own = new Set(this.state.own);
      own.add(command.id);
      this.set({ own });
    }
    this.refresh();
    this.flush();
    return item.id;
  }

  /** Sends the facilitator's pointer (volatile; never queued). */
  pointer(p: PointerInfo): void {
    if (this.connected) this.command?.pointer(p);
  }

  /** Server time now, by the last estimate. */
  now(): number {
    return Date.now() + this.state.clockOffset;
  }

  close(): void {
    this.closed = true;
    this.command?.close();
    this.docChannel?.close();
    this.doc.destroy();
    this.listeners.clear();
  }

  /** Sends every queued command that is not already on its way, oldest first. */
  private flush(): void {
    if (!this.connected || !this.command) return;
    for (const item of this.queue.pending) {
      if (this.inFlight.has(item.id)) continue;
      this.inFlight.add(item.id);
      const channel = this.command;
      channel.send({ id: item.id, command: item.command }, ACK_TIMEOUT_MS).then(
        (ack) => this.settle(item, ack),
        () => {
          // No answer (timeout or a dropped connection): send again when connected.
          this.inFlight.delete(item.id);
          if (this.connected) setTimeout(() => this.flush(), RETRY_DELAY_MS);
        },
      );
    }
  }

  private settle(item: PendingCommand, ack: CommandAck): void {
    this.inFlight.delete(item.id);
    if (!ack.ok && RETRYABLE.has(ack.error.code)) {
      setTimeout(() => this.flush(), RETRY_DELAY_MS);
      return;
    }
    this.queue.remove(item.id);
    if (ack.ok) {
      this.awaiting.push({
        id: item.id,
        command: item.command,
        version: ack.version,
        at: Date.now(),
      });
    } else {
      if (item.command.type === 'note.add') {
        const own = new Set(this.state.own);
        own.delete(item.command.id);
        this.state = { ...this.state, own };
      }
      this.set({ lastError: { code: ack.error.code, at: Date.now() } });
    }
    this.refresh();
  }

  private isVisible(v: DocVersion): boolean {
    return Y.getState(this.doc.store, v.client) >= v.clock;
  }

  private requestRefresh(): void {
    if (this.framePending) return;
    this.framePending = true;
    this.schedule(() => {
      this.framePending = false;
      if (!this.closed) this.refresh();
    });
  }

  /** Recomputes the view: the replica, offstage notes, and the overlay of unsettled commands. */
  private refresh(): void {
    this.board = readBoard(this.doc);
    const now = Date.now();
    this.awaiting = this.awaiting.filter((a) => {
      if (!this.isVisible(a.version)) return true;
      // A private note arrives on its own channel; keep the draft until it has (briefly at most).
      if (a.command.type === 'note.add') {
        const id = a.command.id;
        const arrived = this.board.notes.some((n) => n.id === id) || this.offstage.has(id);
        return !arrived && now - a.at < SETTLE_GRACE_MS;
      }
      return false;
    });
    const unsettled = [
      ...this.awaiting.map((a) => a.command),
      ...this.queue.pending.map((p) => p.command),
    ];
    this.set({
      board: overlay(this.board, [...this.offstage.values()], unsettled),
      queued: this.queue.pending.length,
    });
  }

  private set(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
