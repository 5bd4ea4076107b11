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
  listClusters,
  listPrompts,
  listRounds,
  readMeta,
  type BoardState,
  type CommandAck,
  type CommandInput,
  type DocVersion,
  type OffstageChange,
  type OffstageNote,
  type PointerInfo,
  type PresenceInfo,
  type PersonalDataFlag,
  type PersonalDataKind,
  type Reaction,
  type SessionInfo,
} from '@pajataulu/shared';
import { NotesReader } from './notes-reader.js';
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
/**
 * An `internal` refusal is retried this many times, then reported like any other refusal: the
 * board behind it has been reloaded, so a retry usually succeeds, but a command that keeps
 * failing must not hold up every command queued behind it.
 */
export const MAX_INTERNAL_RETRIES = 3;
/** Wait before the first retry of a command that got no answer or a retryable refusal. */
export const RETRY_DELAY_MS = 2_000;
/** The longest wait between retries (the wait doubles with each retry of the same command). */
export const MAX_RETRY_DELAY_MS = 16_000;
/**
 * The share of each wait that is random, so that the clients of a stopped instance or of a
 * storage outage do not all come back at the same moment.
 */
export const RETRY_JITTER = 0.5;

/** The wait before retry number `retries` (0 for the first): doubling, capped, jittered. */
export function retryDelay(retries: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS * 2 ** retries);
  return Math.round(base * (1 - RETRY_JITTER * random()));
}

/**
 * `connecting` until the first connection; `online` and `offline` after it; `refused` when the
 * server will not let us in (see {@link ConnectionState.refusal}); `removed` when a facilitator
 * removed this participant.
 */
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
  reactions: (c: { noteId: string; mine: Reaction[] }) => void;
  /** Facilitators only. */
  flags: (flags: PersonalDataFlag[]) => void;
}

