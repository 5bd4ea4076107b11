/**
 * Storage: everything that outlives a process. The board document is kept as a snapshot plus an
 * append-only log of updates; server-private data (sessions, who wrote which note, applied
 * command ids) sits beside it, never in the document.
 *
 * One implementation (`sql-storage.ts`) over a dialect per engine: SQLite (`sqlite.ts`, the
 * embedded default, one process) and PostgreSQL (`postgres.ts`, shared by many instances). Every
 * method is async so that a networked database, or a database on another thread, fits the same
 * interface.
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
  /** The board's commit sequence when read (see {@link BoardLock}); 0 when it does not exist. */
  seq: number;
}

/** What one committed batch changed in server-private state, as the effect log keeps it. */
export interface LoggedChanges {
  seq: number;
  joined: ParticipantRecord[];
  /** In order; `rotateKey` is left out (it carries the key itself). */
  effects: PrivateEffect[];
}

/**
 * Server-private state a reader missed: the logged changes of every batch after the one it holds,
 * or, when the log no longer reaches back that far, the whole state.
 */
export type PrivateCatchUp =
  { kind: 'changes'; batches: LoggedChanges[] } | { kind: 'whole'; state: StoredPrivate };

/** What other instances committed to a board since an instance last read it. */
export interface BoardCatchUp {
  /** The compacted document, when compaction folded entries the reader has not seen. */
  snapshot: { data: Uint8Array; throughUpdateId: number } | null;
  /** Log entries after both the reader's last entry and the snapshot, oldest first. */
  updates: { id: number; data: Uint8Array }[];
  /** What changed in server-private state. */
  private: PrivateCatchUp;
}

/**
 * A board locked for one batch: other batches of the board wait until this one commits or
 * releases, in this process (SQLite) and in every process sharing the database (PostgreSQL).
 * Inside it an instance catches up with what others committed, checks retries, applies its
 * commands and commits: so two instances taking conflicting commands at once each see the other's
 * effect. Every write of a batch goes through a lock; there is no other way to commit.
 */
export interface BoardLock {
  /** The board's commit sequence (one more per committed batch); undefined when it was erased. */
  readonly seq: number | undefined;
  /**
   * What was committed after document log entry `sinceUpdateId`, and the private changes of the
   * batches after `sinceSeq`.
   */
  catchUp(sinceUpdateId: number, sinceSeq: number): Promise<BoardCatchUp>;
  /** The keys (`actor NUL commandId`) among `keys` whose commands were applied before. */
  appliedCommands(keys: { actor: string; commandId: string }[]): Promise<Set<string>>;
  /**
   * Writes the batch, advances the sequence and commits; the lock is released, whether the write
   * succeeds or not. Rejects when the board was erased.
   */
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
  /**
   * Whether other processes commit to the same boards (PostgreSQL). Boards then catch up with
   * storage under the lock; on SQLite this process is the only writer.
   */
  readonly shared: boolean;
  /** Creates a board with its first document state. */
  createBoard(board: BoardRecord, initialDoc: Uint8Array): Promise<void>;
  getBoard(id: string): Promise<BoardRecord | undefined>;
  getBoardByCode(code: string): Promise<BoardRecord | undefined>;

  getParticipantByToken(boardId: string, tokenHash: string): Promise<ParticipantRecord | undefined>;

  /** The stored document of a board. */
  loadDoc(boardId: string): Promise<StoredDoc>;
  /** The document and the private state of a board, both as of the same commit. */
  loadBoard(boardId: string): Promise<{ doc: StoredDoc; private: StoredPrivate }>;
  /** Replaces log entries up to `throughUpdateId` with `snapshot`, atomically. */
  compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void>;

  /** Participants, note authorship and offstage notes of a board. */
  loadPrivate(boardId: string): Promise<StoredPrivate>;

  /** Locks a board for one batch; the only way to commit. */
  lockBoard(boardId: string): Promise<BoardLock>;
  /** The commit sequence of each board that exists, to notice missed updates. */
  boardSeqs(boardIds: string[]): Promise<Map<string, number>>;

  /** Erases a board and everything stored about it (GDPR erasure). */
  deleteBoard(boardId: string): Promise<void>;

  close(): Promise<void>;
}
