/**
 * What the unit tests of the batch pipeline's phases share: a board in a real SQLite file (or any
 * given storage), loaded as the registry loads it, and jobs whose answers can be awaited.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  initBoardDoc,
  parseEnvelope,
  randomId,
  type CommandAck,
  type CommandEnvelope,
  type PrivateState,
} from '@pajataulu/shared';
import { afterEach, beforeEach } from 'vitest';
import { applyBatch, type AppliedBatch, type ApplyContext } from '../board/pipeline/apply-batch.js';
import { buildPrivateState } from '../board/pipeline/catch-up.js';
import { commitBatch } from '../board/pipeline/commit.js';
import { RecentCommands } from '../board/pipeline/dedupe.js';
import type { CommandJob, JoinJob, JoinResult, WriteJob } from '../board/pipeline/jobs.js';
import { lockFor } from '../board/pipeline/lock.js';
import type { Session } from '../board/session.js';
import { setLogLevel } from '../log.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { ParticipantRecord, Storage } from '../storage/storage.js';

setLogLevel('silent');

/** A board as a live board holds it: document, private state and place in the commit order. */
export interface LoadedBoard {
  boardId: string;
  doc: Y.Doc;
  state: PrivateState;
  seq: number;
  lastUpdateId: number;
}

/** A fresh SQLite file name. */
export function sqliteFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pj-pipeline-')), 'board.sqlite');
}

/** Storage in a SQLite file (a fresh one unless named). */
export function sqliteStorage(file = sqliteFile()): Promise<Storage> {
  return openSqliteStorage(file);
}

/** Creates a blank board with the default role groups in `storage`; returns its id. */
export async function createStoredBoard(storage: Storage): Promise<string> {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Työpaja',
    template: 'blank',
    now: Date.now(),
    schemaVersion: BOARD_SCHEMA_VERSION,
  });
  const boardId = randomId(20);
  await storage.createBoard(
    {
      id: boardId,
      code: randomId(8).toUpperCase(),
      title: 'Työpaja',
      template: 'blank',
      createdAt: Date.now(),
      facilitatorKeyHash: 'f'.repeat(64),
      projectorKeyHash: 'p'.repeat(64),
      projectorKey: null,
    },
    Y.encodeStateAsUpdate(doc),
  );
  doc.destroy();
  return boardId;
}

/** The board as storage holds it now. */
export async function loadBoard(storage: Storage, boardId: string): Promise<LoadedBoard> {
  const stored = await storage.loadDoc(boardId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return {
    boardId,
    doc,
    state: buildPrivateState(await storage.loadPrivate(boardId)),
    seq: stored.seq ?? 0,
    lastUpdateId: stored.lastUpdateId,
  };
}

/** An apply context over a loaded board; `poisoned` and the rest as a live board has them. */
export function applyContext(
  board: LoadedBoard,
  extra: { recent?: RecentCommands; poisoned?: Set<string>; applying?: string[] } = {},
): ApplyContext {
  let revision = 0;
  return {
    boardId: board.boardId,
    doc: board.doc,
    state: board.state,
    recent: extra.recent ?? new RecentCommands(),
    poisoned: (key) => extra.poisoned?.has(key) ?? false,
    applying: (key) => {
      if (key !== undefined) extra.applying?.push(key);
    },
    nextRevision: () => ++revision,
  };
}

export function facilitator(boardId: string): Session {
  return { boardId, code: 'CODE', role: 'facilitator' };
}

export function participantSession(boardId: string, participantId: string): Session {
  return { boardId, code: 'CODE', role: 'participant', participantId };
}

export function participantRecord(
  boardId: string,
  id = randomId(20),
  groupId: string | null = null,
): ParticipantRecord {
  return {
    id,
    boardId,
    tokenHash: randomId(20),
    displayName: null,
    groupId,
    stationId: null,
    createdAt: Date.now(),
    revokedAt: null,
  };
}

/** A command as the gateway hands it on: parsed, defaults filled in. */
export function envelope(command: Record<string, unknown>, id = randomId(20)): CommandEnvelope {
  const parsed = parseEnvelope({ id, command });
  if (!parsed.ok) throw new Error(`bad test command: ${parsed.error.message}`);
  return parsed.envelope;
}

/** A command job and its acknowledgement. */
export function commandJob(
  session: Session,
  env: CommandEnvelope,
): { job: CommandJob; ack: Promise<CommandAck> } {
  let resolve!: (a: CommandAck) => void;
  const ack = new Promise<CommandAck>((r) => (resolve = r));
  return { job: { kind: 'command', session, envelope: env, resolve }, ack };
}

/** A join job and its answer. */
export function joinJob(participant: ParticipantRecord): {
  job: JoinJob;
  done: Promise<JoinResult>;
} {
  let resolve!: (r: JoinResult) => void;
  const done = new Promise<JoinResult>((r) => (resolve = r));
  return { job: { kind: 'join', participant, resolve }, done };
}

/** What {@link useStoredBoard} gives each test. */
export interface StoredBoardFixture {
  /** The SQLite file; open it again with {@link sqliteStorage} after closing `storage`. */
  readonly file: string;
  storage: Storage;
  readonly board: LoadedBoard;
}

/** A fresh board in a fresh SQLite file for each test of the enclosing `describe` (or file). */
export function useStoredBoard(): StoredBoardFixture {
  let current: { file: string; storage: Storage; board: LoadedBoard } | undefined;
  beforeEach(async () => {
    const file = sqliteFile();
    const storage = await sqliteStorage(file);
    current = { file, storage, board: await loadBoard(storage, await createStoredBoard(storage)) };
  });
  afterEach(async () => {
    current?.board.doc.destroy();
    await current?.storage.close();
  });
  const now = () => {
    if (!current) throw new Error('the board is made in beforeEach');
    return current;
  };
  return {
    get file() {
      return now().file;
    },
    get storage() {
      return now().storage;
    },
    set storage(s: Storage) {
      now().storage = s;
    },
    get board() {
      return now().board;
    },
  };
}

/** Applies `jobs` (none of them a retry) and commits them, as a live board would. */
export async function commitJobs(
  storage: Storage,
  board: LoadedBoard,
  jobs: WriteJob[],
): Promise<AppliedBatch> {
  const applied = applyBatch(
    applyContext(board),
    jobs,
    jobs.map(() => false),
    Date.now(),
  );
  await commitBatch(await lockFor(storage, board.boardId), applied.commit);
  return applied;
}

/** Applies and commits `[session, command]` pairs; returns what was applied. */
export function commitCommands(
  storage: Storage,
  board: LoadedBoard,
  ...commands: [Session, CommandEnvelope][]
): Promise<AppliedBatch> {
  return commitJobs(
    storage,
    board,
    commands.map(([s, e]) => commandJob(s, e).job),
  );
}

/** A participant joined and committed; returns their session. */
export async function joinCommitted(storage: Storage, board: LoadedBoard): Promise<Session> {
  const p = participantRecord(board.boardId);
  await commitJobs(storage, board, [joinJob(p).job]);
  return participantSession(board.boardId, p.id);
}