/** The command channel (socket.io in the app). */
export interface CommandChannel {
  /** Sends one command; rejects when no answer comes within `timeoutMs` or the connection drops. */
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

/** Everything the UI reads from the engine; replaced whole on every change. */
export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the server refused us, when status is `refused`. */
  refusal: ErrorCode | undefined;
  /** Whether the replica has caught up with the server at least once since it (re)connected. */
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
  /** The reactions this participant gave, per note. */
  myReactions: Readonly<Record<string, readonly Reaction[]>>;
  /** Facilitators only: notes that look like they hold personal data, and what it looks like. */
  flags: Readonly<Record<string, readonly PersonalDataKind[]>>;
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

/** The replica's state vector: each writer's clock, as far as this replica has it. */
function replicaVersions(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** Options of {@link BoardConnection}; every one has a default for the browser. */
export interface BoardConnectionOptions {
  doc?: Y.Doc;
  /** Where the queue survives reloads. */
  store?: QueueStore;
  /** Runs a function before the next paint (requestAnimationFrame in the browser). */
  schedule?: (fn: () => void) => unknown;
}

/** The engine of one board for one user. See the module comment. */
export class BoardConnection {
  /** The replica. Only the server writes to the board; nothing in the client may change it. */
  readonly doc: Y.Doc;
  private state: ConnectionState;
  private readonly listeners = new Set<() => void>();
  private readonly queue: CommandQueue;
  /**
   * The command on its way, if any. Commands go one at a time, oldest first, so a note's text is
   * never sent before the note itself, even when the note had to be retried.
   */
  private sending: { id: string; attempt: number } | undefined;
  private attempts = 0;
  /** Retries of the command at the head of the queue so far. */
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private awaiting: Awaiting[] = [];
  private offstage = new Map<string, OffstageNote>();
  private board: BoardState;
  private framePending = false;
  private readonly notesReader: NotesReader;
  private closed = false;
  private connected = false;
  private command: CommandChannel | undefined;
  private docChannel: DocChannel | undefined;
  private readonly schedule: (fn: () => void) => unknown;

  constructor(opts: BoardConnectionOptions = {}) {
    this.doc = opts.doc ?? new Y.Doc();
    this.queue = new CommandQueue(opts.store ?? MEMORY_STORE);
    this.schedule = opts.schedule ?? ((fn) => requestAnimationFrame(fn));
    this.notesReader = new NotesReader(this.doc);
    this.board = this.readBoard();
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
      // Notes written offline before a reload are still this user's.
      own: new Set(
        this.queue.pending.flatMap((p) => (p.command.type === 'note.add' ? [p.command.id] : [])),
      ),
      queued: this.queue.pending.length,
      myVotes: {},
      myReactions: {},
      flags: {},
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
      if (connected) {
        // A fresh connection is worth trying at once, whatever the last wait was.
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.retries = 0;
        this.flush();
      } else this.sending = undefined;
    });
    command.on('session', (s) => {
      const own = new Set(this.state.own);
      for (const id of s.ownNotes) own.add(id);
      this.offstage = new Map(s.offstage.map((n) => [n.id, n]));
      this.state = {
        ...this.state,
        session: s,
        own,
        myVotes: s.votes,
        myReactions: s.reactions ?? {},
        flags: Object.fromEntries((s.flags ?? []).map((f) => [f.noteId, f.kinds])),
        station: s.station,
        clockOffset: s.serverTime - Date.now(),
      };
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
    command.on('reactions', ({ noteId, mine }) =>
      this.set({ myReactions: { ...this.state.myReactions, [noteId]: mine } }),
    );
    command.on('flags', (changes) => {
      const flags = { ...this.state.flags };
      for (const { noteId, kinds } of changes) {
        if (kinds.length > 0) flags[noteId] = kinds;
        else delete flags[noteId];
      }
      this.set({ flags });
    });
    docChannel.onSynced((synced) => {
      this.state = { ...this.state, synced };
      this.refresh();
    });
    docChannel.onRefused(() => {
      if (this.state.status !== 'removed')
        this.set({ status: 'refused', refusal: this.state.refusal ?? ErrorCode.Unauthorized });
    });
  }

  /** Calls `listener` after every change of {@link getState}; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current state; the same object until something changes (for `useSyncExternalStore`). */
  getState = (): ConnectionState => this.state;

  /**
   * Queues a command and sends it when online; a command still queued when the page closes is
   * sent after the next load. Returns the id it is sent under, or undefined when it cancelled a
   * command not sent yet (deleting a note that never reached the server).
   */
  run(command: CommandInput): string | undefined {
    const item: PendingCommand = { id: randomId(20), command, at: Date.now() };
    const id = this.queue.add(item, this.sending?.id);
    if (command.type === 'note.add') {
      const own = new Set(this.state.own);
      own.add(command.id);
      this.state = { ...this.state, own };
    }
    this.refresh();
    this.flush();
    return id;
  }

  /** Sends the facilitator's pointer (volatile; never queued). */
  pointer(p: PointerInfo): void {
    if (this.connected) this.command?.pointer(p);
  }

  /** Server time now, by the last estimate. */
  now(): number {
    return Date.now() + this.state.clockOffset;
  }

  /** Closes both channels. The queue stays in its store for the next load. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.command?.close();
    this.docChannel?.close();
    this.doc.destroy();
    this.listeners.clear();
  }

  /** Sends the oldest queued command, unless one is on its way already. */
  private flush(): void {
    if (this.closed || !this.connected || !this.command || this.sending) return;
    if (this.retryTimer !== undefined) return;
    const item = this.queue.head;
    if (!item) return;
    const attempt = ++this.attempts;
    this.sending = { id: item.id, attempt };
    this.command.send({ id: item.id, command: item.command }, ACK_TIMEOUT_MS).then(
      (ack) => this.settle(item, attempt, ack),
      () => {
        // No answer (a timeout or a dropped connection): the same id goes again later, and the
        // server applies an id at most once.
        if (this.sending?.attempt !== attempt) return;
        this.sending = undefined;
        this.retryLater();
      },
    );
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const wait = retryDelay(this.retries);
    this.retries++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, wait);
  }

  private settle(item: PendingCommand, attempt: number, ack: CommandAck): void {
    if (this.closed) return;
    const current = this.sending?.attempt === attempt;
    if (current) this.sending = undefined;
    // The answer to an earlier attempt still counts; one for a command already settled does not.
    if (!this.queue.has(item.id)) {
      if (current) this.flush();
      return;
    }
    if (
      !ack.ok &&
      RETRYABLE.has(ack.error.code) &&
      (ack.error.code !== ErrorCode.Internal || this.retries < MAX_INTERNAL_RETRIES)
    ) {
      if (current) this.retryLater();
      return;
    }
    this.retries = 0;
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
        // What was queued for a note the server refused would only be refused too.
        this.queue.removeForNote(item.command.id);
        const own = new Set(this.state.own);
        own.delete(item.command.id);
        this.state = { ...this.state, own };
      }
      this.state = { ...this.state, lastError: { code: ack.error.code, at: Date.now() } };
    }
    this.refresh();
    this.flush();
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
  /** The board as `readBoard` reads it, with only the changed notes read again. */
  private readBoard(): BoardState {
    return {
      meta: readMeta(this.doc),
      prompts: listPrompts(this.doc),
      notes: this.notesReader.read(),
      rounds: listRounds(this.doc),
      clusters: listClusters(this.doc),
    };
  }

  private refresh(): void {
    this.board = this.readBoard();
    const now = Date.now();
    const have = this.awaiting.length > 0 ? replicaVersions(this.doc) : undefined;
    this.awaiting = this.awaiting.filter((a) => {
      if ((have?.get(a.version.client) ?? 0) < a.version.clock) return true;
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
