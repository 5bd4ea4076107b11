/**
 * Storage: everything that outlives a process. The board document is kept as a snapshot plus an
 * append-only log of updates; server-private data (sessions, who wrote which note, applied
 * command ids) sits beside it, never in the document.
 *
 * Implementations: SQLite (`sqlite.ts`, the embedded default). Every method is async so that a
 * networked database fits the same interface.
 */

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
}

export interface ParticipantRecord {
  id: string;
  boardId: string;
  /** SHA-256 (hex) of the session token. */
  tokenHash: string;
  displayName: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface StoredDoc {
  /** The compacted document, or null when the board has only log entries. */
  snapshot: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest log entry read (0 when none); compaction folds entries up to it. */
  lastUpdateId: number;
}

/** One atomic write: a batch of applied commands. */
export interface CommitBatch {
  boardId: string;
  /** The merged Yjs update of every command in the batch. */
  update: Uint8Array;
  /** Command ids applied in this batch, per actor, so a retry is recognised after a restart. */
  commands: { actor: string; commandId: string }[];
  /** Notes created in this batch and who wrote them. */
  authors: { noteId: string; participantId: string }[];
  /** Notes deleted in this batch (their authorship rows go too). */
  deletedNotes: string[];
  /** A new board title, when the batch changed it. */
  title?: string;
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

  addParticipant(p: ParticipantRecord): Promise<void>;
  getParticipantByToken(boardId: string, tokenHash: string): Promise<ParticipantRecord | undefined>;

  /** The stored document of a board. */
  loadDoc(boardId: string): Promise<StoredDoc>;
  /**
   * Writes a batch atomically: all of it is durable when this resolves, or none of it.
   * Resolves to the id of the log entry written.
   */
  commit(batch: CommitBatch): Promise<number>;
  /** Replaces log entries up to `throughUpdateId` with `snapshot`, atomically. */
  compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void>;

  /** Whether `actor` had command `commandId` applied on the board before. */
  isCommandApplied(boardId: string, actor: string, commandId: string): Promise<boolean>;
  /** note id → participant id, for every note with a known author. */
  noteAuthors(boardId: string): Promise<Map<string, string>>;

  close(): Promise<void>;
}
