/**
 * The storages the conformance suites run against: the embedded SQLite file and PostgreSQL (when
 * DATABASE_URL is set, as it is in CI), each Postgres run in a schema of its own; and the helpers
 * the suites share.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import * as Y from 'yjs';
import { randomId } from '@pajataulu/shared';
import { setLogLevel } from '../log.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { BoardRecord, CommitBatch, ParticipantRecord, Storage } from '../storage/storage.js';

setLogLevel('silent');

const DATABASE_URL = process.env['DATABASE_URL'];
const schemas: string[] = [];

export interface Kind {
  name: string;
  /** Opens storage; a second call opens a second connection to the same data. */
  open: () => Promise<{ a: Storage; b: () => Promise<Storage> }>;
}

export const KINDS: Kind[] = [
  {
    name: 'sqlite',
    open: async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pj-store-')), 'db.sqlite');
      return { a: await openSqliteStorage(file), b: () => openSqliteStorage(file) };
    },
  },
];
if (DATABASE_URL) {
  KINDS.push({
    name: 'postgres',
    open: async () => {
      const schema = `pj_test_${randomId(10)}`;
      schemas.push(schema);
      return {
        a: await openPostgresStorage(DATABASE_URL, { schema }),
        b: () => openPostgresStorage(DATABASE_URL, { schema }),
      };
    },
  });
} else {
  console.warn('DATABASE_URL is not set: the PostgreSQL storage is not tested in this run');
}

/** Drops the PostgreSQL schemas the importing test file made, once it is done. */
afterAll(async () => {
  if (!DATABASE_URL || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const s of schemas)
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await client.end();
});

export function board(overrides: Partial<BoardRecord> = {}): BoardRecord {
  return {
    id: randomId(20),
    code: randomId(7).toUpperCase(),
    title: 'Työpaja',
    template: 'blank',
    createdAt: 1_000,
    facilitatorKeyHash: 'f'.repeat(64),
    projectorKeyHash: 'p'.repeat(64),
    projectorKey: 'q'.repeat(43),
    ...overrides,
  };
}

/** A participant of board `boardId`, as a join stores it. */
export function participant(
  boardId: string,
  overrides: Partial<ParticipantRecord> = {},
): ParticipantRecord {
  return {
    id: 'p1',
    boardId,
    tokenHash: 't'.repeat(64),
    displayName: null,
    groupId: null,
    stationId: null,
    createdAt: 5,
    revokedAt: null,
    ...overrides,
  };
}

export function docWith(text: string): Uint8Array {
  const d = new Y.Doc();
  d.getMap('notes').set(randomId(20), text);
  return Y.encodeStateAsUpdate(d);
}

export function batch(
  boardId: string,
  update: Uint8Array | null,
  extra: Partial<CommitBatch> = {},
): CommitBatch {
  return { boardId, update, commands: [], effects: [], joined: [], at: 2_000, ...extra };
}

/** Commits one batch under the board's lock, the only way to commit; resolves to the log entry id. */
export async function commit(s: Storage, b: CommitBatch): Promise<number | undefined> {
  const lock = await s.lockBoard(b.boardId);
  return (await lock.commit(b)).updateId;
}

/** Whether `actor` had `commandId` applied on the board, as a batch checks it under the lock. */
export async function isCommandApplied(
  s: Storage,
  boardId: string,
  actor: string,
  commandId: string,
): Promise<boolean> {
  const lock = await s.lockBoard(boardId);
  try {
    return (await lock.appliedCommands([{ actor, commandId }])).size > 0;
  } finally {
    await lock.release();
  }
}

export function replay(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): Y.Doc {
  const d = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(d, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(d, u);
  return d;
}
