/**
 * Storage: everything that outlives a process. The board document is kept as a snapshot plus an
 * append-only log of updates; server-private data (sessions, who wrote which note, applied
 * command ids) sits beside it, never in the document.
 *
 * Implementations: SQLite (`sqlite.ts`, the embedded default, one process) and PostgreSQL
 * (`postgres.ts`, shared by many instances). Every method is async so that a networked database
 * fits the same interface.
 */

import type { OffstageRecord, PrivateEffect } from '@pajataulu/shared';

export interface BoardRecord {
  id: string;
  code: string;
  title: string;
  template: string;
  createdAt: number;
  /** SHA-256 (hex) of the facilitator key. The key itself is never stored. */
  facilitatorKeyHash: string;
  /** SHA-256 (hex) of the projector key. */
  projectorKeyHash: string;
  /**
   * The projector key itself, so any facilitator device can show the projector link. It grants
   * only what a join code grants (seeing the board), unlike the facilitator key, which is never kept.
   * Null for boards created before it was kept.
   */
  projectorKey: string | null;
}

export interface ParticipantRecord {
  id: string;
  boardId: string;
  /** SHA-256 (hex) of the session token. */
  tokenHash: string;
  /** Kept only on named boards. */
  displayName: string | null;
  /** The role group picked at join. */
  groupId: string | null;
  /** The station (a prompt id) on a stations board. */
  stationId: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** Server-private state of a board, as stored. */
export interface StoredPrivate {
  participants: ParticipantRecord[];
  notes: { noteId: string; participantId: string | null; groupId: string | null }[];
  offstage: OffstageRecord[];
  votes: { roundId: string; participantId: string; noteId: string; dots: number }[];
  reactions: { noteId: string; reaction: string; actor: string }[];
}

export interface StoredDoc {
  /** The compacted document, or null when the board has only log entries. */
  snapshot: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest log entry read (0 when none); compaction folds entries up to it. */
  lastUpdateId: number;
  /** The board's commit sequence when read (shared storage only; see {@link BoardLock}). */
  seq?: number;
}

/** What other instances committed to a board since an instance last read it. */
export interface BoardCatchUp {
  /** The compacted document, when compaction folded entries the reader has not seen. */
  snapshot: { data: Uint8Array; throughUpdateId: number } | null;
  /** Log entries after both the reader's last entry and the snapshot, oldest first. */
  updates: { id: number; data: Uint8Array }[];
  /** The whole server-private state, as committed. */
  private: StoredPrivate;
}

/**
 * A board locked for one batch (shared storage): other instances' batches of the board wait
 * until this one commits or releases. Inside it an instance catches up with what others
 * committed, checks retries, applies its commands and commits: so two instances taking
 * conflicting commands at once each see the other's effect.
 */
export interface BoardLock {
  /** The board's commit sequence (one more per committed batch); undefined when it was erased. */
  readonly seq: number | undefined;
  /** Everything committed after log entry `sinceUpdateId`, and the private state. */
  catchUp(sinceUpdateId: number): Promise<BoardCatchUp>;
  /** The keys (`actor NUL commandId`) among `keys` whose commands were applied before. */
  appliedCommands(keys: { actor: string; commandId: string }[]): Promise<Set<string>>;
  /** Writes the batch, advances the sequence and commits; the lock is released. */
  commit(batch: CommitBatch): Promise<{ updateId: number | undefined; seq: number }>;
  /** Releases the lock without writing. */
  release(): Promise<void>;
}

/** One atomic write: a batch of applied commands and joins. */
export interface CommitBatch {
  boardId: string;
  /** The merged Yjs update of the batch, when it changed the document. */
  update: Uint8Array | null;
  /** Command ids applied in this batch, per actor, so a retry is recognised after a restart. */
  commands: { actor: string; commandId: string }[];
  /** Changes to server-private state, in order. */
  effects: PrivateEffect[];
  /** Participants who joined in this batch. */
  joined: ParticipantRecord[];
  /** A new facilitator key hash, when the batch rotated the key. */
  facilitatorKeyHash?: string;
  at: number;
}

/** Thrown by `createBoard` when the join code is taken; the caller draws another. */
export class JoinCodeTakenError extends Error {
  constructor() {
    super('join code taken');
    this.name = 'JoinCodeTakenError';
  }
}

export interface Storage {
  /** Creates a board with its first document state. */
  createBoard(board: BoardRecord, initialDoc: Uint8Array): Promise<void>;
  getBoard(id: string): Promise<BoardRecord | undefined>;
  getBoardByCode(code: string): Promise<BoardRecord | undefined>;

  getParticipantByToken(boardId: string, tokenHash: string): Promise<ParticipantRecord | undefined>;

  /** The stored document of a board. */
  loadDoc(boardId: string): Promise<StoredDoc>;
  /**
   * Writes a batch atomically: all of it is durable when this resolves, or none of it.
   * Resolves to the id of the log entry written, or undefined when the document did not change.
   */
  commit(batch: CommitBatch): Promise<number | undefined>;
  /** Replaces log entries up to `throughUpdateId` with `snapshot`, atomically. */
  compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void>;

  /** Whether `actor` had command `commandId` applied on the board before. */
  isCommandApplied(boardId: string, actor: string, commandId: string): Promise<boolean>;
  /** Participants, note authorship and offstage notes of a board. */
  loadPrivate(boardId: string): Promise<StoredPrivate>;

  /**
   * Locks a board for one batch across instances. Present on shared storage (PostgreSQL); absent
   * on SQLite, where one process is the only writer.
   */
  lockBoard?(boardId: string): Promise<BoardLock>;
  /** The commit sequence of each board that exists (shared storage), to notice missed updates. */
  boardSeqs?(boardIds: string[]): Promise<Map<string, number>>;

  /** Erases a board and everything stored about it (GDPR erasure). */
  deleteBoard(boardId: string): Promise<void>;

  close(): Promise<void>;
}
